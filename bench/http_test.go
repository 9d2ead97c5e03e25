package bench

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	ginjwt "github.com/appleboy/gin-jwt/v3"
	"github.com/gin-gonic/gin"
	"github.com/go-chi/chi/v5"
	"github.com/go-chi/jwtauth/v5"
	jwtware "github.com/gofiber/contrib/jwt"
	jwtware3 "github.com/gofiber/contrib/v3/jwt"
	"github.com/gofiber/fiber/v2"
	fiber3 "github.com/gofiber/fiber/v3"
	echojwt "github.com/labstack/echo-jwt/v4"
	echojwt5 "github.com/labstack/echo-jwt/v5"
	"github.com/labstack/echo/v4"
	echo5 "github.com/labstack/echo/v5"
	jwxv2 "github.com/lestrrat-go/jwx/v2/jwt"
	"github.com/valyala/fasthttp"

	"github.com/axiomsgo/axioms/chiauth"
	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/echo5auth"
	"github.com/axiomsgo/axioms/echoauth"
	"github.com/axiomsgo/axioms/fiber3auth"
	"github.com/axiomsgo/axioms/fiberauth"
	"github.com/axiomsgo/axioms/ginauth"
)

// End to end: one GET with a bearer token through each framework's router,
// with no auth ("bare"), with the axioms-go adapter, and with the
// framework's usual JWT middleware configured as its README shows for
// asymmetric keys. The handler answers 204. Requests are served in process
// (ServeHTTP, or Fiber's fasthttp handler on a reused RequestCtx): no
// network, so the figures are the router's and the middleware's own cost.
// gRPC is the same in grpc_test.go.

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

// fiberServe serves a Fiber app (v2 or v3: both run on fasthttp) through
// its handler h with one reused fasthttp.RequestCtx.
func fiberServe(h fasthttp.RequestHandler, token string) server {
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

// echo5App builds an Echo v5 router with mw (nil: none).
func echo5App(mw echo5.MiddlewareFunc) http.Handler {
	e := echo5.New()
	if mw != nil {
		e.Use(mw)
	}
	e.GET("/api/items", func(c *echo5.Context) error { return c.NoContent(http.StatusNoContent) })
	return e
}

// fiberApp builds a Fiber v2 app with mw (nil: none).
func fiberApp(mw fiber.Handler) fasthttp.RequestHandler {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	if mw != nil {
		app.Use(mw)
	}
	app.Get("/api/items", func(c *fiber.Ctx) error { return c.SendStatus(fiber.StatusNoContent) })
	return app.Handler()
}

// fiber3App builds a Fiber v3 app with mw (nil: none).
func fiber3App(mw fiber3.Handler) fasthttp.RequestHandler {
	app := fiber3.New()
	if mw != nil {
		app.Use(mw)
	}
	app.Get("/api/items", func(c fiber3.Ctx) error { return c.SendStatus(fiber3.StatusNoContent) })
	return app.Handler()
}

// ginApp builds a Gin engine (release mode, no default middleware, as
// gin.New) with mw (nil: none).
func ginApp(mw gin.HandlerFunc) http.Handler {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	if mw != nil {
		r.Use(mw)
	}
	r.GET("/api/items", func(c *gin.Context) { c.Status(http.StatusNoContent) })
	return r
}

// chiApp builds a chi router with mws.
func chiApp(mws ...func(http.Handler) http.Handler) http.Handler {
	r := chi.NewRouter()
	r.Use(mws...)
	r.Get("/api/items", noContent)
	return r
}

// echoJWT is labstack/echo-jwt (Echo v4) as its README shows: the
// algorithm and a kid → key map.
func echoJWT(k *keyPair) echo.MiddlewareFunc {
	return echojwt.WithConfig(echojwt.Config{SigningMethod: k.alg, SigningKeys: map[string]any{k.kid: k.pub}})
}

// echoJWT5 is the same with labstack/echo-jwt/v5 (Echo v5).
func echoJWT5(k *keyPair) echo5.MiddlewareFunc {
	return echojwt5.WithConfig(echojwt5.Config{SigningMethod: k.alg, SigningKeys: map[string]any{k.kid: k.pub}})
}

// fiberJWT is gofiber/contrib/jwt (Fiber v2) with a kid → key map.
func fiberJWT(k *keyPair) fiber.Handler {
	return jwtware.New(jwtware.Config{SigningKeys: map[string]jwtware.SigningKey{k.kid: {JWTAlg: k.alg, Key: k.pub}}})
}

// fiber3JWT is the same with gofiber/contrib/v3/jwt (Fiber v3).
func fiber3JWT(k *keyPair) fiber3.Handler {
	return jwtware3.New(jwtware3.Config{SigningKeys: map[string]jwtware3.SigningKey{k.kid: {JWTAlg: k.alg, Key: k.pub}}})
}

// ginJWT is appleboy/gin-jwt v3 as a resource server uses it (no login
// handler): its KeyFunc picks the key by kid (its PubKeyFile/PubKeyBytes
// cover RS256/384/512 only, and only beside a private key), and its
// ParseOptions pin the algorithm and require iss, aud and exp as the
// golang-jwt row does.
func ginJWT(k *keyPair) gin.HandlerFunc {
	mw, err := ginjwt.New(&ginjwt.GinJWTMiddleware{
		Realm:            "api",
		SigningAlgorithm: k.alg,
		KeyFunc:          kidKeyfunc(map[string]any{k.kid: k.pub}),
		ParseOptions:     golangJWTOptions(k.alg),
	})
	if err != nil {
		panic(err) // a fixed configuration: a failure is a bug of this file
	}
	return mw.MiddlewareFunc()
}

func chiJWTAuth(k *keyPair) []func(http.Handler) http.Handler {
	ja := jwtauth.New(k.alg, nil, k.pub, jwxv2.WithIssuer(issuer), jwxv2.WithAudience(audience))
	return []func(http.Handler) http.Handler{jwtauth.Verifier(ja), jwtauth.Authenticator(ja)}
}

// e2e builds each framework's end-to-end rows for k, v and token, by row
// name: bare, axioms (the adapter over v) and the framework's usual JWT
// middleware.
var e2e = map[string]func(k *keyPair, v *core.Verifier, token string) map[string]server{
	"echo": func(k *keyPair, v *core.Verifier, token string) map[string]server {
		return map[string]server{
			"bare":     netHTTP(echoApp(nil), token),
			"axioms":   netHTTP(echoApp(echoauth.Middleware(v)), token),
			"echo-jwt": netHTTP(echoApp(echoJWT(k)), token),
		}
	},
	"echo5": func(k *keyPair, v *core.Verifier, token string) map[string]server {
		return map[string]server{
			"bare":     netHTTP(echo5App(nil), token),
			"axioms":   netHTTP(echo5App(echo5auth.Middleware(v)), token),
			"echo-jwt": netHTTP(echo5App(echoJWT5(k)), token),
		}
	},
	"fiber": func(k *keyPair, v *core.Verifier, token string) map[string]server {
		return map[string]server{
			"bare":        fiberServe(fiberApp(nil), token),
			"axioms":      fiberServe(fiberApp(fiberauth.Middleware(v)), token),
			"contrib-jwt": fiberServe(fiberApp(fiberJWT(k)), token),
		}
	},
	"fiber3": func(k *keyPair, v *core.Verifier, token string) map[string]server {
		return map[string]server{
			"bare":        fiberServe(fiber3App(nil), token),
			"axioms":      fiberServe(fiber3App(fiber3auth.Middleware(v)), token),
			"contrib-jwt": fiberServe(fiber3App(fiber3JWT(k)), token),
		}
	},
	"gin": func(k *keyPair, v *core.Verifier, token string) map[string]server {
		return map[string]server{
			"bare":    netHTTP(ginApp(nil), token),
			"axioms":  netHTTP(ginApp(ginauth.Middleware(v)), token),
			"gin-jwt": netHTTP(ginApp(ginJWT(k)), token),
		}
	},
	"chi": func(k *keyPair, v *core.Verifier, token string) map[string]server {
		return map[string]server{
			"bare":    netHTTP(chiApp(), token),
			"axioms":  netHTTP(chiApp(chiauth.Middleware(v)), token),
			"jwtauth": netHTTP(chiApp(chiJWTAuth(k)...), token),
		}
	},
	"grpc": grpcServers,
}

// servers returns the end-to-end rows of one framework for k and v.
func servers(framework string, k *keyPair, v *core.Verifier, token string) map[string]server {
	return e2e[framework](k, v, token)
}

// httpFrameworks are the frameworks of BenchmarkHTTP, grpcFrameworks
// those of BenchmarkGRPC, frameworks both, in table order.
var (
	httpFrameworks = []string{"echo", "echo5", "fiber", "fiber3", "gin", "chi"}
	grpcFrameworks = []string{"grpc"}
	frameworks     = append(append([]string{}, httpFrameworks...), grpcFrameworks...)
)

// rowOrder lists each framework's rows in table order.
var rowOrder = map[string][]string{
	"echo":   {"bare", "axioms", "echo-jwt"},
	"echo5":  {"bare", "axioms", "echo-jwt"},
	"fiber":  {"bare", "axioms", "contrib-jwt"},
	"fiber3": {"bare", "axioms", "contrib-jwt"},
	"gin":    {"bare", "axioms", "gin-jwt"},
	"chi":    {"bare", "axioms", "jwtauth"},
	"grpc":   {"bare", "axioms", "go-grpc-middleware"},
}

// BenchmarkHTTP is every HTTP framework × {bare, axioms, usual} ×
// algorithm, with the axioms-go token cache off, plus the axioms adapters
// with the cache on (a hit on every request after the first).
func BenchmarkHTTP(b *testing.B) { benchE2E(b, httpFrameworks) }

func benchE2E(b *testing.B, fws []string) {
	for _, alg := range algs {
		k := keyFor(b, alg)
		tok := k.sign(b, baseClaims(nil))
		v := newCoreVerifier(b, k, 1, false)
		for _, fw := range fws {
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
	for _, fw := range fws {
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
