// Package fiberapp registers a table of exampleapi routes on a Fiber v2
// app with fiberauth: the example server's routes, and the conformance
// suite's.
package fiberapp

import (
	"bytes"
	"errors"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/axiomsgo/axioms/adapters/exampleapi"
	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/fiberauth"
)

// New returns a Fiber app serving routes, protected with v (one Middleware
// for the whole app, see exampleapi.Stack), the RFC 9728 document of m at
// core.ProtectedResourcePath, and every challenge pointing to it; opts are
// added to every Middleware. Its read buffer
// takes request headers with tokens up to core's default limit of 16 KiB
// (fasthttp's default of 4 KiB answers 431 to tokens over about 3 KiB).
func New(v *core.Verifier, m *core.ResourceMetadata, routes []exampleapi.Route, opts ...fiberauth.Option) *fiber.App {
	mw := func(more ...fiberauth.Option) fiber.Handler {
		return fiberauth.Middleware(v, slices.Concat([]fiberauth.Option{fiberauth.WithResourceMetadata(m)}, opts, more)...)
	}
	stack := exampleapi.NewStack(mw, fiberauth.WithAnonymousMethods(fiber.MethodGet),
		fiberauth.WithSkipper(func(*fiber.Ctx) bool { return true }), fiberauth.Require)
	stack.RequireFunc = func(f func(string) core.Policy) fiber.Handler {
		return fiberauth.RequireFunc(func(c *fiber.Ctx) core.Policy { return f(c.Get(exampleapi.OperationHeader)) })
	}
	app := fiber.New(fiber.Config{
		DisableStartupMessage: true,
		StrictRouting:         true,     // "/me/" is not "/me", as in Echo and chi
		CaseSensitive:         true,     // nor is "/ME"
		ReadBufferSize:        32 << 10, // request headers with tokens up to 16 KiB
		ErrorHandler:          jsonError,
	})
	skip := exampleapi.Unauthenticated(routes)
	bare, rest := exampleapi.Split(routes)
	register(app, stack, bare) // first: Fiber runs handlers in registration order, so before every Middleware
	app.Use(mw(fiberauth.WithSkipper(func(c *fiber.Ctx) bool { return skip(c.Path()) })))
	app.Get(core.ProtectedResourcePath, fiberauth.MetadataHandler(m))
	register(app, stack, rest)
	return app
}

func register(app *fiber.App, stack exampleapi.Stack[fiber.Handler], routes []exampleapi.Route) {
	for _, rt := range routes {
		path := strings.ReplaceAll(rt.Path, "{id}", ":id")
		handlers := append(stack.For(rt), handler(rt.Handle))
		if rt.Method == "" {
			app.All(path, handlers...)
		} else {
			app.Add(rt.Method, path, handlers...)
		}
	}
}

// handler translates a table handler to Fiber. The id string aliases
// fasthttp's buffer: the store never keeps it.
func handler(handle func(exampleapi.Request) exampleapi.Reply) fiber.Handler {
	return func(c *fiber.Ctx) error {
		rp := handle(exampleapi.Request{
			Method: c.Method(), ID: c.Params("id"), Body: bytes.NewReader(c.Body()), Context: c.UserContext(),
			Authorize: func(p core.Policy) bool { return fiberauth.Authorize(c, p) },
		})
		switch rp.Status {
		case 0:
			return nil
		case fiber.StatusNoContent:
			return c.SendStatus(rp.Status)
		}
		if rp.Raw != "" {
			c.Set("Content-Type", rp.ContentType)
			return c.Status(rp.Status).SendString(rp.Raw)
		}
		return c.Status(rp.Status).JSON(rp.Body)
	}
}

// jsonError answers Fiber's own errors (fiber.ErrNotFound for an unknown
// route, 405, ...) as {"error": "not_found"}, the shape of every error of
// the example API; fiberauth answers its refusals before they get here.
func jsonError(c *fiber.Ctx, err error) error {
	code := fiber.StatusInternalServerError
	var fe *fiber.Error
	if errors.As(err, &fe) {
		code = fe.Code
	}
	return c.Status(code).JSON(exampleapi.Error(code).Body)
}
