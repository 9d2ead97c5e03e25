// Package ginapp registers a table of exampleapi routes on a Gin engine
// with ginauth: the example server's routes, and the conformance suite's.
package ginapp

import (
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/axiomsgo/axioms/adapters/exampleapi"
	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/ginauth"
)

// New returns a Gin engine serving routes, protected with v (one
// Middleware for the whole engine, see exampleapi.Stack), the RFC 9728
// document of m at core.ProtectedResourcePath, and every challenge
// pointing to it; opts are added to every Middleware. It has no logger
// and no recovery middleware (gin.New), and answers unknown paths and
// methods with {"error": "not_found"} and {"error": "method_not_allowed"}
// rather than redirecting "/me/" to "/me", as the other example servers
// do. Call gin.SetMode(gin.ReleaseMode) first to keep Gin's debug lines
// off stdout.
func New(v *core.Verifier, m *core.ResourceMetadata, routes []exampleapi.Route, opts ...ginauth.Option) *gin.Engine {
	mw := func(more ...ginauth.Option) gin.HandlerFunc {
		return ginauth.Middleware(v, slices.Concat([]ginauth.Option{ginauth.WithResourceMetadata(m)}, opts, more)...)
	}
	stack := exampleapi.NewStack(mw, ginauth.WithAnonymousMethods(http.MethodGet),
		ginauth.WithSkipper(func(*gin.Context) bool { return true }), ginauth.Require)
	stack.RequireFunc = func(f func(string) core.Policy) gin.HandlerFunc {
		return ginauth.RequireFunc(func(c *gin.Context) core.Policy { return f(c.GetHeader(exampleapi.OperationHeader)) })
	}
	e := gin.New()
	e.RedirectTrailingSlash = false // "/me/" is not "/me", as in Echo and chi
	e.HandleMethodNotAllowed = true // 405, not 404, for a known path
	e.NoRoute(reply(exampleapi.Error(http.StatusNotFound)))
	e.NoMethod(reply(exampleapi.Error(http.StatusMethodNotAllowed)))
	skip := exampleapi.Unauthenticated(routes)
	bare, rest := exampleapi.Split(routes)
	register(e, stack, bare) // first: Gin copies the engine's middleware into the routes registered after Use
	e.Use(mw(ginauth.WithSkipper(func(c *gin.Context) bool { return skip(c.Request.URL.Path) })))
	e.GET(core.ProtectedResourcePath, ginauth.MetadataHandler(m))
	register(e, stack, rest)
	return e
}

func register(e *gin.Engine, stack exampleapi.Stack[gin.HandlerFunc], routes []exampleapi.Route) {
	for _, rt := range routes {
		path := strings.ReplaceAll(rt.Path, "{id}", ":id")
		handlers := append(stack.For(rt), handler(rt.Handle))
		if rt.Method == "" {
			e.Any(path, handlers...)
		} else {
			e.Handle(rt.Method, path, handlers...)
		}
	}
}

// handler translates a table handler to Gin.
func handler(handle func(exampleapi.Request) exampleapi.Reply) gin.HandlerFunc {
	return func(c *gin.Context) {
		r := c.Request
		reply(handle(exampleapi.Request{
			Method: r.Method, ID: c.Param("id"), Body: r.Body, Context: r.Context(),
			Authorize: func(p core.Policy) bool { return ginauth.Authorize(c, p) },
		}))(c)
	}
}

// reply writes rp: JSON, no body for 204, nothing for Answered.
func reply(rp exampleapi.Reply) gin.HandlerFunc {
	return func(c *gin.Context) {
		switch {
		case rp.Status == 0:
		case rp.Status == http.StatusNoContent:
			c.Status(rp.Status)
		case rp.Raw != "":
			c.Data(rp.Status, rp.ContentType, []byte(rp.Raw))
		default:
			c.JSON(rp.Status, rp.Body)
		}
	}
}
