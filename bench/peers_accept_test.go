package bench

import (
	"context"
	"testing"
)

// TestEveryVerifierChecksTheToken guards the fairness of the tables: every
// row accepts the benchmark token and refuses it with one signature byte
// changed, so that no row is fast because it skips the signature.
func TestEveryVerifierChecksTheToken(t *testing.T) {
	for _, alg := range algs {
		k := keyFor(t, alg)
		tok := k.sign(t, baseClaims(nil))
		tampered := tok[:len(tok)-6] + flip(tok[len(tok)-6]) + tok[len(tok)-5:]
		v := newCoreVerifier(t, k, 1, false)
		rows := map[string]verifier{
			"floor":      func(s string) error { return floorFull(s, alg, k.pub) },
			"core":       func(s string) error { _, err := v.Verify(context.Background(), s); return err },
			"golang-jwt": newGolangJWT(t, k, 1),
			"go-jose":    newGoJose(t, k),
			"jwx":        newJWX(t, k, 1),
			"auth0":      newAuth0(t, k),
		}
		for name, f := range rows {
			t.Run(alg+"/"+name, func(t *testing.T) {
				if err := f(tok); err != nil {
					t.Fatalf("refuses the benchmark token: %v", err)
				}
				if f(tampered) == nil {
					t.Fatal("accepts a token with a changed signature")
				}
			})
		}
	}
}

// TestEveryServerChecksTheToken is the same for the end-to-end rows.
func TestEveryServerChecksTheToken(t *testing.T) {
	for _, alg := range algs {
		k := keyFor(t, alg)
		tok := k.sign(t, baseClaims(nil))
		tampered := tok[:len(tok)-6] + flip(tok[len(tok)-6]) + tok[len(tok)-5:]
		v := newCoreVerifier(t, k, 1, false)
		for _, fw := range frameworks {
			good, bad := servers(fw, k, v, tok), servers(fw, k, v, tampered)
			for _, name := range rowOrder[fw] {
				t.Run(alg+"/"+fw+"-"+name, func(t *testing.T) {
					if st := good[name](); st != 204 {
						t.Fatalf("status %d for the benchmark token", st)
					}
					if st := bad[name](); name != "bare" && st == 204 {
						t.Fatal("accepts a token with a changed signature")
					}
				})
			}
		}
	}
}

// flip returns another base64url character in place of c.
func flip(c byte) string {
	if c == 'A' {
		return "B"
	}
	return "A"
}
