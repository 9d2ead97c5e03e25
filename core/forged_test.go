package core

import (
	"context"
	"encoding/base64"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Forged tokens of the maximum size against a valid token of the same
// size: a refused request may cost no more than an accepted one. The
// tokens are about 22 KiB (16 KiB of JSON in the part that grows), under a
// MaxTokenBytes of 64 KiB.

const fgJSONBytes = 16 << 10

// fgCase is one token and the verifier it is sent to.
type fgCase struct {
	name  string
	token string
	v     *Verifier
	valid bool
}

// fgCases builds the valid tokens (single and multi issuer, 16 KiB of
// claims) and the forged ones: a 16 KiB header of zeros in an array, a
// 16 KiB payload array under a plausible header with a wrong signature,
// and (multi issuer) a 16 KiB payload naming a trusted issuer, wrongly
// signed.
func fgCases(tb testing.TB) []fgCase {
	tb.Helper()
	k := newKitKey(tb, "fg", "RS256")
	pk, err := NewPublicKey(k.kid, "RS256", k.signer.Public())
	if err != nil {
		tb.Fatal(err)
	}
	common := func(c *Config) {
		c.Now, c.TokenCacheEntries, c.MaxTokenBytes = func() time.Time { return bnNow }, -1, 64<<10
	}
	single := Config{Audiences: []string{bnAudience}, Issuer: bnIssuer, KeySet: NewStaticKeySet(pk)}
	common(&single)
	multi := Config{Audiences: []string{bnAudience}, Issuers: []IssuerConfig{
		{Issuer: bnIssuer, KeySet: NewStaticKeySet(pk)}, {Issuer: "https://other.example.com/", KeySet: NewStaticKeySet(pk)},
	}}
	common(&multi)
	vs, vm := fgVerifier(tb, single), fgVerifier(tb, multi)

	zeros := "[" + strings.Repeat("0,", fgJSONBytes/2-1) + "0]"
	big := bnClaims(map[string]any{"pad": strings.Repeat("x", fgJSONBytes-300)})
	valid := k.sign(tb, big)
	enc := base64.RawURLEncoding.EncodeToString
	badSig := "." + strings.Repeat("A", 342) // 256 bytes: an RSA-2048 signature's size
	header := enc([]byte(`{"alg":"RS256","kid":"fg","typ":"at+jwt"}`))
	forgedHeader := enc([]byte(zeros)) + "." + enc([]byte(`{}`)) + badSig
	forgedArray := header + "." + enc([]byte(zeros)) + badSig
	forgedIss := header + "." + enc([]byte(`{"iss":"`+bnIssuer+`","x":`+zeros+`}`)) + badSig
	return []fgCase{
		{"single/valid", valid, vs, true},
		{"single/forged-header", forgedHeader, vs, false},
		{"single/forged-payload", forgedArray, vs, false},
		{"multi/valid", valid, vm, true},
		{"multi/forged-header", forgedHeader, vm, false},
		{"multi/forged-payload", forgedArray, vm, false},
		{"multi/forged-iss-payload", forgedIss, vm, false},
	}
}

func fgVerifier(tb testing.TB, cfg Config) *Verifier {
	tb.Helper()
	v, err := NewVerifier(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = v.Close() })
	return v
}

// BenchmarkForged sets each forged token beside the valid one of its
// form (make bench reports the rows; the rule is forged ≤ valid).
func BenchmarkForged(b *testing.B) {
	ctx := context.Background()
	for _, c := range fgCases(b) {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.token)))
			for b.Loop() {
				if _, err := c.v.Verify(ctx, c.token); (err == nil) != c.valid {
					b.Fatalf("valid %v, err %v", c.valid, err)
				}
			}
		})
	}
}

// TestForgedCostsNoMoreMemory checks the memory side of the rule without
// timing anything: per verification, a forged token of the maximum size
// allocates no more (count and bytes) than the valid token of its form.
func TestForgedCostsNoMoreMemory(t *testing.T) {
	ctx := context.Background()
	measure := func(c fgCase) (allocs, bytes float64) {
		const runs = 50
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for range runs {
			if _, err := c.v.Verify(ctx, c.token); (err == nil) != c.valid {
				t.Fatalf("%s: valid %v, err %v", c.name, c.valid, err)
			}
		}
		runtime.ReadMemStats(&after)
		return float64(after.Mallocs-before.Mallocs) / runs, float64(after.TotalAlloc-before.TotalAlloc) / runs
	}
	var validAllocs, validBytes float64
	for _, c := range fgCases(t) {
		allocs, bytes := measure(c)
		t.Logf("%-26s %5.1f allocs %8.0f B (token %d B)", c.name, allocs, bytes, len(c.token))
		if c.valid {
			validAllocs, validBytes = allocs, bytes
			continue
		}
		if allocs > validAllocs || bytes > validBytes {
			t.Errorf("%s: %.1f allocs, %.0f B per verification; the valid token of the same size: %.1f, %.0f B",
				c.name, allocs, bytes, validAllocs, validBytes)
		}
	}
}

// A non-string iss is skipped, never built: a forged payload whose iss is
// a 512 KiB array allocates no more than its decoding.
func TestForgedIssArray(t *testing.T) {
	k := newKitKey(t, "fg", "RS256")
	pk, err := NewPublicKey(k.kid, "RS256", k.signer.Public())
	if err != nil {
		t.Fatal(err)
	}
	v := fgVerifier(t, Config{Audiences: []string{bnAudience}, MaxTokenBytes: 1 << 20, TokenCacheEntries: -1,
		Issuers: []IssuerConfig{{Issuer: bnIssuer, KeySet: NewStaticKeySet(pk)}, {Issuer: "https://other.example.com/", KeySet: NewStaticKeySet(pk)}}})
	enc := base64.RawURLEncoding.EncodeToString
	payload := `{"iss":[` + strings.Repeat("0,", 256<<10-1) + `0]}`
	tok := enc([]byte(`{"alg":"RS256","kid":"fg"}`)) + "." + enc([]byte(payload)) + "." + strings.Repeat("A", 342)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err = v.Verify(context.Background(), tok)
	runtime.ReadMemStats(&after)
	if err == nil {
		t.Fatal("accepted")
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > uint64(2*len(payload)) {
		t.Errorf("%d bytes allocated for a %d-byte payload", got, len(payload))
	}
}
