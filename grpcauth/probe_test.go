package grpcauth_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/grpcauth"
)

// The probe service of the tests: a hand-written grpc.ServiceDesc whose
// messages are wrapperspb.StringValue, so no generated code is needed.
// Each method answers the caller's sub (or "" when anonymous), except
// where said.
const probe = "axioms.test.v1.Probe"

// Full method names of the probe service.
const (
	mMe       = "/" + probe + "/Me"       // policy: a valid token
	mRead     = "/" + probe + "/Read"     // AnyScope("read:data", "admin")
	mWrite    = "/" + probe + "/Write"    // AllScopes("write:data", "openid")
	mAdmin    = "/" + probe + "/Admin"    // AnyRole("admin", "superuser")
	mStrict   = "/" + probe + "/Strict"   // And(AnyScope("openid", "profile"), AnyRole("editor"), AnyPermission("resource:write"))
	mUnlisted = "/" + probe + "/Unlisted" // in no policy map: the default policy
	mOptional = "/" + probe + "/Optional" // anonymous, no policy entry
	mOptScope = "/" + probe + "/OptionalScoped"
	mPublic   = "/" + probe + "/Public"      // skipped; answers "ok"
	mPubOwner = "/" + probe + "/PublicOwner" // skipped; Authorize(Owner("owner")) in the handler
	mOwner    = "/" + probe + "/Owner"       // a valid token; Authorize(Owner("owner")) in the handler
	mContext  = "/" + probe + "/Context"     // "sub sha256(token)" from core's context accessors
	mWatch    = "/" + probe + "/Watch"       // server stream, AnyScope("read:data"): the sub twice
	mChat     = "/" + probe + "/Chat"        // bidi stream, a valid token; Authorize(Owner("owner")) first; echoes "sub:msg"
	mLate     = "/" + probe + "/Late"        // server stream, a valid token: sends the sub, then Authorize(Owner("owner"))
)

// probePolicies is the policy map of the probe service.
func probePolicies() map[string]core.Policy {
	return map[string]core.Policy{
		mMe:       nil,
		mRead:     core.AnyScope("read:data", "admin"),
		mWrite:    core.AllScopes("write:data", "openid"),
		mAdmin:    core.AnyRole("admin", "superuser"),
		mStrict:   core.And(core.AnyScope("openid", "profile"), core.AnyRole("editor"), core.AnyPermission("resource:write")),
		mOptScope: core.AnyScope("read:data"),
		mOwner:    nil,
		mContext:  nil,
		mWatch:    core.AnyScope("read:data"),
		mChat:     nil,
		mLate:     nil,
	}
}

// probeOptions are the options of the probe server's interceptors, before
// the ones a test adds.
func probeOptions(extra ...grpcauth.Option) []grpcauth.Option {
	skip := func(_ context.Context, m string) bool { return m == mPublic || m == mPubOwner }
	return append([]grpcauth.Option{
		grpcauth.WithPolicies(probePolicies()),
		grpcauth.WithAnonymousMethods(mOptional, mOptScope),
		grpcauth.WithSkipper(skip),
	}, extra...)
}

func sub(ctx context.Context) string {
	if c, ok := grpcauth.Claims(ctx); ok {
		return c.Subject()
	}
	return ""
}

// probeService returns the probe service's description.
func probeService() *grpc.ServiceDesc {
	sd := &grpc.ServiceDesc{ServiceName: probe, HandlerType: (*any)(nil)}
	for _, name := range []string{"Me", "Read", "Write", "Admin", "Strict", "Unlisted", "Optional", "OptionalScoped"} {
		sd.Methods = append(sd.Methods, unary(name, func(ctx context.Context, _ string) (string, error) { return sub(ctx), nil }))
	}
	owner := func(ctx context.Context, _ string) (string, error) {
		if err := grpcauth.Authorize(ctx, core.Owner("owner")); err != nil {
			return "", err
		}
		return sub(ctx), nil
	}
	sd.Methods = append(sd.Methods,
		unary("Public", func(context.Context, string) (string, error) { return "ok", nil }),
		unary("PublicOwner", owner),
		unary("Owner", owner),
		unary("Context", func(ctx context.Context, _ string) (string, error) {
			c, ok := core.ClaimsFromContext(ctx)
			if !ok {
				return "", nil
			}
			token, _ := core.TokenFromContext(ctx)
			sum := sha256.Sum256([]byte(token))
			return c.Subject() + " " + hex.EncodeToString(sum[:]), nil
		}),
	)
	sd.Streams = []grpc.StreamDesc{
		{StreamName: "Watch", ServerStreams: true, Handler: func(_ any, ss grpc.ServerStream) error {
			if err := ss.RecvMsg(new(wrapperspb.StringValue)); err != nil {
				return err
			}
			for range 2 {
				if err := ss.SendMsg(wrapperspb.String(sub(ss.Context()))); err != nil {
					return err
				}
			}
			return nil
		}},
		{StreamName: "Late", ServerStreams: true, Handler: func(_ any, ss grpc.ServerStream) error {
			if err := ss.RecvMsg(new(wrapperspb.StringValue)); err != nil {
				return err
			}
			if err := ss.SendMsg(wrapperspb.String(sub(ss.Context()))); err != nil {
				return err
			}
			return grpcauth.Authorize(ss.Context(), core.Owner("owner"))
		}},
		{StreamName: "Chat", ServerStreams: true, ClientStreams: true, Handler: func(_ any, ss grpc.ServerStream) error {
			if err := grpcauth.Authorize(ss.Context(), core.Owner("owner")); err != nil {
				return err
			}
			for {
				in := new(wrapperspb.StringValue)
				if err := ss.RecvMsg(in); err == io.EOF {
					return nil
				} else if err != nil {
					return err
				}
				if err := ss.SendMsg(wrapperspb.String(sub(ss.Context()) + ":" + in.GetValue())); err != nil {
					return err
				}
			}
		}},
	}
	return sd
}

// unary is a unary method of the probe service answering f(ctx, request).
func unary(name string, f func(ctx context.Context, in string) (string, error)) grpc.MethodDesc {
	return grpc.MethodDesc{MethodName: name, Handler: func(srv any, ctx context.Context, dec func(any) error, icpt grpc.UnaryServerInterceptor) (any, error) {
		in := new(wrapperspb.StringValue)
		if err := dec(in); err != nil {
			return nil, err
		}
		h := func(ctx context.Context, req any) (any, error) {
			out, err := f(ctx, req.(*wrapperspb.StringValue).GetValue())
			if err != nil {
				return nil, err
			}
			return wrapperspb.String(out), nil
		}
		if icpt == nil {
			return h(ctx, in)
		}
		return icpt(ctx, in, &grpc.UnaryServerInfo{Server: srv, FullMethod: "/" + probe + "/" + name}, h)
	}}
}

// newServer returns a gRPC server of the probe service behind both
// interceptors of grpcauth built with opts (none when opts is nil), with
// the server options sopts.
func newServer(v *core.Verifier, opts []grpcauth.Option, sopts ...grpc.ServerOption) *grpc.Server {
	if opts != nil {
		sopts = append(sopts,
			grpc.ChainUnaryInterceptor(grpcauth.UnaryServerInterceptor(v, opts...)),
			grpc.ChainStreamInterceptor(grpcauth.StreamServerInterceptor(v, opts...)))
	}
	srv := grpc.NewServer(sopts...)
	srv.RegisterService(probeService(), struct{}{})
	return srv
}

// serveTCP serves srv on a loopback TCP port until tb ends and returns a
// client connection to it.
func serveTCP(tb testing.TB, srv *grpc.Server) *grpc.ClientConn {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	return serveOn(tb, srv, ln, ln.Addr().String(), nil)
}

// serveBufconn serves srv on an in-memory listener until tb ends and
// returns a client connection to it.
func serveBufconn(tb testing.TB, srv *grpc.Server) *grpc.ClientConn {
	tb.Helper()
	ln := bufconn.Listen(1 << 20)
	dial := grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return ln.DialContext(ctx) })
	return serveOn(tb, srv, ln, "passthrough:///bufconn", dial)
}

func serveOn(tb testing.TB, srv *grpc.Server, ln net.Listener, target string, dial grpc.DialOption) *grpc.ClientConn {
	tb.Helper()
	served := make(chan struct{})
	go func() { defer close(served); _ = srv.Serve(ln) }()
	opts := []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
	if dial != nil {
		opts = append(opts, dial)
	}
	conn, err := grpc.NewClient(target, opts...)
	require.NoError(tb, err)
	tb.Cleanup(func() {
		_ = conn.Close()
		srv.Stop()
		<-served
	})
	return conn
}

// answer is what one call returned: the status, the response values and
// the response header and trailer metadata.
type answer struct {
	status  *status.Status
	values  []string
	header  metadata.MD
	trailer metadata.MD
}

func (a answer) String() string {
	return fmt.Sprintf("%v %q header=%v trailer=%v", a.status.Code(), a.status.Message(), a.header, a.trailer)
}

// auth returns the outgoing authorization metadata values of a call.
func auth(values ...string) []string { return values }

func bearer(token string) []string { return []string{"Bearer " + token} }

func outgoing(ctx context.Context, authorization []string) context.Context {
	for _, a := range authorization {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", a)
	}
	return ctx
}

// call makes one unary call of method with the given authorization values.
func call(tb testing.TB, conn *grpc.ClientConn, method string, authorization []string) answer {
	tb.Helper()
	return callCtx(tb, tb.Context(), conn, method, authorization)
}

// callCtx is call with the outgoing context ctx.
func callCtx(tb testing.TB, ctx context.Context, conn *grpc.ClientConn, method string, authorization []string) answer {
	tb.Helper()
	var a answer
	out := new(wrapperspb.StringValue)
	err := conn.Invoke(outgoing(ctx, authorization), method, wrapperspb.String("in"), out,
		grpc.Header(&a.header), grpc.Trailer(&a.trailer))
	a.status = status.Convert(err)
	if err == nil {
		a.values = []string{out.GetValue()}
	}
	return a
}

// callStream opens a stream of method, sends each of msgs, closes its
// send side and reads every answer.
func callStream(tb testing.TB, conn *grpc.ClientConn, method string, authorization []string, msgs ...string) answer {
	tb.Helper()
	return callStreamCtx(tb, tb.Context(), conn, method, authorization, msgs...)
}

// callStreamCtx is callStream with the outgoing context ctx.
func callStreamCtx(tb testing.TB, ctx context.Context, conn *grpc.ClientConn, method string, authorization []string, msgs ...string) answer {
	tb.Helper()
	var a answer
	desc := &grpc.StreamDesc{ServerStreams: true, ClientStreams: method == mChat}
	cs, err := conn.NewStream(outgoing(ctx, authorization), desc, method)
	require.NoError(tb, err)
	if !desc.ClientStreams && len(msgs) > 1 {
		msgs = msgs[:1] // a server stream takes one request
	}
	for _, m := range msgs {
		if err := cs.SendMsg(wrapperspb.String(m)); err != nil {
			break // the server has answered; RecvMsg gives the status
		}
	}
	_ = cs.CloseSend()
	for {
		out := new(wrapperspb.StringValue)
		if err = cs.RecvMsg(out); err != nil {
			break
		}
		a.values = append(a.values, out.GetValue())
	}
	if err != io.EOF {
		a.status = status.Convert(err)
	} else {
		a.status = status.New(0, "")
	}
	a.header, _ = cs.Header()
	a.trailer = cs.Trailer()
	return a
}

// parseChallenge parses one RFC 6750 §3 challenge: "Bearer" and
// comma-separated auth-params whose values are quoted strings without
// escapes (core never needs them). A repeated parameter is an error.
func parseChallenge(h string) (map[string]string, error) {
	rest, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		return nil, fmt.Errorf("scheme is not Bearer: %q", h)
	}
	params := map[string]string{}
	for rest != "" {
		name, after, ok := strings.Cut(rest, `="`)
		value, tail, ok2 := strings.Cut(after, `"`)
		if !ok || !ok2 || name == "" || strings.ContainsAny(name, ` ,"`) || strings.ContainsRune(value, '\\') {
			return nil, fmt.Errorf("malformed parameter at %q", rest)
		}
		if _, dup := params[name]; dup {
			return nil, fmt.Errorf("parameter %s repeated", name)
		}
		params[name] = value
		if rest, ok = strings.CutPrefix(tail, ", "); !ok && tail != "" {
			return nil, fmt.Errorf("malformed separator at %q", tail)
		}
	}
	return params, nil
}
