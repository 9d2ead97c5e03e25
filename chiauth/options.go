package chiauth

import (
	"net/http"

	"github.com/axiomsgo/axioms/adapters/httpauth"
	"github.com/axiomsgo/axioms/core"
)

// Option configures Middleware. A nil Option is ignored. It is the net/http
// adapter's option (package httpauth), so options can be shared with code
// that uses httpauth directly.
type Option = httpauth.Option

// WithSkipper skips authentication for requests for which skip returns
// true: they pass with no claims and their Authorization header is not
// read. Default: no request is skipped; a nil skip keeps that. Require and
// Authorize on a skipped route answer 401 as this Middleware would. Prefer
// registering public routes outside the authenticated group; use a skipper
// when Middleware wraps the whole router.
func WithSkipper(skip func(*http.Request) bool) Option {
	return httpauth.WithSkipper(skip)
}

// WithAnonymousMethods lets requests without credentials (no Authorization
// header, or a scheme other than Bearer) through for these methods, with no
// claims. Bearer credentials that are present must still be valid: an
// invalid token is a 401 even here. Default: none.
func WithAnonymousMethods(methods ...string) Option {
	return httpauth.WithAnonymousMethods(methods...)
}

// WithErrorHandler calls h for every refusal of this Middleware and of the
// Require and Authorize calls behind it, with the core error (classify it
// with errors.Is: core.ErrNoCredentials, core.ErrInvalidToken, ...). If h
// writes nothing, the standard answer is written after it (an observer
// that only logs needs nothing else); WriteError(w, r, err) writes it from
// inside h, for a handler that adds a header, say. An answer with a status
// other than a 4xx (or the standard 503) is dropped, with the headers h
// set, and the standard answer follows. Default: none; a nil h keeps that.
func WithErrorHandler(h func(w http.ResponseWriter, r *http.Request, err error)) Option {
	return httpauth.WithErrorHandler(h)
}

// WithTokenFromQuery also accepts the token in the access_token query
// parameter (RFC 6750 §2.3). Default: off, as OAuth 2.1 forbids it; URLs
// end up in logs and Referer headers. A request with both a header and a
// query token is an invalid request (400).
func WithTokenFromQuery() Option {
	return httpauth.WithTokenFromQuery()
}

// WithResourceMetadata enables RFC 9728: every challenge of this
// Middleware, and of the Require and Authorize calls behind it, carries
// resource_metadata="..." with the absolute URL of m's document (from m's
// public URL, else from the request's TLS state and Host header;
// never from X-Forwarded-* headers, even behind chi's RealIP middleware;
// behind a proxy give core.NewResourceMetadata a public URL). Serve the
// document with MetadataHandler(m) at m.Path(), outside
// the authenticated group. Default: no parameter; a nil m keeps that.
func WithResourceMetadata(m *core.ResourceMetadata) Option {
	return httpauth.WithResourceMetadata(m)
}

// WithChallengeScopes names scopes in the scope="..." of a 401 without
// credentials when no route policy names any (RFC 6750 §3): the scopes a
// client should ask the authorization server for first, such as
// "mcp:tools" for an MCP server whose metadata lists more. Default: the
// scopes_supported of WithResourceMetadata's document, if any.
func WithChallengeScopes(scopes ...string) Option {
	return httpauth.WithChallengeScopes(scopes...)
}
