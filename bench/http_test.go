package bench

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/jwtauth/v5"
	jwtware "github.com/gofiber/contrib/jwt"
	"github.com/gofiber/fiber/v2"
	echojwt "github.com/labstack/echo-jwt/v4"
	"github.com/labstack/echo/v4"
	jwxv2 "github.com/lestrrat-go/jwx/v2/jwt"
	"github.com/valyala/fasthttp"

	"github.com/axiomsgo/axioms/chiauth"
	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/echoauth"
	"github.com/axiomsgo/axioms/fiberauth"
)

// End to end: one GET with a bearer token through each framework's router,
// with no auth ("bare"), with the axioms-go adapter, and with the
// framework's usual JWT middleware configured as its README shows for
// asymmetric keys. The handler answers 204. Requests are served in process
// (ServeHTTP, or Fiber's fasthttp handler on a reused RequestCtx): no
// network, so the figures are the router's and the middleware's own cost.

// server serves one request and reports the status.
type server func() int

// nopWriter is a reusable http.ResponseWriter that keeps only the status.
type nopWriter struct {
	h      http.Header
	status int
}

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *nopWriter) WriteHeader(code int)        { w.status = code }

// netHTTP serves h with one reused request and writer.
func netHTTP(h http.Handler, token string) server {
	req := httptest.NewRequest(http.MethodGet, "/api/items", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	w := &nopWriter{h: http.Header{}}
	return func() int {
		clear(w.h)
		w.status = http.StatusOK
		h.ServeHTTP(w, req)
		return w.status
	}
}

// fiberServe serves app with one reused fasthttp.RequestCtx.
func fiberServe(app *fiber.App, token string) server {
	h := app.Handler()
	ctx := &fasthttp.RequestCtx{}
	return func() int {
		ctx.Request.Reset()
		ctx.Response.Reset()
		ctx.ResetUserValues() // as fasthttp's server does between the requests of a connection
		ctx.Request.Header.SetMethod(fiber.MethodGet)
		ctx.Request.SetRequestURI("/api/items")
		ctx.Request.Header.Set(fiber.HeaderAuthorization, "Bearer "+token)
		h(ctx)
		return ctx.Response.StatusCode()
	}
}

func noContent(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }

// echoApp builds an Echo router with mw (nil: none).
func echoApp(mw echo.MiddlewareFunc) http.Handler {
	e := echo.New()
	if mw != nil {
		e.Use(mw)
	}
	e.GET("/api/items", func(c echo.Context) error { return c.NoContent(http.StatusNoContent) })
	return e
}

// fiberApp builds a Fiber v2 app with mw (nil: none).
func fiberApp(mw fiber.Handler) *fiber.App {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	if mw != nil {
		app.Use(mw)
	}
	app.Get("/api/items", func(c *fiber.Ctx) error { return c.SendStatus(fiber.StatusNoContent) })
	return app
}

// chiApp builds a chi router with mws.
func chiApp(mws ...func(http.Handler) http.Handler) http.Handler {
	r := chi.NewRouter()
	r.Use(mws...)
	r.Get("/api/items", noContent)
	return r
}

// usual returns each framework's usual JWT middleware for k.
func echoJWT(k *keyPair) echo.MiddlewareFunc {
	return echojwt.WithConfig(echojwt.Config{SigningMethod: k.alg, SigningKeys: map[string]any{k.kid: k.pub}})
}

func fiberJWT(k *keyPair) fiber.Handler {
	return jwtware.New(jwtware.Config{SigningKeys: map[string]jwtware.SigningKey{k.kid: {JWTAlg: k.alg, Key: k.pub}}})
}

func chiJWTAuth(k *keyPair) []func(http.Handler) http.Handler {
	ja := jwtauth.New(k.alg, nil, k.pub, jwxv2.WithIssuer(issuer), jwxv2.WithAudience(audience))
	return []func(http.Handler) http.Handler{jwtauth.Verifier(ja), jwtauth.Authenticator(ja)}
}

// servers returns the end-to-end rows of one framework for k and v.
func servers(framework string, k *keyPair, v *core.Verifier, token string) map[string]server {
	switch framework {
	case "echo":
		return map[string]server{
			"bare":     netHTTP(echoApp(nil), token),
			"axioms":   netHTTP(echoApp(echoauth.Middleware(v)), token),
			"echo-jwt": netHTTP(echoApp(echoJWT(k)), token),
		}
	case "fiber":
		return map[string]server{
			"bare":        fiberServe(fiberApp(nil), token),
			"axioms":      fiberServe(fiberApp(fiberauth.Middleware(v)), token),
			"contrib-jwt": fiberServe(fiberApp(fiberJWT(k)), token),
		}
	default:
		return map[string]server{
			"bare":    netHTTP(chiApp(), token),
			"axioms":  netHTTP(chiApp(chiauth.Middleware(v)), token),
			"jwtauth": netHTTP(chiApp(chiJWTAuth(k)...), token),
		}
	}
}

var frameworks = []string{"echo", "fiber", "chi"}

// rowOrder lists each framework's rows in table order.
var rowOrder = map[string][]string{
	"echo":  {"bare", "axioms", "echo-jwt"},
	"fiber": {"bare", "axioms", "contrib-jwt"},
	"chi":   {"bare", "axioms", "jwtauth"},
}

// BenchmarkHTTP is every framework × {bare, axioms, usual} × algorithm,
// with the axioms-go token cache off, plus the axioms adapters with the
// cache on (a hit on every request after the first).
func BenchmarkHTTP(b *testing.B) {
	for _, alg := range algs {
		k := keyFor(b, alg)
		tok := k.sign(b, baseClaims(nil))
		v := newCoreVerifier(b, k, 1, false)
		for _, fw := range frameworks {
			rows := servers(fw, k, v, tok)
			for _, name := range rowOrder[fw] {
				if name == "bare" && alg != algs[0] {
					continue // the bare router does not depend on the algorithm
				}
				b.Run(fmt.Sprintf("%s/%s-%s", alg, fw, name), func(b *testing.B) { serve(b, rows[name]) })
			}
		}
	}
	k := keyFor(b, "RS256")
	tok := k.sign(b, baseClaims(nil))
	cached := newCoreVerifier(b, k, 1, true)
	for _, fw := range frameworks {
		s := servers(fw, k, cached, tok)["axioms"]
		b.Run(fmt.Sprintf("RS256/%s-axioms-cache-hit", fw), func(b *testing.B) { serve(b, s) })
	}
}

func serve(b *testing.B, s server) {
	b.Helper()
	loop(b, func() error {
		if st := s(); st != http.StatusNoContent {
			return fmt.Errorf("status %d", st)
		}
		return nil
	})
}
