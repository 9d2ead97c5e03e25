package core

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dvServer is a loopback server with settable routes that counts the
// requests of every path; unknown paths answer 404.
type dvServer struct {
	*httptest.Server
	mu     sync.Mutex
	routes map[string]http.HandlerFunc
	hits   map[string]int
	total  atomic.Int64
}

func newDVServer(tb testing.TB) *dvServer {
	tb.Helper()
	s := &dvServer{routes: map[string]http.HandlerFunc{}, hits: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.total.Add(1)
		s.mu.Lock()
		s.hits[r.URL.Path]++
		h := s.routes[r.URL.Path]
		s.mu.Unlock()
		if h == nil {
			http.NotFound(w, r)
			return
		}
		h(w, r)
	}))
	tb.Cleanup(s.Close)
	return s
}

// route sets the handler of path (nil: 404).
func (s *dvServer) route(path string, h http.HandlerFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.routes[path] = h
}

// hitsOf returns how many requests path has had.
func (s *dvServer) hitsOf(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

// dvJSON answers doc as JSON.
func dvJSON(tb testing.TB, doc any) http.HandlerFunc {
	body := []byte(kitJSON(tb, doc))
	if b, ok := doc.([]byte); ok {
		body = b
	}
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}
}

// dvStatus answers code with an empty body.
func dvStatus(code int) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(code) }
}

// dvHangUp closes the connection without an answer (a network error).
func dvHangUp(w http.ResponseWriter, _ *http.Request) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("dvHangUp: no hijacker")
	}
	conn, _, err := hj.Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

// dvMetadata is a discovery document naming issuer and jwksURI.
func dvMetadata(issuer, jwksURI string) map[string]any {
	return map[string]any{"issuer": issuer, "jwks_uri": jwksURI, "response_types_supported": []string{"code"}}
}

// dvConfig is a key set Config for discovery from issuer, with the test
// clock and the test intervals of remote_test.go.
func dvConfig(issuer string, clk *kitClock, logs *rksLog) Config {
	cfg := rksConfig("", clk)
	cfg.Issuer = issuer
	if logs != nil {
		cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return cfg
}

// dvKey is the signing key of the discovery tests, with its JWKS.
func dvKey(tb testing.TB) (*kitKey, []byte) {
	tb.Helper()
	k := newKitKey(tb, "dv-k1", "ES256")
	return k, kitJWKS(tb, k.jwk(tb))
}

// dvKeysOK asserts that r serves k after discovery.
func dvKeysOK(tb testing.TB, r *RemoteKeySet, k *kitKey) {
	tb.Helper()
	keys, err := r.Keys(context.Background(), k.kid)
	require.NoError(tb, err)
	require.Len(tb, keys, 1)
}

// dvKeysUnavailable asserts that r has no usable keys.
func dvKeysUnavailable(tb testing.TB, r *RemoteKeySet, k *kitKey) {
	tb.Helper()
	_, err := r.Keys(context.Background(), k.kid)
	require.ErrorIs(tb, err, ErrKeysUnavailable)
}

func TestDiscoveryURLs(t *testing.T) {
	tests := []struct {
		issuer, oidc, oauth, fallback string
	}{
		{"https://i.example", "https://i.example/.well-known/openid-configuration",
			"https://i.example/.well-known/oauth-authorization-server", "https://i.example/.well-known/jwks.json"},
		{"https://tenant.auth0.com/", "https://tenant.auth0.com/.well-known/openid-configuration",
			"https://tenant.auth0.com/.well-known/oauth-authorization-server", "https://tenant.auth0.com/.well-known/jwks.json"},
		{"https://host/tenant", "https://host/tenant/.well-known/openid-configuration",
			"https://host/.well-known/oauth-authorization-server/tenant", "https://host/tenant/.well-known/jwks.json"},
		{"https://i.example/realms/x//", "https://i.example/realms/x/.well-known/openid-configuration",
			"https://i.example/.well-known/oauth-authorization-server/realms/x", "https://i.example/realms/x/.well-known/jwks.json"},
		{"https://login.microsoftonline.com/9188040d/v2.0", "https://login.microsoftonline.com/9188040d/v2.0/.well-known/openid-configuration",
			"https://login.microsoftonline.com/.well-known/oauth-authorization-server/9188040d/v2.0",
			"https://login.microsoftonline.com/9188040d/v2.0/.well-known/jwks.json"},
		{"http://127.0.0.1:8080/a%2Fb", "http://127.0.0.1:8080/a%2Fb/.well-known/openid-configuration",
			"http://127.0.0.1:8080/.well-known/oauth-authorization-server/a%2Fb", "http://127.0.0.1:8080/a%2Fb/.well-known/jwks.json"},
	}
	for _, tt := range tests {
		t.Run(tt.issuer, func(t *testing.T) {
			assert.Equal(t, tt.oidc, openIDConfigurationURL(tt.issuer))
			assert.Equal(t, tt.oauth, oauthMetadataURL(tt.issuer))
			assert.Equal(t, tt.fallback, jwksFallbackURL(tt.issuer))
		})
	}
}

func TestDiscoveryMetadataJWKSURI(t *testing.T) {
	const iss = "https://issuer.example.com/tenant"
	tests := []struct {
		name, doc string
		want      string // "" = refused
		errParts  []string
	}{
		{"https", `{"issuer":"` + iss + `","jwks_uri":"https://keys.example.com/certs"}`, "https://keys.example.com/certs", nil},
		{"loopback http", `{"issuer":"` + iss + `","jwks_uri":"http://127.0.0.1:9/keys"}`, "http://127.0.0.1:9/keys", nil},
		{"query kept", `{"issuer":"` + iss + `","jwks_uri":"https://k.example/keys?appid=1"}`, "https://k.example/keys?appid=1", nil},
		{"extra members", `{"jwks_uri":"https://k.example/k","x":[1,{"y":null}],"issuer":"` + iss + `"}`, "https://k.example/k", nil},

		{"issuer mismatch", `{"issuer":"https://evil.example","jwks_uri":"https://k.example/k"}`, "", []string{"evil.example", "RFC 8414 §3.3"}},
		{"issuer trailing slash", `{"issuer":"` + iss + `/","jwks_uri":"https://k.example/k"}`, "", []string{"not the configured"}},
		{"issuer case", `{"issuer":"` + strings.ToUpper(iss) + `","jwks_uri":"https://k.example/k"}`, "", []string{"not the configured"}},
		{"no issuer", `{"jwks_uri":"https://k.example/k"}`, "", []string{`no "issuer"`}},
		{"issuer not a string", `{"issuer":["` + iss + `"],"jwks_uri":"https://k.example/k"}`, "", []string{`no "issuer"`}},
		{"no jwks_uri", `{"issuer":"` + iss + `"}`, "", []string{`no "jwks_uri"`}},
		{"empty jwks_uri", `{"issuer":"` + iss + `","jwks_uri":""}`, "", []string{`no "jwks_uri"`}},
		{"jwks_uri not a string", `{"issuer":"` + iss + `","jwks_uri":1}`, "", []string{`no "jwks_uri"`}},
		{"jwks_uri plain http", `{"issuer":"` + iss + `","jwks_uri":"http://keys.example.com/certs"}`, "", []string{"loopback"}},
		{"jwks_uri nip.io", `{"issuer":"` + iss + `","jwks_uri":"http://127.0.0.1.nip.io/certs"}`, "", []string{"loopback"}},
		{"jwks_uri ftp", `{"issuer":"` + iss + `","jwks_uri":"ftp://keys.example.com/certs"}`, "", []string{"scheme"}},
		{"jwks_uri relative", `{"issuer":"` + iss + `","jwks_uri":"/certs"}`, "", []string{"no host"}},
		{"jwks_uri userinfo", `{"issuer":"` + iss + `","jwks_uri":"https://u:hunter2@k.example/certs"}`, "", []string{"userinfo"}},
		{"jwks_uri fragment", `{"issuer":"` + iss + `","jwks_uri":"https://k.example/certs#x"}`, "", []string{"fragment"}},
		{"jwks_uri too long", `{"issuer":"` + iss + `","jwks_uri":"https://k.example/` + strings.Repeat("a", 3000) + `"}`, "", []string{"longer than"}},
		{"duplicate jwks_uri", `{"issuer":"` + iss + `","jwks_uri":"https://k.example/a","jwks_uri":"https://evil.example/b"}`, "", []string{"JSON object"}},
		{"not an object", `["` + iss + `"]`, "", []string{"JSON object"}},
		{"not JSON", `<html>`, "", []string{"JSON object"}},
		{"a JWKS", `{"keys":[]}`, "", []string{`no "issuer"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := metadataJWKSURI([]byte(tt.doc), iss)
			if tt.want != "" {
				require.NoError(t, err)
				assert.Equal(t, tt.want, got)
				return
			}
			require.Error(t, err)
			assert.Empty(t, got)
			for _, p := range tt.errParts {
				assert.Contains(t, err.Error(), p)
			}
			assert.NotContains(t, err.Error(), "hunter2")
			assert.Less(t, len(err.Error()), 400, "document values are bounded in errors")
		})
	}
}

func TestDiscoveryOpenIDConfiguration(t *testing.T) {
	noLeaks(t)
	k, jwks := dvKey(t)
	s := newDVServer(t)
	s.route("/.well-known/openid-configuration", dvJSON(t, dvMetadata(s.URL, s.URL+"/oauth2/v1/keys")))
	s.route("/.well-known/oauth-authorization-server", dvJSON(t, dvMetadata(s.URL, s.URL+"/wrong")))
	s.route("/oauth2/v1/keys", dvJSON(t, jwks))

	r := newRKS(t, dvConfig(s.URL, newKitClock(), nil))
	dvKeysOK(t, r, k)
	assert.Equal(t, 1, s.hitsOf("/.well-known/openid-configuration"))
	assert.Equal(t, 1, s.hitsOf("/oauth2/v1/keys"))
	assert.Zero(t, s.hitsOf("/.well-known/oauth-authorization-server"), "the first document decides")
	assert.Zero(t, s.hitsOf("/.well-known/jwks.json"))
	assert.Zero(t, s.hitsOf("/wrong"))
}

func TestDiscoveryOAuthMetadataPathInsertion(t *testing.T) {
	noLeaks(t)
	k, jwks := dvKey(t)
	for _, suffix := range []string{"/tenant1", "/tenant1/"} {
		t.Run(suffix, func(t *testing.T) {
			s := newDVServer(t)
			iss := s.URL + suffix
			// OpenID configuration absent (404); RFC 8414 at the inserted path.
			s.route("/.well-known/oauth-authorization-server/tenant1", dvJSON(t, dvMetadata(iss, s.URL+"/tenant1/keys")))
			s.route("/tenant1/.well-known/oauth-authorization-server", dvJSON(t, dvMetadata(iss, s.URL+"/appended")))
			s.route("/tenant1/keys", dvJSON(t, jwks))

			r := newRKS(t, dvConfig(iss, newKitClock(), nil))
			dvKeysOK(t, r, k)
			assert.Equal(t, 1, s.hitsOf("/tenant1/.well-known/openid-configuration"), "OpenID Connect first")
			assert.Equal(t, 1, s.hitsOf("/.well-known/oauth-authorization-server/tenant1"))
			assert.Zero(t, s.hitsOf("/tenant1/.well-known/oauth-authorization-server"), "not appended")
			assert.Zero(t, s.hitsOf("/appended"))
			assert.Zero(t, s.hitsOf("/tenant1/.well-known/jwks.json"), "no fallback when a document exists")
		})
	}
}

func TestDiscoveryNoDocumentFallsBack(t *testing.T) {
	noLeaks(t)
	k, jwks := dvKey(t)
	for _, code := range []int{http.StatusNotFound, http.StatusGone} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			s := newDVServer(t)
			iss := s.URL + "/realm/"
			s.route("/realm/.well-known/openid-configuration", dvStatus(code))
			s.route("/.well-known/oauth-authorization-server/realm", dvStatus(code))
			s.route("/realm/.well-known/jwks.json", dvJSON(t, jwks))
			var logs rksLog
			r := newRKS(t, dvConfig(iss, newKitClock(), &logs))
			dvKeysOK(t, r, k)
			assert.Equal(t, 1, s.hitsOf("/realm/.well-known/openid-configuration"))
			assert.Equal(t, 1, s.hitsOf("/.well-known/oauth-authorization-server/realm"))
			assert.Equal(t, 1, s.hitsOf("/realm/.well-known/jwks.json"))
			assert.Contains(t, logs.String(), "no discovery document")
		})
	}
}

// TestDiscoveryRefusals: a document that exists but cannot be used leaves
// the issuer without keys (503), and nothing else is tried.
func TestDiscoveryRefusals(t *testing.T) {
	noLeaks(t)
	_, jwks := dvKey(t)
	tests := []struct {
		name    string
		oidc    func(s *dvServer) http.HandlerFunc // nil: 404
		oauth   func(s *dvServer) http.HandlerFunc // nil: 404
		logPart string
	}{
		{"OpenID issuer mismatch", func(s *dvServer) http.HandlerFunc {
			return dvJSON(t, dvMetadata("https://evil.example", s.URL+"/keys"))
		}, nil, "not the configured"},
		{"OpenID issuer with extra slash", func(s *dvServer) http.HandlerFunc {
			return dvJSON(t, dvMetadata(s.URL+"/", s.URL+"/keys"))
		}, nil, "not the configured"},
		{"RFC 8414 issuer mismatch", nil, func(s *dvServer) http.HandlerFunc {
			return dvJSON(t, dvMetadata("http://127.0.0.1:1", s.URL+"/keys"))
		}, "not the configured"},
		{"jwks_uri plain http off loopback", func(s *dvServer) http.HandlerFunc {
			return dvJSON(t, dvMetadata(s.URL, "http://keys.example.com/keys"))
		}, nil, "loopback"},
		{"no jwks_uri", func(s *dvServer) http.HandlerFunc {
			return dvJSON(t, map[string]any{"issuer": s.URL})
		}, nil, "jwks_uri"},
		{"not JSON", func(*dvServer) http.HandlerFunc { return dvJSON(t, []byte("<html></html>")) }, nil, "JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newDVServer(t)
			if tt.oidc != nil {
				s.route("/.well-known/openid-configuration", tt.oidc(s))
			}
			if tt.oauth != nil {
				s.route("/.well-known/oauth-authorization-server", tt.oauth(s))
			}
			s.route("/keys", dvJSON(t, jwks))
			s.route("/.well-known/jwks.json", dvJSON(t, jwks))
			var logs rksLog
			cfg := dvConfig(s.URL, newKitClock(), &logs)
			cfg.KeySet, cfg.Audiences = nil, []string{"api"}
			v, err := NewVerifier(cfg)
			require.NoError(t, err, "start never fails on discovery")
			t.Cleanup(func() { _ = v.Close() })

			k, _ := dvKey(t)
			_, err = v.Verify(context.Background(), k.sign(t, isClaims(s.URL, "api", cfg.Now())))
			require.ErrorIs(t, err, ErrKeysUnavailable)
			resp := v.ErrorResponse(err)
			assert.Equal(t, http.StatusServiceUnavailable, resp.Status)
			assert.NotEmpty(t, resp.RetryAfter)

			assert.Zero(t, s.hitsOf("/keys"), "no keys from a refused document")
			assert.Zero(t, s.hitsOf("/.well-known/jwks.json"), "no fallback")
			if tt.oidc != nil {
				assert.Zero(t, s.hitsOf("/.well-known/oauth-authorization-server"), "the first document decides")
			}
			out := logs.String()
			assert.Contains(t, out, "level=ERROR")
			assert.Contains(t, out, "key set misconfigured")
			assert.Contains(t, out, tt.logPart)
			assert.Contains(t, out, "fix=")
			assert.ErrorIs(t, err, ErrKeySetMisconfigured)
			ready := v.Ready(context.Background())
			assert.ErrorIs(t, ready, ErrKeySetMisconfigured, "a probe tells it from an outage")
			assert.ErrorIs(t, ready, ErrKeysUnavailable)
		})
	}
}

// TestDiscoveryFailureIsRetried: a network error, 5xx or any status but
// 404/410 is a failed attempt, retried later; never "no document".
func TestDiscoveryFailureIsRetried(t *testing.T) {
	noLeaks(t)
	k, jwks := dvKey(t)
	failures := map[string]http.HandlerFunc{
		"500": dvStatus(http.StatusInternalServerError), "502": dvStatus(http.StatusBadGateway),
		"503": dvStatus(http.StatusServiceUnavailable), "403": dvStatus(http.StatusForbidden),
		"401": dvStatus(http.StatusUnauthorized), "hang-up": dvHangUp,
	}
	for name, fail := range failures {
		for _, which := range []string{"openid-configuration", "oauth-authorization-server"} {
			t.Run(name+" "+which, func(t *testing.T) {
				s := newDVServer(t)
				s.route("/.well-known/"+which, fail)
				s.route("/.well-known/jwks.json", dvJSON(t, jwks))
				clk := newKitClock()
				r := newRKS(t, dvConfig(s.URL, clk, nil))
				dvKeysUnavailable(t, r, k)
				assert.Equal(t, name == "401" || name == "403", errors.Is(r.ready(), ErrKeySetMisconfigured),
					"a client error is a misconfiguration, an outage is not")
				assert.Zero(t, s.hitsOf("/.well-known/jwks.json"), "a failure is not \"no document\"")
				if which == "openid-configuration" {
					assert.Zero(t, s.hitsOf("/.well-known/oauth-authorization-server"))
				}

				// The issuer recovers: the next attempt, MinRefreshInterval
				// later, discovers again.
				s.route("/.well-known/"+which, dvJSON(t, dvMetadata(s.URL, s.URL+"/keys")))
				s.route("/keys", dvJSON(t, jwks))
				dvKeysUnavailable(t, r, k) // rate-limited: no new attempt yet
				clk.Advance(rksMin)
				dvKeysOK(t, r, k)
				assert.Equal(t, 2, s.hitsOf("/.well-known/"+which))
				assert.Zero(t, s.hitsOf("/.well-known/jwks.json"))
			})
		}
	}
}

// TestDiscoveryBounded: a discovery document is fetched within FetchTimeout
// and MaxJWKSBytes, like a key set, and with the same redirect rules.
func TestDiscoveryBounded(t *testing.T) {
	noLeaks(t)
	k, jwks := dvKey(t)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	tests := []struct {
		name    string
		handler func(s *dvServer) http.HandlerFunc
		logPart string
	}{
		{"oversized", func(s *dvServer) http.HandlerFunc {
			doc := dvMetadata(s.URL, s.URL+"/keys")
			doc["padding"] = strings.Repeat("x", 4096)
			return dvJSON(t, doc)
		}, "larger than 2048 bytes"},
		{"slow", func(*dvServer) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-r.Context().Done():
				case <-release:
				}
			}
		}, "timeout|deadline exceeded"},
		{"slow body", func(s *dvServer) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"issuer":"` + s.URL + `",`))
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
				case <-release:
				}
			}
		}, "timeout|deadline exceeded"},
		{"redirect to plain http off loopback", func(*dvServer) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "http://192.0.2.1/.well-known/openid-configuration", http.StatusFound)
			}
		}, "redirect refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newDVServer(t)
			s.route("/.well-known/openid-configuration", tt.handler(s))
			s.route("/keys", dvJSON(t, jwks))
			s.route("/.well-known/jwks.json", dvJSON(t, jwks))
			var logs rksLog
			cfg := dvConfig(s.URL, newKitClock(), &logs)
			cfg.FetchTimeout, cfg.MaxJWKSBytes = 200*time.Millisecond, 2048
			start := time.Now()
			r := newRKS(t, cfg)
			dvKeysUnavailable(t, r, k)
			assert.Less(t, time.Since(start), 5*time.Second)
			assert.Zero(t, s.hitsOf("/keys"))
			assert.Zero(t, s.hitsOf("/.well-known/jwks.json"), "a failure is not \"no document\"")
			assert.Regexp(t, tt.logPart, logs.String())
		})
	}
}

// TestDiscoveryAgainAfterFailure: the URL found is kept while fetches
// succeed, and discovered again on the first fetch after a failed one.
func TestDiscoveryAgainAfterFailure(t *testing.T) {
	noLeaks(t)
	k, jwks := dvKey(t)
	s := newDVServer(t)
	s.route("/.well-known/openid-configuration", dvJSON(t, dvMetadata(s.URL, s.URL+"/keys1")))
	s.route("/keys1", dvJSON(t, jwks))
	r := newRKS(t, dvConfig(s.URL, newKitClock(), nil))
	ctx := context.Background()
	dvKeysOK(t, r, k)

	require.NoError(t, r.Refresh(ctx))
	assert.Equal(t, 1, s.hitsOf("/.well-known/openid-configuration"), "a good refresh keeps the URL")
	assert.Equal(t, 2, s.hitsOf("/keys1"))

	// The issuer moves its keys: the old URL fails, once.
	s.route("/keys1", dvStatus(http.StatusNotFound))
	s.route("/.well-known/openid-configuration", dvJSON(t, dvMetadata(s.URL, s.URL+"/keys2")))
	s.route("/keys2", dvJSON(t, jwks))
	require.Error(t, r.Refresh(ctx))
	dvKeysOK(t, r, k) // the last good set still serves
	require.NoError(t, r.Refresh(ctx))
	assert.Equal(t, 2, s.hitsOf("/.well-known/openid-configuration"))
	assert.Equal(t, 3, s.hitsOf("/keys1"))
	assert.Equal(t, 1, s.hitsOf("/keys2"))
}

// TestDiscoveryThroughVerifier: a Verifier with an issuer and no JWKS URL
// verifies tokens with the keys discovery finds.
func TestDiscoveryThroughVerifier(t *testing.T) {
	noLeaks(t)
	k, jwks := dvKey(t)
	s := newDVServer(t)
	s.route("/.well-known/openid-configuration", dvJSON(t, dvMetadata(s.URL, s.URL+"/protocol/openid-connect/certs")))
	s.route("/protocol/openid-connect/certs", dvJSON(t, jwks))
	cfg := dvConfig(s.URL, newKitClock(), nil)
	cfg.Audiences = []string{"api"}
	v, err := NewVerifier(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = v.Close() })
	c, err := v.Verify(context.Background(), k.sign(t, isClaims(s.URL, "api", cfg.Now())))
	require.NoError(t, err)
	assert.Equal(t, s.URL, c.Issuer())
	assert.Equal(t, []string{s.URL}, issuersOf(v))
}
