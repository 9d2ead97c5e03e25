package httpauth_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/axiomsgo/axioms/adapters/httpauth"
	"github.com/axiomsgo/axioms/authtest"
	"github.com/axiomsgo/axioms/core"
)

// Protect routes of a standard http.ServeMux: Middleware authenticates,
// Require adds a route's policy, Claims reads the verified token.
func ExampleMiddleware() {
	iss, _ := authtest.NewIssuer(authtest.WithAlgorithm("ES256")) // development issuer on loopback
	defer iss.Close()
	v, err := core.NewVerifier(iss.Config()) // in production: core.ConfigFromEnv()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer v.Close()

	auth := httpauth.Middleware(v)
	mux := http.NewServeMux()
	mux.Handle("GET /api/read", auth(httpauth.Require(core.AnyScope("read:data"))(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			claims, _ := httpauth.Claims(r)
			fmt.Fprintf(w, "hello %s", claims.Subject())
		}))))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	for _, scope := range []string{"read:data", "write:data"} {
		token, err := iss.Token("alice", authtest.Scopes(scope))
		if err != nil {
			fmt.Println(err)
			return
		}
		req, _ := http.NewRequest("GET", srv.URL+"/api/read", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := srv.Client().Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(resp.StatusCode, string(body))
		if challenge := resp.Header.Get("WWW-Authenticate"); challenge != "" {
			fmt.Println(challenge)
		}
	}
	// Output:
	// 200 hello alice
	// 403 {"error":"insufficient_scope","error_description":"insufficient scope"}
	// Bearer realm="api", error="insufficient_scope", error_description="insufficient scope", scope="read:data"
}

// Protect an MCP-style endpoint (MCP authorization, RFC 9728): POST /mcp
// needs a token issued for this server with scope mcp:tools, the metadata
// document tells clients which authorization server issues it, and every
// challenge points to that document.
func ExampleMetadataHandler() {
	// The audience is the MCP server's canonical URL (RFC 8707 resource).
	iss, _ := authtest.NewIssuer(authtest.WithAlgorithm("ES256"), authtest.WithAudience("https://mcp.example.com/mcp"))
	defer iss.Close()
	v, err := core.NewVerifier(iss.Config()) // in production: core.ConfigFromEnv()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer v.Close()

	doc := v.ProtectedResource() // resource: the audience; authorization_servers: the issuer
	doc.ScopesSupported = []string{"mcp:tools"}
	doc.ResourceName = "Example MCP server"
	m, err := core.NewResourceMetadata(doc, "https://mcp.example.com") // the public URL; "" derives it per request
	if err != nil {
		fmt.Println(err)
		return
	}

	mux := http.NewServeMux()
	mux.Handle("GET "+m.Path(), httpauth.MetadataHandler(m)) // public
	auth := httpauth.Middleware(v, httpauth.WithResourceMetadata(m))
	mux.Handle("POST /mcp", auth(httpauth.Require(core.AnyScope("mcp:tools"))(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"jsonrpc":"2.0","id":1,"result":{"tools":[]}}`)
		}))))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	call := func(method, path, token string) (*http.Response, string) {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			panic(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, string(body)
	}

	// 1. The client calls without a token and learns where the metadata is.
	resp, _ := call("POST", "/mcp", "")
	fmt.Println(resp.StatusCode, resp.Header.Get("WWW-Authenticate"))

	// 2. It reads the document: which resource, which authorization server.
	_, body := call("GET", m.Path(), "")
	var meta core.ProtectedResource
	_ = json.Unmarshal([]byte(body), &meta)
	fmt.Println(meta.Resource, meta.AuthorizationServers[0] == iss.URL(), meta.ScopesSupported)

	// 3. With a token for this resource and scope, the call goes through.
	token, _ := iss.Token("alice", authtest.Scopes("mcp:tools"))
	resp, body = call("POST", "/mcp", token)
	fmt.Println(resp.StatusCode, body)

	// 4. A token without the scope is refused with the scope to ask for.
	token, _ = iss.Token("alice", authtest.Scopes("profile"))
	resp, _ = call("POST", "/mcp", token)
	fmt.Println(resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	// Output:
	// 401 Bearer realm="api", scope="mcp:tools", resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp"
	// https://mcp.example.com/mcp true [mcp:tools]
	// 200 {"jsonrpc":"2.0","id":1,"result":{"tools":[]}}
	// 403 Bearer realm="api", error="insufficient_scope", error_description="insufficient scope", scope="mcp:tools", resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp"
}

// Pick a route's policy from the request, as an MCP server picks it from
// the operation: RequireFunc adds it to the route's static policies, and a
// refusal names every scope the operation needs.
func ExampleRequireFunc() {
	iss, _ := authtest.NewIssuer(authtest.WithAlgorithm("ES256"))
	defer iss.Close()
	v, err := core.NewVerifier(iss.Config())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer v.Close()

	needs := map[string]core.Policy{
		"echo":        core.AllScopes("mcp:tools"),
		"admin_reset": core.And(core.AllScopes("mcp:tools"), core.AllScopes("mcp:admin")),
	}
	byTool := httpauth.RequireFunc(func(r *http.Request) core.Policy {
		if p, ok := needs[r.URL.Query().Get("tool")]; ok {
			return p
		}
		return core.ByMethod(nil) // an unknown tool: refused
	})
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "done") })
	srv := httptest.NewServer(httpauth.Middleware(v)(byTool(ok)))
	defer srv.Close()

	token, _ := iss.Token("alice", authtest.Scopes("mcp:tools"))
	for _, tool := range []string{"echo", "admin_reset"} {
		req, _ := http.NewRequest("POST", srv.URL+"/?tool="+tool, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := srv.Client().Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		resp.Body.Close()
		fmt.Println(strings.TrimSpace(fmt.Sprint(tool, " ", resp.StatusCode, " ", resp.Header.Get("WWW-Authenticate"))))
	}
	// Output:
	// echo 200
	// admin_reset 403 Bearer realm="api", error="insufficient_scope", error_description="insufficient scope", scope="mcp:tools mcp:admin"
}
