package core

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"hash"
	"log/slog"
	"math/big"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// This file runs threats.md §2 sections B (compact serialization and
// base64url), C (algorithms and key selection), D (JOSE header parameters)
// and I (resource limits) through Verifier.Verify (and a few rows through
// Verifier.Check), against a real RemoteKeySet that fetches a JWKS from a
// loopback httptest server, with real RSA-2048, EC P-256/384/521 and Ed25519
// keys. Default fixture: kid k1 RS256, header {"alg":"RS256","kid":"k1",
// "typ":"at+jwt"}, claims iss, aud, sub, client_id, jti, iat=now-10,
// exp=now+3600, scope "read write".

const (
	catIssuer   = "https://issuer.example/"
	catAudience = "api://res"
	catSubject  = "user-1"
	// catHeaderK1 is the catalog's default protected header.
	catHeaderK1 = `{"alg":"RS256","kid":"k1","typ":"at+jwt"}`
)

// catKeys are the signing keys of the catalog. RS*/PS* keys share the k1
// RSA material (under other kids, each bound to its alg) so that the suite
// generates few RSA keys.
type catKeys struct {
	k1                          *kitKey // RSA-2048, RS256
	rs384, rs512                *kitKey // k1 material
	ps256, ps384, ps512         *kitKey // k1 material
	es256, es384, es512, eddsa  *kitKey
	ed25519                     *kitKey // eddsa material, alg "Ed25519" (RFC 9864)
	noalg                       *kitKey // k1 material, JWK without alg
	noalgEC                     *kitKey // es384 material, JWK without alg
	kopsVerify                  *kitKey // k1 material, key_ops ["verify"]
	attacker, other             *kitKey // RSA keys that are not in the JWKS
	ecOffCurve, ecWrongCrv      *kitKey // es256 material under broken JWKs
	ecAlgCrv, knone, khs, enc   *kitKey // keys the JWKS publishes broken
	kopsEnc, hugeN, hugeE, oct1 *kitKey
}

// catAlias is k's key material under another kid and alg.
func catAlias(k *kitKey, kid, alg string) *kitKey {
	return &kitKey{kid: kid, alg: alg, signer: k.signer}
}

func catLoadKeys(tb testing.TB) catKeys {
	tb.Helper()
	k1 := newKitKey(tb, "k1", "RS256")
	es256 := newKitKey(tb, "es256", "ES256")
	es384 := newKitKey(tb, "es384", "ES384")
	return catKeys{
		k1:    k1,
		rs384: catAlias(k1, "rs384", "RS384"), rs512: catAlias(k1, "rs512", "RS512"),
		ps256: catAlias(k1, "ps256", "PS256"), ps384: catAlias(k1, "ps384", "PS384"),
		ps512: catAlias(k1, "ps512", "PS512"),
		es256: es256, es384: es384,
		es512:      newKitKey(tb, "es512", "ES512"),
		eddsa:      newKitKey(tb, "ed", "EdDSA"),
		ed25519:    catAlias(newKitKey(tb, "ed", "EdDSA"), "ed25519", "Ed25519"),
		noalg:      catAlias(k1, "noalg", "RS256"),
		noalgEC:    catAlias(es384, "noalg-ec", "ES384"),
		kopsVerify: catAlias(k1, "kops-verify", "RS256"),
		attacker:   newKitKey(tb, "attacker", "RS256"),
		other:      newKitKey(tb, "other", "RS256"),
		ecOffCurve: catAlias(es256, "ec-offcurve", "ES256"),
		ecWrongCrv: catAlias(es256, "ec-wrongcrv", "ES256"),
		ecAlgCrv:   catAlias(es256, "ec-algcrv", "ES256"),
		knone:      catAlias(k1, "knone", "RS256"),
		khs:        catAlias(k1, "khs", "RS256"),
		enc:        catAlias(k1, "enc", "RS256"),
		kopsEnc:    catAlias(k1, "kops-enc", "RS256"),
		hugeN:      catAlias(k1, "rsa-huge-n", "RS256"),
		hugeE:      catAlias(k1, "rsa-huge-e", "RS256"),
		oct1:       catAlias(k1, "oct1", "RS256"),
	}
}

// catOctSecret is the HMAC secret of the oct key the JWKS wrongly publishes
// (threat 45).
var catOctSecret = []byte("0123456789abcdef0123456789abcdef")

// catJWK is k's public JWK with members changed (nil deletes a member).
func catJWK(tb testing.TB, k *kitKey, members map[string]any) map[string]any {
	tb.Helper()
	m := k.jwk(tb)
	for name, val := range members {
		if val == nil {
			delete(m, name)
		} else {
			m[name] = val
		}
	}
	return m
}

// catJWKSDoc is the catalog key set: every usable key of the positive
// matrix plus the broken keys of threats 39, 42, 45, 47, 48, 51 and 145,
// which key hygiene must drop.
func catJWKSDoc(tb testing.TB, ks catKeys) []byte {
	tb.Helper()
	es := ks.es256.jwk(tb)
	y, err := base64.RawURLEncoding.DecodeString(es["y"].(string))
	require.NoError(tb, err)
	y[len(y)-1] ^= 1
	hugeN := make([]byte, 16384/8)
	_, err = rand.Read(hugeN)
	require.NoError(tb, err)
	hugeN[0] |= 0x80
	hugeN[len(hugeN)-1] |= 1
	hugeE := append([]byte{1}, make([]byte, 8)...) // 2^64
	hugeE[len(hugeE)-1] = 1
	keys := []map[string]any{
		ks.k1.jwk(tb), ks.rs384.jwk(tb), ks.rs512.jwk(tb),
		ks.ps256.jwk(tb), ks.ps384.jwk(tb), ks.ps512.jwk(tb),
		ks.es256.jwk(tb), ks.es384.jwk(tb), ks.es512.jwk(tb), ks.eddsa.jwk(tb), ks.ed25519.jwk(tb),
		catJWK(tb, ks.noalg, map[string]any{"alg": nil}),
		catJWK(tb, ks.noalgEC, map[string]any{"alg": nil}),
		catJWK(tb, ks.kopsVerify, map[string]any{"use": nil, "key_ops": []string{"verify"}}),
		// Broken keys, all to be dropped at load.
		catJWK(tb, ks.knone, map[string]any{"alg": "none"}),
		catJWK(tb, ks.khs, map[string]any{"alg": "HS256"}),
		{"kty": "oct", "kid": "oct1", "alg": "HS256", "use": "sig", "k": kitB64(catOctSecret)},
		catJWK(tb, ks.enc, map[string]any{"use": "enc"}),
		catJWK(tb, ks.kopsEnc, map[string]any{"use": nil, "key_ops": []string{"encrypt"}}),
		catJWK(tb, ks.ecOffCurve, map[string]any{"y": kitB64(y)}),
		catJWK(tb, ks.ecWrongCrv, map[string]any{"crv": "P-384"}),
		catJWK(tb, ks.ecAlgCrv, map[string]any{"alg": "ES384"}),
		catJWK(tb, ks.hugeN, map[string]any{"n": kitB64(hugeN)}),
		catJWK(tb, ks.hugeE, map[string]any{"e": kitB64(hugeE)}),
	}
	return kitJWKS(tb, keys...)
}

// catEnv is one top-level test's fixture: keys, clock and JWKS server.
type catEnv struct {
	keys  catKeys
	clock *kitClock
	srv   *kitJWKSServer
}

func newCatEnv(tb testing.TB) *catEnv {
	tb.Helper()
	ks := catLoadKeys(tb)
	return &catEnv{keys: ks, clock: newKitClock(), srv: newKitJWKSServer(tb, catJWKSDoc(tb, ks))}
}

// verifier builds a Verifier over the env's JWKS server (the real
// RemoteKeySet), with the catalog Config changed by mutate.
func (e *catEnv) verifier(tb testing.TB, mutate func(*Config)) *Verifier {
	tb.Helper()
	return catNewVerifier(tb, e.srv, e.clock, mutate)
}

func catNewVerifier(tb testing.TB, srv *kitJWKSServer, clock *kitClock, mutate func(*Config)) *Verifier {
	tb.Helper()
	cfg := Config{
		Audiences: []string{catAudience},
		Issuer:    catIssuer,
		JWKSURL:   srv.URL,
		Now:       clock.Now,
		Logger:    slog.New(slog.DiscardHandler),
	}
	if mutate != nil {
		mutate(&cfg)
	}
	v, err := NewVerifier(cfg)
	require.NoError(tb, err, "precondition: the catalog Config is valid")
	tb.Cleanup(func() { _ = v.Close() })
	return v
}

// claims returns the default fixture claims.
func (e *catEnv) claims() map[string]any { return catClaims(e.clock.Now()) }

func catClaims(now time.Time) map[string]any {
	return map[string]any{
		"iss": catIssuer, "aud": catAudience, "sub": catSubject,
		"client_id": "client-1", "jti": "jti-1",
		"iat": now.Unix() - 10, "exp": now.Unix() + 3600, "scope": "read write",
	}
}

// payload is the default claims as JSON text.
func (e *catEnv) payload(tb testing.TB) string { return kitJSON(tb, e.claims()) }

// token is the default fixture token signed by k under its standard header.
func (e *catEnv) token(tb testing.TB, k *kitKey) string { return k.sign(tb, e.claims()) }

// catSegments splits a compact token.
func catSegments(tb testing.TB, tok string) []string {
	tb.Helper()
	s := strings.Split(tok, ".")
	require.Len(tb, s, 3)
	return s
}

// catSignInput signs an arbitrary signing input (already encoded).
func catSignInput(tb testing.TB, k *kitKey, alg, input string) string {
	tb.Helper()
	return input + "." + kitB64(kitSignBytes(tb, k.signer, alg, []byte(input)))
}

// catWithSig replaces a token's signature by raw signature bytes.
func catWithSig(tb testing.TB, tok string, sig []byte) string {
	tb.Helper()
	s := catSegments(tb, tok)
	return s[0] + "." + s[1] + "." + kitB64(sig)
}

// catHMAC builds an HS* token over the given header and payload JSON.
func catHMAC(tb testing.TB, alg, header, payload string, secret []byte) string {
	tb.Helper()
	h := map[string]func() hash.Hash{"HS256": sha256.New, "HS384": sha512.New384, "HS512": sha512.New}[alg]
	require.NotNil(tb, h, "catHMAC: alg %s", alg)
	input := kitB64([]byte(header)) + "." + kitB64([]byte(payload))
	m := hmac.New(h, secret)
	m.Write([]byte(input))
	return input + "." + kitB64(m.Sum(nil))
}

// catPad adds base64 "=" padding to a segment; the segment must need some.
func catPad(tb testing.TB, seg string) string {
	tb.Helper()
	n := (4 - len(seg)%4) % 4
	require.NotZero(tb, n, "precondition: segment length is not a multiple of 4")
	return seg + strings.Repeat("=", n)
}

// catFlipUnusedBit changes the last character of a segment so that only the
// unused low bits differ (RFC 4648 §3.5 non-canonical encoding).
func catFlipUnusedBit(tb testing.TB, seg string) string {
	tb.Helper()
	require.NotZero(tb, len(seg)%4, "precondition: the last character carries unused bits")
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, seg[len(seg)-1])
	require.GreaterOrEqual(tb, i, 0)
	out := seg[:len(seg)-1] + string(alphabet[i^1])
	_, err := base64.RawURLEncoding.DecodeString(out)
	require.NoError(tb, err, "precondition: the lenient decoder accepts the variant")
	return out
}

// catStdAlphabet rewrites base64url to the standard alphabet.
func catStdAlphabet(seg string) string {
	return strings.NewReplacer("-", "+", "_", "/").Replace(seg)
}

// catPayloadNotMod4 returns claims JSON whose base64url form needs padding
// and has both a '-' or '_' (so that threats 24–27 change something).
func catPayloadNotMod4(tb testing.TB, claims map[string]any) string {
	tb.Helper()
	for i := range 64 {
		claims["pad"] = strings.Repeat("?", i) + "~>"
		p := kitJSON(tb, claims)
		enc := kitB64([]byte(p))
		if len(enc)%4 != 0 && strings.ContainsAny(enc, "-_") {
			return p
		}
	}
	tb.Fatal("catPayloadNotMod4: no suitable payload")
	return ""
}

// catAssertErr checks an error against a reason sentinel (and its
// category), or no error when want is nil. A token problem must always be
// answered 401, never 5xx.
func catAssertErr(tb testing.TB, err, want error) {
	tb.Helper()
	if want == nil {
		assert.NoError(tb, err)
		return
	}
	if !assert.Error(tb, err) {
		return
	}
	assert.ErrorIs(tb, err, want)
	var reason *Error
	if errors.As(want, &reason) {
		assert.ErrorIs(tb, err, reason.category, "category of the reason")
	}
	if errors.Is(want, ErrInvalidToken) {
		assert.Equal(tb, http.StatusUnauthorized, errorResponse(err, defaultRealm, "", nil).Status)
	}
}

// catVerify runs Verify and checks the outcome.
func catVerify(tb testing.TB, v *Verifier, tok string, want error) {
	tb.Helper()
	c, err := v.Verify(context.Background(), tok)
	catAssertErr(tb, err, want)
	if want == nil {
		if assert.NotNil(tb, c) {
			assert.Equal(tb, catSubject, c.Subject())
		}
	} else {
		assert.Nil(tb, c)
	}
}

// catCase is one row verified by a Verifier.
type catCase struct {
	name    string
	v       *Verifier // nil: the test's default Verifier
	token   string
	wantErr error // nil: accepted
}

func catRun(t *testing.T, def *Verifier, cases []catCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := tc.v
			if v == nil {
				v = def
			}
			catVerify(t, v, tc.token, tc.wantErr)
		})
	}
}

// TestCatalogPositiveAlgorithms: one valid token per allow-listed algorithm
// is accepted (behaviour.md §3 default allow-list), each against its key in
// the remote JWKS.
func TestCatalogPositiveAlgorithms(t *testing.T) {
	env := newCatEnv(t)
	v := env.verifier(t, nil)
	ks := env.keys
	for _, k := range []*kitKey{ks.k1, ks.rs384, ks.rs512, ks.ps256, ks.ps384, ks.ps512, ks.es256, ks.es384, ks.es512, ks.eddsa, ks.ed25519} {
		t.Run(k.alg, func(t *testing.T) {
			tok := env.token(t, k)
			c, err := v.Verify(t.Context(), tok)
			require.NoError(t, err)
			assert.Equal(t, catSubject, c.Subject())
			assert.Equal(t, catIssuer, c.Issuer())
			assert.Equal(t, []string{catAudience}, c.Audience())
			assert.True(t, c.HasScope("read"))
		})
	}
	assert.Equal(t, int64(1), env.srv.requests.Load(), "one JWKS fetch serves every key")
}

// TestCatalogBCompactSerialization covers threats.md §2-B (21–35).
func TestCatalogBCompactSerialization(t *testing.T) {
	env := newCatEnv(t)
	v := env.verifier(t, nil)
	ks := env.keys
	good := env.token(t, ks.k1)
	catVerify(t, v, good, nil) // precondition: the fixture is accepted
	s := catSegments(t, good)
	h, p, sig := s[0], s[1], s[2]

	// A fixture whose payload segment needs padding and has '-'/'_'.
	pp := catPayloadNotMod4(t, env.claims())
	odd := ks.k1.signRaw(t, "RS256", catHeaderK1, pp)
	os := catSegments(t, odd)
	oh, op, osig := os[0], os[1], os[2]
	require.True(t, strings.ContainsAny(osig, "-_"), "precondition: signature has '-' or '_'")
	catVerify(t, v, odd, nil)

	// A header segment with '-' or '_' (an ignored extra member).
	markedHeader := `{"alg":"RS256","kid":"k1","typ":"at+jwt","x":"??~~>>"}`
	require.True(t, strings.ContainsAny(kitB64([]byte(markedHeader)), "-_"))

	esTok := env.token(t, ks.es256)
	edTok := env.token(t, ks.eddsa)
	esSeg, edSeg := catSegments(t, esTok), catSegments(t, edTok)

	// JWS JSON serializations (RFC 7515 §7.2) with one bogus and one valid
	// signature, and the flattened form with an unprotected header.
	protected := kitB64([]byte(catHeaderK1))
	general := kitJSON(t, map[string]any{
		"payload": p,
		"signatures": []map[string]any{
			{"protected": kitB64([]byte(`{"alg":"RS256","kid":"k1"}`)), "signature": kitB64([]byte("bogus"))},
			{"protected": protected, "signature": sig},
		},
	})
	flattened := kitJSON(t, map[string]any{
		"payload": p, "protected": kitB64([]byte(`{"typ":"at+jwt"}`)),
		"header": map[string]any{"alg": "RS256", "kid": "k1"}, "signature": sig,
	})

	// JWE compact (RFC 7516 §7.1): five segments.
	jweHeader := kitB64([]byte(`{"alg":"dir","enc":"A256GCM","kid":"k1"}`))
	jwe := jweHeader + ".." + kitB64([]byte("iv-iv-iv-iv")) + "." + kitB64([]byte("ciphertext")) + "." + kitB64([]byte("tag-tag-tag-tag!"))

	// Nested JWS (cty JWT): the outer payload is itself a compact JWS.
	nestedHeader := `{"alg":"RS256","kid":"k1","typ":"at+jwt","cty":"JWT"}`
	innerAttacker := env.token(t, ks.attacker)
	innerLegit := good

	bom := "\xEF\xBB\xBF"

	cases := []catCase{
		{name: "B21 two segments", token: h + "." + p, wantErr: ErrTokenMalformed},
		{name: "B21 one segment", token: h, wantErr: ErrTokenMalformed},
		{name: "B21 four segments trailing dot", token: good + ".", wantErr: ErrTokenMalformed},
		{name: "B21 four segments", token: good + "." + sig, wantErr: ErrTokenMalformed},
		{name: "B22 empty header", token: "." + p + "." + sig, wantErr: ErrTokenMalformed},
		{name: "B22 empty payload", token: h + ".." + sig, wantErr: ErrTokenMalformed},
		{name: "B22 only dots", token: "..", wantErr: ErrTokenMalformed},
		{name: "B23 empty signature", token: h + "." + p + ".", wantErr: ErrTokenMalformed},
		{name: "B24 padded header", token: catPad(t, oh) + "." + op + "." + osig, wantErr: ErrTokenMalformed},
		{name: "B24 padded payload", token: oh + "." + catPad(t, op) + "." + osig, wantErr: ErrTokenMalformed},
		{name: "B24 padded signature", token: oh + "." + op + "." + catPad(t, osig), wantErr: ErrTokenMalformed},
		{name: "B24 padded segments", token: catPad(t, oh) + "." + catPad(t, op) + "." + catPad(t, osig), wantErr: ErrTokenMalformed},
		{name: "B24 padded segments signed as padded",
			token: catSignInput(t, ks.k1, "RS256", catPad(t, oh)+"."+catPad(t, op)), wantErr: ErrTokenMalformed},
		{name: "B25 standard alphabet signature", token: oh + "." + op + "." + catStdAlphabet(osig), wantErr: ErrTokenMalformed},
		{name: "B25 standard alphabet payload", token: oh + "." + catStdAlphabet(op) + "." + osig, wantErr: ErrTokenMalformed},
		{name: "B25 standard alphabet signed as such",
			token: catSignInput(t, ks.k1, "RS256", catStdAlphabet(kitB64([]byte(markedHeader)))+"."+catStdAlphabet(op)), wantErr: ErrTokenMalformed},
		{name: "B26 unused bits of RS256 signature", token: oh + "." + op + "." + catFlipUnusedBit(t, osig), wantErr: ErrTokenMalformed},
		{name: "B26 unused bits of ES256 signature", token: esSeg[0] + "." + esSeg[1] + "." + catFlipUnusedBit(t, esSeg[2]), wantErr: ErrTokenMalformed},
		{name: "B26 unused bits of EdDSA signature", token: edSeg[0] + "." + edSeg[1] + "." + catFlipUnusedBit(t, edSeg[2]), wantErr: ErrTokenMalformed},
		// tc 374: the token carries a non-canonical payload, the signature
		// covers the canonical one: the received bytes do not verify.
		{name: "B27 non-canonical payload signed canonical", token: oh + "." + catFlipUnusedBit(t, op) + "." + osig, wantErr: ErrSignatureInvalid},
		{name: "B27 non-canonical header signed canonical", token: catFlipUnusedBit(t, oh) + "." + op + "." + osig, wantErr: ErrTokenMalformed},
		// tc 375: the signature covers the non-canonical bytes as received.
		{name: "B28 signature over non-canonical payload",
			token: catSignInput(t, ks.k1, "RS256", oh+"."+catFlipUnusedBit(t, op)), wantErr: ErrTokenMalformed},
		{name: "B28 signature over non-canonical header",
			token: catSignInput(t, ks.k1, "RS256", catFlipUnusedBit(t, oh)+"."+op), wantErr: ErrTokenMalformed},
		{name: "B29 space inside payload", token: h + "." + p[:10] + " " + p[10:] + "." + sig, wantErr: ErrTokenMalformed},
		{name: "B29 hash inside payload", token: h + "." + p[:10] + "#" + p[10:] + "." + sig, wantErr: ErrTokenMalformed},
		{name: "B29 question mark inside signature", token: h + "." + p + "." + sig[:10] + "?" + sig[10:], wantErr: ErrTokenMalformed},
		{name: "B29 newline inside header", token: h[:5] + "\n" + h[5:] + "." + p + "." + sig, wantErr: ErrTokenMalformed},
		{name: "B29 tab after token", token: good + "\t", wantErr: ErrTokenMalformed},
		{name: "B29 percent-encoded", token: h + "." + p[:10] + "%20" + p[10:] + "." + sig, wantErr: ErrTokenMalformed},
		{name: "B30 JSON serialization", token: general, wantErr: ErrTokenMalformed},
		{name: "B31 flattened JSON serialization", token: flattened, wantErr: ErrTokenMalformed},
		{name: "B32 JWE compact", token: jwe, wantErr: ErrTokenMalformed},
		{name: "B32 JWE header in three parts",
			token: ks.k1.signRaw(t, "RS256", `{"alg":"RS256","enc":"A256GCM","kid":"k1","typ":"at+jwt"}`, env.payload(t)), wantErr: ErrUnsupportedHeader},
		{name: "B33 nested JWS signed inside by attacker", token: ks.k1.signRaw(t, "RS256", nestedHeader, innerAttacker), wantErr: ErrUnsupportedHeader},
		{name: "B34 nested JWS both legit", token: ks.k1.signRaw(t, "RS256", nestedHeader, innerLegit), wantErr: ErrUnsupportedHeader},
		{name: "B34 nested JWS cty application/jwt",
			token: ks.k1.signRaw(t, "RS256", `{"alg":"RS256","kid":"k1","typ":"at+jwt","cty":"application/jwt"}`, innerLegit), wantErr: ErrUnsupportedHeader},
		{name: "B34 nested JWS without cty", token: ks.k1.signRaw(t, "RS256", catHeaderK1, innerLegit), wantErr: ErrClaimsMalformed},
		{name: "B34 cty not a string", token: ks.k1.signRaw(t, "RS256", `{"alg":"RS256","kid":"k1","cty":1}`, env.payload(t)), wantErr: ErrUnsupportedHeader},
		{name: "B35 BOM before payload", token: ks.k1.signRaw(t, "RS256", catHeaderK1, bom+env.payload(t)), wantErr: ErrClaimsMalformed},
		{name: "B35 BOM before header", token: ks.k1.signRaw(t, "RS256", bom+catHeaderK1, env.payload(t)), wantErr: ErrTokenMalformed},
	}
	catRun(t, v, cases)

	// The same shapes through Check: a token outside RFC 6750 b64token
	// syntax fails at extraction; padded and standard-alphabet tokens are
	// valid b64tokens (threat 10) and fail JWS validation.
	checks := []struct {
		name    string
		token   string
		wantErr error
	}{
		{"B24 padded segments via Check", catPad(t, oh) + "." + catPad(t, op) + "." + catPad(t, osig), ErrBearerSyntax}, // "=" only at the end
		{"B24 padded signature via Check", oh + "." + op + "." + catPad(t, osig), ErrTokenMalformed},
		{"B25 standard alphabet via Check", oh + "." + op + "." + catStdAlphabet(osig), ErrTokenMalformed},
		{"B29 space inside via Check", h + "." + p[:10] + " " + p[10:] + "." + sig, ErrBearerSyntax},
		{"B29 question mark via Check", h + "." + p + "." + sig[:10] + "?" + sig[10:], ErrBearerSyntax},
		{"B30 JSON serialization via Check", general, ErrBearerSyntax},
		{"B31 flattened JSON via Check", flattened, ErrBearerSyntax},
		{"B32 JWE via Check", jwe, ErrTokenMalformed},
	}
	for _, tc := range checks {
		t.Run(tc.name, func(t *testing.T) {
			c, err := v.Check(t.Context(), http.MethodGet, Credentials{Authorization: []string{"Bearer " + tc.token}}, AnyScope("read"))
			catAssertErr(t, err, tc.wantErr)
			assert.Nil(t, c)
		})
	}
}

// TestCatalogCAlgorithms covers threats.md §2-C (36–55).
func TestCatalogCAlgorithms(t *testing.T) {
	env := newCatEnv(t)
	ks := env.keys
	v := env.verifier(t, nil)
	narrow := env.verifier(t, func(c *Config) { c.Algorithms = []string{"RS256", "ES256"} })
	rsOnly := env.verifier(t, func(c *Config) { c.Algorithms = []string{"RS256"} })
	pl := env.payload(t)
	good := env.token(t, ks.k1)
	rsSig := catSegments(t, good)[2]
	input := func(header string) string { return kitB64([]byte(header)) + "." + kitB64([]byte(pl)) }
	dummySig := kitB64([]byte("not-a-signature"))

	// Threat 41: the RSA public key of k1 in every form an HMAC confusion
	// attack uses as the secret.
	pub := ks.k1.signer.Public().(*rsa.PublicKey)
	pkix, err := x509.MarshalPKIXPublicKey(pub)
	require.NoError(t, err)
	pkcs1 := x509.MarshalPKCS1PublicKey(pub)
	pemPKIX := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pkix})
	pemPKCS1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: pkcs1})
	jwkJSON := []byte(kitJSON(t, ks.k1.jwk(t)))
	secrets := []struct {
		name   string
		secret []byte
	}{
		{"PEM", pemPKIX}, {"PEM without newline", []byte(strings.TrimSpace(string(pemPKIX)))},
		{"PEM PKCS1", pemPKCS1}, {"DER", pkix}, {"DER PKCS1", pkcs1},
		{"JWK JSON", jwkJSON}, {"modulus", pub.N.Bytes()},
	}

	// Threat 49/50: ECDSA signatures.
	esGood := env.token(t, ks.es256)
	esSig, err := base64.RawURLEncoding.DecodeString(catSegments(t, esGood)[2])
	require.NoError(t, err)
	order := ks.es256.signer.(*ecdsa.PrivateKey).Curve.Params().N.FillBytes(make([]byte, 32))
	esInput := strings.Join(catSegments(t, esGood)[:2], ".")
	esDigest := sha256.Sum256([]byte(esInput))
	der, err := ecdsa.SignASN1(rand.Reader, ks.es256.signer.(*ecdsa.PrivateKey), esDigest[:])
	require.NoError(t, err)

	// Threat 52: PSS with salt lengths other than the hash length.
	pss := func(alg string, hash crypto.Hash, salt int) string {
		in := input(`{"alg":"` + alg + `","kid":"` + strings.ToLower(alg) + `","typ":"at+jwt"}`)
		hh := hash.New()
		hh.Write([]byte(in))
		sig, err := rsa.SignPSS(rand.Reader, ks.k1.signer.(*rsa.PrivateKey), hash, hh.Sum(nil), &rsa.PSSOptions{SaltLength: salt, Hash: hash})
		require.NoError(t, err)
		return in + "." + kitB64(sig)
	}

	// Threat 53: PKCS #1 v1.5 encodings, signed with the raw RSA primitive.
	rsInput := input(catHeaderK1)
	rsDigest := sha256.Sum256([]byte(rsInput))
	sha1Digest := sha1.Sum([]byte(rsInput))
	sha256Prefix := []byte{0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20}
	sha1Prefix := []byte{0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14}
	emsa := func(body []byte, mutate func(em []byte)) string {
		em := make([]byte, 256)
		em[1] = 1
		for i := 2; i < len(em)-len(body)-1; i++ {
			em[i] = 0xff
		}
		copy(em[len(em)-len(body):], body)
		if mutate != nil {
			mutate(em)
		}
		return rsInput + "." + kitB64(catRSARaw(ks.k1, em))
	}
	digestInfo := append(append([]byte(nil), sha256Prefix...), rsDigest[:]...)
	sep := 256 - len(digestInfo) - 1
	rsRaw, err := base64.RawURLEncoding.DecodeString(rsSig)
	require.NoError(t, err)
	modulus := pub.N.FillBytes(make([]byte, 256))

	cases := []catCase{
		{name: "C36 alg none empty signature", token: input(`{"alg":"none","typ":"at+jwt"}`) + ".", wantErr: ErrTokenMalformed},
		{name: "C36 alg none with kid and dummy signature", token: input(`{"alg":"none","kid":"k1","typ":"at+jwt"}`) + "." + dummySig, wantErr: ErrUnsupportedAlgorithm},
		{name: "C37 alg None", token: input(`{"alg":"None","kid":"k1"}`) + "." + dummySig, wantErr: ErrUnsupportedAlgorithm},
		{name: "C37 alg nOnE", token: input(`{"alg":"nOnE","kid":"k1"}`) + "." + dummySig, wantErr: ErrUnsupportedAlgorithm},
		{name: "C37 alg NONE", token: input(`{"alg":"NONE","kid":"k1"}`) + "." + dummySig, wantErr: ErrUnsupportedAlgorithm},
		{name: "C37 alg NONE empty signature", token: input(`{"alg":"NONE"}`) + ".", wantErr: ErrTokenMalformed},
		{name: "C38 alg none with a real RS256 signature", token: catSignInput(t, ks.k1, "RS256", input(`{"alg":"none","kid":"k1","typ":"at+jwt"}`)), wantErr: ErrUnsupportedAlgorithm},
		{name: "C39 JWKS key alg none, token alg none", token: input(`{"alg":"none","kid":"knone"}`) + "." + dummySig, wantErr: ErrUnsupportedAlgorithm},
		{name: "C39 JWKS key alg none is dropped", token: env.token(t, ks.knone), wantErr: ErrUnknownKey},
		{name: "C40 alg absent", token: catSignInput(t, ks.k1, "RS256", input(`{"kid":"k1","typ":"at+jwt"}`)), wantErr: ErrUnsupportedAlgorithm},
		{name: "C40 alg empty", token: catSignInput(t, ks.k1, "RS256", input(`{"alg":"","kid":"k1","typ":"at+jwt"}`)), wantErr: ErrUnsupportedAlgorithm},
		{name: "C40 alg null", token: catSignInput(t, ks.k1, "RS256", input(`{"alg":null,"kid":"k1","typ":"at+jwt"}`)), wantErr: ErrTokenMalformed},
		{name: "C40 alg array", token: catSignInput(t, ks.k1, "RS256", input(`{"alg":["RS256"],"kid":"k1","typ":"at+jwt"}`)), wantErr: ErrTokenMalformed},
		{name: "C40 alg lower case", token: catSignInput(t, ks.k1, "RS256", input(`{"alg":"rs256","kid":"k1","typ":"at+jwt"}`)), wantErr: ErrUnsupportedAlgorithm},
		{name: "C42 RSA JWK declaring HS256", token: catHMAC(t, "HS256", `{"alg":"HS256","kid":"khs","typ":"at+jwt"}`, pl, pkix), wantErr: ErrUnsupportedAlgorithm},
		{name: "C42 RSA JWK declaring HS256 is dropped", token: env.token(t, ks.khs), wantErr: ErrUnknownKey},
		{name: "C43 header PS256 over RS256 signature, JWK RS256", token: input(`{"alg":"PS256","kid":"k1","typ":"at+jwt"}`) + "." + rsSig, wantErr: ErrUnsupportedAlgorithm},
		{name: "C43 header PS256 with PS256 signature, JWK RS256", token: catSignInput(t, ks.k1, "PS256", input(`{"alg":"PS256","kid":"k1","typ":"at+jwt"}`)), wantErr: ErrUnsupportedAlgorithm},
		{name: "C43 header RS512 with RS512 signature, JWK RS256", token: catSignInput(t, ks.k1, "RS512", input(`{"alg":"RS512","kid":"k1","typ":"at+jwt"}`)), wantErr: ErrUnsupportedAlgorithm},
		{name: "C43 header ES256 on RSA key", token: input(`{"alg":"ES256","kid":"k1","typ":"at+jwt"}`) + "." + kitB64(esSig), wantErr: ErrUnsupportedAlgorithm},
		{name: "C43 header RS256 on EC key", token: catSignInput(t, ks.k1, "RS256", input(`{"alg":"RS256","kid":"es256","typ":"at+jwt"}`)), wantErr: ErrUnsupportedAlgorithm},
		{name: "C43 header ES384 on P-256 key", token: input(`{"alg":"ES384","kid":"es256","typ":"at+jwt"}`) + "." + kitB64(esSig), wantErr: ErrUnsupportedAlgorithm},
		{name: "C43 header EdDSA on RSA key", token: input(`{"alg":"EdDSA","kid":"k1","typ":"at+jwt"}`) + "." + kitB64(make([]byte, 64)), wantErr: ErrUnsupportedAlgorithm},
		{name: "C44 ES512 not allow-listed", v: narrow, token: env.token(t, ks.es512), wantErr: ErrUnsupportedAlgorithm},
		{name: "C44 PS256 not allow-listed", v: narrow, token: env.token(t, ks.ps256), wantErr: ErrUnsupportedAlgorithm},
		{name: "C44 RS256 allow-listed", v: narrow, token: good},
		{name: "C44 ES256 allow-listed", v: narrow, token: esGood},
		{name: "C45 oct key in JWKS, HS256 token", token: catHMAC(t, "HS256", `{"alg":"HS256","kid":"oct1","typ":"at+jwt"}`, pl, catOctSecret), wantErr: ErrUnsupportedAlgorithm},
		{name: "C45 oct key is dropped", token: env.token(t, ks.oct1), wantErr: ErrUnknownKey},
		// Library decision (behaviour.md §3): a JWK without alg accepts every
		// allow-listed algorithm that fits its key type and curve.
		{name: "C46 RSA key without alg, RS256", token: env.token(t, ks.noalg)},
		{name: "C46 RSA key without alg, RS512", token: env.token(t, catAlias(ks.k1, "noalg", "RS512"))},
		{name: "C46 RSA key without alg, PS256", token: env.token(t, catAlias(ks.k1, "noalg", "PS256"))},
		{name: "C46 RSA key without alg, PS384", token: env.token(t, catAlias(ks.k1, "noalg", "PS384"))},
		{name: "C46 RSA key without alg, PS256 not allow-listed", v: rsOnly, token: env.token(t, catAlias(ks.k1, "noalg", "PS256")), wantErr: ErrUnsupportedAlgorithm},
		{name: "C46 RSA key without alg, ES256", token: input(`{"alg":"ES256","kid":"noalg","typ":"at+jwt"}`) + "." + kitB64(esSig), wantErr: ErrUnsupportedAlgorithm},
		{name: "C46 RSA key without alg, EdDSA", token: input(`{"alg":"EdDSA","kid":"noalg","typ":"at+jwt"}`) + "." + kitB64(make([]byte, 64)), wantErr: ErrUnsupportedAlgorithm},
		{name: "C46 P-384 key without alg, ES384", token: env.token(t, ks.noalgEC)},
		{name: "C46 P-384 key without alg, ES256", token: catSignInput(t, ks.es384, "ES256", input(`{"alg":"ES256","kid":"noalg-ec","typ":"at+jwt"}`)), wantErr: ErrUnsupportedAlgorithm},
		{name: "C47 use enc key", token: env.token(t, ks.enc), wantErr: ErrUnknownKey},
		{name: "C48 key_ops encrypt key", token: env.token(t, ks.kopsEnc), wantErr: ErrUnknownKey},
		{name: "C48 key_ops verify key", token: env.token(t, ks.kopsVerify)},
		{name: "C49 ES256 r=s=0", token: catWithSig(t, esGood, make([]byte, 64)), wantErr: ErrSignatureInvalid},
		{name: "C49 ES256 r=s=n", token: catWithSig(t, esGood, append(append([]byte(nil), order...), order...)), wantErr: ErrSignatureInvalid},
		{name: "C49 ES256 r=0", token: catWithSig(t, esGood, append(make([]byte, 32), esSig[32:]...)), wantErr: ErrSignatureInvalid},
		{name: "C49 ES256 s=0", token: catWithSig(t, esGood, append(append([]byte(nil), esSig[:32]...), make([]byte, 32)...)), wantErr: ErrSignatureInvalid},
		{name: "C49 ES384 r=s=0", token: catWithSig(t, env.token(t, ks.es384), make([]byte, 96)), wantErr: ErrSignatureInvalid},
		{name: "C49 ES512 r=s=0", token: catWithSig(t, env.token(t, ks.es512), make([]byte, 132)), wantErr: ErrSignatureInvalid},
		{name: "C49 EdDSA zero signature", token: catWithSig(t, env.token(t, ks.eddsa), make([]byte, 64)), wantErr: ErrSignatureInvalid},
		{name: "C50 ES256 signature 63 bytes", token: catWithSig(t, esGood, esSig[:63]), wantErr: ErrSignatureInvalid},
		{name: "C50 ES256 signature 65 bytes", token: catWithSig(t, esGood, append(append([]byte(nil), esSig...), 0)), wantErr: ErrSignatureInvalid},
		{name: "C50 ES256 signature 65 bytes leading zero", token: catWithSig(t, esGood, append([]byte{0}, esSig...)), wantErr: ErrSignatureInvalid},
		{name: "C50 ES256 DER signature", token: esInput + "." + kitB64(der), wantErr: ErrSignatureInvalid},
		{name: "C51 EC point not on curve", token: env.token(t, ks.ecOffCurve), wantErr: ErrUnknownKey},
		{name: "C51 EC wrong crv", token: env.token(t, ks.ecWrongCrv), wantErr: ErrUnknownKey},
		{name: "C51 EC alg-crv mismatch", token: env.token(t, ks.ecAlgCrv), wantErr: ErrUnknownKey},
		{name: "C52 PS256 salt 32 (control)", token: pss("PS256", crypto.SHA256, 32)},
		{name: "C52 PS256 salt 0", token: pss("PS256", crypto.SHA256, 0), wantErr: ErrSignatureInvalid},
		{name: "C52 PS256 salt 20", token: pss("PS256", crypto.SHA256, 20), wantErr: ErrSignatureInvalid},
		{name: "C52 PS256 salt 64", token: pss("PS256", crypto.SHA256, 64), wantErr: ErrSignatureInvalid},
		{name: "C52 PS256 salt maximal", token: pss("PS256", crypto.SHA256, rsa.PSSSaltLengthAuto), wantErr: ErrSignatureInvalid},
		{name: "C52 PS384 salt 32", token: pss("PS384", crypto.SHA384, 32), wantErr: ErrSignatureInvalid},
		{name: "C53 well-formed EMSA-PKCS1-v1_5 (control)", token: emsa(digestInfo, nil)},
		{name: "C53 block type 2", token: emsa(digestInfo, func(em []byte) { em[1] = 2 }), wantErr: ErrSignatureInvalid},
		{name: "C53 padding byte not 0xFF", token: emsa(digestInfo, func(em []byte) { em[9] = 0xfe }), wantErr: ErrSignatureInvalid},
		{name: "C53 no zero separator", token: emsa(digestInfo, func(em []byte) { em[sep] = 0xff }), wantErr: ErrSignatureInvalid},
		{name: "C53 first byte not zero", token: emsa(digestInfo, func(em []byte) { em[0] = 0; em[1] = 0 }), wantErr: ErrSignatureInvalid},
		{name: "C53 hash without DigestInfo", token: emsa(rsDigest[:], nil), wantErr: ErrSignatureInvalid},
		{name: "C53 SHA-1 DigestInfo", token: emsa(append(append([]byte(nil), sha1Prefix...), sha1Digest[:]...), nil), wantErr: ErrSignatureInvalid},
		{name: "C53 trailing garbage after hash", token: emsa(append(append([]byte(nil), digestInfo...), 0, 0), nil), wantErr: ErrSignatureInvalid},
		{name: "C53 signature equal to modulus", token: rsInput + "." + kitB64(modulus), wantErr: ErrSignatureInvalid},
		{name: "C53 signature zero", token: rsInput + "." + kitB64(make([]byte, 256)), wantErr: ErrSignatureInvalid},
		{name: "C53 signature one", token: rsInput + "." + kitB64(append(make([]byte, 255), 1)), wantErr: ErrSignatureInvalid},
		{name: "C53 signature one byte short", token: rsInput + "." + kitB64(rsRaw[1:]), wantErr: ErrSignatureInvalid},
		{name: "C53 signature with extra leading zero", token: rsInput + "." + kitB64(append([]byte{0}, rsRaw...)), wantErr: ErrSignatureInvalid},
		{name: "C54 EdDSA not allow-listed", v: rsOnly, token: env.token(t, ks.eddsa), wantErr: ErrUnsupportedAlgorithm},
		{name: "C54 EdDSA not allow-listed (narrow)", v: narrow, token: env.token(t, ks.eddsa), wantErr: ErrUnsupportedAlgorithm},
		{name: "C54 ES256K never allow-listed", token: input(`{"alg":"ES256K","kid":"es256","typ":"at+jwt"}`) + "." + kitB64(esSig), wantErr: ErrUnsupportedAlgorithm},
	}
	for _, alg := range []string{"HS256", "HS384", "HS512"} {
		for _, s := range secrets {
			cases = append(cases,
				catCase{name: "C41 " + alg + " keyed with RSA public key " + s.name,
					token: catHMAC(t, alg, `{"alg":"`+alg+`","kid":"k1","typ":"at+jwt"}`, pl, s.secret), wantErr: ErrUnsupportedAlgorithm},
				catCase{name: "C41 " + alg + " keyed with RSA public key " + s.name + " without kid",
					token: catHMAC(t, alg, `{"alg":"`+alg+`","typ":"at+jwt"}`, pl, s.secret), wantErr: ErrUnsupportedAlgorithm})
		}
	}
	catRun(t, v, cases)

	// none and HS* cannot even be allow-listed (behaviour.md §3).
	for _, alg := range []string{"none", "None", "HS256", "hs512"} {
		t.Run("C36 C41 Config refuses "+alg, func(t *testing.T) {
			_, err := NewVerifier(Config{Audiences: []string{catAudience}, Issuer: catIssuer, JWKSURL: env.srv.URL, Algorithms: []string{alg}})
			assert.ErrorIs(t, err, ErrConfig)
		})
	}

	t.Run("C55 key of another trusted issuer", func(t *testing.T) {
		t.Skip("covered by TestIssuersKeyBoundToIssuer (issuers_test.go), with loopback issuers and a shared JWKS URL (J171)")
	})
}

// catRSARaw applies the raw RSA private-key operation to em (a full-size
// encoded message), for hand-built PKCS #1 v1.5 encodings.
func catRSARaw(k *kitKey, em []byte) []byte {
	priv := k.signer.(*rsa.PrivateKey)
	m := new(big.Int).SetBytes(em)
	s := new(big.Int).Exp(m, priv.D, priv.N)
	return s.FillBytes(make([]byte, priv.Size()))
}

// catHeader renders a protected header with the given members, JSON-escaped.
func catHeader(tb testing.TB, members map[string]any) string {
	tb.Helper()
	return kitJSON(tb, members)
}

// TestCatalogDHeaderParameters covers threats.md §2-D (56–70); 60 is in
// TestCatalogDKidless.
func TestCatalogDHeaderParameters(t *testing.T) {
	env := newCatEnv(t)
	ks := env.keys
	v := env.verifier(t, nil)
	strict := env.verifier(t, func(c *Config) { c.TokenTypes = []string{"at+jwt"} })
	pl := env.payload(t)
	byK1 := func(header string) string { return ks.k1.signRaw(t, "RS256", header, pl) }
	byAttacker := func(header string) string { return ks.attacker.signRaw(t, "RS256", header, pl) }
	withKid := func(kid any) string {
		return byK1(catHeader(t, map[string]any{"alg": "RS256", "kid": kid, "typ": "at+jwt"}))
	}
	withTyp := func(typ any) string {
		return byK1(catHeader(t, map[string]any{"alg": "RS256", "kid": "k1", "typ": typ}))
	}
	catVerify(t, v, env.token(t, ks.k1), nil) // precondition, and first fetch done
	catVerify(t, strict, env.token(t, ks.k1), nil)

	// Threat 62: a canary that must never be contacted.
	var canaryConns, canaryReqs atomic.Int64
	canary := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		canaryReqs.Add(1)
		_, _ = w.Write(kitJWKS(t, ks.attacker.jwk(t)))
	}))
	canary.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			canaryConns.Add(1)
		}
	}
	canary.Start()
	t.Cleanup(canary.Close)
	attackerJWK := ks.attacker.jwk(t)
	now := env.clock.Now()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "issuer.example"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour)}
	certDER, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, ks.attacker.signer.Public(), ks.attacker.signer)
	require.NoError(t, err)
	x5c := []string{base64.StdEncoding.EncodeToString(certDER)}

	bigKid := strings.Repeat("K", 1<<20)
	rawPayloadInput := kitB64([]byte(`{"alg":"RS256","kid":"k1","typ":"at+jwt","b64":false}`)) + "." + pl
	rawPayloadCrit := kitB64([]byte(`{"alg":"RS256","kid":"k1","typ":"at+jwt","b64":false,"crit":["b64"]}`)) + "." + pl

	requestsBefore := env.srv.requests.Load()
	cases := []catCase{
		{name: "D56 kid not in JWKS", token: withKid("nope"), wantErr: ErrUnknownKey},
		{name: "D57 kid path traversal", token: withKid("../../../../dev/null"), wantErr: ErrUnknownKey},
		{name: "D57 kid absolute path", token: withKid("/etc/passwd"), wantErr: ErrUnknownKey},
		{name: "D57 kid file URL", token: withKid("file:///etc/passwd"), wantErr: ErrUnknownKey},
		{name: "D57 kid http URL", token: withKid(canary.URL + "/jwks.json"), wantErr: ErrUnknownKey},
		{name: "D58 kid SQL injection", token: withKid("x' OR '1'='1"), wantErr: ErrUnknownKey},
		{name: "D58 kid with CRLF", token: withKid("k1\r\nX-Injected: 1"), wantErr: ErrUnknownKey},
		{name: "D58 kid with quote", token: withKid(`k1"`), wantErr: ErrUnknownKey},
		{name: "D58 kid with backslash", token: withKid(`k1\`), wantErr: ErrUnknownKey},
		{name: "D58 kid with NUL", token: withKid("k1\x00"), wantErr: ErrUnknownKey},
		{name: "D58 kid of 257 bytes", token: withKid(strings.Repeat("k", 257)), wantErr: ErrUnknownKey},
		{name: "D58 kid of 1 MiB", token: withKid(bigKid), wantErr: ErrTokenTooLarge},
		{name: "D59 kid number", token: withKid(1), wantErr: ErrTokenMalformed},
		{name: "D59 kid object", token: withKid(map[string]any{"kid": "k1"}), wantErr: ErrTokenMalformed},
		{name: "D59 kid array", token: withKid([]string{"k1"}), wantErr: ErrTokenMalformed},
		{name: "D59 kid null", token: withKid(nil), wantErr: ErrTokenMalformed},
		{name: "D59 kid bool", token: withKid(true), wantErr: ErrTokenMalformed},
		{name: "D61 embedded jwk with kid k1, signed by attacker",
			token: byAttacker(catHeader(t, map[string]any{"alg": "RS256", "kid": "k1", "typ": "at+jwt", "jwk": attackerJWK})), wantErr: ErrSignatureInvalid},
		{name: "D61 embedded jwk without kid, signed by attacker",
			token: byAttacker(catHeader(t, map[string]any{"alg": "RS256", "typ": "at+jwt", "jwk": attackerJWK})), wantErr: ErrSignatureInvalid},
		{name: "D61 embedded jwk with its own kid",
			token: byAttacker(catHeader(t, map[string]any{"alg": "RS256", "kid": "attacker", "typ": "at+jwt", "jwk": attackerJWK})), wantErr: ErrUnknownKey},
		{name: "D62 jku to attacker, kid k1",
			token: byAttacker(catHeader(t, map[string]any{"alg": "RS256", "kid": "k1", "typ": "at+jwt", "jku": canary.URL + "/jwks.json"})), wantErr: ErrSignatureInvalid},
		{name: "D62 jku to attacker, attacker kid",
			token: byAttacker(catHeader(t, map[string]any{"alg": "RS256", "kid": "attacker", "typ": "at+jwt", "jku": canary.URL + "/jwks.json"})), wantErr: ErrUnknownKey},
		{name: "D62 jku to attacker, no kid",
			token: byAttacker(catHeader(t, map[string]any{"alg": "RS256", "typ": "at+jwt", "jku": canary.URL + "/jwks.json"})), wantErr: ErrSignatureInvalid},
		{name: "D62 x5u to attacker",
			token: byAttacker(catHeader(t, map[string]any{"alg": "RS256", "kid": "k1", "typ": "at+jwt", "x5u": canary.URL + "/cert.pem"})), wantErr: ErrSignatureInvalid},
		{name: "D62 x5c attacker chain",
			token: byAttacker(catHeader(t, map[string]any{"alg": "RS256", "kid": "k1", "typ": "at+jwt", "x5c": x5c})), wantErr: ErrSignatureInvalid},
		{name: "D62 x5c attacker chain without kid",
			token: byAttacker(catHeader(t, map[string]any{"alg": "RS256", "typ": "at+jwt", "x5c": x5c})), wantErr: ErrSignatureInvalid},
		{name: "D62 all key-carrying headers, attacker kid",
			token: byAttacker(catHeader(t, map[string]any{"alg": "RS256", "kid": "attacker", "typ": "at+jwt",
				"jku": canary.URL, "x5u": canary.URL, "jwk": attackerJWK, "x5c": x5c})), wantErr: ErrUnknownKey},
		// jku/x5u are ignored, not refused: a legit token carrying them is
		// judged by the configured JWKS alone (behaviour.md §3).
		{name: "D62 legit token with jku is judged by the JWKS only",
			token: byK1(catHeader(t, map[string]any{"alg": "RS256", "kid": "k1", "typ": "at+jwt", "jku": canary.URL}))},
		{name: "D63 crit unknown extension", token: byK1(`{"alg":"RS256","kid":"k1","typ":"at+jwt","crit":["urn:x:unknown"],"urn:x:unknown":true}`), wantErr: ErrUnsupportedHeader},
		{name: "D64 crit registered name", token: byK1(`{"alg":"RS256","kid":"k1","typ":"at+jwt","crit":["exp"],"exp":1}`), wantErr: ErrUnsupportedHeader},
		{name: "D64 crit empty", token: byK1(`{"alg":"RS256","kid":"k1","typ":"at+jwt","crit":[]}`), wantErr: ErrUnsupportedHeader},
		{name: "D64 crit lists an absent name", token: byK1(`{"alg":"RS256","kid":"k1","typ":"at+jwt","crit":["missing"]}`), wantErr: ErrUnsupportedHeader},
		{name: "D64 crit not an array", token: byK1(`{"alg":"RS256","kid":"k1","typ":"at+jwt","crit":"exp"}`), wantErr: ErrUnsupportedHeader},
		{name: "D65 b64 false, raw payload", token: catSignInput(t, ks.k1, "RS256", rawPayloadInput), wantErr: ErrTokenMalformed},
		{name: "D65 b64 false, encoded payload", token: byK1(`{"alg":"RS256","kid":"k1","typ":"at+jwt","b64":false}`), wantErr: ErrUnsupportedHeader},
		{name: "D65 b64 true", token: byK1(`{"alg":"RS256","kid":"k1","typ":"at+jwt","b64":true}`), wantErr: ErrUnsupportedHeader},
		{name: "D66 b64 false with crit, raw payload", token: catSignInput(t, ks.k1, "RS256", rawPayloadCrit), wantErr: ErrTokenMalformed},
		{name: "D66 b64 false with crit, encoded payload", token: byK1(`{"alg":"RS256","kid":"k1","typ":"at+jwt","b64":false,"crit":["b64"]}`), wantErr: ErrUnsupportedHeader},
		{name: "D67 duplicate alg, none last", token: byK1(`{"alg":"RS256","kid":"k1","typ":"at+jwt","alg":"none"}`), wantErr: ErrTokenMalformed},
		{name: "D67 duplicate alg, RS256 last", token: byK1(`{"alg":"none","kid":"k1","typ":"at+jwt","alg":"RS256"}`), wantErr: ErrTokenMalformed},
		{name: "D67 duplicate kid", token: byK1(`{"alg":"RS256","kid":"nope","typ":"at+jwt","kid":"k1"}`), wantErr: ErrTokenMalformed},
		{name: "D67 duplicate typ", token: byK1(`{"alg":"RS256","kid":"k1","typ":"dpop+jwt","typ":"at+jwt"}`), wantErr: ErrTokenMalformed},
		{name: "D67 duplicate alg spelled with an escape", token: byK1(`{"alg":"RS256","kid":"k1","typ":"at+jwt","\u0061lg":"RS256"}`), wantErr: ErrTokenMalformed},
		// Library decision (behaviour.md §1, AXIOMS_TOKEN_TYPS default
		// "JWT,at+jwt"; an absent typ is accepted). threats.md 68 expects
		// 401 for these; that needs TokenTypes = ["at+jwt"] (strict).
		{name: "D68 typ absent (default types)", token: byK1(`{"alg":"RS256","kid":"k1"}`)},
		{name: "D68 typ JWT (default types)", token: withTyp("JWT")},
		{name: "D68 typ jwt (default types)", token: withTyp("jwt")},
		{name: "D68 typ absent (at+jwt only)", v: strict, token: byK1(`{"alg":"RS256","kid":"k1"}`)},
		{name: "D68 typ JWT (at+jwt only)", v: strict, token: withTyp("JWT"), wantErr: ErrUnsupportedTokenType},
		{name: "D68 typ jwt (at+jwt only)", v: strict, token: withTyp("jwt"), wantErr: ErrUnsupportedTokenType},
		{name: "D68 typ application/jwt (at+jwt only)", v: strict, token: withTyp("application/jwt"), wantErr: ErrUnsupportedTokenType},
		{name: "D69 typ at+JWT", v: strict, token: withTyp("at+JWT")},
		{name: "D69 typ AT+JWT", v: strict, token: withTyp("AT+JWT")},
		{name: "D69 typ application/at+jwt", v: strict, token: withTyp("application/at+jwt")},
		{name: "D69 typ Application/AT+JWT", v: strict, token: withTyp("Application/AT+JWT")},
		{name: "D69 typ application/at+jwt (default types)", token: withTyp("application/at+jwt")},
		{name: "D70 typ dpop+jwt", token: withTyp("dpop+jwt"), wantErr: ErrUnsupportedTokenType},
		{name: "D70 typ logout+jwt", token: withTyp("logout+jwt"), wantErr: ErrUnsupportedTokenType},
		{name: "D70 typ secevent+jwt", token: withTyp("secevent+jwt"), wantErr: ErrUnsupportedTokenType},
		{name: "D70 typ application/dpop+jwt", token: withTyp("application/dpop+jwt"), wantErr: ErrUnsupportedTokenType},
		{name: "D70 typ dpop+jwt (at+jwt only)", v: strict, token: withTyp("dpop+jwt"), wantErr: ErrUnsupportedTokenType},
		{name: "D70 typ application/ alone", token: withTyp("application/"), wantErr: ErrUnsupportedTokenType},
		{name: "D70 typ with parameter", token: withTyp("at+jwt; charset=utf-8"), wantErr: ErrUnsupportedTokenType},
		{name: "D70 typ with trailing space", token: withTyp("at+jwt "), wantErr: ErrUnsupportedTokenType},
		{name: "D70 typ double prefix", token: withTyp("application/application/at+jwt"), wantErr: ErrUnsupportedTokenType},
		{name: "D70 typ not a string", token: withTyp(1), wantErr: ErrTokenMalformed},
		// behaviour.md §3: "typ, when present, is in AXIOMS_TOKEN_TYPS"; an
		// empty typ is present and is not in the list.
		{name: "D70 typ empty string", token: withTyp(""), wantErr: ErrUnsupportedTokenType},
		{name: "D70 typ empty string (at+jwt only)", v: strict, token: withTyp(""), wantErr: ErrUnsupportedTokenType},
	}
	catRun(t, v, cases)

	t.Run("D57 D58 unknown kids cause no JWKS request within the refresh interval", func(t *testing.T) {
		assert.Equal(t, requestsBefore, env.srv.requests.Load())
	})
	t.Run("D62 canary never contacted", func(t *testing.T) {
		assert.Zero(t, canaryConns.Load(), "connections to the jku/x5u canary")
		assert.Zero(t, canaryReqs.Load(), "requests to the jku/x5u canary")
	})
	t.Run("D58 kid never echoed", func(t *testing.T) {
		for _, kid := range []string{"x' OR '1'='1", "k1\r\nX-Injected: 1", `k1"`, `k1\`, "k1\x00", strings.Repeat("k", 257), "../../../../dev/null"} {
			_, err := v.Verify(t.Context(), withKid(kid))
			require.Error(t, err)
			r := v.ErrorResponse(err)
			for _, text := range []string{err.Error(), r.WWWAuthenticate, string(r.Body), r.RetryAfter} {
				assert.NotContains(t, text, kid)
				assert.NotContains(t, text, "X-Injected")
				assert.NotContains(t, text, "OR '1'")
				assert.NotContains(t, text, "dev/null")
			}
		}
	})
	t.Run("D56 unknown kid refreshes at most once per interval", func(t *testing.T) {
		env.clock.Advance(defaultMinRefreshInterval)
		before := env.srv.requests.Load()
		catVerify(t, v, withKid("rotated-1"), ErrUnknownKey)
		assert.Equal(t, before+1, env.srv.requests.Load(), "one refresh for an unknown kid")
		catVerify(t, v, withKid("rotated-2"), ErrUnknownKey)
		catVerify(t, v, withKid("../../../../dev/null"), ErrUnknownKey)
		assert.Equal(t, before+1, env.srv.requests.Load(), "no second refresh within the interval")
	})
}

// TestCatalogDKidless covers threat 60 (no kid) with the library's
// decision: a token without kid is tried against the keys that accept its
// alg, at most 8 of them, and is accepted when one verifies.
func TestCatalogDKidless(t *testing.T) {
	ks := catLoadKeys(t)
	clock := newKitClock()
	claims := catClaims(clock.Now())
	kidless := func(k *kitKey) string {
		return k.signWith(t, map[string]any{"alg": k.alg, "typ": "at+jwt"}, claims)
	}

	t.Run("D60 single key in JWKS", func(t *testing.T) {
		srv := newKitJWKSServer(t, kitJWKS(t, ks.k1.jwk(t)))
		v := catNewVerifier(t, srv, clock, nil)
		catVerify(t, v, kidless(ks.k1), nil)
		catVerify(t, v, kidless(ks.attacker), ErrSignatureInvalid)
		catVerify(t, v, kidless(ks.es256), ErrUnsupportedAlgorithm) // no key fits ES256
		assert.Equal(t, int64(1), srv.requests.Load(), "a token without kid triggers no refresh")
	})

	t.Run("D60 at most 8 candidate keys", func(t *testing.T) {
		// Compatible RS256 keys in order: k1 material ×7, attacker (8th),
		// other (9th). EC and Ed25519 keys do not count for RS256.
		keys := []map[string]any{catJWK(t, ks.es256, map[string]any{"kid": nil}), catJWK(t, ks.eddsa, map[string]any{"kid": nil})}
		for i := range 7 {
			m := catJWK(t, ks.k1, map[string]any{"kid": "d" + strconv.Itoa(i)})
			if i%2 == 0 {
				delete(m, "kid")
			}
			keys = append(keys, m)
		}
		keys = append(keys, ks.attacker.jwk(t), ks.other.jwk(t))
		srv := newKitJWKSServer(t, kitJWKS(t, keys...))
		v := catNewVerifier(t, srv, clock, nil)
		catVerify(t, v, kidless(ks.k1), nil)
		catVerify(t, v, kidless(ks.attacker), nil)
		catVerify(t, v, kidless(ks.other), ErrSignatureInvalid) // 9th candidate: never tried
		catVerify(t, v, ks.other.sign(t, claims), nil)          // with its kid it is found
		catVerify(t, v, kidless(ks.es256), nil)
		catVerify(t, v, kidless(ks.eddsa), nil)
		catVerify(t, v, kidless(ks.es384), ErrUnsupportedAlgorithm)
		assert.Equal(t, int64(1), srv.requests.Load(), "tokens without kid trigger no refresh")
	})
}

// catRandB64 returns n random base64url characters.
func catRandB64(rng *mrand.Rand, n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return string(b)
}

// TestCatalogIResourceLimits covers threats.md §2-I (136–148) as far as
// they concern core.
func TestCatalogIResourceLimits(t *testing.T) {
	env := newCatEnv(t)
	ks := env.keys
	v := env.verifier(t, nil)
	large := env.verifier(t, func(c *Config) { c.MaxTokenBytes = 1 << 20 })
	ctx := context.Background()
	policy := AnyScope("read")
	pl := env.payload(t)
	good := env.token(t, ks.k1)
	catVerify(t, v, good, nil)
	catVerify(t, large, good, nil)
	allocs := func(v *Verifier, tok string) float64 {
		return testing.AllocsPerRun(50, func() { _, _ = v.Verify(ctx, tok) })
	}
	checkAllocs := func(v *Verifier, tok string) float64 {
		creds := Credentials{Authorization: []string{"Bearer " + tok}}
		return testing.AllocsPerRun(50, func() { _, _ = v.Check(ctx, http.MethodGet, creds, policy) })
	}

	t.Run("I136 8000 dots", func(t *testing.T) {
		dots := strings.Repeat(".", 8000)
		manyDots := strings.Repeat(".", 800_000)
		catVerify(t, v, dots, ErrTokenMalformed)
		catVerify(t, large, dots, ErrTokenMalformed)
		catVerify(t, large, manyDots, ErrTokenMalformed)
		_, err := v.Check(ctx, http.MethodGet, Credentials{Authorization: []string{"Bearer " + dots}}, policy)
		catAssertErr(t, err, ErrTokenMalformed)
		// Constant allocations whatever the number of dots (no
		// strings.Split; CVE-2025-30204 shape).
		few, many := allocs(large, dots), allocs(large, manyDots)
		assert.Equal(t, few, many, "allocations grow with the input")
		assert.LessOrEqual(t, many, 1.0)
		few, many = checkAllocs(large, dots), checkAllocs(large, manyDots)
		assert.Equal(t, few, many, "allocations grow with the input (Check)")
		assert.LessOrEqual(t, many, 1.0)
	})

	// A legit-signed token with an 8 MiB header, and one of 1 MiB.
	header8 := `{"alg":"RS256","kid":"k1","typ":"at+jwt","x":"` + strings.Repeat("a", 8<<20) + `"}`
	tok8 := ks.k1.signRaw(t, "RS256", header8, pl)
	claims1 := env.claims()
	claims1["filler"] = strings.Repeat("b", 800_000)
	tok1 := ks.k1.sign(t, claims1)
	require.Greater(t, len(tok1), 1<<20, "precondition: a token over 1 MiB")

	t.Run("I137 8 MiB header", func(t *testing.T) {
		catVerify(t, v, tok8, ErrTokenTooLarge)
		catVerify(t, large, tok8, ErrTokenTooLarge)
		_, err := v.Check(ctx, http.MethodGet, Credentials{Authorization: []string{"Bearer " + tok8}}, policy)
		catAssertErr(t, err, ErrTokenTooLarge)
		small := allocs(v, good[:len(good)-1]+strings.Repeat("A", 20_000))
		assert.Equal(t, small, allocs(v, tok8), "allocations grow with the input")
		assert.LessOrEqual(t, allocs(v, tok8), 1.0)
		assert.LessOrEqual(t, checkAllocs(v, tok8), 1.0)
	})

	t.Run("I138 1 MiB token", func(t *testing.T) {
		catVerify(t, v, tok1, ErrTokenTooLarge)
		catVerify(t, large, tok1, ErrTokenTooLarge)
		_, err := v.Check(ctx, http.MethodGet, Credentials{Authorization: []string{"Bearer " + tok1}}, policy)
		catAssertErr(t, err, ErrTokenTooLarge)
		assert.Equal(t, allocs(v, tok8), allocs(v, tok1))
		assert.LessOrEqual(t, allocs(v, tok1), 1.0)
		assert.LessOrEqual(t, checkAllocs(v, tok1), 1.0)
	})

	t.Run("I138 cap boundary", func(t *testing.T) {
		c := env.claims()
		c["filler"] = strings.Repeat("c", 10_000)
		tok := ks.k1.sign(t, c)
		exact := env.verifier(t, func(cfg *Config) { cfg.MaxTokenBytes = len(tok) })
		under := env.verifier(t, func(cfg *Config) { cfg.MaxTokenBytes = len(tok) - 1 })
		catVerify(t, exact, tok, nil)
		catVerify(t, under, tok, ErrTokenTooLarge)
		catVerify(t, v, tok, nil) // under the 16 KiB default
	})

	t.Run("I139 1000 concurrent garbage tokens", func(t *testing.T) {
		rng := mrand.New(mrand.NewPCG(139, 139))
		garbage := make([]string, 1000)
		for i := range garbage {
			switch i % 4 {
			case 0: // three random segments
				garbage[i] = catRandB64(rng, 2700) + "." + catRandB64(rng, 2700) + "." + catRandB64(rng, 2700)
			case 1: // a plausible header with a random kid
				h := kitB64([]byte(`{"alg":"RS256","kid":"` + catRandB64(rng, 32) + `"}`))
				garbage[i] = h + "." + catRandB64(rng, 4000) + "." + catRandB64(rng, 4000)
			case 2: // the right kid, an 8 KiB signature
				s := catSegments(t, good)
				garbage[i] = s[0] + "." + s[1] + "." + catRandB64(rng, 8000)
			default: // random b64token characters
				garbage[i] = catRandB64(rng, 4000) + "..~+/" + catRandB64(rng, 4000)
			}
		}
		requests := env.srv.requests.Load()
		runtime.GC()
		before := runtime.NumGoroutine()
		var wg sync.WaitGroup
		var accepted, notInvalid, panics atomic.Int64
		start := make(chan struct{})
		for _, g := range garbage {
			wg.Go(func() {
				defer func() {
					if recover() != nil {
						panics.Add(1)
					}
				}()
				<-start
				c, err := v.Verify(ctx, g)
				if err == nil || c != nil {
					accepted.Add(1)
				}
				if !errors.Is(err, ErrInvalidToken) {
					notInvalid.Add(1)
				}
			})
		}
		close(start)
		wg.Wait()
		assert.Zero(t, panics.Load())
		assert.Zero(t, accepted.Load())
		assert.Zero(t, notInvalid.Load(), "every garbage token is an invalid token")
		assert.Equal(t, requests, env.srv.requests.Load(), "garbage causes no JWKS fetch storm")
		const tolerance = 5
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > before+tolerance && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		assert.LessOrEqual(t, runtime.NumGoroutine(), before+tolerance, "goroutines left behind")
	})

	jweHeader := func(h string) string { return kitB64([]byte(h)) }
	iv, ct, tag := kitB64([]byte("0123456789ab")), kitB64([]byte("ciphertext")), kitB64([]byte("0123456789abcdef"))
	manySigs := make([]map[string]string, 10_000)
	for i := range manySigs {
		manySigs[i] = map[string]string{"protected": kitB64([]byte(catHeaderK1)), "signature": "AA"}
	}
	s := catSegments(t, good)
	jsonMany := kitJSON(t, map[string]any{"payload": s[1], "signatures": manySigs})
	longKid := strings.Repeat("K", 64<<10)
	cases := []catCase{
		{name: "I140 JWE PBES2 huge p2c",
			token:   jweHeader(`{"alg":"PBES2-HS512+A256KW","enc":"A256GCM","p2c":2147483647,"p2s":"c2FsdHNhbHQ"}`) + "." + kitB64(make([]byte, 40)) + "." + iv + "." + ct + "." + tag,
			wantErr: ErrTokenMalformed},
		{name: "I140 PBES2 header on a three-part token",
			token:   ks.k1.signRaw(t, "RS256", `{"alg":"PBES2-HS512+A256KW","enc":"A256GCM","p2c":2147483647,"p2s":"c2FsdHNhbHQ","kid":"k1"}`, pl),
			wantErr: ErrUnsupportedHeader},
		{name: "I141 JWE zip DEF", token: jweHeader(`{"alg":"dir","enc":"A256GCM","zip":"DEF"}`) + ".." + iv + "." + ct + "." + tag, wantErr: ErrTokenMalformed},
		{name: "I141 JWS with zip", token: ks.k1.signRaw(t, "RS256", `{"alg":"RS256","kid":"k1","typ":"at+jwt","zip":"DEF"}`, pl), wantErr: ErrUnsupportedHeader},
		{name: "I142 JWE key wrap with empty encrypted_key", token: jweHeader(`{"alg":"A256KW","enc":"A256GCM"}`) + ".." + iv + "." + ct + "." + tag, wantErr: ErrTokenMalformed},
		{name: "I143 JSON serialization with 10000 signatures", token: jsonMany, wantErr: ErrTokenTooLarge},
		{name: "I143 JSON serialization with 10000 signatures (1 MiB cap)", v: large, token: jsonMany, wantErr: ErrTokenMalformed},
		{name: "I145 RSA JWK with 16384-bit modulus", token: env.token(t, ks.hugeN), wantErr: ErrUnknownKey},
		{name: "I145 RSA JWK with huge exponent", token: env.token(t, ks.hugeE), wantErr: ErrUnknownKey},
	}
	catRun(t, v, cases)

	t.Run("I144 64 KiB kid", func(t *testing.T) {
		tok := ks.k1.signRaw(t, "RS256", `{"alg":"RS256","kid":"`+longKid+`","typ":"at+jwt"}`, pl)
		require.Less(t, len(tok), 1<<20)
		env.clock.Advance(defaultMinRefreshInterval) // an unknown kid may now refresh
		before := env.srv.requests.Load()
		catVerify(t, large, tok, ErrUnsupportedHeader) // over the 8 KiB header cap
		catVerify(t, v, tok, ErrTokenTooLarge)
		kid257 := ks.k1.signRaw(t, "RS256", `{"alg":"RS256","kid":"`+strings.Repeat("k", maxKIDBytes+1)+`","typ":"at+jwt"}`, pl)
		catVerify(t, large, kid257, ErrUnknownKey) // a kid over 256 bytes is never looked up
		assert.Equal(t, before, env.srv.requests.Load(), "a long kid triggered a JWKS request")
		// Control: a short unknown kid does refresh now.
		catVerify(t, large, ks.k1.signRaw(t, "RS256", `{"alg":"RS256","kid":"short-unknown","typ":"at+jwt"}`, pl), ErrUnknownKey)
		assert.Equal(t, before+1, env.srv.requests.Load(), "control: an unknown kid refreshes once")
	})

	t.Run("I146 random kid per request", func(t *testing.T) {
		rng := mrand.New(mrand.NewPCG(146, 146))
		burst := func() {
			toks := make([]string, 200)
			for i := range toks {
				toks[i] = ks.k1.signRaw(t, "RS256", `{"alg":"RS256","kid":"`+catRandB64(rng, 16)+`","typ":"at+jwt"}`, pl)
			}
			var wg sync.WaitGroup
			for _, tok := range toks {
				wg.Go(func() {
					_, err := v.Verify(ctx, tok)
					assert.ErrorIs(t, err, ErrUnknownKey)
				})
			}
			wg.Wait()
		}
		env.clock.Advance(defaultMinRefreshInterval) // v may refresh once now
		before := env.srv.requests.Load()
		burst()
		assert.Equal(t, before+1, env.srv.requests.Load(), "one shared refresh for a burst of unknown kids")
		burst()
		assert.Equal(t, before+1, env.srv.requests.Load(), "no refresh within the min interval")
	})

	t.Run("I147 DPoP proof with 1 MB jti", func(t *testing.T) {
		t.Skip("DPoP (threats.md §2-K) is not built in core yet")
	})

	t.Run("I148 no panic on malformed input", func(t *testing.T) {
		inputs := catMalformedInputs(t, env)
		for _, in := range inputs {
			for _, vv := range []*Verifier{v, large} {
				assert.NotPanics(t, func() {
					c, err := vv.Verify(ctx, in)
					if err != nil {
						assert.Nil(t, c)
						assert.Equal(t, http.StatusUnauthorized, vv.ErrorResponse(err).Status, "input %.80q", in)
					}
					_, err = vv.Check(ctx, http.MethodGet, Credentials{Authorization: []string{"Bearer " + in}}, policy)
					if err != nil {
						assert.Less(t, vv.ErrorResponse(err).Status, 500, "input %.80q", in)
					}
				}, "input %.80q", in)
			}
		}
	})
}

// catMalformedInputs is the malformed-token corpus of threat 148:
// hand-written shapes, hostile headers and payloads under valid signatures,
// odd signature lengths for every key, and seeded random mutations of valid
// tokens.
func catMalformedInputs(tb testing.TB, env *catEnv) []string {
	tb.Helper()
	ks := env.keys
	pl := env.payload(tb)
	in := []string{
		"", ".", "..", "...", "a", "a.b", "a.b.c", "a.b.c.d.e", "e30.e30.e30", "e30.e30.", "A.A.A", "AA.AA.AA",
		"=", "==.==.==", "Bearer", "\x00", "\xff\xfe", strings.Repeat("-", 5000), strings.Repeat("A.", 3000),
	}
	headers := []string{
		"null", "[]", `"x"`, "1", "true", "{", `{"alg":`, `{"alg":"RS256","kid":"k1"`, "\xff", "\x00",
		`{"alg":"\ud800","kid":"k1"}`, `{"alg":"RS256","kid":"k1","x":1e999999}`, `{"alg":"RS256","kid":"k1","x":-}`,
		`{"alg":"RS256","kid":"k1","x":` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `}`,
		strings.Repeat("[", 100_000), strings.Repeat(`{"a":`, 2000),
		`{"alg":"RS256","kid":"k1","crit":null}`, `{"alg":"RS256","kid":"k1","cty":null}`, `{"alg":{},"kid":{}}`,
	}
	for _, h := range headers {
		in = append(in, ks.k1.signRaw(tb, "RS256", h, pl), kitB64([]byte(h))+"."+kitB64([]byte(pl))+".AAAA")
	}
	payloads := []string{
		"null", "[]", "1", `"s"`, "{", "", " ", "\xff", `{"exp":{}}`, `{"exp":1e400}`, `{"exp":-0}`,
		`{"exp":9223372036854775808}`, `{"exp":1,"exp":2}`, `{"aud":[[[]]]}`, `{"scope":null,"exp":1900000000}`,
		`{"iat":"x","exp":1900000000}`, strings.Repeat("[", 10_000), `{"exp":1900000000,"aud":"api://res","iss":"` + catIssuer + `","sub":{}}`,
	}
	for _, p := range payloads {
		in = append(in, ks.k1.signRaw(tb, "RS256", catHeaderK1, p))
	}
	for _, k := range []*kitKey{ks.k1, ks.ps256, ks.es256, ks.es384, ks.es512, ks.eddsa, ks.noalg} {
		tok := env.token(tb, k)
		for _, n := range []int{1, 31, 32, 63, 64, 65, 96, 131, 132, 133, 255, 256, 257, 512, 1023, 1024, 1025, 4096} {
			in = append(in, catWithSig(tb, tok, make([]byte, n)))
		}
		s := catSegments(tb, tok)
		in = append(in, s[0]+"."+s[1]+".A", s[0]+"."+s[1]+"."+s[2]+"A")
	}
	rng := mrand.New(mrand.NewPCG(148, 148))
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/~ \t\"{}"
	seeds := []string{env.token(tb, ks.k1), env.token(tb, ks.es256), env.token(tb, ks.eddsa)}
	for range 1500 {
		b := []byte(seeds[rng.IntN(len(seeds))])
		for range 1 + rng.IntN(3) {
			i := rng.IntN(len(b))
			switch rng.IntN(3) {
			case 0:
				b[i] = chars[rng.IntN(len(chars))]
			case 1:
				b = append(b[:i], b[i+1:]...)
			default:
				b = append(b[:i], append([]byte{chars[rng.IntN(len(chars))]}, b[i:]...)...)
			}
		}
		in = append(in, string(b))
	}
	return in
}

// TestCatalogKBoundAsBearer covers threat 177 through Verify, which has no
// request to check a binding against: a sender-constrained token (cnf) is
// refused, whatever confirmation method it names; a malformed cnf is
// malformed claims.
func TestCatalogKBoundAsBearer(t *testing.T) {
	env := newCatEnv(t)
	v := env.verifier(t, nil)
	with := func(cnf any) string {
		c := env.claims()
		c["cnf"] = cnf
		return env.keys.k1.sign(t, c)
	}
	for _, tc := range []struct {
		name    string
		cnf     any
		wantErr error
	}{
		{"K177 cnf.jkt (DPoP)", map[string]any{"jkt": "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"}, ErrTokenBound},
		{"L208 cnf x5t#S256 (mTLS) without a client certificate", map[string]any{"x5t#S256": "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2"}, ErrCertificateBinding},
		{"L209 cnf x5t (SHA-1): not a method RFC 8705 defines", map[string]any{"x5t": "bwcK0esc3ACC3DB2Y5_lESsXE8o9lt"}, ErrTokenBound},
		{"K177 cnf empty object", map[string]any{}, ErrTokenBound},
		{"cnf a string", "jkt", ErrClaimsMalformed},
		{"cnf null", nil, ErrClaimsMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) { catVerify(t, v, with(tc.cnf), tc.wantErr) })
	}
	catVerify(t, v, env.token(t, env.keys.k1), nil) // without cnf: a bearer token
}
