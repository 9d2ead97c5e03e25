package bench

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/axiomsgo/axioms/core"
)

const (
	issuer   = "https://issuer.example.com/"
	audience = "https://api.example.com"
)

// algs are the algorithms every table covers, in table order.
var algs = []string{"RS256", "PS256", "ES256", "EdDSA"}

// keyPair is one signing key of the benchmark issuer.
type keyPair struct {
	alg, kid string
	priv     crypto.Signer
	pub      crypto.PublicKey
}

var (
	keysOnce sync.Once
	keyPairs map[string]*keyPair
)

// keyFor returns the signing key of alg, generated once per process.
func keyFor(tb testing.TB, alg string) *keyPair {
	tb.Helper()
	keysOnce.Do(func() {
		keyPairs = map[string]*keyPair{}
		for _, a := range algs {
			var s crypto.Signer
			var err error
			switch a {
			case "RS256", "PS256":
				s, err = rsa.GenerateKey(rand.Reader, 2048)
			case "ES256":
				s, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			case "EdDSA":
				_, s, err = ed25519.GenerateKey(rand.Reader)
			}
			if err != nil {
				panic(err)
			}
			keyPairs[a] = &keyPair{alg: a, kid: "key-" + a, priv: s, pub: s.Public()}
		}
	})
	return keyPairs[alg]
}

// baseClaims is the claim set of every token; extra members are added as
// they are (to grow the payload). Times are relative to the real clock, as
// every peer reads time.Now.
func baseClaims(extra map[string]any) map[string]any {
	now := time.Now().Unix()
	c := map[string]any{
		"iss":   issuer,
		"sub":   "248289761001",
		"aud":   audience,
		"exp":   now + 24*3600,
		"iat":   now - 60,
		"nbf":   now - 60,
		"scope": "openid profile read:items write:items",
		"roles": []string{"admin", "editor"},
	}
	for k, v := range extra {
		c[k] = v
	}
	return c
}

// sign returns a compact JWS of claims under the header {alg, kid, typ}.
func (k *keyPair) sign(tb testing.TB, claims map[string]any) string {
	tb.Helper()
	enc := base64.RawURLEncoding
	h, err := json.Marshal(map[string]string{"alg": k.alg, "kid": k.kid, "typ": "at+jwt"})
	if err != nil {
		tb.Fatal(err)
	}
	p, err := json.Marshal(claims)
	if err != nil {
		tb.Fatal(err)
	}
	input := enc.EncodeToString(h) + "." + enc.EncodeToString(p)
	var sig []byte
	d := sha256.Sum256([]byte(input))
	switch k.alg {
	case "RS256":
		sig, err = rsa.SignPKCS1v15(rand.Reader, k.priv.(*rsa.PrivateKey), crypto.SHA256, d[:])
	case "PS256":
		sig, err = rsa.SignPSS(rand.Reader, k.priv.(*rsa.PrivateKey), crypto.SHA256, d[:],
			&rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	case "ES256":
		r, s, e := ecdsa.Sign(rand.Reader, k.priv.(*ecdsa.PrivateKey), d[:])
		sig, err = make([]byte, 64), e
		r.FillBytes(sig[:32])
		s.FillBytes(sig[32:])
	case "EdDSA":
		sig = ed25519.Sign(k.priv.(ed25519.PrivateKey), []byte(input))
	}
	if err != nil {
		tb.Fatal(err)
	}
	return input + "." + enc.EncodeToString(sig)
}

// fillerKIDs names the n-1 other keys of a key set of n keys. They share
// the public key material of the real key (key-set lookups never look at
// the material), so that large sets cost no key generation.
func fillerKIDs(n int) []string {
	kids := make([]string, 0, max(n-1, 0))
	for i := range n - 1 {
		kids = append(kids, fmt.Sprintf("filler-%03d", i))
	}
	return kids
}

// cacheOff is the TokenCacheEntries value that turns the verified-token
// cache off: every verification row measures the full work.
const cacheOff = -1

// newCoreVerifier builds an axioms-go Verifier over a static key set of
// size keys (the real one last) with the token cache on or off, and the
// settings of with applied last.
func newCoreVerifier(tb testing.TB, k *keyPair, size int, cache bool, with ...func(*core.Config)) *core.Verifier {
	tb.Helper()
	var keys []*core.PublicKey
	for _, kid := range fillerKIDs(size) {
		keys = append(keys, mustPublicKey(tb, kid, k.alg, k.pub))
	}
	keys = append(keys, mustPublicKey(tb, k.kid, k.alg, k.pub))
	cfg := core.Config{
		Audiences: []string{audience},
		Issuer:    issuer,
		KeySet:    core.NewStaticKeySet(keys...),
	}
	if !cache {
		cfg.TokenCacheEntries = cacheOff
	}
	for _, f := range with {
		f(&cfg)
	}
	v, err := core.NewVerifier(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = v.Close() })
	return v
}

func mustPublicKey(tb testing.TB, kid, alg string, pub crypto.PublicKey) *core.PublicKey {
	tb.Helper()
	pk, err := core.NewPublicKey(kid, alg, pub)
	if err != nil {
		tb.Fatal(err)
	}
	return pk
}

// groups returns a "groups" claim of about size bytes of JSON.
func groups(size int) []string {
	var g []string
	for n := 0; n < size; n += len(`"group-000000",`) {
		g = append(g, fmt.Sprintf("group-%06d", len(g)))
	}
	return g
}

// claimsOfSize returns the base claims grown to about size bytes of JSON.
func claimsOfSize(tb testing.TB, size int) map[string]any {
	tb.Helper()
	b, err := json.Marshal(baseClaims(nil))
	if err != nil {
		tb.Fatal(err)
	}
	return baseClaims(map[string]any{"groups": groups(size - len(b))})
}

// loop runs f b.N times (b.Loop), failing on the first error.
func loop(b *testing.B, f func() error) {
	b.Helper()
	if err := f(); err != nil { // refuse a broken setup before timing
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := f(); err != nil {
			b.Fatal(err)
		}
	}
}
