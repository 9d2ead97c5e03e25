// Package grpcapp is the gRPC example API: a small service,
// axioms.example.v1.API, behind grpcauth with one policy per method (the
// policies of the HTTP example routes, behaviour.md §5), and the standard
// health service, public. The service is a hand-written grpc.ServiceDesc
// whose messages are protobuf well-known types (google.protobuf.Empty in,
// google.protobuf.StringValue out), so no generated code is needed; a real
// service would use protoc-generated code, with the same interceptors.
package grpcapp

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/grpcauth"
)

// Service is the full name of the example service.
const Service = "axioms.example.v1.API"

// The full method names of the example service, with their policies
// (Policies) and answers.
const (
	Hello     = "/" + Service + "/Hello"     // anonymous allowed: "hello, <sub>" or "hello, stranger"
	Me        = "/" + Service + "/Me"        // a valid token: "<sub>", read from the context by the service layer
	Read      = "/" + Service + "/Read"      // scopes any of read:data, admin
	Write     = "/" + Service + "/Write"     // scopes all of write:data, openid
	ListUsers = "/" + Service + "/ListUsers" // roles any of admin, superuser
	Strict    = "/" + Service + "/Strict"    // scope openid or profile, role editor, permission resource:write
	Watch     = "/" + Service + "/Watch"     // server stream, scopes any of read:data, admin: three ticks
)

// Methods are the example service's methods in the order the client calls
// them.
var Methods = []string{Hello, Me, Read, Write, ListUsers, Strict, Watch}

// Policies is the policy of each method but Hello, which is anonymous.
// There is no default policy: a method added to the service without an
// entry here is refused.
func Policies() map[string]core.Policy {
	return map[string]core.Policy{
		Me:        core.Authenticated(),
		Read:      core.AnyScope("read:data", "admin"),
		Write:     core.AllScopes("write:data", "openid"),
		ListUsers: core.AnyRole("admin", "superuser"),
		Strict:    core.And(core.AnyScope("openid", "profile"), core.AnyRole("editor"), core.AnyPermission("resource:write")),
		Watch:     core.AnyScope("read:data", "admin"),
	}
}

// New returns a gRPC server of the example service and the health service,
// protected with v (the health service skipped), every challenge carrying
// the resource_metadata of m when m has a public URL; opts are added to
// both interceptors.
func New(v *core.Verifier, m *core.ResourceMetadata, opts ...grpcauth.Option) *grpc.Server {
	all := slices.Concat([]grpcauth.Option{
		grpcauth.WithPolicies(Policies()),
		grpcauth.WithAnonymousMethods(Hello),
		grpcauth.WithSkipper(func(_ context.Context, method string) bool {
			return strings.HasPrefix(method, "/"+healthpb.Health_ServiceDesc.ServiceName+"/")
		}),
		grpcauth.WithResourceMetadata(m),
	}, opts)
	srv := grpc.NewServer(
		grpc.ChainUnaryInterceptor(grpcauth.UnaryServerInterceptor(v, all...)),
		grpc.ChainStreamInterceptor(grpcauth.StreamServerInterceptor(v, all...)),
	)
	srv.RegisterService(&serviceDesc, struct{}{})
	healthpb.RegisterHealthServer(srv, health.NewServer())
	return srv
}

// subject is the service layer's view of the caller: it reads the claims
// from the standard context only, through core's accessor.
func subject(ctx context.Context) (string, bool) {
	c, ok := core.ClaimsFromContext(ctx)
	if !ok {
		return "", false
	}
	return c.Subject(), true
}

var serviceDesc = grpc.ServiceDesc{
	ServiceName: Service,
	HandlerType: (*any)(nil),
	Methods: []grpc.MethodDesc{
		unary(Hello, func(ctx context.Context) string {
			if sub, ok := subject(ctx); ok {
				return "hello, " + sub
			}
			return "hello, stranger"
		}),
		unary(Me, func(ctx context.Context) string { sub, _ := subject(ctx); return sub }),
		unary(Read, func(context.Context) string { return "the data" }),
		unary(Write, func(context.Context) string { return "written" }),
		unary(ListUsers, func(context.Context) string { return "admin, editor, reader, writer" }),
		unary(Strict, func(context.Context) string { return "strict ok" }),
	},
	Streams: []grpc.StreamDesc{{StreamName: "Watch", ServerStreams: true, Handler: watch}},
}

// unary is a method of the service answering f(ctx) to an Empty request.
func unary(fullMethod string, f func(ctx context.Context) string) grpc.MethodDesc {
	name := fullMethod[strings.LastIndexByte(fullMethod, '/')+1:]
	return grpc.MethodDesc{MethodName: name, Handler: func(srv any, ctx context.Context, dec func(any) error, icpt grpc.UnaryServerInterceptor) (any, error) {
		in := new(emptypb.Empty)
		if err := dec(in); err != nil {
			return nil, err
		}
		h := func(ctx context.Context, _ any) (any, error) { return wrapperspb.String(f(ctx)), nil }
		if icpt == nil {
			return h(ctx, in)
		}
		return icpt(ctx, in, &grpc.UnaryServerInfo{Server: srv, FullMethod: fullMethod}, h)
	}}
}

// watch streams three ticks for the caller, after an Empty request.
func watch(_ any, ss grpc.ServerStream) error {
	if err := ss.RecvMsg(new(emptypb.Empty)); err != nil {
		return err
	}
	sub, _ := subject(ss.Context())
	for i := range 3 {
		if err := ss.SendMsg(wrapperspb.String(fmt.Sprintf("tick %d for %s", i+1, sub))); err != nil {
			return err
		}
	}
	return nil
}
