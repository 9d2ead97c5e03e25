package interop

import (
	"bufio"
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axiomsgo/axioms/authtest"
	"github.com/axiomsgo/axioms/core"
)

// providersDoc holds the provider recipes this test checks.
const providersDoc = "../docs/providers.md"

// readRecipes returns the `sh` blocks of doc tagged `<!-- recipe: name -->`,
// each as its KEY=VALUE settings.
func readRecipes(t testing.TB, doc string) map[string]map[string]string {
	t.Helper()
	f, err := os.Open(doc)
	require.NoError(t, err)
	defer f.Close()
	recipes := map[string]map[string]string{}
	var name string // the recipe whose block is being read
	inBlock := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "<!-- recipe:"):
			name = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(line, "<!-- recipe:"), "-->"))
			require.NotContains(t, recipes, name, "recipe %q tagged twice", name)
			recipes[name] = map[string]string{}
		case name != "" && !inBlock:
			require.Equal(t, "```sh", line, "recipe %q: the tag must be followed by a ```sh block", name)
			inBlock = true
		case inBlock && line == "```":
			name, inBlock = "", false
		case inBlock && line != "" && !strings.HasPrefix(line, "#"):
			key, value, ok := strings.Cut(line, "=")
			require.True(t, ok, "recipe %q: %q is not KEY=VALUE", name, line)
			recipes[name][key] = value
		}
	}
	require.NoError(t, sc.Err())
	return recipes
}

// recipeConfig loads the recipe name of docs/providers.md with
// core.ConfigFromLookup, as a service reading those variables would.
func recipeConfig(t testing.TB, name string) core.Config {
	t.Helper()
	env := readRecipes(t, providersDoc)[name]
	require.NotEmpty(t, env, "recipe %s", name)
	cfg, err := core.ConfigFromLookup(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	require.NoError(t, err, "recipe %s", name)
	return cfg
}

// cognitoAccessOnly is the policy docs/providers.md shows for Cognito: it
// refuses ID tokens, whose aud is the app client ID too.
var cognitoAccessOnly = core.PolicyFunc(func(_ string, c *core.Claims) error {
	if c == nil {
		return core.ErrNoCredentials
	}
	if use, _ := c.GetString("token_use"); use != "access" {
		return core.ErrInsufficientScope
	}
	return nil
})

// recipe is what a provider recipe must give: the settings it derives and a
// token shaped like that provider's that it must accept, with the policies
// that token meets and does not meet.
type recipe struct {
	issuer, jwksURL string             // expected Config.Issuer and Config.JWKSURL ("" = the default)
	introspection   string             // expected Config.Introspection.URL ("" = none); TestHydraOpaque and TestOIDCProviderIntrospection run these recipes for real
	code            func(*core.Config) // code-level settings the recipe shows
	token           []authtest.TokenOption
	allow, deny     []core.Policy
}

var recipes = map[string]recipe{
	"auth0": {
		issuer: "https://example.us.auth0.com/",
		token: []authtest.TokenOption{
			authtest.Header("typ", "JWT"),
			authtest.Audience("https://api.example.com", "https://example.us.auth0.com/userinfo"),
			authtest.Claim("client_id", nil), authtest.Claim("azp", "spa-client"),
			authtest.Scopes("openid", "profile", "read:data"),
			authtest.Permissions("read:data", "write:data"),
			authtest.Claim("https://api.example.com/roles", []string{"admin"}),
		},
		allow: []core.Policy{core.AnyScope("read:data"), core.AllPermissions("read:data", "write:data"), core.AnyRole("admin")},
		deny:  []core.Policy{core.AnyPermission("delete:data"), core.AnyRole("superuser")},
	},
	"cognito": {
		issuer: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_EXAMPLE",
		code:   func(c *core.Config) { c.AudienceClaim = "client_id" },
		token: []authtest.TokenOption{
			authtest.Header("typ", nil), authtest.Audience(),
			authtest.Claim("client_id", "1example23456789"), authtest.Claim("token_use", "access"),
			authtest.Scopes("https://api.example.com/read"),
			authtest.Claim("cognito:groups", []string{"admin"}), authtest.Claim("username", "alice"),
		},
		allow: []core.Policy{cognitoAccessOnly, core.AnyRole("admin"), core.AnyScope("https://api.example.com/read")},
		deny:  []core.Policy{core.AnyRole("editor"), core.AnyScope("read")},
	},
	"okta": {
		issuer:  "https://example.okta.com/oauth2/default",
		jwksURL: "https://example.okta.com/oauth2/default/v1/keys",
		token: []authtest.TokenOption{
			authtest.Header("typ", nil), authtest.Audience("api://default"),
			authtest.Claim("client_id", nil), authtest.Claim("cid", "0oaexample"), authtest.Claim("uid", "00uexample"),
			authtest.Claim("scp", []string{"openid", "read:data"}),
			authtest.Claim("groups", []string{"Everyone", "admin"}),
		},
		allow: []core.Policy{core.AllScopes("openid", "read:data"), core.AnyRole("admin")},
		deny:  []core.Policy{core.AnyScope("write:data"), core.AllRoles("admin", "superuser")},
	},
	"entra": {
		issuer:  "https://login.microsoftonline.com/00000000-0000-0000-0000-0000000000t1/v2.0",
		jwksURL: "https://login.microsoftonline.com/00000000-0000-0000-0000-0000000000t1/discovery/v2.0/keys",
		token: []authtest.TokenOption{
			authtest.Header("typ", "JWT"), authtest.Audience("00000000-0000-0000-0000-0000000000a1"),
			authtest.Claim("client_id", nil), authtest.Claim("azp", "00000000-0000-0000-0000-0000000000c1"),
			authtest.Claim("ver", "2.0"), authtest.Claim("scp", "Data.Read Data.Write"),
			authtest.Claim("roles", []string{"Orders.Admin"}),
		},
		allow: []core.Policy{core.AllScopes("Data.Read", "Data.Write"), core.AnyRole("Orders.Admin")},
		deny:  []core.Policy{core.AnyScope("Data.Delete"), core.AnyRole("Orders.Reader")},
	},
	"keycloak": {
		issuer:  "https://keycloak.example.com/realms/shop",
		jwksURL: "https://keycloak.example.com/realms/shop/protocol/openid-connect/certs",
		token: []authtest.TokenOption{
			authtest.Header("typ", "JWT"), authtest.Audience("orders-api", "account"),
			authtest.Claim("typ", "Bearer"), authtest.Claim("azp", "web"), authtest.Claim("client_id", nil),
			authtest.Scopes("openid", "profile", "orders:read"),
			authtest.Claim("realm_access", map[string]any{"roles": []string{"offline_access", "admin"}}),
			authtest.Claim("resource_access", map[string]any{"orders-api": map[string]any{"roles": []string{"clerk"}}}),
		},
		allow: []core.Policy{core.AnyScope("orders:read"), core.AnyRole("admin")},
		deny:  []core.Policy{core.AnyScope("orders:write"), core.AnyRole("clerk")},
	},
	"hydra": {
		issuer: "https://auth.example.com",
		token: []authtest.TokenOption{
			authtest.Header("typ", "JWT"), authtest.Claim("aud", []string{"https://api.example.com"}),
			authtest.Claim("scp", []string{"read:data", "openid"}),
		},
		allow: []core.Policy{core.AllScopes("read:data", "openid")},
		deny:  []core.Policy{core.AnyScope("write:data")},
	},
	"hydra-opaque": { // JWTs of the same Hydra are still verified locally
		issuer:        "https://auth.example.com",
		introspection: "http://127.0.0.1:4445/admin/oauth2/introspect",
		token: []authtest.TokenOption{
			authtest.Header("typ", "JWT"), authtest.Claim("aud", []string{"https://api.example.com"}),
			authtest.Claim("scp", []string{"read:data"}),
		},
		allow: []core.Policy{core.AnyScope("read:data")},
		deny:  []core.Policy{core.AnyScope("write:data")},
	},
	"oidc-provider-opaque": { // JWTs of the same provider are still verified locally
		issuer:        "https://op.example.com",
		jwksURL:       "https://op.example.com/jwks",
		introspection: "https://op.example.com/token/introspection",
		token: []authtest.TokenOption{
			authtest.Audience("https://api.example.com"), authtest.Scopes("read:data"),
		},
		allow: []core.Policy{core.AnyScope("read:data")},
		deny:  []core.Policy{core.AnyScope("admin")},
	},
	"oidc-provider": {
		issuer:  "https://op.example.com",
		jwksURL: "https://op.example.com/jwks",
		token: []authtest.TokenOption{
			authtest.Audience("https://api.example.com"), authtest.Scopes("read:data", "write:data"),
		},
		allow: []core.Policy{core.AllScopes("read:data", "write:data")},
		deny:  []core.Policy{core.AnyScope("admin")},
	},
}

// TestProviderRecipes loads every recipe of docs/providers.md with
// core.ConfigFromLookup and verifies a token shaped like that provider's,
// signed by a local test issuer that stands in for the provider's keys.
func TestProviderRecipes(t *testing.T) {
	found := readRecipes(t, providersDoc)
	names := make([]string, 0, len(recipes))
	for name := range recipes {
		names = append(names, name)
	}
	docNames := make([]string, 0, len(found))
	for name := range found {
		docNames = append(docNames, name)
	}
	slices.Sort(names)
	slices.Sort(docNames)
	require.Equal(t, names, docNames, "every recipe in %s has a test case, and only those", providersDoc)

	keys := authtest.NewTestIssuer(t)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			rc, env := recipes[name], found[name]
			cfg, err := core.ConfigFromLookup(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
			require.NoError(t, err)
			assert.Equal(t, rc.issuer, cfg.Issuer, "issuer")
			assert.Equal(t, rc.jwksURL, cfg.JWKSURL, "JWKS URL (empty: {issuer}/.well-known/jwks.json)")

			assert.Equal(t, rc.introspection, cfg.Introspection.URL, "introspection endpoint")
			cfg.Introspection = core.IntrospectionConfig{} // the endpoint is not stood in for here
			cfg.JWKSURL = keys.JWKSURL()                   // the provider's keys are
			if rc.code != nil {
				rc.code(&cfg)
			}
			v, err := core.NewVerifier(cfg)
			require.NoError(t, err)
			t.Cleanup(func() { _ = v.Close() })

			tok := keys.MustToken(t, "user-1", append([]authtest.TokenOption{authtest.Claim("iss", cfg.Issuer)}, rc.token...)...)
			claims, err := v.Verify(context.Background(), tok)
			require.NoError(t, err, "a %s-shaped token", name)
			for i, p := range rc.allow {
				assert.NoError(t, p.Check("GET", claims), "allow[%d]", i)
			}
			for i, p := range rc.deny {
				assert.ErrorIs(t, p.Check("GET", claims), core.ErrInsufficientScope, "deny[%d]", i)
			}
		})
	}
}

// TestCognitoIDTokenCaveat pins the caveat docs/providers.md states: a
// Cognito ID token (aud = the app client ID, token_use id) passes the
// audience check of the recipe, and the documented policy refuses it.
func TestCognitoIDTokenCaveat(t *testing.T) {
	env := readRecipes(t, providersDoc)["cognito"]
	cfg, err := core.ConfigFromLookup(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	require.NoError(t, err)
	keys := authtest.NewTestIssuer(t)
	cfg.JWKSURL, cfg.AudienceClaim = keys.JWKSURL(), "client_id"
	v, err := core.NewVerifier(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = v.Close() })

	idToken := keys.MustToken(t, "user-1", authtest.Claim("iss", cfg.Issuer), authtest.Header("typ", nil),
		authtest.Audience("1example23456789"), authtest.Claim("client_id", nil), authtest.Claim("token_use", "id"))
	claims, err := v.Verify(context.Background(), idToken)
	require.NoError(t, err, "the audience check alone accepts a Cognito ID token")
	assert.ErrorIs(t, cognitoAccessOnly.Check("GET", claims), core.ErrInsufficientScope)
}
