package chiauth_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axiomsgo/axioms/authtest"
	"github.com/axiomsgo/axioms/chiauth"
	"github.com/axiomsgo/axioms/core"
)

// The conformance suite runs against chiauth through the chi example
// server (module examples: the binary, and its router in process); these
// tests cover what is particular to chi.

// small is a router with public routes outside the authenticated group.
func small(v *core.Verifier) http.Handler {
	r := chi.NewRouter()
	r.Get("/health", status)
	r.Get("/public", status)
	r.Group(func(r chi.Router) {
		r.Use(chiauth.Middleware(v))
		r.Get("/me", me)
	})
	return r
}

func status(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func me(w http.ResponseWriter, r *http.Request) {
	var sub *string
	if c, ok := chiauth.Claims(r); ok {
		s := c.Subject()
		sub = &s
	}
	writeJSON(w, http.StatusOK, map[string]*string{"sub": sub})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// setup starts an issuer, a verifier trusting it and a server for the
// router that build returns.
func setup(t *testing.T, build func(v *core.Verifier) http.Handler) (*authtest.Issuer, string) {
	t.Helper()
	iss := authtest.NewTestIssuer(t)
	v, err := core.NewVerifier(iss.Config())
	require.NoError(t, err)
	t.Cleanup(func() { _ = v.Close() })
	srv := httptest.NewServer(build(v))
	t.Cleanup(srv.Close)
	return iss, srv.URL
}

type result struct {
	status    int
	challenge string
	body      string
}

// do sends one request with an optional bearer token (or a raw
// Authorization value when token starts with a scheme and a space).
func do(t *testing.T, method, url, token string) result {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	require.NoError(t, err)
	switch {
	case strings.Contains(token, " "):
		req.Header.Set("Authorization", token)
	case token != "":
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer func() { _ = res.Body.Close() }()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return result{res.StatusCode, res.Header.Get("WWW-Authenticate"), string(body)}
}

func TestNestedGroupsStackPolicies(t *testing.T) {
	iss, url := setup(t, func(v *core.Verifier) http.Handler {
		r := chi.NewRouter()
		r.Group(func(r chi.Router) {
			r.Use(chiauth.Middleware(v))
			r.Use(chiauth.Require(core.AnyScope("read:data")))
			r.Get("/outer", status)
			r.Group(func(r chi.Router) {
				r.Use(chiauth.Require(core.AnyRole("admin")))
				r.With(chiauth.Require(core.AnyPermission("users:list"))).Get("/inner", status)
			})
		})
		return r
	})
	scope := authtest.Scopes("read:data")
	role := authtest.Roles("admin")
	perm := authtest.Permissions("users:list")
	tests := []struct {
		name string
		path string
		opts []authtest.TokenOption
		want int
	}{
		{"outer needs scope", "/outer", []authtest.TokenOption{role, perm}, http.StatusForbidden},
		{"outer with scope", "/outer", []authtest.TokenOption{scope}, http.StatusOK},
		{"inner without scope", "/inner", []authtest.TokenOption{role, perm}, http.StatusForbidden},
		{"inner without role", "/inner", []authtest.TokenOption{scope, perm}, http.StatusForbidden},
		{"inner without permission", "/inner", []authtest.TokenOption{scope, role}, http.StatusForbidden},
		{"inner with all three", "/inner", []authtest.TokenOption{scope, role, perm}, http.StatusOK},
		{"inner without token", "/inner", nil, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token := ""
			if tt.opts != nil {
				token = iss.MustToken(t, "alice", tt.opts...)
			}
			got := do(t, http.MethodGet, url+tt.path, token)
			assert.Equal(t, tt.want, got.status, got.body)
			if tt.want != http.StatusOK {
				assert.True(t, strings.HasPrefix(got.challenge, "Bearer "), got.challenge)
			}
		})
	}
	t.Run("scope challenge names the outer rule", func(t *testing.T) {
		got := do(t, http.MethodGet, url+"/inner", iss.MustToken(t, "alice", role, perm))
		assert.Contains(t, got.challenge, `error="insufficient_scope"`)
		assert.Contains(t, got.challenge, `scope="read:data"`)
	})
}

func TestMountedSubRouter(t *testing.T) {
	iss, url := setup(t, func(v *core.Verifier) http.Handler {
		users := chi.NewRouter()
		users.Use(chiauth.Require(core.AnyRole("admin")))
		users.Get("/{id}", func(w http.ResponseWriter, r *http.Request) {
			c, _ := chiauth.Claims(r)
			writeJSON(w, http.StatusOK, map[string]string{"id": chi.URLParam(r, "id"), "by": c.Subject()})
		})

		own := chi.NewRouter() // a sub-router that authenticates itself
		own.Use(chiauth.Middleware(v))
		own.Get("/", me)

		r := chi.NewRouter()
		r.Get("/public", status)
		r.Mount("/self", own)
		r.Group(func(r chi.Router) {
			r.Use(chiauth.Middleware(v))
			r.Mount("/users", users)
		})
		return r
	})
	admin := iss.MustToken(t, "root", authtest.Roles("admin"))

	got := do(t, http.MethodGet, url+"/users/42", admin)
	assert.Equal(t, http.StatusOK, got.status)
	assert.JSONEq(t, `{"id":"42","by":"root"}`, got.body)

	got = do(t, http.MethodGet, url+"/users/42", iss.MustToken(t, "bob"))
	assert.Equal(t, http.StatusForbidden, got.status)
	got = do(t, http.MethodGet, url+"/users/42", "")
	assert.Equal(t, http.StatusUnauthorized, got.status)
	assert.Equal(t, `Bearer realm="api"`, got.challenge)

	got = do(t, http.MethodGet, url+"/self", admin)
	assert.Equal(t, http.StatusOK, got.status)
	assert.JSONEq(t, `{"sub":"root"}`, got.body)
	got = do(t, http.MethodGet, url+"/self", "Bearer not-a-jwt")
	assert.Equal(t, http.StatusUnauthorized, got.status)
	assert.Contains(t, got.challenge, `error="invalid_token"`)
}

// chi's own 404 and 405 answers stay as they are on public paths: routes
// outside Middleware are never turned into 401s.
func TestRoutingErrorsAreNotAuthErrors(t *testing.T) {
	_, url := setup(t, small)
	tests := []struct {
		method, path, auth string
		want               int
	}{
		{http.MethodGet, "/nowhere", "", http.StatusNotFound},
		{http.MethodGet, "/nowhere", "Bearer garbage", http.StatusNotFound},
		{http.MethodPost, "/health", "", http.StatusMethodNotAllowed},
		{http.MethodDelete, "/public", "Bearer garbage", http.StatusMethodNotAllowed},
		{http.MethodGet, "/public", "Bearer garbage", http.StatusOK},
		{http.MethodGet, "/health", "Basic dXNlcjpwYXNz", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path+" "+tt.auth, func(t *testing.T) {
			got := do(t, tt.method, url+tt.path, tt.auth)
			assert.Equal(t, tt.want, got.status, got.body)
			assert.Empty(t, got.challenge)
		})
	}
}

// The router has no middleware.Recoverer: hostile Authorization values must
// still get an RFC 6750 answer, never a panic (which net/http would turn
// into a dropped connection and a client error in do).
func TestNoRecovererNeeded(t *testing.T) {
	_, url := setup(t, small)
	for _, auth := range []string{
		"Bearer ", "Bearer  ", "Bearer a.b", "Bearer a.b.c", "Bearer ...", "Bearer a.b.c.d.e",
		"Bearer " + strings.Repeat("A", 20<<10), "Bearer e30.e30.", "Bearer eyJhbGciOiJub25lIn0.e30.",
		"Bearer ===.===.===", "BEARER x.y.z",
	} {
		got := do(t, http.MethodGet, url+"/me", auth)
		assert.Contains(t, []int{http.StatusBadRequest, http.StatusUnauthorized}, got.status, "%.40q", auth)
		assert.True(t, strings.HasPrefix(got.challenge, "Bearer "), "%.40q", auth)
	}
}

func TestClaimsInHandlers(t *testing.T) {
	iss, url := setup(t, func(v *core.Verifier) http.Handler {
		r := chi.NewRouter()
		r.Use(chiauth.Middleware(v, chiauth.WithAnonymousMethods(http.MethodGet)))
		r.Get("/claims", func(w http.ResponseWriter, r *http.Request) {
			c, ok := chiauth.Claims(r)
			if !ok {
				writeJSON(w, http.StatusOK, map[string]any{"anonymous": c == nil})
				return
			}
			writeJSON(w, http.StatusOK, map[string]any{"sub": c.Subject(), "scopes": c.Scopes(), "roles": c.Roles()})
		})
		return r
	})
	got := do(t, http.MethodGet, url+"/claims", iss.MustToken(t, "alice", authtest.Scopes("a", "b"), authtest.Roles("r")))
	assert.Equal(t, http.StatusOK, got.status)
	assert.JSONEq(t, `{"sub":"alice","scopes":["a","b"],"roles":["r"]}`, got.body)

	got = do(t, http.MethodGet, url+"/claims", "")
	assert.JSONEq(t, `{"anonymous":true}`, got.body)

	t.Run("concurrent requests see their own claims", func(t *testing.T) {
		var wg sync.WaitGroup
		for i := range 32 {
			sub := fmt.Sprintf("user-%d", i)
			token := iss.MustToken(t, sub)
			wg.Go(func() {
				req, _ := http.NewRequest(http.MethodGet, url+"/claims", nil)
				req.Header.Set("Authorization", "Bearer "+token)
				res, err := http.DefaultClient.Do(req)
				if !assert.NoError(t, err) {
					return
				}
				defer func() { _ = res.Body.Close() }()
				body, _ := io.ReadAll(res.Body)
				assert.Contains(t, string(body), `"sub":"`+sub+`"`)
			})
		}
		wg.Wait()
	})
}

func TestOptions(t *testing.T) {
	var seen error
	var mu sync.Mutex
	iss, url := setup(t, func(v *core.Verifier) http.Handler {
		r := chi.NewRouter()
		r.Use(chiauth.Middleware(v,
			chiauth.WithSkipper(func(r *http.Request) bool { return r.URL.Path == "/skipped" }),
			chiauth.WithTokenFromQuery(),
			chiauth.WithErrorHandler(func(w http.ResponseWriter, r *http.Request, err error) {
				mu.Lock()
				seen = err
				mu.Unlock()
				if errors.Is(err, core.ErrInsufficientScope) {
					http.Error(w, "custom", http.StatusTeapot)
					return
				}
				w.Header().Set("X-Seen", "1") // and the standard answer follows
			}),
		))
		r.Get("/skipped", me)
		r.Get("/me", me)
		r.With(chiauth.Require(core.AnyScope("admin"))).Get("/admin", status)
		return r
	})

	got := do(t, http.MethodGet, url+"/skipped", "Bearer garbage")
	assert.Equal(t, http.StatusOK, got.status)
	assert.JSONEq(t, `{"sub":null}`, got.body, "a skipped request has no claims")

	got = do(t, http.MethodGet, url+"/me", "")
	assert.Equal(t, http.StatusUnauthorized, got.status, "a handler that writes nothing leaves the standard answer")
	assert.Equal(t, `Bearer realm="api"`, got.challenge)
	mu.Lock()
	assert.True(t, errors.Is(seen, core.ErrNoCredentials), "%v", seen)
	mu.Unlock()

	got = do(t, http.MethodGet, url+"/admin", iss.MustToken(t, "dave"))
	assert.Equal(t, http.StatusTeapot, got.status, "Require denials use the error handler too")
	mu.Lock()
	assert.True(t, errors.Is(seen, core.ErrInsufficientScope), "%v", seen)
	mu.Unlock()

	got = do(t, http.MethodGet, url+"/me?access_token="+iss.MustToken(t, "carol"), "")
	assert.Equal(t, http.StatusOK, got.status)
	assert.JSONEq(t, `{"sub":"carol"}`, got.body)
}
