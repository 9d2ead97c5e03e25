package grpcauth

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/internal/option"
)

// UnaryServerInterceptor authenticates every unary RPC with v and applies
// its policies (WithPolicies, WithDefaultPolicy, WithPolicyFunc): a valid bearer token in
// the authorization metadata is required, except for the RPCs of
// WithAnonymousMethods and WithSkipper; gRPC has no safe methods, so
// core.Config.SafeMethods never apply. On success the claims are in the
// handler's context.Context (core.ClaimsFromContext, or Claims); refused
// RPCs fail with the status of the package documentation. It panics if v
// is nil.
func UnaryServerInterceptor(v *core.Verifier, opts ...Option) grpc.UnaryServerInterceptor {
	m := newInterceptor(v, opts)
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		ctx, err := m.check(ctx, info.FullMethod)
		if err != nil {
			return nil, err
		}
		defer core.GuardFromContext(ctx).Done(ctx)
		return handler(ctx, req)
	}
}

// StreamServerInterceptor is UnaryServerInterceptor for streaming RPCs:
// the call is checked once, before the handler runs, and the handler's
// ss.Context() carries the claims. It panics if v is nil.
func StreamServerInterceptor(v *core.Verifier, opts ...Option) grpc.StreamServerInterceptor {
	m := newInterceptor(v, opts)
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		ctx, err := m.check(ss.Context(), info.FullMethod)
		if err != nil {
			return err
		}
		defer core.GuardFromContext(ctx).Done(ctx)
		return handler(srv, &stream{ServerStream: ss, ctx: ctx})
	}
}

// stream is a grpc.ServerStream whose context carries the claims.
type stream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *stream) Context() context.Context { return s.ctx }

// interceptor is one interceptor, built once.
type interceptor struct {
	cfg   config
	guard *core.Guard // every RPC but the anonymous ones
	// open is the Guard of the anonymous RPCs, nil without any: anonymous
	// maps each exact full method name to the method core compares with
	// GuardOptions.AnonymousMethods (upper-cased), so that
	// "/pkg.S/Public" does not open "/PKG.S/PUBLIC".
	open      *core.Guard
	anonymous map[string]string
	fallback  core.Policy // of the RPCs WithPolicies does not name
}

// denyUnlisted is the policy of the RPCs a policy map leaves out when no
// default is given: core.ByMethod of no method refuses every call
// (ErrMethodDenied with a token, ErrNoCredentials without).
var denyUnlisted = core.ByMethod(nil)

func newInterceptor(v *core.Verifier, opts []Option) *interceptor {
	m := &interceptor{cfg: option.Apply(opts), fallback: denyUnlisted}
	strict := m.cfg.GuardOptions
	strict.AnonymousMethods = nil
	m.guard = option.NewGuard(v, strict, m)
	if len(m.cfg.AnonymousMethods) > 0 {
		m.open = option.NewGuard(v, m.cfg.GuardOptions, m)
		m.anonymous = make(map[string]string, len(m.cfg.AnonymousMethods))
		for _, name := range m.cfg.AnonymousMethods {
			m.anonymous[name] = strings.ToUpper(name)
		}
	}
	switch {
	case m.cfg.defaultPolicy != nil:
		m.fallback = m.cfg.defaultPolicy
	case len(m.cfg.policies) == 0:
		m.fallback = nil // a valid token
	}
	return m
}

// check is the whole decision for one RPC: core authenticates the call's
// credentials, then evaluates the RPC's policy. The method core sees is
// the full method name, which no safe method ever equals (upper-cased, for
// an anonymous RPC's Authenticate, as core compares AnonymousMethods). It
// returns the context for the handler, or the error to fail the RPC with.
func (m *interceptor) check(ctx context.Context, fullMethod string) (context.Context, error) {
	if m.cfg.skip != nil && m.cfg.skip(ctx, fullMethod) {
		return m.guard.Skip(ctx), nil
	}
	creds := core.Credentials{Authorization: metadata.ValueFromIncomingContext(ctx, "authorization")}
	callCredentials(ctx, fullMethod, &creds)
	if f := m.cfg.extract; f != nil {
		creds.Extract = func() (string, error) { return f(ctx, fullMethod) }
	}
	g, method := m.guard, fullMethod
	key, anonymous := m.anonymous[fullMethod]
	if anonymous {
		g, method = m.open, key
	}
	ctx, err := g.Authenticate(ctx, method, creds)
	if err == nil {
		if p, ok := m.policy(fullMethod, anonymous); ok {
			err = g.Authorize(ctx, fullMethod, p)
		}
	}
	if f := m.cfg.policyFunc; err == nil && f != nil && !anonymous {
		err = g.Authorize(ctx, fullMethod, core.TokenRequired(f(ctx, fullMethod)))
	}
	if err != nil {
		return ctx, m.fail(ctx, err)
	}
	return ctx, nil
}

// callCredentials fills what core needs of a call beyond its token: the
// TLS state and the client certificate of the peer's connection (RFC 8705
// §3, never from metadata), and for DPoP (RFC 9449) POST (the HTTP method
// of every gRPC call) as the proof's htm, the full method name (the
// HTTP/2 :path) as the path of its htu and, for a call whose
// authorization uses the DPoP scheme, the dpop metadata values and the
// :authority as the host of its htu. core reads them for such a call
// only, and looking metadata up costs a scan of every key of it.
func callCredentials(ctx context.Context, fullMethod string, c *core.Credentials) {
	if p, ok := peer.FromContext(ctx); ok {
		if info, ok := p.AuthInfo.(credentials.TLSInfo); ok {
			c.TLS = true
			if certs := info.State.PeerCertificates; len(certs) > 0 {
				c.ClientCertificate = certs[0].Raw
			}
		}
	}
	c.HTTPMethod, c.Path = http.MethodPost, fullMethod
	if !dpopScheme(c.Authorization) {
		return
	}
	c.DPoP = metadata.ValueFromIncomingContext(ctx, "dpop")
	if authority := metadata.ValueFromIncomingContext(ctx, ":authority"); len(authority) == 1 {
		c.Host = authority[0]
	}
}

// dpopScheme reports whether an authorization value may be of the DPoP
// scheme: it starts, after optional whitespace, with "DPoP" in any case
// (RFC 9110 §11.1). core decides what the value is.
func dpopScheme(values []string) bool {
	for _, v := range values {
		v = strings.TrimLeft(v, " \t")
		if len(v) >= 4 && strings.EqualFold(v[:4], "dpop") {
			return true
		}
	}
	return false
}

// policy returns the policy of fullMethod, and false for an anonymous RPC
// without an entry of its own.
func (m *interceptor) policy(fullMethod string, anonymous bool) (core.Policy, bool) {
	if p, ok := m.cfg.policies[fullMethod]; ok {
		return p, true
	}
	return m.fallback, !anonymous
}

// Authorize evaluates p inside a handler, typically core.Owner(item.Owner)
// once the object is loaded, with the claims the interceptor put into ctx
// (for a stream, ss.Context()). It returns nil when p allows the call,
// else the error to return from the handler (PermissionDenied, or
// Unauthenticated without a token), after the error handler and with the
// challenge in the response header metadata:
//
//	if err := grpcauth.Authorize(ctx, core.Owner(item.Owner)); err != nil {
//		return nil, err
//	}
//
// The policy sees the RPC's full method name (grpc.Method). Without the
// interceptor (or in a skipped RPC) every call is Unauthenticated. In a
// stream, call it before sending anything: once the response headers are
// sent, the challenge can only go in the trailer metadata.
func Authorize(ctx context.Context, p core.Policy) error {
	g := core.GuardFromContext(ctx)
	method, _ := grpc.Method(ctx)
	if err := g.Authorize(ctx, method, p); err != nil {
		m, _ := g.Adapter().(*interceptor)
		return m.fail(ctx, err)
	}
	return nil
}

// Claims returns the verified claims of the call whose context is ctx
// (core.ClaimsFromContext), or (nil, false) when it is anonymous, skipped
// or did not pass through an interceptor of this package.
func Claims(ctx context.Context) (*core.Claims, bool) { return core.ClaimsFromContext(ctx) }

// WriteError sets the standard answer to err and returns it: core's RFC
// 6750 challenge in the www-authenticate response header metadata (in the
// trailer once a stream has sent its headers; retry-after for
// Unavailable, dpop-nonce for use_dpop_nonce), with the realm and
// resource_metadata of the interceptor the call passed (realm "api" and
// none without one), and
// the status error to fail the RPC with, whose message is core's fixed
// error description. Use it inside a WithErrorHandler handler that adds to
// the standard answer.
func WriteError(ctx context.Context, err error) error {
	resp := core.GuardFromContext(ctx).Response(err, false, "") // host "": resource_metadata only from a public URL
	md := metadata.MD{}
	if resp.WWWAuthenticate != "" {
		md.Set("www-authenticate", resp.WWWAuthenticate)
	}
	if resp.DPoPNonce != "" {
		md.Set("dpop-nonce", resp.DPoPNonce)
	}
	if resp.RetryAfter != "" {
		md.Set("retry-after", resp.RetryAfter)
	}
	setMetadata(ctx, md)
	var body struct {
		Description string `json:"error_description"`
	}
	_ = json.Unmarshal(resp.Body, &body) // core's body: two JSON strings
	return status.Error(codeOf[resp.Status], body.Description)
}

// setMetadata sets md as response header metadata, or as trailer
// metadata once the headers have been sent (Authorize in a stream that has
// sent messages); outside an RPC it does nothing.
func setMetadata(ctx context.Context, md metadata.MD) {
	if grpc.SetHeader(ctx, md) != nil {
		_ = grpc.SetTrailer(ctx, md)
	}
}

// codeOf maps core's HTTP statuses to gRPC codes (the inverse of the
// mapping in google.rpc.Code).
var codeOf = map[int]codes.Code{
	http.StatusBadRequest:         codes.InvalidArgument,
	http.StatusUnauthorized:       codes.Unauthenticated,
	http.StatusForbidden:          codes.PermissionDenied,
	http.StatusServiceUnavailable: codes.Unavailable,
}

// fail answers a refusal: the error handler first; unless its answer may
// stand (see hookgate), the standard one. m may be nil (no interceptor
// ran).
func (m *interceptor) fail(ctx context.Context, err error) error {
	if m != nil && m.cfg.onError != nil {
		if answer := m.hook(ctx, err); answer != nil {
			return answer
		}
	}
	return WriteError(ctx, err)
}
