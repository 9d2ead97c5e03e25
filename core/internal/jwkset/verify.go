package jwkset

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"iter"
	"unsafe"
)

// Accepts reports whether the key may verify a signature made with alg.
//
// alg must be one of RS256, RS384, RS512, PS256, PS384, PS512, ES256,
// ES384, ES512, EdDSA or Ed25519. When the key has its own alg, alg must
// name the same algorithm (RFC 8725 §3.1; see sameAlg). Otherwise RSA keys
// accept RS* and PS*, EC keys accept the ES algorithm of their curve, and
// Ed25519 keys accept EdDSA and Ed25519.
func (k *Key) Accepts(alg string) bool {
	a, ok := lookupAlg(alg)
	return ok && k.accepts(a, alg)
}

// accepts is Accepts for an algorithm already looked up.
func (k *Key) accepts(a algInfo, alg string) bool {
	if k == nil || (k.Alg != "" && !sameAlg(k.Alg, alg)) {
		return false
	}
	kty, crv := keyClass(k.Public)
	return a.fits(kty, crv)
}

// sameAlg reports whether a key bound to keyAlg (its JWK "alg") may verify a
// token whose header names alg: the names are equal, or one is "EdDSA" and
// the other "Ed25519".
//
// RFC 9864 registers "Ed25519" as the fully-specified name of EdDSA over
// Ed25519 and deprecates the polymorphic "EdDSA" (RFC 8037 §3.1), whose
// curve comes from the key. It gives no rule for a key whose JWK names one
// while a token names the other. On an Ed25519 key both names denote the
// one operation Ed25519 (RFC 8032 §5.1), so accepting either is no
// algorithm confusion: the binding of RFC 8725 §3.1 exists to stop one key
// from serving two different operations, and every other algorithm stays
// refused. It also lets an issuer move its tokens from "EdDSA" to
// "Ed25519" before or after its JWKS, without a window of failed tokens.
// The key must still be Ed25519 (fits): "Ed25519" never selects Ed448, and
// this package has no Ed448 at all.
func sameAlg(keyAlg, alg string) bool {
	return keyAlg == alg || (isEdDSAName(keyAlg) && isEdDSAName(alg))
}

// isEdDSAName reports whether alg is one of the two names of EdDSA over
// Ed25519.
func isEdDSAName(alg string) bool { return alg == "EdDSA" || alg == "Ed25519" }

// Verify reports whether sig is a valid alg signature of signingInput.
//
// It returns false, and never panics, for any algorithm the key does not
// accept and for any malformed signature.
func (k *Key) Verify(alg, signingInput string, sig []byte) bool {
	a, ok := lookupAlg(alg)
	if !ok || !k.accepts(a, alg) {
		return false
	}
	switch pub := k.Public.(type) {
	case *rsa.PublicKey:
		return verifyRSA(pub, a, signingInput, sig)
	case *ecdsa.PublicKey:
		return verifyECDSA(pub, a, signingInput, sig)
	case ed25519.PublicKey:
		return verifyEd25519(pub, signingInput, sig)
	}
	return false
}

// verifyRSA checks an RS* (PKCS #1 v1.5) or PS* (PSS, salt length equal to
// the hash length) signature. crypto/rsa lets the digest escape, so buf is
// one small heap allocation here.
func verifyRSA(pub *rsa.PublicKey, a algInfo, msg string, sig []byte) bool {
	if pub == nil || pub.N == nil || len(sig) != pub.Size() {
		return false
	}
	var buf [sha512.Size]byte
	d := digest(a.hash, msg, &buf)
	if a.fam == famPSS {
		return rsa.VerifyPSS(pub, a.hash, d, sig, a.pss) == nil
	}
	return rsa.VerifyPKCS1v15(pub, a.hash, d, sig) == nil
}

// verifyECDSA checks a JWS ECDSA signature: the fixed-size big-endian
// concatenation r‖s (RFC 7518 §3.4), with r and s in [1, n-1]. The pair
// is re-encoded as ASN.1 DER for ecdsa.VerifyASN1, which avoids the
// big.Int values and allocations of ecdsa.Verify (see BenchmarkECDSAForms).
func verifyECDSA(pub *ecdsa.PublicKey, a algInfo, msg string, sig []byte) bool {
	c := a.curve
	//lint:ignore SA1019 defensive: a hand-built key without coordinates must fail, not panic.
	if pub == nil || pub.X == nil || pub.Y == nil || len(sig) != 2*c.size {
		return false
	}
	r, s := sig[:c.size], sig[c.size:]
	if !c.inRange(r) || !c.inRange(s) {
		return false
	}
	var buf [sha512.Size]byte
	d := digest(a.hash, msg, &buf)
	var der [maxDERSig]byte
	return ecdsa.VerifyASN1(pub, d, appendDERSig(der[:0], r, s))
}

// verifyEd25519 checks an Ed25519 signature, whose alg is "Ed25519" (RFC
// 9864) or "EdDSA" (RFC 8037 §3.1).
// Ed25519 hashes the whole message itself, so msg is passed as a read-only
// view rather than copied to the heap (ed25519.Verify does not write it).
func verifyEd25519(pub ed25519.PublicKey, msg string, sig []byte) bool {
	if len(pub) != ed25519.PublicKeySize || len(sig) != ed25519.SignatureSize {
		return false
	}
	return ed25519.Verify(pub, readOnlyBytes(msg), sig)
}

// readOnlyBytes views s as a byte slice without copying. The slice must
// only be read.
func readOnlyBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// digest hashes msg with h into buf and returns the used part of buf.
//
// It does not allocate: a []byte(msg) conversion would copy msg to the heap
// (the compiler cannot prove the hash leaves it unmodified), so msg is fed
// to the hash through a stack buffer instead. Each case names its concrete
// hash so that the compiler keeps the hash state on the stack too.
func digest(h crypto.Hash, msg string, buf *[sha512.Size]byte) []byte {
	switch h {
	case crypto.SHA256:
		d := sha256.New()
		for c := range chunks(msg) {
			d.Write(c)
		}
		return d.Sum(buf[:0])
	case crypto.SHA384:
		d := sha512.New384()
		for c := range chunks(msg) {
			d.Write(c)
		}
		return d.Sum(buf[:0])
	default:
		d := sha512.New()
		for c := range chunks(msg) {
			d.Write(c)
		}
		return d.Sum(buf[:0])
	}
}

// chunks yields s in pieces copied to a stack buffer.
func chunks(s string) iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		var buf [512]byte
		for len(s) > 0 {
			n := copy(buf[:], s)
			if !yield(buf[:n]) {
				return
			}
			s = s[n:]
		}
	}
}

// inRange reports whether the big-endian scalar x (c.size bytes) is in
// [1, n-1].
func (c *curveInfo) inRange(x []byte) bool {
	return bytes.Compare(x, c.order) < 0 && !allZero(x)
}

func allZero(b []byte) bool {
	for _, v := range b {
		if v != 0 {
			return false
		}
	}
	return true
}

// maxDERSig bounds a DER ECDSA-Sig-Value for P-521: a SEQUENCE header of up
// to 3 bytes and two INTEGERs of up to 2+1+66 bytes.
const maxDERSig = 3 + 2*(2+1+66)

// appendDERSig appends the DER SEQUENCE { INTEGER r, INTEGER s } to dst.
// r and s are non-zero unsigned big-endian integers of at most 66 bytes.
func appendDERSig(dst, r, s []byte) []byte {
	r, s = bytes.TrimLeft(r, "\x00"), bytes.TrimLeft(s, "\x00")
	n := derIntLen(r) + derIntLen(s)
	dst = append(dst, 0x30)
	if n >= 0x80 {
		dst = append(dst, 0x81)
	}
	dst = append(dst, byte(n))
	return appendDERInt(appendDERInt(dst, r), s)
}

// derIntLen is the encoded length of the positive INTEGER with minimal
// big-endian magnitude b (a 0x00 pad keeps a high first bit positive).
func derIntLen(b []byte) int {
	return 2 + len(b) + int(b[0]>>7)
}

func appendDERInt(dst, b []byte) []byte {
	dst = append(dst, 0x02, byte(len(b)+int(b[0]>>7)))
	if b[0]&0x80 != 0 {
		dst = append(dst, 0)
	}
	return append(dst, b...)
}
