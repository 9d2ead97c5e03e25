package core

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"log/slog"
	"math/big"
	"net/http"
	"strings"

	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dpopEnv is a Verifier that accepts DPoP, its issuer key, a client key
// minting proofs, and a Guard.
type dpopEnv struct {
	issuer *kitKey
	client *proofKit
	clock  *kitClock
	v      *Verifier
	g      *Guard
	jkt    string
}

const dpopHost, dpopPath = "api.example.com", "/orders"

func newDPoPEnv(t *testing.T, d DPoPConfig) *dpopEnv {
	e := &dpopEnv{issuer: newKitKey(t, "k1", "RS256"), client: newProofKit(t, "ES256"), clock: newKitClock()}
	e.client.now = e.clock.Now()
	ks, err := ParseStaticKeySet(kitJWKS(t, e.issuer.jwk(t)))
	require.NoError(t, err)
	e.v, err = NewVerifier(Config{Issuer: obsIssuer, Audiences: []string{obsAudience}, KeySet: ks, Now: e.clock.Now,
		DPoP: d, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	t.Cleanup(func() { _ = e.v.Close() })
	e.g = NewGuard(e.v, GuardOptions{})
	p, err := checkDPoPProof(e.client.mint(t, nil), e.client.request())
	require.NoError(t, err)
	e.jkt = p.jkt
	return e
}

// token mints an access token with cnf (nil: none).
func (e *dpopEnv) token(t testing.TB, cnf map[string]any) string {
	c := map[string]any{"iss": obsIssuer, "aud": obsAudience, "sub": "alice", "scope": "read",
		"exp": e.clock.Now().Add(time.Hour).Unix(), "iat": e.clock.Now().Unix()}
	if cnf != nil {
		c["cnf"] = cnf
	}
	return e.issuer.sign(t, c)
}

// proof mints a proof for GET https://api.example.com/orders with token.
func (e *dpopEnv) proof(t *testing.T, token string, edit func(c map[string]any)) string {
	return e.client.mint(t, func(_, c map[string]any) {
		c["ath"] = accessTokenHash(token)
		c["jti"] = randomJTI(t)
		if edit != nil {
			edit(c)
		}
	})
}

func randomJTI(t *testing.T) string {
	b := make([]byte, 16)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return kitB64(b)
}

func dpopCreds(token string, proofs ...string) Credentials {
	return Credentials{Authorization: []string{"DPoP " + token}, DPoP: proofs, TLS: true, Host: dpopHost, Path: dpopPath}
}

func (e *dpopEnv) authenticate(c Credentials) (*Claims, Response, error) {
	ctx, err := e.g.Authenticate(context.Background(), http.MethodGet, c)
	claims, _ := ClaimsFromContext(ctx)
	if err != nil {
		return nil, e.g.Response(err, true, dpopHost), err
	}
	return claims, Response{}, nil
}

func TestThreat176DPoPRequestAccepted(t *testing.T) {
	e := newDPoPEnv(t, DPoPConfig{Mode: DPoPAllowed})
	tok := e.token(t, map[string]any{"jkt": e.jkt})
	for range 2 { // verified, then from the verified-token cache: the binding is checked both times
		c, _, err := e.authenticate(dpopCreds(tok, e.proof(t, tok, nil)))
		require.NoError(t, err)
		assert.Equal(t, "alice", c.Subject())
	}
}

func TestThreat177BoundTokenAsBearer(t *testing.T) {
	e := newDPoPEnv(t, DPoPConfig{Mode: DPoPAllowed})
	tok := e.token(t, map[string]any{"jkt": e.jkt})
	_, resp, err := e.authenticate(Credentials{Authorization: []string{"Bearer " + tok}, DPoP: []string{e.proof(t, tok, nil)}})
	require.ErrorIs(t, err, ErrTokenBound)
	assert.Equal(t, 401, resp.Status)
	assert.True(t, strings.HasPrefix(resp.WWWAuthenticate, `Bearer realm="api", error="invalid_token"`), resp.WWWAuthenticate)
}

func TestThreat178DPoPWithoutProof(t *testing.T) {
	e := newDPoPEnv(t, DPoPConfig{Mode: DPoPAllowed})
	tok := e.token(t, map[string]any{"jkt": e.jkt})
	_, resp, err := e.authenticate(dpopCreds(tok))
	require.ErrorIs(t, err, ErrDPoPProofMissing)
	assert.Equal(t, 401, resp.Status)
	assert.Equal(t, `Bearer realm="api", DPoP realm="api", algs="`+strings.Join(defaultDPoPAlgorithms, " ")+
		`", error="invalid_dpop_proof", error_description="DPoP proof missing"`, resp.WWWAuthenticate)
}

// TestThreat179TwoDPoPHeaders: the catalog says 401 invalid_dpop_proof
// (as Spring answers); behaviour.md §7 makes it an invalid request, and
// the behaviour contract wins: 400.
func TestThreat179TwoDPoPHeaders(t *testing.T) {
	e := newDPoPEnv(t, DPoPConfig{Mode: DPoPAllowed})
	tok := e.token(t, map[string]any{"jkt": e.jkt})
	p := e.proof(t, tok, nil)
	_, resp, err := e.authenticate(dpopCreds(tok, p, p))
	require.ErrorIs(t, err, ErrInvalidRequest)
	assert.Equal(t, 400, resp.Status)
	assert.Contains(t, resp.WWWAuthenticate, `DPoP realm="api", algs=`)
	assert.Contains(t, resp.WWWAuthenticate, `error="invalid_request"`)
}

func TestThreat193ProofReplayed(t *testing.T) {
	e := newDPoPEnv(t, DPoPConfig{Mode: DPoPAllowed})
	tok := e.token(t, map[string]any{"jkt": e.jkt})
	p := e.proof(t, tok, nil)
	_, _, err := e.authenticate(dpopCreds(tok, p))
	require.NoError(t, err)
	_, resp, err := e.authenticate(dpopCreds(tok, p))
	require.ErrorIs(t, err, ErrDPoPProofReplayed)
	assert.Contains(t, resp.WWWAuthenticate, `error="invalid_dpop_proof", error_description="DPoP proof replayed"`)
}

func TestThreat193ReplayAcrossReplicasSharingAStore(t *testing.T) {
	store, err := NewMemoryReplayStore(MemoryReplayOptions{})
	require.NoError(t, err)
	a := newDPoPEnv(t, DPoPConfig{Mode: DPoPAllowed, ReplayStore: store})
	b := newDPoPEnv(t, DPoPConfig{Mode: DPoPAllowed, ReplayStore: store})
	b.issuer, b.client, b.jkt = a.issuer, a.client, a.jkt // the same issuer key and client
	tok := a.token(t, map[string]any{"jkt": a.jkt})
	p := a.proof(t, tok, nil)
	_, _, err = a.authenticate(dpopCreds(tok, p))
	require.NoError(t, err)
	_, _, err = b.authenticate(dpopCreds(tok, p))
	require.ErrorIs(t, err, ErrDPoPProofReplayed)
}

func TestThreat196And197Binding(t *testing.T) {
	e := newDPoPEnv(t, DPoPConfig{Mode: DPoPAllowed})
	for name, cnf := range map[string]map[string]any{
		"196 another thumbprint": {"jkt": "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"},
		"197 no cnf":             nil,
		"197 cnf without jkt":    {"x5t#S256": "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2"},
		"jkt not a string":       {"jkt": 7},
	} {
		tok := e.token(t, cnf)
		_, resp, err := e.authenticate(dpopCreds(tok, e.proof(t, tok, nil)))
		require.ErrorIs(t, err, ErrInvalidToken, name)
		assert.Contains(t, resp.WWWAuthenticate, `DPoP realm="api", algs=`, name)
		assert.Contains(t, resp.WWWAuthenticate, `error="invalid_token"`, name)
		assert.True(t, strings.HasPrefix(resp.WWWAuthenticate, `Bearer realm="api", DPoP`), "the error is on the DPoP challenge: %s", resp.WWWAuthenticate)
	}
}

func TestThreat198DPoPMalformedToken(t *testing.T) {
	e := newDPoPEnv(t, DPoPConfig{Mode: DPoPAllowed})
	_, resp, err := e.authenticate(dpopCreds("not-a-jwt", e.proof(t, "not-a-jwt", nil)))
	require.ErrorIs(t, err, ErrTokenMalformed)
	assert.Equal(t, 401, resp.Status)
	assert.Contains(t, resp.WWWAuthenticate, `DPoP realm="api", algs="ES256 `)
	assert.Contains(t, resp.WWWAuthenticate, `error="invalid_token", error_description="token malformed"`)
}

func TestThreat199To201Nonce(t *testing.T) {
	e := newDPoPEnv(t, DPoPConfig{Mode: DPoPAllowed, Nonce: true})
	tok := e.token(t, map[string]any{"jkt": e.jkt})
	_, resp, err := e.authenticate(dpopCreds(tok, e.proof(t, tok, nil)))
	require.ErrorIs(t, err, ErrUseDPoPNonce)
	assert.Equal(t, 401, resp.Status)
	assert.Contains(t, resp.WWWAuthenticate, `error="use_dpop_nonce"`)
	require.NotEmpty(t, resp.DPoPNonce)
	h := http.Header{}
	resp.SetHeaders(h.Set)
	assert.Equal(t, []string{resp.DPoPNonce}, h.Values("DPoP-Nonce"), "201: exactly one DPoP-Nonce header")

	nonce := resp.DPoPNonce
	_, _, err = e.authenticate(dpopCreds(tok, e.proof(t, tok, func(c map[string]any) { c["nonce"] = nonce })))
	require.NoError(t, err, "the retry with the nonce")

	_, resp, err = e.authenticate(dpopCreds(tok, e.proof(t, tok, func(c map[string]any) { c["nonce"] = "issued-by-the-authorization-server" })))
	require.ErrorIs(t, err, ErrUseDPoPNonce, "200: a foreign nonce")
	assert.NotEmpty(t, resp.DPoPNonce)

	e.clock.Advance(11 * time.Minute)
	e.client.now = e.clock.Now()
	tok = e.token(t, map[string]any{"jkt": e.jkt})
	_, resp, err = e.authenticate(dpopCreds(tok, e.proof(t, tok, func(c map[string]any) { c["nonce"] = nonce })))
	require.ErrorIs(t, err, ErrUseDPoPNonce, "200: a stale nonce")
	assert.NotEqual(t, nonce, resp.DPoPNonce, "a new one")
}

func TestThreat202NoCredentialsChallenges(t *testing.T) {
	allowed := newDPoPEnv(t, DPoPConfig{Mode: DPoPAllowed, Algorithms: []string{"ES256", "PS256"}})
	_, resp, err := allowed.authenticate(Credentials{})
	require.ErrorIs(t, err, ErrNoCredentials)
	assert.Equal(t, `Bearer realm="api", DPoP realm="api", algs="ES256 PS256"`, resp.WWWAuthenticate)

	required := newDPoPEnv(t, DPoPConfig{Mode: DPoPRequired, Algorithms: []string{"ES256", "PS256"}})
	_, resp, err = required.authenticate(Credentials{})
	require.ErrorIs(t, err, ErrNoCredentials)
	assert.Equal(t, `DPoP realm="api", algs="ES256 PS256"`, resp.WWWAuthenticate)

	tok := required.token(t, nil)
	_, resp, err = required.authenticate(Credentials{Authorization: []string{"Bearer " + tok}})
	require.ErrorIs(t, err, ErrNoCredentials, "required: a Bearer token is no usable credential")
	assert.Equal(t, `DPoP realm="api", algs="ES256 PS256"`, resp.WWWAuthenticate)
}

func TestThreat203InvalidBearerChallenges(t *testing.T) {
	e := newDPoPEnv(t, DPoPConfig{Mode: DPoPAllowed, Algorithms: []string{"ES256"}})
	_, resp, err := e.authenticate(Credentials{Authorization: []string{"Bearer not-a-jwt"}})
	require.ErrorIs(t, err, ErrInvalidToken)
	assert.Equal(t, `Bearer realm="api", error="invalid_token", error_description="token malformed", DPoP realm="api", algs="ES256"`,
		resp.WWWAuthenticate)
	tok := e.token(t, nil)
	_, _, err = e.authenticate(Credentials{Authorization: []string{"Bearer " + tok}})
	require.NoError(t, err, "allowed: an unbound Bearer token")
}

func TestThreat190PublicURLNotHost(t *testing.T) {
	e := newDPoPEnv(t, DPoPConfig{Mode: DPoPAllowed, PublicURL: "https://api.example.com"})
	tok := e.token(t, map[string]any{"jkt": e.jkt})
	c := dpopCreds(tok, e.proof(t, tok, nil))
	c.Host, c.TLS = "attacker.example", false // a spoofed Host, a proxy's plain http
	_, _, err := e.authenticate(c)
	require.NoError(t, err, "htu is the public URL, not the Host header")

	evil := dpopCreds(tok, e.proof(t, tok, func(c map[string]any) { c["htu"] = "https://attacker.example/orders" }))
	evil.Host = "attacker.example"
	_, _, err = e.authenticate(evil)
	require.ErrorIs(t, err, ErrDPoPProofURL)

	plain := newDPoPEnv(t, DPoPConfig{Mode: DPoPAllowed})
	tok = plain.token(t, map[string]any{"jkt": plain.jkt})
	c = dpopCreds(tok, plain.proof(t, tok, nil))
	c.TLS = false
	_, _, err = plain.authenticate(c)
	require.ErrorIs(t, err, ErrDPoPProofURL, "without a public URL, the connection's scheme counts")
}

func TestDPoPReplayStoreFailureIsUnavailable(t *testing.T) {
	e := newDPoPEnv(t, DPoPConfig{Mode: DPoPAllowed, ReplayStore: failingStore{}})
	tok := e.token(t, map[string]any{"jkt": e.jkt})
	_, resp, err := e.authenticate(dpopCreds(tok, e.proof(t, tok, nil)))
	require.ErrorIs(t, err, ErrKeysUnavailable)
	assert.Equal(t, 503, resp.Status)
	assert.Equal(t, "1", resp.RetryAfter)
}

type failingStore struct{}

func (failingStore) Claim(context.Context, string, time.Time) (bool, error) {
	return false, errors.New("connection refused")
}

func TestDPoPOffRefusesDPoPScheme(t *testing.T) {
	e := newDPoPEnv(t, DPoPConfig{})
	tok := e.token(t, map[string]any{"jkt": e.jkt})
	_, resp, err := e.authenticate(dpopCreds(tok, e.proof(t, tok, nil)))
	require.ErrorIs(t, err, ErrNoCredentials, "off: the DPoP scheme is another scheme")
	assert.Equal(t, `Bearer realm="api"`, resp.WWWAuthenticate)
}

func TestDPoPConfigChecks(t *testing.T) {
	base := Config{Issuer: obsIssuer, Audiences: []string{obsAudience}, KeySet: NewStaticKeySet()}
	for name, d := range map[string]DPoPConfig{
		"HS256":        {Mode: DPoPAllowed, Algorithms: []string{"HS256"}},
		"none":         {Mode: DPoPAllowed, Algorithms: []string{"none"}},
		"max age":      {Mode: DPoPAllowed, ProofMaxAge: 10 * time.Minute},
		"short secret": {Mode: DPoPAllowed, Nonce: true, NonceSecret: []byte("short")},
		"window":       {Mode: DPoPAllowed, Nonce: true, NonceWindow: time.Second},
		"public URL":   {Mode: DPoPAllowed, PublicURL: "http://api.example.com"},
		"mode":         {Mode: 9},
	} {
		cfg := base
		cfg.DPoP = d
		_, err := NewVerifier(cfg)
		assert.ErrorIs(t, err, ErrConfig, name)
	}
	m, err := ParseDPoPMode(" Required ")
	require.NoError(t, err)
	assert.Equal(t, DPoPRequired, m)
	_, err = ParseDPoPMode("on")
	assert.Error(t, err)
}

// clientCert is a self-signed client certificate's DER.
func clientCert(t *testing.T, cn string) []byte {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Unix(1_700_000_000, 0), NotAfter: time.Unix(1_900_000_000, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	require.NoError(t, err)
	return der
}

func TestThreatL206To212CertificateBinding(t *testing.T) {
	e := newDPoPEnv(t, DPoPConfig{})
	cert, other := clientCert(t, "client"), clientCert(t, "other")
	bound := e.token(t, map[string]any{"x5t#S256": certThumbprint(cert)})
	bearer := func(tok string, der []byte) Credentials {
		return Credentials{Authorization: []string{"Bearer " + tok}, ClientCertificate: der, TLS: true}
	}
	for range 2 { // verified, then cached
		_, _, err := e.authenticate(bearer(bound, cert))
		require.NoError(t, err, "206: the certificate of the thumbprint")
	}
	_, _, err := e.authenticate(bearer(bound, other))
	require.ErrorIs(t, err, ErrCertificateBinding, "207: another certificate")
	_, _, err = e.authenticate(bearer(bound, nil))
	require.ErrorIs(t, err, ErrCertificateBinding, "208: no certificate")
	sum := certThumbprint(cert)
	for name, v := range map[string]string{"padded": sum + "=", "hex": strings.Repeat("ab", 32)} {
		_, _, err = e.authenticate(bearer(e.token(t, map[string]any{"x5t#S256": v}), cert))
		require.ErrorIs(t, err, ErrCertificateBinding, "209: "+name)
	}
	_, _, err = e.authenticate(bearer(e.token(t, map[string]any{"x5t": sum[:27]}), cert))
	require.ErrorIs(t, err, ErrTokenBound, "209: SHA-1 x5t is not RFC 8705's")
	_, _, err = e.authenticate(bearer(e.token(t, nil), nil))
	require.NoError(t, err, "210: a token without cnf is a plain bearer token")

	d := newDPoPEnv(t, DPoPConfig{Mode: DPoPAllowed})
	both := d.token(t, map[string]any{"jkt": d.jkt, "x5t#S256": sum})
	c := dpopCreds(both, d.proof(t, both, nil))
	c.ClientCertificate = cert
	_, _, err = d.authenticate(c)
	require.NoError(t, err, "212: both bindings hold")
	c = dpopCreds(both, d.proof(t, both, nil))
	c.ClientCertificate = other
	_, _, err = d.authenticate(c)
	require.ErrorIs(t, err, ErrCertificateBinding, "212: both must hold")
}

func TestFAPI2(t *testing.T) {
	cfg := FAPI2(Config{Algorithms: []string{"RS256"}})
	assert.Equal(t, []string{"PS256", "ES256", "EdDSA", "Ed25519"}, cfg.Algorithms)
	assert.Equal(t, DPoPAllowed, cfg.DPoP.Mode)
	assert.True(t, cfg.SenderConstrained)

	e := newDPoPEnv(t, DPoPConfig{Mode: DPoPAllowed})
	e.v.cfg.SenderConstrained = true // as FAPI2 sets it (the issuer key of the env is RS256)
	plain := e.token(t, nil)
	_, resp, err := e.authenticate(Credentials{Authorization: []string{"Bearer " + plain}})
	require.ErrorIs(t, err, ErrTokenNotBound, "a plain bearer token")
	assert.Contains(t, resp.WWWAuthenticate, `error_description="sender-constrained token required"`)
	bound := e.token(t, map[string]any{"jkt": e.jkt})
	_, _, err = e.authenticate(dpopCreds(bound, e.proof(t, bound, nil)))
	require.NoError(t, err, "a DPoP-bound token with its proof")
	cert := clientCert(t, "client")
	_, _, err = e.authenticate(Credentials{Authorization: []string{"Bearer " + e.token(t, map[string]any{"x5t#S256": certThumbprint(cert)})},
		ClientCertificate: cert, TLS: true})
	require.NoError(t, err, "a certificate-bound token over mTLS")
	_, _, err = e.authenticate(Credentials{Query: []string{plain}})
	require.ErrorIs(t, err, ErrNoCredentials, "no query tokens")
	_, _, err = e.authenticate(Credentials{Cookie: []string{plain}})
	require.ErrorIs(t, err, ErrNoCredentials, "no cookie tokens")
}
