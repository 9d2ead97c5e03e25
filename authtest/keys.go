package authtest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	_ "crypto/sha256" // registers SHA-256 for crypto.Hash.New
	_ "crypto/sha512" // registers SHA-384 and SHA-512
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/lestrrat-go/jwx/v3/jwk"
)

// rsaBits is the size of generated RSA keys (the smallest core accepts).
const rsaBits = 2048

// algorithm describes one JWS algorithm (RFC 7518 §3, RFC 8037 §3.1).
type algorithm struct {
	hash  crypto.Hash // zero for EdDSA, which signs the message itself
	curve elliptic.Curve
}

var algorithms = map[string]algorithm{
	"RS256": {hash: crypto.SHA256}, "RS384": {hash: crypto.SHA384}, "RS512": {hash: crypto.SHA512},
	"PS256": {hash: crypto.SHA256}, "PS384": {hash: crypto.SHA384}, "PS512": {hash: crypto.SHA512},
	"ES256": {hash: crypto.SHA256, curve: elliptic.P256()},
	"ES384": {hash: crypto.SHA384, curve: elliptic.P384()},
	"ES512": {hash: crypto.SHA512, curve: elliptic.P521()},
	"EdDSA": {},
}

// supportedAlgorithms lists every algorithm an Issuer can sign with, RS256
// first (OpenID Connect Discovery 1.0 §3 requires it in the metadata).
func supportedAlgorithms() []string {
	return []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
}

// signingKey is one private key with its public JWK.
type signingKey struct {
	kid    string
	alg    string
	signer crypto.Signer
	jwk    json.RawMessage // public JWK with kid, alg and use=sig
}

// newSigningKey generates a key for alg. Its kid is the RFC 7638 SHA-256
// thumbprint of the public key.
func newSigningKey(alg string) (*signingKey, error) {
	a, ok := algorithms[alg]
	if !ok {
		return nil, fmt.Errorf("authtest: unsupported algorithm %q", alg)
	}
	var s crypto.Signer
	var err error
	switch {
	case alg == "EdDSA":
		_, s, err = ed25519.GenerateKey(rand.Reader)
	case a.curve != nil:
		s, err = ecdsa.GenerateKey(a.curve, rand.Reader)
	default:
		s, err = rsa.GenerateKey(rand.Reader, rsaBits)
	}
	if err != nil {
		return nil, fmt.Errorf("authtest: generating %s key: %w", alg, err)
	}
	return keyFromSigner(alg, s)
}

// keyFromSigner builds the signingKey of s, computing its kid and public JWK.
func keyFromSigner(alg string, s crypto.Signer) (*signingKey, error) {
	pub, err := jwk.Import(s.Public())
	if err != nil {
		return nil, fmt.Errorf("authtest: JWK: %w", err)
	}
	thumb, err := pub.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("authtest: JWK thumbprint: %w", err)
	}
	b, err := json.Marshal(pub)
	if err != nil {
		return nil, fmt.Errorf("authtest: JWK: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("authtest: JWK: %w", err)
	}
	kid := base64.RawURLEncoding.EncodeToString(thumb)
	m["kid"], m["alg"], m["use"] = kid, alg, "sig"
	if b, err = json.Marshal(m); err != nil {
		return nil, fmt.Errorf("authtest: JWK: %w", err)
	}
	return &signingKey{kid: kid, alg: alg, signer: s, jwk: b}, nil
}

// sign returns the JWS signature of input (RFC 7515 §5.1) with k's
// algorithm; ECDSA signatures are the fixed-size R || S of RFC 7518 §3.4.
func (k *signingKey) sign(input []byte) ([]byte, error) {
	a := algorithms[k.alg]
	if k.alg == "EdDSA" {
		return k.signer.Sign(rand.Reader, input, crypto.Hash(0))
	}
	h := a.hash.New()
	h.Write(input)
	digest := h.Sum(nil)
	switch key := k.signer.(type) {
	case *ecdsa.PrivateKey:
		r, s, err := ecdsa.Sign(rand.Reader, key, digest)
		if err != nil {
			return nil, err
		}
		size := (key.Curve.Params().BitSize + 7) / 8
		sig := make([]byte, 2*size)
		r.FillBytes(sig[:size])
		s.FillBytes(sig[size:])
		return sig, nil
	case *rsa.PrivateKey:
		if k.alg[:2] == "PS" {
			return rsa.SignPSS(rand.Reader, key, a.hash, digest, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		}
		return rsa.SignPKCS1v15(rand.Reader, key, a.hash, digest)
	}
	return nil, fmt.Errorf("authtest: cannot sign %s with %T", k.alg, k.signer)
}
