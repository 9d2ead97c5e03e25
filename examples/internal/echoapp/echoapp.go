// Package echoapp registers a table of exampleapi routes on an Echo v4
// server with echoauth: the example server's routes, and the conformance
// suite's.
package echoapp

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/axiomsgo/axioms/adapters/exampleapi"
	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/echoauth"
)

// New returns an Echo server serving routes, protected with v (one
// Middleware for the whole server, see exampleapi.Stack), the RFC 9728
// document of m at core.ProtectedResourcePath, and every challenge
// pointing to it; opts are added to every Middleware.
func New(v *core.Verifier, m *core.ResourceMetadata, routes []exampleapi.Route, opts ...echoauth.Option) *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = jsonErrors(e)
	mw := func(more ...echoauth.Option) echo.MiddlewareFunc {
		return echoauth.Middleware(v, slices.Concat([]echoauth.Option{echoauth.WithResourceMetadata(m)}, opts, more)...)
	}
	stack := exampleapi.NewStack(mw, echoauth.WithAnonymousMethods(http.MethodGet),
		echoauth.WithSkipper(func(echo.Context) bool { return true }), echoauth.Require)
	stack.RequireFunc = func(f func(string) core.Policy) echo.MiddlewareFunc {
		return echoauth.RequireFunc(func(c echo.Context) core.Policy { return f(c.Request().Header.Get(exampleapi.OperationHeader)) })
	}
	skip := exampleapi.Unauthenticated(routes)
	e.Use(outside(exampleapi.Split(routes))(mw(echoauth.WithSkipper(func(c echo.Context) bool { return skip(c.Request().URL.Path) }))))
	e.GET(core.ProtectedResourcePath, echoauth.MetadataHandler(m))
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
			return func(c echo.Context) error {
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
	return func(c echo.Context) error {
		var denied error
		r := c.Request()
		rp := handle(exampleapi.Request{
			Method: r.Method, ID: c.Param("id"), Body: r.Body, Context: r.Context(),
			Authorize: func(p core.Policy) bool { denied = echoauth.Authorize(c, p); return denied == nil },
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
// error of the example API. echoauth's errors already have it and pass
// through.
func jsonErrors(e *echo.Echo) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		var he *echo.HTTPError
		if !errors.As(err, &he) {
			he = echo.ErrInternalServerError
		}
		if _, plain := he.Message.(string); plain {
			err = &echo.HTTPError{Code: he.Code, Message: exampleapi.Error(he.Code).Body}
		}
		e.DefaultHTTPErrorHandler(err, c)
	}
}
