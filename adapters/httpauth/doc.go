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
package httpauth
