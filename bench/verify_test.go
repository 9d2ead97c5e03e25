package bench

import (
	"context"
	"fmt"
	"testing"
)

// Benchmark names are parsed by cmd/benchtab: Benchmark<Group>/<alg>/<row>.

// BenchmarkVerify is one token per algorithm through the floor, core and
// every peer library.
func BenchmarkVerify(b *testing.B) {
	for _, alg := range algs {
		k := keyFor(b, alg)
		tok := k.sign(b, baseClaims(nil))
		input, sig := splitSig(b, tok)
		v := newCoreVerifier(b, k, 1, false)
		ctx := context.Background()
		rows := []struct {
			name string
			f    verifier
		}{
			{"floor-sig", func(string) error { return boolErr(floorSig(alg, k.pub, input, sig)) }},
			{"floor", func(t string) error { return floorFull(t, alg, k.pub) }},
			{"core", func(t string) error { _, err := v.Verify(ctx, t); return err }},
			{"golang-jwt", newGolangJWT(b, k, 1)},
			{"go-jose", newGoJose(b, k)},
			{"jwx", newJWX(b, k, 1)},
			{"auth0", newAuth0(b, k)},
		}
		for _, r := range rows {
			b.Run(alg+"/"+r.name, func(b *testing.B) { loop(b, func() error { return r.f(tok) }) })
		}
	}
}

// BenchmarkKeySet is RS256 with 1, 10 and 100 keys in the set (the real
// key last) for core and the key-set-based peers.
func BenchmarkKeySet(b *testing.B) {
	k := keyFor(b, "RS256")
	tok := k.sign(b, baseClaims(nil))
	ctx := context.Background()
	for _, n := range []int{1, 10, 100} {
		v := newCoreVerifier(b, k, n, false)
		rows := []struct {
			name string
			f    verifier
		}{
			{"core", func(t string) error { _, err := v.Verify(ctx, t); return err }},
			{"golang-jwt", newGolangJWT(b, k, n)},
			{"jwx", newJWX(b, k, n)},
		}
		for _, r := range rows {
			b.Run(fmt.Sprintf("RS256/%s-keys-%d", r.name, n), func(b *testing.B) { loop(b, func() error { return r.f(tok) }) })
		}
	}
}

// BenchmarkClaimSize is RS256 with the claim set grown to 1 KB and 8 KB by
// a "groups" array.
func BenchmarkClaimSize(b *testing.B) {
	k := keyFor(b, "RS256")
	v := newCoreVerifier(b, k, 1, false)
	ctx := context.Background()
	for _, sz := range []struct {
		name string
		size int
	}{{"1KB", 1 << 10}, {"8KB", 8 << 10}} {
		tok := k.sign(b, claimsOfSize(b, sz.size))
		rows := []struct {
			name string
			f    verifier
		}{
			{"floor", func(t string) error { return floorFull(t, "RS256", k.pub) }},
			{"core", func(t string) error { _, err := v.Verify(ctx, t); return err }},
			{"golang-jwt", newGolangJWT(b, k, 1)},
			{"jwx", newJWX(b, k, 1)},
		}
		for _, r := range rows {
			b.Run("RS256/"+r.name+"-claims-"+sz.name, func(b *testing.B) { loop(b, func() error { return r.f(tok) }) })
		}
	}
}

// BenchmarkCacheHit is core with its verified-token cache on, verifying
// the same token again and again: every call after the first is a hit.
func BenchmarkCacheHit(b *testing.B) {
	for _, alg := range algs {
		k := keyFor(b, alg)
		tok := k.sign(b, baseClaims(nil))
		v := newCoreVerifier(b, k, 1, true)
		ctx := context.Background()
		b.Run(alg+"/core-cache-hit", func(b *testing.B) {
			loop(b, func() error { _, err := v.Verify(ctx, tok); return err })
		})
	}
}

func splitSig(tb testing.TB, tok string) (string, []byte) {
	tb.Helper()
	for i := len(tok) - 1; i >= 0; i-- {
		if tok[i] == '.' {
			sig, err := b64.DecodeString(tok[i+1:])
			if err != nil {
				tb.Fatal(err)
			}
			return tok[:i], sig
		}
	}
	tb.Fatal("no signature")
	return "", nil
}

func boolErr(ok bool) error {
	if !ok {
		return errFloor
	}
	return nil
}
