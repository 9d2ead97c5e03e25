package chiauth

import (
	"net/http"

	"github.com/axiomsgo/axioms/adapters"
	"github.com/axiomsgo/axioms/core"
)

// Option configures Middleware. It is the net/http adapter's option, so
// options can be shared with code that uses package adapters directly.
type Option = adapters.Option

// WithSkipper skips authentication for requests for which skip returns
// true: they pass with no claims and their Authorization header is not
// read. Default: no request is skipped. A skipped request has no claims,
// so Require answers it with 401. Prefer registering public routes outside
// the authenticated group; use a skipper when Middleware wraps the whole
// router.
func WithSkipper(skip func(*http.Request) bool) Option {
	return adapters.WithSkipper(skip)
}

// WithAnonymousMethods lets requests without credentials (no Authorization
// header, or a scheme other than Bearer) through for these methods, with no
// claims. Bearer credentials that are present must still be valid: an
// invalid token is a 401 even here. Default: none.
func WithAnonymousMethods(methods ...string) Option {
	return adapters.WithAnonymousMethods(methods...)
}

// WithErrorHandler replaces the default error renderer, which writes
// core's Response exactly (status, WWW-Authenticate, Retry-After,
// Content-Type core.ContentType, JSON body). h also renders the denials of
// Require and Authorize behind this Middleware. err matches one of core's
// categories (errors.Is: core.ErrNoCredentials, core.ErrInvalidToken, ...);
// v.ErrorResponse(err) computes the standard answer, and
// core.ErrorResponseWith(err, core.ChallengeParams{Realm: v.Realm(),
// ResourceMetadata: m.URL(r.TLS != nil, r.Host)}) the one with the
// resource_metadata parameter of WithResourceMetadata(m).
func WithErrorHandler(h func(w http.ResponseWriter, r *http.Request, err error)) Option {
	return adapters.WithErrorHandler(h)
}

// WithTokenFromQuery also accepts the token in the access_token query
// parameter (RFC 6750 §2.3). Default: off, as OAuth 2.1 forbids it; URLs
// end up in logs and Referer headers. A request with both a header and a
// query token is an invalid request (400).
func WithTokenFromQuery() Option {
	return adapters.WithTokenFromQuery()
}

// WithResourceMetadata enables RFC 9728: every challenge of this
// Middleware, and of the Require and Authorize calls behind it, carries
// resource_metadata="..." with the absolute URL of m's document (m.URL:
// from m's public URL, else from the request's TLS state and Host header;
// never from X-Forwarded-* headers, even behind chi's RealIP middleware;
// behind a proxy give core.NewResourceMetadata a public URL). Serve the
// document with MetadataHandler(m) at core.ProtectedResourcePath, outside
// the authenticated group. Default: no parameter. A nil m keeps the
// default.
func WithResourceMetadata(m *core.ResourceMetadata) Option {
	return adapters.WithResourceMetadata(m)
}
