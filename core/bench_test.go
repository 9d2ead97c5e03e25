package core

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// Benchmarks of core verification against the floor (performance.md): the
// same token for every row, header {alg, kid, typ} and claims iss, sub,
// aud, exp, iat, nbf, scope, roles; RSA-2048, P-256 and Ed25519 keys.
//
// These measure core alone (time and allocations per verification). The
// comparison with the floor and with other libraries, in interleaved rounds
// of one run, is the bench module's (make bench).

const (
	bnIssuer   = "https://issuer.example.com/"
	bnAudience = "https://api.example.com"
)

// bnNow is the fixed clock of the benchmarks.
var bnNow = time.Unix(1_800_000_000, 0)

var bnAlgs = []string{"RS256", "PS256", "ES256", "EdDSA"}

// bnClaims returns the benchmark claim set; extra members are added as they
// are (used to grow the payload).
func bnClaims(extra map[string]any) map[string]any {
	c := map[string]any{
		"iss":   bnIssuer,
		"sub":   "248289761001",
		"aud":   bnAudience,
		"exp":   bnNow.Unix() + 3600,
		"iat":   bnNow.Unix() - 60,
		"nbf":   bnNow.Unix() - 60,
		"scope": "openid profile read:items write:items",
		"roles": []string{"admin", "editor"},
	}
	for k, v := range extra {
		c[k] = v
	}
	return c
}

// bnFixture is one signed token with the verifier that accepts it.
type bnFixture struct {
	alg, token string
	v          *Verifier
}

// bnNewFixture signs claims with a fresh key for alg and builds a Verifier
// over a StaticKeySet holding that key plus fillers other keys (RS* only).
func bnNewFixture(tb testing.TB, alg string, claims map[string]any, fillers int) *bnFixture {
	tb.Helper()
	k := newKitKey(tb, "bn-"+alg, alg)
	tok := k.sign(tb, claims)
	keys := make([]*PublicKey, 0, fillers+1)
	if fillers > 0 {
		other := newKitKey(tb, "bn-filler", alg).signer.Public()
		for i := range fillers {
			pk, err := NewPublicKey(fmt.Sprintf("bn-filler-%d", i), alg, other)
			if err != nil {
				tb.Fatal(err)
			}
			keys = append(keys, pk)
		}
	}
	pk, err := NewPublicKey(k.kid, alg, k.signer.Public())
	if err != nil {
		tb.Fatal(err)
	}
	keys = append(keys, pk)
	v, err := NewVerifier(Config{
		Audiences: []string{bnAudience},
		Issuer:    bnIssuer,
		KeySet:    NewStaticKeySet(keys...),
		Now:       func() time.Time { return bnNow },
		// Measure verification itself, not the verified-token cache.
		TokenCacheEntries: -1,
	})
	if err != nil {
		tb.Fatal(err)
	}
	f := &bnFixture{alg: alg, token: tok, v: v}
	if _, err := v.Verify(context.Background(), tok); err != nil {
		tb.Fatalf("%s: core refuses the benchmark token: %v", alg, err)
	}
	return f
}

func (f *bnFixture) benchVerify(b *testing.B) {
	ctx := context.Background()
	b.ReportAllocs()
	b.SetBytes(int64(len(f.token)))
	for b.Loop() {
		if _, err := f.v.Verify(ctx, f.token); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	fixtures := make([]*bnFixture, len(bnAlgs))
	for i, alg := range bnAlgs {
		fixtures[i] = bnNewFixture(b, alg, bnClaims(nil), 0)
	}
	for _, f := range fixtures {
		b.Run(f.alg, f.benchVerify)
	}
}

func BenchmarkVerifyKeySetSize(b *testing.B) {
	for _, n := range []int{1, 10, 100} {
		f := bnNewFixture(b, "RS256", bnClaims(nil), n-1)
		b.Run(fmt.Sprint(n), f.benchVerify)
	}
}

// bnGroups returns a "groups" claim of about size bytes of JSON.
func bnGroups(size int) []string {
	var g []string
	for n := 0; n < size; n += len(`"group-000000",`) {
		g = append(g, fmt.Sprintf("group-%06d", len(g)))
	}
	return g
}

func BenchmarkVerifyClaimSize(b *testing.B) {
	for _, sz := range []struct {
		name string
		size int
	}{{"1KB", 1 << 10}, {"8KB", 8 << 10}} {
		base := len(kitJSON(b, bnClaims(nil)))
		f := bnNewFixture(b, "RS256", bnClaims(map[string]any{"groups": bnGroups(sz.size - base)}), 0)
		b.Run(sz.name, f.benchVerify)
	}
}

func BenchmarkExtractToken(b *testing.B) {
	tok := newKitKey(b, "bn-RS256", "RS256").sign(b, bnClaims(nil))
	creds := Credentials{Authorization: []string{"Bearer " + tok}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := extractToken(creds); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkExtractTokenSources: the token sources beyond the header cost
// nothing when the header decides, and no allocation when they do.
func BenchmarkExtractTokenSources(b *testing.B) {
	tok := newKitKey(b, "bn-RS256", "RS256").sign(b, bnClaims(nil))
	extract := func() (string, error) { return tok, nil }
	for _, bc := range []struct {
		name  string
		creds Credentials
	}{
		{"header-with-cookie-and-extractor", Credentials{Authorization: []string{"Bearer " + tok}, Cookie: []string{tok}, Extract: extract}},
		{"cookie", Credentials{Cookie: []string{tok}, Extract: extract}},
		{"extractor", Credentials{Extract: extract}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := extractToken(bc.creds); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCheckPolicy is the whole per-request decision: extraction,
// verification (RS256) and an AnyScope policy.
func BenchmarkCheckPolicy(b *testing.B) {
	f := bnNewFixture(b, "RS256", bnClaims(nil), 0)
	creds := Credentials{Authorization: []string{"Bearer " + f.token}}
	policy := AnyScope("read:items")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.v.Check(ctx, http.MethodGet, creds, policy); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCacheHitParallel measures cache hits from every P (run with
// -cpu 1,2,...): 32 cached tokens (a hot set that stays in the CPU caches,
// so that memory bandwidth does not hide lock contention), spread over the
// shards, each goroutine walking them from its own offset. A hit takes its
// shard's read lock only, and writes to the entry at most once a second.
func BenchmarkCacheHitParallel(b *testing.B) {
	k := newKitKey(b, "bn-hit", "EdDSA")
	pk, err := NewPublicKey(k.kid, "EdDSA", k.signer.Public())
	if err != nil {
		b.Fatal(err)
	}
	v, err := NewVerifier(Config{Audiences: []string{bnAudience}, Issuer: bnIssuer, KeySet: NewStaticKeySet(pk),
		Now: func() time.Time { return bnNow }})
	if err != nil {
		b.Fatal(err)
	}
	defer v.Close()
	ctx := context.Background()
	tokens := make([]string, 32)
	for i := range tokens {
		tokens[i] = k.sign(b, bnClaims(map[string]any{"jti": fmt.Sprint(i)}))
		if _, err := v.Verify(ctx, tokens[i]); err != nil {
			b.Fatal(err)
		}
	}
	var next atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := int(next.Add(97))
		for pb.Next() {
			if _, err := v.Verify(ctx, tokens[i%len(tokens)]); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}
