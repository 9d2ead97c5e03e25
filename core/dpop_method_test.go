package core

import (
	"context"
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
