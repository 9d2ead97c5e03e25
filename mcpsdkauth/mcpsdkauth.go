// Package mcpsdkauth bridges the claims verified by the axioms middleware
// to the official MCP Go SDK (github.com/modelcontextprotocol/go-sdk): the
// SDK's streamable HTTP handler runs tool, resource and prompt handlers on
// its session's context, not the HTTP request's, so core.ClaimsFromContext
// finds nothing there; what it passes on is the auth.TokenInfo of the HTTP
// request, as req.Extra.TokenInfo. TokenInfo puts one there, built from
// the verified claims; Claims reads them back in a handler.
//
//	mux.Handle("/mcp", httpauth.Middleware(v)(rules.Middleware()(mcpsdkauth.TokenInfo()(sdkHandler))))
//
//	func echo(ctx context.Context, req *mcp.CallToolRequest, in Args) (*mcp.CallToolResult, any, error) {
//		claims, _ := mcpsdkauth.Claims(req.Extra)
//		...
//	}
//
// The TokenInfo's UserID is the token's subject: the SDK then refuses
// (403) a request that uses another user's session ID.
package mcpsdkauth

import (
	"context"
	"net/http"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/axiomsgo/axioms/core"
)

// claimsKey is the auth.TokenInfo.Extra key of the *core.Claims.
const claimsKey = "github.com/axiomsgo/axioms/core.Claims"

// TokenInfo returns the middleware, to put behind the axioms Middleware
// (httpauth, chiauth) in front of the SDK's handler, that gives each
// request an auth.TokenInfo of its verified claims (auth.RequireBearerToken
// with the claims as verifier): Scopes, Expiration (exp) and UserID (sub)
// from the token, the claims themselves for Claims. A request without
// verified claims (no axioms Middleware before it, or one that let an
// anonymous request through) gets the SDK's 401: nothing reaches the MCP
// server without a verified token.
func TokenInfo() func(http.Handler) http.Handler {
	return auth.RequireBearerToken(fromClaims, nil)
}

func fromClaims(_ context.Context, _ string, r *http.Request) (*auth.TokenInfo, error) {
	c, ok := core.ClaimsFromContext(r.Context())
	if !ok {
		return nil, auth.ErrInvalidToken
	}
	return &auth.TokenInfo{
		Scopes:     c.Scopes(),
		Expiration: c.ExpiresAt(),
		UserID:     c.Subject(),
		Extra:      map[string]any{claimsKey: c},
	}, nil
}

// Claims returns the verified claims of an SDK handler's request
// (req.Extra), put there by TokenInfo; (nil, false) without them.
func Claims(extra *mcp.RequestExtra) (*core.Claims, bool) {
	if extra == nil || extra.TokenInfo == nil {
		return nil, false
	}
	c, ok := extra.TokenInfo.Extra[claimsKey].(*core.Claims)
	return c, ok && c != nil
}
