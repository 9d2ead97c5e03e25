package mcpsdkauth_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axiomsgo/axioms/adapters/httpauth"
	"github.com/axiomsgo/axioms/authtest"
	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/mcpsdkauth"
)

// whoami answers the subject and scopes the handler sees.
func whoami(_ context.Context, req *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, any, error) {
	text := "anonymous"
	if c, ok := mcpsdkauth.Claims(req.Extra); ok {
		text = c.Subject() + " " + strings.Join(req.Extra.TokenInfo.Scopes, ",")
	}
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: text}}}, nil, nil
}

type bearer struct{ token string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

func TestToolHandlerSeesClaims(t *testing.T) {
	iss := authtest.NewTestIssuer(t)
	v, err := core.NewVerifier(iss.Config())
	require.NoError(t, err)
	t.Cleanup(func() { _ = v.Close() })
	s := mcp.NewServer(&mcp.Implementation{Name: "test", Version: "v0"}, nil)
	mcp.AddTool(s, &mcp.Tool{Name: "whoami"}, whoami)
	sdk := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, nil)
	srv := httptest.NewServer(httpauth.Middleware(v)(mcpsdkauth.TokenInfo()(sdk)))
	t.Cleanup(srv.Close)

	ctx := context.Background()
	client := mcp.NewClient(&mcp.Implementation{Name: "client", Version: "v0"}, nil)
	token := iss.MustToken(t, "alice", authtest.Scopes("mcp:tools", "mcp:admin"))
	session, err := client.Connect(ctx, &mcp.StreamableClientTransport{
		Endpoint: srv.URL, HTTPClient: &http.Client{Transport: bearer{token}}, DisableStandaloneSSE: true,
	}, nil)
	require.NoError(t, err)
	defer session.Close()
	res, err := session.CallTool(ctx, &mcp.CallToolParams{Name: "whoami", Arguments: map[string]any{}})
	require.NoError(t, err)
	require.Len(t, res.Content, 1)
	assert.Equal(t, "alice mcp:tools,mcp:admin", res.Content[0].(*mcp.TextContent).Text)

	// Another user's token on alice's session is refused by the SDK.
	bob := iss.MustToken(t, "bob")
	req, err := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(`{"jsonrpc":"2.0","id":9,"method":"ping"}`))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+bob)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Mcp-Session-Id", session.ID())
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
}

func TestWithoutVerifiedClaims(t *testing.T) {
	h := mcpsdkauth.TokenInfo()(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { t.Error("reached the MCP server") }))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	req, err := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(`{}`))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer unverified")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
}

func TestClaimsWithout(t *testing.T) {
	_, ok := mcpsdkauth.Claims(nil)
	assert.False(t, ok)
	_, ok = mcpsdkauth.Claims(&mcp.RequestExtra{})
	assert.False(t, ok)
}
