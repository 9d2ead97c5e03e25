package interop

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axiomsgo/axioms/core"
)

// jwtIntrospection is what provider.mjs adds to its READY line with
// JWT_INTROSPECTION=1: its introspection and revocation endpoints, the
// resource server client that gets signed answers (RFC 9701), and the
// resource of opaque access tokens.
type jwtIntrospection struct {
	IntrospectionEndpoint string `json:"introspection_endpoint"`
	RevocationEndpoint    string `json:"revocation_endpoint"`
	ClientID              string `json:"jwt_rs_client_id"`
	ClientSecret          string `json:"jwt_rs_client_secret"`
	OpaqueResource        string `json:"opaque_resource"`
}

// startJWTIntrospectionProvider runs provider.mjs with JWT_INTROSPECTION=1.
func startJWTIntrospectionProvider(t *testing.T) (*oidcProvider, *jwtIntrospection) {
	t.Helper()
	op := startOIDCProvider(t, "JWT_INTROSPECTION=1")
	var ji jwtIntrospection
	line := op.readyLine
	require.NoError(t, json.Unmarshal([]byte(line), &ji))
	require.NotEmpty(t, ji.IntrospectionEndpoint, "provider.mjs does not know JWT_INTROSPECTION: %s", line)
	return op, &ji
}

// TestOIDCProviderJWTIntrospection sends opaque access tokens of a real
// node oidc-provider through each adapter, introspected with signed
// answers (features.jwtIntrospection, a client registered with
// introspection_signed_response_alg ES256) and SignedResponses set: each
// answer's signature is checked with the issuer's key set before the
// answer is read. A revoked token is refused at once (the cache is off).
func TestOIDCProviderJWTIntrospection(t *testing.T) {
	t.Parallel()
	op, ji := startJWTIntrospectionProvider(t)
	cfg := core.Config{
		Issuer:    op.Issuer,
		JWKSURL:   op.JWKSURI,
		Audiences: []string{ji.OpaqueResource},
		Introspection: core.IntrospectionConfig{
			URL:             ji.IntrospectionEndpoint,
			ClientID:        ji.ClientID,
			ClientSecret:    ji.ClientSecret,
			SignedResponses: true,
			CacheTTL:        -1, // every request asks: a revocation is seen at once
		},
	}
	apps := newApps(t, cfg)
	form := url.Values{"scope": {"read:data"}, "resource": {ji.OpaqueResource}}
	token := clientCredentials(t, op.TokenEndpoint, op.ClientID, op.ClientSecret, form)
	require.NotContains(t, token, ".", "an opaque token, not a JWS")

	t.Run("the signed answer oidc-provider sends", func(t *testing.T) {
		ctype, body := ji.introspect(t, token, "application/token-introspection+jwt")
		assert.Equal(t, "application/token-introspection+jwt; charset=utf-8", ctype)
		header, claims := jwtParts(t, body)
		assert.Equal(t, "token-introspection+jwt", header["typ"])
		assert.Equal(t, "ES256", header["alg"], "introspection_signed_response_alg")
		assert.NotEmpty(t, header["kid"])
		assert.Equal(t, op.Issuer, claims["iss"])
		assert.Equal(t, ji.ClientID, claims["aud"], "aud is the introspecting client's ID")
		assert.NotNil(t, claims["iat"])
		assert.NotContains(t, claims, "exp", "RFC 9701 §5: SHOULD NOT")
		inner, _ := claims["token_introspection"].(map[string]any)
		assert.Equal(t, true, inner["active"])
		assert.Equal(t, ji.OpaqueResource, inner["aud"])

		ctype, _ = ji.introspect(t, token, "application/json")
		assert.Equal(t, "application/json; charset=utf-8", ctype, "plain JSON unless asked")
	})

	t.Run("accepted through every adapter", func(t *testing.T) {
		checkAll(t, apps, token,
			call{method: "GET", path: "/me", status: 200},
			call{method: "GET", path: "/api/read", status: 200},
			call{method: "POST", path: "/api/write", status: 403, err: "insufficient_scope", scope: writeChallenge},
		)
	})

	t.Run("claims and readiness", func(t *testing.T) {
		v := newVerifier(t, cfg)
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		require.NoError(t, v.WaitReady(ctx), "the probe's signed inactive answer counts as an answer")
		c, err := v.Verify(ctx, token)
		require.NoError(t, err)
		clientID, _ := c.GetString("client_id")
		assert.Equal(t, op.ClientID, clientID)
		assert.Equal(t, op.Issuer, c.Issuer())
		assert.Equal(t, []string{"read:data"}, c.Scopes())
	})

	t.Run("revoked", func(t *testing.T) {
		ji.revoke(t, token, op.ClientID, op.ClientSecret)
		checkAll(t, apps, token, everyRoute(http.StatusUnauthorized, "invalid_token")...)
	})
}

// introspect posts token to the introspection endpoint as the resource
// server client, asking for accept, and returns the answer's Content-Type
// and body.
func (ji *jwtIntrospection) introspect(t *testing.T, token, accept string) (string, string) {
	t.Helper()
	status, contentType, data := postClientForm(t, ji.IntrospectionEndpoint, ji.ClientID, ji.ClientSecret,
		url.Values{"token": {token}}, "Accept", accept)
	require.Equal(t, http.StatusOK, status, "introspection: %s", data)
	return contentType, string(data)
}

// revoke revokes token (RFC 7009) as the client it was issued to.
func (ji *jwtIntrospection) revoke(t *testing.T, token, id, secret string) {
	t.Helper()
	status, _, data := postClientForm(t, ji.RevocationEndpoint, id, secret,
		url.Values{"token": {token}, "token_type_hint": {"access_token"}})
	require.Equal(t, http.StatusOK, status, "revocation: %s", data)
}
