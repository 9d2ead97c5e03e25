package ginauth_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/axiomsgo/axioms/authtest"
	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/ginauth"
)

// The conformance suite runs against ginauth through the Gin example
// server (module examples: the binary, and its router in process); these
// tests cover what is particular to Gin.

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode) // no debug lines for every route
	goleak.VerifyTestMain(m)
}

func ok(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) }

// subject answers {"sub": "<sub>"}, or {"sub": null} when anonymous.
func subject(c *gin.Context) {
	var sub any
	if claims, ok := ginauth.Claims(c); ok {
		sub = claims.Subject()
	}
	c.JSON(http.StatusOK, gin.H{"sub": sub})
}

// newVerifier starts a test issuer and a verifier that trusts it.
func newVerifier(tb testing.TB) (*authtest.Issuer, *core.Verifier) {
	tb.Helper()
	iss := authtest.NewTestIssuer(tb, authtest.WithAlgorithm("ES256"))
	v, err := core.NewVerifier(iss.Config())
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = v.Close() })
	return iss, v
}

// start serves r and returns its base URL.
func start(tb testing.TB, r *gin.Engine) string {
	tb.Helper()
	srv := httptest.NewServer(r)
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
	resp, err := client.Do(req)
	require.NoError(tb, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(tb, err)
	return resp, string(body)
}

// client never follows redirects (a refusal never is one) and never waits
// long.
var client = &http.Client{
	Timeout:       10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func bearer(token string) string { return "Bearer " + token }

// assertStandard checks that resp and body are exactly core's answer to
// err (realm "api", no resource_metadata).
func assertStandard(tb testing.TB, resp *http.Response, body string, err error) {
	tb.Helper()
	want := (*core.Guard)(nil).Response(err, false, "")
	assert.Equal(tb, want.Status, resp.StatusCode)
	assert.Equal(tb, want.WWWAuthenticate, resp.Header.Get("WWW-Authenticate"))
	assert.Equal(tb, want.RetryAfter, resp.Header.Get("Retry-After"))
	assert.Equal(tb, []string{core.ContentType}, resp.Header.Values("Content-Type"))
	assert.Equal(tb, string(want.Body), body)
}

// The default error path answers exactly what core computed: status,
// challenge, Content-Type and the JSON body, byte for byte.
func TestDefaultErrorResponse(t *testing.T) {
	iss, v := newVerifier(t)
	policy := core.AnyScope("write:data")
	r := gin.New()
	r.Use(ginauth.Middleware(v))
	r.GET("/write", ginauth.Require(policy), ok)
	url := start(t, r) + "/write"

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
		{"oversized token", []string{bearer(strings.Repeat("a", 16<<10+1))}, http.StatusUnauthorized, core.ErrTokenTooLarge},
		{"scope missing", []string{bearer(iss.MustToken(t, "alice", authtest.Scopes("read:data")))},
			http.StatusForbidden, core.ErrInsufficientScope},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, wantErr := v.Check(t.Context(), http.MethodGet, core.Credentials{Authorization: tt.authorization}, policy)
			require.ErrorIs(t, wantErr, tt.wantErr)

			resp, body := send(t, http.MethodGet, url, tt.authorization...)
			assert.Equal(t, tt.wantStatus, resp.StatusCode)
			assertStandard(t, resp, body, wantErr)
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
	hooked := func(h func(*gin.Context)) gin.HandlerFunc {
		return ginauth.Middleware(v, ginauth.WithErrorHandler(func(c *gin.Context, _ error) { h(c) }))
	}
	r := gin.New()
	r.GET("/me", ginauth.Middleware(v), subject)
	r.GET("/hook/503", hooked(func(c *gin.Context) { c.String(http.StatusServiceUnavailable, "later") }), subject)
	r.GET("/hook/500", hooked(func(c *gin.Context) { c.String(http.StatusInternalServerError, "oops") }), subject)
	url := start(t, r)
	token := bearer(iss.MustToken(t, "alice"))

	resp, body := send(t, http.MethodGet, url+"/me", token)
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.NotEmpty(t, resp.Header.Get("Retry-After"))
	assert.Empty(t, resp.Header.Get("WWW-Authenticate"))
	assert.JSONEq(t, string(v.ErrorResponse(core.ErrKeysUnavailable).Body), body)

	resp, body = send(t, http.MethodGet, url+"/hook/503", token)
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "the standard status may stand")
	assert.Equal(t, "later", body)
	resp, body = send(t, http.MethodGet, url+"/hook/500", token)
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "another 5xx is dropped")
	assert.JSONEq(t, string(v.ErrorResponse(core.ErrKeysUnavailable).Body), body)
}

// A refusal aborts the chain: the handlers after the refusing one do not
// run, the middleware around it sees c.IsAborted() and the written
// status, and nothing is added to c.Errors.
func TestRefusalAborts(t *testing.T) {
	iss, v := newVerifier(t)
	type seen struct {
		aborted bool
		status  int
		errors  int
	}
	outer := make(chan seen, 1)
	var reached atomic.Int32
	r := gin.New()
	r.Use(func(c *gin.Context) {
		c.Next()
		outer <- seen{c.IsAborted(), c.Writer.Status(), len(c.Errors)}
	})
	r.Use(ginauth.Middleware(v))
	after := func(c *gin.Context) { reached.Add(1) }
	r.GET("/require", ginauth.Require(core.AnyRole("admin")), after, ok)
	r.GET("/authorize", func(c *gin.Context) {
		if !ginauth.Authorize(c, core.Owner("bob")) {
			return
		}
		c.Next()
	}, after, ok)
	r.GET("/me", after, subject)
	url := start(t, r)
	alice := bearer(iss.MustToken(t, "alice"))

	for _, tc := range []struct {
		path, auth string
		status     int
	}{
		{"/me", "", http.StatusUnauthorized},
		{"/require", alice, http.StatusForbidden},
		{"/authorize", alice, http.StatusForbidden},
	} {
		t.Run(tc.path, func(t *testing.T) {
			resp, _ := send(t, http.MethodGet, url+tc.path, tc.auth)
			assert.Equal(t, tc.status, resp.StatusCode)
			assert.Equal(t, seen{aborted: true, status: tc.status}, <-outer)
		})
	}
	assert.Zero(t, reached.Load(), "no handler after a refusal runs")

	resp, body := send(t, http.MethodGet, url+"/me", alice)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.JSONEq(t, `{"sub":"alice"}`, body)
	assert.Equal(t, seen{aborted: false, status: http.StatusOK}, <-outer)
	assert.EqualValues(t, 1, reached.Load())
}

// WithErrorHandler replaces the rendering of Middleware, Require and
// Authorize alike.
func TestWithErrorHandler(t *testing.T) {
	iss, v := newVerifier(t)
	errs := make(chan error, 1)
	custom := func(c *gin.Context, err error) {
		errs <- err
		c.String(http.StatusTeapot, "refused")
	}
	r := gin.New()
	r.Use(ginauth.Middleware(v, ginauth.WithErrorHandler(custom)))
	r.GET("/admin", ginauth.Require(core.AnyRole("admin")), ok)
	r.DELETE("/items/:owner", func(c *gin.Context) {
		if !ginauth.Authorize(c, core.Owner(c.Param("owner"))) {
			return
		}
		c.Status(http.StatusNoContent)
	})
	url := start(t, r)
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
	observe := func(_ *gin.Context, err error) { errs <- err }
	r := gin.New()
	r.Use(ginauth.Middleware(v, ginauth.WithErrorHandler(observe)))
	r.GET("/admin", ginauth.Require(core.AnyRole("admin")), ok)

	resp, body := send(t, http.MethodGet, start(t, r)+"/admin", bearer(iss.MustToken(t, "alice")))
	assert.ErrorIs(t, <-errs, core.ErrRoleDenied)
	assertStandard(t, resp, body, core.ErrRoleDenied)
}

// The hook gate with Gin's lazy status: the status an error handler leaves
// when it first writes, or when it returns after c.Status, is its answer;
// a 4xx stands, anything else is dropped with its body and headers, and
// the standard answer follows.
func TestErrorHandlerGate(t *testing.T) {
	_, v := newVerifier(t)
	tests := []struct {
		name     string
		hook     func(c *gin.Context, err error)
		status   int    // of the hook's answer; 0: the standard answer
		body     string // of the hook's answer
		header   string // X-Hook on the answer
		location string
	}{
		{"a header only", func(c *gin.Context, _ error) { c.Header("X-Hook", "1") }, 0, "", "1", ""},
		{"WriteError", func(c *gin.Context, err error) { c.Header("X-Hook", "1"); ginauth.WriteError(c, err) }, 0, "", "1", ""},
		{"c.AbortWithStatusJSON 418", func(c *gin.Context, _ error) {
			c.Header("X-Hook", "1")
			c.AbortWithStatusJSON(http.StatusTeapot, gin.H{"error": "teapot"})
		}, http.StatusTeapot, `{"error":"teapot"}`, "1", ""},
		{"c.Status 418 alone", func(c *gin.Context, _ error) { c.Status(http.StatusTeapot) }, http.StatusTeapot, "", "", ""},
		{"c.AbortWithStatus 429", func(c *gin.Context, _ error) { c.AbortWithStatus(http.StatusTooManyRequests) },
			http.StatusTooManyRequests, "", "", ""},
		{"the last status before the first write", func(c *gin.Context, _ error) {
			c.Status(http.StatusOK)
			c.String(http.StatusTeapot, "tea")
		}, http.StatusTeapot, "tea", "", ""},
		{"a status after the first write changes nothing", func(c *gin.Context, _ error) {
			c.String(http.StatusTeapot, "tea")
			c.Status(http.StatusOK)
		}, http.StatusTeapot, "tea", "", ""},
		{"c.JSON 200, dropped", func(c *gin.Context, _ error) {
			c.Header("X-Hook", "1")
			c.JSON(http.StatusOK, gin.H{"ok": true})
		}, 0, "", "", ""},
		{"c.Status 200 alone, dropped", func(c *gin.Context, _ error) { c.Header("X-Hook", "1"); c.Status(http.StatusOK) }, 0, "", "", ""},
		{"a body without status is a 200, dropped", func(c *gin.Context, _ error) { _, _ = c.Writer.WriteString("ok") }, 0, "", "", ""},
		{"c.Redirect, dropped", func(c *gin.Context, _ error) { c.Redirect(http.StatusFound, "/login") }, 0, "", "", ""},
		{"c.String 500, dropped", func(c *gin.Context, _ error) { c.String(http.StatusInternalServerError, "oops") }, 0, "", "", ""},
		{"a flush is a 200, dropped", func(c *gin.Context, _ error) { c.Writer.Flush() }, 0, "", "", ""},
		{"no hijacking", func(c *gin.Context, _ error) {
			if _, _, err := c.Writer.Hijack(); err == nil {
				panic("hijacked")
			}
			if _, _, err := http.NewResponseController(c.Writer).Hijack(); err == nil {
				panic("hijacked")
			}
		}, 0, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := gin.New()
			r.Use(func(c *gin.Context) { c.Header("X-Before", "1") })
			r.Use(ginauth.Middleware(v, ginauth.WithErrorHandler(tt.hook)))
			r.GET("/me", subject)
			resp, body := send(t, http.MethodGet, start(t, r)+"/me")

			assert.Equal(t, "1", resp.Header.Get("X-Before"), "headers set before the hook stay")
			assert.Equal(t, tt.header, resp.Header.Get("X-Hook"))
			assert.Empty(t, resp.Header.Get("Location"))
			if tt.status == 0 {
				assertStandard(t, resp, body, core.ErrNoCredentials)
				return
			}
			assert.Equal(t, tt.status, resp.StatusCode)
			assert.Equal(t, tt.body, body)
			assert.Empty(t, resp.Header.Get("WWW-Authenticate"), "nothing is added to the hook's answer")
		})
	}
}

// Skipped requests are not authenticated: even a malformed Authorization
// header passes, and the handler sees no claims.
func TestWithSkipper(t *testing.T) {
	_, v := newVerifier(t)
	r := gin.New()
	r.Use(ginauth.Middleware(v, ginauth.WithSkipper(func(c *gin.Context) bool { return c.FullPath() == "/health" })))
	r.GET("/health", subject)
	r.GET("/me", subject)
	r.POST("/health", ginauth.Require(core.Authenticated()), subject)
	url := start(t, r)

	resp, body := send(t, http.MethodGet, url+"/health", "Bearer a", "Bearer ***")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.JSONEq(t, `{"sub":null}`, body)
	resp, _ = send(t, http.MethodGet, url+"/me")
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	resp, body = send(t, http.MethodPost, url+"/health", "Bearer ***")
	assertStandard(t, resp, body, core.ErrNoCredentials) // Require still guards a skipped route
}

// Routes registered before Middleware are not authenticated; routes
// registered after it are, and so are unknown paths and methods, which
// then answer as the engine does.
func TestRegistrationOrder(t *testing.T) {
	iss, v := newVerifier(t)
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.GET("/before", subject)
	r.Use(ginauth.Middleware(v))
	r.GET("/after", subject)
	r.NoRoute(func(c *gin.Context) { c.JSON(http.StatusNotFound, gin.H{"error": "not_found"}) })
	r.NoMethod(func(c *gin.Context) { c.JSON(http.StatusMethodNotAllowed, gin.H{"error": "method_not_allowed"}) })
	url := start(t, r)
	alice := bearer(iss.MustToken(t, "alice"))

	resp, body := send(t, http.MethodGet, url+"/before", "Bearer ***")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.JSONEq(t, `{"sub":null}`, body)
	for _, tc := range []struct{ method, path string }{{"GET", "/after"}, {"GET", "/nowhere"}, {"POST", "/after"}} {
		resp, body = send(t, tc.method, url+tc.path)
		assertStandard(t, resp, body, core.ErrNoCredentials)
	}
	resp, body = send(t, http.MethodGet, url+"/nowhere", alice)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.JSONEq(t, `{"error":"not_found"}`, body)
	resp, _ = send(t, http.MethodPost, url+"/after", alice)
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)

	// Without a NoRoute handler Gin sets 404 before the chain runs; a
	// refusal there is still the standard answer, not Gin's text.
	bare := gin.New()
	bare.Use(ginauth.Middleware(v, ginauth.WithErrorHandler(func(*gin.Context, error) {})))
	resp, body = send(t, http.MethodGet, start(t, bare)+"/nowhere")
	assertStandard(t, resp, body, core.ErrNoCredentials)
}

// Require and Authorize without Middleware answer 401 and never call the
// handler, whatever the policy.
func TestRequireWithoutMiddleware(t *testing.T) {
	iss := authtest.NewTestIssuer(t)
	var called atomic.Int32
	handler := func(c *gin.Context) {
		called.Add(1)
		c.Status(http.StatusOK)
	}
	r := gin.New()
	r.GET("/scope", ginauth.Require(core.AnyScope("read:data")), handler)
	r.GET("/anonymous", ginauth.Require(core.AllowAnonymous(core.Authenticated(), http.MethodGet)), handler)
	r.GET("/nil", ginauth.Require(nil), handler)
	r.GET("/authorize", func(c *gin.Context) {
		if !ginauth.Authorize(c, core.Authenticated()) {
			return
		}
		handler(c)
	})
	url := start(t, r)
	token := bearer(iss.MustToken(t, "alice", authtest.Scopes("read:data")))

	for _, path := range []string{"/scope", "/anonymous", "/nil", "/authorize"} {
		t.Run(path, func(t *testing.T) {
			resp, body := send(t, http.MethodGet, url+path, token)
			assertStandard(t, resp, body, core.ErrNoCredentials) // realm "api", no metadata
		})
	}
	assert.Zero(t, called.Load())
	assert.PanicsWithValue(t, "axioms: a middleware needs a non-nil *core.Verifier", func() { ginauth.Middleware(nil) },
		"a nil verifier is a programmer error, reported when the middleware is built")
	assert.NotPanics(t, func() {
		ginauth.Middleware(&core.Verifier{}, nil, ginauth.WithSkipper(nil), ginauth.WithErrorHandler(nil), ginauth.WithResourceMetadata(nil))
	})
}

// Handlers read the verified claims, also from the request's standard
// context (and from c with ContextWithFallback, and from c.Copy());
// anonymous requests have none.
func TestClaims(t *testing.T) {
	iss, v := newVerifier(t)
	r := gin.New()
	r.ContextWithFallback = true
	r.Use(ginauth.Middleware(v, ginauth.WithAnonymousMethods(http.MethodGet)))
	r.Match([]string{http.MethodGet, http.MethodPost, http.MethodOptions}, "/claims", func(c *gin.Context) {
		claims, ok := ginauth.Claims(c)
		if !ok {
			c.JSON(http.StatusOK, gin.H{"sub": nil})
			return
		}
		fromCtx, _ := core.ClaimsFromContext(c.Request.Context())
		fromC, _ := core.ClaimsFromContext(c)
		fromCopy, _ := ginauth.Claims(c.Copy())
		if fromCtx != claims || fromC != claims || fromCopy != claims {
			c.String(http.StatusInternalServerError, "the contexts carry other claims")
			return
		}
		c.JSON(http.StatusOK, gin.H{"sub": claims.Subject(), "admin": claims.HasRole("admin")})
	})
	r.Any("/guarded", ginauth.Require(core.Authenticated()), ok)
	url := start(t, r)
	admin := bearer(iss.MustToken(t, "root", authtest.Roles("admin")))

	tests := []struct {
		name, method, path, authorization string
		wantStatus                        int
		wantBody                          string
	}{
		{"authenticated", http.MethodPost, "/claims", admin, 200, `{"sub":"root","admin":true}`},
		{"anonymous GET", http.MethodGet, "/claims", "", 200, `{"sub":null}`},
		{"token on anonymous GET", http.MethodGet, "/claims", admin, 200, `{"sub":"root","admin":true}`},
		{"invalid token on anonymous GET", http.MethodGet, "/claims", "Bearer x.y.z", 401, ""},
		{"anonymous POST", http.MethodPost, "/claims", "", 401, ""},
		{"safe method without credentials", http.MethodOptions, "/claims", "", 200, `{"sub":null}`},
		{"safe method with a token", http.MethodOptions, "/claims", admin, 200, `{"sub":"root","admin":true}`},
		{"no policy is met anonymously", http.MethodOptions, "/guarded", "", 401, ""},
		{"safe method with a token, guarded", http.MethodOptions, "/guarded", admin, 200, `{"status":"ok"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := send(t, tt.method, url+tt.path, tt.authorization)
			assert.Equal(t, tt.wantStatus, resp.StatusCode)
			if tt.wantBody != "" {
				assert.JSONEq(t, tt.wantBody, body)
			}
		})
	}
}

// WithTokenFromQuery reads access_token; without it the query is ignored.
func TestWithTokenFromQuery(t *testing.T) {
	iss, v := newVerifier(t)
	token := iss.MustToken(t, "alice")
	r := gin.New()
	r.GET("/query", ginauth.Middleware(v, ginauth.WithTokenFromQuery()), subject)
	r.GET("/header", ginauth.Middleware(v), subject)
	url := start(t, r)

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
			resp, _ := send(t, http.MethodGet, url+tt.path, tt.authorization)
			assert.Equal(t, tt.wantStatus, resp.StatusCode)
		})
	}
}

// WithResourceMetadata adds resource_metadata to every challenge, built
// from the request's TLS state and Host, never from X-Forwarded-* (even
// with every proxy trusted); MetadataHandler serves the document.
func TestResourceMetadata(t *testing.T) {
	iss, v := newVerifier(t)
	m, err := core.NewResourceMetadata(v.ProtectedResource(), "")
	require.NoError(t, err)
	r := gin.New()
	require.NoError(t, r.SetTrustedProxies([]string{"0.0.0.0/0", "::/0"}))
	r.GET(core.ProtectedResourcePath, ginauth.MetadataHandler(m))
	r.GET("/nil", ginauth.MetadataHandler(nil))
	g := r.Group("/api", ginauth.Middleware(v, ginauth.WithResourceMetadata(m)))
	g.GET("/read", ginauth.Require(core.AnyScope("read:data")), ok)
	g.GET("/owned", func(c *gin.Context) { ginauth.Authorize(c, core.Owner("bob")) })
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
			req.Header.Set("Forwarded", "host=forwarded.example;proto=https")
			if tt.host != "" {
				req.Host = tt.host
			}
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			rec := httptest.NewRecorder()
			r.ServeHTTP(rec, req)
			assert.Equal(t, tt.status, rec.Code)
			assert.Equal(t, tt.want, rec.Header().Get("WWW-Authenticate"))
		})
	}

	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, core.ProtectedResourcePath, nil)
	req.Header.Set("Authorization", "Bearer a")
	r.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, core.ContentType, rec.Header().Get("Content-Type"))
	assert.JSONEq(t, string(m.Document()), rec.Body.String())

	rec = httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/nil", nil))
	assert.Equal(t, http.StatusNotFound, rec.Code)
	assert.Empty(t, rec.Body.String())
}

// A hook that panics leaves c.Writer as it was, so that gin.Recovery
// answers 500, never an empty 200.
func TestPanickingErrorHandler(t *testing.T) {
	_, v := newVerifier(t)
	r := gin.New()
	r.Use(gin.CustomRecoveryWithWriter(io.Discard, func(c *gin.Context, _ any) { c.AbortWithStatus(http.StatusInternalServerError) }))
	r.Use(ginauth.Middleware(v, ginauth.WithErrorHandler(func(*gin.Context, error) { panic("hook") })))
	r.GET("/me", subject)
	resp, _ := send(t, http.MethodGet, start(t, r)+"/me")
	assert.Equal(t, http.StatusInternalServerError, resp.StatusCode)
}
