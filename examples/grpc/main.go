// Command grpc serves the gRPC example API (package grpcapp: the service
// axioms.example.v1.API, one policy per method, and the public health
// service) with grpcauth. Configure it with the AXIOMS_* variables and
// ADDR (default 127.0.0.1:8080); with no issuer configured it trusts an
// embedded development issuer and prints, for each persona, a command
// that runs the example client (./grpc/client) with a token.
//
// PUBLIC_URL, when set, is the URL of the HTTP server that publishes this
// API's RFC 9728 metadata document: every challenge then carries
// resource_metadata="<PUBLIC_URL>/.well-known/oauth-protected-resource".
// A gRPC server serves no GET, so without PUBLIC_URL challenges go without
// the parameter.
package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/examples/internal/devissuer"
	"github.com/axiomsgo/axioms/examples/internal/grpcapp"
	"github.com/axiomsgo/axioms/examples/internal/server"
)

func main() {
	server.MainWith(config, func(s *server.App) (func(net.Listener) error, func(context.Context) error) {
		srv := grpcapp.New(s.Verifier, s.Metadata)
		return srv.Serve, func(ctx context.Context) error {
			stopped := make(chan struct{})
			go func() { srv.GracefulStop(); close(stopped) }()
			select {
			case <-stopped:
				return nil
			case <-ctx.Done():
				srv.Stop() // ends the calls still running
				<-stopped
				return ctx.Err()
			}
		}
	})
}

// config is devissuer's, with a banner of client commands.
func config(baseURL string, w io.Writer) (core.Config, func(), error) {
	if err := server.RefuseTLS(); err != nil {
		return core.Config{}, nil, err
	}
	addr := strings.TrimPrefix(baseURL, "http://")
	client := func(_, token string) string {
		return fmt.Sprintf("go run ./grpc/client -addr %s -token %s", addr, token)
	}
	return devissuer.ConfigFromEnvFor(w, client,
		"Without -token the client shows every RPC refused (Unauthenticated) but the anonymous Hello;\n"+
			"with the reader's token, ListUsers is PermissionDenied.")
}
