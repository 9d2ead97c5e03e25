// Package httpauth protects plain net/http handlers (http.ServeMux, or any
// router that speaks func(http.Handler) http.Handler) with OAuth 2.0 /
// OpenID Connect JWT access tokens verified by core.Verifier. It only
// translates: it reads the Authorization header, asks core.Guard, puts the
// claims into the request's context.Context and writes the RFC 6750 answer
// core computed. Every token and policy decision is core's.
//
// Quick start:
//
//	v, err := core.NewVerifier(cfg) // cfg from core.ConfigFromEnv()
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer v.Close()
//	auth := httpauth.Middleware(v)
//	mux := http.NewServeMux()
//	mux.Handle("GET /api/read", auth(httpauth.Require(core.AnyScope("read:data"))(read)))
//
// # The adapter contract
//
// These rules hold, alike, for every HTTP adapter of this project
// (httpauth, chiauth, echoauth, echo5auth, fiberauth, fiber3auth,
// ginauth), and one conformance suite checks them:
//
//   - Middleware(v) panics when v is nil (a programmer error, reported when
//     the middleware is built); nil options, and options given nil, keep
//     their defaults.
//   - Safe methods (core.Config.SafeMethods, default OPTIONS, so that CORS
//     preflights work) and the methods of WithAnonymousMethods pass
//     Middleware without credentials; credentials that are present are
//     verified on every method.
//   - A policy (Require, Authorize) is never met without a verified token,
//     whatever the method: a handler registered for every method never
//     runs its protected part for an anonymous OPTIONS.
//   - Claims are in the request's context.Context: core.ClaimsFromContext
//     and core.TokenFromContext work in any handler and in the service code
//     it calls; Claims(r) is a shortcut.
//   - On a route skipped by WithSkipper, Require and Authorize answer 401 as
//     Middleware would (its realm, resource_metadata and error handler).
//     Without any Middleware they answer 401 with realm "api" and no
//     resource_metadata, never letting the request through.
//   - The error handler of WithErrorHandler sees every refusal of
//     Middleware, Require and Authorize. If it writes nothing, the standard
//     answer is written after it (so an observer that only logs needs
//     nothing else); WriteError writes the standard answer for a handler
//     that adds to it (a header, say).
//   - The token sources beyond the Authorization header (WithTokenFromQuery,
//     WithTokenFromForm, WithTokenFromCookie, WithTokenExtractor) have the
//     same names, the same order and the same answers (see Token
//     sources); WithTokenFromCookie panics when the Middleware is built
//     for a name that is not a cookie name, and WithTokenExtractor(nil)
//     keeps the default.
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
package httpauth
