// Package echoauth protects Echo v4 routes with OAuth 2.0 / OpenID Connect
// JWT access tokens verified by core.Verifier. It only translates: it reads
// the Authorization header, asks core.Guard, puts the claims into the
// request's context.Context and hands core's RFC 6750 answer to Echo.
// Every token and policy decision is core's, and the adapter contract (see
// package github.com/axiomsgo/axioms/adapters/httpauth) is the same as in
// every other adapter of this project.
//
// Quick start:
//
//	v, err := core.NewVerifier(cfg) // cfg from core.ConfigFromEnv()
//	if err != nil { log.Fatal(err) }
//	e := echo.New()
//	e.Use(echoauth.Middleware(v)) // every route needs a valid token
//	e.GET("/api/read", read, echoauth.Require(core.AnyScope("read:data")))
//
// Public routes are skipped with WithSkipper (their Authorization header is
// not read) or registered on an Echo instance or group without Middleware.
// Handlers read the claims with Claims(c), and the code they call with
// core.ClaimsFromContext(c.Request().Context()). Ownership is decided in
// the handler once the object is loaded:
//
//	if err := echoauth.Authorize(c, core.Owner(item.Owner)); err != nil {
//		return err // 403 insufficient_scope
//	}
//
// Method- and action-level policies (the DRF ViewSet case) are one Require
// per route, or one core.ByMethod on a group. Safe methods (OPTIONS by
// default) pass Middleware without credentials, but no policy is met
// without a verified token: a route registered with e.Any and a Require
// answers an anonymous OPTIONS with 401.
//
// RFC 9728 (protected-resource metadata, required by the MCP authorization
// spec): build a core.ResourceMetadata, serve it with MetadataHandler
// (skipped by or outside Middleware) and give it to every Middleware with
// WithResourceMetadata; every challenge then carries resource_metadata="..."
// pointing to the document:
//
//	m, err := core.NewResourceMetadata(v.ProtectedResource(), publicURL) // "" derives it per request
//	e.GET(m.Path(), echoauth.MetadataHandler(m))
//	api := e.Group("/api", echoauth.Middleware(v, echoauth.WithResourceMetadata(m)))
//
// Errors follow Echo's idiom: a refused request returns an *echo.HTTPError
// (Code = core's status, Message = {"error", "error_description"},
// Internal = the core error) after WWW-Authenticate and Retry-After are set
// on the response, so Echo's default HTTPErrorHandler writes core's answer
// and a custom one can classify it with errors.Is(err, core.ErrInvalidToken)
// or errors.As(err, &httpErr). A WithErrorHandler handler that commits a
// response replaces that answer (the core error is then returned as it
// is); one that commits nothing leaves it. Echo's JSON encoder ends the
// body with a newline.
//
// # Token sources
//
// By default the token is read from the Authorization header ("Bearer
// <token>") only. Options add sources, with the same names and the same
// order in every adapter of this project (core.Credentials):
//
//  1. WithTokenFromQuery (the access_token query parameter, RFC 6750 §2.3)
//     and WithTokenFromForm (access_token in a form body, §2.2) are
//     explicit methods like the header: a request may use one of them,
//     once; two are an invalid request (400).
//  2. WithTokenFromCookie(name) is read only when none of them gave a
//     token.
//  3. WithTokenExtractor(f) is called only when the cookie gave none
//     either.
//
// A bearer header always wins: a cookie the browser attaches to a request
// that sets the header is not read, even when the header's token is
// invalid or expired (the answer is the header's 401, never a fallback to
// the cookie). Whatever its source, a token passes the same syntax and
// size checks and the same verification. A skipped request reads none of
// them, its body included.
//
// Cookies and CSRF: a cookie is an ambient credential. The browser attaches
// it to every request to the API, including the ones a page of another
// site makes it send (a form post, an image, fetch with credentials), so a
// route that accepts a token cookie is open to cross-site request forgery
// unless something else stops it. Set the cookie HttpOnly, Secure and
// SameSite=Strict (Lax still sends it on top-level GET navigations), with
// a __Host- name; keep state-changing routes (POST, PUT, PATCH, DELETE)
// off the cookie, with a Middleware without WithTokenFromCookie, or behind
// a CSRF defence of your own (a synchroniser or double-submit token, an
// Origin or Sec-Fetch-Site check; a WithTokenExtractor that reads the
// cookie only for requests that passed it); and never let a CORS policy
// reflect any origin with credentials. A form or query token is never
// ambient: another site can make a browser send only a token it knows
// itself.
//
// # Sender-constrained tokens
//
// With core.Config.DPoP the Middleware accepts DPoP requests (RFC 9449):
// "Authorization: DPoP <token>" with one DPoP header, a proof the client
// signs for each request, checked against the request's method and URL, the
// URL built from DPoPConfig.PublicURL or else from the connection's TLS
// state and the Host header (never Forwarded or X-Forwarded-*). A token
// bound to a client certificate (cnf x5t#S256, RFC 8705 §3) is accepted
// only when the request's TLS connection presented that certificate: serve
// with e.TLSServer (or an http.Server) whose TLSConfig asks for one
// (ClientAuth tls.RequestClientCert for self-signed client certificates,
// RFC 8705 §2.2, or tls.VerifyClientCertIfGiven with ClientCAs). Every
// refusal carries core's Bearer and DPoP challenges, and use_dpop_nonce a
// DPoP-Nonce header.
//
// Behind a TLS-terminating proxy, WithClientCertificateHeader(name) reads
// the certificate from the RFC 9440 header the proxy sets, for requests
// whose connection presented none. Whoever can set that header can claim
// any certificate: name it only when the proxy removes the header from
// every request a client sends and the service cannot be reached around the
// proxy. Without the option no header is read for a certificate.
package echoauth
