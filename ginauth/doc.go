// Package ginauth protects Gin routes with OAuth 2.0 / OpenID Connect JWT
// access tokens verified by core.Verifier. It only translates: it reads
// the Authorization header, asks core.Guard, puts the claims into the
// request's context.Context (c.Request.Context()) and writes the RFC 6750
// answer core computed. Every token and policy decision is core's, and the
// adapter contract (see package github.com/axiomsgo/axioms/adapters/httpauth)
// is the same as in every other adapter of this project.
//
// Quick start:
//
//	v, err := core.NewVerifier(cfg) // cfg from core.ConfigFromEnv()
//	if err != nil { log.Fatal(err) }
//	r := gin.New()
//	r.GET("/health", health)    // registered before Use: not authenticated
//	r.Use(ginauth.Middleware(v)) // every route registered below needs a valid token
//	r.GET("/api/read", ginauth.Require(core.AnyScope("read:data")), read)
//
// Gin copies a group's middleware into a route when the route is
// registered: routes registered before r.Use(ginauth.Middleware(v)) are
// not authenticated, routes registered after it are, and so are unknown
// paths and methods (r.NoRoute, r.NoMethod), so that an anonymous request
// for an unknown path gets 401 rather than 404. Public routes are
// registered first, on another group, or skipped with WithSkipper (their
// Authorization header is not read).
//
// Handlers read the claims with Claims(c), and the code they call with
// core.ClaimsFromContext(c.Request.Context()); c itself is a
// context.Context that finds them only with gin.Engine.ContextWithFallback
// set. The claims own their memory: they may be kept after the handler
// returns, and c.Copy() keeps them. Ownership is decided in the handler
// once the object is loaded:
//
//	if !ginauth.Authorize(c, core.Owner(item.Owner)) {
//		return // 403 insufficient_scope written, c aborted
//	}
//
// Method- and action-level policies (the DRF ViewSet case) are one Require
// per route, or one core.ByMethod on a group. Safe methods (OPTIONS by
// default) pass Middleware without credentials, but no policy is met
// without a verified token: a route registered with r.Any and a Require
// answers an anonymous OPTIONS with 401.
//
// Refusals are answered by the adapter itself, in Gin's idiom: core's
// status, WWW-Authenticate, Retry-After, Content-Type and JSON body are
// written, then c.Abort() stops the handler chain (later handlers do not
// run; c.IsAborted() is true for the middleware around it). Nothing is
// added to c.Errors. A WithErrorHandler handler may answer instead (see
// there); its writes pass a gate, so that a refusal is never answered with
// a success.
//
// RFC 9728 (protected-resource metadata, required by the MCP authorization
// spec): build a core.ResourceMetadata, serve it with MetadataHandler
// (registered before or outside Middleware, or skipped by it) and give it
// to every Middleware with WithResourceMetadata; every challenge then
// carries resource_metadata="..." pointing to the document:
//
//	m, err := core.NewResourceMetadata(v.ProtectedResource(), publicURL) // "" derives it per request
//	r.GET(m.Path(), ginauth.MetadataHandler(m))       // before r.Use
//	r.Use(ginauth.Middleware(v, ginauth.WithResourceMetadata(m)))
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
// with an http.Server whose TLSConfig asks for one (ClientAuth
// tls.RequestClientCert for self-signed client certificates, RFC 8705 §2.2,
// or tls.VerifyClientCertIfGiven with ClientCAs). Every refusal carries
// core's Bearer and DPoP challenges, and use_dpop_nonce a DPoP-Nonce
// header.
//
// Behind a TLS-terminating proxy, WithClientCertificateHeader(name) reads
// the certificate from the RFC 9440 header the proxy sets, for requests
// whose connection presented none. Whoever can set that header can claim
// any certificate: name it only when the proxy removes the header from
// every request a client sends and the service cannot be reached around the
// proxy. Without the option no header is read for a certificate.
package ginauth
