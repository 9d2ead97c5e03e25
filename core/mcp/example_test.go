package mcp_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/axiomsgo/axioms/adapters/httpauth"
	"github.com/axiomsgo/axioms/authtest"
	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/core/mcp"
)

// Protect an MCP endpoint: the token is verified by httpauth.Middleware,
// the operation's scopes by the Authorizer's Middleware.
func ExampleAuthorizer_Middleware() {
	iss, _ := authtest.NewIssuer(authtest.WithAlgorithm("ES256"))
	defer iss.Close()
	v, err := core.NewVerifier(iss.Config())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer v.Close()
	a, err := mcp.New(mcp.Rules{
		Methods: map[string][]string{mcp.MethodCallTool: {"mcp:tools"}},
		Tools:   map[string][]string{"echo": nil, "admin_reset": {"mcp:admin"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	mcpServer := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ran") })
	srv := httptest.NewServer(httpauth.Middleware(v)(a.Middleware()(mcpServer)))
	defer srv.Close()

	token, _ := iss.Token("alice", authtest.Scopes("mcp:tools"))
	for _, tool := range []string{"echo", "admin_reset"} {
		body := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"` + tool + `"}}`
		req, _ := http.NewRequest("POST", srv.URL, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := srv.Client().Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(tool, resp.StatusCode, string(out))
		if c := resp.Header.Get("WWW-Authenticate"); c != "" {
			fmt.Println(c)
		}
	}
	// Output:
	// echo 200 ran
	// admin_reset 403 {"error":"insufficient_scope","error_description":"insufficient scope"}
	// Bearer realm="api", error="insufficient_scope", error_description="insufficient scope", scope="mcp:tools mcp:admin"
}

// Scopes tells what a body needs; a body JSON readers could take differently
// is refused.
func ExampleAuthorizer_Scopes() {
	a, _ := mcp.New(mcp.Rules{Prompts: map[string][]string{"summary": {"mcp:prompts"}}})
	for _, body := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"prompts/get","params":{"name":"summary"}}`,
		`{"jsonrpc":"2.0","id":1,"method":"ping","Method":"prompts/get"}`,
	} {
		scopes, err := a.Scopes([]byte(body))
		fmt.Println(scopes, err)
	}
	// Output:
	// [mcp:prompts] <nil>
	// [] invalid request: mcp: invalid JSON-RPC body
}
