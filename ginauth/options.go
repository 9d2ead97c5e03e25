package ginauth

import (
	"github.com/gin-gonic/gin"

	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/internal/tokensrc"
)

// Option configures Middleware. Options are read once, when Middleware is
// built; a nil Option is ignored.
type Option func(*config)

type config struct {
	core.GuardOptions
	skip    func(*gin.Context) bool
	onError func(*gin.Context, error)
	sources tokensrc.Sources[*gin.Context]
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
	return func(cfg *config) { cfg.sources.Query = true }
}

// WithTokenFromForm also accepts the token in the access_token parameter
// of a form body (RFC 6750 §2.2), for POST, PUT and PATCH requests whose
// Content-Type is application/x-www-form-urlencoded and whose body is not
// content-coded; any other request's body is not read for a token.
// The body is read up to 64 KiB and handed to the handler unchanged (the
// request's Body reads the same bytes; binding and form parsing work); a
// longer body, or one that is not valid form encoding, is an invalid
// request (400, core.ErrFormTooLarge or core.ErrFormMalformed) whatever
// else the request carries. A request with
// a header and a form token, or two form tokens, is an invalid request
// (400). A skipped request's body is never read. Default: off (OAuth 2.1
// drops form tokens; use it for HTML form posts that cannot set a header).
func WithTokenFromForm() Option {
	return func(cfg *config) { cfg.sources.Form = true }
}

// WithTokenFromCookie also accepts the token in the cookie named name (the
// bare token as its value, optionally double-quoted), read only when the
// request has no bearer token in its Authorization header (nor in the
// query or form, when enabled): a header token always wins, even an
// invalid one, so that a stale cookie a browser sends along never breaks a
// request that sets the header. Two or more cookies of that name are an
// invalid request (400); an empty value is no cookie. Cookies are ambient
// credentials, sent by the browser on cross-site requests too: see the
// package documentation on CSRF before enabling this. Default: no cookie.
// It panics, when Middleware is built, if name is not a cookie name (an
// RFC 6265 token: not empty, no spaces, "=", ";" or control characters).
func WithTokenFromCookie(name string) Option {
	return func(cfg *config) {
		tokensrc.CheckCookieName("WithTokenFromCookie", name)
		cfg.sources.Cookie = name
	}
}

// WithTokenExtractor also accepts the token f returns for a request (a
// gateway's own header, a server-side session, ...), called only when no
// other source gave a token: after the Authorization header, the query and
// form (when enabled) and the cookie of WithTokenFromCookie. f takes what
// a WithSkipper function takes. It returns the bare token (no "Bearer "
// prefix), "" when the request carries none (no credentials: 401, or
// anonymous on the methods of WithAnonymousMethods), or an error, which is
// an invalid request (400, core.ErrExtractorFailed wrapping f's error for
// WithErrorHandler; its text never reaches the client). The token is
// checked as a header token is (RFC 6750 b64token syntax, size cap, full
// verification). f is not called for skipped requests. Default: none; a
// nil f keeps that.
func WithTokenExtractor(f func(c *gin.Context) (string, error)) Option {
	return func(cfg *config) { cfg.sources.Extract = f }
}

// WithClientCertificateHeader reads the TLS client certificate of a
// request, which a token bound to a certificate (cnf x5t#S256, RFC 8705
// §3) needs, from the header name that a TLS-terminating proxy sets, in
// the format of RFC 9440 §2.2 (Client-Cert: ":" base64 DER ":", see
// core.ClientCertificateFromHeader). Use it only behind a proxy that
// verifies client certificates and removes this header from every request
// a client sends, and only when clients cannot reach the service except
// through that proxy: whoever can set the header can claim any
// certificate. It is read only when the request's own connection
// presented no certificate (the connection's certificate always wins, and
// the header is then not read), and never for skipped requests. A
// malformed value, or two values, is an invalid request (400,
// core.ErrClientCertificateMalformed) whatever the token; an empty value
// or "::" is no certificate. Default: none, the certificate comes only
// from the TLS connection and no header is read for it. It panics, when
// Middleware is built, if name is not a header name (an RFC 9110 token).
func WithClientCertificateHeader(name string) Option {
	return func(cfg *config) {
		cfg.sources.CertHeader = tokensrc.CheckHeaderName("WithClientCertificateHeader", name)
	}
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
