package authtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"time"
)

// DPoPClient is a client's DPoP key pair (P-256) for tests: it mints DPoP
// proofs (RFC 9449 §4) and gives the thumbprint an access token bound to
// it names (BoundTo).
type DPoPClient struct {
	key *ecdsa.PrivateKey
	jwk map[string]any
	jkt string
}

// NewDPoPClient returns a DPoP client with a fresh P-256 key.
func NewDPoPClient() (*DPoPClient, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("authtest: DPoP key: %w", err)
	}
	pub, err := k.PublicKey.Bytes() // 0x04 || X || Y
	if err != nil {
		return nil, fmt.Errorf("authtest: DPoP key: %w", err)
	}
	x, y := b64(pub[1:33]), b64(pub[33:])
	// RFC 7638 §3: the required members in lexicographic order, no spaces.
	sum := sha256.Sum256([]byte(`{"crv":"P-256","kty":"EC","x":"` + x + `","y":"` + y + `"}`))
	return &DPoPClient{key: k, jkt: b64(sum[:]),
		jwk: map[string]any{"kty": "EC", "crv": "P-256", "x": x, "y": y}}, nil
}

// Thumbprint is the RFC 7638 thumbprint of the client's public key: the
// cnf.jkt of tokens bound to it.
func (c *DPoPClient) Thumbprint() string { return c.jkt }

// BoundTo binds a minted token to c: the claim cnf {"jkt": thumbprint}
// (RFC 9449 §6.1).
func BoundTo(c *DPoPClient) TokenOption { return Claim("cnf", map[string]any{"jkt": c.jkt}) }

// ProofOption changes one minted proof.
type ProofOption func(header, claims map[string]any)

// ProofNonce puts a server nonce in the proof (RFC 9449 §9).
func ProofNonce(nonce string) ProofOption {
	return func(_, c map[string]any) { c["nonce"] = nonce }
}

// ProofIssuedAt sets the proof's iat.
func ProofIssuedAt(t time.Time) ProofOption {
	return func(_, c map[string]any) { c["iat"] = t.Unix() }
}

// ProofClaim sets (or, with a nil value, removes) a claim of the proof.
func ProofClaim(name string, value any) ProofOption {
	return func(_, c map[string]any) { setOrDelete(c, name, value) }
}

// ProofHeader sets (or, with a nil value, removes) a member of the
// proof's header; the proof is still signed with the client's key.
func ProofHeader(name string, value any) ProofOption {
	return func(h, _ map[string]any) { setOrDelete(h, name, value) }
}

// Proof mints a DPoP proof for a request of method to url (its htu; the
// query and fragment are ignored by verifiers) carrying accessToken (its
// ath; "" for none): header {typ: dpop+jwt, alg: ES256, jwk}, claims jti
// (random), htm, htu, iat (now) and ath, changed by opts.
func (c *DPoPClient) Proof(method, url, accessToken string, opts ...ProofOption) (string, error) {
	jti := make([]byte, 16)
	_, _ = rand.Read(jti) // never fails (crypto/rand)
	header := map[string]any{"typ": "dpop+jwt", "alg": "ES256", "jwk": c.jwk}
	claims := map[string]any{"jti": b64(jti), "htm": method, "htu": url, "iat": time.Now().Unix()}
	if accessToken != "" {
		sum := sha256.Sum256([]byte(accessToken))
		claims["ath"] = b64(sum[:])
	}
	for _, o := range opts {
		o(header, claims)
	}
	h, err := json.Marshal(header)
	if err != nil {
		return "", fmt.Errorf("authtest: proof header: %w", err)
	}
	p, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("authtest: proof claims: %w", err)
	}
	input := b64(h) + "." + b64(p)
	digest := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, c.key, digest[:])
	if err != nil {
		return "", fmt.Errorf("authtest: proof signature: %w", err)
	}
	sig := make([]byte, 64) // r || s, 32 bytes each (RFC 7518 §3.4)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return input + "." + b64(sig), nil
}
