package bench

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/axiomsgo/axioms/core"
)

// BenchmarkForged sets forged tokens of the maximum size beside a valid
// token of the same size (about 22 KiB: 16 KiB of JSON in the part that
// grows; MaxTokenBytes 64 KiB, token cache off), for one issuer and for
// several: a refused request may cost no more than an accepted one.
//
//	valid           a signed token with 16 KiB of claims
//	forged-header   a 16 KiB header (an array of zeros)
//	forged-payload  a 16 KiB payload (an array) under a plausible header, bad signature
//	forged-iss      (several issuers) a 16 KiB payload naming a trusted issuer, bad signature
func BenchmarkForged(b *testing.B) {
	k := keyFor(b, "RS256")
	pk := mustPublicKey(b, k.kid, k.alg, k.pub)
	single := forgedVerifier(b, core.Config{Issuer: issuer, KeySet: core.NewStaticKeySet(pk)})
	multi := forgedVerifier(b, core.Config{Issuers: []core.IssuerConfig{
		{Issuer: issuer, KeySet: core.NewStaticKeySet(pk)}, {Issuer: "https://other.example.com/", KeySet: core.NewStaticKeySet(pk)},
	}})
	enc := base64.RawURLEncoding.EncodeToString
	zeros := "[" + strings.Repeat("0,", 8<<10-1) + "0]"
	valid := k.sign(b, baseClaims(map[string]any{"pad": strings.Repeat("x", 16<<10-300)}))
	badSig := "." + strings.Repeat("A", 342)
	header := enc([]byte(`{"alg":"RS256","kid":"` + k.kid + `","typ":"at+jwt"}`))
	forged := map[string]string{
		"forged-header":  enc([]byte(zeros)) + "." + enc([]byte(`{}`)) + badSig,
		"forged-payload": header + "." + enc([]byte(zeros)) + badSig,
		"forged-iss":     header + "." + enc([]byte(`{"iss":"`+issuer+`","x":`+zeros+`}`)) + badSig,
	}
	ctx := context.Background()
	for _, form := range []struct {
		name string
		v    *core.Verifier
		rows []string
	}{
		{"single", single, []string{"forged-header", "forged-payload"}},
		{"multi", multi, []string{"forged-header", "forged-payload", "forged-iss"}},
	} {
		b.Run("RS256/"+form.name+"-valid", func(b *testing.B) {
			loop(b, func() error { _, err := form.v.Verify(ctx, valid); return err })
		})
		for _, row := range form.rows {
			tok := forged[row]
			b.Run("RS256/"+form.name+"-"+row, func(b *testing.B) {
				loop(b, func() error {
					if _, err := form.v.Verify(ctx, tok); err == nil {
						b.Fatal("a forged token was accepted")
					}
					return nil
				})
			})
		}
	}
}

func forgedVerifier(tb testing.TB, cfg core.Config) *core.Verifier {
	tb.Helper()
	cfg.Audiences, cfg.TokenCacheEntries, cfg.MaxTokenBytes = []string{audience}, cacheOff, 64<<10
	v, err := core.NewVerifier(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = v.Close() })
	return v
}
