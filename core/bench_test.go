package core

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// Benchmarks of core verification against the floor (performance.md): the
// same token for every row, header {alg, kid, typ} and claims iss, sub,
// aud, exp, iat, nbf, scope, roles; RSA-2048, P-256 and Ed25519 keys.
//
// Compare only figures of one run: go test -run '^$' -bench . -benchmem
// -count 6 ./core/, then the median of core ÷ the median of Floor per alg.

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

// bnFixture is one signed token with the verifier and the prepared key.
type bnFixture struct {
	alg, token string
	v          *Verifier
	pub        crypto.PublicKey
	input      string // signing input
	sig        []byte // decoded signature
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
	dot := strings.LastIndexByte(tok, '.')
	sig, err := base64.RawURLEncoding.DecodeString(tok[dot+1:])
	if err != nil {
		tb.Fatal(err)
	}
	f := &bnFixture{alg: alg, token: tok, v: v, pub: k.signer.Public(), input: tok[:dot], sig: sig}
	if _, err := v.Verify(context.Background(), tok); err != nil {
		tb.Fatalf("%s: core refuses the benchmark token: %v", alg, err)
	}
	if err := bnFloor(f.token, alg, f.pub); err != nil {
		tb.Fatalf("%s: the floor refuses the benchmark token: %v", alg, err)
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
	b.Run("Floor", func(b *testing.B) {
		for _, f := range fixtures {
			b.Run(f.alg, func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(f.token)))
				for b.Loop() {
					if err := bnFloor(f.token, f.alg, f.pub); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	})
	b.Run("SigOnly", func(b *testing.B) {
		for _, f := range fixtures {
			b.Run(f.alg, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if !bnVerifySig(f.alg, f.pub, f.input, f.sig) {
						b.Fatal("signature refused")
					}
				}
			})
		}
	})
}

// bnAudienceList is aud as a string or an array of strings (RFC 7519 §4.1.3).
type bnAudienceList []string

func (a *bnAudienceList) UnmarshalJSON(data []byte) error {
	if len(data) > 0 && data[0] == '"' {
		var s string
		err := json.Unmarshal(data, &s)
		*a = bnAudienceList{s}
		return err
	}
	return json.Unmarshal(data, (*[]string)(a))
}

// bnFloorClaims is the small struct the floor decodes the claims into.
type bnFloorClaims struct {
	Iss   string         `json:"iss"`
	Sub   string         `json:"sub"`
	Aud   bnAudienceList `json:"aud"`
	Exp   float64        `json:"exp"`
	Iat   float64        `json:"iat"`
	Nbf   float64        `json:"nbf"`
	Scope string         `json:"scope"`
	Roles []string       `json:"roles"`
}

var errBnFloor = errors.New("floor: refused")

// bnFloor is the least work any correct verifier does (performance.md):
// base64url-decode the three parts, hash and verify the signature with the
// standard library on a prepared key, decode the claims JSON into a small
// struct and check exp, nbf, aud and iss.
func bnFloor(tok, alg string, pub crypto.PublicKey) error {
	h, rest, ok1 := strings.Cut(tok, ".")
	p, s, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 {
		return errBnFloor
	}
	enc := base64.RawURLEncoding
	if _, err := enc.DecodeString(h); err != nil {
		return errBnFloor
	}
	payload, err := enc.DecodeString(p)
	if err != nil {
		return errBnFloor
	}
	sig, err := enc.DecodeString(s)
	if err != nil {
		return errBnFloor
	}
	if !bnVerifySig(alg, pub, tok[:len(h)+1+len(p)], sig) {
		return errBnFloor
	}
	var c bnFloorClaims
	if err := json.Unmarshal(payload, &c); err != nil {
		return errBnFloor
	}
	now := float64(bnNow.Unix())
	if now >= c.Exp || (c.Nbf != 0 && now < c.Nbf) || c.Iss != bnIssuer || !slices.Contains(c.Aud, bnAudience) {
		return errBnFloor
	}
	return nil
}

// bnVerifySig hashes the signing input and checks sig with the standard
// library.
func bnVerifySig(alg string, pub crypto.PublicKey, input string, sig []byte) bool {
	if alg == "EdDSA" {
		return ed25519.Verify(pub.(ed25519.PublicKey), []byte(input), sig)
	}
	d := sha256.Sum256([]byte(input))
	switch alg {
	case "RS256":
		return rsa.VerifyPKCS1v15(pub.(*rsa.PublicKey), crypto.SHA256, d[:], sig) == nil
	case "PS256":
		return rsa.VerifyPSS(pub.(*rsa.PublicKey), crypto.SHA256, d[:], sig,
			&rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}) == nil
	case "ES256":
		if len(sig) != 64 {
			return false
		}
		r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
		return ecdsa.Verify(pub.(*ecdsa.PublicKey), d[:], r, s)
	}
	return false
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
		if _, err := ExtractToken(creds); err != nil {
			b.Fatal(err)
		}
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
