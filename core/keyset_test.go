package core

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ksClaims are valid claims for the tests of this file at now.
func ksClaims(now time.Time) map[string]any {
	return map[string]any{"iss": "https://issuer.example", "aud": "api", "sub": "alice", "exp": now.Add(time.Hour).Unix()}
}

// ksVerifier is a Verifier over a fixed key set, with the Config changed by
// mutate.
func ksVerifier(tb testing.TB, ks KeySet, clk *kitClock, mutate func(*Config)) *Verifier {
	tb.Helper()
	cfg := Config{
		Audiences: []string{"api"}, Issuer: "https://issuer.example", KeySet: ks,
		Now: clk.Now, Logger: slog.New(slog.DiscardHandler),
	}
	if mutate != nil {
		mutate(&cfg)
	}
	v, err := NewVerifier(cfg)
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = v.Close() })
	return v
}

// TestEd25519AlgorithmName checks RFC 9864 "Ed25519" next to RFC 8037
// "EdDSA" end to end: in the token header, in the JWK's alg (both
// directions) and in Config.Algorithms, which compares names exactly.
func TestEd25519AlgorithmName(t *testing.T) {
	ed := newKitKey(t, "ed-name", "EdDSA")
	rsaKey := newKitKey(t, "rsa-name", "RS256")
	jwk := func(kid, alg string) map[string]any {
		m := (&kitKey{kid: kid, alg: alg, signer: ed.signer}).jwk(t)
		if alg == "" {
			delete(m, "alg")
		}
		return m
	}
	ks, err := ParseStaticKeySet(kitJWKS(t, jwk("jwk-eddsa", "EdDSA"), jwk("jwk-ed25519", "Ed25519"),
		jwk("jwk-none", ""), rsaKey.jwk(t)))
	require.NoError(t, err)
	clk := newKitClock()
	def := ksVerifier(t, ks, clk, nil)
	onlyEdDSA := ksVerifier(t, ks, clk, func(c *Config) { c.Algorithms = []string{"EdDSA"} })
	onlyEd25519 := ksVerifier(t, ks, clk, func(c *Config) { c.Algorithms = []string{"Ed25519"} })

	tests := []struct {
		name     string
		v        *Verifier
		kid      string
		tokenAlg string
		wantErr  error
	}{
		{"JWK EdDSA, token EdDSA", def, "jwk-eddsa", "EdDSA", nil},
		{"JWK EdDSA, token Ed25519", def, "jwk-eddsa", "Ed25519", nil},
		{"JWK Ed25519, token EdDSA", def, "jwk-ed25519", "EdDSA", nil},
		{"JWK Ed25519, token Ed25519", def, "jwk-ed25519", "Ed25519", nil},
		{"JWK without alg, token Ed25519", def, "jwk-none", "Ed25519", nil},
		{"allow-list Ed25519 only, token Ed25519", onlyEd25519, "jwk-eddsa", "Ed25519", nil},
		{"allow-list Ed25519 only, token EdDSA", onlyEd25519, "jwk-ed25519", "EdDSA", ErrUnsupportedAlgorithm},
		{"allow-list EdDSA only, token Ed25519", onlyEdDSA, "jwk-eddsa", "Ed25519", ErrUnsupportedAlgorithm},
		{"token Ed25519 on an RSA key", def, "rsa-name", "Ed25519", ErrUnsupportedAlgorithm},
		{"token ed25519 (case)", def, "jwk-ed25519", "ed25519", ErrUnsupportedAlgorithm},
		{"token Ed448", def, "jwk-ed25519", "Ed448", ErrUnsupportedAlgorithm},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hdr := map[string]any{"alg": tc.tokenAlg, "kid": tc.kid, "typ": "at+jwt"}
			tok := ed.signRaw(t, "EdDSA", kitJSON(t, hdr), kitJSON(t, ksClaims(clk.Now())))
			c, err := tc.v.Verify(context.Background(), tok)
			if tc.wantErr != nil {
				assert.ErrorIs(t, err, tc.wantErr)
				assert.Nil(t, c)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "alice", c.Subject())
		})
	}
}
