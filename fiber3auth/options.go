package fiber3auth

import (
	"github.com/gofiber/fiber/v3"

	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/internal/tokensrc"
)

// Option configures Middleware. Options are read once, when Middleware is
// built; a nil Option is ignored.
type Option func(*config)

type config struct {
	core.GuardOptions
	skip    func(fiber.Ctx) bool
	onError func(fiber.Ctx, error)
	sources tokensrc.Sources[fiber.Ctx]
}

// WithSkipper skips authentication for requests for which skip returns true,
// in the manner of the Next field of Fiber's own middleware configs: the
// Authorization header is not read and no claims are stored. Require and
// Authorize on a skipped route answer 401 as this Middleware would.
// Default: no request is skipped; a nil skip keeps that.
func WithSkipper(skip func(c fiber.Ctx) bool) Option {
	return func(cfg *config) { cfg.skip = skip }
}

// WithAnonymousMethods lets requests without bearer credentials through for
// these methods (compared after upper-casing), without claims. Bearer
// credentials that are present must still be valid: a bad token is a 401
// whatever the method. Default: none.
func WithAnonymousMethods(methods ...string) Option {
	return func(cfg *config) { cfg.AnonymousMethods = append(cfg.AnonymousMethods, methods...) }
}

// WithErrorHandler calls h for every refusal of this Middleware and of the
// Require and Authorize calls behind it, with the core error (classify it
// with errors.Is: core.ErrNoCredentials, core.ErrInvalidToken, ...). If h
// writes no answer (it leaves the status at 200 and the body empty), the
// standard answer follows, with the headers h set (an observer that only
// logs needs nothing else); WriteError(c, err) writes it from inside h.
// An answer with a status other than a 4xx (or the standard status, 503
// when no key set is usable) is replaced by the standard answer: a refusal
// is never a success. h must not call c.Next: the request is refused.
// Refusals never reach the app's ErrorHandler. Default: none; a nil h
// keeps that.
func WithErrorHandler(h func(c fiber.Ctx, err error)) Option {
	return func(cfg *config) { cfg.onError = h }
}

// WithTokenFromQuery also accepts the token in the access_token query
// parameter (RFC 6750 §2.3). Off by default: it puts tokens in logs and
// OAuth 2.1 forbids it. A request with both a header token and a query
// token is an invalid request (400).
func WithTokenFromQuery() Option {
	return func(cfg *config) { cfg.sources.Query = true }
}

// WithTokenFromForm also accepts the token in the access_token parameter
// of a form body (RFC 6750 §2.2), for POST, PUT and PATCH requests whose
// Content-Type is application/x-www-form-urlencoded and whose body is not
// content-coded; any other request's body is not read for a token.
// fasthttp has read the body already and it stays as it is for the
// handler; a body over 64 KiB, or one that is not valid form encoding, is
// an invalid request (400, core.ErrFormTooLarge or core.ErrFormMalformed)
// whatever else the request carries. A request with
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
func WithTokenExtractor(f func(c fiber.Ctx) (string, error)) Option {
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
// public URL, else from whether the connection is TLS and the request's
// Host (never from c.Scheme(), c.Host() or X-Forwarded-* headers, which
// Fiber trusts with fiber.Config.TrustProxy and clients control; behind a
// proxy give core.NewResourceMetadata a public URL). Serve the document
// with MetadataHandler(m) at m.Path(), registered before
// or outside Middleware. Default: no parameter; a nil m keeps that.
func WithResourceMetadata(m *core.ResourceMetadata) Option {
	return func(cfg *config) { cfg.ResourceMetadata = m }
}

// MetadataHandler serves m's RFC 9728 protected-resource metadata document
// (200, Content-Type core.ContentType) without authentication;
// fiber.ErrNotFound when m is nil. Register it at
// m.Path() before app.Use(Middleware) or outside it, and
// give the same m to WithResourceMetadata:
//
//	app.Get(m.Path(), fiber3auth.MetadataHandler(m))
//
// Fiber v3 adds that route's HEAD twin after every app.Use (see the package
// documentation): to answer HEAD without a token too, register both
// methods with app.Add([]string{fiber.MethodGet, fiber.MethodHead}, ...).
// It sets no CORS header unless m has core.ResourceMetadata.WithCORS: then
// every answer carries Access-Control-Allow-Origin: * and OPTIONS (a CORS
// preflight) gets 204 (see m.SetCORSHeaders); register it for OPTIONS too,
// with app.Options(m.Path(), ...).
func MetadataHandler(m *core.ResourceMetadata) fiber.Handler {
	doc := m.Document()
	return func(c fiber.Ctx) error {
		if doc == nil {
			return fiber.ErrNotFound
		}
		if m.SetCORSHeaders(c.Method(), c.Set) {
			return c.SendStatus(fiber.StatusNoContent)
		}
		c.Set(fiber.HeaderContentType, core.ContentType)
		return c.Status(fiber.StatusOK).Send(doc)
	}
}

// WithChallengeScopes names scopes in the scope="..." of a 401 without
// credentials when no route policy names any (RFC 6750 §3): the scopes a
// client should ask the authorization server for first, such as
// "mcp:tools" for an MCP server whose metadata lists more. Default: the
// scopes_supported of WithResourceMetadata's document, if any.
func WithChallengeScopes(scopes ...string) Option {
	return func(cfg *config) { cfg.ChallengeScopes = append(cfg.ChallengeScopes, scopes...) }
}
