// Command mcp is an MCP server (the official Go SDK, streamable HTTP at
// POST /mcp) protected by the library: every JSON-RPC request needs a
// valid token, and tools, resources and prompts need the scopes of
// package mcpapp's rules (behaviour contract §10). Configure it with the
// AXIOMS_* variables, ADDR (default 127.0.0.1:8080) and PUBLIC_URL; with no
// issuer configured it trusts an embedded development issuer and prints a
// token for each persona.
//
// Set AXIOMS_AUDIENCE to the endpoint's canonical URL, PUBLIC_URL + "/mcp"
// (RFC 8707 resource indicator; MCP clients request tokens for it): the
// RFC 9728 metadata is then served at the path-inserted URL
// /.well-known/oauth-protected-resource/mcp, and every challenge's
// resource_metadata points there.
package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/examples/internal/devissuer"
	"github.com/axiomsgo/axioms/examples/internal/mcpapp"
	"github.com/axiomsgo/axioms/examples/internal/server"
)

func main() {
	server.MainWith(config, func(s *server.App) (func(net.Listener) error, func(context.Context) error) {
		m, err := mcpapp.Metadata(s.Verifier, strings.TrimSpace(os.Getenv("PUBLIC_URL")))
		var h http.Handler
		if err == nil {
			h, err = mcpapp.New(s.Verifier, m)
		}
		if err != nil {
			return func(net.Listener) error { return err }, func(context.Context) error { return nil }
		}
		srv := &http.Server{Handler: s.WithMetrics(h), ReadHeaderTimeout: 10 * time.Second}
		return srv.Serve, srv.Shutdown
	})
}

// config is devissuer's, with a banner of tokens for the MCP endpoint.
func config(baseURL string, w io.Writer) (core.Config, func(), error) {
	show := func(_, token string) string {
		return fmt.Sprintf("curl -i -X POST %s%s -H 'Authorization: Bearer %s' -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' -d '{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}'", baseURL, mcpapp.Path, token)
	}
	return devissuer.ConfigFromEnvFor(w, show,
		"These tokens carry no mcp:* scope: initialize, ping and the list methods answer,\n"+
			"tools/call, resources/read and prompts/get get 403 naming the scopes they need.")
}
