package core_test

import (
	"fmt"

	"github.com/axiomsgo/axioms/core"
)

// Let browser-based clients read the metadata across origins. Every
// adapter's MetadataHandler calls SetCORSHeaders as below; register it for
// OPTIONS as well as GET.
func ExampleResourceMetadata_WithCORS() {
	m, err := core.NewResourceMetadata(core.ProtectedResource{
		Resource:             "https://mcp.example.com/mcp",
		AuthorizationServers: []string{"https://issuer.example.com"},
	}, "https://mcp.example.com")
	if err != nil {
		fmt.Println(err)
		return
	}
	m = m.WithCORS()
	show := func(name, value string) { fmt.Printf("  %s: %s\n", name, value) }

	fmt.Println("GET", m.Path())
	m.SetCORSHeaders("GET", show)
	fmt.Println("OPTIONS", m.Path())
	if m.SetCORSHeaders("OPTIONS", show) {
		fmt.Println("  -> 204 No Content")
	}
	// Output:
	// GET /.well-known/oauth-protected-resource/mcp
	//   Access-Control-Allow-Origin: *
	// OPTIONS /.well-known/oauth-protected-resource/mcp
	//   Access-Control-Allow-Origin: *
	//   Allow: GET, HEAD, OPTIONS
	//   Access-Control-Allow-Methods: GET, HEAD, OPTIONS
	//   Access-Control-Allow-Headers: *
	//   Access-Control-Max-Age: 86400
	//   -> 204 No Content
}
