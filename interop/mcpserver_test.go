package interop

// This file is the MCP server of the MCP interop tests, and nothing else:
// once examples/mcp (behaviour.md §10) lands it is replaced by that example
// (its binary, started like the example servers of examples/examples_test.go,
// or its router), and only startMCPServer's body changes. What is stopgap
// here, to be dropped then, is marked "stopgap".

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/stretchr/testify/require"

	"github.com/axiomsgo/axioms/chiauth"
	"github.com/axiomsgo/axioms/core"
)

// The MCP endpoint and its RFC 9728 metadata document at the path-inserted
// URL (§3.1).
const (
	mcpPath         = "/mcp"
	mcpMetadataPath = core.ProtectedResourcePath + mcpPath
)

// mcpScopes are the scopes of behaviour.md §10, as scopes_supported lists them.
var mcpScopes = []string{"mcp:tools", "mcp:resources", "mcp:prompts", "mcp:admin"}

// mcpOperationScopes are the scopes one JSON-RPC request needs (§10): a tool
// call mcp:tools (admin_reset also mcp:admin), resources/read mcp:resources,
// prompts/get mcp:prompts; initialize, ping, the list methods, notifications
// and responses need a valid token only.
func mcpOperationScopes(method, name string) []string {
	switch method {
	case "tools/call":
		if name == "admin_reset" {
			return []string{"mcp:tools", "mcp:admin"}
		}
		return []string{"mcp:tools"}
	case "resources/read":
		return []string{"mcp:resources"}
	case "prompts/get":
		return []string{"mcp:prompts"}
	}
	return nil
}

// mcpServer is a running MCP server: base is its public URL, resource the
// URL of its MCP endpoint, which is also its audience and the resource of
// its metadata.
type mcpServer struct {
	base, resource string
}

// listenMCP reserves the server's loopback address, so that its URL (the
// resource an authorization server must know) exists before the server,
// which needs the authorization server's issuer.
func listenMCP(t testing.TB) (net.Listener, *mcpServer) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() }) // when the test ends before serving
	base := "http://" + ln.Addr().String()
	return ln, &mcpServer{base: base, resource: base + mcpPath}
}

// startMCPServer serves on ln an MCP server (the official Go SDK, streamable
// HTTP at POST /mcp) behind chiauth, configured as examples/mcp is:
// AXIOMS_ISS_URL = issuer and AXIOMS_AUDIENCE = its URL + /mcp, the key set
// found by discovery.
func startMCPServer(t testing.TB, ln net.Listener, s *mcpServer, issuer string) {
	t.Helper()
	env := map[string]string{"AXIOMS_ISS_URL": issuer, "AXIOMS_AUDIENCE": s.resource}
	cfg, err := core.ConfigFromLookup(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	require.NoError(t, err)
	v := newVerifier(t, cfg)
	doc := v.ProtectedResource()
	doc.ScopesSupported = mcpScopes
	meta, err := core.NewResourceMetadata(doc, s.base)
	require.NoError(t, err)

	server := newMCPServer()
	r := chi.NewRouter()
	r.Method(http.MethodGet, mcpMetadataPath, chiauth.MetadataHandler(meta))
	// Stopgap: today's challenges point to the root document; both serve it.
	r.Method(http.MethodGet, core.ProtectedResourcePath, chiauth.MetadataHandler(meta))
	r.With(
		chiauth.Middleware(v, chiauth.WithResourceMetadata(meta), chiauth.WithErrorHandler(challengeToolsScope)),
		requireMCPScopes,
	).Handle(mcpPath, mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return server }, nil))

	srv := &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if srv.Shutdown(ctx) != nil {
			_ = srv.Close() // a client's standalone SSE stream may still be open
		}
		<-served
	})
}

// newMCPServer has the tools, resource template and prompt of §10.
func newMCPServer() *mcp.Server {
	s := mcp.NewServer(&mcp.Implementation{Name: "axioms-interop-mcp", Version: "v0.0.0"}, nil)
	type echoIn struct {
		Text string `json:"text"`
	}
	mcp.AddTool(s, &mcp.Tool{Name: "echo", Description: "returns its text"},
		func(_ context.Context, _ *mcp.CallToolRequest, in echoIn) (*mcp.CallToolResult, any, error) {
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: in.Text}}}, nil, nil
		})
	mcp.AddTool(s, &mcp.Tool{Name: "admin_reset", Description: "resets nothing (needs mcp:admin)"},
		func(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, any, error) {
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "reset"}}}, nil, nil
		})
	s.AddResourceTemplate(&mcp.ResourceTemplate{Name: "note", URITemplate: "notes://{id}", MIMEType: "text/plain"},
		func(_ context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
			id := strings.TrimPrefix(req.Params.URI, "notes://")
			return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{
				{URI: req.Params.URI, MIMEType: "text/plain", Text: "note " + id},
			}}, nil
		})
	s.AddPrompt(&mcp.Prompt{Name: "summary", Description: "asks for a summary"},
		func(context.Context, *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			return &mcp.GetPromptResult{Messages: []*mcp.PromptMessage{
				{Role: "user", Content: &mcp.TextContent{Text: "Summarize the notes."}},
			}}, nil
		})
	return s
}

// maxMCPBody bounds the JSON-RPC body requireMCPScopes reads.
const maxMCPBody = 1 << 20

// requireMCPScopes is the stopgap per-request policy (core/mcp's middleware
// replaces it): it reads the JSON-RPC message or batch of a POST and
// requires every scope its requests need (the union over a batch, one
// AllScopes policy, so one 403 names them all). A body it cannot read
// exactly (not JSON, trailing data, too large) is refused with 400. Keys
// are matched exactly (maps, not struct fields, which encoding/json would
// match case-insensitively); repeated keys are not detected here.
func requireMCPScopes(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxMCPBody))
		if err != nil {
			http.Error(w, "request body too large or unreadable", http.StatusBadRequest)
			return
		}
		scopes, err := jsonrpcScopes(body)
		if err != nil {
			http.Error(w, "malformed JSON-RPC body", http.StatusBadRequest)
			return
		}
		if len(scopes) > 0 && !chiauth.Authorize(w, r, core.AllScopes(scopes...)) {
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}

// jsonrpcScopes returns the scopes the JSON-RPC message or batch in body
// needs, in order of first appearance.
func jsonrpcScopes(body []byte) ([]string, error) {
	var msgs []map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if b := bytes.TrimLeft(body, " \t\r\n"); len(b) > 0 && b[0] == '[' {
		if err := dec.Decode(&msgs); err != nil {
			return nil, err
		}
	} else {
		var msg map[string]json.RawMessage
		if err := dec.Decode(&msg); err != nil {
			return nil, err
		}
		msgs = append(msgs, msg)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("trailing data after the JSON value")
	}
	var scopes []string
	for _, msg := range msgs {
		var method string
		var params map[string]json.RawMessage
		if raw, ok := msg["method"]; ok {
			if err := json.Unmarshal(raw, &method); err != nil {
				return nil, err
			}
		}
		if raw, ok := msg["params"]; ok && string(raw) != "null" {
			if err := json.Unmarshal(raw, &params); err != nil {
				return nil, err
			}
		}
		var name string
		if raw, ok := params["name"]; ok {
			if err := json.Unmarshal(raw, &name); err != nil {
				return nil, err
			}
		}
		for _, s := range mcpOperationScopes(method, name) {
			if !slices.Contains(scopes, s) {
				scopes = append(scopes, s)
			}
		}
	}
	return scopes, nil
}

// challengeToolsScope is the stopgap for scope on 401s (behaviour.md §10:
// the 401 without credentials carries scope="mcp:tools"): it writes core's
// standard 401 with that parameter added. Every other refusal gets the
// standard answer.
func challengeToolsScope(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, core.ErrNoCredentials) {
		chiauth.WriteError(scopedChallenge{w}, r, err)
	}
}

// scopedChallenge adds scope="mcp:tools" to the challenge of a 401.
type scopedChallenge struct{ http.ResponseWriter }

func (s scopedChallenge) WriteHeader(code int) {
	if h := s.Header(); code == http.StatusUnauthorized && h.Get("WWW-Authenticate") != "" {
		h.Set("WWW-Authenticate", h.Get("WWW-Authenticate")+`, scope="mcp:tools"`)
	}
	s.ResponseWriter.WriteHeader(code)
}
