package jwkset

import (
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"maps"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/stretchr/testify/require"
)

// fixture holds keys generated once per test binary.
type fixture struct {
	rsa, rsa2, rsa1024 *rsa.PrivateKey
	p256, p256b        *ecdsa.PrivateKey
	p384, p521         *ecdsa.PrivateKey
	ed, ed2            ed25519.PrivateKey
	x25519             *ecdh.PrivateKey
}

var loadFixture = sync.OnceValues(func() (*fixture, error) {
	var f fixture
	var err error
	gen := func(bits int) *rsa.PrivateKey {
		k, e := rsa.GenerateKey(rand.Reader, bits)
		err = errors.Join(err, e)
		return k
	}
	ec := func(c elliptic.Curve) *ecdsa.PrivateKey {
		k, e := ecdsa.GenerateKey(c, rand.Reader)
		err = errors.Join(err, e)
		return k
	}
	f.rsa, f.rsa2, f.rsa1024 = gen(2048), gen(2048), gen(1024)
	f.p256, f.p256b, f.p384, f.p521 = ec(elliptic.P256()), ec(elliptic.P256()), ec(elliptic.P384()), ec(elliptic.P521())
	var e1, e2, e3 error
	_, f.ed, e1 = ed25519.GenerateKey(rand.Reader)
	_, f.ed2, e2 = ed25519.GenerateKey(rand.Reader)
	f.x25519, e3 = ecdh.X25519().GenerateKey(rand.Reader)
	return &f, errors.Join(err, e1, e2, e3)
})

// keys returns the shared test keys.
func keys(t testing.TB) *fixture {
	t.Helper()
	f, err := loadFixture()
	require.NoError(t, err)
	return f
}

// b64 is base64url without padding, as JWK uses it.
func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// jwkMap serializes a key with jwx (jwk.Import + json.Marshal) and returns
// its members, ready to be edited.
func jwkMap(t testing.TB, key any) map[string]any {
	t.Helper()
	k, err := jwk.Import(key)
	require.NoError(t, err)
	data, err := json.Marshal(k)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(data, &m))
	return m
}

// rsaMap builds an RSA public JWK by hand (jwx refuses to import weak keys).
func rsaMap(n *big.Int, e *big.Int) map[string]any {
	return map[string]any{"kty": "RSA", "n": b64(n.Bytes()), "e": b64(e.Bytes())}
}

// with returns a copy of m with the given members set (name, value pairs).
func with(m map[string]any, kv ...any) map[string]any {
	c := maps.Clone(m)
	for i := 0; i < len(kv); i += 2 {
		c[kv[i].(string)] = kv[i+1]
	}
	return c
}

// without returns a copy of m without the named members.
func without(m map[string]any, names ...string) map[string]any {
	c := maps.Clone(m)
	for _, n := range names {
		delete(c, n)
	}
	return c
}

// setJSON wraps JWKs (maps or raw JSON) into a JWKS document.
func setJSON(t testing.TB, keys ...any) []byte {
	t.Helper()
	data, err := json.Marshal(map[string]any{"keys": keys})
	require.NoError(t, err)
	return data
}

// parseOne parses a set holding one JWK and expects no set-level error.
func parseOne(t testing.TB, key any) ([]*Key, []Dropped) {
	t.Helper()
	ks, dropped, err := Parse(setJSON(t, key), Limits{MaxKeys: 10})
	require.NoError(t, err)
	return ks, dropped
}

// hashOf hashes msg with h.
func hashOf(h crypto.Hash, msg string) []byte {
	hh := h.New()
	hh.Write([]byte(msg))
	return hh.Sum(nil)
}

// algHash is the hash of each algorithm in the tests.
var algHash = map[string]crypto.Hash{
	"RS256": crypto.SHA256, "RS384": crypto.SHA384, "RS512": crypto.SHA512,
	"PS256": crypto.SHA256, "PS384": crypto.SHA384, "PS512": crypto.SHA512,
	"ES256": crypto.SHA256, "ES384": crypto.SHA384, "ES512": crypto.SHA512,
}

// allAlgs are the eleven supported algorithms.
var allAlgs = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"}

// sign makes a JWS signature of msg with the standard library.
func sign(t testing.TB, alg string, priv crypto.Signer, msg string) []byte {
	t.Helper()
	h := algHash[alg]
	var sig []byte
	var err error
	switch alg[:2] {
	case "RS":
		sig, err = rsa.SignPKCS1v15(nil, priv.(*rsa.PrivateKey), h, hashOf(h, msg))
	case "PS":
		opts := &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}
		sig, err = rsa.SignPSS(rand.Reader, priv.(*rsa.PrivateKey), h, hashOf(h, msg), opts)
	case "ES":
		sig = signES(t, priv.(*ecdsa.PrivateKey), hashOf(h, msg))
	default:
		sig = ed25519.Sign(priv.(ed25519.PrivateKey), []byte(msg))
	}
	require.NoError(t, err)
	return sig
}

// signES signs with ECDSA and converts the ASN.1 signature to the fixed-size
// r‖s form of RFC 7518 §3.4.
func signES(t testing.TB, priv *ecdsa.PrivateKey, digest []byte) []byte {
	t.Helper()
	der, err := ecdsa.SignASN1(rand.Reader, priv, digest)
	require.NoError(t, err)
	var rs struct{ R, S *big.Int }
	_, err = asn1.Unmarshal(der, &rs)
	require.NoError(t, err)
	size := (priv.Curve.Params().BitSize + 7) / 8
	out := make([]byte, 2*size)
	rs.R.FillBytes(out[:size])
	rs.S.FillBytes(out[size:])
	return out
}

// signPSSSalt makes an RSASSA-PSS signature with an exact salt length,
// including 0, which crypto/rsa cannot produce (SaltLength 0 means "auto").
// It follows EMSA-PSS-ENCODE (RFC 8017 §9.1.1) and signs with raw RSA.
func signPSSSalt(t testing.TB, priv *rsa.PrivateKey, h crypto.Hash, msg string, saltLen int) []byte {
	t.Helper()
	mHash := hashOf(h, msg)
	emBits := priv.N.BitLen() - 1
	emLen := (emBits + 7) / 8
	salt := make([]byte, saltLen)
	_, _ = rand.Read(salt)
	m := append(append(make([]byte, 8), mHash...), salt...)
	hm := hashOf(h, string(m))
	db := make([]byte, emLen-h.Size()-1)
	db[len(db)-saltLen-1] = 0x01
	copy(db[len(db)-saltLen:], salt)
	mask := mgf1(h, hm, len(db))
	for i := range db {
		db[i] ^= mask[i]
	}
	db[0] &= 0xff >> (8*emLen - emBits)
	em := append(append(db, hm...), 0xbc)
	s := new(big.Int).Exp(new(big.Int).SetBytes(em), priv.D, priv.N)
	return s.FillBytes(make([]byte, priv.Size()))
}

// mgf1 is the MGF1 mask generation function of RFC 8017 §B.2.1.
func mgf1(h crypto.Hash, seed []byte, n int) []byte {
	var out []byte
	for c := uint32(0); len(out) < n; c++ {
		hh := h.New()
		hh.Write(seed)
		hh.Write([]byte{byte(c >> 24), byte(c >> 16), byte(c >> 8), byte(c)})
		out = hh.Sum(out)
	}
	return out[:n]
}

// selfSigned returns a self-signed certificate for priv, base64-encoded as
// in "x5c" (RFC 7517 §4.7: standard base64 with padding).
func selfSigned(t testing.TB, priv crypto.Signer) string {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "jwkset test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, priv.Public(), priv)
	require.NoError(t, err)
	return base64.StdEncoding.EncodeToString(der)
}

// oddNumber returns a random odd number of exactly bits bits.
func oddNumber(t testing.TB, bits int) *big.Int {
	t.Helper()
	b := make([]byte, (bits+7)/8)
	_, err := rand.Read(b)
	require.NoError(t, err)
	n := new(big.Int).SetBytes(b)
	n.SetBit(n, bits-1, 1)
	for i := bits; i < len(b)*8; i++ {
		n.SetBit(n, i, 0)
	}
	return n.SetBit(n, 0, 1)
}
