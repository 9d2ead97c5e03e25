package jwkset

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"math/big"
	"strings"
)

// Reasons a key is dropped (Parse) or refused (New). They are fixed phrases
// so that they are safe to log and easy to count.
const (
	reasonMalformed      = "malformed key"
	reasonInvalid        = "invalid key"
	reasonUnsupportedKty = "unsupported key type"
	reasonPrivate        = "private key material"
	reasonUse            = "encryption key"
	reasonKeyOps         = "key_ops without verify"
	reasonKIDTooLong     = "kid too long"
	reasonUnsupportedAlg = "unsupported algorithm"
	reasonAlgMismatch    = "algorithm does not fit key"
	reasonRSASmall       = "RSA key too small"
	reasonRSALarge       = "RSA key too large"
	reasonRSAModulus     = "bad RSA modulus"
	reasonRSAExponent    = "bad RSA exponent"
	reasonROCA           = "ROCA-vulnerable RSA key"
	reasonCurve          = "unsupported curve"
	reasonOffCurve       = "EC point not on curve"
	reasonEd25519        = "bad Ed25519 key"
	reasonX5C            = "bad x5c certificate"
	reasonX5CMismatch    = "x5c does not match key"
)

// Limits of the hygiene rules.
const (
	maxKIDLen     = 256  // bytes
	minRSABits    = 2048 // RFC 7518 §3.3, §3.5
	maxRSABits    = 8192 // bounds verification cost; Limits.MaxRSABits may lower it
	maxRSAExpBits = 31   // e ≤ 2^31-1
	minRSAExp     = 3    // e = 1 makes "signatures" trivial
	ed25519Size   = 32   // RFC 8037 §2
)

// The key types and the one OKP curve that Parse and New accept.
const (
	rsaKty     = "RSA"
	ecKty      = "EC"
	okpKty     = "OKP"
	crvEd25519 = "Ed25519"
)

// family is the signature scheme of an algorithm.
type family uint8

const (
	famPKCS1 family = iota + 1 // RSASSA-PKCS1-v1_5
	famPSS                     // RSASSA-PSS
	famECDSA
	famEdDSA
)

// curveInfo describes one allowed NIST curve.
type curveInfo struct {
	name  string         // JWK "crv"
	curve elliptic.Curve // canonical crypto/elliptic value
	size  int            // bytes per scalar: ceil(bits/8)
	order []byte         // the group order n, big-endian, size bytes
}

// The allowed curves, prepared once.
var (
	p256 = newCurveInfo("P-256", elliptic.P256())
	p384 = newCurveInfo("P-384", elliptic.P384())
	p521 = newCurveInfo("P-521", elliptic.P521())
)

func newCurveInfo(name string, c elliptic.Curve) *curveInfo {
	size := (c.Params().BitSize + 7) / 8
	return &curveInfo{name: name, curve: c, size: size, order: c.Params().N.FillBytes(make([]byte, size))}
}

// curveByParams returns the allowed curve c is, or nil. Comparing Params
// accepts both elliptic.P256() and elliptic.P256().Params().
func curveByParams(c elliptic.Curve) *curveInfo {
	if c == nil {
		return nil
	}
	switch c.Params() {
	case p256.curve.Params():
		return p256
	case p384.curve.Params():
		return p384
	case p521.curve.Params():
		return p521
	}
	return nil
}

// curveByName returns the allowed curve with JWK crv name, or nil.
func curveByName(name string) *curveInfo {
	for _, c := range []*curveInfo{p256, p384, p521} {
		if c.name == name {
			return c
		}
	}
	return nil
}

// algInfo describes one allowed JWS algorithm (RFC 7518 §3.1, RFC 8037 §3.1).
type algInfo struct {
	fam   family
	hash  crypto.Hash
	kty   string
	curve *curveInfo      // ECDSA only
	pss   *rsa.PSSOptions // PSS only
}

// PSS options: RFC 7518 §3.5 fixes the salt length to the hash length.
var (
	pss256 = &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256}
	pss384 = &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA384}
	pss512 = &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA512}
)

// lookupAlg returns the description of one of the eleven allowed
// algorithms. Names are case-sensitive (RFC 7515 §4.1.1). "Ed25519" is the
// fully-specified name RFC 9864 registers for EdDSA over Ed25519;
// "EdDSA" (RFC 8037 §3.1) is the polymorphic name it deprecates, which this
// package only ever resolves to Ed25519, since Ed448 keys are refused.
func lookupAlg(alg string) (algInfo, bool) {
	switch alg {
	case "RS256":
		return algInfo{fam: famPKCS1, hash: crypto.SHA256, kty: rsaKty}, true
	case "RS384":
		return algInfo{fam: famPKCS1, hash: crypto.SHA384, kty: rsaKty}, true
	case "RS512":
		return algInfo{fam: famPKCS1, hash: crypto.SHA512, kty: rsaKty}, true
	case "PS256":
		return algInfo{fam: famPSS, hash: crypto.SHA256, kty: rsaKty, pss: pss256}, true
	case "PS384":
		return algInfo{fam: famPSS, hash: crypto.SHA384, kty: rsaKty, pss: pss384}, true
	case "PS512":
		return algInfo{fam: famPSS, hash: crypto.SHA512, kty: rsaKty, pss: pss512}, true
	case "ES256":
		return algInfo{fam: famECDSA, hash: crypto.SHA256, kty: ecKty, curve: p256}, true
	case "ES384":
		return algInfo{fam: famECDSA, hash: crypto.SHA384, kty: ecKty, curve: p384}, true
	case "ES512":
		return algInfo{fam: famECDSA, hash: crypto.SHA512, kty: ecKty, curve: p521}, true
	case "EdDSA", "Ed25519":
		return algInfo{fam: famEdDSA, kty: okpKty}, true
	}
	return algInfo{}, false
}

// fits reports whether the algorithm can be used with a key of type kty and
// curve crv ("" for RSA): RS*/PS* need RSA, ES256/384/512 need P-256/384/521
// and EdDSA and Ed25519 need Ed25519.
func (a algInfo) fits(kty, crv string) bool {
	if a.kty != kty {
		return false
	}
	switch a.fam {
	case famECDSA:
		return a.curve.name == crv
	case famEdDSA:
		return crv == crvEd25519
	}
	return true
}

// keyClass returns the JWK kty and crv of a standard-library public key.
// crv is "" for RSA and for curves that are not allowed.
func keyClass(pub crypto.PublicKey) (kty, crv string) {
	switch p := pub.(type) {
	case *rsa.PublicKey:
		return rsaKty, ""
	case *ecdsa.PublicKey:
		if p == nil {
			return ecKty, ""
		}
		if c := curveByParams(p.Curve); c != nil {
			return ecKty, c.name
		}
		return ecKty, ""
	case ed25519.PublicKey:
		return okpKty, crvEd25519
	}
	return "", ""
}

// cleanPublic checks a standard-library public key and returns a private
// copy of it in canonical form, or the reason it is refused.
func cleanPublic(pub crypto.PublicKey) (crypto.PublicKey, string) {
	switch p := pub.(type) {
	case *rsa.PublicKey:
		if p == nil {
			return nil, reasonInvalid
		}
		return cleanRSA(*p)
	case rsa.PublicKey:
		return cleanRSA(p)
	case *ecdsa.PublicKey:
		if p == nil {
			return nil, reasonInvalid
		}
		return cleanEC(*p)
	case ecdsa.PublicKey:
		return cleanEC(p)
	case ed25519.PublicKey:
		if len(p) != ed25519Size {
			return nil, reasonEd25519
		}
		return ed25519.PublicKey(append([]byte(nil), p...)), ""
	}
	return nil, reasonUnsupportedKty
}

// cleanRSA applies the RSA rules to p and returns a copy of it.
func cleanRSA(p rsa.PublicKey) (crypto.PublicKey, string) {
	if p.N == nil {
		return nil, reasonInvalid
	}
	if reason := checkRSA(p.N, big.NewInt(int64(p.E))); reason != "" {
		return nil, reason
	}
	return &rsa.PublicKey{N: new(big.Int).Set(p.N), E: p.E}, ""
}

// checkRSA applies the RSA rules: a 2048–8192-bit odd modulus without the
// ROCA fingerprint, and an odd exponent in [3, 2^31-1].
func checkRSA(n, e *big.Int) string {
	switch bits := n.BitLen(); {
	case bits < minRSABits:
		return reasonRSASmall
	case bits > maxRSABits:
		return reasonRSALarge
	case n.Bit(0) == 0:
		return reasonRSAModulus
	}
	if e.BitLen() > maxRSAExpBits || e.Cmp(big.NewInt(minRSAExp)) < 0 || e.Bit(0) == 0 {
		return reasonRSAExponent
	}
	if hasROCAFingerprint(n) {
		return reasonROCA
	}
	return ""
}

// rsaBits returns the modulus size of an RSA key, or 0 for other keys.
func rsaBits(pub crypto.PublicKey) int {
	if p, ok := pub.(*rsa.PublicKey); ok && p != nil && p.N != nil {
		return p.N.BitLen()
	}
	return 0
}

// cleanEC checks that p is on an allowed curve and returns a copy of it that
// uses the canonical curve value.
func cleanEC(p ecdsa.PublicKey) (crypto.PublicKey, string) {
	c := curveByParams(p.Curve)
	if c == nil {
		return nil, reasonCurve
	}
	//lint:ignore SA1019 a caller's key may carry generic curve parameters; its raw coordinates are read once here and re-parsed below.
	x, y := p.X, p.Y
	if x == nil || y == nil {
		return nil, reasonInvalid
	}
	size := (c.curve.Params().BitSize + 7) / 8
	if x.Sign() < 0 || y.Sign() < 0 || x.BitLen() > 8*size || y.BitLen() > 8*size {
		return nil, reasonOffCurve
	}
	raw := make([]byte, 1+2*size)
	raw[0] = 4 // uncompressed point (SEC 1 §2.3.3)
	x.FillBytes(raw[1 : 1+size])
	y.FillBytes(raw[1+size:])
	// ParseUncompressedPublicKey rejects the point at infinity, coordinates
	// out of range and points that do not satisfy the curve equation, and
	// returns a fresh key on the canonical curve.
	k, err := ecdsa.ParseUncompressedPublicKey(c.curve, raw)
	if err != nil {
		return nil, reasonOffCurve
	}
	return k, ""
}

// isPrivateMember reports whether a JWK member name carries private or
// secret key material (RFC 7518 §6.2.2, §6.3.2, §6.4.1; RFC 8037 §2). The
// comparison ignores case so that "D" cannot slip past as an unknown member
// while a case-insensitive decoder treats it as "d".
func isPrivateMember(name string) bool {
	for _, p := range [...]string{"d", "p", "q", "dp", "dq", "qi", "k", "oth"} {
		if strings.EqualFold(name, p) {
			return true
		}
	}
	return false
}
