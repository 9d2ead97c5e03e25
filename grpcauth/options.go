package grpcauth

import (
	"context"
	"maps"

	"github.com/axiomsgo/axioms/core"
)

// Option configures UnaryServerInterceptor and StreamServerInterceptor.
// Options are read once, when the interceptor is built; a nil Option is
// ignored.
type Option func(*config)

type config struct {
	core.GuardOptions
	policies      map[string]core.Policy
	defaultPolicy core.Policy
	policyFunc    func(ctx context.Context, fullMethod string) core.Policy
	skip          func(ctx context.Context, fullMethod string) bool
	onError       func(ctx context.Context, err error) error
	extract       func(ctx context.Context, fullMethod string) (string, error)
}

// WithPolicies sets the policy of each RPC named in policies by its full
// method name ("/package.Service/Method", as in grpc.UnaryServerInfo); a
// nil policy means a valid token (core.Authenticated). Several calls add
// to the map, a later entry replacing an earlier one; the map is copied.
//
// The map is an allow-list: once it names any method, an RPC it does not
// name gets the policy of WithDefaultPolicy, and without one it is refused
// (PermissionDenied, "method not permitted"; Unauthenticated without a
// token), so that a method added to a service later is not open to every
// token holder by mistake. Default: no map, every RPC needs a valid token.
// Names are compared exactly; a misspelt name guards nothing and its RPC
// is refused.
func WithPolicies(policies map[string]core.Policy) Option {
	return func(c *config) {
		if len(policies) == 0 {
			return
		}
		if c.policies == nil {
			c.policies = make(map[string]core.Policy, len(policies))
		}
		maps.Copy(c.policies, policies)
	}
}

// WithDefaultPolicy sets the policy of every RPC that WithPolicies does
// not name. Default: a valid token without a policy map, refusal with one
// (see WithPolicies); a nil p keeps that.
func WithDefaultPolicy(p core.Policy) Option {
	return func(c *config) { c.defaultPolicy = p }
}

// WithPolicyFunc adds the policy f computes for each RPC, from its full
// method name and its context (the claims are in it: core.ClaimsFromContext;
// so is the incoming metadata), to the RPC's static policy (WithPolicies,
// WithDefaultPolicy): both must allow the call, so f can only narrow what
// they allow. f is called once per call, after the static policy allowed
// it; a nil policy means a valid token. A call without a verified token
// is refused (Unauthenticated) whatever f returns, even
// core.AllowAnonymous (core.TokenRequired). f is not called for the RPCs of
// WithAnonymousMethods, which keep their own entry only, nor for skipped
// ones. Default: none; a nil f keeps that.
func WithPolicyFunc(f func(ctx context.Context, fullMethod string) core.Policy) Option {
	return func(c *config) { c.policyFunc = f }
}

// WithAnonymousMethods lets calls without credentials (no authorization
// metadata, or a scheme other than Bearer) through to the RPCs named here
// by their full method names (compared exactly), without claims. Bearer
// credentials that are present must still be valid: an invalid token is
// Unauthenticated even here. An anonymous RPC is checked against its own
// WithPolicies entry only, never against the default policy: without an
// entry every call reaches the handler, which reads Claims (the optional
// authentication case); with one, the entry decides, and a policy that
// needs a token refuses an anonymous call, as in every adapter. Default:
// none.
func WithAnonymousMethods(fullMethods ...string) Option {
	return func(c *config) { c.AnonymousMethods = append(c.AnonymousMethods, fullMethods...) }
}

// WithSkipper skips authentication for the RPCs for which skip returns
// true (typically by full method name, such as the standard health
// service's "/grpc.health.v1.Health/Check"): their metadata is not read,
// no policy is applied and the handler gets no claims. Authorize in a
// skipped handler answers Unauthenticated as this interceptor would.
// Default: none skipped; a nil skip keeps that.
func WithSkipper(skip func(ctx context.Context, fullMethod string) bool) Option {
	return func(c *config) { c.skip = skip }
}

// WithErrorHandler calls h for every refusal of this interceptor and of the
// Authorize calls behind it, with the core error (classify it with
// errors.Is: core.ErrNoCredentials, core.ErrInvalidToken, ...); the RPC's
// full method is grpc.Method(ctx). h returns the error the RPC fails with:
//   - nil: the standard answer follows, with the header metadata h set
//     (grpc.SetHeader(ctx, ...)): an observer that only logs needs nothing
//     else;
//   - WriteError(ctx, err): the standard answer, for an h that adds
//     header metadata to it;
//   - its own status error: it stands when its code is a client error
//     (the codes HTTP maps to a 4xx: InvalidArgument, Unauthenticated,
//     PermissionDenied, NotFound, FailedPrecondition, ResourceExhausted,
//     ...) or the standard code (Unavailable when no key set is usable);
//     any other answer (Unknown, Internal, a plain error) is dropped with
//     the metadata h set, and the standard answer follows: a refusal is
//     never a success, nor another server error.
//
// The metadata h sets or sends is held back until its answer is known,
// then set on the response. Default: none; a nil h keeps that.
func WithErrorHandler(h func(ctx context.Context, err error) error) Option {
	return func(c *config) { c.onError = h }
}

// WithResourceMetadata adds RFC 9728 §5.1 resource_metadata="..." to
// every challenge of this interceptor and of the Authorize calls behind
// it, when m was built with a public URL (core.NewResourceMetadata(doc,
// "https://api.example.com")): the URL of m's document, which an HTTP
// server serves (any adapter's MetadataHandler) at
// m.Path(). Without a public URL no parameter is added:
// a gRPC server serves no GET, so the URL is not derived from the call's
// :authority. Default: no parameter; a nil m keeps that.
func WithResourceMetadata(m *core.ResourceMetadata) Option {
	return func(c *config) { c.ResourceMetadata = m }
}

// WithChallengeScopes names scopes in the scope="..." of a 401 without
// credentials when no route policy names any (RFC 6750 §3): the scopes a
// client should ask the authorization server for first, such as
// "mcp:tools" for an MCP server whose metadata lists more. Default: the
// scopes_supported of WithResourceMetadata's document, if any.
func WithChallengeScopes(scopes ...string) Option {
	return func(c *config) { c.ChallengeScopes = append(c.ChallengeScopes, scopes...) }
}

// WithTokenExtractor also accepts the token f returns for a call, from its
// context (the incoming metadata: metadata.FromIncomingContext(ctx); the
// peer) and full method name, for a token a gateway puts in metadata of its
// own, say. f is called only when the authorization metadata has no
// bearer token (none, or another scheme): a bearer value always wins, even
// an invalid one, and two authorization values are refused without
// calling f. It returns the bare token (no "Bearer " prefix), "" when the
// call carries none (no credentials: Unauthenticated, or anonymous for the
// RPCs of WithAnonymousMethods), or an error, which is an invalid request
// (InvalidArgument, core.ErrExtractorFailed wrapping f's error for
// WithErrorHandler; the status message is the fixed "token extraction
// failed", never f's text). The token is checked as an authorization token
// is. f is not called for skipped RPCs. Default: none; a nil f keeps that.
//
// There is no cookie or form option: gRPC has no cookies, so no ambient
// credentials a browser would send on its own (a grpc-web proxy that
// forwards a cookie header as metadata can be read with f), and a call's
// messages are not read before its handler runs (a streaming call's may not
// even have been sent), so a token cannot come from a request body.
func WithTokenExtractor(f func(ctx context.Context, fullMethod string) (string, error)) Option {
	return func(c *config) { c.extract = f }
}
