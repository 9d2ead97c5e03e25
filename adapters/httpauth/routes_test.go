package httpauth_test

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/axiomsgo/axioms/adapters/conformance"
	"github.com/axiomsgo/axioms/adapters/exampleapi"
	"github.com/axiomsgo/axioms/adapters/httpauth"
	"github.com/axiomsgo/axioms/core"
)

func TestConformance(t *testing.T) {
	conformance.Run(t, conformance.Harness{
		Serve: func(tb testing.TB, v *core.Verifier, m *core.ResourceMetadata, routes []exampleapi.Route, hook conformance.Hook) string {
			srv := httptest.NewServer(build(v, m, routes, hook))
			tb.Cleanup(srv.Close)
			return srv.URL
		},
		Construct: func(v *core.Verifier) {
			httpauth.Middleware(v, nil, httpauth.WithSkipper(nil), httpauth.WithErrorHandler(nil), httpauth.WithResourceMetadata(nil),
				httpauth.WithTokenExtractor(nil))
		},
		ServeSources: func(tb testing.TB, v *core.Verifier, m *core.ResourceMetadata, routes []exampleapi.Route, hook conformance.Hook) string {
			srv := httptest.NewServer(build(v, m, routes, hook, httpauth.WithTokenFromCookie(conformance.CookieName), httpauth.WithTokenFromForm(),
				httpauth.WithTokenExtractor(func(r *http.Request) (string, error) {
					return conformance.Extract(r.Header.Get(conformance.ExtractHeader))
				})))
			tb.Cleanup(srv.Close)
			return srv.URL
		},
		ConstructCookie: func(v *core.Verifier, name string) { httpauth.Middleware(v, httpauth.WithTokenFromCookie(name)) },
		ServeTLS: func(tb testing.TB, v *core.Verifier, m *core.ResourceMetadata, routes []exampleapi.Route, config *tls.Config, certHeader string) string {
			var opts []httpauth.Option
			if certHeader != "" {
				opts = append(opts, httpauth.WithClientCertificateHeader(certHeader))
			}
			return serveTLS(tb, build(v, m, routes, conformance.NoHook, opts...), config)
		},
		ConstructCertHeader: func(v *core.Verifier, name string) {
			httpauth.Middleware(v, httpauth.WithClientCertificateHeader(name))
		},
	})
}

// serveTLS serves h over TLS with config, or plain HTTP when config is
// nil, and returns its base URL.
func serveTLS(tb testing.TB, h http.Handler, config *tls.Config) string {
	srv := httptest.NewUnstartedServer(h)
	if config == nil {
		srv.Start()
	} else {
		srv.TLS = config
		srv.StartTLS()
	}
	tb.Cleanup(srv.Close)
	return srv.URL
}

// build registers a table of routes on an http.ServeMux, as the
// conformance suite describes.
func build(v *core.Verifier, m *core.ResourceMetadata, routes []exampleapi.Route, hook conformance.Hook, more ...httpauth.Option) http.Handler {
	opts := append([]httpauth.Option{httpauth.WithResourceMetadata(m)}, more...)
	if hook != conformance.NoHook {
		opts = append(opts, httpauth.WithErrorHandler(conformance.HTTPHook(hook, httpauth.WriteError)))
	}
	mw := func(more ...httpauth.Option) func(http.Handler) http.Handler {
		return httpauth.Middleware(v, append(slices.Clip(opts), more...)...)
	}
	stack := exampleapi.NewStack(mw, httpauth.WithAnonymousMethods(http.MethodGet),
		httpauth.WithSkipper(func(*http.Request) bool { return true }), httpauth.Require)
	stack.RequireFunc = func(f func(string) core.Policy) func(http.Handler) http.Handler {
		return httpauth.RequireFunc(func(r *http.Request) core.Policy { return f(r.Header.Get(exampleapi.OperationHeader)) })
	}
	bare, rest := exampleapi.Split(routes)
	mux, outer := http.NewServeMux(), http.NewServeMux()
	mux.Handle("GET "+core.ProtectedResourcePath, httpauth.MetadataHandler(m))
	register := func(mux *http.ServeMux, rt exampleapi.Route) {
		h := exampleapi.HTTPHandler(rt.Handle, func(r *http.Request) string { return r.PathValue("id") }, httpauth.Authorize)
		mws := stack.For(rt)
		for i := len(mws) - 1; i >= 0; i-- {
			h = mws[i](h)
		}
		mux.Handle(pattern(rt), h)
	}
	for _, rt := range rest {
		register(mux, rt)
	}
	for _, rt := range bare {
		register(outer, rt)
	}
	skip := exampleapi.Unauthenticated(routes)
	outer.Handle("/", mw(httpauth.WithSkipper(func(r *http.Request) bool { return skip(r.URL.Path) }))(mux))
	return outer
}

func pattern(rt exampleapi.Route) string {
	if rt.Method == "" {
		return rt.Path
	}
	return rt.Method + " " + rt.Path
}
