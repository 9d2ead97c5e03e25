package conformance

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// credentials checks the behaviour contract §2 through the standard routes.
func (s *suite) credentials(t *testing.T) {
	reader := s.tokens["reader"]
	get := func(path string, auth ...string) request {
		return request{method: http.MethodGet, path: path, auth: auth}
	}

	t.Run("no Authorization header", func(t *testing.T) {
		expectNoCredentials(t, s.do(t, get("/me")))
	})
	t.Run("Basic scheme is no credentials", func(t *testing.T) {
		expectNoCredentials(t, s.do(t, get("/me", "Basic YWxpY2U6c2VjcmV0")))
	})
	t.Run("other scheme is anonymous on /optional", func(t *testing.T) {
		s.expectSub(t, s.do(t, get("/optional", "Basic YWxpY2U6c2VjcmV0")), nil)
	})
	t.Run("Bearer-like scheme is no credentials", func(t *testing.T) {
		expectNoCredentials(t, s.do(t, get("/me", "Bearerx "+reader)))
	})
	for _, scheme := range []string{"bearer", "BEARER", "bEaReR"} {
		t.Run("scheme "+scheme+" is case-insensitive", func(t *testing.T) {
			s.expectSub(t, s.do(t, get("/me", scheme+" "+reader)), "reader")
		})
	}
	t.Run("several spaces after Bearer", func(t *testing.T) {
		s.expectSub(t, s.do(t, get("/me", "Bearer   "+reader)), "reader")
	})
	for _, tc := range []struct{ name, auth string }{
		{"Bearer alone", "Bearer"},
		{"Bearer empty", "Bearer "},
		{"b64token bad character", "Bearer ab@cd"},
		{"b64token inner space", "Bearer abc def"},
		{"b64token inner padding", "Bearer ab=cd"},
		{"b64token non-ASCII", "Bearer " + reader[:20] + "é"},
		{"not a JWS", "Bearer abc.def.ghi"},
		{"token with trailing junk", "Bearer " + reader + ",x"},
	} {
		t.Run(tc.name+" is an invalid token", func(t *testing.T) {
			expectError(t, s.do(t, get("/me", tc.auth)), http.StatusUnauthorized, "invalid_token", "", noScope)
		})
	}
	t.Run("two Authorization headers are an invalid request", func(t *testing.T) {
		resp := s.do(t, get("/me", "Bearer "+reader, "Bearer "+reader))
		expectError(t, resp, http.StatusBadRequest, "invalid_request", "", noScope)
	})
	t.Run("Basic and Bearer headers are an invalid request", func(t *testing.T) {
		resp := s.do(t, get("/me", "Basic YWxpY2U6c2VjcmV0", "Bearer "+reader))
		expectError(t, resp, http.StatusBadRequest, "invalid_request", "", noScope)
	})
	t.Run("token over 16 KiB is an invalid token", func(t *testing.T) {
		resp := s.do(t, get("/me", "Bearer "+strings.Repeat("a", 16<<10+1)))
		if resp.status == http.StatusRequestHeaderFieldsTooLarge {
			return // the server refused the header itself (allowed by §2)
		}
		expectError(t, resp, http.StatusUnauthorized, "invalid_token", "", noScope)
	})
	t.Run("A13 token in the query is ignored", func(t *testing.T) {
		expectNoCredentials(t, s.do(t, get("/me?access_token="+reader)))
	})
	t.Run("A15 token in a form body is ignored", func(t *testing.T) {
		resp := s.do(t, request{method: http.MethodPost, path: "/api/write",
			body: "access_token=" + s.tokens["writer"], contentType: "application/x-www-form-urlencoded"})
		expectNoCredentials(t, resp)
	})
	t.Run("token in a cookie is ignored", func(t *testing.T) {
		for _, name := range []string{"access_token", "token", "at", "Authorization"} {
			resp := s.do(t, request{method: http.MethodGet, path: "/me", header: http.Header{"Cookie": {name + "=" + reader}}})
			expectNoCredentials(t, resp)
		}
	})
	for _, path := range []string{"/health", "/public"} {
		t.Run("GET "+path+" does not read Authorization", func(t *testing.T) {
			for _, auth := range [][]string{{"garbage"}, {"Bearer"}, {"Bearer ab@cd"}, {"Bearer x", "Bearer y"}} {
				resp := s.do(t, get(path, auth...))
				body := expectJSON(t, resp, http.StatusOK)
				assert.Equal(t, map[string]any{"status": "ok"}, body)
				assert.Empty(t, resp.header.Values("WWW-Authenticate"))
			}
		})
	}
	for _, path := range []string{"/me", "/api/read", "/api/items", "/articles/1"} {
		t.Run("OPTIONS "+path+" without credentials is not refused", func(t *testing.T) {
			resp := s.do(t, request{method: http.MethodOptions, path: path})
			assert.NotContains(t, []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden}, resp.status,
				"CORS preflights pass the middleware; answer: %s", resp)
			assert.Empty(t, resp.header.Values("WWW-Authenticate"))
		})
	}
	t.Run("OPTIONS with a valid token is not refused", func(t *testing.T) {
		resp := s.do(t, request{method: http.MethodOptions, path: "/me", auth: s.as("reader")})
		assert.NotContains(t, []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden}, resp.status,
			"answer: %s", resp)
	})
	// /api/any is registered for OPTIONS too, so its requests reach the
	// middleware.
	t.Run("OPTIONS with two Authorization headers is an invalid request", func(t *testing.T) {
		resp := s.do(t, request{method: http.MethodOptions, path: "/api/any", auth: []string{"Bearer a", "Bearer b"}})
		expectError(t, resp, http.StatusBadRequest, "invalid_request", "", noScope)
	})
	t.Run("OPTIONS with an invalid token is an invalid token", func(t *testing.T) {
		resp := s.do(t, request{method: http.MethodOptions, path: "/api/any", auth: bearer("abc.def.ghi")})
		expectError(t, resp, http.StatusUnauthorized, "invalid_token", "", noScope)
	})
}

// expectSub checks a 200 {"sub": want} answer of /me or /optional (want nil
// for {"sub": null}).
func (s *suite) expectSub(t testing.TB, resp response, want any) {
	t.Helper()
	body := expectJSON(t, resp, http.StatusOK)
	assert.Equal(t, map[string]any{"sub": want}, body)
}
