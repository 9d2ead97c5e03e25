package core

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// proofKit mints DPoP proofs for one client key.
type proofKit struct {
	key *kitKey
	jwk map[string]any // public, without kid/alg/use
	now time.Time
}

func newProofKit(t *testing.T, alg string) *proofKit { return newProofKitTB(t, alg) }

func newProofKitTB(t testing.TB, alg string) *proofKit {
	k := newKitKey(t, "dpop-client", alg)
	pub := k.jwk(t)
	delete(pub, "kid")
	delete(pub, "alg")
	delete(pub, "use")
	return &proofKit{key: k, jwk: pub, now: time.Unix(1_800_000_000, 0)}
}

const proofHTU, proofToken = "https://api.example.com/orders", "the.access.token"

// claims are the claims of a valid proof for GET proofHTU.
func (p *proofKit) claims() map[string]any {
	return map[string]any{"jti": "e1j3V_bKic8-LAEB", "htm": "GET", "htu": proofHTU,
		"iat": p.now.Unix(), "ath": accessTokenHash(proofToken)}
}

func (p *proofKit) header() map[string]any {
	return map[string]any{"typ": "dpop+jwt", "alg": p.key.alg, "jwk": p.jwk}
}

func (p *proofKit) mint(t testing.TB, edit func(h, c map[string]any)) string {
	h, c := p.header(), p.claims()
	if edit != nil {
		edit(h, c)
	}
	// Always signed with the key's own algorithm: a header naming another
	// must be refused whatever the signature.
	return p.key.signRaw(t, p.key.alg, kitJSON(t, h), kitJSON(t, c))
}

func (p *proofKit) request() *dpopRequest {
	return &dpopRequest{method: "GET", htu: normalizeHTU(proofHTU), token: proofToken, now: p.now,
		notBefore: p.now.Add(-5 * time.Minute), notAfter: p.now.Add(time.Minute),
		algs: []string{"ES256", "ES384", "PS256", "RS256", "EdDSA"}}
}

func TestDPoPProofValid(t *testing.T) {
	for _, alg := range []string{"ES256", "ES384", "PS256", "RS256", "EdDSA"} {
		p := newProofKit(t, alg)
		got, err := checkDPoPProof(p.mint(t, nil), p.request())
		require.NoError(t, err, alg)
		assert.Equal(t, "e1j3V_bKic8-LAEB", got.jti)
		assert.NotEmpty(t, got.jkt)
		assert.Equal(t, p.now, got.iat)
	}
}

// TestThreat180 to TestThreat195 are the proof rows of the threat
// catalog's section K; the rows that need a whole request are in
// dpop_test.go.
func TestThreat180ProofNotOneCompactJWS(t *testing.T) {
	p := newProofKit(t, "ES256")
	good := p.mint(t, nil)
	for name, proof := range map[string]string{
		"not a JWT":          "not-a-jwt",
		"two JWTs":           good + "," + good,
		"JSON serialization": `{"protected":"e30","payload":"e30","signature":"AA"}`,
		"empty":              "",
		"four parts":         good + ".AA",
	} {
		_, err := checkDPoPProof(proof, p.request())
		assert.ErrorIs(t, err, ErrInvalidDPoPProof, name)
	}
}

func TestThreat181ProofClaimMissing(t *testing.T) {
	p := newProofKit(t, "ES256")
	for _, claim := range []string{"jti", "htm", "htu", "iat", "ath"} {
		_, err := checkDPoPProof(p.mint(t, func(_, c map[string]any) { delete(c, claim) }), p.request())
		assert.ErrorIs(t, err, ErrDPoPProofClaims, claim)
	}
	_, err := checkDPoPProof(p.mint(t, func(_, c map[string]any) { c["jti"] = "" }), p.request())
	assert.ErrorIs(t, err, ErrDPoPProofClaims, "empty jti")
	_, err = checkDPoPProof(p.mint(t, func(_, c map[string]any) { c["iat"] = "1800000000" }), p.request())
	assert.ErrorIs(t, err, ErrDPoPProofClaims, "iat as a string")
}

func TestThreat182ProofType(t *testing.T) {
	p := newProofKit(t, "ES256")
	for _, typ := range []any{nil, "JWT", "at+jwt", "dpop", 1} {
		_, err := checkDPoPProof(p.mint(t, func(h, _ map[string]any) {
			if typ == nil {
				delete(h, "typ")
			} else {
				h["typ"] = typ
			}
		}), p.request())
		assert.ErrorIs(t, err, ErrDPoPProofType, "%v", typ)
	}
	_, err := checkDPoPProof(p.mint(t, func(h, _ map[string]any) { h["typ"] = "application/DPoP+JWT" }), p.request())
	assert.NoError(t, err, "a media type compares case-insensitively, with the optional application/ prefix")
}

func TestThreat183ProofAlgorithm(t *testing.T) {
	p := newProofKit(t, "ES256")
	for _, alg := range []any{"none", "HS256", "ES512", "", nil} {
		_, err := checkDPoPProof(p.mint(t, func(h, _ map[string]any) {
			if alg == nil {
				delete(h, "alg")
			} else {
				h["alg"] = alg
			}
		}), p.request())
		assert.ErrorIs(t, err, ErrDPoPProofAlgorithm, "%v", alg)
	}
	// An allowed alg that does not fit the key.
	_, err := checkDPoPProof(p.mint(t, func(h, _ map[string]any) { h["alg"] = "PS256" }), p.request())
	assert.ErrorIs(t, err, ErrDPoPProofKey)
}

func TestThreat184ProofSignature(t *testing.T) {
	p := newProofKit(t, "ES256")
	other := newProofKit(t, "ES384")
	other.key = newKitKey(t, "someone-else", "ES256")
	forged := other.mint(t, func(h, _ map[string]any) { h["jwk"] = p.jwk }) // signed by another key
	_, err := checkDPoPProof(forged, p.request())
	assert.ErrorIs(t, err, ErrDPoPProofSignature)

	good := p.mint(t, nil)
	tampered := good[:strings.LastIndexByte(good, '.')+1] + strings.Repeat("A", 86)
	_, err = checkDPoPProof(tampered, p.request())
	assert.ErrorIs(t, err, ErrDPoPProofSignature)
}

func TestThreat185ProofKey(t *testing.T) {
	p := newProofKit(t, "ES256")
	private := map[string]any{}
	for k, v := range p.jwk {
		private[k] = v
	}
	private["d"] = "AAAA"
	for name, jwk := range map[string]any{
		"missing":    nil,
		"private":    private,
		"symmetric":  map[string]any{"kty": "oct", "k": "c2VjcmV0"},
		"not object": "key",
	} {
		_, err := checkDPoPProof(p.mint(t, func(h, _ map[string]any) {
			if jwk == nil {
				delete(h, "jwk")
			} else {
				h["jwk"] = jwk
			}
		}), p.request())
		assert.ErrorIs(t, err, ErrDPoPProofKey, name)
	}
}

func TestThreat186ProofMethod(t *testing.T) {
	p := newProofKit(t, "ES256")
	for _, htm := range []string{"POST", "get"} {
		_, err := checkDPoPProof(p.mint(t, func(_, c map[string]any) { c["htm"] = htm }), p.request())
		assert.ErrorIs(t, err, ErrDPoPProofMethod, htm)
	}
}

func TestThreat187ProofURL(t *testing.T) {
	p := newProofKit(t, "ES256")
	for _, htu := range []string{
		"https://evil.example.com/orders", "http://api.example.com/orders", "https://api.example.com:8443/orders",
		"https://api.example.com/orders/1", "https://api.example.com/", "/orders", "api.example.com/orders",
		"https://user@api.example.com/orders", "ftp://api.example.com/orders",
	} {
		_, err := checkDPoPProof(p.mint(t, func(_, c map[string]any) { c["htu"] = htu }), p.request())
		assert.ErrorIs(t, err, ErrDPoPProofURL, htu)
	}
}

func TestThreat188ProofURLQueryAndFragmentIgnored(t *testing.T) {
	p := newProofKit(t, "ES256")
	_, err := checkDPoPProof(p.mint(t, func(_, c map[string]any) { c["htu"] = proofHTU + "?q=1#f" }), p.request())
	assert.NoError(t, err)
}

func TestThreat189ProofURLNormalised(t *testing.T) {
	p := newProofKit(t, "ES256")
	for _, htu := range []string{
		"HTTPS://API.Example.com:443/orders", "https://api.example.com/%6Frders", "https://api.example.com/./orders",
		"https://api.example.com/x/../orders",
	} {
		_, err := checkDPoPProof(p.mint(t, func(_, c map[string]any) { c["htu"] = htu }), p.request())
		assert.NoError(t, err, htu)
	}
	assert.Equal(t, "https://api.example.com/a~b", normalizeHTU("https://api.example.com/a%7Eb"))
	assert.Equal(t, "https://api.example.com/a%2Fb", normalizeHTU("https://api.example.com/a%2fb"), "reserved stays encoded, in upper case")
	assert.Equal(t, "http://[::1]:8080/", normalizeHTU("http://[::1]:8080"))
	assert.Equal(t, "", normalizeHTU("https://api.example.com/%zz"))
}

func TestThreat191And192ProofTimeWindow(t *testing.T) {
	p := newProofKit(t, "ES256")
	for name, iat := range map[string]time.Time{
		"10 minutes old":   p.now.Add(-10 * time.Minute),
		"6 minutes old":    p.now.Add(-6 * time.Minute),
		"10 minutes ahead": p.now.Add(10 * time.Minute),
		"2 minutes ahead":  p.now.Add(2 * time.Minute),
	} {
		_, err := checkDPoPProof(p.mint(t, func(_, c map[string]any) { c["iat"] = iat.Unix() }), p.request())
		assert.ErrorIs(t, err, ErrDPoPProofTime, name)
	}
	for name, iat := range map[string]time.Time{"4 minutes old": p.now.Add(-4 * time.Minute), "30 s ahead": p.now.Add(30 * time.Second)} {
		_, err := checkDPoPProof(p.mint(t, func(_, c map[string]any) { c["iat"] = iat.Unix() }), p.request())
		assert.NoError(t, err, name)
	}
}

func TestThreat194ProofLongJTI(t *testing.T) {
	p := newProofKit(t, "ES256")
	_, err := checkDPoPProof(p.mint(t, func(_, c map[string]any) { c["jti"] = strings.Repeat("j", 10<<10) }), p.request())
	assert.ErrorIs(t, err, ErrInvalidDPoPProof)
	_, err = checkDPoPProof(strings.Repeat("A", maxDPoPProofBytes+1), p.request())
	assert.ErrorIs(t, err, ErrDPoPProofMalformed, "a proof over the cap is not parsed")
}

func TestThreat195ProofTokenHash(t *testing.T) {
	p := newProofKit(t, "ES256")
	for _, other := range []string{"another.access.token", proofToken + " ", " " + proofToken, proofToken + "="} {
		_, err := checkDPoPProof(p.mint(t, func(_, c map[string]any) { c["ath"] = accessTokenHash(other) }), p.request())
		assert.ErrorIs(t, err, ErrDPoPProofTokenHash, "%q", other)
	}
}

// TestThreat204AccessTokenHashKAT: the ath of RFC 9449's example token
// (§7.1, Figures 13 and 14), recomputed.
func TestThreat204AccessTokenHashKAT(t *testing.T) {
	assert.Equal(t, "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo", accessTokenHash("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"))
}

func TestDPoPProofHeaderRefusals(t *testing.T) {
	p := newProofKit(t, "ES256")
	for _, member := range []string{"crit", "b64", "zip", "enc"} {
		_, err := checkDPoPProof(p.mint(t, func(h, _ map[string]any) { h[member] = "x" }), p.request())
		assert.ErrorIs(t, err, ErrDPoPProofMalformed, member)
	}
	dup := p.key.signRaw(t, "ES256", `{"typ":"dpop+jwt","typ":"dpop+jwt","alg":"ES256","jwk":`+kitJSON(t, p.jwk)+`}`, kitJSON(t, p.claims()))
	_, err := checkDPoPProof(dup, p.request())
	assert.ErrorIs(t, err, ErrDPoPProofMalformed, "duplicate header member")
	_, err = checkDPoPProof(p.mint(t, func(h, _ map[string]any) { h["kid"] = "ignored"; h["jku"] = "https://evil.example/jwks" }), p.request())
	assert.NoError(t, err, "kid and jku are ignored: the key is the jwk")
}

func TestDPoPNonces(t *testing.T) {
	n := newDPoPNonces([]byte("a shared secret of the replicas!"), 5*time.Minute)
	now := time.Unix(1_800_000_000, 0)
	nonce := n.issue(now)
	assert.True(t, n.valid(nonce, now))
	assert.True(t, n.valid(nonce, now.Add(5*time.Minute)), "valid in the next window")
	assert.False(t, n.valid(nonce, now.Add(10*time.Minute)), "stale after two")
	assert.True(t, newDPoPNonces([]byte("a shared secret of the replicas!"), 5*time.Minute).valid(nonce, now), "another replica with the key")
	assert.False(t, newDPoPNonces(nil, 5*time.Minute).valid(nonce, now), "another key")
	assert.False(t, n.valid(nonce[:len(nonce)-1]+"A", now))
	assert.False(t, n.valid("", now))
}

// TestDPoPProofHeaderCache: a cached header spares the parse, never the
// signature check.
func TestDPoPProofHeaderCache(t *testing.T) {
	p := newProofKit(t, "ES256")
	r := p.request()
	r.headers = newProofHeaders()
	_, err := checkDPoPProof(p.mint(t, nil), r)
	require.NoError(t, err)
	require.Len(t, r.headers.m, 1)

	thief := newProofKit(t, "ES256")
	thief.key = newKitKey(t, "thief", "ES256")
	forged := thief.mint(t, func(h, _ map[string]any) { h["jwk"] = p.jwk }) // the victim's header, the thief's signature
	_, err = checkDPoPProof(forged, r)
	assert.ErrorIs(t, err, ErrDPoPProofSignature)
	_, err = checkDPoPProof(p.mint(t, func(h, _ map[string]any) { h["typ"] = "JWT" }), r)
	assert.ErrorIs(t, err, ErrDPoPProofType, "another header is checked")
	assert.Len(t, r.headers.m, 1, "refused headers are not kept")
}
