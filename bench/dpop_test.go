package bench

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/axiomsgo/axioms/authtest"
	"github.com/axiomsgo/axioms/chiauth"
	"github.com/axiomsgo/axioms/core"
)

// acceptAll remembers no proof, so that one proof serves every iteration:
// BenchmarkDPoP measures the proof check and the binding; the replay
// stores have benchmarks of their own (core, redisreplay).
type acceptAll struct{}

func (acceptAll) Claim(context.Context, string, time.Time) (bool, error) { return true, nil }

// BenchmarkDPoP is one GET through chi and chiauth with an RS256 token
// answered from the verified-token cache: as a Bearer request, and as a
// DPoP request (RFC 9449) whose ES256 proof is checked each time.
func BenchmarkDPoP(b *testing.B) {
	k := keyFor(b, "RS256")
	client, err := authtest.NewDPoPClient()
	if err != nil {
		b.Fatal(err)
	}
	cfg := core.Config{Audiences: []string{audience}, Issuer: issuer,
		KeySet: core.NewStaticKeySet(mustPublicKey(b, k.kid, k.alg, k.pub)),
		DPoP:   core.DPoPConfig{Mode: core.DPoPAllowed, ReplayStore: acceptAll{}}}
	v, err := core.NewVerifier(cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = v.Close() })
	h := chiApp(chiauth.Middleware(v))
	bearer := k.sign(b, baseClaims(nil))
	bound := k.sign(b, baseClaims(map[string]any{"cnf": map[string]any{"jkt": client.Thumbprint()}}))
	proof, err := client.Proof(http.MethodGet, "http://example.com/api/items", bound)
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct{ name, auth, proof string }{
		{"RS256/bearer-cache-hit", "Bearer " + bearer, ""},
		{"RS256/dpop-ES256-proof", "DPoP " + bound, proof},
	} {
		req := httptest.NewRequest(http.MethodGet, "/api/items", nil) // Host example.com
		req.Header.Set("Authorization", bc.auth)
		if bc.proof != "" {
			req.Header.Set("DPoP", bc.proof)
		}
		w := &nopWriter{h: http.Header{}}
		b.Run(bc.name, func(b *testing.B) {
			loop(b, func() error {
				clear(w.h)
				w.status = http.StatusOK
				h.ServeHTTP(w, req)
				if w.status != http.StatusNoContent {
					return fmt.Errorf("status %d", w.status)
				}
				return nil
			})
		})
	}
}
