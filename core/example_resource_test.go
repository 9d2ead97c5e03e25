package core_test

import (
	"fmt"

	"github.com/axiomsgo/axioms/core"
)

// Publish RFC 9728 metadata: the document served at m.Path() (the
// path-inserted URL for a resource with a path), and the resource_metadata
// parameter added to every challenge. Adapters do this with WithResourceMetadata and
// MetadataHandler.
func ExampleNewResourceMetadata() {
	keys := core.NewStaticKeySet() // no keys: this example verifies no token
	v, err := core.NewVerifier(core.Config{
		Audiences: []string{"https://mcp.example.com/mcp"},
		Issuer:    "https://issuer.example.com",
		KeySet:    keys, // in production: the issuer's JWKS, fetched by the verifier
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer v.Close()

	doc := v.ProtectedResource() // resource, authorization_servers, bearer_methods_supported
	doc.ScopesSupported = []string{"mcp:tools"}
	doc.ResourceName = "Example MCP server"
	m, err := core.NewResourceMetadata(doc, "https://mcp.example.com") // "" derives the URL from each request
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Path())
	fmt.Println(string(m.Document()))

	g := core.NewGuard(v, core.GuardOptions{ResourceMetadata: m})      // what an adapter's Middleware builds
	resp := g.Response(core.ErrNoCredentials, true, "mcp.example.com") // TLS, Host header
	fmt.Println(resp.Status, resp.WWWAuthenticate)
	// Output:
	// /.well-known/oauth-protected-resource/mcp
	// {"resource":"https://mcp.example.com/mcp","authorization_servers":["https://issuer.example.com"],"scopes_supported":["mcp:tools"],"bearer_methods_supported":["header"],"resource_name":"Example MCP server"}
	// 401 Bearer realm="api", scope="mcp:tools", resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp"
}
