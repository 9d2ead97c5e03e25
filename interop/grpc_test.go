package interop

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	grpcmeta "google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/grpcauth"
)

// grpcStatus is the HTTP status each gRPC status code of grpcauth stands
// for (its package documentation, "Status mapping"), so that one call
// table serves every app.
var grpcStatus = map[codes.Code]int{
	codes.OK:               http.StatusOK,
	codes.InvalidArgument:  http.StatusBadRequest,
	codes.Unauthenticated:  http.StatusUnauthorized,
	codes.PermissionDenied: http.StatusForbidden,
	codes.Unavailable:      http.StatusServiceUnavailable,
}

// subjectHeader is the header metadata in which Check answers the subject
// of the claims its handler got, as GET /me does in its body.
const subjectHeader = "x-subject"

// healthServer is the standard health service, whose Check also answers
// the caller's subject.
type healthServer struct{ *health.Server }

func (s healthServer) Check(ctx context.Context, req *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	if claims, ok := grpcauth.Claims(ctx); ok {
		_ = grpc.SetHeader(ctx, grpcmeta.Pairs(subjectHeader, claims.Subject()))
	}
	return s.Server.Check(ctx, req)
}

// rpcs call each RPC of the health service; header receives the response
// header metadata.
var rpcs = map[string]func(ctx context.Context, c healthpb.HealthClient, header *grpcmeta.MD) error{
	healthpb.Health_Check_FullMethodName: func(ctx context.Context, c healthpb.HealthClient, header *grpcmeta.MD) error {
		_, err := c.Check(ctx, &healthpb.HealthCheckRequest{}, grpc.Header(header))
		return err
	},
	healthpb.Health_List_FullMethodName: func(ctx context.Context, c healthpb.HealthClient, header *grpcmeta.MD) error {
		_, err := c.List(ctx, &healthpb.HealthListRequest{}, grpc.Header(header))
		return err
	},
	healthpb.Health_Watch_FullMethodName: func(ctx context.Context, c healthpb.HealthClient, header *grpcmeta.MD) error {
		stream, err := c.Watch(ctx, &healthpb.HealthCheckRequest{})
		if err != nil {
			return err
		}
		_, err = stream.Recv() // the first status update, or the refusal
		*header, _ = stream.Header()
		return err
	},
}

// serveGRPC serves the health service on 127.0.0.1 behind grpcauth's unary
// and stream interceptors, each RPC with the policy of the route it stands
// for, and returns a transport that calls the RPC of a route over a real
// HTTP/2 connection with the token in the authorization metadata.
func serveGRPC(t testing.TB, v *core.Verifier) transport {
	t.Helper()
	policies := map[string]core.Policy{}
	for _, rt := range routes {
		policies[rt.rpc] = rt.policy
	}
	opts := []grpcauth.Option{grpcauth.WithPolicies(policies)}
	srv := grpc.NewServer(
		grpc.ChainUnaryInterceptor(grpcauth.UnaryServerInterceptor(v, opts...)),
		grpc.ChainStreamInterceptor(grpcauth.StreamServerInterceptor(v, opts...)),
	)
	healthpb.RegisterHealthServer(srv, healthServer{health.NewServer()})
	addr := serveListener(t, srv.Serve, func(context.Context) error { srv.Stop(); return nil }, nil)

	conn, err := grpc.NewClient("passthrough:///"+addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	return grpcTransport(healthpb.NewHealthClient(conn))
}

func grpcTransport(c healthpb.HealthClient) transport {
	return func(t testing.TB, method, path, token string) answer {
		t.Helper()
		rpc := rpcFor(t, method, path)
		ctx, cancel := context.WithTimeout(context.Background(), client.Timeout)
		defer cancel() // also ends a Watch stream
		if token != "" {
			ctx = grpcmeta.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
		}
		var header grpcmeta.MD
		st := status.Convert(rpcs[rpc](ctx, c, &header))
		code, ok := grpcStatus[st.Code()]
		require.True(t, ok, "%s: unexpected status %v", rpc, st)
		ans := answer{status: code, description: st.Message()}
		if sub := header.Get(subjectHeader); len(sub) == 1 {
			ans.sub = sub[0]
		}
		if ra := header.Get("retry-after"); len(ra) == 1 {
			ans.retryAfter = ra[0]
		}
		switch challenges := header.Get("www-authenticate"); len(challenges) {
		case 0:
		case 1:
			ans.challenge = parseChallenge(t, challenges[0])
		default:
			require.Fail(t, "one www-authenticate value at most", "%s: %q", rpc, challenges)
		}
		return ans
	}
}

// rpcFor returns the full method name that stands for a route.
func rpcFor(t testing.TB, method, path string) string {
	t.Helper()
	for _, rt := range routes {
		if rt.method == method && rt.path == path {
			return rt.rpc
		}
	}
	require.Fail(t, "no route", "%s %s", method, path)
	return ""
}
