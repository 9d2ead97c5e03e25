// Package chiauth protects go-chi/chi v5 routes with OAuth 2.0 / OpenID
// Connect JWT access tokens verified by core.Verifier.
//
// chi speaks plain net/http (func(http.Handler) http.Handler), so chiauth
// is a thin layer over the net/http middleware of package
// github.com/axiomsgo/axioms/adapters/httpauth: the same behaviour and the
// same adapter contract (see that package), named for chi users. It makes
// no token or policy decision of its own.
//
// Quick start: authenticate a route group with Middleware, guard routes or
// sub-groups with Require, and leave public routes outside the group:
//
//	v, err := core.NewVerifier(cfg) // cfg from core.ConfigFromEnv()
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer v.Close()
//
//	r := chi.NewRouter()
//	r.Get("/health", health) // no authentication; Authorization is not read
//	r.Group(func(r chi.Router) {
//		r.Use(chiauth.Middleware(v)) // every route below needs a valid token
//		r.Get("/me", me)
//		r.With(chiauth.Require(core.AnyScope("read:data"))).Get("/api/read", read)
//		r.Group(func(r chi.Router) {
//			r.Use(chiauth.Require(core.AnyRole("admin")))
//			r.Get("/admin/users", listUsers)
//		})
//	})
//
// Middleware answers requests it refuses with core's RFC 6750 response
// (401, 400, 403 or 503, WWW-Authenticate, JSON body) and puts the
// verified claims into the request's context.Context; handlers and the
// code they call read them with core.ClaimsFromContext (or Claims). Safe
// methods (core.Config.SafeMethods, default OPTIONS) pass Middleware
// without credentials so that CORS preflights work, but no policy is met
// without a verified token: Require answers an anonymous OPTIONS with 401.
//
// Require stacks: a route inside nested groups must satisfy every policy
// on its way. Require must run after Middleware; without it, Require
// answers 401 (no credentials) and never lets the request through.
//
// Ownership is decided in the handler, once the object is loaded:
//
//	item, ok := store.Get(chi.URLParam(r, "id"))
//	if !ok {
//		http.NotFound(w, r)
//		return
//	}
//	if !chiauth.Authorize(w, r, core.Owner(item.Owner)) {
//		return // 403 insufficient_scope already written
//	}
//
// Action-level policies (the DRF ViewSet case) are one Require per route
// inside r.Route, and method-level policies are one Require with
// core.ByMethod.
//
// RFC 9728 (protected-resource metadata, required by the MCP authorization
// spec): build a core.ResourceMetadata, serve it with MetadataHandler
// outside the authenticated group and give it to every Middleware with
// WithResourceMetadata; every challenge then carries resource_metadata="..."
// pointing to the document:
//
//	m, err := core.NewResourceMetadata(v.ProtectedResource(), publicURL) // "" derives it per request
//	r.Method(http.MethodGet, m.Path(), chiauth.MetadataHandler(m))
//	r.With(chiauth.Middleware(v, chiauth.WithResourceMetadata(m))).Post("/mcp", serveMCP)
//
// Only chi's routing decides 404 and 405: routes registered outside any
// Middleware (or skipped with WithSkipper) are never answered with 401.
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
package chiauth
