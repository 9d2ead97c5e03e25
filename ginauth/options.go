package ginauth

import (
	"github.com/gin-gonic/gin"

	"github.com/axiomsgo/axioms/core"
)

// Option configures Middleware. Options are read once, when Middleware is
// built; a nil Option is ignored.
type Option func(*config)

type config struct {
	core.GuardOptions
	skip      func(*gin.Context) bool
	onError   func(*gin.Context, error)
	fromQuery bool
}

// WithSkipper skips authentication for requests for which skip returns
// true: they reach the next handler without claims and their Authorization
// header is not read. Require and Authorize on a skipped route answer 401
// as this Middleware would. Default: none skipped; a nil skip keeps that.
func WithSkipper(skip func(c *gin.Context) bool) Option {
	return func(cfg *config) { cfg.skip = skip }
}

// WithAnonymousMethods lets requests without credentials (no Authorization
// header, or a scheme other than Bearer) through for these methods
// (compared after upper-casing), without claims. Bearer credentials that
// are present must still be valid: an invalid token is a 401 even here.
// Default: none.
func WithAnonymousMethods(methods ...string) Option {
	return func(cfg *config) { cfg.AnonymousMethods = append(cfg.AnonymousMethods, methods...) }
}

// WithErrorHandler calls h for every refusal of this Middleware and of the
// Require and Authorize calls behind it, with the core error (classify it
// with errors.Is: core.ErrNoCredentials, core.ErrInvalidToken, ...). If h
// writes nothing and sets no status (c.Header alone is not an answer), the
// standard answer follows, with the headers h set (an observer that only
// logs needs nothing else); WriteError(c, err) writes it from inside h,
// for a handler that adds a header, say. Otherwise the status h leaves
// when it first writes (c.JSON, c.AbortWithStatusJSON, ...), or when it
// returns after c.Status, is its answer: a 4xx (or the standard status,
// 503 when no key set is usable) stands; any other is dropped, with its
// body and the headers h set, and the standard answer follows: a refusal
// is never a success. While h runs, c.Writer cannot hijack the
// connection. Either way the request is aborted after h (c.Abort); h need
// not abort it, and must not call c.Next. Default: none; a nil h keeps
// that.
func WithErrorHandler(h func(c *gin.Context, err error)) Option {
	return func(cfg *config) { cfg.onError = h }
}

// WithTokenFromQuery also accepts the token in the access_token query
// parameter (RFC 6750 §2.3). A request carrying both a header and a query
// token is an invalid request (400). Default: off, as OAuth 2.1 forbids
// query tokens; URLs end up in logs and Referer headers.
func WithTokenFromQuery() Option {
	return func(cfg *config) { cfg.fromQuery = true }
}

// WithResourceMetadata enables RFC 9728: every challenge of this
// Middleware, and of the Require and Authorize calls behind it, carries
// resource_metadata="..." with the absolute URL of m's document: from m's
// public URL, else from the request's TLS state and Host header (never
// from Forwarded or X-Forwarded-* headers, which clients control, whatever
// gin.Engine.SetTrustedProxies says; behind a proxy give
// core.NewResourceMetadata a public URL). Serve the document with MetadataHandler(m) at
// m.Path(), registered before or outside Middleware, or
// skipped by it. Default: no parameter; a nil m keeps that.
func WithResourceMetadata(m *core.ResourceMetadata) Option {
	return func(cfg *config) { cfg.ResourceMetadata = m }
}

// WithChallengeScopes names scopes in the scope="..." of a 401 without
// credentials when no route policy names any (RFC 6750 §3): the scopes a
// client should ask the authorization server for first, such as
// "mcp:tools" for an MCP server whose metadata lists more. Default: the
// scopes_supported of WithResourceMetadata's document, if any.
func WithChallengeScopes(scopes ...string) Option {
	return func(cfg *config) { cfg.ChallengeScopes = append(cfg.ChallengeScopes, scopes...) }
}
