package bench

import (
	"context"
	"net/http"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/auth"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/grpcauth"
)

// End to end for gRPC: one unary call, the way grpc.Server runs it once
// the transport has read the request. The method's generated handler (of
// grpc.health.v1.Health/Check, a unary method that ships with grpc-go)
// gets a context with the incoming metadata a grpc-go client sends and
// calls the interceptor, which calls the method. The HTTP/2 transport
// (framing, HPACK, the message's decoding, the stream's goroutine) is left
// out, as the HTTP rows leave out the connection and the request parsing:
// a round trip over an in-memory bufconn costs tens of µs, noise of the
// size of the differences measured here. A call that the interceptor lets
// through answers 204, as the HTTP rows do; a refused one answers its
// gRPC code.

// BenchmarkGRPC is BenchmarkHTTP for gRPC: bare call, grpcauth, and
// go-grpc-middleware's auth interceptor.
func BenchmarkGRPC(b *testing.B) { benchE2E(b, grpcFrameworks) }

// grpcServers are the gRPC rows for k, v and token.
func grpcServers(k *keyPair, v *core.Verifier, token string) map[string]server {
	return map[string]server{
		"bare":               grpcServe(nil, token),
		"axioms":             grpcServe(grpcauth.UnaryServerInterceptor(v), token),
		"go-grpc-middleware": grpcServe(grpcMiddlewareAuth(k), token),
	}
}

// grpcServe runs Health/Check through interceptor (nil: none) with the
// metadata of a call that carries token.
func grpcServe(interceptor grpc.UnaryServerInterceptor, token string) server {
	md := metadata.Pairs(
		":authority", "api.example.com",
		"content-type", "application/grpc",
		"user-agent", "grpc-go/"+grpc.Version,
		"authorization", "Bearer "+token,
	)
	ctx := metadata.NewIncomingContext(context.Background(), md)
	check := healthpb.Health_ServiceDesc.Methods[0]
	if check.MethodName != "Check" {
		panic("grpc_health_v1: the first method is " + check.MethodName)
	}
	srv := &healthServer{}
	dec := func(any) error { return nil } // an empty request: nothing to decode
	return func() int {
		if _, err := check.Handler(srv, ctx, dec, interceptor); err != nil {
			return int(status.Code(err))
		}
		return http.StatusNoContent
	}
}

// healthServer answers every Check with one response built in advance.
type healthServer struct {
	healthpb.UnimplementedHealthServer
}

var serving = &healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING}

func (*healthServer) Check(context.Context, *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	return serving, nil
}

// tokenKey is the context key of the token grpcMiddlewareAuth verified.
type tokenKey struct{}

// grpcMiddlewareAuth is go-grpc-middleware v2's auth interceptor with the
// AuthFunc its documentation sketches: the bearer token from the metadata
// (auth.AuthFromMD), checked with golang-jwt v5 as the golang-jwt row does
// (kid → key map, algorithm pinned, iss, aud and exp required), the parsed
// token put into the context.
func grpcMiddlewareAuth(k *keyPair) grpc.UnaryServerInterceptor {
	p, keyfunc := jwt.NewParser(golangJWTOptions(k.alg)...), kidKeyfunc(map[string]any{k.kid: k.pub})
	return auth.UnaryServerInterceptor(func(ctx context.Context) (context.Context, error) {
		raw, err := auth.AuthFromMD(ctx, "bearer")
		if err != nil {
			return nil, err
		}
		tok, err := p.Parse(raw, keyfunc)
		if err != nil {
			return nil, status.Error(codes.Unauthenticated, "invalid token")
		}
		return context.WithValue(ctx, tokenKey{}, tok), nil
	})
}
