package jwkset

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
)

// maxProofRSABits bounds the RSA key of a DPoP proof: the client chooses
// it, so it bounds the cost of the one signature check a proof adds.
const maxProofRSABits = 4096

// ParseProofKey parses the public JWK of a DPoP proof header (RFC 9449
// §4.2, "jwk") with the rules of a key set's keys (RFC 7517, RFC 7518: no
// private members, no symmetric key, supported types and curves, RSA
// between 2048 and 4096 bits, alg and use consistent when present) and
// returns it with its RFC 7638 thumbprint, the base64url SHA-256 of the
// required members in lexicographic order: the value an access token's
// cnf.jkt names (RFC 9449 §6.1). A key that is refused gives a nil Key and
// the reason.
func ParseProofKey(raw []byte) (*Key, string, string) {
	var m members
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, "", reasonMalformed
	}
	if _, _, ok := m.str("kid"); !ok {
		return nil, "", reasonMalformed
	}
	if n, ok := m.uint("n"); ok && n.BitLen() > maxProofRSABits {
		return nil, "", reasonRSALarge
	}
	k, reason := m.toKey(raw, "")
	if k == nil {
		return nil, "", reason
	}
	thumbprint, ok := m.thumbprint(k.Kty)
	if !ok {
		return nil, "", reasonMalformed
	}
	return k, thumbprint, ""
}

// thumbprint computes the RFC 7638 §3 thumbprint from the members as they
// were sent: for EC {"crv","kty","x","y"}, for RSA {"e","kty","n"}, for OKP
// {"crv","kty","x"}, with no whitespace. The values are base64url or the
// fixed names of types and curves, which need no JSON escaping; a value
// with a character outside the base64url alphabet is refused, since its
// canonical JSON would differ from what the client hashed.
func (m members) thumbprint(kty string) (string, bool) {
	var names []string
	switch kty {
	case ecKty:
		names = []string{"crv", "kty", "x", "y"}
	case rsaKty:
		names = []string{"e", "kty", "n"}
	case okpKty:
		names = []string{"crv", "kty", "x"}
	default:
		return "", false
	}
	buf := make([]byte, 0, 512)
	buf = append(buf, '{')
	for i, name := range names {
		v, present, ok := m.str(name)
		if !present || !ok || !canonicalValue(v) {
			return "", false
		}
		if name != "kty" && name != "crv" {
			// One encoding per key: unused bits must be zero (RFC 7515
			// §2), or two JWKs of one key would have two thumbprints.
			if _, err := base64.RawURLEncoding.Strict().DecodeString(v); err != nil {
				return "", false
			}
		}
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, '"')
		buf = append(buf, name...)
		buf = append(buf, `":"`...)
		buf = append(buf, v...)
		buf = append(buf, '"')
	}
	buf = append(buf, '}')
	sum := sha256.Sum256(buf)
	return base64.RawURLEncoding.EncodeToString(sum[:]), true
}

// canonicalValue reports whether s is non-empty and made of base64url
// characters and '-' only (the curve names P-256, Ed25519 and the key
// types are), so that it is its own JSON encoding.
func canonicalValue(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
