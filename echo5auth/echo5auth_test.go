package echo5auth_test

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/labstack/echo/v5"
	"github.com/labstack/echo/v5/middleware"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axiomsgo/axioms/authtest"
	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/echo5auth"
)

// The conformance suite runs against echo5auth through the Echo v5 example
// server (module examples: the binary, and its router in process); these
// tests cover what is particular to Echo v5.

func ok(c *echo.Context) error { return c.JSON(http.StatusOK, map[string]string{"status": "ok"}) }

// subject answers {"sub": "<sub>"}, or {"sub": null} when anonymous.
func subject(c *echo.Context) error {
	var sub any
	if claims, ok := echo5auth.Claims(c); ok {
		sub = claims.Subject()
	}
	return c.JSON(http.StatusOK, map[string]any{"sub": sub})
}

// newVerifier starts a test issuer and a verifier that trusts it.
func newVerifier(tb testing.TB) (*authtest.Issuer, *core.Verifier) {
	tb.Helper()
	iss := authtest.NewTestIssuer(tb)
	v, err := core.NewVerifier(iss.Config())
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = v.Close() })
	return iss, v
}

// start serves e and returns its base URL.
func start(tb testing.TB, e *echo.Echo) string {
	tb.Helper()
	srv := httptest.NewServer(e)
	tb.Cleanup(srv.Close)
	return srv.URL
}

// send makes one request with the given Authorization values (empty ones
// are left out) and returns the response with its body read.
func send(tb testing.TB, method, url string, authorization ...string) (*http.Response, string) {
	tb.Helper()
	req, err := http.NewRequest(method, url, nil)
	require.NoError(tb, err)
	for _, a := range authorization {
		if a != "" {
			req.Header.Add("Authorization", a)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(tb, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(tb, err)
	return resp, string(body)
}

func bearer(token string) string { return "Bearer " + token }

// The default error path answers exactly what core computed: status,
// challenge, Content-Type and the JSON body (plus the newline Echo's JSON
// encoder writes).
func TestDefaultErrorResponse(t *testing.T) {
	iss, v := newVerifier(t)
	policy := core.AnyScope("write:data")
	e := echo.New()
	e.Use(echo5auth.Middleware(v))
	e.GET("/write", ok, echo5auth.Require(policy))
	url := start(t, e) + "/write"

	tests := []struct {
		name          string
		authorization []string
		wantStatus    int
		wantErr       error
	}{
		{"no credentials", nil, http.StatusUnauthorized, core.ErrNoCredentials},
		{"other scheme", []string{"Basic dXNlcjpwYXNz"}, http.StatusUnauthorized, core.ErrNoCredentials},
		{"malformed token", []string{"Bearer not-a-jwt"}, http.StatusUnauthorized, core.ErrInvalidToken},
		{"expired token", []string{bearer(iss.MustToken(t, "alice", authtest.Scopes("write:data"), authtest.ExpiresIn(-time.Hour)))},
			http.StatusUnauthorized, core.ErrTokenExpired},
		{"two headers", []string{"Bearer a", "Bearer b"}, http.StatusBadRequest, core.ErrInvalidRequest},
		{"scope missing", []string{bearer(iss.MustToken(t, "alice", authtest.Scopes("read:data")))},
			http.StatusForbidden, core.ErrInsufficientScope},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, wantErr := v.Check(t.Context(), http.MethodGet, core.Credentials{Authorization: tt.authorization}, policy)
			require.ErrorIs(t, wantErr, tt.wantErr)
			want := v.ErrorResponse(wantErr)

			resp, body := send(t, http.MethodGet, url, tt.authorization...)
			assert.Equal(t, tt.wantStatus, resp.StatusCode)
			assert.Equal(t, want.Status, resp.StatusCode)
			assert.Equal(t, want.WWWAuthenticate, resp.Header.Get("WWW-Authenticate"))
			assert.Empty(t, resp.Header.Get("Retry-After"))
			assert.Equal(t, core.ContentType, resp.Header.Get("Content-Type"))
			assert.Equal(t, string(want.Body)+"\n", body)
		})
	}
}

// With no usable key set the answer is core's 503 with Retry-After and no
// challenge.
func TestKeysUnavailable(t *testing.T) {
	iss := authtest.NewTestIssuer(t)
	cfg := iss.Config()
	cfg.JWKSURL = "http://127.0.0.1:1/jwks.json" // nothing listens there
	cfg.Logger = slog.New(slog.DiscardHandler)
	v, err := core.NewVerifier(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = v.Close() })
	e := echo.New()
	e.Use(echo5auth.Middleware(v))
	e.GET("/me", subject)

	resp, body := send(t, http.MethodGet, start(t, e)+"/me", bearer(iss.MustToken(t, "alice")))
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.NotEmpty(t, resp.Header.Get("Retry-After"))
	assert.Empty(t, resp.Header.Get("WWW-Authenticate"))
	assert.JSONEq(t, string(v.ErrorResponse(core.ErrKeysUnavailable).Body), body)
}

// A custom e.HTTPErrorHandler gets an error wrapping the core error, with
// core's status (echo.StatusCode) and body (json.Marshal); the challenge is
// already on the response.
func TestCustomHTTPErrorHandler(t *testing.T) {
	iss, v := newVerifier(t)
	e := echo.New()
	errs := make(chan error, 1)
	e.HTTPErrorHandler = func(c *echo.Context, err error) {
		errs <- err
		body, _ := json.Marshal(err)
		_ = c.JSON(echo.StatusCode(err), map[string]json.RawMessage{"custom": body})
	}
	e.Use(echo5auth.Middleware(v))
	e.GET("/admin", ok, echo5auth.Require(core.AnyRole("admin")))
	url := start(t, e) + "/admin"

	tests := []struct {
		name          string
		authorization string
		wantStatus    int
		wantErr       error
		wantChallenge string
	}{
		{"invalid token", "Bearer not-a-jwt", http.StatusUnauthorized, core.ErrInvalidToken, `error="invalid_token"`},
		{"role missing", bearer(iss.MustToken(t, "alice")), http.StatusForbidden, core.ErrInsufficientScope, `error="insufficient_scope"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := send(t, http.MethodGet, url, tt.authorization)
			err := <-errs
			assert.ErrorIs(t, err, tt.wantErr)
			assert.Equal(t, tt.wantStatus, echo.StatusCode(err))
			var ce *core.Error
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, ce.Error(), err.Error(), "the core error's fixed text, nothing more")
			assert.Equal(t, tt.wantStatus, resp.StatusCode)
			assert.Contains(t, resp.Header.Get("WWW-Authenticate"), tt.wantChallenge)
			assert.JSONEq(t, `{"custom":`+string(v.ErrorResponse(ce).Body)+`}`, body)
		})
	}
}

// Echo's other error handlers take core's status from the error too: the
// RFC 9457 one answers with it (and the challenge), and a HEAD request
// gets the status and headers without a body from the default one.
func TestOtherErrorHandlers(t *testing.T) {
	_, v := newVerifier(t)
	want := v.ErrorResponse(core.ErrNoCredentials)

	e := echo.New()
	e.Use(echo5auth.Middleware(v))
	e.Match([]string{http.MethodGet, http.MethodHead}, "/me", subject)
	url := start(t, e) + "/me"
	resp, body := send(t, http.MethodHead, url)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Equal(t, want.WWWAuthenticate, resp.Header.Get("WWW-Authenticate"))
	assert.Empty(t, body)

	e = echo.New()
	e.HTTPErrorHandler = echo.ProblemDetailsHTTPErrorHandler(false)
	e.Use(echo5auth.Middleware(v))
	e.GET("/me", subject)
	resp, body = send(t, http.MethodGet, start(t, e)+"/me")
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Equal(t, want.WWWAuthenticate, resp.Header.Get("WWW-Authenticate"))
	assert.JSONEq(t, `{"type":"about:blank","title":"Unauthorized","status":401}`, body)
}

// WithErrorHandler replaces the rendering of Middleware, Require and
// Authorize alike.
func TestWithErrorHandler(t *testing.T) {
	iss, v := newVerifier(t)
	errs := make(chan error, 1)
	custom := func(c *echo.Context, err error) {
		errs <- err
		_ = c.String(http.StatusTeapot, "refused")
	}
	e := echo.New()
	e.Use(echo5auth.Middleware(v, echo5auth.WithErrorHandler(custom)))
	e.GET("/admin", ok, echo5auth.Require(core.AnyRole("admin")))
	e.DELETE("/items/:owner", func(c *echo.Context) error {
		if err := echo5auth.Authorize(c, core.Owner(c.Param("owner"))); err != nil {
			return err
		}
		return c.NoContent(http.StatusNoContent)
	})
	url := start(t, e)
	alice := bearer(iss.MustToken(t, "alice"))

	tests := []struct {
		name, method, path, authorization string
		wantErr                           error
	}{
		{"middleware", http.MethodGet, "/admin", "", core.ErrNoCredentials},
		{"require", http.MethodGet, "/admin", alice, core.ErrInsufficientScope},
		{"authorize", http.MethodDelete, "/items/bob", alice, core.ErrNotOwner},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := send(t, tt.method, url+tt.path, tt.authorization)
			assert.ErrorIs(t, <-errs, tt.wantErr)
			assert.Equal(t, http.StatusTeapot, resp.StatusCode)
			assert.Equal(t, "refused", body)
			assert.Empty(t, resp.Header.Get("WWW-Authenticate"))
		})
	}
	resp, _ := send(t, http.MethodDelete, url+"/items/alice", alice)
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
}

// An error handler that only observes (writes nothing) keeps core's
// answer, and the request still stops.
func TestWithErrorHandlerObserveOnly(t *testing.T) {
	iss, v := newVerifier(t)
	errs := make(chan error, 1)
	observe := func(_ *echo.Context, err error) { errs <- err }
	e := echo.New()
	e.Use(echo5auth.Middleware(v, echo5auth.WithErrorHandler(observe)))
	e.GET("/admin", ok, echo5auth.Require(core.AnyRole("admin")))

	resp, body := send(t, http.MethodGet, start(t, e)+"/admin", bearer(iss.MustToken(t, "alice")))
	assert.ErrorIs(t, <-errs, core.ErrRoleDenied)
	want := v.ErrorResponse(core.ErrRoleDenied)
	assert.Equal(t, want.Status, resp.StatusCode)
	assert.Equal(t, want.WWWAuthenticate, resp.Header.Get("WWW-Authenticate"))
	assert.Equal(t, string(want.Body)+"\n", body)
}

// Skipped requests are not authenticated: even a malformed Authorization
// header passes, and the handler sees no claims.
func TestWithSkipper(t *testing.T) {
	_, v := newVerifier(t)
	e := echo.New()
	e.Use(echo5auth.Middleware(v, echo5auth.WithSkipper(func(c *echo.Context) bool { return c.Path() == "/health" })))
	e.GET("/health", subject)
	e.GET("/me", subject)
	e.POST("/health", subject, echo5auth.Require(core.Authenticated()))
	url := start(t, e)

	resp, body := send(t, http.MethodGet, url+"/health", "Bearer a", "Bearer ***")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.JSONEq(t, `{"sub":null}`, body)
	resp, _ = send(t, http.MethodGet, url+"/me")
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	resp, _ = send(t, http.MethodPost, url+"/health", "Bearer ***")
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "Require still guards a skipped route")
}

// Require and Authorize without Middleware answer 401 and never call the
// handler, whatever the policy.
func TestRequireWithoutMiddleware(t *testing.T) {
	iss := authtest.NewTestIssuer(t)
	called := make(chan struct{}, 10)
	handler := func(c *echo.Context) error {
		called <- struct{}{}
		return c.NoContent(http.StatusOK)
	}
	e := echo.New()
	e.GET("/scope", handler, echo5auth.Require(core.AnyScope("read:data")))
	e.GET("/anonymous", handler, echo5auth.Require(core.AllowAnonymous(core.Authenticated(), http.MethodGet)))
	e.GET("/nil", handler, echo5auth.Require(nil))
	e.GET("/authorize", func(c *echo.Context) error {
		if err := echo5auth.Authorize(c, core.Authenticated()); err != nil {
			return err
		}
		return handler(c)
	})
	url := start(t, e)
	want := (*core.Guard)(nil).Response(core.ErrNoCredentials, false, "") // realm "api", no metadata
	token := bearer(iss.MustToken(t, "alice", authtest.Scopes("read:data")))

	for _, path := range []string{"/scope", "/anonymous", "/nil", "/authorize"} {
		t.Run(path, func(t *testing.T) {
			resp, body := send(t, http.MethodGet, url+path, token)
			assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
			assert.Equal(t, want.WWWAuthenticate, resp.Header.Get("WWW-Authenticate"))
			assert.Equal(t, string(want.Body)+"\n", body)
		})
	}
	assert.Empty(t, called)
	assert.PanicsWithValue(t, "axioms: a middleware needs a non-nil *core.Verifier", func() { echo5auth.Middleware(nil) },
		"a nil verifier is a programmer error, reported when the middleware is built")
}

// Handlers read the verified claims, also from the request's standard
// context; anonymous requests have none.
func TestClaims(t *testing.T) {
	iss, v := newVerifier(t)
	e := echo.New()
	e.Use(echo5auth.Middleware(v, echo5auth.WithAnonymousMethods(http.MethodGet)))
	e.Match([]string{http.MethodGet, http.MethodPost, http.MethodOptions}, "/claims", func(c *echo.Context) error {
		claims, ok := echo5auth.Claims(c)
		if !ok {
			return c.JSON(http.StatusOK, map[string]any{"sub": nil})
		}
		if fromCtx, _ := core.ClaimsFromContext(c.Request().Context()); fromCtx != claims {
			return errors.New("the request's context carries other claims")
		}
		return c.JSON(http.StatusOK, map[string]any{"sub": claims.Subject(), "admin": claims.HasRole("admin")})
	})
	url := start(t, e) + "/claims"
	admin := bearer(iss.MustToken(t, "root", authtest.Roles("admin")))

	tests := []struct {
		name, method, authorization, wantBody string
	}{
		{"authenticated", http.MethodPost, admin, `{"sub":"root","admin":true}`},
		{"anonymous GET", http.MethodGet, "", `{"sub":null}`},
		{"token on anonymous GET", http.MethodGet, admin, `{"sub":"root","admin":true}`},
		{"safe method without credentials", http.MethodOptions, "", `{"sub":null}`},
		{"safe method with a token", http.MethodOptions, admin, `{"sub":"root","admin":true}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := send(t, tt.method, url, tt.authorization)
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			assert.JSONEq(t, tt.wantBody, body)
		})
	}
}

// WithTokenFromQuery reads access_token; without it the query is ignored.
func TestWithTokenFromQuery(t *testing.T) {
	iss, v := newVerifier(t)
	token := iss.MustToken(t, "alice")
	e := echo.New()
	e.GET("/query", subject, echo5auth.Middleware(v, echo5auth.WithTokenFromQuery()))
	e.GET("/header", subject, echo5auth.Middleware(v))
	url := start(t, e)

	tests := []struct {
		name, path, authorization string
		wantStatus                int
	}{
		{"query token", "/query?access_token=" + token, "", http.StatusOK},
		{"query token ignored", "/header?access_token=" + token, "", http.StatusUnauthorized},
		{"header still works", "/query", bearer(token), http.StatusOK},
		{"header and query", "/query?access_token=" + token, bearer(token), http.StatusBadRequest},
		{"repeated query", "/query?access_token=" + token + "&access_token=" + token, "", http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var auth []string
			if tt.authorization != "" {
				auth = []string{tt.authorization}
			}
			resp, _ := send(t, http.MethodGet, url+tt.path, auth...)
			assert.Equal(t, tt.wantStatus, resp.StatusCode)
		})
	}
}

// WithResourceMetadata adds resource_metadata to every challenge, built
// from the request's TLS state and Host, never from X-Forwarded-* (which
// c.Scheme() would trust); MetadataHandler serves the document.
func TestResourceMetadata(t *testing.T) {
	iss, v := newVerifier(t)
	m, err := core.NewResourceMetadata(v.ProtectedResource(), "")
	require.NoError(t, err)
	e := echo.New()
	e.GET(core.ProtectedResourcePath, echo5auth.MetadataHandler(m))
	e.GET("/nil", echo5auth.MetadataHandler(nil))
	g := e.Group("/api", echo5auth.Middleware(v, echo5auth.WithResourceMetadata(m)))
	g.GET("/read", ok, echo5auth.Require(core.AnyScope("read:data")))
	g.GET("/owned", func(c *echo.Context) error { return echo5auth.Authorize(c, core.Owner("bob")) })
	writer := bearer(iss.MustToken(t, "alice", authtest.Scopes("write:data")))

	const wk = "/.well-known/oauth-protected-resource"
	tests := []struct {
		name, target, host, auth string
		status                   int
		want                     string
	}{
		{"no credentials", "http://api.example.com/api/read", "", "", 401,
			`Bearer realm="api", resource_metadata="http://api.example.com` + wk + `"`},
		{"TLS", "https://api.example.com/api/read", "", "", 401,
			`Bearer realm="api", resource_metadata="https://api.example.com` + wk + `"`},
		{"invalid token", "http://api.example.com/api/read", "", "Bearer x.y.z", 401,
			`Bearer realm="api", error="invalid_token", error_description="token malformed", resource_metadata="http://api.example.com` + wk + `"`},
		{"Require", "http://api.example.com/api/read", "", writer, 403,
			`Bearer realm="api", error="insufficient_scope", error_description="insufficient scope", scope="read:data", resource_metadata="http://api.example.com` + wk + `"`},
		{"Authorize", "http://api.example.com/api/owned", "", writer, 403,
			`Bearer realm="api", error="insufficient_scope", error_description="not the resource owner", resource_metadata="http://api.example.com` + wk + `"`},
		{"forged Host", "http://api.example.com/api/read", "evil.example/x", "", 401, `Bearer realm="api"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, tt.target, nil)
			req.Header.Set("X-Forwarded-Proto", "https")
			req.Header.Set("X-Forwarded-Host", "forwarded.example")
			if tt.host != "" {
				req.Host = tt.host
			}
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			if tt.target[:5] == "http:" {
				req.Header.Set("X-Forwarded-Ssl", "on")
			}
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			assert.Equal(t, tt.status, rec.Code)
			assert.Equal(t, tt.want, rec.Header().Get("WWW-Authenticate"))
		})
	}

	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, core.ProtectedResourcePath, nil)
	req.Header.Set("Authorization", "Bearer a")
	e.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, core.ContentType, rec.Header().Get("Content-Type"))
	assert.JSONEq(t, string(m.Document()), rec.Body.String())

	rec = httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/nil", nil))
	assert.Equal(t, http.StatusNotFound, rec.Code)
}

// A hook that panics leaves the response writer as it was, so that Echo's
// Recover middleware answers 500, never an empty 200.
func TestPanickingErrorHandler(t *testing.T) {
	_, v := newVerifier(t)
	e := echo.New()
	e.Use(middleware.Recover())
	e.Use(echo5auth.Middleware(v, echo5auth.WithErrorHandler(func(*echo.Context, error) { panic("hook") })))
	e.GET("/me", subject)
	resp, _ := send(t, http.MethodGet, start(t, e)+"/me")
	assert.Equal(t, http.StatusInternalServerError, resp.StatusCode)
}

// While the error handler runs, c.Response() is the gate: an answer Echo
// delays (c.JSON) or redirects are dropped like any 2xx or 3xx, the
// *echo.Response stays uncommitted for the standard answer, and the writer
// is Echo's own again once the refusal returns.
func TestErrorHandlerWriter(t *testing.T) {
	iss, v := newVerifier(t)
	hooks := map[string]func(c *echo.Context){
		"/json":     func(c *echo.Context) { _ = c.JSON(http.StatusOK, map[string]string{"status": "ok"}) },
		"/redirect": func(c *echo.Context) { _ = c.Redirect(http.StatusFound, "/elsewhere") },
		"/teapot":   func(c *echo.Context) { _ = c.JSON(http.StatusTeapot, map[string]string{"error": "teapot"}) },
	}
	restored := make(chan bool, 1)
	e := echo.New()
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			err := next(c)
			_, unwrapErr := echo.UnwrapResponse(c.Response())
			restored <- unwrapErr == nil
			return err
		}
	})
	e.Use(echo5auth.Middleware(v, echo5auth.WithErrorHandler(func(c *echo.Context, _ error) { hooks[c.Path()](c) })))
	for path := range hooks {
		e.GET(path, ok, echo5auth.Require(core.AnyRole("admin")))
	}
	url := start(t, e)
	want := v.ErrorResponse(core.ErrRoleDenied)
	alice := bearer(iss.MustToken(t, "alice"))

	for _, path := range []string{"/json", "/redirect"} {
		t.Run(path, func(t *testing.T) {
			resp, body := send(t, http.MethodGet, url+path, alice)
			assert.True(t, <-restored, "c.Response() unwraps to the *echo.Response again")
			assert.Equal(t, want.Status, resp.StatusCode)
			assert.Equal(t, want.WWWAuthenticate, resp.Header.Get("WWW-Authenticate"))
			assert.Empty(t, resp.Header.Get("Location"), "the dropped answer's headers go with it")
			assert.Equal(t, string(want.Body)+"\n", body)
		})
	}
	resp, body := send(t, http.MethodGet, url+"/teapot", alice)
	assert.True(t, <-restored)
	assert.Equal(t, http.StatusTeapot, resp.StatusCode)
	assert.JSONEq(t, `{"error":"teapot"}`, body)
	assert.Empty(t, resp.Header.Get("WWW-Authenticate"))
}
