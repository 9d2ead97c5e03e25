// Package interop proves the library against real authorization servers:
// Ory Hydra v2.3.0 and node oidc-provider 9.13.3, both started on loopback
// by the tests, whose client-credentials tokens are sent over real HTTP
// through each HTTP adapter (echoauth, echo5auth, fiberauth, fiber3auth,
// chiauth, ginauth) guarding the same routes with scope policies, and over
// gRPC (HTTP/2 on loopback TCP, the token in the authorization metadata)
// through grpcauth's unary and stream interceptors guarding the standard
// health service's RPCs with the same policies.
//
// The MCP tests (mcp_test.go) run real MCP clients, the official Go SDK's
// (github.com/modelcontextprotocol/go-sdk) and the TypeScript SDK's
// (@modelcontextprotocol/sdk, node/mcp-client.mjs), with their
// client-credentials support, against the example MCP server examples/mcp
// (built and started by mcpserver_test.go), node oidc-provider being the
// authorization server: 401, protected-resource metadata,
// authorization-server metadata, token, calls, and a 403
// insufficient_scope step-up for each operation that needs a scope the
// client does not hold yet.
//
// The sender-constrained tests run node oidc-provider's dPoP and mTLS
// features. dpop_test.go drives a real DPoP client flow (RFC 9449) with
// node/dpop-client.mjs, built on panva's dpop package: for an ES256, an
// Ed25519 and a PS256 key it gets a DPoP-bound token (cnf.jkt) with a
// proof for the token request and calls every HTTP adapter with a new
// proof per request, with DPoP allowed, and with DPoP required and server
// nonces (the client retries a use_dpop_nonce answer with the nonce): a
// fresh proof is accepted, its replay and a Bearer downgrade are refused.
// mtls_test.go serves the provider over TLS, gets a token bound to the
// client certificate of the token request's connection (cnf x5t#S256,
// RFC 8705) and sends it to every HTTP adapter serving TLS: accepted with
// that certificate only.
//
// hydra_opaque_test.go checks Hydra's opaque ory_at_ tokens by RFC 7662
// introspection at its admin endpoint, configured by the hydra-opaque
// recipe of docs/providers.md: client-credentials tokens and a user's token
// of a real authorization code flow (login and consent accepted through
// the admin API) pass the same policies through every adapter, each token
// costs one introspection per app (a counting proxy in front of the admin
// API tells), Hydra's JWTs are still verified locally, its refresh and ID
// tokens are refused, and a token revoked at /oauth2/revoke is refused
// once its cached answer expires (a JWT too, with IntrospectJWTs).
// introspection_test.go does the same with node oidc-provider's opaque
// tokens (the oidc-provider-opaque recipe), its resource server
// authenticating with client_secret_basic and with private_key_jwt, and
// checks that wrong credentials give 503 and a misconfigured Ready;
// jwtintrospection_test.go has the provider sign its answers (RFC 9701)
// and the verifiers require and check the signature.
// issuer_introspection_test.go trusts both servers in one verifier, with an
// introspection endpoint for Hydra's issuer only
// (core.IssuerConfig.Introspection): a revoked Hydra JWT is refused within
// the cache TTL, oidc-provider's JWTs stay local, and no opaque token
// reaches either endpoint.
//
// The tests need two things that `make interop` prepares and passes in the
// environment:
//
//   - HYDRA_BIN: a Hydra binary built with cgo and the tags
//     sqlite,sqlite_omit_load_extension (scripts/hydra.sh builds it once per
//     version into ${XDG_CACHE_HOME:-$HOME/.cache}/axioms-interop);
//   - OIDC_PROVIDER_DIR: the node directory after `npm ci` (it holds
//     provider.mjs, mcp-client.mjs, dpop-client.mjs,
//     node_modules/oidc-provider, node_modules/@modelcontextprotocol/sdk
//     and node_modules/dpop), and node on PATH.
//
// When a variable is missing the tests fail if CI or AXIOMS_INTEROP is set,
// and are skipped with a message otherwise, so that a plain `go test` in
// this module stays usable. When a variable is set, a server that cannot be
// started is always a failure, never a skip.
//
// The module has no exported API; it holds tests only.
package interop
