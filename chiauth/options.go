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

// WithTokenFromForm also accepts the token in the access_token parameter
// of a form body (RFC 6750 §2.2), for POST, PUT and PATCH requests whose
// Content-Type is application/x-www-form-urlencoded and whose body is not
// content-coded; any other request's body is not read for a token. The
// body is read up to 64 KiB and handed to the handler unchanged (r.Body
// reads the same bytes, r.ParseForm works); a longer body, or one that is
// not valid form encoding, is an invalid request (400,
// core.ErrFormTooLarge or core.ErrFormMalformed) whatever else the
// request carries. A request with a header and a form token, or two form
// tokens, is an invalid request (400). A skipped request's body is never
// read. Default: off (OAuth 2.1 drops form tokens; use it for HTML form
// posts that cannot set a header).
func WithTokenFromForm() Option {
	return httpauth.WithTokenFromForm()
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
	return httpauth.WithTokenFromCookie(name)
}

// WithTokenExtractor also accepts the token f returns for a request (a
// gateway's own header, a server-side session, ...), called only when no
// other source gave a token: after the Authorization header, the query and
// form (when enabled) and the cookie of WithTokenFromCookie. f returns the
// bare token (no "Bearer " prefix), "" when the request carries none (no
// credentials: 401, or anonymous on the methods of WithAnonymousMethods),
// or an error, which is an invalid request (400, core.ErrExtractorFailed
// wrapping f's error for WithErrorHandler; its text never reaches the
// client). The token is checked as a header token is (RFC 6750 b64token
// syntax, size cap, full verification). f is not called for skipped
// requests. Default: none; a nil f keeps that.
func WithTokenExtractor(f func(r *http.Request) (string, error)) Option {
	return httpauth.WithTokenExtractor(f)
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
	return httpauth.WithClientCertificateHeader(name)
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
