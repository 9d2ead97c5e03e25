package jwkset

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newKeyT is New that fails the test on error.
func newKeyT(t testing.TB, alg string, pub crypto.PublicKey) *Key {
	t.Helper()
	k, err := New("", alg, pub)
	require.NoError(t, err)
	return k
}

// TestAccepts checks every key kind against every algorithm name.
func TestAccepts(t *testing.T) {
	f := keys(t)
	rsaAlgs := []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}
	tests := []struct {
		name string
		key  *Key
		want []string
	}{
		{"RSA without alg", newKeyT(t, "", &f.rsa.PublicKey), rsaAlgs},
		{"RSA alg RS256", newKeyT(t, "RS256", &f.rsa.PublicKey), []string{"RS256"}},
		{"RSA alg PS256", newKeyT(t, "PS256", &f.rsa.PublicKey), []string{"PS256"}},
		{"P-256 without alg", newKeyT(t, "", &f.p256.PublicKey), []string{"ES256"}},
		{"P-256 alg ES256", newKeyT(t, "ES256", &f.p256.PublicKey), []string{"ES256"}},
		{"P-384 without alg", newKeyT(t, "", &f.p384.PublicKey), []string{"ES384"}},
		{"P-521 without alg", newKeyT(t, "", &f.p521.PublicKey), []string{"ES512"}},
		{"Ed25519 without alg", newKeyT(t, "", f.ed.Public()), []string{"EdDSA", "Ed25519"}},
		{"Ed25519 alg EdDSA", newKeyT(t, "EdDSA", f.ed.Public()), []string{"EdDSA", "Ed25519"}},
		{"Ed25519 alg Ed25519", newKeyT(t, "Ed25519", f.ed.Public()), []string{"EdDSA", "Ed25519"}},
		{"hand-built key with foreign alg", &Key{Alg: "HS256", Public: &f.rsa.PublicKey}, nil},
		{"hand-built key without public key", &Key{Kty: "RSA"}, nil},
		{"nil key", nil, nil},
	}
	names := append(slices.Clone(allAlgs), "none", "None", "HS256", "rs256", "ES256K", "ed25519", "Ed448", "ES521", "")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, alg := range names {
				assert.Equal(t, slices.Contains(tc.want, alg), tc.key.Accepts(alg), "alg %q", alg)
			}
		})
	}
}

// signer pairs a private key with its verification Key.
type signer struct {
	priv crypto.Signer
	key  *Key
}

// signers returns, for each algorithm, a private key and its Key.
func signers(t testing.TB) map[string]signer {
	t.Helper()
	f := keys(t)
	rsaKey := newKeyT(t, "", &f.rsa.PublicKey)
	return map[string]signer{
		"RS256": {f.rsa, rsaKey}, "RS384": {f.rsa, rsaKey}, "RS512": {f.rsa, rsaKey},
		"PS256": {f.rsa, rsaKey}, "PS384": {f.rsa, rsaKey}, "PS512": {f.rsa, rsaKey},
		"ES256":   {f.p256, newKeyT(t, "", &f.p256.PublicKey)},
		"ES384":   {f.p384, newKeyT(t, "", &f.p384.PublicKey)},
		"ES512":   {f.p521, newKeyT(t, "ES512", &f.p521.PublicKey)},
		"EdDSA":   {f.ed, newKeyT(t, "EdDSA", f.ed.Public())},
		"Ed25519": {f.ed, newKeyT(t, "Ed25519", f.ed.Public())},
	}
}

// TestVerifyValid checks real signatures made with the standard library for
// all eleven algorithms, over short and long signing inputs.
func TestVerifyValid(t *testing.T) {
	inputs := []string{"", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0", strings.Repeat("x.", 5000)}
	for alg, s := range signers(t) {
		t.Run(alg, func(t *testing.T) {
			for _, msg := range inputs {
				assert.True(t, s.key.Verify(alg, msg, sign(t, alg, s.priv, msg)), "len %d", len(msg))
			}
		})
	}
}

// TestVerifyEdDSANames checks the two names of EdDSA over Ed25519 (RFC
// 8037 "EdDSA", RFC 9864 "Ed25519") in both directions: a JWK bound to
// either name verifies a token that names either, and nothing else.
func TestVerifyEdDSANames(t *testing.T) {
	f := keys(t)
	const msg = "eyJhbGciOiJFZDI1NTE5In0.eyJzdWIiOiJhIn0"
	sig := ed25519.Sign(f.ed, []byte(msg))
	tests := []struct {
		name     string
		jwkAlg   string
		tokenAlg string
		want     bool
	}{
		{"JWK EdDSA, token EdDSA", "EdDSA", "EdDSA", true},
		{"JWK EdDSA, token Ed25519", "EdDSA", "Ed25519", true},
		{"JWK Ed25519, token EdDSA", "Ed25519", "EdDSA", true},
		{"JWK Ed25519, token Ed25519", "Ed25519", "Ed25519", true},
		{"JWK without alg, token Ed25519", "", "Ed25519", true},
		{"JWK Ed25519, token Ed448", "Ed25519", "Ed448", false},
		{"JWK Ed25519, token ed25519", "Ed25519", "ed25519", false},
		{"JWK Ed25519, token ES256", "Ed25519", "ES256", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			jwk := jwkMap(t, f.ed.Public())
			if tc.jwkAlg != "" {
				jwk["alg"] = tc.jwkAlg
			}
			ks, dropped := parseOne(t, jwk)
			require.Empty(t, dropped)
			require.Len(t, ks, 1)
			assert.Equal(t, tc.want, ks[0].Accepts(tc.tokenAlg))
			assert.Equal(t, tc.want, ks[0].Verify(tc.tokenAlg, msg, sig))
			assert.False(t, ks[0].Verify(tc.tokenAlg, msg+"x", sig), "a bad signature never verifies")
		})
	}
}

// verifyCase is a signature that Verify must refuse.
type verifyCase struct {
	name string
	key  *Key
	alg  string
	msg  string
	sig  []byte
}

// TestVerifyInvalid checks signatures that must be refused.
func TestVerifyInvalid(t *testing.T) {
	f := keys(t)
	ss := signers(t)
	const msg = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhIn0"
	valid := map[string][]byte{}
	for alg, s := range ss {
		valid[alg] = sign(t, alg, s.priv, msg)
	}
	rsaKey, ecKey, edKey := ss["RS256"].key, ss["ES256"].key, ss["EdDSA"].key
	es256 := valid["ES256"]
	n256 := elliptic.P256().Params().N.FillBytes(make([]byte, 32))
	derSig, err := ecdsa.SignASN1(rand.Reader, f.p256, hashOf(crypto.SHA256, msg))
	require.NoError(t, err)

	tests := []verifyCase{
		{"RS256 verified as RS384", rsaKey, "RS384", msg, valid["RS256"]},
		{"RS256 verified as PS256", rsaKey, "PS256", msg, valid["RS256"]},
		{"PS256 verified as RS256", rsaKey, "RS256", msg, valid["PS256"]},
		{"PS384 with key alg PS256", newKeyT(t, "PS256", &f.rsa.PublicKey), "PS384", msg, valid["PS384"]},
		{"RS256 with key alg PS256", newKeyT(t, "PS256", &f.rsa.PublicKey), "RS256", msg, valid["RS256"]},
		{"ES256 verified as ES384", ecKey, "ES384", msg, es256},
		{"ES384 signature on a P-256 key", ecKey, "ES384", msg, valid["ES384"]},
		{"alg none", rsaKey, "none", msg, nil},
		{"alg HS256 with RSA key", rsaKey, "HS256", msg, valid["RS256"]},
		{"RS256 wrong key", newKeyT(t, "", &f.rsa2.PublicKey), "RS256", msg, valid["RS256"]},
		{"ES256 wrong key", newKeyT(t, "", &f.p256b.PublicKey), "ES256", msg, es256},
		{"EdDSA wrong key", newKeyT(t, "", f.ed2.Public()), "EdDSA", msg, valid["EdDSA"]},
		{"RS256 other input", rsaKey, "RS256", msg + "x", valid["RS256"]},
		{"ES256 other input", ecKey, "ES256", msg[:len(msg)-1], es256},
		{"EdDSA other input", edKey, "EdDSA", "x" + msg, valid["EdDSA"]},
		{"RS256 truncated", rsaKey, "RS256", msg, valid["RS256"][:255]},
		{"RS256 extended", rsaKey, "RS256", msg, append(slices.Clone(valid["RS256"]), 0)},
		{"RS256 zero-padded front", rsaKey, "RS256", msg, append([]byte{0}, valid["RS256"]...)},
		{"PS256 truncated", rsaKey, "PS256", msg, valid["PS256"][:255]},
		{"ES256 truncated (63 bytes)", ecKey, "ES256", msg, es256[:63]},
		{"ES256 extended (65 bytes)", ecKey, "ES256", msg, append(slices.Clone(es256), 0)},
		{"ES256 r=s=0 (CVE-2022-21449)", ecKey, "ES256", msg, make([]byte, 64)},
		{"ES256 r=0", ecKey, "ES256", msg, append(make([]byte, 32), es256[32:]...)},
		{"ES256 s=0", ecKey, "ES256", msg, append(slices.Clone(es256[:32]), make([]byte, 32)...)},
		{"ES256 r=n", ecKey, "ES256", msg, append(slices.Clone(n256), es256[32:]...)},
		{"ES256 s=n", ecKey, "ES256", msg, append(slices.Clone(es256[:32]), n256...)},
		{"ES256 r=s=0xff..", ecKey, "ES256", msg, bytesOf(0xff, 64)},
		{"ES256 DER-encoded", ecKey, "ES256", msg, derSig},
		{"ES512 truncated (131 bytes)", ss["ES512"].key, "ES512", msg, valid["ES512"][:131]},
		{"EdDSA truncated", edKey, "EdDSA", msg, valid["EdDSA"][:63]},
		{"EdDSA extended", edKey, "EdDSA", msg, append(slices.Clone(valid["EdDSA"]), 0)},
		{"PSS salt length 0", rsaKey, "PS256", msg, signPSSSalt(t, f.rsa, crypto.SHA256, msg, 0)},
		{"PSS salt length 64", rsaKey, "PS256", msg, signPSSSalt(t, f.rsa, crypto.SHA256, msg, 64)},
		{"PSS salt length 20", rsaKey, "PS256", msg, signPSSSalt(t, f.rsa, crypto.SHA256, msg, 20)},
		{"PSS maximal salt", rsaKey, "PS256", msg, signPSSAuto(t, f.rsa, msg)},
		{"PS512 salt length 32", rsaKey, "PS512", msg, signPSSSalt(t, f.rsa, crypto.SHA512, msg, 32)},
	}
	for _, alg := range allAlgs {
		k := ss[alg].key
		tests = append(tests,
			verifyCase{alg + " nil signature", k, alg, msg, nil},
			verifyCase{alg + " empty signature", k, alg, msg, []byte{}},
			verifyCase{alg + " 1 MiB signature", k, alg, msg, bytesOf(0x5a, 1<<20)},
		)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.False(t, tc.key.Verify(tc.alg, tc.msg, tc.sig))
		})
	}
}

// TestPSSSaltHelper makes sure the hand-made PSS encoder is right, so that
// the salt-length cases above fail for the salt length alone.
func TestPSSSaltHelper(t *testing.T) {
	f := keys(t)
	const msg = "a.b"
	sig := signPSSSalt(t, f.rsa, crypto.SHA256, msg, 32)
	assert.True(t, newKeyT(t, "", &f.rsa.PublicKey).Verify("PS256", msg, sig))
	for _, salt := range []int{0, 20, 64} {
		sig := signPSSSalt(t, f.rsa, crypto.SHA256, msg, salt)
		opts := &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto}
		assert.NoError(t, rsa.VerifyPSS(&f.rsa.PublicKey, crypto.SHA256, hashOf(crypto.SHA256, msg), sig, opts), "salt %d", salt)
	}
}

// TestVerifyHandBuiltKeys checks that Keys built without New never panic.
func TestVerifyHandBuiltKeys(t *testing.T) {
	sig := bytesOf(1, 64)
	tests := []struct {
		name string
		key  *Key
		alg  string
	}{
		{"nil key", nil, "RS256"},
		{"zero key", &Key{}, "RS256"},
		{"nil RSA key", &Key{Public: (*rsa.PublicKey)(nil)}, "RS256"},
		{"RSA without modulus", &Key{Public: &rsa.PublicKey{E: 65537}}, "PS256"},
		{"EC without curve", &Key{Public: &ecdsa.PublicKey{}}, "ES256"},
		{"EC without coordinates", &Key{Public: &ecdsa.PublicKey{Curve: elliptic.P256()}}, "ES256"},
		{"nil EC key", &Key{Public: (*ecdsa.PublicKey)(nil)}, "ES256"},
		{"nil Ed25519 key", &Key{Public: ed25519.PublicKey(nil)}, "EdDSA"},
		{"short Ed25519 key", &Key{Public: ed25519.PublicKey{1, 2}}, "EdDSA"},
		{"Ed448-sized key, alg Ed25519", &Key{Alg: "Ed25519", Public: ed25519.PublicKey(make([]byte, 57))}, "Ed25519"},
		{"value RSA key", &Key{Public: rsa.PublicKey{N: big.NewInt(3), E: 3}}, "RS256"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.NotPanics(t, func() {
				assert.False(t, tc.key.Verify(tc.alg, "a.b", sig))
			})
		})
	}
}

// TestDigestDoesNotAllocate checks that hashing the signing input copies
// nothing to the heap.
func TestDigestDoesNotAllocate(t *testing.T) {
	msg := strings.Repeat("eyJhbGciOiJSUzI1NiJ9", 200)
	for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA384, crypto.SHA512} {
		var buf [64]byte
		allocs := testing.AllocsPerRun(100, func() { digest(h, msg, &buf) })
		assert.Zero(t, allocs, "%v", h)
		assert.Equal(t, hashOf(h, msg), digest(h, msg, &buf), "%v", h)
	}
}

// TestAppendDERSig checks the DER encoding against encoding/asn1 via the
// standard library verifier for r and s with and without high bits and
// leading zeros, on every curve.
func TestAppendDERSig(t *testing.T) {
	f := keys(t)
	for _, priv := range []*ecdsa.PrivateKey{f.p256, f.p384, f.p521} {
		c := curveByParams(priv.Curve)
		for range 50 {
			sig := signES(t, priv, hashOf(crypto.SHA256, "m"))
			var buf [maxDERSig]byte
			der := appendDERSig(buf[:0], sig[:c.size], sig[c.size:])
			assert.True(t, ecdsa.VerifyASN1(&priv.PublicKey, hashOf(crypto.SHA256, "m"), der), c.name)
		}
	}
}

// signPSSAuto signs PS256 with the largest salt crypto/rsa allows.
func signPSSAuto(t testing.TB, priv *rsa.PrivateKey, msg string) []byte {
	t.Helper()
	sig, err := rsa.SignPSS(rand.Reader, priv, crypto.SHA256, hashOf(crypto.SHA256, msg), &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto})
	require.NoError(t, err)
	return sig
}

func bytesOf(b byte, n int) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = b
	}
	return out
}

// BenchmarkVerify measures the hot path for one algorithm of each family.
func BenchmarkVerify(b *testing.B) {
	ss := signers(b)
	msg := "eyJhbGciOiJSUzI1NiIsInR5cCI6ImF0K2p3dCIsImtpZCI6ImsxIn0." + strings.Repeat("eyJzdWIiOiJhbGljZSJ9", 30)
	for _, alg := range []string{"RS256", "PS256", "ES256", "ES384", "ES512", "EdDSA"} {
		s := ss[alg]
		sig := sign(b, alg, s.priv, msg)
		b.Run(alg, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if !s.key.Verify(alg, msg, sig) {
					b.Fatal("verify failed")
				}
			}
		})
	}
}

// BenchmarkRSAModulus measures what a forged RS256 token costs against an
// RSA key of each size: the public-key operation runs in full before the
// padding check fails. The ratio of 8192 to 2048 bits is quoted in the doc
// comment of core.Config.MaxRSABits.
func BenchmarkRSAModulus(b *testing.B) {
	const msg = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0"
	for _, bits := range []int{2048, 3072, 4096, 8192} {
		n := oddNumber(b, bits)
		k, err := New("", "RS256", &rsa.PublicKey{N: n, E: 65537})
		require.NoError(b, err)
		sig := new(big.Int).Rsh(n, 1).FillBytes(make([]byte, (bits+7)/8)) // < n, not a signature
		b.Run(fmt.Sprint(bits), func(b *testing.B) {
			for b.Loop() {
				if k.Verify("RS256", msg, sig) {
					b.Fatal("forged signature verified")
				}
			}
		})
	}
}

// BenchmarkECDSAForms compares the two ways of handing r‖s to crypto/ecdsa:
// a DER encoding built on the stack for VerifyASN1 (what Verify does), and
// big.Int values for ecdsa.Verify.
func BenchmarkECDSAForms(b *testing.B) {
	f := keys(b)
	const msg = "header.payload"
	d := hashOf(crypto.SHA256, msg)
	sig := signES(b, f.p256, d)
	b.Run("VerifyASN1", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var buf [maxDERSig]byte
			if !ecdsa.VerifyASN1(&f.p256.PublicKey, d, appendDERSig(buf[:0], sig[:32], sig[32:])) {
				b.Fatal("verify failed")
			}
		}
	})
	b.Run("Verify", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
			if !ecdsa.Verify(&f.p256.PublicKey, d, r, s) {
				b.Fatal("verify failed")
			}
		}
	})
}

// FuzzVerify checks that Verify never panics, whatever the alg, input and
// signature.
func FuzzVerify(f *testing.F) {
	f.Add("RS256", "a.b", []byte{})
	f.Add("ES256", "a.b", make([]byte, 64))
	f.Add("ES512", "", make([]byte, 132))
	f.Add("EdDSA", "a.b", make([]byte, 64))
	f.Add("PS384", "a.b", make([]byte, 256))
	ss := signers(f)
	f.Fuzz(func(t *testing.T, alg, msg string, sig []byte) {
		for _, name := range allAlgs {
			_ = ss[name].key.Verify(alg, msg, sig)
		}
	})
}

// TestVerifyConcurrent shares Keys between goroutines, for the race
// detector: a Key is read-only once built.
func TestVerifyConcurrent(t *testing.T) {
	ss := signers(t)
	const msg = "a.b"
	sigs := map[string][]byte{}
	for alg, s := range ss {
		sigs[alg] = sign(t, alg, s.priv, msg)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for alg, s := range ss {
				assert.True(t, s.key.Verify(alg, msg, sigs[alg]), alg)
			}
		})
	}
	wg.Wait()
}
