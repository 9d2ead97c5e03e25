package fiberauth_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/axiomsgo/axioms/authtest"
	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/fiberauth"
)

// Every test leaves no goroutine behind, but fasthttp's two background
// ones: the idle-worker cleaner of a stopped server (it notices the stop
// only after its sleep) and the Date-header updater, which lives as long
// as the process.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*workerPool).Start.func2"),
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.updateServerDate.func1"))
}

// The conformance suite runs against fiberauth through the Fiber example
// server (module examples: the binary, and its router in process); these
// tests cover what is particular to Fiber.

// smallApp serves GET /me behind Middleware.
func smallApp(v *core.Verifier, cfg ...fiber.Config) *fiber.App {
	c := fiber.Config{DisableStartupMessage: true}
	if len(cfg) > 0 {
		c = cfg[0]
		c.DisableStartupMessage = true
	}
	app := fiber.New(c)
	app.Use(fiberauth.Middleware(v))
	app.Get("/me", subject)
	return app
}

func status(code int) fiber.Handler {
	return func(c *fiber.Ctx) error { return c.Status(code).JSON(fiber.Map{"status": "ok"}) }
}

func noContent(c *fiber.Ctx) error { return c.SendStatus(fiber.StatusNoContent) }

func subject(c *fiber.Ctx) error {
	if claims, ok := fiberauth.Claims(c); ok {
		return c.JSON(fiber.Map{"sub": claims.Subject()})
	}
	return c.JSON(fiber.Map{"sub": nil})
}

// serve runs app on a real loopback listener until the test ends.
func serve(tb testing.TB, app *fiber.App) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	go func() { _ = app.Listener(ln) }()
	tb.Cleanup(func() {
		// fasthttp marks a new connection active before its first byte
		// arrives, so Shutdown waits for every spare connection a client
		// dialed but never used (Go's Transport keeps them idle for 90s).
		// Close ours first, and bound the wait for the others (the
		// conformance suite closes its own after this cleanup).
		http.DefaultTransport.(*http.Transport).CloseIdleConnections()
		_ = app.ShutdownWithTimeout(time.Second)
	})
	return "http://" + ln.Addr().String()
}

// setup starts an issuer (ES256: fast keys) and a verifier trusting it.
func setup(tb testing.TB, mutate ...func(*core.Config)) (*authtest.Issuer, *core.Verifier) {
	tb.Helper()
	iss := authtest.NewTestIssuer(tb, authtest.WithAlgorithm("ES256"))
	cfg := iss.Config()
	for _, m := range mutate {
		m(&cfg)
	}
	v, err := core.NewVerifier(cfg)
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = v.Close() })
	return iss, v
}

type answer struct {
	status int
	header http.Header
	body   string
}

// send makes one request; each auth value becomes one Authorization header.
func send(tb testing.TB, method, url, body string, auth ...string) answer {
	tb.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	require.NoError(tb, err)
	for _, a := range auth {
		req.Header.Add("Authorization", a)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	require.NoError(tb, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(tb, err)
	return answer{resp.StatusCode, resp.Header, string(b)}
}

func bearer(token string) string { return "Bearer " + token }

// errTwoHeaders is core's error for two Authorization headers.
var errTwoHeaders = func() error {
	_, err := core.NewGuard(&core.Verifier{}, core.GuardOptions{}).Authenticate(context.Background(), "GET",
		core.Credentials{Authorization: []string{"Bearer a", "Bearer b"}})
	return err
}()

// assertCore checks that a is exactly core's answer to err (realm "api",
// no resource_metadata).
func assertCore(tb testing.TB, a answer, err error) {
	tb.Helper()
	want := (*core.Guard)(nil).Response(err, false, "")
	assert.Equal(tb, want.Status, a.status)
	assert.Equal(tb, want.WWWAuthenticate, a.header.Get("WWW-Authenticate"))
	assert.Equal(tb, core.ContentType, a.header.Get("Content-Type"))
	assert.JSONEq(tb, string(want.Body), a.body)
}

// TestClaimsOutliveHandler keeps the claims of 200 concurrent requests, each
// with its own token, past the end of their handlers, and checks them once
// every response is in: fasthttp reuses its request buffers, so claims that
// pointed into them would come out corrupted (and -race would object).
func TestClaimsOutliveHandler(t *testing.T) {
	iss, v := setup(t)
	type kept struct {
		i, method      string
		local, fromCtx *core.Claims
	}
	const n = 200
	out := make(chan kept, n)
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use(fiberauth.Middleware(v))
	app.Post("/kept/:i", func(c *fiber.Ctx) error {
		local, _ := fiberauth.Claims(c)
		fromCtx, _ := core.ClaimsFromContext(c.UserContext())
		// The test's own strings from the Ctx are copied too (the rule the
		// adapter follows); Claims need no copy.
		out <- kept{utils.CopyString(c.Params("i")), strings.Clone(c.Method()), local, fromCtx}
		return c.SendString(c.Params("i"))
	})
	url := serve(t, app)

	tokens := make([]string, n)
	for i := range tokens {
		tokens[i] = iss.MustToken(t, fmt.Sprintf("user-%d", i), authtest.Scopes(fmt.Sprintf("scope-%d", i)))
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			a := send(t, http.MethodPost, fmt.Sprintf("%s/kept/%d", url, i), "", bearer(tokens[i]))
			assert.Equal(t, http.StatusOK, a.status)
		})
	}
	wg.Wait()
	close(out)

	seen := map[string]bool{}
	for k := range out {
		require.NotNil(t, k.local)
		assert.Same(t, k.local, k.fromCtx, "Claims reads the user context")
		assert.Equal(t, "user-"+k.i, k.local.Subject())
		assert.Equal(t, []string{"scope-" + k.i}, k.local.Scopes())
		assert.Equal(t, http.MethodPost, k.method)
		seen[k.local.Subject()] = true
	}
	assert.Len(t, seen, n)
}

// TestClaimsInUserContext checks that Claims and core.ClaimsFromContext of
// the user context agree, and that anonymous requests have none.
func TestClaimsInUserContext(t *testing.T) {
	iss, v := setup(t)
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use(fiberauth.Middleware(v, fiberauth.WithAnonymousMethods("get")))
	app.Get("/", func(c *fiber.Ctx) error {
		local, okLocal := fiberauth.Claims(c)
		fromCtx, okCtx := core.ClaimsFromContext(c.UserContext())
		if okLocal != okCtx || local != fromCtx {
			return c.Status(fiber.StatusInternalServerError).SendString("stores differ")
		}
		if !okLocal {
			return c.SendString("anonymous")
		}
		return c.SendString(local.Subject())
	})
	url := serve(t, app)

	assert.Equal(t, "alice", send(t, http.MethodGet, url, "", bearer(iss.MustToken(t, "alice"))).body)
	assert.Equal(t, "anonymous", send(t, http.MethodGet, url, "").body)
}

// TestWithErrorHandler: the handler gets every refusal as the core error
// (Middleware, Require and Authorize alike); what it writes is the answer,
// and when it writes nothing the standard answer follows.
func TestWithErrorHandler(t *testing.T) {
	iss, v := setup(t)
	var mu sync.Mutex
	var got []error
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use(fiberauth.Middleware(v, fiberauth.WithErrorHandler(func(c *fiber.Ctx, err error) {
		mu.Lock()
		got = append(got, err)
		mu.Unlock()
		if errors.Is(err, core.ErrNoCredentials) {
			c.Set("X-Seen", "1") // writes nothing: the standard answer follows
			return
		}
		_ = c.Status(fiber.StatusTeapot).JSON(fiber.Map{"custom": (*core.Guard)(nil).Response(err, false, "").Status})
	})))
	app.Get("/require", fiberauth.Require(core.AnyScope("admin")), status(200))
	app.Get("/authorize", func(c *fiber.Ctx) error {
		if !fiberauth.Authorize(c, core.Owner("bob")) {
			return nil
		}
		return c.SendString("owner")
	})
	url := serve(t, app)
	alice := bearer(iss.MustToken(t, "alice"))

	tests := []struct {
		path, auth string
		wantStatus int
		wantBody   string
		wantErr    error
	}{
		{"/require", "Bearer not.a.token", fiber.StatusTeapot, `{"custom":401}`, core.ErrTokenMalformed},
		{"/require", alice, fiber.StatusTeapot, `{"custom":403}`, core.ErrInsufficientScope},
		{"/authorize", alice, fiber.StatusTeapot, `{"custom":403}`, core.ErrNotOwner},
		{"/authorize", "", 401, `{"error":"unauthorized","error_description":"authentication required"}`, core.ErrNoCredentials},
	}
	for _, tt := range tests {
		t.Run(tt.path+" "+tt.wantErr.Error(), func(t *testing.T) {
			mu.Lock()
			got = nil
			mu.Unlock()
			var auth []string
			if tt.auth != "" {
				auth = append(auth, tt.auth)
			}
			a := send(t, http.MethodGet, url+tt.path, "", auth...)
			assert.Equal(t, tt.wantStatus, a.status)
			assert.JSONEq(t, tt.wantBody, a.body)
			mu.Lock()
			defer mu.Unlock()
			require.Len(t, got, 1)
			assert.ErrorIs(t, got[0], tt.wantErr)
		})
	}
}

// TestAppErrorHandler: a custom app-level ErrorHandler, which would turn any
// error into a 500, never sees the refusals: the answers stay core's,
// whether they come from Middleware, Require or Authorize.
func TestAppErrorHandler(t *testing.T) {
	iss, v := setup(t)
	var appHandlerCalls atomic.Int32
	app := smallApp(v, fiber.Config{ErrorHandler: func(c *fiber.Ctx, err error) error {
		appHandlerCalls.Add(1)
		return c.Status(fiber.StatusInternalServerError).SendString("app: " + err.Error())
	}})
	app.Get("/read", fiberauth.Require(core.AnyScope("read:data", "admin")), status(200))
	app.Delete("/owned", func(c *fiber.Ctx) error {
		if !fiberauth.Authorize(c, core.Owner("bob")) {
			return nil
		}
		return c.SendStatus(fiber.StatusNoContent)
	})
	url := serve(t, app)
	alice, bob := iss.MustToken(t, "alice"), iss.MustToken(t, "bob")

	assertCore(t, send(t, http.MethodGet, url+"/me", ""), core.ErrNoCredentials)
	assertCore(t, send(t, http.MethodGet, url+"/me", "", "Bearer a.b.c"), core.ErrTokenMalformed)
	assertCore(t, send(t, http.MethodGet, url+"/me", "", bearer(alice), bearer(alice)), errTwoHeaders)
	assertCore(t, send(t, http.MethodGet, url+"/read", "", bearer(alice)), core.AnyScope("read:data", "admin").Check("GET", claimsOf(t, v, alice)))
	assertCore(t, send(t, http.MethodDelete, url+"/owned", "", bearer(alice)), core.ErrNotOwner)
	assert.Zero(t, appHandlerCalls.Load())

	assert.Equal(t, http.StatusNoContent, send(t, http.MethodDelete, url+"/owned", "", bearer(bob)).status)
}

func claimsOf(tb testing.TB, v *core.Verifier, token string) *core.Claims {
	tb.Helper()
	c, err := v.Verify(tb.Context(), token)
	require.NoError(tb, err)
	return c
}

// TestWithoutMiddleware: Require and Authorize answer 401 and stop; the
// app's ErrorHandler sees nothing.
func TestWithoutMiddleware(t *testing.T) {
	iss, _ := setup(t)
	var reached, appHandler atomic.Bool
	app := fiber.New(fiber.Config{DisableStartupMessage: true, ErrorHandler: func(c *fiber.Ctx, err error) error {
		appHandler.Store(true)
		return c.SendStatus(fiber.StatusInternalServerError)
	}})
	app.Get("/require", fiberauth.Require(core.Authenticated()), func(c *fiber.Ctx) error {
		reached.Store(true)
		return nil
	})
	app.Get("/authorize", func(c *fiber.Ctx) error {
		if !fiberauth.Authorize(c, core.Authenticated()) {
			return nil
		}
		reached.Store(true)
		return nil
	})
	url := serve(t, app)
	token := bearer(iss.MustToken(t, "alice"))

	assertCore(t, send(t, http.MethodGet, url+"/require", "", token), core.ErrNoCredentials)
	assertCore(t, send(t, http.MethodGet, url+"/authorize", "", token), core.ErrNoCredentials)
	assert.False(t, reached.Load())
	assert.False(t, appHandler.Load())
}

// TestSkipper: skipped requests are not authenticated (a broken header
// passes) and carry no claims; guards on them answer as for no credentials.
func TestSkipper(t *testing.T) {
	iss, v := setup(t)
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use(fiberauth.Middleware(v, fiberauth.WithSkipper(func(c *fiber.Ctx) bool {
		return strings.HasPrefix(c.Path(), "/skipped")
	})))
	app.Get("/skipped", func(c *fiber.Ctx) error {
		_, ok := fiberauth.Claims(c)
		return c.SendString(fmt.Sprint("claims:", ok))
	})
	app.Get("/skipped/guarded", fiberauth.Require(core.Authenticated()), status(200))
	app.Get("/skipped/authorize", func(c *fiber.Ctx) error {
		if fiberauth.Authorize(c, core.Authenticated()) {
			return c.SendStatus(fiber.StatusNoContent)
		}
		return nil
	})
	app.Get("/other", status(200))
	url := serve(t, app)
	token := bearer(iss.MustToken(t, "alice"))

	a := send(t, http.MethodGet, url+"/skipped", "", "Bearer !!!", "Bearer two headers")
	assert.Equal(t, http.StatusOK, a.status)
	assert.Equal(t, "claims:false", a.body)
	assert.Equal(t, "claims:false", send(t, http.MethodGet, url+"/skipped", "", token).body)
	assertCore(t, send(t, http.MethodGet, url+"/skipped/guarded", "", token), core.ErrNoCredentials)
	assertCore(t, send(t, http.MethodGet, url+"/skipped/authorize", "", token), core.ErrNoCredentials)
	assertCore(t, send(t, http.MethodGet, url+"/other", "", "Bearer !!!"), core.ErrBearerSyntax)
}

// TestSafeMethods: OPTIONS passes Middleware without credentials, present
// credentials are verified, and no policy is met without a token.
func TestSafeMethods(t *testing.T) {
	iss, v := setup(t)
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use(fiberauth.Middleware(v))
	app.Options("/open", noContent)
	app.Options("/guarded", fiberauth.Require(core.Authenticated()), noContent)
	url := serve(t, app)

	a := send(t, http.MethodOptions, url+"/open", "")
	assert.Equal(t, http.StatusNoContent, a.status)
	assert.Empty(t, a.header.Get("WWW-Authenticate"))
	assertCore(t, send(t, http.MethodOptions, url+"/open", "", "Bearer !!!", "Basic x"), errTwoHeaders)
	assertCore(t, send(t, http.MethodOptions, url+"/guarded", ""), core.ErrNoCredentials)
	assert.Equal(t, http.StatusNoContent, send(t, http.MethodOptions, url+"/guarded", "", bearer(iss.MustToken(t, "alice"))).status)
}

// TestTokenFromQuery: access_token is read only with the option; a header
// and a query token together are an invalid request.
func TestTokenFromQuery(t *testing.T) {
	iss, v := setup(t)
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/query", fiberauth.Middleware(v, fiberauth.WithTokenFromQuery()), subject)
	app.Get("/header", fiberauth.Middleware(v), subject)
	url := serve(t, app)
	token := iss.MustToken(t, "alice")

	assert.JSONEq(t, `{"sub":"alice"}`, send(t, http.MethodGet, url+"/query?access_token="+token, "").body)
	assertCore(t, send(t, http.MethodGet, url+"/query?access_token="+token, "", bearer(token)), errTwoHeaders)
	assertCore(t, send(t, http.MethodGet, url+"/query?access_token=a&access_token=b", ""), errTwoHeaders)
	assertCore(t, send(t, http.MethodGet, url+"/header?access_token="+token, ""), core.ErrNoCredentials)
}

// TestHeaderLimits records what fasthttp does with large and repeated
// headers: it keeps every Authorization header (two are a 400 from core),
// and answers 431 itself when the header does not fit ReadBufferSize.
func TestHeaderLimits(t *testing.T) {
	_, v := setup(t)
	small := serve(t, smallApp(v))
	large := serve(t, smallApp(v, fiber.Config{ReadBufferSize: 32 << 10}))
	oversized := bearer(strings.Repeat("a", 16<<10+1)) // core's default MaxTokenBytes + 1

	assertCore(t, send(t, http.MethodGet, small+"/me", "", "Bearer a", "Bearer b"), errTwoHeaders)
	assertCore(t, send(t, http.MethodGet, small+"/me", "", "Bearer a", "Basic b"), errTwoHeaders)
	assert.Equal(t, http.StatusRequestHeaderFieldsTooLarge, send(t, http.MethodGet, small+"/me", "", oversized).status)
	assertCore(t, send(t, http.MethodGet, large+"/me", "", oversized), core.ErrTokenTooLarge)
}

// TestVerifierSurvivesRequests guards against a fasthttp quirk: at the end
// of each request it calls Close on every io.Closer stored in the user
// values (c.Locals), and *core.Verifier is one. A closed verifier stops
// fetching keys, so a key rotated in after a first request would stay
// unknown.
func TestVerifierSurvivesRequests(t *testing.T) {
	var shift atomic.Int64
	iss, v := setup(t, func(cfg *core.Config) {
		cfg.Now = func() time.Time { return time.Now().Add(time.Duration(shift.Load())) }
	})
	url := serve(t, smallApp(v))
	require.Equal(t, http.StatusOK, send(t, http.MethodGet, url+"/me", "", bearer(iss.MustToken(t, "alice"))).status)

	_, err := iss.Rotate("ES256")
	require.NoError(t, err)
	shift.Store(int64(time.Minute)) // past MinRefreshInterval
	assert.Equal(t, http.StatusOK, send(t, http.MethodGet, url+"/me", "", bearer(iss.MustToken(t, "bob"))).status)
}

func TestMiddlewareNilVerifierPanics(t *testing.T) {
	assert.PanicsWithValue(t, "axioms: a middleware needs a non-nil *core.Verifier", func() { fiberauth.Middleware(nil) })
}

// WithResourceMetadata adds resource_metadata to every challenge, built
// from the connection's TLS state and the Host header, never from
// X-Forwarded-* (which c.Protocol() and c.Hostname() trust by default);
// MetadataHandler serves the document.
func TestResourceMetadata(t *testing.T) {
	iss, v := setup(t)
	m, err := core.NewResourceMetadata(v.ProtectedResource(), "")
	require.NoError(t, err)
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get(core.ProtectedResourcePath, fiberauth.MetadataHandler(m))
	app.Get("/nil", fiberauth.MetadataHandler(nil))
	app.Use(fiberauth.Middleware(v, fiberauth.WithResourceMetadata(m)))
	app.Get("/read", fiberauth.Require(core.AnyScope("read:data")), status(fiber.StatusOK))
	app.Get("/owned", func(c *fiber.Ctx) error {
		if fiberauth.Authorize(c, core.Owner("bob")) {
			return c.SendStatus(fiber.StatusNoContent)
		}
		return nil
	})
	writer := bearer(iss.MustToken(t, "alice", authtest.Scopes("write:data")))

	const wk = "/.well-known/oauth-protected-resource"
	tests := []struct {
		name, path, host, auth string
		status                 int
		want                   string
	}{
		{"no credentials", "/read", "API.example.com:8080", "", 401,
			`Bearer realm="api", resource_metadata="http://api.example.com:8080` + wk + `"`},
		{"invalid token", "/read", "api.example.com", "Bearer x.y.z", 401,
			`Bearer realm="api", error="invalid_token", error_description="token malformed", resource_metadata="http://api.example.com` + wk + `"`},
		{"Require", "/read", "api.example.com", writer, 403,
			`Bearer realm="api", error="insufficient_scope", error_description="insufficient scope", scope="read:data", resource_metadata="http://api.example.com` + wk + `"`},
		{"Authorize", "/owned", "api.example.com", writer, 403,
			`Bearer realm="api", error="insufficient_scope", error_description="not the resource owner", resource_metadata="http://api.example.com` + wk + `"`},
		{"forged Host", "/read", "evil_host.example", "", 401, `Bearer realm="api"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, "http://ignored"+tt.path, nil)
			require.NoError(t, err)
			req.Host = tt.host
			req.Header.Set("X-Forwarded-Proto", "https")
			req.Header.Set("X-Forwarded-Host", "forwarded.example")
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			resp, err := app.Test(req, -1)
			require.NoError(t, err)
			_ = resp.Body.Close()
			assert.Equal(t, tt.status, resp.StatusCode)
			assert.Equal(t, tt.want, resp.Header.Get("WWW-Authenticate"))
		})
	}

	t.Run("TLS", func(t *testing.T) {
		tlsSrv := httptest.NewTLSServer(http.NotFoundHandler()) // for its certificate and a client trusting it
		client := tlsSrv.Client()
		certs := tlsSrv.TLS.Certificates
		tlsSrv.Close()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		go func() { _ = app.Listener(tls.NewListener(ln, &tls.Config{Certificates: certs})) }()
		t.Cleanup(func() { client.CloseIdleConnections(); _ = app.ShutdownWithTimeout(time.Second) })
		resp, err := client.Get("https://" + ln.Addr().String() + "/read")
		require.NoError(t, err)
		_ = resp.Body.Close()
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
		assert.Equal(t, `Bearer realm="api", resource_metadata="https://`+ln.Addr().String()+wk+`"`, resp.Header.Get("WWW-Authenticate"))
	})

	req, _ := http.NewRequest(http.MethodGet, core.ProtectedResourcePath, nil)
	req.Header.Set("Authorization", "Bearer a")
	resp, err := app.Test(req, -1)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, core.ContentType, resp.Header.Get("Content-Type"))
	assert.JSONEq(t, string(m.Document()), string(body))

	resp, err = app.Test(httptest.NewRequest(http.MethodGet, "/nil", nil), -1)
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}
