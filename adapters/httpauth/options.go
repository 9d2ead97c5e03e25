package httpauth

import (
	"net/http"

	"github.com/axiomsgo/axioms/core"
)

// Option configures Middleware. A nil Option is ignored.
type Option func(*config)

type config struct {
	core.GuardOptions
	skip      func(*http.Request) bool
	onError   func(w http.ResponseWriter, r *http.Request, err error)
	fromQuery bool
}

// WithSkipper skips authentication for requests for which skip returns
// true: they reach the next handler without claims and their Authorization
// header is not read. Require and Authorize on a skipped route answer 401
// as this Middleware would. Default: none skipped; a nil skip keeps it.
func WithSkipper(skip func(*http.Request) bool) Option {
	return func(c *config) { c.skip = skip }
}

// WithAnonymousMethods lets requests without credentials through for these
// methods (compared after upper-casing), without claims; bearer
// credentials that are present must still be valid. Default: none.
func WithAnonymousMethods(methods ...string) Option {
	return func(c *config) { c.AnonymousMethods = append(c.AnonymousMethods, methods...) }
}

// WithErrorHandler calls h for every refusal of this Middleware and of the
// Require and Authorize calls behind it, with the core error (classify it
// with errors.Is: core.ErrNoCredentials, core.ErrInvalidToken, ...). If h
// writes nothing (neither WriteHeader nor Write), the standard answer is
// written after it; WriteError(w, r, err) writes it from inside h. An
// answer with a status other than a 4xx (or the standard status, 503 when
// no key set is usable) is dropped, with the headers h set, and the
// standard answer follows: a refusal is never a success. Either way the
// request goes no further. Default: none; a nil h keeps it.
func WithErrorHandler(h func(w http.ResponseWriter, r *http.Request, err error)) Option {
	return func(c *config) { c.onError = h }
}

// WithTokenFromQuery also accepts the token in the access_token query
// parameter (RFC 6750 §2.3). A request with both a header and a query
// token is an invalid request (400). Default: off, as OAuth 2.1 forbids
// query tokens: URLs end up in logs and Referer headers.
func WithTokenFromQuery() Option { return func(c *config) { c.fromQuery = true } }

// WithResourceMetadata enables RFC 9728: every challenge of this
// Middleware, and of the Require and Authorize calls behind it, carries
// resource_metadata="..." with the absolute URL of m's document: from m's
// public URL, else from the request's TLS state and Host header (forwarding
// headers such as X-Forwarded-Host are never trusted; behind a proxy give
// core.NewResourceMetadata a public URL). Serve the document with
// MetadataHandler(m) at m.Path(), outside Middleware or
// skipped. Default: no parameter; a nil m keeps it.
func WithResourceMetadata(m *core.ResourceMetadata) Option {
	return func(c *config) { c.ResourceMetadata = m }
}

// WithChallengeScopes names scopes in the scope="..." of a 401 without
// credentials when no route policy names any (RFC 6750 §3): the scopes a
// client should ask the authorization server for first, such as
// "mcp:tools" for an MCP server whose metadata lists more. Default: the
// scopes_supported of WithResourceMetadata's document, if any.
func WithChallengeScopes(scopes ...string) Option {
	return func(c *config) { c.ChallengeScopes = append(c.ChallengeScopes, scopes...) }
}
