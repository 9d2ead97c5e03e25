// Command app is what a user of mcpsdkauth writes first: an MCP server on
// the official Go SDK whose tool needs the mcp:tools scope and greets the
// token's subject. release-check builds and tests it in a fresh module
// against the dry-run module proxy.
package main

import (
	"context"
	"log"
	"net/http"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/axiomsgo/axioms/adapters/httpauth"
	"github.com/axiomsgo/axioms/core"
	mcpauth "github.com/axiomsgo/axioms/core/mcp"
	"github.com/axiomsgo/axioms/mcpsdkauth"
)

func hello(_ context.Context, req *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, any, error) {
	claims, _ := mcpsdkauth.Claims(req.Extra)
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "hello " + claims.Subject()}}}, nil, nil
}

func newHandler(v *core.Verifier) (http.Handler, error) {
	rules, err := mcpauth.New(mcpauth.Rules{Tools: map[string][]string{"hello": {"mcp:tools"}}})
	if err != nil {
		return nil, err
	}
	s := mcp.NewServer(&mcp.Implementation{Name: "app", Version: "v0.1.0"}, nil)
	mcp.AddTool(s, &mcp.Tool{Name: "hello"}, hello)
	sdk := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, nil)
	return httpauth.Middleware(v)(rules.Middleware()(mcpsdkauth.TokenInfo()(sdk))), nil
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
	h, err := newHandler(v)
	if err != nil {
		log.Fatal(err)
	}
	log.Fatal(http.ListenAndServe("127.0.0.1:8080", h))
}
