// Package mcp authorizes Model Context Protocol requests (JSON-RPC 2.0 over
// the streamable HTTP transport) by the operation they ask for: the
// JSON-RPC method, the tool of tools/call, the prompt of prompts/get and
// the resource URI of resources/read each map to the scopes they need.
//
// Build an Authorizer from Rules once, at start (scopes and templates are
// checked there); then either put its Middleware behind the httpauth or
// chiauth Middleware in front of the MCP server's handler, or, in another
// framework, read the body yourself and enforce Policy(body) with that
// framework's Authorize:
//
//	a, err := mcp.New(mcp.Rules{
//		Tools:     map[string][]string{"echo": {"mcp:tools"}},
//		Resources: map[string][]string{"notes://{id}": {"mcp:resources"}},
//	})
//	mux.Handle("/mcp", httpauth.Middleware(v)(a.Middleware()(mcpHandler)))
//
// The operation checked is the operation the server runs: the body is
// parsed strictly, and a body that JSON readers could take differently
// (a repeated member name, names differing only in letter case, a
// case-variant of a JSON-RPC member name, invalid UTF-8, data after the
// JSON value) is refused as an invalid request (400) before any MCP code
// sees it. A batch (a JSON array of messages) needs the union of the scopes
// of its members, and the one 403 answer names them all.
//
// The package depends on no MCP SDK; the mcpsdkauth module bridges the
// verified claims to the official Go SDK's tool handlers.
package mcp
