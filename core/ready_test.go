package core

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRemoteKeySetMisconfigured: a key set problem that a retry will not
// fix matches ErrKeySetMisconfigured (and ErrKeysUnavailable); an outage
// matches only ErrKeysUnavailable. Clients get the same 503 either way.
func TestRemoteKeySetMisconfigured(t *testing.T) {
	k := newRKSKey(t, "ec", "mis-1")
	doc := rksJWKS(t, k)
	many := rksJWKS(t, k, newRKSKey(t, "ec", "mis-2"), newRKSKey(t, "ec", "mis-3"))
	tests := []struct {
		name string
		h    http.HandlerFunc
		want bool   // misconfigured
		fix  string // part of the logged fix
	}{
		{"404", serveStatus(http.StatusNotFound, "text/plain", "no"), true, "answers status 404: check AXIOMS_JWKS_URL"},
		{"410", serveStatus(http.StatusGone, "text/plain", ""), true, "status 410"},
		{"401", serveStatus(http.StatusUnauthorized, "text/plain", ""), true, "status 401"},
		{"403", serveStatus(http.StatusForbidden, "text/plain", ""), true, "status 403"},
		{"HTML login page", serveStatus(http.StatusOK, "text/html", "<html></html>"), true, "does not serve a JWK Set"},
		{"no usable key", serveStatus(http.StatusOK, "application/json", `{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}`), true,
			"no key this verifier can use"},
		{"more keys than MaxKeys", serveDoc(many), true, "Config.MaxKeys"},
		{"larger than MaxJWKSBytes", serveDoc(append(doc, make([]byte, 4096)...)), true, "Config.MaxJWKSBytes"},
		{"redirect to plain http off loopback", serveRedirect("http://keys.example.com/jwks"), true, "final https URL"},
		{"408", serveStatus(http.StatusRequestTimeout, "text/plain", ""), false, ""},
		{"429", serveStatus(http.StatusTooManyRequests, "text/plain", ""), false, ""},
		{"500", serveStatus(http.StatusInternalServerError, "text/plain", ""), false, ""},
		{"503", serveStatus(http.StatusServiceUnavailable, "text/plain", ""), false, ""},
		{"hang-up", dvHangUp, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newRKSServer(t, tt.h)
			var logs rksLog
			cfg := rksConfig(srv.URL, newKitClock())
			cfg.MaxKeys, cfg.MaxJWKSBytes = 2, 4096
			cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			r := newRKS(t, cfg)
			srv.waitRequests(t, 1)
			_, _ = r.Keys(context.Background(), k.kid) // waits for the first attempt
			err := r.Refresh(context.Background())
			require.Error(t, err)
			assert.Equal(t, tt.want, errors.Is(err, ErrKeySetMisconfigured), "Refresh: %v", err)

			_, err = r.Keys(context.Background(), k.kid)
			require.ErrorIs(t, err, ErrKeysUnavailable)
			assert.Equal(t, tt.want, errors.Is(err, ErrKeySetMisconfigured), "Keys: %v", err)
			assert.Equal(t, tt.want, errors.Is(r.ready(), ErrKeySetMisconfigured))
			resp := errorResponse(err, "api", "", nil)
			assert.Equal(t, http.StatusServiceUnavailable, resp.Status)
			assert.NotContains(t, string(resp.Body), srv.URL, "no details for clients")
			assert.Contains(t, string(resp.Body), "signing keys unavailable")
			assert.NotEmpty(t, resp.RetryAfter)

			out := logs.String()
			if tt.want {
				assert.Equal(t, 1, strings.Count(out, "level=ERROR"), "logged once, not at every attempt:\n%s", out)
				assert.Contains(t, out, "key set misconfigured")
				assert.Contains(t, out, tt.fix)
				assert.NotContains(t, out, "level=WARN msg=\"axioms: JWKS fetch failed\"")
			} else {
				assert.NotContains(t, out, "level=ERROR")
				assert.Equal(t, 2, strings.Count(out, "JWKS fetch failed"), "an outage warns at every attempt")
			}
		})
	}
	t.Run("refused connection", func(t *testing.T) {
		dead := httptest.NewServer(http.NotFoundHandler())
		deadURL := dead.URL
		dead.Close()
		r := newRKS(t, rksConfig(deadURL+"/jwks", newKitClock()))
		err := r.Refresh(context.Background())
		require.Error(t, err)
		assert.NotErrorIs(t, err, ErrKeySetMisconfigured)
	})
}

// TestRemoteKeySetMisconfiguredLog: a misconfiguration is logged at Error
// level once until it changes or a fetch succeeds.
func TestRemoteKeySetMisconfiguredLog(t *testing.T) {
	k := newRKSKey(t, "ec", "mislog-1")
	srv := newRKSServer(t, serveStatus(http.StatusNotFound, "text/plain", ""))
	var logs rksLog
	cfg := rksConfig(srv.URL, newKitClock())
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	r := newRKS(t, cfg)
	errors := func() int { return strings.Count(logs.String(), "level=ERROR") }
	refresh := func() { _ = r.Refresh(context.Background()) }

	srv.waitRequests(t, 1)
	refresh()
	refresh()
	assert.Equal(t, 1, errors(), "the same 404 three times")
	srv.serve(serveStatus(http.StatusForbidden, "text/plain", ""))
	refresh()
	assert.Equal(t, 2, errors(), "a new misconfiguration")
	srv.serve(serveStatus(http.StatusBadGateway, "text/plain", ""))
	refresh()
	srv.serve(serveStatus(http.StatusForbidden, "text/plain", ""))
	refresh()
	assert.Equal(t, 2, errors(), "an outage in between changes nothing")
	srv.serve(serveDoc(rksJWKS(t, k)))
	refresh()
	srv.serve(serveStatus(http.StatusForbidden, "text/plain", ""))
	refresh()
	assert.Equal(t, 3, errors(), "logged again after a good fetch")
	requireKey(t, r, k)
}

// TestDiscoveryIssuerMismatchFix: the fix names the trailing slash when
// that is the only difference.
func TestDiscoveryIssuerMismatchFix(t *testing.T) {
	const iss = "https://tenant.example.com"
	assert.Contains(t, fixIssuerMismatch(iss+"/", iss),
		`the discovery document names issuer "https://tenant.example.com/", configured "https://tenant.example.com": `+
			"check AXIOMS_ISS_URL (Config.Issuer) for a trailing slash (AXIOMS_DOMAIN never gives one")
	assert.Contains(t, fixIssuerMismatch(iss, iss+"/"), "for a trailing slash; it must be exactly the iss")
	assert.NotContains(t, fixIssuerMismatch(iss, iss+"/"), "AXIOMS_DOMAIN")
	assert.NotContains(t, fixIssuerMismatch("https://other.example.com", iss), "trailing slash")
	long := iss + "/" + strings.Repeat("p", 100) // beyond sanitizeForLog's 64 bytes
	assert.Contains(t, fixIssuerMismatch(long+"/", long), "trailing slash")
	assert.Contains(t, fixIssuerMismatch("https://evil\n.example", iss), `"https://evil?.example"`, "sanitized")
}

// TestRemoteKeySetWaitReady: waitReady returns as soon as an attempt
// loads keys, waiting for the loop's attempts rather than polling.
func TestRemoteKeySetWaitReady(t *testing.T) {
	noLeaks(t)
	k := newRKSKey(t, "ec", "wait-1")
	t.Run("waits for the retry that loads keys", func(t *testing.T) {
		srv := newRKSServer(t, serveStatus(http.StatusServiceUnavailable, "text/plain", ""))
		d := newLoopDriver(newKitClock())
		r := newDrivenRKS(t, rksConfig(srv.URL, d.clk), d, 0)
		d.next(t)
		d.fire(0)
		require.Equal(t, rksMin, d.next(t), "the first attempt failed")

		done := make(chan error, 1)
		go func() { done <- r.waitReady(context.Background()) }()
		srv.serve(serveDoc(rksJWKS(t, k)))
		select {
		case err := <-done:
			t.Fatalf("returned before any new attempt: %v", err)
		default:
		}
		d.fire(rksMin) // the loop's retry
		require.NoError(t, <-done)
		assert.Equal(t, int64(2), srv.requests(), "no fetch beyond the loop's")
		requireKey(t, r, k)
	})
	t.Run("ready at once", func(t *testing.T) {
		srv := newRKSServer(t, serveDoc(rksJWKS(t, k)))
		r := newRKS(t, rksConfig(srv.URL, newKitClock()))
		require.NoError(t, r.waitReady(context.Background()), "waits for the first fetch")
		require.NoError(t, r.waitReady(context.Background()))
		assert.Equal(t, int64(1), srv.requests())
	})
	t.Run("ctx ends: the reason and ctx.Err()", func(t *testing.T) {
		srv := newRKSServer(t, serveStatus(http.StatusNotFound, "text/plain", ""))
		r := newRKS(t, rksConfig(srv.URL, newKitClock()))
		require.Error(t, r.Refresh(context.Background()))
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := r.waitReady(ctx)
		assert.ErrorIs(t, err, context.Canceled)
		assert.ErrorIs(t, err, ErrKeysUnavailable)
		assert.ErrorIs(t, err, ErrKeySetMisconfigured)
		assert.Contains(t, err.Error(), "status 404")
	})
	t.Run("Close ends the wait", func(t *testing.T) {
		srv := newRKSServer(t, serveStatus(http.StatusServiceUnavailable, "text/plain", ""))
		r, err := NewRemoteKeySet(rksConfig(srv.URL, newKitClock()))
		require.NoError(t, err)
		require.Error(t, r.Refresh(context.Background()))
		done := make(chan error, 1)
		go func() { done <- r.waitReady(context.Background()) }()
		require.NoError(t, r.Close())
		assert.ErrorIs(t, <-done, ErrKeysUnavailable)
	})
}

// TestVerifierWaitReady: every issuer is waited for, the key sets of
// several issuers are started at once, and a misconfigured one is named.
func TestVerifierWaitReady(t *testing.T) {
	noLeaks(t)
	good, bad := newDVServer(t), newDVServer(t)
	k, jwks := dvKey(t)
	good.route("/.well-known/openid-configuration", dvJSON(t, dvMetadata(good.URL, good.URL+"/keys")))
	good.route("/keys", dvJSON(t, jwks))
	bad.route("/.well-known/openid-configuration", dvJSON(t, dvMetadata(bad.URL+"/", bad.URL+"/keys")))
	cfg := rksConfig("", newKitClock())
	cfg.Audiences = []string{"api"}

	t.Run("every issuer ready", func(t *testing.T) {
		cfg := cfg
		cfg.Issuers = []IssuerConfig{{Issuer: good.URL}, {Issuer: good.URL + "/other"}, {Issuer: "https://static.example", KeySet: NewStaticKeySet()}}
		v, err := NewVerifier(cfg)
		require.NoError(t, err)
		t.Cleanup(func() { _ = v.Close() })
		good.route("/.well-known/oauth-authorization-server/other", dvJSON(t, dvMetadata(good.URL+"/other", good.URL+"/keys")))
		require.NoError(t, v.WaitReady(context.Background()))
		require.NoError(t, v.Ready(context.Background()))
		_, err = v.Verify(context.Background(), k.sign(t, isClaims(good.URL, "api", cfg.Now())))
		require.NoError(t, err)
	})
	t.Run("a misconfigured issuer", func(t *testing.T) {
		cfg := cfg
		cfg.Issuers = []IssuerConfig{{Issuer: good.URL}, {Issuer: bad.URL}}
		v, err := NewVerifier(cfg)
		require.NoError(t, err)
		t.Cleanup(func() { _ = v.Close() })
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- v.WaitReady(ctx) }()

		// Once the good issuer is ready and the misconfigured one has
		// failed (Refresh joins its attempt, or makes another), end the
		// wait.
		_ = v.Ready(context.Background()) // creates the key sets, as WaitReady does
		require.NoError(t, v.entries[0].remote.Load().waitReady(context.Background()))
		require.ErrorIs(t, v.entries[1].remote.Load().Refresh(context.Background()), ErrKeySetMisconfigured)
		cancel()
		err = <-done
		assert.ErrorIs(t, err, context.Canceled)
		assert.ErrorIs(t, err, ErrKeysUnavailable)
		assert.ErrorIs(t, err, ErrKeySetMisconfigured)
		assert.Contains(t, err.Error(), bad.URL+"/")

		ready := v.Ready(context.Background())
		assert.ErrorIs(t, ready, ErrKeySetMisconfigured)
		assert.NotErrorIs(t, ready, context.Canceled)
	})
	t.Run("after Close", func(t *testing.T) {
		cfg := cfg
		cfg.Issuer = good.URL
		v, err := NewVerifier(cfg)
		require.NoError(t, err)
		require.NoError(t, v.Close())
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		assert.ErrorIs(t, v.WaitReady(ctx), ErrKeysUnavailable, "at once, not at the deadline")
	})
}
