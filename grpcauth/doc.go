// Package grpcauth protects gRPC servers (google.golang.org/grpc) with
// OAuth 2.0 / OpenID Connect JWT access tokens verified by core.Verifier.
// It only translates: it reads the authorization metadata, asks
// core.Guard, puts the claims into the handler's context.Context and turns
// core's RFC 6750 answer into a gRPC status. Every token and policy
// decision is core's, as in every other adapter of this project.
//
// Quick start:
//
//	v, err := core.NewVerifier(cfg) // cfg from core.ConfigFromEnv()
//	if err != nil { log.Fatal(err) }
//	opts := []grpcauth.Option{grpcauth.WithPolicies(map[string]core.Policy{
//		"/library.v1.Library/GetBook":    core.AnyScope("book:read"),
//		"/library.v1.Library/DeleteBook": core.AllRoles("admin"),
//	})}
//	srv := grpc.NewServer(
//		grpc.ChainUnaryInterceptor(grpcauth.UnaryServerInterceptor(v, opts...)),
//		grpc.ChainStreamInterceptor(grpcauth.StreamServerInterceptor(v, opts...)),
//	)
//
// Handlers read the claims with Claims(ctx), and the code they call with
// core.ClaimsFromContext(ctx); ownership is decided in the handler once
// the object is loaded, with Authorize(ctx, core.Owner(item.Owner)).
//
// # Credentials
//
// The token is read from the authorization request metadata ("Bearer
// <token>", the scheme compared case-insensitively), as grpc-go's
// oauth.TokenSource and PerRPCCredentials send it; core applies the rules
// of every adapter: no authorization metadata or another scheme is no
// credentials, two authorization values are an invalid request, a bad
// token is an invalid token. WithTokenExtractor adds a source of your own
// (other metadata), consulted only when the authorization metadata has no
// bearer token, as in the HTTP adapters. There is no query, form or cookie
// token in gRPC (see WithTokenExtractor for why).
//
// # Sender-constrained tokens
//
// A token bound to a TLS client certificate (cnf x5t#S256, RFC 8705 §3)
// is accepted only when the call's connection presented that certificate:
// the interceptors read it from the peer (peer.FromContext,
// credentials.TLSInfo, the first of State.PeerCertificates), never from
// metadata. Serve with credentials.NewTLS and a ClientAuth that asks for
// a certificate (tls.RequestClientCert for self-signed client
// certificates, RFC 8705 §2.2, or tls.VerifyClientCertIfGiven with your
// CA). There is no WithClientCertificateHeader: a gRPC proxy that
// terminates TLS must re-establish it.
//
// With core.Config.DPoP, a call may carry "authorization: DPoP <token>"
// and its proof in the dpop metadata (RFC 9449 §4.1, one value). gRPC is
// HTTP/2, so the proof is checked as for an HTTP request: htm is POST, the
// method of every gRPC call, and htu is the scheme ("https" over TLS,
// "http" otherwise), the :authority the client sent and the full method
// name, such as https://api.example.com/library.v1.Library/GetBook; with
// DPoPConfig.PublicURL, that URL followed by the full method name. A
// client mints one proof per call. Refusals carry the Bearer and DPoP
// challenges of core, and use_dpop_nonce a fresh nonce in the dpop-nonce
// response header metadata.
//
// # Methods and policies
//
// gRPC has no safe methods: every RPC needs a valid token, whatever
// core.Config.SafeMethods says (the method core sees is the full method
// name, "/package.Service/Method", which no HTTP method token equals),
// unless WithSkipper skips it (its metadata is not read: health checks,
// reflection) or WithAnonymousMethods lets it through without credentials
// (credentials that are present are still verified). Policies are chosen
// per full method name (WithPolicies), with WithDefaultPolicy for the
// others; once a policy map is given, a method it does not name is refused
// unless a default is given (secure by default: a new RPC is not open to
// every token holder). Without any map every RPC needs a valid token and
// no more. Policies see the full method name as their method, so the HTTP
// method policies of core (ByMethod, OwnerOrSafeMethods) treat no RPC as a
// safe method. A streaming RPC is checked once, before its handler runs.
//
// # Status mapping
//
// A refused RPC fails with the gRPC status that corresponds to core's
// RFC 6750 answer, whose challenge goes in the www-authenticate response
// header metadata (RFC 6750 §3; in the trailer for an Authorize refusal in
// a stream that has already sent its headers):
//
//	no credentials       Unauthenticated   www-authenticate: Bearer realm="api"
//	invalid token        Unauthenticated   ..., error="invalid_token", error_description="..."
//	policy not met       PermissionDenied  ..., error="insufficient_scope"[, scope="..."]
//	invalid request      InvalidArgument   ..., error="invalid_request"
//	invalid DPoP proof   Unauthenticated   ..., DPoP ..., error="invalid_dpop_proof"
//	keys unavailable     Unavailable       no challenge; retry-after: <seconds>
//
// The status message is core's fixed error description ("token expired",
// "authentication required", ...): never internal text, never the token.
// core's JSON body has no gRPC counterpart and is not sent. With
// WithResourceMetadata and a public URL the challenge carries
// resource_metadata="..." (RFC 9728 §5.1).
//
// WithErrorHandler observes or replaces refusals; see its documentation
// for which answers may stand.
//
// # Names
//
// Authorize, Claims, WriteError and the options WithSkipper,
// WithAnonymousMethods, WithErrorHandler, WithResourceMetadata and
// WithTokenExtractor mean what they mean in the HTTP adapters (the
// functions of WithSkipper and WithTokenExtractor take the call's context
// and full method name, gRPC's request). The two interceptors take the place
// of Middleware, and WithPolicies and WithDefaultPolicy that of Require
// (gRPC has no per-route middleware). There is no WithTokenFromQuery (no
// query string), no WithTokenFromForm or WithTokenFromCookie, and no
// MetadataHandler (a gRPC server serves no GET: an
// HTTP adapter's MetadataHandler serves the RFC 9728 document).
package grpcauth
