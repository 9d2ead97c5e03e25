package core

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/stretchr/testify/require"

	"github.com/axiomsgo/axioms/internal/testclock"
)

// kitKey is a signing key of the test issuer with its public JWK.
type kitKey struct {
	kid    string
	alg    string
	signer crypto.Signer
}

var (
	kitKeyCacheMu sync.Mutex
	kitKeyCache   = map[string]crypto.Signer{}
)

// newKitKey returns a real key pair for alg (cached per kid+alg so the
// suite does not spend its time generating RSA keys).
func newKitKey(tb testing.TB, kid, alg string) *kitKey {
	tb.Helper()
	kitKeyCacheMu.Lock()
	defer kitKeyCacheMu.Unlock()
	id := kid + "/" + alg
	s, ok := kitKeyCache[id]
	if !ok {
		var err error
		switch alg[:2] {
		case "RS", "PS":
			s, err = rsa.GenerateKey(rand.Reader, 2048)
		case "ES":
			curve := map[string]elliptic.Curve{"ES256": elliptic.P256(), "ES384": elliptic.P384(), "ES512": elliptic.P521()}[alg]
			s, err = ecdsa.GenerateKey(curve, rand.Reader)
		case "Ed":
			_, s, err = ed25519.GenerateKey(rand.Reader)
		}
		require.NoError(tb, err)
		kitKeyCache[id] = s
	}
	return &kitKey{kid: kid, alg: alg, signer: s}
}

// jwk returns the public JWK as a map, with kid, alg and use set.
func (k *kitKey) jwk(tb testing.TB) map[string]any {
	tb.Helper()
	key, err := jwk.Import(k.signer.Public())
	require.NoError(tb, err)
	b, err := json.Marshal(key)
	require.NoError(tb, err)
	var m map[string]any
	require.NoError(tb, json.Unmarshal(b, &m))
	m["kid"], m["alg"], m["use"] = k.kid, k.alg, "sig"
	if k.kid == "" {
		delete(m, "kid")
	}
	return m
}

// jwks renders a JWKS document from JWK maps.
func kitJWKS(tb testing.TB, keys ...map[string]any) []byte {
	tb.Helper()
	b, err := json.Marshal(map[string]any{"keys": keys})
	require.NoError(tb, err)
	return b
}

func kitB64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// signRaw signs header.payload given as raw JSON texts with k using alg
// (which may differ from k.alg, to build confusion cases).
func (k *kitKey) signRaw(tb testing.TB, alg, headerJSON, payloadJSON string) string {
	tb.Helper()
	input := kitB64([]byte(headerJSON)) + "." + kitB64([]byte(payloadJSON))
	return input + "." + kitB64(kitSignBytes(tb, k.signer, alg, []byte(input)))
}

func kitSignBytes(tb testing.TB, s crypto.Signer, alg string, input []byte) []byte {
	tb.Helper()
	var h crypto.Hash
	switch alg[len(alg)-3:] {
	case "256":
		h = crypto.SHA256
	case "384":
		h = crypto.SHA384
	case "512":
		h = crypto.SHA512
	}
	digest := func() []byte {
		switch h {
		case crypto.SHA256:
			d := sha256.Sum256(input)
			return d[:]
		case crypto.SHA384:
			d := sha512.Sum384(input)
			return d[:]
		}
		d := sha512.Sum512(input)
		return d[:]
	}
	var sig []byte
	var err error
	switch {
	case alg == "EdDSA" || alg == "Ed25519":
		sig = ed25519.Sign(s.(ed25519.PrivateKey), input)
	case alg[:2] == "RS":
		sig, err = rsa.SignPKCS1v15(rand.Reader, s.(*rsa.PrivateKey), h, digest())
	case alg[:2] == "PS":
		sig, err = rsa.SignPSS(rand.Reader, s.(*rsa.PrivateKey), h, digest(), &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	case alg[:2] == "ES":
		ek := s.(*ecdsa.PrivateKey)
		r, ss, e := ecdsa.Sign(rand.Reader, ek, digest())
		require.NoError(tb, e)
		size := (ek.Curve.Params().BitSize + 7) / 8
		sig = make([]byte, 2*size)
		r.FillBytes(sig[:size])
		ss.FillBytes(sig[size:])
	default:
		tb.Fatalf("kitSignBytes: unsupported alg %q", alg)
	}
	require.NoError(tb, err)
	return sig
}

// sign signs a claims map with k under a standard header {alg, kid, typ}.
func (k *kitKey) sign(tb testing.TB, claims map[string]any) string {
	tb.Helper()
	hdr := map[string]any{"alg": k.alg, "typ": "at+jwt"}
	if k.kid != "" {
		hdr["kid"] = k.kid
	}
	return k.signWith(tb, hdr, claims)
}

func (k *kitKey) signWith(tb testing.TB, header, claims map[string]any) string {
	tb.Helper()
	alg, _ := header["alg"].(string)
	if alg == "" {
		alg = k.alg
	}
	return k.signRaw(tb, alg, kitJSON(tb, header), kitJSON(tb, claims))
}

func kitJSON(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	require.NoError(tb, err)
	return string(b)
}

// kitJWKSServer is a loopback JWKS endpoint whose document can be swapped and
// whose requests are counted.
type kitJWKSServer struct {
	*httptest.Server
	doc      atomic.Pointer[[]byte]
	status   atomic.Int32
	requests atomic.Int64
}

func newKitJWKSServer(tb testing.TB, doc []byte) *kitJWKSServer {
	tb.Helper()
	s := &kitJWKSServer{}
	s.set(doc)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		if st := s.status.Load(); st != 0 {
			w.WriteHeader(int(st))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(*s.doc.Load())
	}))
	tb.Cleanup(s.Close)
	return s
}

func (s *kitJWKSServer) set(doc []byte) { s.doc.Store(&doc) }

// kitClock is the tests' clock (package testclock).
type kitClock = testclock.Clock

func newKitClock() *kitClock { return testclock.New(time.Unix(1_800_000_000, 0)) }

// issuersOf lists the issuers v trusts, in configuration order.
func issuersOf(v *Verifier) []string {
	var out []string
	for _, e := range v.entries {
		if e.rules.issuer != "" {
			out = append(out, e.rules.issuer)
		}
	}
	return out
}

// audiencesOf lists the audiences v accepts: Config.Audiences, then those
// of issuers with audiences of their own.
func audiencesOf(v *Verifier) []string {
	out := slices.Clone(v.cfg.Audiences)
	for _, e := range v.entries {
		for _, a := range e.rules.audiences {
			if !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
	}
	return out
}
