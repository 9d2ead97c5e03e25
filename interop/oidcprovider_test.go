package interop

import (
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/axiomsgo/axioms/core"
)

// The resource servers of node/provider.mjs: one per signing algorithm,
// and one whose tokens are opaque (checked by introspection).
const (
	rsRS256  = "https://rs256.interop.test"
	rsES256  = "https://es256.interop.test"
	rsHS256  = "https://hs256.interop.test"
	rsOpaque = "https://opaque.interop.test"
)

// oidcProvider is one node oidc-provider started by a test; the fields are
// what provider.mjs prints on its READY line.
type oidcProvider struct {
	Issuer        string `json:"issuer"`
	JWKSURI       string `json:"jwks_uri"`
	TokenEndpoint string `json:"token_endpoint"`
	ClientID      string `json:"client_id"`
	ClientSecret  string `json:"client_secret"`
	// The client of the MCP resource, when MCP_RESOURCE was set.
	MCPClientID     string `json:"mcp_client_id"`
	MCPClientSecret string `json:"mcp_client_secret"`
	MCPResource     string `json:"mcp_resource"`
	// The client of certificate-bound tokens, when TLS_CERT and TLS_KEY
	// were set (the provider serves https).
	MTLSClientID     string `json:"mtls_client_id"`
	MTLSClientSecret string `json:"mtls_client_secret"`
	// The RFC 7662 and RFC 7009 endpoints, the resource server of opaque
	// tokens, and its clients that may introspect them: one with
	// client_secret_basic, and, when RS_JWKS was set, one with
	// private_key_jwt.
	IntrospectionEndpoint string `json:"introspection_endpoint"`
	RevocationEndpoint    string `json:"revocation_endpoint"`
	OpaqueResource        string `json:"opaque_resource"`
	RSClientID            string `json:"rs_client_id"`
	RSClientSecret        string `json:"rs_client_secret"`
	RSJWTClientID         string `json:"rs_jwt_client_id"`
	// readyLine is the whole READY line, for the fields of optional features.
	readyLine string
}

// startOIDCProvider runs node provider.mjs from OIDC_PROVIDER_DIR (after
// `npm ci`) on a free loopback port and waits for its READY line. env
// (NAME=value) is added to its environment, such as MCP_RESOURCE or
// RS_JWKS.
func startOIDCProvider(t testing.TB, env ...string) *oidcProvider {
	t.Helper()
	dir := requireEnv(t, "OIDC_PROVIDER_DIR", "interop/node after `npm ci`")
	for _, f := range []string{"provider.mjs", "node_modules/oidc-provider/package.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Fatalf("OIDC_PROVIDER_DIR=%s: %v (run `npm ci` there)", dir, err)
		}
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node oidc-provider needs Node.js >= 20.18 on PATH: %v", err)
	}
	cmd := exec.Command(node, "provider.mjs")
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "PORT=0", "NODE_ENV=test"), env...)
	start := time.Now()
	proc := startProcess(t, "oidc-provider", cmd)
	var op oidcProvider
	proc.waitFor(t, "READY line", func() error {
		line, ok := proc.logLine("READY ")
		if !ok {
			return errNotYet
		}
		if err := json.Unmarshal([]byte(line), &op); err != nil || op.Issuer == "" {
			return errors.Join(errors.New("bad READY line "+line), err)
		}
		op.readyLine = line
		return nil
	})
	t.Logf("oidc-provider ready in %s", time.Since(start).Round(time.Millisecond))
	return &op
}

// token gets a client_credentials JWT access token for the resource server
// rs (RFC 8707 resource indicator).
func (op *oidcProvider) token(t testing.TB, resource, scope string) string {
	t.Helper()
	form := url.Values{"scope": {scope}, "resource": {resource}}
	return clientCredentials(t, op.TokenEndpoint, op.ClientID, op.ClientSecret, form)
}

// TestOIDCProvider sends RFC 9068 tokens of a real node oidc-provider
// through each adapter.
func TestOIDCProvider(t *testing.T) {
	t.Parallel()
	op := startOIDCProvider(t)
	// Every resource server is an accepted audience, so that the HS256
	// token is refused for its algorithm and missing kid, not for its aud.
	apps := newApps(t, core.Config{
		Issuer:    op.Issuer,
		JWKSURL:   op.JWKSURI, // oidc-provider serves its keys at /jwks
		Audiences: []string{rsRS256, rsES256, rsHS256},
	})

	rsTok := op.token(t, rsRS256, "read:data")
	esTok := op.token(t, rsES256, "write:data openid")
	hsTok := op.token(t, rsHS256, "read:data write:data openid")

	t.Run("token shapes", func(t *testing.T) {
		for _, tc := range []struct {
			token, alg, aud, scope string
			kid                    bool
		}{
			{rsTok, "RS256", rsRS256, "read:data", true},
			{esTok, "ES256", rsES256, "write:data openid", true},
			{hsTok, "HS256", rsHS256, "read:data write:data openid", false},
		} {
			header, claims := jwtParts(t, tc.token)
			assert.Equal(t, "at+jwt", header["typ"], "%s typ", tc.alg)
			assert.Equal(t, tc.alg, header["alg"])
			_, hasKid := header["kid"]
			assert.Equal(t, tc.kid, hasKid, "%s kid present", tc.alg)
			assert.Equal(t, tc.aud, claims["aud"], "%s aud is a string", tc.alg)
			assert.Equal(t, tc.scope, claims["scope"], "%s scope is a space-separated string", tc.alg)
			assert.Equal(t, op.Issuer, claims["iss"])
		}
	})

	t.Run("RS256, scope string, any-of", func(t *testing.T) {
		checkAll(t, apps, rsTok,
			call{method: "GET", path: "/me", status: 200, sub: op.ClientID},
			call{method: "GET", path: "/api/read", status: 200},
			call{method: "POST", path: "/api/write", status: 403, err: "insufficient_scope", scope: writeChallenge},
		)
	})

	t.Run("ES256, all-of", func(t *testing.T) {
		checkAll(t, apps, esTok,
			call{method: "GET", path: "/me", status: 200, sub: op.ClientID},
			call{method: "POST", path: "/api/write", status: 200},
			call{method: "GET", path: "/api/read", status: 403, err: "insufficient_scope", scope: readChallenge},
		)
	})

	t.Run("no token, tampered token", func(t *testing.T) { checkRefusals(t, apps, esTok) })

	t.Run("HS256 without kid refused", func(t *testing.T) {
		checkAll(t, apps, hsTok,
			call{method: "GET", path: "/me", status: 401, err: "invalid_token"},
			call{method: "GET", path: "/api/read", status: 401, err: "invalid_token"},
			call{method: "POST", path: "/api/write", status: 401, err: "invalid_token"},
		)
	})
}
