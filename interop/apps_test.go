package interop

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/gofiber/fiber/v2"
	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/require"

	"github.com/axiomsgo/axioms/chiauth"
	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/echoauth"
	"github.com/axiomsgo/axioms/fiberauth"
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

// app is one adapter serving the routes below over real HTTP, with a
// Verifier of its own (so that each adapter goes through its own key set
// life cycle, unknown-kid refresh included):
//
//	GET  /me         any valid token       200 {"sub": "<sub>"}
//	GET  /api/read   scopes any of read:data, admin     200
//	POST /api/write  scopes all of write:data, openid   200
type app struct {
	name string
	url  string
}

// newApps builds the Echo, Fiber and chi apps, each with its own
// core.NewVerifier(cfg), listening on 127.0.0.1; all are closed in
// t.Cleanup.
func newApps(t testing.TB, cfg core.Config) []app {
	t.Helper()
	return []app{
		{"echo", serveEcho(t, newVerifier(t, cfg))},
		{"fiber", serveFiber(t, newVerifier(t, cfg))},
		{"chi", serveChi(t, newVerifier(t, cfg))},
	}
}

func newVerifier(t testing.TB, cfg core.Config) *core.Verifier {
	t.Helper()
	v, err := core.NewVerifier(cfg)
	require.NoError(t, err, "core.NewVerifier")
	t.Cleanup(func() { _ = v.Close() })
	return v
}

func serveHTTP(t testing.TB, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h) // listens on 127.0.0.1
	t.Cleanup(srv.Close)
	return srv.URL
}

func serveEcho(t testing.TB, v *core.Verifier) string {
	t.Helper()
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	g := e.Group("", echoauth.Middleware(v))
	g.GET("/me", func(c echo.Context) error {
		claims, _ := echoauth.Claims(c)
		return c.JSON(http.StatusOK, map[string]string{"sub": claims.Subject()})
	})
	okEcho := func(c echo.Context) error { return c.JSON(http.StatusOK, map[string]bool{"ok": true}) }
	g.GET("/api/read", okEcho, echoauth.Require(readPolicy))
	g.POST("/api/write", okEcho, echoauth.Require(writePolicy))
	return serveHTTP(t, e)
}

func serveFiber(t testing.TB, v *core.Verifier) string {
	t.Helper()
	f := fiber.New(fiber.Config{DisableStartupMessage: true})
	f.Use(fiberauth.Middleware(v))
	f.Get("/me", func(c *fiber.Ctx) error {
		claims, _ := fiberauth.Claims(c)
		return c.JSON(map[string]string{"sub": claims.Subject()})
	})
	okFiber := func(c *fiber.Ctx) error { return c.JSON(map[string]bool{"ok": true}) }
	f.Get("/api/read", fiberauth.Require(readPolicy), okFiber)
	f.Post("/api/write", fiberauth.Require(writePolicy), okFiber)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- f.Listener(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = f.ShutdownWithContext(ctx)
		<-served
	})
	return "http://" + ln.Addr().String()
}

func serveChi(t testing.TB, v *core.Verifier) string {
	t.Helper()
	r := chi.NewRouter()
	r.Use(chiauth.Middleware(v))
	r.Get("/me", func(w http.ResponseWriter, r *http.Request) {
		claims, _ := chiauth.Claims(r)
		writeJSON(w, map[string]string{"sub": claims.Subject()})
	})
	okChi := func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, map[string]bool{"ok": true}) }
	r.With(chiauth.Require(readPolicy)).Get("/api/read", okChi)
	r.With(chiauth.Require(writePolicy)).Post("/api/write", okChi)
	return serveHTTP(t, r)
}
