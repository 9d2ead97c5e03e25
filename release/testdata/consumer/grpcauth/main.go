// Command app is what a user of grpcauth writes first: a gRPC server whose
// List method needs a token with the health:list scope. release-check
// builds and tests it in a fresh module against the dry-run module proxy.
package main

import (
	"log"
	"net"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/grpcauth"
)

func newServer(v *core.Verifier) *grpc.Server {
	opts := []grpcauth.Option{grpcauth.WithPolicies(map[string]core.Policy{
		healthpb.Health_List_FullMethodName: core.AllScopes("health:list"),
	})}
	srv := grpc.NewServer(
		grpc.ChainUnaryInterceptor(grpcauth.UnaryServerInterceptor(v, opts...)),
		grpc.ChainStreamInterceptor(grpcauth.StreamServerInterceptor(v, opts...)),
	)
	healthpb.RegisterHealthServer(srv, health.NewServer())
	return srv
}

func main() {
	cfg, err := core.ConfigFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	v, err := core.NewVerifier(cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:50051")
	if err != nil {
		log.Fatal(err)
	}
	log.Fatal(newServer(v).Serve(ln))
}
