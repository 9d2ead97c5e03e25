package interop

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/go-chi/chi/v5"
	"github.com/gofiber/fiber/v2"
	fiber3 "github.com/gofiber/fiber/v3"
	"github.com/labstack/echo/v4"
	echo5 "github.com/labstack/echo/v5"
	"github.com/stretchr/testify/require"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/axiomsgo/axioms/chiauth"
	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/echo5auth"
	"github.com/axiomsgo/axioms/echoauth"
	"github.com/axiomsgo/axioms/fiber3auth"
	"github.com/axiomsgo/axioms/fiberauth"
	"github.com/axiomsgo/axioms/ginauth"
)

// The policies every app enforces, with the challenge scope lists they
// produce when unmet.
var (
	readPolicy  = core.AnyScope("read:data", "admin")    // GET /api/read
	writePolicy = core.AllScopes("write:data", "openid") // POST /api/write
)

const (
	readChallenge  = "read:data admin"
	writeChallenge = "write:data openid"
)

// route is one route every app guards with the same policy, answering
// 200 {"sub": "<sub>"}. The gRPC app serves each as an RPC of the standard
// health service (grpc.health.v1.Health), Check answering the subject in
// its x-subject header and Watch, a server stream, going through the
// stream interceptor:
//
//	GET  /me         any valid token                    Check
//	GET  /api/read   scopes any of read:data, admin     List
//	POST /api/write  scopes all of write:data, openid   Watch
type route struct {
	method, path string
	policy       core.Policy
	rpc          string // the full method name standing for it over gRPC
}

var routes = []route{
	{http.MethodGet, "/me", core.Authenticated(), healthpb.Health_Check_FullMethodName},
	{http.MethodGet, "/api/read", readPolicy, healthpb.Health_List_FullMethodName},
	{http.MethodPost, "/api/write", writePolicy, healthpb.Health_Watch_FullMethodName},
}

// reply is the body of every route.
func reply(c *core.Claims) map[string]string { return map[string]string{"sub": c.Subject()} }

// app is one adapter serving the routes over real HTTP (or gRPC), with a
// Verifier of its own, so that each adapter goes through its own key set
// life cycle, unknown-kid refresh included.
type app struct {
	name string
	send transport
}

// transport sends one request for the route method and path with the
// token as a bearer credential ("" for none).
type transport func(t testing.TB, method, path, token string) answer

// adapters are the apps newApps starts, one per adapter module.
var adapters = []struct {
	name  string
	serve func(testing.TB, *core.Verifier) transport
}{
	{"echo", overHTTP(serveEcho)},
	{"echo5", overHTTP(serveEcho5)},
	{"fiber", overHTTP(serveFiber)},
	{"fiber3", overHTTP(serveFiber3)},
	{"chi", overHTTP(serveChi)},
	{"gin", overHTTP(serveGin)},
	{"grpc", serveGRPC},
}

// httpServer serves the routes with one HTTP adapter and v on 127.0.0.1
// until t ends, over TLS with tc (nil: plain HTTP), and returns its base
// URL (http:// or https://).
type httpServer func(t testing.TB, v *core.Verifier, tc *tls.Config) string

// httpAdapters are the HTTP apps, for tests that send requests of their
// own (DPoP, client certificates).
var httpAdapters = []struct {
	name  string
	serve httpServer
}{
	{"echo", serveEcho},
	{"echo5", serveEcho5},
	{"fiber", serveFiber},
	{"fiber3", serveFiber3},
	{"chi", serveChi},
	{"gin", serveGin},
}

// httpApp is one HTTP adapter's server.
type httpApp struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// newHTTPApps starts every HTTP adapter's app, each with its own
// core.NewVerifier(cfg), over TLS with tc (nil: plain HTTP).
func newHTTPApps(t testing.TB, cfg core.Config, tc *tls.Config) []httpApp {
	t.Helper()
	apps := make([]httpApp, 0, len(httpAdapters))
	for _, a := range httpAdapters {
		apps = append(apps, httpApp{a.name, a.serve(t, newVerifier(t, cfg), tc)})
	}
	return apps
}

// newApps starts every adapter's app, each with its own
// core.NewVerifier(cfg), listening on 127.0.0.1; all are closed in
// t.Cleanup.
func newApps(t testing.TB, cfg core.Config) []app {
	t.Helper()
	apps := make([]app, 0, len(adapters))
	for _, a := range adapters {
		apps = append(apps, app{a.name, a.serve(t, newVerifier(t, cfg))})
	}
	return apps
}

func newVerifier(t testing.TB, cfg core.Config) *core.Verifier {
	t.Helper()
	v, err := core.NewVerifier(cfg)
	require.NoError(t, err, "core.NewVerifier")
	t.Cleanup(func() { _ = v.Close() })
	return v
}

// serveHTTP serves h on 127.0.0.1 until t ends, over TLS with tc (nil:
// plain HTTP), and returns its base URL.
func serveHTTP(t testing.TB, h http.Handler, tc *tls.Config) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(h) // listens on 127.0.0.1
	if tc != nil {
		srv.TLS = tc
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return srv.URL
}

// serveListener serves on a new 127.0.0.1 listener, over TLS with tc
// (nil: plain), until t ends, then stops with shutdown, and returns the
// listener's address.
func serveListener(t testing.TB, serve func(net.Listener) error, shutdown func(context.Context) error, tc *tls.Config) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	if tc != nil {
		ln = tls.NewListener(ln, tc)
	}
	served := make(chan error, 1)
	go func() { served <- serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = shutdown(ctx)
		<-served
	})
	return ln.Addr().String()
}

// scheme is the scheme of a server with TLS configuration tc.
func scheme(tc *tls.Config) string {
	if tc != nil {
		return "https://"
	}
	return "http://"
}

func serveEcho(t testing.TB, v *core.Verifier, tc *tls.Config) string {
	t.Helper()
	e := echo.New()
	e.Use(echoauth.Middleware(v))
	handle := func(c echo.Context) error {
		claims, _ := echoauth.Claims(c)
		return c.JSON(http.StatusOK, reply(claims))
	}
	for _, rt := range routes {
		e.Add(rt.method, rt.path, handle, echoauth.Require(rt.policy))
	}
	return serveHTTP(t, e, tc)
}

func serveEcho5(t testing.TB, v *core.Verifier, tc *tls.Config) string {
	t.Helper()
	e := echo5.New()
	e.Use(echo5auth.Middleware(v))
	handle := func(c *echo5.Context) error {
		claims, _ := echo5auth.Claims(c)
		return c.JSON(http.StatusOK, reply(claims))
	}
	for _, rt := range routes {
		e.Add(rt.method, rt.path, handle, echo5auth.Require(rt.policy))
	}
	return serveHTTP(t, e, tc)
}

func serveFiber(t testing.TB, v *core.Verifier, tc *tls.Config) string {
	t.Helper()
	f := fiber.New(fiber.Config{DisableStartupMessage: true})
	f.Use(fiberauth.Middleware(v))
	handle := func(c *fiber.Ctx) error {
		claims, _ := fiberauth.Claims(c)
		return c.JSON(reply(claims))
	}
	for _, rt := range routes {
		f.Add(rt.method, rt.path, fiberauth.Require(rt.policy), handle)
	}
	return scheme(tc) + serveListener(t, f.Listener, f.ShutdownWithContext, tc)
}

func serveFiber3(t testing.TB, v *core.Verifier, tc *tls.Config) string {
	t.Helper()
	f := fiber3.New()
	f.Use(fiber3auth.Middleware(v))
	handle := func(c fiber3.Ctx) error {
		claims, _ := fiber3auth.Claims(c)
		return c.JSON(reply(claims))
	}
	for _, rt := range routes {
		f.Add([]string{rt.method}, rt.path, fiber3auth.Require(rt.policy), handle)
	}
	listen := func(ln net.Listener) error { return f.Listener(ln, fiber3.ListenConfig{DisableStartupMessage: true}) }
	return scheme(tc) + serveListener(t, listen, f.ShutdownWithContext, tc)
}

func serveChi(t testing.TB, v *core.Verifier, tc *tls.Config) string {
	t.Helper()
	r := chi.NewRouter()
	r.Use(chiauth.Middleware(v))
	handle := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, _ := chiauth.Claims(r)
		writeJSON(w, reply(claims))
	})
	for _, rt := range routes {
		r.With(chiauth.Require(rt.policy)).Method(rt.method, rt.path, handle)
	}
	return serveHTTP(t, r, tc)
}

func init() { gin.SetMode(gin.ReleaseMode) } // once, before any test: SetMode is not safe for concurrent use

func serveGin(t testing.TB, v *core.Verifier, tc *tls.Config) string {
	t.Helper()
	r := gin.New()
	r.Use(ginauth.Middleware(v))
	handle := func(c *gin.Context) {
		claims, _ := ginauth.Claims(c)
		c.JSON(http.StatusOK, reply(claims))
	}
	for _, rt := range routes {
		r.Handle(rt.method, rt.path, ginauth.Require(rt.policy), handle)
	}
	return serveHTTP(t, r, tc)
}
