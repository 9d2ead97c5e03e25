package core

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"encoding/asn1"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"time"
)

// clientAssertionType is the client_assertion_type of private_key_jwt
// (RFC 7523 §2.2).
const clientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// apply adds the client authentication of a to an introspection request:
// its form (before encoding) and its header.
func (a *clientAuth) apply(form url.Values, h http.Header, now time.Time) error {
	switch a.method {
	case IntrospectionAuthBasic:
		h.Set("Authorization", a.basic)
	case IntrospectionAuthPost:
		form.Set("client_id", a.clientID)
		form.Set("client_secret", a.secret)
	case IntrospectionAuthPrivateKeyJWT:
		jwt, err := a.assertion(now)
		if err != nil {
			return err
		}
		form.Set("client_id", a.clientID)
		form.Set("client_assertion_type", clientAssertionType)
		form.Set("client_assertion", jwt)
	case IntrospectionAuthNone:
		if a.clientID != "" {
			form.Set("client_id", a.clientID)
		}
	}
	return nil
}

// assertionClaims are the claims of a client assertion (RFC 7523 §3).
type assertionClaims struct {
	Iss string `json:"iss"`
	Sub string `json:"sub"`
	Aud string `json:"aud"`
	JTI string `json:"jti"`
	IAT int64  `json:"iat"`
	Exp int64  `json:"exp"`
}

// assertion signs a fresh client assertion at now: iss and sub the client
// ID, aud the configured audience, a random jti, valid for
// assertionLifetime.
func (a *clientAuth) assertion(now time.Time) (string, error) {
	var jti [16]byte
	_, _ = rand.Read(jti[:]) // never fails (crypto/rand)
	body := mustJSON(assertionClaims{Iss: a.clientID, Sub: a.clientID, Aud: a.audience, JTI: b64.EncodeToString(jti[:]),
		IAT: now.Unix(), Exp: now.Add(assertionLifetime).Unix()})
	input := a.header + b64.EncodeToString(body)
	sig, err := a.sign([]byte(input))
	if err != nil {
		return "", fmt.Errorf("signing the client assertion: %w", err)
	}
	return input + "." + b64.EncodeToString(sig), nil
}

// sign signs input with the signer as the JWS algorithm a.alg wants (RFC
// 7518 §3): EdDSA over the input itself, the others over its digest;
// ECDSA signatures converted from ASN.1 to r || s.
func (a *clientAuth) sign(input []byte) ([]byte, error) {
	if a.hash == 0 { // EdDSA
		return a.signer.Sign(rand.Reader, input, crypto.Hash(0))
	}
	h := a.hash.New()
	h.Write(input)
	digest := h.Sum(nil)
	var opts crypto.SignerOpts = a.hash
	if a.alg[:2] == "PS" {
		opts = &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: a.hash}
	}
	sig, err := a.signer.Sign(rand.Reader, digest, opts)
	if err != nil || a.ecdsaSize == 0 {
		return sig, err
	}
	var rs struct{ R, S *big.Int }
	if rest, err := asn1.Unmarshal(sig, &rs); err != nil || len(rest) > 0 || rs.R.Sign() <= 0 || rs.S.Sign() <= 0 {
		return nil, errors.New("the ECDSA signer returned no ASN.1 signature")
	}
	if rs.R.BitLen() > 8*a.ecdsaSize || rs.S.BitLen() > 8*a.ecdsaSize {
		return nil, errors.New("the ECDSA signature does not fit the curve")
	}
	out := make([]byte, 2*a.ecdsaSize)
	rs.R.FillBytes(out[:a.ecdsaSize])
	rs.S.FillBytes(out[a.ecdsaSize:])
	return out, nil
}

// mustJSON marshals v, which cannot fail for the types given.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
