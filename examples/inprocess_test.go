package examples_test

import (
	"crypto/tls"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gofiber/fiber/v2"
	fiber3 "github.com/gofiber/fiber/v3"
	"github.com/labstack/echo/v4"
	echo5 "github.com/labstack/echo/v5"
	"github.com/stretchr/testify/require"

	"github.com/axiomsgo/axioms/adapters/conformance"
	"github.com/axiomsgo/axioms/adapters/exampleapi"
	"github.com/axiomsgo/axioms/chiauth"
	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/echo5auth"
	"github.com/axiomsgo/axioms/echoauth"
	"github.com/axiomsgo/axioms/examples/internal/chiapp"
	"github.com/axiomsgo/axioms/examples/internal/echo5app"
	"github.com/axiomsgo/axioms/examples/internal/echoapp"
	"github.com/axiomsgo/axioms/examples/internal/fiber3app"
	"github.com/axiomsgo/axioms/examples/internal/fiberapp"
	"github.com/axiomsgo/axioms/examples/internal/ginapp"
	"github.com/axiomsgo/axioms/fiber3auth"
	"github.com/axiomsgo/axioms/fiberauth"
	"github.com/axiomsgo/axioms/ginauth"
)

// inProcess is, per framework, how the conformance suite runs the example
// server's router in this process (for the edge rows, which need error
// hooks), and how it builds one Middleware.
var inProcess = map[string]struct {
	serve     func(tb testing.TB, v *core.Verifier, m *core.ResourceMetadata, routes []exampleapi.Route, hook conformance.Hook) string
	construct func(v *core.Verifier)
	// sources is serve with the token sources of conformance.Harness.ServeSources.
	sources         func(tb testing.TB, v *core.Verifier, m *core.ResourceMetadata, routes []exampleapi.Route, hook conformance.Hook) string
	constructCookie func(v *core.Verifier, name string)
	// serveTLS and constructCertHeader are conformance.Harness.ServeTLS
	// and ConstructCertHeader.
	serveTLS            func(tb testing.TB, v *core.Verifier, m *core.ResourceMetadata, routes []exampleapi.Route, config *tls.Config, certHeader string) string
	constructCertHeader func(v *core.Verifier, name string)
}{
	"chi": {
		serve: func(tb testing.TB, v *core.Verifier, m *core.ResourceMetadata, routes []exampleapi.Route, hook conformance.Hook) string {
			var opts []chiauth.Option
			if hook != conformance.NoHook {
				opts = append(opts, chiauth.WithErrorHandler(conformance.HTTPHook(hook, chiauth.WriteError)))
			}
			return serveHTTP(tb, chiapp.New(v, m, routes, opts...))
		},
		construct: func(v *core.Verifier) {
			chiauth.Middleware(v, nil, chiauth.WithSkipper(nil), chiauth.WithErrorHandler(nil), chiauth.WithResourceMetadata(nil),
				chiauth.WithTokenExtractor(nil))
		},
		sources: func(tb testing.TB, v *core.Verifier, m *core.ResourceMetadata, routes []exampleapi.Route, hook conformance.Hook) string {
			opts := []chiauth.Option{chiauth.WithTokenFromCookie(conformance.CookieName), chiauth.WithTokenFromForm(),
				chiauth.WithTokenExtractor(func(r *http.Request) (string, error) {
					return conformance.Extract(r.Header.Get(conformance.ExtractHeader))
				})}
			if hook != conformance.NoHook {
				opts = append(opts, chiauth.WithErrorHandler(conformance.HTTPHook(hook, chiauth.WriteError)))
			}
			return serveHTTP(tb, chiapp.New(v, m, routes, opts...))
		},
		constructCookie: func(v *core.Verifier, name string) { chiauth.Middleware(v, chiauth.WithTokenFromCookie(name)) },
		serveTLS: func(tb testing.TB, v *core.Verifier, m *core.ResourceMetadata, routes []exampleapi.Route, config *tls.Config, certHeader string) string {
			var opts []chiauth.Option
			if certHeader != "" {
				opts = append(opts, chiauth.WithClientCertificateHeader(certHeader))
			}
			return serveHTTPTLS(tb, chiapp.New(v, m, routes, opts...), config)
		},
		constructCertHeader: func(v *core.Verifier, name string) { chiauth.Middleware(v, chiauth.WithClientCertificateHeader(name)) },
	},
	"echo": {
		serve: func(tb testing.TB, v *core.Verifier, m *core.ResourceMetadata, routes []exampleapi.Route, hook conformance.Hook) string {
			var opts []echoauth.Option
			if hook != conformance.NoHook {
				opts = append(opts, echoauth.WithErrorHandler(echoHook(hook)))
			}
			return serveHTTP(tb, echoapp.New(v, m, routes, opts...))
		},
		construct: func(v *core.Verifier) {
			echoauth.Middleware(v, nil, echoauth.WithSkipper(nil), echoauth.WithErrorHandler(nil), echoauth.WithResourceMetadata(nil),
				echoauth.WithTokenExtractor(nil))
		},
		sources: func(tb testing.TB, v *core.Verifier, m *core.ResourceMetadata, routes []exampleapi.Route, hook conformance.Hook) string {
			opts := []echoauth.Option{echoauth.WithTokenFromCookie(conformance.CookieName), echoauth.WithTokenFromForm(),
				echoauth.WithTokenExtractor(func(c echo.Context) (string, error) {
					return conformance.Extract(c.Request().Header.Get(conformance.ExtractHeader))
				})}
			if hook != conformance.NoHook {
				opts = append(opts, echoauth.WithErrorHandler(echoHook(hook)))
			}
			return serveHTTP(tb, echoapp.New(v, m, routes, opts...))
		},
		constructCookie: func(v *core.Verifier, name string) { echoauth.Middleware(v, echoauth.WithTokenFromCookie(name)) },
		serveTLS: func(tb testing.TB, v *core.Verifier, m *core.ResourceMetadata, routes []exampleapi.Route, config *tls.Config, certHeader string) string {
			var opts []echoauth.Option
			if certHeader != "" {
				opts = append(opts, echoauth.WithClientCertificateHeader(certHeader))
			}
			return serveHTTPTLS(tb, echoapp.New(v, m, routes, opts...), config)
		},
		constructCertHeader: func(v *core.Verifier, name string) {
			echoauth.Middleware(v, echoauth.WithClientCertificateHeader(name))
		},
	},
	"echo5": {
		serve: func(tb testing.TB, v *core.Verifier, m *core.ResourceMetadata, routes []exampleapi.Route, hook conformance.Hook) string {
			var opts []echo5auth.Option
			if hook != conformance.NoHook {
				opts = append(opts, echo5auth.WithErrorHandler(echo5Hook(hook)))
			}
			return serveHTTP(tb, echo5app.New(v, m, routes, opts...))
		},
		construct: func(v *core.Verifier) {
			echo5auth.Middleware(v, nil, echo5auth.WithSkipper(nil), echo5auth.WithErrorHandler(nil), echo5auth.WithResourceMetadata(nil),
				echo5auth.WithTokenExtractor(nil))
		},
		sources: func(tb testing.TB, v *core.Verifier, m *core.ResourceMetadata, routes []exampleapi.Route, hook conformance.Hook) string {
			opts := []echo5auth.Option{echo5auth.WithTokenFromCookie(conformance.CookieName), echo5auth.WithTokenFromForm(),
				echo5auth.WithTokenExtractor(func(c *echo5.Context) (string, error) {
					return conformance.Extract(c.Request().Header.Get(conformance.ExtractHeader))
				})}
			if hook != conformance.NoHook {
				opts = append(opts, echo5auth.WithErrorHandler(echo5Hook(hook)))
			}
			return serveHTTP(tb, echo5app.New(v, m, routes, opts...))
		},
		constructCookie: func(v *core.Verifier, name string) { echo5auth.Middleware(v, echo5auth.WithTokenFromCookie(name)) },
		serveTLS: func(tb testing.TB, v *core.Verifier, m *core.ResourceMetadata, routes []exampleapi.Route, config *tls.Config, certHeader string) string {
			var opts []echo5auth.Option
			if certHeader != "" {
				opts = append(opts, echo5auth.WithClientCertificateHeader(certHeader))
			}
			return serveHTTPTLS(tb, echo5app.New(v, m, routes, opts...), config)
		},
		constructCertHeader: func(v *core.Verifier, name string) {
			echo5auth.Middleware(v, echo5auth.WithClientCertificateHeader(name))
		},
	},
	"fiber": {
		serve: func(tb testing.TB, v *core.Verifier, m *core.ResourceMetadata, routes []exampleapi.Route, hook conformance.Hook) string {
			var opts []fiberauth.Option
			if hook != conformance.NoHook {
				opts = append(opts, fiberauth.WithErrorHandler(fiberHook(hook)))
			}
			return serveFiber(tb, fiberapp.New(v, m, routes, opts...))
		},
		construct: func(v *core.Verifier) {
			fiberauth.Middleware(v, nil, fiberauth.WithSkipper(nil), fiberauth.WithErrorHandler(nil), fiberauth.WithResourceMetadata(nil),
				fiberauth.WithTokenExtractor(nil))
		},
		sources: func(tb testing.TB, v *core.Verifier, m *core.ResourceMetadata, routes []exampleapi.Route, hook conformance.Hook) string {
			opts := []fiberauth.Option{fiberauth.WithTokenFromCookie(conformance.CookieName), fiberauth.WithTokenFromForm(),
				fiberauth.WithTokenExtractor(func(c *fiber.Ctx) (string, error) { return conformance.Extract(c.Get(conformance.ExtractHeader)) })}
			if hook != conformance.NoHook {
				opts = append(opts, fiberauth.WithErrorHandler(fiberHook(hook)))
			}
			return serveFiber(tb, fiberapp.New(v, m, routes, opts...))
		},
		constructCookie: func(v *core.Verifier, name string) { fiberauth.Middleware(v, fiberauth.WithTokenFromCookie(name)) },
		serveTLS: func(tb testing.TB, v *core.Verifier, m *core.ResourceMetadata, routes []exampleapi.Route, config *tls.Config, certHeader string) string {
			var opts []fiberauth.Option
			if certHeader != "" {
				opts = append(opts, fiberauth.WithClientCertificateHeader(certHeader))
			}
			return serveFiberTLS(tb, fiberapp.New(v, m, routes, opts...), config)
		},
		constructCertHeader: func(v *core.Verifier, name string) {
			fiberauth.Middleware(v, fiberauth.WithClientCertificateHeader(name))
		},
	},
	"fiber3": {
		serve: func(tb testing.TB, v *core.Verifier, m *core.ResourceMetadata, routes []exampleapi.Route, hook conformance.Hook) string {
			var opts []fiber3auth.Option
			if hook != conformance.NoHook {
				opts = append(opts, fiber3auth.WithErrorHandler(fiber3Hook(hook)))
			}
			return serveFiber3(tb, fiber3app.New(v, m, routes, opts...))
		},
		construct: func(v *core.Verifier) {
			fiber3auth.Middleware(v, nil, fiber3auth.WithSkipper(nil), fiber3auth.WithErrorHandler(nil), fiber3auth.WithResourceMetadata(nil),
				fiber3auth.WithTokenExtractor(nil))
		},
		sources: func(tb testing.TB, v *core.Verifier, m *core.ResourceMetadata, routes []exampleapi.Route, hook conformance.Hook) string {
			opts := []fiber3auth.Option{fiber3auth.WithTokenFromCookie(conformance.CookieName), fiber3auth.WithTokenFromForm(),
				fiber3auth.WithTokenExtractor(func(c fiber3.Ctx) (string, error) { return conformance.Extract(c.Get(conformance.ExtractHeader)) })}
			if hook != conformance.NoHook {
				opts = append(opts, fiber3auth.WithErrorHandler(fiber3Hook(hook)))
			}
			return serveFiber3(tb, fiber3app.New(v, m, routes, opts...))
		},
		constructCookie: func(v *core.Verifier, name string) { fiber3auth.Middleware(v, fiber3auth.WithTokenFromCookie(name)) },
		serveTLS: func(tb testing.TB, v *core.Verifier, m *core.ResourceMetadata, routes []exampleapi.Route, config *tls.Config, certHeader string) string {
			var opts []fiber3auth.Option
			if certHeader != "" {
				opts = append(opts, fiber3auth.WithClientCertificateHeader(certHeader))
			}
			return serveFiber3TLS(tb, fiber3app.New(v, m, routes, opts...), config)
		},
		constructCertHeader: func(v *core.Verifier, name string) {
			fiber3auth.Middleware(v, fiber3auth.WithClientCertificateHeader(name))
		},
	},
	"gin": {
		serve: func(tb testing.TB, v *core.Verifier, m *core.ResourceMetadata, routes []exampleapi.Route, hook conformance.Hook) string {
			gin.SetMode(gin.ReleaseMode) // no debug line per route
			var opts []ginauth.Option
			if hook != conformance.NoHook {
				opts = append(opts, ginauth.WithErrorHandler(ginHook(hook)))
			}
			return serveHTTP(tb, ginapp.New(v, m, routes, opts...))
		},
		construct: func(v *core.Verifier) {
			ginauth.Middleware(v, nil, ginauth.WithSkipper(nil), ginauth.WithErrorHandler(nil), ginauth.WithResourceMetadata(nil),
				ginauth.WithTokenExtractor(nil))
		},
		sources: func(tb testing.TB, v *core.Verifier, m *core.ResourceMetadata, routes []exampleapi.Route, hook conformance.Hook) string {
			gin.SetMode(gin.ReleaseMode)
			opts := []ginauth.Option{ginauth.WithTokenFromCookie(conformance.CookieName), ginauth.WithTokenFromForm(),
				ginauth.WithTokenExtractor(func(c *gin.Context) (string, error) {
					return conformance.Extract(c.GetHeader(conformance.ExtractHeader))
				})}
			if hook != conformance.NoHook {
				opts = append(opts, ginauth.WithErrorHandler(ginHook(hook)))
			}
			return serveHTTP(tb, ginapp.New(v, m, routes, opts...))
		},
		constructCookie: func(v *core.Verifier, name string) { ginauth.Middleware(v, ginauth.WithTokenFromCookie(name)) },
		serveTLS: func(tb testing.TB, v *core.Verifier, m *core.ResourceMetadata, routes []exampleapi.Route, config *tls.Config, certHeader string) string {
			gin.SetMode(gin.ReleaseMode)
			var opts []ginauth.Option
			if certHeader != "" {
				opts = append(opts, ginauth.WithClientCertificateHeader(certHeader))
			}
			return serveHTTPTLS(tb, ginapp.New(v, m, routes, opts...), config)
		},
		constructCertHeader: func(v *core.Verifier, name string) { ginauth.Middleware(v, ginauth.WithClientCertificateHeader(name)) },
	},
}

func serveHTTP(tb testing.TB, h http.Handler) string {
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	return srv.URL
}

// serveHTTPTLS serves h over TLS with config, or plain HTTP when config
// is nil.
func serveHTTPTLS(tb testing.TB, h http.Handler, config *tls.Config) string {
	if config == nil {
		return serveHTTP(tb, h)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = config
	srv.StartTLS()
	tb.Cleanup(srv.Close)
	return srv.URL
}

// serveFiberTLS serves app on a TLS listener with config (fasthttp reads
// the client certificate from the *tls.Conn), or plain HTTP when config
// is nil.
func serveFiberTLS(tb testing.TB, app *fiber.App, config *tls.Config) string {
	if config == nil {
		return serveFiber(tb, app)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	go func() { _ = app.Listener(tls.NewListener(ln, config)) }()
	tb.Cleanup(func() { _ = app.ShutdownWithTimeout(time.Second) })
	return "https://" + ln.Addr().String()
}

// serveFiber3TLS is serveFiberTLS for Fiber v3.
func serveFiber3TLS(tb testing.TB, app *fiber3.App, config *tls.Config) string {
	if config == nil {
		return serveFiber3(tb, app)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	go func() {
		_ = app.Listener(tls.NewListener(ln, config), fiber3.ListenConfig{DisableStartupMessage: true})
	}()
	tb.Cleanup(func() { _ = app.ShutdownWithTimeout(time.Second) })
	return "https://" + ln.Addr().String()
}

func serveFiber(tb testing.TB, app *fiber.App) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	go func() { _ = app.Listener(ln) }()
	tb.Cleanup(func() { _ = app.ShutdownWithTimeout(time.Second) })
	return "http://" + ln.Addr().String()
}

func serveFiber3(tb testing.TB, app *fiber3.App) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	go func() { _ = app.Listener(ln, fiber3.ListenConfig{DisableStartupMessage: true}) }()
	tb.Cleanup(func() { _ = app.ShutdownWithTimeout(time.Second) })
	return "http://" + ln.Addr().String()
}

// echoHook implements a conformance hook with Echo's types.
func echoHook(hook conformance.Hook) func(echo.Context, error) {
	return func(c echo.Context, err error) {
		switch hook {
		case conformance.Observe:
			c.Response().Header().Set("X-Observed", conformance.Category(err))
		case conformance.Add:
			c.Response().Header().Set("X-Added", "1")
			_ = echoauth.WriteError(c, err)
		case conformance.Replace, conformance.Succeed:
			if hook == conformance.Succeed {
				c.Response().Header().Set("X-Dropped", "1")
			}
			_ = c.JSONBlob(conformance.HookStatus(hook), []byte(conformance.TeapotBody))
		}
	}
}

// echo5Hook implements a conformance hook with Echo v5's types.
func echo5Hook(hook conformance.Hook) func(*echo5.Context, error) {
	return func(c *echo5.Context, err error) {
		switch hook {
		case conformance.Observe:
			c.Response().Header().Set("X-Observed", conformance.Category(err))
		case conformance.Add:
			c.Response().Header().Set("X-Added", "1")
			_ = echo5auth.WriteError(c, err)
		case conformance.Replace, conformance.Succeed:
			if hook == conformance.Succeed {
				c.Response().Header().Set("X-Dropped", "1")
			}
			_ = c.JSONBlob(conformance.HookStatus(hook), []byte(conformance.TeapotBody))
		}
	}
}

// fiberHook implements a conformance hook with Fiber's types.
func fiberHook(hook conformance.Hook) func(*fiber.Ctx, error) {
	return func(c *fiber.Ctx, err error) {
		switch hook {
		case conformance.Observe:
			c.Set("X-Observed", conformance.Category(err))
		case conformance.Add:
			c.Set("X-Added", "1")
			_ = fiberauth.WriteError(c, err)
		case conformance.Replace, conformance.Succeed:
			if hook == conformance.Succeed {
				c.Set("X-Dropped", "1")
			}
			c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
			_ = c.Status(conformance.HookStatus(hook)).SendString(conformance.TeapotBody)
		}
	}
}

// fiber3Hook implements a conformance hook with Fiber v3's types.
func fiber3Hook(hook conformance.Hook) func(fiber3.Ctx, error) {
	return func(c fiber3.Ctx, err error) {
		switch hook {
		case conformance.Observe:
			c.Set("X-Observed", conformance.Category(err))
		case conformance.Add:
			c.Set("X-Added", "1")
			_ = fiber3auth.WriteError(c, err)
		case conformance.Replace, conformance.Succeed:
			if hook == conformance.Succeed {
				c.Set("X-Dropped", "1")
			}
			c.Set(fiber3.HeaderContentType, fiber3.MIMEApplicationJSON)
			_ = c.Status(conformance.HookStatus(hook)).SendString(conformance.TeapotBody)
		}
	}
}

// ginHook implements a conformance hook with Gin's types.
func ginHook(hook conformance.Hook) func(*gin.Context, error) {
	return func(c *gin.Context, err error) {
		switch hook {
		case conformance.Observe:
			c.Header("X-Observed", conformance.Category(err))
		case conformance.Add:
			c.Header("X-Added", "1")
			ginauth.WriteError(c, err)
		case conformance.Replace, conformance.Succeed:
			if hook == conformance.Succeed {
				c.Header("X-Dropped", "1")
			}
			c.Data(conformance.HookStatus(hook), "application/json", []byte(conformance.TeapotBody))
		}
	}
}
