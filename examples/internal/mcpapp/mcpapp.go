// Package mcpapp is the MCP example server (behaviour contract §10): an
// MCP server on the official Go SDK, streamable HTTP at POST /mcp, behind
// httpauth.Middleware and the core/mcp rules, with its RFC 9728 metadata
// at the path-inserted URL of the resource.
package mcpapp

import (
	"context"
	"net/http"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/axiomsgo/axioms/adapters/httpauth"
	"github.com/axiomsgo/axioms/core"
	mcpauth "github.com/axiomsgo/axioms/core/mcp"
)

// Path is where the MCP endpoint is served.
const Path = "/mcp"

// ToolsScope is the scope a 401 without credentials names (behaviour.md
// §10): what a client asks for first; the metadata lists every scope.
const ToolsScope = "mcp:tools"

// Rules are the scopes of §10: every JSON-RPC request needs a valid token;
// tools/call needs mcp:tools (admin_reset mcp:admin too), resources/read
// mcp:resources, prompts/get mcp:prompts.
var Rules = mcpauth.Rules{
	Methods: map[string][]string{
		mcpauth.MethodCallTool:     {ToolsScope},
		mcpauth.MethodReadResource: {"mcp:resources"},
		mcpauth.MethodGetPrompt:    {"mcp:prompts"},
	},
	Tools:     map[string][]string{"echo": nil, "admin_reset": {"mcp:admin"}},
	Resources: map[string][]string{"notes://{id}": nil},
	Prompts:   map[string][]string{"summary": nil},
}

// Metadata is v's RFC 9728 metadata with scopes_supported from Rules,
// published at publicURL (see core.NewResourceMetadata; "" derives it from
// each request).
func Metadata(v *core.Verifier, publicURL string) (*core.ResourceMetadata, error) {
	a, err := mcpauth.New(Rules)
	if err != nil {
		return nil, err
	}
	doc := v.ProtectedResource()
	doc.ScopesSupported = a.ScopesSupported()
	return core.NewResourceMetadata(doc, publicURL)
}

// New returns the server's handler: the metadata document of m, public,
// at m.Path(), and the MCP endpoint at Path.
func New(v *core.Verifier, m *core.ResourceMetadata) (http.Handler, error) {
	a, err := mcpauth.New(Rules)
	if err != nil {
		return nil, err
	}
	sdk := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return Server() }, nil)
	mux := http.NewServeMux()
	mux.Handle("GET "+m.Path(), httpauth.MetadataHandler(m))
	mux.Handle(Path, httpauth.Middleware(v, httpauth.WithResourceMetadata(m), httpauth.WithChallengeScopes(ToolsScope))(a.Middleware()(sdk)))
	return mux, nil
}

// EchoArgs are the arguments of the echo tool.
type EchoArgs struct {
	Text string `json:"text" jsonschema:"the text to return"`
}

// Server is the MCP server: tools echo and admin_reset, the resource
// template notes://{id}, the prompt summary.
func Server() *mcp.Server {
	s := mcp.NewServer(&mcp.Implementation{Name: "axioms-mcp-example", Version: "v0.1.0"}, nil)
	mcp.AddTool(s, &mcp.Tool{Name: "echo", Description: "returns its text argument"},
		func(_ context.Context, _ *mcp.CallToolRequest, in EchoArgs) (*mcp.CallToolResult, any, error) {
			return text(in.Text), nil, nil
		})
	mcp.AddTool(s, &mcp.Tool{Name: "admin_reset", Description: "resets nothing (needs mcp:admin)"},
		func(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, any, error) {
			return text("reset"), nil, nil
		})
	s.AddResourceTemplate(&mcp.ResourceTemplate{Name: "note", URITemplate: "notes://{id}", MIMEType: "text/plain"},
		func(_ context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
			uri := req.Params.URI
			return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: uri, MIMEType: "text/plain", Text: "note " + uri}}}, nil
		})
	s.AddPrompt(&mcp.Prompt{Name: "summary", Description: "asks for a summary"},
		func(context.Context, *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			return &mcp.GetPromptResult{Messages: []*mcp.PromptMessage{{Role: "user", Content: &mcp.TextContent{Text: "Summarize the notes."}}}}, nil
		})
	return s
}

func text(s string) *mcp.CallToolResult {
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: s}}}
}
