package core_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axiomsgo/axioms/core"
)

// A 401 without credentials names GuardOptions.ChallengeScopes when they
// are set, else the metadata's scopes_supported, else no scope; a route
// policy's own scopes win over both, and other 401s carry none.
func TestChallengeScopes(t *testing.T) {
	v, err := core.NewVerifier(core.Config{
		Audiences: []string{"https://mcp.example.com/mcp"},
		Issuer:    "https://issuer.example.com",
		KeySet:    core.NewStaticKeySet(),
	})
	require.NoError(t, err)
	defer v.Close()
	doc := v.ProtectedResource()
	doc.ScopesSupported = []string{"mcp:tools", "mcp:admin"}
	m, err := core.NewResourceMetadata(doc, "https://mcp.example.com")
	require.NoError(t, err)
	const meta = `, resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp"`

	for _, tc := range []struct {
		name string
		o    core.GuardOptions
		err  error
		want string
	}{
		{"none", core.GuardOptions{}, core.ErrNoCredentials, `Bearer realm="api"`},
		{"metadata", core.GuardOptions{ResourceMetadata: m}, core.ErrNoCredentials, `Bearer realm="api", scope="mcp:tools mcp:admin"` + meta},
		{"challenge scopes", core.GuardOptions{ResourceMetadata: m, ChallengeScopes: []string{"mcp:tools"}}, core.ErrNoCredentials, `Bearer realm="api", scope="mcp:tools"` + meta},
		{"challenge scopes, no metadata", core.GuardOptions{ChallengeScopes: []string{"read:data"}}, core.ErrNoCredentials, `Bearer realm="api", scope="read:data"`},
		{"invalid token", core.GuardOptions{ChallengeScopes: []string{"read:data"}}, core.ErrTokenExpired, `Bearer realm="api", error="invalid_token", error_description="token expired"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := core.NewGuard(v, tc.o).Response(tc.err, true, "mcp.example.com")
			assert.Equal(t, tc.want, resp.WWWAuthenticate)
		})
	}

	t.Run("the route's policy names its own", func(t *testing.T) {
		g := core.NewGuard(v, core.GuardOptions{ChallengeScopes: []string{"mcp:tools"}})
		err := g.Authorize(t.Context(), "POST", core.AllScopes("mcp:admin"))
		assert.Equal(t, `Bearer realm="api", scope="mcp:admin"`, g.Response(err, true, "mcp.example.com").WWWAuthenticate)
	})
}
