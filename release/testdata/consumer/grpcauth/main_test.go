package main

import (
	"context"
	"net"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/axiomsgo/axioms/authtest"
	"github.com/axiomsgo/axioms/core"
)

func TestList(t *testing.T) {
	iss := authtest.NewTestIssuer(t, authtest.WithAlgorithm("ES256"))
	v, err := core.NewVerifier(iss.Config())
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := newServer(v)
	go func() { _ = srv.Serve(ln) }()
	defer srv.Stop()
	conn, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := healthpb.NewHealthClient(conn)

	for _, tc := range []struct {
		name, token string
		code        codes.Code
	}{
		{"no token", "", codes.Unauthenticated},
		{"scope missing", iss.MustToken(t, "alice"), codes.PermissionDenied},
		{"scope granted", iss.MustToken(t, "alice", authtest.Scopes("health:list")), codes.OK},
	} {
		ctx := context.Background()
		if tc.token != "" {
			ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+tc.token)
		}
		var header metadata.MD
		_, err := client.List(ctx, &healthpb.HealthListRequest{}, grpc.Header(&header))
		if got := status.Code(err); got != tc.code {
			t.Errorf("%s: code %v, want %v (%v)", tc.name, got, tc.code, err)
		}
		if tc.code == codes.Unauthenticated && len(header.Get("www-authenticate")) != 1 {
			t.Errorf("%s: www-authenticate %q", tc.name, header.Get("www-authenticate"))
		}
	}
}
