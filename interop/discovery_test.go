package interop

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axiomsgo/axioms/authtest"
	"github.com/axiomsgo/axioms/core"
)

// Discovery paths, as the servers serve them.
const (
	openIDConfiguration = "/.well-known/openid-configuration"       // OpenID Connect Discovery 1.0 §4
	oauthMetadata       = "/.well-known/oauth-authorization-server" // RFC 8414 §3
	jwksFallback        = "/.well-known/jwks.json"                  // the axioms default without discovery
)

// metadata is what a verifier reads of a discovery document.
type metadata struct {
	Issuer  string `json:"issuer"`
	JWKSURI string `json:"jwks_uri"`
}

// advertised returns the OpenID Connect discovery document of the server at
// base: its "issuer" is what the tests configure, exactly as the server
// advertises it.
func advertised(t testing.TB, base string) metadata {
	t.Helper()
	var m metadata
	getJSON(t, strings.TrimRight(base, "/")+openIDConfiguration, &m)
	require.NotEmpty(t, m.Issuer, "%s%s: issuer", base, openIDConfiguration)
	require.NotEmpty(t, m.JWKSURI, "%s%s: jwks_uri", base, openIDConfiguration)
	return m
}

// discoveryConfig is the Config core.ConfigFromLookup makes of
// AXIOMS_ISS_URL and AXIOMS_AUDIENCE alone, so that every key set URL comes
// from discovery. Only the Logger is added, to see which document each key
// set read (the settings of the verifier are untouched).
func discoveryConfig(t testing.TB, issURL, audience string, logs *logRecorder) core.Config {
	t.Helper()
	env := map[string]string{"AXIOMS_ISS_URL": issURL, "AXIOMS_AUDIENCE": audience}
	cfg, err := core.ConfigFromLookup(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	require.NoError(t, err, "core.ConfigFromLookup(%v)", env)
	require.Empty(t, cfg.JWKSURL, "no JWKS URL: discovery")
	for _, ic := range cfg.Issuers {
		require.Empty(t, ic.JWKSURL, "no JWKS URL for %s: discovery", ic.Issuer)
	}
	cfg.Logger = slog.New(logs)
	return cfg
}

// TestDiscovery configures the verifiers of every adapter with nothing but
// the issuer and the audience (AXIOMS_ISS_URL, AXIOMS_AUDIENCE; no
// AXIOMS_JWKS_URL) and sends real tokens of Ory Hydra and node
// oidc-provider: each key set finds its JWKS URL through the server's
// OpenID Connect discovery document. One Hydra and one oidc-provider serve
// the three subtests: each server alone, then both as two issuers of one
// verifier.
//
// The servers advertise their base URL as issuer, unchanged (no trailing
// slash added), in their documents and in their tokens; the tests take the
// issuer from the document and check that the tokens carry the same. Hydra
// serves its keys at the axioms default /.well-known/jwks.json and has no
// RFC 8414 document; oidc-provider serves them at /jwks (the default URL is
// 404 there, so only discovery finds them) and answers the RFC 8414 path
// with the same document.
func TestDiscovery(t *testing.T) {
	t.Parallel()
	h := startHydra(t)
	op := startOIDCProvider(t)

	hydraMeta, opMeta := advertised(t, h.issuer), advertised(t, op.Issuer)
	t.Logf("hydra advertises issuer %q, jwks_uri %q", hydraMeta.Issuer, hydraMeta.JWKSURI)
	t.Logf("oidc-provider advertises issuer %q, jwks_uri %q", opMeta.Issuer, opMeta.JWKSURI)

	id, secret := h.createClient(t, "jwt")
	hydraRead := h.token(t, id, secret, "read:data", hydraAudience)
	opRead := op.token(t, rsRS256, "read:data")          // RS256
	opWrite := op.token(t, rsES256, "write:data openid") // ES256

	t.Run("documents", func(t *testing.T) {
		for _, tc := range []struct {
			server, base string
			meta         metadata
			token        string
			jwksURI      string
			oauthDoc     int // status of the RFC 8414 document
			fallback     int // status of {issuer}/.well-known/jwks.json
		}{
			{"hydra", h.issuer, hydraMeta, hydraRead, h.issuer + jwksFallback, http.StatusNotFound, http.StatusOK},
			{"oidc-provider", op.Issuer, opMeta, opRead, op.Issuer + "/jwks", http.StatusOK, http.StatusNotFound},
		} {
			assert.Equal(t, tc.base, tc.meta.Issuer, "%s: the advertised issuer is the base URL, unchanged", tc.server)
			_, claims := jwtParts(t, tc.token)
			assert.Equal(t, tc.meta.Issuer, claims["iss"], "%s: iss of its tokens = the advertised issuer", tc.server)
			assert.Equal(t, tc.jwksURI, tc.meta.JWKSURI, "%s: jwks_uri", tc.server)
			assert.NoError(t, statusIs(tc.meta.Issuer+oauthMetadata, tc.oauthDoc), "%s: RFC 8414 document", tc.server)
			assert.NoError(t, statusIs(tc.meta.Issuer+jwksFallback, tc.fallback), "%s: %s", tc.server, jwksFallback)
		}
		var oauth metadata // what oidc-provider answers on the RFC 8414 path
		getJSON(t, op.Issuer+oauthMetadata, &oauth)
		assert.Equal(t, opMeta, oauth, "oidc-provider: the RFC 8414 document names the same issuer and keys")
	})

	t.Run("hydra", func(t *testing.T) {
		t.Parallel()
		logs := &logRecorder{}
		apps := newApps(t, discoveryConfig(t, hydraMeta.Issuer, hydraAudience, logs))
		checkAll(t, apps, hydraRead,
			call{method: "GET", path: "/me", status: 200, sub: id},
			call{method: "GET", path: "/api/read", status: 200},
			call{method: "POST", path: "/api/write", status: 403, err: "insufficient_scope", scope: writeChallenge},
		)
		logs.requireDiscovered(t, hydraMeta, len(apps))
	})

	t.Run("oidc-provider", func(t *testing.T) {
		t.Parallel()
		logs := &logRecorder{}
		apps := newApps(t, discoveryConfig(t, opMeta.Issuer, rsRS256+","+rsES256, logs))
		t.Run("RS256 read:data", func(t *testing.T) {
			checkAll(t, apps, opRead,
				call{method: "GET", path: "/me", status: 200, sub: op.ClientID},
				call{method: "GET", path: "/api/read", status: 200},
				call{method: "POST", path: "/api/write", status: 403, err: "insufficient_scope", scope: writeChallenge},
			)
		})
		t.Run("ES256 write:data openid", func(t *testing.T) {
			checkAll(t, apps, opWrite,
				call{method: "POST", path: "/api/write", status: 200},
				call{method: "GET", path: "/api/read", status: 403, err: "insufficient_scope", scope: readChallenge},
			)
		})
		logs.requireDiscovered(t, opMeta, len(apps))
	})

	t.Run("two issuers", func(t *testing.T) {
		t.Parallel()
		logs := &logRecorder{}
		cfg := discoveryConfig(t, hydraMeta.Issuer+","+opMeta.Issuer, hydraAudience+","+rsRS256, logs)
		require.Len(t, cfg.Issuers, 2, "AXIOMS_ISS_URL with two issuers")
		apps := newApps(t, cfg)

		// Tokens naming neither issuer, signed by a loopback issuer that
		// serves discovery and keys of its own: an unlisted issuer, and
		// Hydra's issuer with a trailing slash (no normalisation).
		other := authtest.NewTestIssuer(t, authtest.WithAudience(hydraAudience))
		unlisted := other.MustToken(t, id, authtest.Scopes("read:data"))
		slash := other.MustToken(t, id, authtest.Scopes("read:data"), authtest.Claim("iss", hydraMeta.Issuer+"/"))

		t.Run("hydra token", func(t *testing.T) {
			checkAll(t, apps, hydraRead,
				call{method: "GET", path: "/me", status: 200, sub: id},
				call{method: "GET", path: "/api/read", status: 200},
				call{method: "POST", path: "/api/write", status: 403, err: "insufficient_scope", scope: writeChallenge},
			)
		})
		t.Run("oidc-provider token", func(t *testing.T) {
			checkAll(t, apps, opRead,
				call{method: "GET", path: "/me", status: 200, sub: op.ClientID},
				call{method: "GET", path: "/api/read", status: 200},
				call{method: "POST", path: "/api/write", status: 403, err: "insufficient_scope", scope: writeChallenge},
			)
		})
		for name, tok := range map[string]string{"unlisted iss": unlisted, "iss with trailing slash": slash} {
			t.Run(name, func(t *testing.T) {
				checkAll(t, apps, tok,
					call{method: "GET", path: "/me", status: 401, err: "invalid_token"},
					call{method: "GET", path: "/api/read", status: 401, err: "invalid_token"},
				)
			})
		}
		assert.Zero(t, other.Requests(), "a token's iss never makes a verifier fetch anything")
		logs.requireDiscovered(t, hydraMeta, len(apps))
		logs.requireDiscovered(t, opMeta, len(apps))
	})
}

// logRecorder is a slog.Handler that keeps every record, Debug included.
type logRecorder struct {
	mu      sync.Mutex
	records []logRecord
}

type logRecord struct {
	level slog.Level
	msg   string
	attrs map[string]string
}

func (l *logRecorder) Enabled(context.Context, slog.Level) bool { return true }

func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	rec := logRecord{level: r.Level, msg: r.Message, attrs: map[string]string{}}
	r.Attrs(func(a slog.Attr) bool { rec.attrs[a.Key] = a.Value.String(); return true })
	l.mu.Lock()
	l.records = append(l.records, rec)
	l.mu.Unlock()
	return nil
}

// The verifiers log without attributes or groups of their own; these are
// here to implement slog.Handler.
func (l *logRecorder) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logRecorder) WithGroup(string) slog.Handler      { return l }

// requireDiscovered checks that n key sets (one per verifier) of m.Issuer
// found their JWKS URL in its OpenID Connect discovery document, and that
// no key set of it fell back to the default URL or failed.
func (l *logRecorder) requireDiscovered(t testing.TB, m metadata, n int) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var found int
	var all []string
	for _, r := range l.records {
		all = append(all, fmt.Sprintf("%s %q %v", r.level, r.msg, r.attrs))
		if r.attrs["issuer"] != m.Issuer && r.attrs["url"] != m.JWKSURI {
			continue
		}
		switch {
		case r.msg == "axioms: discovery":
			assert.Equal(t, m.Issuer+openIDConfiguration, r.attrs["document"], "document read")
			assert.Equal(t, m.JWKSURI, r.attrs["jwks_uri"], "jwks_uri found")
			found++
		case r.level > slog.LevelDebug:
			t.Errorf("unexpected log record for %s: %s %q %v", m.Issuer, r.level, r.msg, r.attrs)
		}
	}
	assert.Equal(t, n, found, "key sets of %s that discovered their JWKS URL; log:\n%s", m.Issuer, strings.Join(all, "\n"))
}
