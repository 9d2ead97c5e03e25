// Package jwkset is the one seam between core and jwx: it turns JWKS JSON
// into verification keys in their standard-library form, and checks
// signatures with them.
//
// A remote key set is untrusted input. Parse therefore reads every JWK on
// its own and drops (rather than fails on) any key that is unknown, unsafe
// or not meant for signature verification: symmetric and private keys, keys
// for encryption, weak or ROCA-affected RSA moduli, EC points off their
// curve, curves and algorithms outside the allow-list, and keys whose alg
// does not fit them. Verify uses only the standard library.
package jwkset

import (
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
)

// Key is one verification key prepared once when a key set loads.
type Key struct {
	KID string // "" when the JWK has no kid
	Alg string // the JWK's own alg, "" when absent
	Kty string // "RSA", "EC" or "OKP"
	// Public is *rsa.PublicKey, *ecdsa.PublicKey or ed25519.PublicKey.
	Public crypto.PublicKey
}

// Equal reports whether k and o are the same verification key: the same
// kid, alg and key type, and equal public keys (their Equal methods). Keys
// differing only in members Parse does not keep (such as "use": sig or
// absent, which both mean a signature key) are equal.
func (k *Key) Equal(o *Key) bool {
	return k != nil && o != nil && k.KID == o.KID && k.Alg == o.Alg && k.Kty == o.Kty && samePublic(k.Public, o.Public)
}

// Dropped describes a JWK that was left out of a set, and why.
type Dropped struct {
	KID    string
	Reason string
}

// Bounds of the RSA modulus, in bits, for New and for Limits.MaxRSABits.
const (
	MinRSABits = minRSABits // RFC 7518 §3.3, §3.5
	MaxRSABits = maxRSABits // the most New accepts and Limits.MaxRSABits allows
)

// Limits bound what Parse accepts.
type Limits struct {
	// MaxKeys is the most JWKs the "keys" array may hold; a larger set is
	// refused as a whole.
	MaxKeys int
	// MaxRSABits is the largest RSA modulus kept, in bits; larger keys are
	// dropped ("RSA key too large"). 0, or a value above MaxRSABits, means
	// MaxRSABits.
	MaxRSABits int
}

// maxRSA returns the effective RSA modulus cap of lim.
func (lim Limits) maxRSA() int {
	if lim.MaxRSABits <= 0 || lim.MaxRSABits > maxRSABits {
		return maxRSABits
	}
	return lim.MaxRSABits
}

// Parse parses a JWKS document ({"keys":[...]}) and returns its usable keys.
//
// Only the top-level "keys" member is read; other top-level members are
// ignored. A document that is not a JSON object with a "keys" array, or
// whose "keys" array holds more than lim.MaxKeys entries, is refused with
// an error. Otherwise every JWK is judged on its own: unusable ones
// (including RSA keys over lim.MaxRSABits) are listed in the dropped slice
// (in document order) and never fail the set. When no key is usable, Parse
// returns an empty key slice and no error; the caller decides what an empty
// set means. Keys sharing a kid are all kept.
func Parse(data []byte, lim Limits) ([]*Key, []Dropped, error) {
	raws, err := splitSet(data)
	if err != nil {
		return nil, nil, err
	}
	if len(raws) > lim.MaxKeys {
		return nil, nil, fmt.Errorf("jwkset: key set has %d keys, more than the limit of %d", len(raws), lim.MaxKeys)
	}
	keys := make([]*Key, 0, len(raws))
	var dropped []Dropped
	for _, raw := range raws {
		k, d := parseJWK(raw)
		if k != nil && rsaBits(k.Public) > lim.maxRSA() {
			k, d = nil, Dropped{KID: logKID(k.KID), Reason: reasonRSALarge}
		}
		if k == nil {
			dropped = append(dropped, d)
			continue
		}
		keys = append(keys, k)
	}
	return keys, dropped, nil
}

// splitSet returns the raw members of the top-level "keys" array. Member
// names are matched exactly (RFC 7517 §4: they are case-sensitive), which is
// why the top level is decoded into a map rather than a struct.
func splitSet(data []byte) ([]json.RawMessage, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, errors.New("jwkset: key set is not a JSON object")
	}
	raw, ok := top["keys"]
	if !ok {
		return nil, errors.New(`jwkset: key set has no "keys" member`)
	}
	var keys []json.RawMessage
	if err := json.Unmarshal(raw, &keys); err != nil || keys == nil {
		return nil, errors.New(`jwkset: "keys" is not an array`)
	}
	return keys, nil
}

// New builds a Key from a standard-library public key, applying the same
// hygiene rules as Parse, with an RSA modulus of at most MaxRSABits. pub is
// *rsa.PublicKey, *ecdsa.PublicKey or ed25519.PublicKey (or the value forms
// rsa.PublicKey and ecdsa.PublicKey).
// alg may be "" to allow every algorithm that fits the key. The key material
// is copied, so later changes to pub do not affect the Key.
func New(kid, alg string, pub crypto.PublicKey) (*Key, error) {
	k, reason := newKey(kid, alg, pub)
	if k == nil {
		return nil, fmt.Errorf("jwkset: %s", reason)
	}
	return k, nil
}

// newKey applies the key-level hygiene rules shared by Parse and New and
// returns either the Key or the reason it was refused.
func newKey(kid, alg string, pub crypto.PublicKey) (*Key, string) {
	if len(kid) > maxKIDLen {
		return nil, reasonKIDTooLong
	}
	pub, reason := cleanPublic(pub)
	if reason != "" {
		return nil, reason
	}
	kty, crv := keyClass(pub)
	if alg != "" {
		a, ok := lookupAlg(alg)
		if !ok {
			return nil, reasonUnsupportedAlg
		}
		if !a.fits(kty, crv) {
			return nil, reasonAlgMismatch
		}
	}
	return &Key{KID: kid, Alg: alg, Kty: kty, Public: pub}, ""
}
