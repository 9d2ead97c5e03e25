package authtest_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axiomsgo/axioms/authtest"
	"github.com/axiomsgo/axioms/core"
)

func TestDPoPClientProofsVerify(t *testing.T) {
	iss := authtest.NewTestIssuer(t)
	client, err := authtest.NewDPoPClient()
	require.NoError(t, err)
	cfg := iss.Config()
	cfg.DPoP = core.DPoPConfig{Mode: core.DPoPRequired}
	v, err := core.NewVerifier(cfg)
	require.NoError(t, err)
	defer v.Close()
	g := core.NewGuard(v, core.GuardOptions{})
	tok := iss.MustToken(t, "alice", authtest.BoundTo(client))
	proof, err := client.Proof("GET", "https://api.example.com/orders?page=2", tok)
	require.NoError(t, err)
	creds := core.Credentials{Authorization: []string{"DPoP " + tok}, DPoP: []string{proof}, TLS: true,
		Host: "api.example.com", Path: "/orders"}
	ctx, err := g.Authenticate(context.Background(), "GET", creds)
	require.NoError(t, err)
	c, ok := core.ClaimsFromContext(ctx)
	require.True(t, ok)
	assert.Equal(t, "alice", c.Subject())

	other, err := authtest.NewDPoPClient()
	require.NoError(t, err)
	assert.NotEqual(t, client.Thumbprint(), other.Thumbprint())
	proof, err = other.Proof("GET", "https://api.example.com/orders", tok)
	require.NoError(t, err)
	creds.DPoP = []string{proof}
	_, err = g.Authenticate(context.Background(), "GET", creds)
	assert.ErrorIs(t, err, core.ErrDPoPBinding, "a proof of another key")
}
