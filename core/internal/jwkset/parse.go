package jwkset

import (
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"slices"
	"strings"

	"github.com/lestrrat-go/jwx/v3/jwk"
)

// members is a JWK as its raw members. Names are matched exactly.
type members map[string]json.RawMessage

// parseJWK turns one raw JWK into a Key, or says why it was dropped.
//
// Member-level rules run first on the raw JSON, so that their reasons are
// precise and do not depend on how jwx is configured; jwx then parses the
// key, and the exported standard-library key goes through the same rules as
// New. Rules that jwx also enforces are checked again by us.
func parseJWK(raw json.RawMessage) (*Key, Dropped) {
	var m members
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, Dropped{Reason: reasonMalformed}
	}
	kid, _, ok := m.str("kid")
	if !ok {
		return nil, Dropped{Reason: reasonMalformed}
	}
	k, reason := m.toKey(raw, kid)
	if k == nil {
		return nil, Dropped{KID: logKID(kid), Reason: reason}
	}
	return k, Dropped{}
}

// toKey runs the member rules, jwx parsing and the key rules.
func (m members) toKey(raw json.RawMessage, kid string) (*Key, string) {
	kty, crv, alg, reason := m.check()
	if reason != "" {
		return nil, reason
	}
	certKey, reason := m.x5cKey()
	if reason != "" {
		return nil, reason
	}
	jk, err := jwk.ParseKey(raw)
	if err != nil {
		return nil, reasonInvalid
	}
	var pub any // jwx accepts *any, not *crypto.PublicKey
	if err := jwk.Export(jk, &pub); err != nil {
		return nil, reasonInvalid
	}
	k, reason := newKey(kid, alg, pub)
	if k == nil {
		return nil, reason
	}
	// jwx picks the key type with a case-insensitive probe; make sure it
	// built the kind of key the exact "kty" and "crv" members describe.
	if gotKty, gotCrv := keyClass(k.Public); gotKty != kty || gotCrv != crv {
		return nil, reasonMalformed
	}
	if certKey != nil && !samePublic(k.Public, certKey) {
		return nil, reasonX5CMismatch
	}
	return k, ""
}

// check applies the member-level rules and returns kty, crv ("" for RSA)
// and alg ("" when absent).
func (m members) check() (kty, crv, alg, reason string) {
	if kty, crv, reason = m.checkType(); reason != "" {
		return "", "", "", reason
	}
	for name := range m {
		if isPrivateMember(name) {
			return "", "", "", reasonPrivate
		}
	}
	if reason = m.checkUsage(); reason != "" {
		return "", "", "", reason
	}
	if alg, reason = m.checkAlg(kty, crv); reason != "" {
		return "", "", "", reason
	}
	if kty == rsaKty {
		reason = m.checkRSA()
	}
	return kty, crv, alg, reason
}

// checkType accepts kty RSA, EC on P-256/384/521 and OKP on Ed25519.
func (m members) checkType() (kty, crv, reason string) {
	kty, _, ok := m.str("kty")
	if !ok {
		return "", "", reasonMalformed
	}
	switch kty {
	case rsaKty:
		return kty, "", ""
	case ecKty, okpKty:
	default:
		return "", "", reasonUnsupportedKty
	}
	crv, _, ok = m.str("crv")
	switch {
	case !ok:
		return "", "", reasonMalformed
	case kty == ecKty && curveByName(crv) == nil, kty == okpKty && crv != crvEd25519:
		return "", "", reasonCurve
	}
	return kty, crv, ""
}

// checkUsage drops keys whose "use" is not "sig" or whose "key_ops" lacks
// "verify" (RFC 7517 §4.2, §4.3).
func (m members) checkUsage() string {
	use, present, ok := m.str("use")
	switch {
	case !ok:
		return reasonMalformed
	case present && use != "sig":
		return reasonUse
	}
	raw, present := m["key_ops"]
	if !present {
		return ""
	}
	var ops []string
	if err := json.Unmarshal(raw, &ops); err != nil || ops == nil {
		return reasonMalformed
	}
	if !slices.Contains(ops, "verify") {
		return reasonKeyOps
	}
	return ""
}

// checkAlg accepts an absent alg, or one of the allowed algorithms that fits
// kty and crv.
func (m members) checkAlg(kty, crv string) (string, string) {
	alg, present, ok := m.str("alg")
	switch {
	case !ok:
		return "", reasonMalformed
	case !present:
		return "", ""
	}
	a, known := lookupAlg(alg)
	switch {
	case !known:
		return "", reasonUnsupportedAlg
	case !a.fits(kty, crv):
		return "", reasonAlgMismatch
	}
	return alg, ""
}

// checkRSA applies the RSA rules to the raw "n" and "e" members before jwx
// sees them (jwx would refuse small moduli with a less precise error).
func (m members) checkRSA() string {
	n, okN := m.uint("n")
	e, okE := m.uint("e")
	if !okN || !okE {
		return reasonMalformed
	}
	return checkRSA(n, e)
}

// x5cKey returns the public key of the first "x5c" certificate, or nil
// when there is no "x5c" member. A chain that is present but unreadable
// drops the key. The chain is not validated: trust comes from the JWKS URL,
// not from the certificates; but the first certificate must hold the JWK's
// own key (RFC 7517 §4.7), which toKey checks once the key is built.
func (m members) x5cKey() (crypto.PublicKey, string) {
	raw, present := m["x5c"]
	if !present {
		return nil, ""
	}
	var chain []string
	if err := json.Unmarshal(raw, &chain); err != nil || len(chain) == 0 {
		return nil, reasonX5C
	}
	der, err := base64.StdEncoding.Strict().DecodeString(chain[0])
	if err != nil {
		return nil, reasonX5C
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, reasonX5C
	}
	return cert.PublicKey, ""
}

// samePublic reports whether two standard-library public keys are equal.
func samePublic(a, b crypto.PublicKey) bool {
	eq, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && eq.Equal(b)
}

// str returns the member name as a string. present is false when the
// member is absent; ok is false when it is present but not a JSON string.
func (m members) str(name string) (s string, present, ok bool) {
	raw, present := m[name]
	if !present {
		return "", false, true
	}
	if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return "", true, false
	}
	return s, true, true
}

// uint returns the base64url-encoded unsigned integer member name
// (RFC 7518 §2 "Base64urlUInt").
func (m members) uint(name string) (*big.Int, bool) {
	s, present, ok := m.str(name)
	if !present || !ok || s == "" {
		return nil, false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, false
	}
	return new(big.Int).SetBytes(b), true
}

// logKID bounds a kid that is copied into a Dropped entry.
func logKID(kid string) string {
	if len(kid) > maxKIDLen {
		kid = strings.ToValidUTF8(kid[:maxKIDLen], "")
	}
	return kid
}
