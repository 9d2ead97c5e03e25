package interop

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axiomsgo/axioms/core"
)

// TestIssuerIntrospection trusts two real issuers in one Verifier per
// adapter: Hydra, whose JWTs are introspected at its admin endpoint
// (core.IssuerConfig.Introspection), and node oidc-provider, whose JWTs
// stay local. A revoked Hydra JWT is refused within the cache TTL while
// oidc-provider's JWTs keep working without any introspection request, and
// no opaque token reaches either endpoint (there is no
// Config.Introspection).
func TestIssuerIntrospection(t *testing.T) {
	t.Parallel()
	h := startHydra(t)
	op := startOIDCProvider(t)
	hydraProxy := newIntrospectionProxy(t, h.admin, "/admin/oauth2/introspect")
	opProxy := newIntrospectionProxy(t, op.Issuer, op.IntrospectionEndpoint)
	jid, jsecret := h.createClient(t, "jwt")
	oid, osecret := h.createClient(t, "opaque")

	cfg := core.Config{Issuers: []core.IssuerConfig{
		{Issuer: h.issuer, Audiences: []string{hydraAudience},
			Introspection: &core.IntrospectionConfig{URL: hydraProxy.url, CacheTTL: time.Second}},
		{Issuer: op.Issuer, JWKSURL: op.JWKSURI, Audiences: []string{rsRS256}},
	}}
	apps, verifiers := introspectionApps(t, "issuers", cfg)
	waitAnswered(t, verifiers) // the probes of Hydra's endpoint are done
	requests := func() (hydra, op int64) { return hydraProxy.count.Load(), opProxy.count.Load() }
	hydraBefore, opBefore := requests()
	assert.EqualValues(t, len(apps), hydraBefore, "one probe per app, to Hydra's endpoint")
	assert.Zero(t, opBefore)

	hydraJWT := h.token(t, jid, jsecret, "read:data", hydraAudience)
	opJWT := op.token(t, rsRS256, "read:data")
	checkAll(t, apps, hydraJWT, call{method: "GET", path: "/me", status: 200, sub: jid})
	hydraAfter, _ := requests()
	assert.EqualValues(t, len(apps), hydraAfter-hydraBefore, "each app introspects Hydra's JWT once")
	checkAll(t, apps, tamper(t, hydraJWT), everyRoute(http.StatusUnauthorized, "invalid_token")...)
	checkAll(t, apps, opJWT, call{method: "GET", path: "/me", status: 200, sub: op.ClientID},
		call{method: "GET", path: "/api/read", status: 200})

	t.Run("opaque tokens reach no issuer's endpoint", func(t *testing.T) {
		before, _ := requests()
		for _, tok := range []string{h.token(t, oid, osecret, "read:data", hydraAudience), op.opaqueToken(t, "read:data")} {
			checkAll(t, apps, tok, everyRoute(http.StatusUnauthorized, "invalid_token")...)
		}
		after, opAfter := requests()
		assert.Equal(t, before, after, "no opaque token sent to Hydra's endpoint")
		assert.Zero(t, opAfter)
	})

	h.revoke(t, jid, jsecret, hydraJWT)
	revoked := time.Now()
	require.Equal(t, false, h.introspect(t, hydraJWT)["active"])
	for _, a := range apps {
		took := waitRefused(t, a, hydraJWT, revoked)
		t.Logf("%s: revoked Hydra JWT refused %s after its revocation", a.name, took.Round(time.Millisecond))
	}
	checkAll(t, apps, opJWT, call{method: "GET", path: "/api/read", status: 200})
	_, opAfter := requests()
	assert.Zero(t, opAfter, "oidc-provider's JWTs are never introspected")
}
