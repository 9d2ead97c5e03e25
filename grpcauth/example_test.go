package grpcauth_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"

	"github.com/axiomsgo/axioms/authtest"
	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/grpcauth"
)

// Protect a gRPC server: one policy per full method name, a public health
// check, and the status and challenge a client gets back. authtest
// provides a loopback issuer to test against; the server listens in memory
// (bufconn) here, on a TCP port in production.
func Example() {
	iss, err := authtest.NewIssuer()
	if err != nil {
		log.Fatal(err)
	}
	defer iss.Close()
	v, err := core.NewVerifier(iss.Config()) // in production: core.ConfigFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()

	opts := []grpcauth.Option{
		grpcauth.WithPolicies(map[string]core.Policy{
			healthpb.Health_List_FullMethodName: core.AnyScope("health:list"),
		}),
		grpcauth.WithSkipper(func(_ context.Context, method string) bool {
			return method == healthpb.Health_Check_FullMethodName // public
		}),
	}
	srv := grpc.NewServer(
		grpc.ChainUnaryInterceptor(grpcauth.UnaryServerInterceptor(v, opts...)),
		grpc.ChainStreamInterceptor(grpcauth.StreamServerInterceptor(v, opts...)),
	)
	healthpb.RegisterHealthServer(srv, health.NewServer())
	ln := bufconn.Listen(1 << 20)
	go func() { _ = srv.Serve(ln) }()
	defer srv.Stop()

	conn, err := grpc.NewClient("passthrough:///bufconn",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return ln.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	client := healthpb.NewHealthClient(conn)
	ctx := context.Background()

	check, err := client.Check(ctx, &healthpb.HealthCheckRequest{})
	fmt.Println("Check:", check.GetStatus(), status.Code(err))

	var header metadata.MD
	_, err = client.List(ctx, &healthpb.HealthListRequest{}, grpc.Header(&header))
	fmt.Println("List without a token:", status.Code(err), header.Get("www-authenticate"))

	for _, scope := range []string{"read:data", "health:list"} {
		token, err := iss.Token("alice", authtest.Scopes(scope))
		if err != nil {
			log.Fatal(err)
		}
		ctx := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
		_, err = client.List(ctx, &healthpb.HealthListRequest{}, grpc.Header(&header))
		fmt.Println("List with", scope+":", status.Code(err), header.Get("www-authenticate"))
	}
	// Output:
	// Check: SERVING OK
	// List without a token: Unauthenticated [Bearer realm="api"]
	// List with read:data: PermissionDenied [Bearer realm="api", error="insufficient_scope", error_description="insufficient scope", scope="health:list"]
	// List with health:list: OK []
}

// An error handler that only observes (it returns nil) keeps the standard
// answer; its metadata is added to it. Here it counts refusals by
// category, as a metrics hook would.
func ExampleWithErrorHandler() {
	iss, err := authtest.NewIssuer()
	if err != nil {
		log.Fatal(err)
	}
	defer iss.Close()
	v, err := core.NewVerifier(iss.Config())
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()

	observe := grpcauth.WithErrorHandler(func(ctx context.Context, err error) error {
		method, _ := grpc.Method(ctx)
		fmt.Println("refused:", method, errors.Is(err, core.ErrNoCredentials))
		_ = grpc.SetHeader(ctx, metadata.Pairs("x-request-refused", "1"))
		return nil // the standard answer follows
	})
	srv := grpc.NewServer(grpc.ChainUnaryInterceptor(grpcauth.UnaryServerInterceptor(v, observe)))
	healthpb.RegisterHealthServer(srv, health.NewServer())
	ln := bufconn.Listen(1 << 20)
	go func() { _ = srv.Serve(ln) }()
	defer srv.Stop()
	conn, err := grpc.NewClient("passthrough:///bufconn",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return ln.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()

	var header metadata.MD
	_, err = healthpb.NewHealthClient(conn).Check(context.Background(), &healthpb.HealthCheckRequest{}, grpc.Header(&header))
	st := status.Convert(err)
	fmt.Println(st.Code(), st.Message(), header.Get("x-request-refused"), header.Get("www-authenticate"))
	// Output:
	// refused: /grpc.health.v1.Health/Check true
	// Unauthenticated authentication required [1] [Bearer realm="api"]
}
