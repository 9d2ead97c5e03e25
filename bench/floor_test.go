package bench

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"
)

// The floor (../docs/benchmarks.md): the least work any correct verifier
// must do. Base64url-decode the three parts, hash the signing input, verify
// the signature with the standard library on a key prepared in advance,
// decode the claims JSON into a small struct and check exp, nbf, aud and
// iss. It skips everything a real verifier adds (header parsing, key
// lookup, strictness), so only a cache can go below it.

var errFloor = errors.New("floor: refused")

var b64 = base64.RawURLEncoding

// audienceList is aud as a string or an array of strings (RFC 7519 §4.1.3).
type audienceList []string

func (a *audienceList) UnmarshalJSON(data []byte) error {
	if len(data) > 0 && data[0] == '"' {
		var s string
		err := json.Unmarshal(data, &s)
		*a = audienceList{s}
		return err
	}
	return json.Unmarshal(data, (*[]string)(a))
}

// floorClaims is the small struct the floor decodes the claims into.
type floorClaims struct {
	Iss   string       `json:"iss"`
	Sub   string       `json:"sub"`
	Aud   audienceList `json:"aud"`
	Exp   float64      `json:"exp"`
	Iat   float64      `json:"iat"`
	Nbf   float64      `json:"nbf"`
	Scope string       `json:"scope"`
	Roles []string     `json:"roles"`
}

// floorFull is the whole floor for one token.
func floorFull(tok, alg string, pub crypto.PublicKey) error {
	h, rest, ok1 := strings.Cut(tok, ".")
	p, s, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 {
		return errFloor
	}
	enc := base64.RawURLEncoding
	if _, err := enc.DecodeString(h); err != nil {
		return errFloor
	}
	payload, err := enc.DecodeString(p)
	if err != nil {
		return errFloor
	}
	sig, err := enc.DecodeString(s)
	if err != nil {
		return errFloor
	}
	if !floorSig(alg, pub, tok[:len(h)+1+len(p)], sig) {
		return errFloor
	}
	var c floorClaims
	if err := json.Unmarshal(payload, &c); err != nil {
		return errFloor
	}
	now := float64(time.Now().Unix())
	if now >= c.Exp || (c.Nbf != 0 && now < c.Nbf) || c.Iss != issuer || !slices.Contains(c.Aud, audience) {
		return errFloor
	}
	return nil
}

// floorSig hashes the signing input and checks sig with the standard
// library, by its cheapest path (ECDSA: ecdsa.VerifyASN1 on a DER encoding
// built on the stack, which avoids the big.Int values of ecdsa.Verify).
func floorSig(alg string, pub crypto.PublicKey, input string, sig []byte) bool {
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
		var der [72]byte
		return ecdsa.VerifyASN1(pub.(*ecdsa.PublicKey), d[:], appendDERSig(der[:0], sig[:32], sig[32:]))
	}
	return false
}

// appendDERSig appends SEQUENCE { INTEGER r, INTEGER s } for 32-byte r, s.
func appendDERSig(dst, r, s []byte) []byte {
	r, s = trimZeros(r), trimZeros(s)
	n := derIntLen(r) + derIntLen(s)
	dst = append(dst, 0x30, byte(n))
	return appendDERInt(appendDERInt(dst, r), s)
}

func trimZeros(b []byte) []byte {
	for len(b) > 1 && b[0] == 0 {
		b = b[1:]
	}
	return b
}

func derIntLen(b []byte) int { return 2 + len(b) + int(b[0]>>7) }

func appendDERInt(dst, b []byte) []byte {
	dst = append(dst, 0x02, byte(len(b)+int(b[0]>>7)))
	if b[0]&0x80 != 0 {
		dst = append(dst, 0)
	}
	return append(dst, b...)
}
