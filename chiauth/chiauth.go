package chiauth

import (
	"net/http"

	"github.com/axiomsgo/axioms/adapters/httpauth"
	"github.com/axiomsgo/axioms/core"
)

// Middleware authenticates every request of the routes it wraps with v, for
// use with r.Use or r.With. Requests that are not safe methods must carry a
// valid bearer token (unless WithAnonymousMethods allows them without
// credentials); refused requests get core's RFC 6750 answer. On success
// the claims are in the request's context (core.ClaimsFromContext, or
// Claims). It panics if v is nil.
func Middleware(v *core.Verifier, opts ...Option) func(http.Handler) http.Handler {
	return httpauth.Middleware(v, opts...)
}

// Require enforces p on the routes it wraps (r.With(Require(p)) for one
// route, r.Use(Require(p)) for a group); nested groups stack their
// policies. It must run after Middleware: without it every request is
// answered 401 as having no credentials.
func Require(p core.Policy) func(http.Handler) http.Handler {
	return httpauth.Require(p)
}

// RequireFunc enforces, on the routes it guards, the policy f computes
// from the request (for example from a header or a parameter naming the
// operation), in addition to every Require before or after it, never
// instead of one: it can only narrow what a route allows. f is called once
// per request; a nil policy means a valid token. A request without a
// verified token is refused (401) whatever f returns, even
// core.AllowAnonymous (core.TokenRequired); its challenge names the scopes
// of f's policy. It must run after Middleware.
func RequireFunc(f func(r *http.Request) core.Policy) func(http.Handler) http.Handler {
	return httpauth.RequireFunc(f)
}

// Authorize evaluates p inside a handler, typically core.Owner(item.Owner)
// once the object has been loaded. When p denies the request it writes the
// error response (403 insufficient_scope, or 401 for a request without
// claims) and returns false; the handler then returns without writing.
func Authorize(w http.ResponseWriter, r *http.Request, p core.Policy) bool {
	return httpauth.Authorize(w, r, p)
}

// Claims returns the verified claims of r (core.ClaimsFromContext), or
// (nil, false) when the request is anonymous, skipped or did not pass
// through Middleware.
func Claims(r *http.Request) (*core.Claims, bool) {
	return httpauth.Claims(r)
}

// WriteError writes the standard answer to err for r: core's RFC 6750
// response with the realm and resource_metadata of the Middleware r passed
// through (realm "api" and none without one). Use it inside a
// WithErrorHandler handler that adds to the standard answer.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	httpauth.WriteError(w, r, err)
}

// MetadataHandler serves m's RFC 9728 protected-resource metadata document
// without authentication (200 with Content-Type core.ContentType to GET and
// HEAD, 405 to other methods, 404 when m is nil). Register it outside the
// authenticated group and give the same m to WithResourceMetadata:
//
//	r.Method(http.MethodGet, m.Path(), chiauth.MetadataHandler(m))
//
// It sets no CORS header unless m has core.ResourceMetadata.WithCORS (then
// register it for OPTIONS too; see httpauth.MetadataHandler).
func MetadataHandler(m *core.ResourceMetadata) http.Handler {
	return httpauth.MetadataHandler(m)
}
