package examples_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axiomsgo/axioms/authtest"
	"github.com/axiomsgo/axioms/core"
)

// The MCP example (examples/mcp) is checked here against every line of
// behaviour contract §10, over HTTP and with the official Go SDK client.

var allMCPScopes = []string{"mcp:admin", "mcp:prompts", "mcp:resources", "mcp:tools"}

// startMCP runs examples/mcp against iss, with PUBLIC_URL the URL it
// listens at and AXIOMS_AUDIENCE=$PUBLIC_URL/mcp, and returns PUBLIC_URL.
func startMCP(t *testing.T, iss *authtest.Issuer) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	public := "http://" + addr
	startServer(t, binary(t, "mcp"), []string{
		"ADDR=" + addr, "PUBLIC_URL=" + public, "AXIOMS_AUDIENCE=" + public + "/mcp",
		"AXIOMS_ISS_URL=" + iss.URL(), "AXIOMS_JWKS_URL=" + iss.JWKSURL(),
	})
	return public
}

func rpc(method, params string) string {
	return `{"jsonrpc":"2.0","id":1,"method":"` + method + `","params":` + params + `}`
}

func TestMCPServer(t *testing.T) {
	t.Parallel()
	iss := authtest.NewTestIssuer(t)
	public := startMCP(t, iss)
	aud := public + "/mcp"
	metadataURL := public + core.ProtectedResourcePath + "/mcp"
	client := newClient(t)
	token := func(scopes ...string) string {
		return iss.MustToken(t, "alice", authtest.Audience(aud), authtest.Scopes(scopes...))
	}
	post := func(tok, body string) (int, http.Header, string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, aud, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := client.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, resp.Header, string(b)
	}

	t.Run("metadata at the path-inserted URL", func(t *testing.T) {
		status, _, body := send(t, client, http.MethodGet, metadataURL, "")
		require.Equal(t, http.StatusOK, status)
		var doc struct {
			Resource             string   `json:"resource"`
			AuthorizationServers []string `json:"authorization_servers"`
			ScopesSupported      []string `json:"scopes_supported"`
		}
		require.NoError(t, json.Unmarshal([]byte(body), &doc))
		assert.Equal(t, aud, doc.Resource)
		assert.Equal(t, []string{iss.URL()}, doc.AuthorizationServers)
		assert.ElementsMatch(t, allMCPScopes, doc.ScopesSupported)
	})

	t.Run("401 without credentials", func(t *testing.T) {
		status, h, _ := post("", rpc("initialize", `{}`))
		assert.Equal(t, http.StatusUnauthorized, status)
		challenge := h.Get("WWW-Authenticate")
		assert.NotContains(t, challenge, "error=")
		assert.Contains(t, challenge, `resource_metadata="`+metadataURL+`"`)
		assert.Contains(t, challenge, `scope="mcp:tools"`, "the 401 names the scope to ask for first, not every scope the metadata lists")
	})

	t.Run("403 names every scope the operation needs", func(t *testing.T) {
		batch := "[" + rpc("tools/call", `{"name":"echo","arguments":{"text":"x"}}`) + "," + rpc("prompts/get", `{"name":"summary"}`) + "]"
		for _, tt := range []struct{ name, token, body, scope string }{
			{"echo", token(), rpc("tools/call", `{"name":"echo","arguments":{"text":"x"}}`), "mcp:tools"},
			{"admin_reset", token("mcp:tools"), rpc("tools/call", `{"name":"admin_reset","arguments":{}}`), "mcp:tools mcp:admin"},
			{"notes", token("mcp:tools"), rpc("resources/read", `{"uri":"notes://1"}`), "mcp:resources"},
			{"summary", token("mcp:tools"), rpc("prompts/get", `{"name":"summary"}`), "mcp:prompts"},
			{"batch union", token(), batch, "mcp:tools mcp:prompts"},
		} {
			status, h, _ := post(tt.token, tt.body)
			assert.Equal(t, http.StatusForbidden, status, tt.name)
			challenge := h.Get("WWW-Authenticate")
			assert.Equal(t, 1, strings.Count(challenge, "Bearer "), "%s: one challenge: %s", tt.name, challenge)
			assert.Contains(t, challenge, `error="insufficient_scope"`, tt.name)
			assert.Contains(t, challenge, `scope="`+tt.scope+`"`, tt.name)
			assert.Contains(t, challenge, `resource_metadata="`+metadataURL+`"`, tt.name)
		}
	})

	t.Run("400 for a body JSON readers could take differently", func(t *testing.T) {
		tok := token("mcp:tools")
		for name, body := range map[string]string{
			"repeated key":    `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","name":"admin_reset"}}`,
			"case variant":    `{"jsonrpc":"2.0","id":1,"method":"ping","Method":"tools/call","params":{"name":"admin_reset"}}`,
			"trailing data":   rpc("ping", `{}`) + rpc("tools/call", `{"name":"admin_reset"}`),
			"trailing junk":   rpc("ping", `{}`) + "]",
			"repeated method": `{"jsonrpc":"2.0","id":1,"method":"tools/call","method":"ping","params":{"name":"admin_reset"}}`,
		} {
			status, h, _ := post(tok, body)
			assert.Equal(t, http.StatusBadRequest, status, name)
			assert.Contains(t, h.Get("WWW-Authenticate"), `error="invalid_request"`, name)
		}
	})

	t.Run("the Go SDK client", func(t *testing.T) {
		ctx := context.Background()
		connect := func(tok string) *mcp.ClientSession {
			hc := &http.Client{Transport: bearer{tok, http.DefaultTransport}}
			c := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "v0"}, nil)
			s, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: aud, HTTPClient: hc, DisableStandaloneSSE: true}, nil)
			require.NoError(t, err)
			t.Cleanup(func() { _ = s.Close() })
			return s
		}
		all := connect(token(allMCPScopes...))
		tools, err := all.ListTools(ctx, nil)
		require.NoError(t, err)
		assert.Len(t, tools.Tools, 2)
		res, err := all.CallTool(ctx, &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"text": "hello"}})
		require.NoError(t, err)
		require.Len(t, res.Content, 1)
		assert.Equal(t, "hello", res.Content[0].(*mcp.TextContent).Text)
		res, err = all.CallTool(ctx, &mcp.CallToolParams{Name: "admin_reset", Arguments: map[string]any{}})
		require.NoError(t, err)
		assert.False(t, res.IsError)
		note, err := all.ReadResource(ctx, &mcp.ReadResourceParams{URI: "notes://7"})
		require.NoError(t, err)
		assert.Equal(t, "note notes://7", note.Contents[0].Text)
		prompt, err := all.GetPrompt(ctx, &mcp.GetPromptParams{Name: "summary"})
		require.NoError(t, err)
		assert.Len(t, prompt.Messages, 1)
		require.NoError(t, all.Ping(ctx, nil))

		bare := connect(token()) // initialize, ping and the list methods need a valid token only
		require.NoError(t, bare.Ping(ctx, nil))
		_, err = bare.ListTools(ctx, nil)
		require.NoError(t, err)
		_, err = bare.ListResourceTemplates(ctx, nil)
		require.NoError(t, err)
		_, err = bare.ListPrompts(ctx, nil)
		require.NoError(t, err)
		_, err = bare.CallTool(ctx, &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"text": "x"}})
		assert.Error(t, err, "403 without mcp:tools")
	})
}

// TestMCPDevelopmentMode starts examples/mcp without an issuer: it trusts
// the development issuer and prints tokens that reach the endpoint.
func TestMCPDevelopmentMode(t *testing.T) {
	t.Parallel()
	srv := startServer(t, binary(t, "mcp"), nil)
	assert.Contains(t, srv.banner, "DEVELOPMENT ONLY")
	m := regexp.MustCompile(`Bearer ([A-Za-z0-9._~+/=-]+)'`).FindStringSubmatch(srv.banner)
	require.NotNil(t, m, srv.banner)
	client := newClient(t)
	req, err := http.NewRequest(http.MethodPost, srv.url+"/mcp", strings.NewReader(rpc("tools/call", `{"name":"echo"}`)))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+m[1])
	resp, err := client.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "the persona tokens carry no mcp:* scope")
	status, _, _ := send(t, client, http.MethodGet, srv.url+core.ProtectedResourcePath, "")
	assert.Equal(t, http.StatusOK, status, "the development audience has no path: metadata at the root")
}

// bearer adds a bearer token to every request.
type bearer struct {
	token string
	next  http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.next.RoundTrip(r)
}
