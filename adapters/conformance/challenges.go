package conformance

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axiomsgo/axioms/authtest"
)

// errorRules checks the behaviour contract §4 (with the §3 failures an adapter must turn
// into 401) through the standard routes.
func (s *suite) errorRules(t *testing.T) {
	foreign := authtest.NewTestIssuer(t, authtest.WithAlgorithm("ES256"), authtest.WithAudience(s.iss.Audience()))
	mint := func(opts ...authtest.TokenOption) string {
		return s.iss.MustToken(t, "reader", append([]authtest.TokenOption{authtest.Scopes("read:data")}, opts...)...)
	}
	expired := mint(authtest.ExpiresIn(-time.Minute))

	invalid := []struct {
		name, token, desc string
	}{
		{"expired token", expired, "token expired"},
		{"not yet valid", mint(authtest.Claim("nbf", time.Now().Add(time.Hour).Unix())), ""},
		{"wrong audience", mint(authtest.Audience("api://someone-else")), ""},
		{"wrong issuer claim", mint(authtest.Claim("iss", foreign.URL())), ""},
		{"token of another issuer", foreign.MustToken(t, "reader", authtest.Scopes("read:data")), ""},
		{"bad signature", tamperSignature(t, mint()), ""},
		{"alg none", mint(authtest.Header("alg", "none")), ""},
		{"alg HS256", mint(authtest.Header("alg", "HS256")), ""},
		{"unknown kid", mint(authtest.Header("kid", "no-such-key")), ""},
		{"typ not accepted", mint(authtest.Header("typ", "id_token+jwt")), ""},
		{"no exp", mint(authtest.Claim("exp", nil)), ""},
		{"two parts", strings.Join(strings.Split(mint(), ".")[:2], "."), ""},
	}
	for _, path := range []string{"/me", "/api/read", "/optional"} {
		for _, tc := range invalid {
			t.Run(tc.name+" on "+path+" is 401", func(t *testing.T) {
				resp := s.do(t, request{method: http.MethodGet, path: path, auth: bearer(tc.token)})
				expectError(t, resp, http.StatusUnauthorized, "invalid_token", tc.desc, noScope)
			})
		}
	}
	t.Run("valid token, policy not met is 403 with the rule's scopes", func(t *testing.T) {
		resp := s.do(t, request{method: http.MethodGet, path: "/api/read", auth: s.as("writer")})
		expectError(t, resp, http.StatusForbidden, "insufficient_scope", "", "read:data admin")
	})
	t.Run("403 of a role rule names no scope", func(t *testing.T) {
		resp := s.do(t, request{method: http.MethodGet, path: "/admin/users", auth: s.as("reader")})
		expectError(t, resp, http.StatusForbidden, "insufficient_scope", "", noScope)
	})
	t.Run("the same token passes where its scope is enough", func(t *testing.T) {
		expectJSON(t, s.do(t, request{method: http.MethodGet, path: "/api/read", auth: bearer(mint())}), http.StatusOK)
	})
	t.Run("keys unavailable", s.keysUnavailable)
}

// tamperSignature flips one bit of the token's signature, keeping its
// base64url encoding canonical.
func tamperSignature(t testing.TB, token string) string {
	t.Helper()
	i := strings.LastIndexByte(token, '.')
	sig, err := base64.RawURLEncoding.DecodeString(token[i+1:])
	require.NoError(t, err)
	sig[len(sig)/2] ^= 0x01
	return token[:i+1] + base64.RawURLEncoding.EncodeToString(sig)
}

// keysUnavailable serves the routes with a verifier whose JWKS URL is a
// closed loopback port: no token can be judged, so a request with one is
// answered 503 with Retry-After (the behaviour contract §4), never 401 or 500.
func (s *suite) keysUnavailable(t *testing.T) {
	cfg := s.iss.Config()
	cfg.JWKSURL = closedPort(t) + "/.well-known/jwks.json"
	base := s.serve(t, cfg, "")
	for _, path := range []string{"/me", "/api/read", "/optional"} {
		t.Run("GET "+path+" with a token is 503", func(t *testing.T) {
			resp := s.doAt(t, base, request{method: http.MethodGet, path: path, auth: s.as("reader")})
			require.Equal(t, http.StatusServiceUnavailable, resp.status, "answer: %s", resp)
			secs, err := strconv.Atoi(resp.header.Get("Retry-After"))
			assert.NoError(t, err, "Retry-After is delay-seconds (RFC 9110 §10.2.3)")
			assert.Positive(t, secs, "Retry-After")
			assert.Len(t, resp.header.Values("Retry-After"), 1)
			assert.Empty(t, resp.header.Values("WWW-Authenticate"), "503 is not a challenge")
			checkErrorBody(t, resp)
		})
	}
	t.Run("GET /me without credentials is still 401", func(t *testing.T) {
		expectNoCredentials(t, s.doAt(t, base, request{method: http.MethodGet, path: "/me"}))
	})
	t.Run("GET /optional without credentials is still 200", func(t *testing.T) {
		body := expectJSON(t, s.doAt(t, base, request{method: http.MethodGet, path: "/optional"}), http.StatusOK)
		assert.Equal(t, map[string]any{"sub": nil}, body)
	})
	t.Run("GET /ready is 503", func(t *testing.T) {
		resp := s.doAt(t, base, request{method: http.MethodGet, path: "/ready"})
		// A refused connection is an outage, not a misconfiguration
		// (core.ErrKeySetMisconfigured), and the answer says no more.
		assert.Equal(t, map[string]any{"status": "unavailable"}, expectJSON(t, resp, http.StatusServiceUnavailable))
		assert.Empty(t, resp.header.Values("WWW-Authenticate"), "readiness is not a challenge")
	})
	t.Run("GET /health is still 200", func(t *testing.T) {
		expectJSON(t, s.doAt(t, base, request{method: http.MethodGet, path: "/health"}), http.StatusOK)
	})
}
