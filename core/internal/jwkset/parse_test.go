//lint:file-ignore SA1019 these tests build malformed EC keys from raw coordinates.

package jwkset

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"math/big"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestParseDropRules gives every drop rule at least one JWK that must be
// dropped with the rule's reason.
func TestParseDropRules(t *testing.T) {
	f := keys(t)
	rsaJWK := jwkMap(t, &f.rsa.PublicKey)
	ecJWK := jwkMap(t, &f.p256.PublicKey)
	edJWK := jwkMap(t, f.ed.Public())
	e65537 := big.NewInt(65537)
	offCurveY := new(big.Int).Add(f.p256.Y, big.NewInt(1)).FillBytes(make([]byte, 32))

	tests := []struct {
		name   string
		jwk    any
		reason string
	}{
		// Malformed JWKs.
		{"not an object: number", 5, reasonMalformed},
		{"not an object: null", nil, reasonMalformed},
		{"not an object: string", "RSA", reasonMalformed},
		{"not an object: array", []any{rsaJWK}, reasonMalformed},
		{"kid not a string", with(rsaJWK, "kid", 7), reasonMalformed},
		{"kty not a string", with(rsaJWK, "kty", 1), reasonMalformed},
		{"kty RSA with EC members (Wycheproof JWK tc 24)", with(ecJWK, "kty", "RSA"), reasonMalformed},
		{"RSA n missing", without(rsaJWK, "n"), reasonMalformed},
		{"RSA n not base64url", with(rsaJWK, "n", "+/+/"), reasonMalformed},
		{"RSA e empty", with(rsaJWK, "e", ""), reasonMalformed},
		{"crv not a string", with(ecJWK, "crv", 256), reasonMalformed},
		// kty.
		{"kty oct (symmetric)", jwkMap(t, []byte("0123456789abcdef0123456789abcdef")), reasonUnsupportedKty},
		{"kty AKP (post-quantum, unknown)", map[string]any{"kty": "AKP", "alg": "ML-DSA-44", "pub": "AAAA"}, reasonUnsupportedKty},
		{"kty missing", without(rsaJWK, "kty"), reasonUnsupportedKty},
		{"kty lowercase rsa", with(rsaJWK, "kty", "rsa"), reasonUnsupportedKty},
		// Private and secret members.
		{"RSA private key", jwkMap(t, f.rsa), reasonPrivate},
		{"EC private key", jwkMap(t, f.p256), reasonPrivate},
		{"OKP private key", jwkMap(t, f.ed), reasonPrivate},
		{"RSA public key with p", with(rsaJWK, "p", "AQAB"), reasonPrivate},
		{"RSA public key with oth", with(rsaJWK, "oth", []any{}), reasonPrivate},
		{"EC key with k", with(ecJWK, "k", "AAAA"), reasonPrivate},
		{"EC key with upper-case D", with(ecJWK, "D", "AAAA"), reasonPrivate},
		// use and key_ops.
		{"use enc", with(rsaJWK, "use", "enc"), reasonUse},
		{"use unknown", with(ecJWK, "use", "auth"), reasonUse},
		{"use not a string", with(rsaJWK, "use", true), reasonMalformed},
		{"key_ops encrypt", with(rsaJWK, "key_ops", []string{"encrypt"}), reasonKeyOps},
		{"key_ops sign only", with(ecJWK, "key_ops", []string{"sign"}), reasonKeyOps},
		{"key_ops empty", with(ecJWK, "key_ops", []string{}), reasonKeyOps},
		{"key_ops not an array", with(rsaJWK, "key_ops", "verify"), reasonMalformed},
		{"key_ops null", with(rsaJWK, "key_ops", nil), reasonMalformed},
		// RSA modulus and exponent.
		{"RSA 1024 bits", rsaMap(f.rsa1024.N, e65537), reasonRSASmall},
		{"RSA 2047 bits", rsaMap(oddNumber(t, 2047), e65537), reasonRSASmall},
		{"RSA 8200 bits", rsaMap(oddNumber(t, 8200), e65537), reasonRSALarge},
		{"RSA even modulus", rsaMap(new(big.Int).Lsh(oddNumber(t, 2047), 1), e65537), reasonRSAModulus},
		{"RSA e=1 (Wycheproof JWK tc 9)", rsaMap(f.rsa.N, big.NewInt(1)), reasonRSAExponent},
		{"RSA e=2", rsaMap(f.rsa.N, big.NewInt(2)), reasonRSAExponent},
		{"RSA e=65536 (even)", rsaMap(f.rsa.N, big.NewInt(65536)), reasonRSAExponent},
		{"RSA e=2^31+1", rsaMap(f.rsa.N, big.NewInt(1<<31+1)), reasonRSAExponent},
		{"RSA e=2^64+1", rsaMap(f.rsa.N, new(big.Int).SetBit(big.NewInt(1), 64, 1)), reasonRSAExponent},
		{"RSA ROCA fingerprint", rsaMap(rocaModulus(t), e65537), reasonROCA},
		// Curves.
		{"EC P-224", with(ecJWK, "crv", "P-224"), reasonCurve},
		{"EC secp256k1", with(ecJWK, "crv", "secp256k1"), reasonCurve},
		{"EC crv missing", without(ecJWK, "crv"), reasonCurve},
		{"OKP X25519", jwkMap(t, f.x25519.PublicKey()), reasonCurve},
		{"OKP Ed448", with(edJWK, "crv", "Ed448", "x", b64(make([]byte, 57))), reasonCurve},
		// Points and key sizes refused by jwx before our own checks run
		// (New covers the same rules with their own reasons).
		{"EC point not on curve", with(ecJWK, "y", b64(offCurveY)), reasonInvalid},
		{"EC point at infinity", with(ecJWK, "x", b64(make([]byte, 32)), "y", b64(make([]byte, 32))), reasonInvalid},
		{"Ed25519 key of 31 bytes", with(edJWK, "x", b64(make([]byte, 31))), reasonInvalid},
		{"Ed25519 key of 33 bytes", with(edJWK, "x", b64(make([]byte, 33))), reasonInvalid},
		// alg.
		{"alg none", with(rsaJWK, "alg", "none"), reasonUnsupportedAlg},
		{"alg HS256 on RSA", with(rsaJWK, "alg", "HS256"), reasonUnsupportedAlg},
		{"alg RSA1_5", with(rsaJWK, "alg", "RSA1_5"), reasonUnsupportedAlg},
		{"alg ES224", with(ecJWK, "alg", "ES224"), reasonUnsupportedAlg},
		{"alg ES521", with(jwkMap(t, &f.p521.PublicKey), "alg", "ES521"), reasonUnsupportedAlg},
		{"alg rs256 (case)", with(rsaJWK, "alg", "rs256"), reasonUnsupportedAlg},
		{"alg empty", with(rsaJWK, "alg", ""), reasonUnsupportedAlg},
		{"alg not a string", with(rsaJWK, "alg", 256), reasonMalformed},
		{"alg ES256 on RSA", with(rsaJWK, "alg", "ES256"), reasonAlgMismatch},
		{"alg EdDSA on RSA", with(rsaJWK, "alg", "EdDSA"), reasonAlgMismatch},
		{"alg RS256 on EC", with(ecJWK, "alg", "RS256"), reasonAlgMismatch},
		{"alg ES384 on P-256", with(ecJWK, "alg", "ES384"), reasonAlgMismatch},
		{"alg ES256 on P-384", with(jwkMap(t, &f.p384.PublicKey), "alg", "ES256"), reasonAlgMismatch},
		{"alg ES384 on P-521", with(jwkMap(t, &f.p521.PublicKey), "alg", "ES384"), reasonAlgMismatch},
		{"alg EdDSA on P-256", with(ecJWK, "alg", "EdDSA"), reasonAlgMismatch},
		{"alg Ed25519 on RSA", with(rsaJWK, "alg", "Ed25519"), reasonAlgMismatch},
		{"alg Ed25519 on P-256", with(ecJWK, "alg", "Ed25519"), reasonAlgMismatch},
		{"alg Ed25519 on Ed448", with(edJWK, "crv", "Ed448", "x", b64(make([]byte, 57)), "alg", "Ed25519"), reasonCurve},
		{"alg ed25519 (case)", with(edJWK, "alg", "ed25519"), reasonUnsupportedAlg},
		{"alg Ed448", with(edJWK, "alg", "Ed448"), reasonUnsupportedAlg},
		{"alg PS256 on Ed25519", with(edJWK, "alg", "PS256"), reasonAlgMismatch},
		{"alg ES256 on Ed25519", with(edJWK, "alg", "ES256"), reasonAlgMismatch},
		// kid.
		{"kid of 257 bytes", with(rsaJWK, "kid", strings.Repeat("k", 257)), reasonKIDTooLong},
		// x5c.
		{"x5c of another key", with(ecJWK, "x5c", []string{selfSigned(t, f.p256b)}), reasonX5CMismatch},
		{"x5c of another key type", with(rsaJWK, "x5c", []string{selfSigned(t, f.p256)}), reasonX5CMismatch},
		{"x5c not a certificate", with(ecJWK, "x5c", []string{"AAECAw=="}), reasonX5C},
		{"x5c empty", with(ecJWK, "x5c", []string{}), reasonX5C},
		{"x5c not base64", with(ecJWK, "x5c", []string{"!!!!"}), reasonX5C},
		{"x5c base64url", with(ecJWK, "x5c", []string{strings.NewReplacer("+", "-", "/", "_").Replace(selfSigned(t, f.p256))}), reasonX5C},
		{"x5c not an array", with(ecJWK, "x5c", selfSigned(t, f.p256)), reasonX5C},
		// A case variant of "kty" steers jwx's case-insensitive type probe;
		// jwx then refuses the mix (toKey would also catch a kty mismatch).
		{"KTY smuggling RSA into an EC key", json.RawMessage(`{"kty":"EC","crv":"P-256","x":"` + ecJWK["x"].(string) +
			`","y":"` + ecJWK["y"].(string) + `","n":"` + rsaJWK["n"].(string) + `","e":"AQAB","KTY":"RSA"}`), reasonInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ks, dropped := parseOne(t, tc.jwk)
			assert.Empty(t, ks)
			require.Len(t, dropped, 1)
			assert.Equal(t, tc.reason, dropped[0].Reason)
		})
	}
}

// TestParseKeeps checks JWKs that every rule lets through, and that the Key
// carries the JWK's kid, alg, type and exact public key.
func TestParseKeeps(t *testing.T) {
	f := keys(t)
	rsaJWK := jwkMap(t, &f.rsa.PublicKey)
	ecJWK := jwkMap(t, &f.p256.PublicKey)
	big8192 := oddNumber(t, 8192)

	tests := []struct {
		name string
		jwk  map[string]any
		pub  any
		kty  string
	}{
		{"RSA without alg", rsaJWK, &f.rsa.PublicKey, "RSA"},
		{"RSA RS256 use sig key_ops verify", with(rsaJWK, "alg", "RS256", "use", "sig", "key_ops", []string{"sign", "verify"}), &f.rsa.PublicKey, "RSA"},
		{"RSA PS512", with(rsaJWK, "alg", "PS512"), &f.rsa.PublicKey, "RSA"},
		{"RSA e=3", rsaMap(f.rsa.N, big.NewInt(3)), &rsa.PublicKey{N: f.rsa.N, E: 3}, "RSA"},
		{"RSA e=2^31-1", rsaMap(f.rsa.N, big.NewInt(1<<31-1)), &rsa.PublicKey{N: f.rsa.N, E: 1<<31 - 1}, "RSA"},
		{"RSA 8192 bits", rsaMap(big8192, big.NewInt(65537)), &rsa.PublicKey{N: big8192, E: 65537}, "RSA"},
		{"P-256 ES256", with(ecJWK, "alg", "ES256"), &f.p256.PublicKey, "EC"},
		{"P-384 ES384", with(jwkMap(t, &f.p384.PublicKey), "alg", "ES384"), &f.p384.PublicKey, "EC"},
		{"P-521 ES512", with(jwkMap(t, &f.p521.PublicKey), "alg", "ES512"), &f.p521.PublicKey, "EC"},
		{"Ed25519 EdDSA", with(jwkMap(t, f.ed.Public()), "alg", "EdDSA"), f.ed.Public(), "OKP"},
		{"Ed25519 Ed25519 (RFC 9864)", with(jwkMap(t, f.ed.Public()), "alg", "Ed25519"), f.ed.Public(), "OKP"},
		{"x5c of the same key", with(ecJWK, "x5c", []string{selfSigned(t, f.p256)}), &f.p256.PublicKey, "EC"},
		{"x5c of the same RSA key", with(rsaJWK, "x5c", []string{selfSigned(t, f.rsa)}), &f.rsa.PublicKey, "RSA"},
		{"kid of 256 bytes", with(rsaJWK, "kid", strings.Repeat("k", 256)), &f.rsa.PublicKey, "RSA"},
		{"unknown members", with(ecJWK, "ext", true, "x5t#S256", "abc", "iat", 1), &f.p256.PublicKey, "EC"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ks, dropped := parseOne(t, tc.jwk)
			require.Empty(t, dropped)
			require.Len(t, ks, 1)
			k := ks[0]
			kid, _ := tc.jwk["kid"].(string)
			alg, _ := tc.jwk["alg"].(string)
			assert.Equal(t, kid, k.KID)
			assert.Equal(t, alg, k.Alg)
			assert.Equal(t, tc.kty, k.Kty)
			assert.True(t, samePublic(k.Public, tc.pub), "public key differs")
		})
	}
}

// TestParseSet covers the set-level rules.
func TestParseSet(t *testing.T) {
	f := keys(t)
	good := jwkMap(t, &f.p256.PublicKey)
	tests := []struct {
		name    string
		data    string
		maxKeys int
		wantErr bool
		kept    int
	}{
		{"not JSON", `{"keys":[`, 10, true, 0},
		{"empty input", ``, 10, true, 0},
		{"top-level array", `[]`, 10, true, 0},
		{"top-level null", `null`, 10, true, 0},
		{"single JWK, not a set", string(mustJSON(t, good)), 10, true, 0},
		{"keys missing", `{"alg":"none"}`, 10, true, 0},
		{"keys null", `{"keys":null}`, 10, true, 0},
		{"keys object", `{"keys":{"kty":"RSA"}}`, 10, true, 0},
		{"keys string", `{"keys":"x"}`, 10, true, 0},
		{"keys upper-case", `{"KEYS":[]}`, 10, true, 0},
		{"keys empty", `{"keys":[]}`, 10, false, 0},
		{"pretty-printed", string(prettyJSON(t, map[string]any{"keys": []any{good, with(good, "alg", "ES256")}})), 10, false, 2},
		{"too many keys", string(setJSON(t, good, good, good)), 2, true, 0},
		{"exactly maxKeys", string(setJSON(t, good, good, good)), 3, false, 3},
		{"too many keys, all bad", `{"keys":[1,2,3]}`, 2, true, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ks, _, err := Parse([]byte(tc.data), Limits{MaxKeys: tc.maxKeys})
			if tc.wantErr {
				require.Error(t, err)
				assert.Nil(t, ks)
				return
			}
			require.NoError(t, err)
			assert.Len(t, ks, tc.kept)
		})
	}
}

// TestParseMixedSet checks that bad keys are dropped, in order, while the
// good ones are kept: one unknown or broken key never fails the set.
func TestParseMixedSet(t *testing.T) {
	f := keys(t)
	set := setJSON(t,
		with(jwkMap(t, &f.rsa.PublicKey), "kid", "rsa", "alg", "RS256"),
		with(jwkMap(t, []byte("0123456789abcdef0123456789abcdef")), "kid", "hmac", "alg", "HS256"),
		map[string]any{"kty": "AKP", "kid": "pq", "alg": "ML-DSA-65", "pub": "AAAA"},
		with(jwkMap(t, f.p256), "kid", "ec-private"),
		with(jwkMap(t, &f.p384.PublicKey), "kid", "ec"),
		json.RawMessage(`{"kty":"EC","kid":"garbage","crv":"P-256","x":"!!","y":"!!"}`),
		with(jwkMap(t, f.ed.Public()), "kid", "ed"),
		with(jwkMap(t, &f.rsa2.PublicKey), "kid", "enc", "use", "enc"),
	)
	ks, dropped, err := Parse(set, Limits{MaxKeys: 100})
	require.NoError(t, err)
	var kids []string
	for _, k := range ks {
		kids = append(kids, k.KID)
	}
	assert.Equal(t, []string{"rsa", "ec", "ed"}, kids)
	assert.Equal(t, []Dropped{
		{KID: "hmac", Reason: reasonUnsupportedKty},
		{KID: "pq", Reason: reasonUnsupportedKty},
		{KID: "ec-private", Reason: reasonPrivate},
		{KID: "garbage", Reason: reasonInvalid},
		{KID: "enc", Reason: reasonUse},
	}, dropped)
}

// TestParseTopLevelMembersIgnored checks that top-level members such as
// "alg":"none" are never merged into the keys (jwx issue #2133).
func TestParseTopLevelMembersIgnored(t *testing.T) {
	f := keys(t)
	doc, err := json.Marshal(map[string]any{
		"alg": "none", "use": "enc", "kid": "top", "key_ops": []string{"encrypt"},
		"keys": []any{jwkMap(t, &f.p256.PublicKey)},
	})
	require.NoError(t, err)
	ks, dropped, err := Parse(doc, Limits{MaxKeys: 10})
	require.NoError(t, err)
	assert.Empty(t, dropped)
	require.Len(t, ks, 1)
	assert.Equal(t, "", ks[0].Alg)
	assert.Equal(t, "", ks[0].KID)
	assert.True(t, ks[0].Accepts("ES256"))
}

// TestParseDuplicateKIDs checks that keys sharing a kid are all kept.
func TestParseDuplicateKIDs(t *testing.T) {
	f := keys(t)
	ks, dropped, err := Parse(setJSON(t,
		with(jwkMap(t, &f.rsa.PublicKey), "kid", "same"),
		with(jwkMap(t, &f.rsa2.PublicKey), "kid", "same"),
	), Limits{MaxKeys: 10})
	require.NoError(t, err)
	assert.Empty(t, dropped)
	require.Len(t, ks, 2)
	assert.True(t, ks[0].Public.(*rsa.PublicKey).Equal(&f.rsa.PublicKey))
	assert.True(t, ks[1].Public.(*rsa.PublicKey).Equal(&f.rsa2.PublicKey))
}

// TestParseNoUsableKey checks that a set without usable keys is not an
// error: the caller decides.
func TestParseNoUsableKey(t *testing.T) {
	ks, dropped, err := Parse([]byte(`{"keys":[{"kty":"oct","k":"AAAA","kid":"a"},{"kty":"AKP"}]}`), Limits{MaxKeys: 10})
	require.NoError(t, err)
	assert.Empty(t, ks)
	assert.NotNil(t, ks)
	assert.Equal(t, []Dropped{{KID: "a", Reason: reasonUnsupportedKty}, {Reason: reasonUnsupportedKty}}, dropped)
}

// TestParseDroppedKIDBounded checks that a huge kid is cut before it is
// reported.
func TestParseDroppedKIDBounded(t *testing.T) {
	f := keys(t)
	_, dropped := parseOne(t, with(jwkMap(t, &f.rsa.PublicKey), "kid", strings.Repeat("é", 1000)))
	require.Len(t, dropped, 1)
	assert.LessOrEqual(t, len(dropped[0].KID), maxKIDLen)
	assert.Equal(t, strings.Repeat("é", maxKIDLen/2), dropped[0].KID)
}

// TestNew covers New for each key type, its hygiene rules and copying.
func TestNew(t *testing.T) {
	f := keys(t)
	offCurve := &ecdsa.PublicKey{Curve: elliptic.P256(), X: f.p256.X, Y: new(big.Int).Add(f.p256.Y, big.NewInt(1))}
	p224 := &ecdsa.PublicKey{Curve: elliptic.P224(), X: big.NewInt(1), Y: big.NewInt(1)}
	tests := []struct {
		name    string
		kid     string
		alg     string
		pub     any
		kty     string
		wantErr string
	}{
		{"RSA pointer", "r", "", &f.rsa.PublicKey, "RSA", ""},
		{"RSA value", "r", "PS256", f.rsa.PublicKey, "RSA", ""},
		{"EC pointer", "e", "ES256", &f.p256.PublicKey, "EC", ""},
		{"EC value", "e", "", f.p521.PublicKey, "EC", ""},
		{"EC generic curve params", "", "ES384",
			&ecdsa.PublicKey{Curve: elliptic.P384().Params(), X: f.p384.X, Y: f.p384.Y}, "EC", ""},
		{"Ed25519", "d", "EdDSA", f.ed.Public(), "OKP", ""},
		{"Ed25519 alg Ed25519", "d", "Ed25519", f.ed.Public(), "OKP", ""},
		{"alg Ed25519 on RSA", "", "Ed25519", &f.rsa.PublicKey, "", reasonAlgMismatch},
		{"nil", "", "", nil, "", reasonUnsupportedKty},
		{"nil RSA pointer", "", "", (*rsa.PublicKey)(nil), "", reasonInvalid},
		{"nil EC pointer", "", "", (*ecdsa.PublicKey)(nil), "", reasonInvalid},
		{"RSA without modulus", "", "", &rsa.PublicKey{E: 65537}, "", reasonInvalid},
		{"EC without coordinates", "", "", &ecdsa.PublicKey{Curve: elliptic.P256()}, "", reasonInvalid},
		{"RSA private key", "", "", f.rsa, "", reasonUnsupportedKty},
		{"Ed25519 private key", "", "", f.ed, "", reasonUnsupportedKty},
		{"X25519 key", "", "", f.x25519.PublicKey(), "", reasonUnsupportedKty},
		{"symmetric key", "", "", []byte("secret"), "", reasonUnsupportedKty},
		{"RSA 1024", "", "", &f.rsa1024.PublicKey, "", reasonRSASmall},
		{"RSA e=1", "", "", &rsa.PublicKey{N: f.rsa.N, E: 1}, "", reasonRSAExponent},
		{"RSA e negative", "", "", &rsa.PublicKey{N: f.rsa.N, E: -65537}, "", reasonRSAExponent},
		{"RSA ROCA", "", "", &rsa.PublicKey{N: rocaModulus(t), E: 65537}, "", reasonROCA},
		{"EC off curve", "", "", offCurve, "", reasonOffCurve},
		{"EC P-224", "", "", p224, "", reasonCurve},
		{"Ed25519 31 bytes", "", "", ed25519.PublicKey(make([]byte, 31)), "", reasonEd25519},
		{"alg none", "", "none", &f.rsa.PublicKey, "", reasonUnsupportedAlg},
		{"alg HS256", "", "HS256", &f.rsa.PublicKey, "", reasonUnsupportedAlg},
		{"alg ES256 on P-384", "", "ES256", &f.p384.PublicKey, "", reasonAlgMismatch},
		{"alg RS256 on Ed25519", "", "RS256", f.ed.Public(), "", reasonAlgMismatch},
		{"kid too long", strings.Repeat("k", 257), "", &f.rsa.PublicKey, "", reasonKIDTooLong},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k, err := New(tc.kid, tc.alg, tc.pub)
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
				assert.Nil(t, k)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.kid, k.KID)
			assert.Equal(t, tc.alg, k.Alg)
			assert.Equal(t, tc.kty, k.Kty)
		})
	}
}

// TestNewCopiesKey checks that New keeps its own copy of the key material.
func TestNewCopiesKey(t *testing.T) {
	f := keys(t)
	pub := &rsa.PublicKey{N: new(big.Int).Set(f.rsa.N), E: 65537}
	edPub := append(ed25519.PublicKey(nil), f.ed.Public().(ed25519.PublicKey)...)
	rk, err := New("", "", pub)
	require.NoError(t, err)
	ek, err := New("", "", edPub)
	require.NoError(t, err)

	pub.N.SetInt64(3)
	edPub[0] ^= 0xff

	msg := "header.payload"
	assert.True(t, rk.Verify("RS256", msg, sign(t, "RS256", f.rsa, msg)))
	assert.True(t, ek.Verify("EdDSA", msg, sign(t, "EdDSA", f.ed, msg)))
}

// rocaModulus builds a 2048-bit odd number with the ROCA fingerprint: it is
// congruent to a power of 65537 modulo every prime of the detector, like a
// product of two Infineon primes k·M + (65537^a mod M).
func rocaModulus(t testing.TB) *big.Int {
	t.Helper()
	m := big.NewInt(1)
	for _, p := range rocaPrimes {
		m.Mul(m, big.NewInt(int64(p)))
	}
	r := new(big.Int).Exp(big.NewInt(rocaGenerator), big.NewInt(123457), m)
	for {
		k := oddNumber(t, 2048-m.BitLen())
		n := new(big.Int).Add(new(big.Int).Mul(k, m), r)
		if n.Bit(0) == 1 && n.BitLen() == 2048 {
			return n
		}
	}
}

func prettyJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.MarshalIndent(v, " ", "\t ")
	require.NoError(t, err)
	return b
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

// FuzzParse checks that Parse never panics, accounts for every entry of the
// set, and only returns keys that can verify something.
func FuzzParse(f *testing.F) {
	fx := keys(f)
	f.Add(setJSON(f, jwkMap(f, &fx.rsa.PublicKey), jwkMap(f, &fx.p256.PublicKey), jwkMap(f, fx.ed.Public())))
	f.Add(setJSON(f, jwkMap(f, fx.p384), map[string]any{"kty": "AKP"}, with(jwkMap(f, &fx.p521.PublicKey), "alg", "ES512")))
	f.Add([]byte(`{"keys":[{"kty":"oct","k":"AAAA"},null,1,"x",{"kty":"EC","crv":"P-256","x":"","y":""}]}`))
	f.Add([]byte(`{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB","x5c":["AAAA"]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ks, dropped, err := Parse(data, Limits{MaxKeys: 50})
		if err != nil {
			return
		}
		raws, err := splitSet(data)
		require.NoError(t, err)
		require.Len(t, raws, len(ks)+len(dropped))
		for _, k := range ks {
			ok := slices.ContainsFunc(allAlgs, k.Accepts)
			require.True(t, ok, "kept key %q accepts no algorithm", k.KID)
		}
	})
}

// TestKeyEqual checks that Equal compares kid, alg, type and public key.
func TestKeyEqual(t *testing.T) {
	f := keys(t)
	base := func(t *testing.T) *Key {
		t.Helper()
		k, err := New("k", "ES256", &f.p256.PublicKey)
		require.NoError(t, err)
		return k
	}
	rsaKey, err := New("k", "", &f.rsa.PublicKey)
	require.NoError(t, err)
	parsed, dropped := parseOne(t, with(jwkMap(t, &f.p256.PublicKey), "kid", "k", "alg", "ES256", "use", "sig"))
	require.Empty(t, dropped)
	tests := []struct {
		name  string
		other *Key
		want  bool
	}{
		{"same key built again", base(t), true},
		{"same key parsed from a JWK with use sig", parsed[0], true},
		{"other kid", &Key{KID: "k2", Alg: "ES256", Kty: "EC", Public: &f.p256.PublicKey}, false},
		{"other alg", &Key{KID: "k", Alg: "", Kty: "EC", Public: &f.p256.PublicKey}, false},
		{"other public key", &Key{KID: "k", Alg: "ES256", Kty: "EC", Public: &f.p256b.PublicKey}, false},
		{"other key type", rsaKey, false},
		{"nil", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, base(t).Equal(tc.other))
			assert.Equal(t, tc.want, tc.other.Equal(base(t)))
		})
	}
}

// TestParseRSALimit checks Limits.MaxRSABits: larger RSA keys are dropped,
// and 0 or a value above MaxRSABits means MaxRSABits.
func TestParseRSALimit(t *testing.T) {
	e := big.NewInt(65537)
	n4096, n4097, n8192 := oddNumber(t, 4096), oddNumber(t, 4097), oddNumber(t, 8192)
	tests := []struct {
		name  string
		n     *big.Int
		limit int
		kept  bool
	}{
		{"4096 bits, limit 4096", n4096, 4096, true},
		{"4097 bits, limit 4096", n4097, 4096, false},
		{"8192 bits, limit 4096", n8192, 4096, false},
		{"4096 bits, limit 2048", n4096, 2048, false},
		{"8192 bits, limit 8192", n8192, 8192, true},
		{"8192 bits, limit 0 (MaxRSABits)", n8192, 0, true},
		{"8192 bits, limit above MaxRSABits", n8192, 16384, true},
		{"8200 bits, limit above MaxRSABits", oddNumber(t, 8200), 16384, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ks, dropped, err := Parse(setJSON(t, with(rsaMap(tc.n, e), "kid", "big")), Limits{MaxKeys: 1, MaxRSABits: tc.limit})
			require.NoError(t, err)
			if tc.kept {
				assert.Len(t, ks, 1)
				assert.Empty(t, dropped)
				return
			}
			assert.Empty(t, ks)
			assert.Equal(t, []Dropped{{KID: "big", Reason: reasonRSALarge}}, dropped)
		})
	}
}
