// Package echo5app registers a table of exampleapi routes on an Echo v5
// server with echo5auth: the example server's routes, and the conformance
// suite's.
package echo5app

import (
	"cmp"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/axiomsgo/axioms/adapters/exampleapi"
	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/echo5auth"
)

// New returns an Echo server serving routes, protected with v (one
// Middleware for the whole server, see exampleapi.Stack), the RFC 9728
// document of m at core.ProtectedResourcePath, and every challenge
// pointing to it; opts are added to every Middleware.
func New(v *core.Verifier, m *core.ResourceMetadata, routes []exampleapi.Route, opts ...echo5auth.Option) *echo.Echo {
	e := echo.New()
	e.HTTPErrorHandler = jsonErrors(echo.DefaultHTTPErrorHandler(false))
	mw := func(more ...echo5auth.Option) echo.MiddlewareFunc {
		return echo5auth.Middleware(v, slices.Concat([]echo5auth.Option{echo5auth.WithResourceMetadata(m)}, opts, more)...)
	}
	stack := exampleapi.NewStack(mw, echo5auth.WithAnonymousMethods(http.MethodGet),
		echo5auth.WithSkipper(func(*echo.Context) bool { return true }), echo5auth.Require)
	stack.RequireFunc = func(f func(string) core.Policy) echo.MiddlewareFunc {
		return echo5auth.RequireFunc(func(c *echo.Context) core.Policy { return f(c.Request().Header.Get(exampleapi.OperationHeader)) })
	}
	skip := exampleapi.Unauthenticated(routes)
	e.Use(outside(exampleapi.Split(routes))(mw(echo5auth.WithSkipper(func(c *echo.Context) bool { return skip(c.Request().URL.Path) }))))
	e.GET(core.ProtectedResourcePath, echo5auth.MetadataHandler(m))
	register(e, stack, routes)
	return e
}

// outside keeps the requests of the bare routes away from mw: they reach
// their route as if no Middleware were registered.
func outside(bare, _ []exampleapi.Route) func(echo.MiddlewareFunc) echo.MiddlewareFunc {
	paths := map[string]bool{}
	for _, rt := range bare {
		paths[strings.ReplaceAll(rt.Path, "{id}", ":id")] = true
	}
	return func(mw echo.MiddlewareFunc) echo.MiddlewareFunc {
		return func(next echo.HandlerFunc) echo.HandlerFunc {
			guarded := mw(next)
			return func(c *echo.Context) error {
				if paths[c.Path()] {
					return next(c)
				}
				return guarded(c)
			}
		}
	}
}

func register(g *echo.Echo, stack exampleapi.Stack[echo.MiddlewareFunc], routes []exampleapi.Route) {
	for _, rt := range routes {
		path, h := strings.ReplaceAll(rt.Path, "{id}", ":id"), handler(rt.Handle)
		if rt.Method == "" {
			g.Any(path, h, stack.For(rt)...)
		} else {
			g.Add(rt.Method, path, h, stack.For(rt)...)
		}
	}
}

// handler translates a table handler to Echo.
func handler(handle func(exampleapi.Request) exampleapi.Reply) echo.HandlerFunc {
	return func(c *echo.Context) error {
		var denied error
		r := c.Request()
		rp := handle(exampleapi.Request{
			Method: r.Method, ID: c.Param("id"), Body: r.Body, Context: r.Context(),
			Authorize: func(p core.Policy) bool { denied = echo5auth.Authorize(c, p); return denied == nil },
		})
		switch {
		case rp.Status == 0:
			return denied
		case rp.Status == http.StatusNoContent:
			return c.NoContent(rp.Status)
		case rp.Raw != "":
			return c.Blob(rp.Status, rp.ContentType, []byte(rp.Raw))
		}
		return c.JSON(rp.Status, rp.Body)
	}
}

// jsonErrors renders Echo's own errors (echo.ErrNotFound is
// {"message": "Not Found"}) as {"error": "not_found"}, the shape of every
// error of the example API. echo5auth's errors already render themselves
// (json.Marshaler) and pass through to std.
func jsonErrors(std echo.HTTPErrorHandler) echo.HTTPErrorHandler {
	return func(c *echo.Context, err error) {
		var sc echo.HTTPStatusCoder
		if errors.As(err, &sc) {
			if _, own := sc.(json.Marshaler); own {
				std(c, err)
				return
			}
		}
		std(c, apiError(cmp.Or(echo.StatusCode(err), http.StatusInternalServerError)))
	}
}

// apiError is exampleapi.Error(status) as an error Echo's handler renders.
type apiError int

func (e apiError) Error() string   { return http.StatusText(int(e)) }
func (e apiError) StatusCode() int { return int(e) }
func (e apiError) MarshalJSON() ([]byte, error) {
	return json.Marshal(exampleapi.Error(int(e)).Body)
}
