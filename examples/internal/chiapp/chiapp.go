// Package chiapp registers a table of exampleapi routes on a chi router
// with chiauth: the example server's routes, and the conformance suite's.
package chiapp

import (
	"net/http"
	"slices"

	"github.com/go-chi/chi/v5"

	"github.com/axiomsgo/axioms/adapters/exampleapi"
	"github.com/axiomsgo/axioms/chiauth"
	"github.com/axiomsgo/axioms/core"
)

// New returns a chi router serving routes, protected with v (one
// Middleware for the whole router, see exampleapi.Stack), the RFC 9728
// document of m at core.ProtectedResourcePath, and every challenge
// pointing to it; opts are added to every Middleware.
func New(v *core.Verifier, m *core.ResourceMetadata, routes []exampleapi.Route, opts ...chiauth.Option) http.Handler {
	mw := func(more ...chiauth.Option) func(http.Handler) http.Handler {
		return chiauth.Middleware(v, slices.Concat([]chiauth.Option{chiauth.WithResourceMetadata(m)}, opts, more)...)
	}
	stack := exampleapi.NewStack(mw, chiauth.WithAnonymousMethods(http.MethodGet),
		chiauth.WithSkipper(func(*http.Request) bool { return true }), chiauth.Require)
	stack.RequireFunc = func(f func(string) core.Policy) func(http.Handler) http.Handler {
		return chiauth.RequireFunc(func(r *http.Request) core.Policy { return f(r.Header.Get(exampleapi.OperationHeader)) })
	}
	skip := exampleapi.Unauthenticated(routes)
	bare, rest := exampleapi.Split(routes)
	r := chi.NewRouter()
	r.Use(mw(chiauth.WithSkipper(func(r *http.Request) bool { return skip(r.URL.Path) })))
	r.NotFound(reply(exampleapi.Error(http.StatusNotFound)))
	r.MethodNotAllowed(reply(exampleapi.Error(http.StatusMethodNotAllowed)))
	r.Method(http.MethodGet, core.ProtectedResourcePath, chiauth.MetadataHandler(m))
	register(r, stack, rest)
	if len(bare) == 0 {
		return r
	}
	outer := chi.NewRouter() // outside every Middleware
	register(outer, stack, bare)
	outer.Mount("/", r)
	return outer
}

func register(r chi.Router, stack exampleapi.Stack[func(http.Handler) http.Handler], routes []exampleapi.Route) {
	for _, rt := range routes {
		h := exampleapi.HTTPHandler(rt.Handle, func(r *http.Request) string { return chi.URLParam(r, "id") }, chiauth.Authorize)
		if rt.Method == "" {
			r.With(stack.For(rt)...).Handle(rt.Path, h)
		} else {
			r.With(stack.For(rt)...).Method(rt.Method, rt.Path, h)
		}
	}
}

func reply(rp exampleapi.Reply) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) { exampleapi.WriteReply(w, rp) }
}
