// Command fiber serves the example API (package exampleapi: the routes of
// the behaviour contract) with Fiber v2 and fiberauth. Configure it with
// the AXIOMS_* variables and ADDR (default 127.0.0.1:8080); with no issuer
// configured it trusts an embedded development issuer and prints curl
// commands with tokens.
//
// Every challenge carries resource_metadata="..." (RFC 9728), the URL of
// the metadata document served without authentication at
// /.well-known/oauth-protected-resource: PUBLIC_URL + that path when
// PUBLIC_URL is set (the URL clients reach the server at, such as
// https://api.example.com behind a proxy; https, or http on loopback),
// otherwise the scheme and Host header each request arrived with
// (X-Forwarded-* headers are not trusted).
//
// DPoP (RFC 9449): AXIOMS_DPOP=allowed or required, AXIOMS_DPOP_NONCE; with
// DPoP on, PUBLIC_URL is also the base of every proof's htu, and
// AXIOMS_DPOP_REPLAY_REDIS=redis://host:port/db shares the seen proofs
// between replicas. TLS_CERT and TLS_KEY (PEM files) serve HTTPS and ask for
// client certificates, for certificate-bound tokens (RFC 8705); TLS_CLIENT_CA
// limits them to those CAs.
package main

import (
	"context"
	"net"

	"github.com/axiomsgo/axioms/examples/internal/fiberapp"
	"github.com/axiomsgo/axioms/examples/internal/server"
)

func main() {
	server.Main(func(s *server.App) (func(net.Listener) error, func(context.Context) error) {
		app := fiberapp.New(s.Verifier, s.Metadata, s.Routes())
		return app.Listener, app.ShutdownWithContext
	})
}
