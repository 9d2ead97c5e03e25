package core

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A proof's htm is compared with Credentials.HTTPMethod when it is set
// (gRPC: the method core sees is the RPC's full method name, the HTTP
// method POST), else with the method given.
func TestDPoPHTTPMethod(t *testing.T) {
	e := newDPoPEnv(t, DPoPConfig{Mode: DPoPAllowed})
	tok := e.token(t, map[string]any{"jkt": e.jkt})
	const fullMethod = "/pkg.v1.Service/Method"
	for _, tc := range []struct {
		name, htm, httpMethod string
		wantErr               error
	}{
		{"htm equals HTTPMethod", "POST", "POST", nil},
		{"htm equals the method given, HTTPMethod empty", fullMethod, "", nil},
		{"htm is the method given, not HTTPMethod", fullMethod, "POST", ErrDPoPProofMethod},
		{"htm is POST, HTTPMethod empty", "POST", "", ErrDPoPProofMethod},
		{"compared exactly", "post", "POST", ErrDPoPProofMethod},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dpopCreds(tok, e.proof(t, tok, func(c map[string]any) { c["htm"] = tc.htm }))
			c.HTTPMethod = tc.httpMethod
			ctx, err := e.g.Authenticate(context.Background(), fullMethod, c)
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			claims, ok := ClaimsFromContext(ctx)
			require.True(t, ok)
			assert.Equal(t, "alice", claims.Subject())
		})
	}
}

// A policy's refusal of a DPoP request (Guard.Authorize, after
// Authenticate accepted it) is answered on the DPoP challenge, as every
// other error of a DPoP request (RFC 9449 §7.1; the behaviour contract
// §7: 403 with DPoP ... error="insufficient_scope"); a Bearer request's
// on the Bearer one.
func TestDPoPPolicyDenialOnTheDPoPChallenge(t *testing.T) {
	e := newDPoPEnv(t, DPoPConfig{Mode: DPoPAllowed})
	tok := e.token(t, map[string]any{"jkt": e.jkt})
	ctx, err := e.g.Authenticate(context.Background(), "GET", dpopCreds(tok, e.proof(t, tok, nil)))
	require.NoError(t, err)
	err = e.g.Authorize(ctx, "GET", AnyScope("write"))
	require.ErrorIs(t, err, ErrInsufficientScope)
	resp := e.g.Response(err, true, dpopHost)
	assert.Equal(t, 403, resp.Status)
	assert.Equal(t, `Bearer realm="api", DPoP realm="api", algs="`+strings.Join(defaultDPoPAlgorithms, " ")+
		`", error="insufficient_scope", error_description="insufficient scope", scope="write"`, resp.WWWAuthenticate)

	bearer := e.token(t, nil)
	ctx, err = e.g.Authenticate(context.Background(), "GET", Credentials{Authorization: []string{"Bearer " + bearer}})
	require.NoError(t, err)
	err = e.g.Authorize(ctx, "GET", AnyScope("write"))
	resp = e.g.Response(err, true, dpopHost)
	assert.True(t, strings.HasPrefix(resp.WWWAuthenticate, `Bearer realm="api", error="insufficient_scope"`), resp.WWWAuthenticate)
}
