package mcp_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axiomsgo/axioms/adapters/httpauth"
	"github.com/axiomsgo/axioms/authtest"
	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/core/mcp"
)

var testRules = mcp.Rules{
	Methods:   map[string][]string{"tools/call": {"mcp:tools"}},
	Tools:     map[string][]string{"echo": nil, "admin_reset": {"mcp:admin"}},
	Resources: map[string][]string{"notes://{id}": {"mcp:resources"}, "notes://secret": {"mcp:secret"}},
	Prompts:   map[string][]string{"summary": {"mcp:prompts"}},
}

// server runs the rules behind httpauth.Middleware in front of a handler
// that echoes the body it receives.
func server(t *testing.T, r mcp.Rules) (*httptest.Server, *authtest.Issuer) {
	t.Helper()
	iss := authtest.NewTestIssuer(t)
	v, err := core.NewVerifier(iss.Config())
	require.NoError(t, err)
	t.Cleanup(func() { _ = v.Close() })
	a, err := mcp.New(r)
	require.NoError(t, err)
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		_, _ = w.Write(b)
	})
	srv := httptest.NewServer(httpauth.Middleware(v)(a.Middleware()(echo)))
	t.Cleanup(srv.Close)
	return srv, iss
}

func post(t *testing.T, srv *httptest.Server, token, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(body))
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(b)
}

func call(method, params string) string {
	return `{"jsonrpc":"2.0","id":1,"method":"` + method + `","params":` + params + `}`
}

func TestMiddleware(t *testing.T) {
	srv, iss := server(t, testRules)
	tests := []struct {
		name      string
		scopes    []string
		body      string
		status    int
		wantScope string // the scope parameter of a 403
	}{
		{"initialize needs a token only", nil, call("initialize", `{}`), 200, ""},
		{"notification", nil, `{"jsonrpc":"2.0","method":"notifications/initialized"}`, 200, ""},
		{"response to the server", nil, `{"jsonrpc":"2.0","id":7,"result":{}}`, 200, ""},
		{"echo with mcp:tools", []string{"mcp:tools"}, call("tools/call", `{"name":"echo","arguments":{"text":"hi"}}`), 200, ""},
		{"echo without", []string{"mcp:admin"}, call("tools/call", `{"name":"echo"}`), 403, "mcp:tools"},
		{"admin_reset names both", []string{"mcp:tools"}, call("tools/call", `{"name":"admin_reset"}`), 403, "mcp:tools mcp:admin"},
		{"admin_reset with both", []string{"mcp:tools", "mcp:admin"}, call("tools/call", `{"name":"admin_reset"}`), 200, ""},
		{"unknown tool", []string{"mcp:tools", "mcp:admin"}, call("tools/call", `{"name":"Echo"}`), 403, ""},
		{"template", []string{"mcp:resources"}, call("resources/read", `{"uri":"notes://42"}`), 200, ""},
		{"template without", nil, call("resources/read", `{"uri":"notes://42"}`), 403, "mcp:resources"},
		{"exact and template both apply", []string{"mcp:resources"}, call("resources/read", `{"uri":"notes://secret"}`), 403, "mcp:secret mcp:resources"},
		{"no template matches", []string{"mcp:resources"}, call("resources/read", `{"uri":"notes://a/b"}`), 403, ""},
		{"prompt", []string{"mcp:prompts"}, call("prompts/get", `{"name":"summary"}`), 200, ""},
		{"prompt without", nil, call("prompts/get", `{"name":"summary"}`), 403, "mcp:prompts"},
		{"batch union", []string{"mcp:tools"}, "[" + call("tools/call", `{"name":"echo"}`) + "," + call("prompts/get", `{"name":"summary"}`) + "]", 403, "mcp:tools mcp:prompts"},
		{"batch allowed", []string{"mcp:tools", "mcp:prompts"}, "[" + call("tools/call", `{"name":"echo"}`) + "," + call("prompts/get", `{"name":"summary"}`) + "]", 200, ""},
		{"repeated method", []string{"mcp:tools"}, `{"jsonrpc":"2.0","id":1,"method":"ping","method":"tools/call","params":{"name":"admin_reset"}}`, 400, ""},
		{"repeated name", []string{"mcp:tools"}, call("tools/call", `{"name":"echo","name":"admin_reset"}`), 400, ""},
		{"case variant of method", []string{"mcp:tools"}, `{"jsonrpc":"2.0","id":1,"Method":"tools/call","params":{"name":"admin_reset"}}`, 400, ""},
		{"case variant of name", []string{"mcp:tools"}, call("tools/call", `{"name":"echo","NAME":"admin_reset"}`), 400, ""},
		{"Kelvin sign variant", []string{"mcp:tools"}, call("tools/call", `{"name":"echo","arguments":{"k":1,"\u212a":2}}`), 400, ""},
		{"trailing data", []string{"mcp:tools"}, call("tools/call", `{"name":"echo"}`) + call("tools/call", `{"name":"admin_reset"}`), 400, ""},
		{"trailing garbage", nil, call("ping", `{}`) + "x", 400, ""},
		{"empty batch", nil, `[]`, 400, ""},
		{"empty body", nil, ``, 400, ""},
		{"not an object", nil, `"ping"`, 400, ""},
		{"null method", nil, `{"jsonrpc":"2.0","id":1,"method":null}`, 400, ""},
		{"tool name not a string", []string{"mcp:tools"}, call("tools/call", `{"name":["echo"]}`), 400, ""},
		{"params missing", []string{"mcp:tools"}, `{"jsonrpc":"2.0","id":1,"method":"tools/call"}`, 400, ""},
		{"invalid UTF-8", nil, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"x\":\"\xff\"}", 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token := iss.MustToken(t, "alice", authtest.Scopes(tt.scopes...))
			resp, body := post(t, srv, token, tt.body)
			assert.Equal(t, tt.status, resp.StatusCode, body)
			challenge := resp.Header.Get("WWW-Authenticate")
			switch tt.status {
			case 200:
				assert.Equal(t, tt.body, body, "the body reaches the handler unchanged")
			case 400:
				assert.Contains(t, challenge, `error="invalid_request"`)
			case 403:
				assert.Contains(t, challenge, `error="insufficient_scope"`)
				if tt.wantScope == "" {
					assert.NotContains(t, challenge, "scope=")
				} else {
					assert.Contains(t, challenge, `scope="`+tt.wantScope+`"`)
					assert.Equal(t, 1, strings.Count(challenge, "Bearer"), "one challenge")
				}
			}
		})
	}
}

func TestMiddlewareWithoutToken(t *testing.T) {
	srv, _ := server(t, testRules)
	for _, body := range []string{call("initialize", `{}`), `{"method":"x","method":"y"}`, strings.Repeat("x", mcp.DefaultMaxBodyBytes+1)} {
		resp, _ := post(t, srv, "", body)
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
		assert.Equal(t, `Bearer realm="api"`, resp.Header.Get("WWW-Authenticate"))
	}
}

func TestMiddlewareBodyCap(t *testing.T) {
	srv, iss := server(t, mcp.Rules{MaxBodyBytes: 64})
	token := iss.MustToken(t, "alice")
	ping := call("ping", `{}`)
	resp, _ := post(t, srv, token, ping+strings.Repeat(" ", 64-len(ping)))
	assert.Equal(t, http.StatusOK, resp.StatusCode, "exactly the cap")
	resp, body := post(t, srv, token, ping+strings.Repeat(" ", 65-len(ping)))
	assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	assert.Empty(t, resp.Header.Get("WWW-Authenticate"))
	assert.JSONEq(t, `{"error":"invalid_request","error_description":"request body too large"}`, body)

	// Without Content-Length (chunked), the cap holds the same way.
	req, err := http.NewRequest(http.MethodPost, srv.URL, io.MultiReader(strings.NewReader(ping), bytes.NewReader(make([]byte, 100))))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	r2, err := srv.Client().Do(req)
	require.NoError(t, err)
	r2.Body.Close()
	assert.Equal(t, http.StatusRequestEntityTooLarge, r2.StatusCode)
}

func TestMiddlewareOtherMethods(t *testing.T) {
	srv, iss := server(t, mcp.Rules{Default: []string{"mcp:basic"}})
	for _, tt := range []struct {
		scopes []string
		status int
	}{{nil, 403}, {[]string{"mcp:basic"}, 200}} {
		req, err := http.NewRequest(http.MethodGet, srv.URL, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+iss.MustToken(t, "alice", authtest.Scopes(tt.scopes...)))
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, tt.status, resp.StatusCode)
	}
}

func TestNew(t *testing.T) {
	for _, tt := range []struct {
		name  string
		rules mcp.Rules
	}{
		{"empty scope", mcp.Rules{Default: []string{""}}},
		{"space in scope", mcp.Rules{Tools: map[string][]string{"a": {"a b"}}}},
		{"quote in scope", mcp.Rules{Prompts: map[string][]string{"a": {`a"`}}}},
		{"backslash in scope", mcp.Rules{Methods: map[string][]string{"a": {`a\`}}}},
		{"non-ASCII scope", mcp.Rules{Methods: map[string][]string{"a": {"é"}}}},
		{"unbalanced open", mcp.Rules{Resources: map[string][]string{"notes://{id": nil}}},
		{"unbalanced close", mcp.Rules{Resources: map[string][]string{"notes://id}": nil}}},
		{"operator", mcp.Rules{Resources: map[string][]string{"notes://{+id}": nil}}},
		{"empty expression", mcp.Rules{Resources: map[string][]string{"notes://{}": nil}}},
		{"list", mcp.Rules{Resources: map[string][]string{"notes://{a,b}": nil}}},
		{"negative cap", mcp.Rules{MaxBodyBytes: -1}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := mcp.New(tt.rules)
			assert.ErrorIs(t, err, core.ErrConfig)
		})
	}
}

func TestTemplates(t *testing.T) {
	a, err := mcp.New(mcp.Rules{Resources: map[string][]string{
		"file:///{dir}/{name}.txt": {"files"},
		"notes://{id}":             {"notes"},
	}})
	require.NoError(t, err)
	for uri, want := range map[string]error{
		"notes://42":               nil,
		"notes://a-b.c_d~e%2F":     nil,
		"notes://":                 nil,
		"notes://a/b":              mcp.ErrUnknownOperation,
		"notes://a?b":              mcp.ErrUnknownOperation,
		"NOTES://42":               mcp.ErrUnknownOperation,
		"notes://%zz":              mcp.ErrUnknownOperation,
		"file:///docs/readme.txt":  nil,
		"file:///docs/readme.md":   mcp.ErrUnknownOperation,
		"file:///a/b/readme.txt":   mcp.ErrUnknownOperation,
		"xnotes://42":              mcp.ErrUnknownOperation,
		"file:///docs/readme.txtx": mcp.ErrUnknownOperation,
	} {
		_, err := a.Scopes([]byte(call("resources/read", `{"uri":"`+uri+`"}`)))
		if want == nil {
			assert.NoError(t, err, uri)
		} else {
			assert.ErrorIs(t, err, want, uri)
		}
	}
}

func TestScopesAndPolicy(t *testing.T) {
	a, err := mcp.New(testRules)
	require.NoError(t, err)
	assert.Equal(t, []string{"mcp:admin", "mcp:prompts", "mcp:resources", "mcp:secret", "mcp:tools"}, a.ScopesSupported())

	scopes, err := a.Scopes([]byte(call("tools/call", `{"name":"admin_reset"}`)))
	require.NoError(t, err)
	assert.Equal(t, []string{"mcp:tools", "mcp:admin"}, scopes)

	_, err = a.Policy([]byte(`{"method":"a","Method":"b"}`))
	assert.ErrorIs(t, err, mcp.ErrInvalidBody)
	assert.ErrorIs(t, err, core.ErrInvalidRequest)

	p, err := a.Policy([]byte(call("tools/call", `{"name":"nope"}`)))
	require.NoError(t, err)
	assert.ErrorIs(t, p.Check("POST", nil), core.ErrNoCredentials)
	assert.True(t, errors.Is(mcp.ErrUnknownOperation, core.ErrInsufficientScope))
}
