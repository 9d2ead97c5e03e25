// Package fiber3auth protects Fiber v3 APIs with OAuth 2.0 / OpenID Connect
// JWT access tokens verified by package core, and answers refusals exactly
// as RFC 6750 says (status, WWW-Authenticate challenge, JSON body). It only
// translates: every token and policy decision, and every answer, is
// computed by core.Guard, and the adapter contract (see package
// github.com/axiomsgo/axioms/adapters/httpauth) is the same as in every
// other adapter of this project. Package fiberauth is the same adapter for
// Fiber v2.
//
// Quick start:
//
//	cfg, err := core.ConfigFromEnv() // AXIOMS_AUDIENCE, AXIOMS_DOMAIN, ...
//	v, err := core.NewVerifier(cfg)
//	app.Use(fiber3auth.Middleware(v))
//	app.Get("/api/read", fiber3auth.Require(core.AnyScope("read:data")), read)
//	claims, ok := fiber3auth.Claims(c) // in read
//
// Middleware authenticates; Require guards a route or a Group with a
// core.Policy; Authorize checks a policy inside a handler (ownership after
// loading an object) and, on denial, answers and returns false; Claims
// reads the verified claims from c.Context(), where core.ClaimsFromContext
// finds them too, for code that takes a context.Context. Refusals are
// answered by the adapter itself: the app's ErrorHandler never sees them.
//
// The request's context.Context is c.Context() (set with c.SetContext), as
// c.UserContext() was in Fiber v2: give c.Context() to service code. A
// fiber.Ctx is itself a context.Context in Fiber v3, but its Value method
// reads c.Locals, where the claims are not kept: core.ClaimsFromContext(c)
// reports no claims, as for an anonymous request (every policy then
// refuses). Fiber clears c.Context() at the start of every request, so
// nothing of one request reaches the next one served with the same pooled
// context or on the same connection.
//
// Fiber routes in registration order: routes registered before
// app.Use(fiber3auth.Middleware(v)) are not authenticated (or use
// WithSkipper), and a route with other needs, such as anonymous GETs, can
// list its own Middleware in its handlers when it is registered first.
// HEAD is the exception: Fiber v3 adds the HEAD route of every GET route
// when the app starts, after every app.Use, so a HEAD request for a public
// GET route registered first passes through Middleware (and needs a
// token). Register such a route for both methods,
// app.Add([]string{fiber.MethodGet, fiber.MethodHead}, path, h), or skip
// its path with WithSkipper.
//
// RFC 9728 (protected-resource metadata, required by the MCP authorization
// spec): build a core.ResourceMetadata, serve it with MetadataHandler and
// give it to every Middleware with WithResourceMetadata; every challenge
// then carries resource_metadata="..." pointing to the document:
//
//	m, err := core.NewResourceMetadata(v.ProtectedResource(), publicURL) // "" derives it per request
//	app.Get(m.Path(), fiber3auth.MetadataHandler(m)) // before app.Use
//	app.Use(fiber3auth.Middleware(v, fiber3auth.WithResourceMetadata(m)))
//
// Memory: fasthttp reuses its buffers once a handler returns. This package
// reads the Authorization header in place (core copies the token it keeps
// with the claims) and stores only the claims, which own their memory; it
// never keeps the fiber.Ctx.
//
// Header size: fasthttp answers 431 itself, before any handler runs, when
// the request header does not fit fiber.Config.ReadBufferSize (default
// 4096 bytes). Tokens larger than about 3 KiB thus need a larger buffer,
// for example ReadBufferSize: 32 << 10 to accept tokens up to core's
// default limit of 16 KiB (core.Config.MaxTokenBytes). fasthttp also
// refuses a Host header that is no valid host[:port] itself, with 400
// through fiber.Config.ErrorHandler (RFC 9112 §3.2), before any handler.
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
// with app.Listener(tls.NewListener(ln, cfg), fiber.ListenConfig{}), cfg
// asking for one (ClientAuth tls.RequestClientCert for self-signed client
// certificates, RFC 8705 §2.2, or tls.VerifyClientCertIfGiven with
// ClientCAs); fasthttp gives the Middleware the connection's TLS state.
// Every refusal carries core's Bearer and DPoP challenges, and
// use_dpop_nonce a DPoP-Nonce header.
//
// Behind a TLS-terminating proxy, WithClientCertificateHeader(name) reads
// the certificate from the RFC 9440 header the proxy sets, for requests
// whose connection presented none. Whoever can set that header can claim
// any certificate: name it only when the proxy removes the header from
// every request a client sends and the service cannot be reached around the
// proxy. Without the option no header is read for a certificate.
package fiber3auth
