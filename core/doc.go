// Package core verifies OAuth 2.0 / OpenID Connect JWT access tokens and
// enforces claim policies, independent of any web framework.
//
// The happy path is three calls:
//
//	cfg, err := core.ConfigFromEnv()       // AXIOMS_* variables
//	v, err := core.NewVerifier(cfg)        // starts the JWKS refresher
//	defer v.Close()
//	claims, err := v.Check(ctx, r.Method, core.Credentials{Authorization: r.Header.Values("Authorization")}, core.AnyScope("read:data"))
//
// and on error the caller writes v.ErrorResponse(err): the RFC 6750 status,
// WWW-Authenticate challenge and JSON body. The framework adapters of this
// repository (httpauth, chiauth, echoauth, echo5auth, fiberauth,
// fiber3auth, ginauth, grpcauth) do this through a Guard, which decides for
// every one of them alike, and put the claims into the request's
// context.Context: ClaimsFromContext and TokenFromContext read them in any
// handler or service layer.
//
// What is checked (RFC 7515, RFC 7519, RFC 8725, RFC 9068): the compact JWS
// form and strict base64url before any parsing; a strict protected header
// (duplicate names, crit, b64 and nesting refused; jku, x5u, jwk and x5c
// ignored); the algorithm against an asymmetric allow-list and against the
// selected key; the signature, with keys only from the configured key set;
// then exp (required), nbf, iat with a bounded leeway, iss exactly (when an
// issuer is configured) and aud any-of.
//
// Keys come only from configuration: Config.JWKSURL, or, when it is unset,
// the jwks_uri of the issuer's OpenID Connect or RFC 8414 metadata (whose
// issuer must match exactly), falling back to {issuer}/.well-known/jwks.json
// only when neither document exists. Config.Issuers and
// Config.IssuerPatterns trust several issuers, each with its own key set;
// the unverified iss only selects which issuer's keys are tried.
//
// ProtectedResource and NewResourceMetadata publish RFC 9728 metadata;
// GuardOptions.ResourceMetadata adds its resource_metadata parameter to
// every challenge.
//
// What is NOT checked: token revocation or introspection, DPoP and mTLS
// binding (RFC 9449, RFC 8705), iss when no issuer is configured (only a
// JWKS URL or a KeySet), and the issuer of an owner (Owner compares sub
// only). JWE (encrypted tokens) is refused.
//
// Verifier, Guard, the key sets and Claims are safe for concurrent use.
package core
