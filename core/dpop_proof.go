package core

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/axiomsgo/axioms/core/internal/jwkset"
	"github.com/axiomsgo/axioms/core/internal/strictjson"
)

// DPoP proofs (RFC 9449 §4): a compact JWS the client signs with the key
// its access token is bound to, one per request, over the method and URL
// of the request and the hash of the token. This file checks one proof;
// dpop.go decides when a request needs one.

// Bounds of a proof. It arrives before anything is verified, so every
// amount of work it can ask for is bounded by these constants.
const (
	// maxDPoPProofBytes caps the DPoP header: a proof is a few hundred
	// bytes, about 1.3 KiB with an RSA-4096 jwk.
	maxDPoPProofBytes = 8 << 10
	// maxDPoPJTIBytes caps jti: clients send a UUID or 16+ random bytes;
	// the replay store only ever sees a digest of it.
	maxDPoPJTIBytes = 256
	// maxDPoPHTUBytes caps htu, before it is parsed.
	maxDPoPHTUBytes = 4 << 10
	// maxDPoPNonceBytes caps the nonce claim (ours are 38 bytes).
	maxDPoPNonceBytes = 256
)

// dpopType is the typ of a proof (RFC 9449 §4.2), compared as a media type.
const dpopType = "dpop+jwt"

// Reasons for ErrInvalidDPoPProof. Each description is fixed and never
// echoes the proof.
var (
	ErrDPoPProofMissing   = newError(ErrInvalidDPoPProof, "DPoP proof missing")
	ErrDPoPProofMalformed = newError(ErrInvalidDPoPProof, "DPoP proof malformed")
	ErrDPoPProofType      = newError(ErrInvalidDPoPProof, "DPoP proof type not accepted")
	ErrDPoPProofAlgorithm = newError(ErrInvalidDPoPProof, "DPoP proof algorithm not allowed")
	ErrDPoPProofKey       = newError(ErrInvalidDPoPProof, "DPoP proof key not accepted")
	ErrDPoPProofSignature = newError(ErrInvalidDPoPProof, "DPoP proof signature invalid")
	ErrDPoPProofClaims    = newError(ErrInvalidDPoPProof, "DPoP proof claims invalid")
	ErrDPoPProofMethod    = newError(ErrInvalidDPoPProof, "DPoP proof method mismatch")
	ErrDPoPProofURL       = newError(ErrInvalidDPoPProof, "DPoP proof URL mismatch")
	ErrDPoPProofTime      = newError(ErrInvalidDPoPProof, "DPoP proof outside its time window")
	ErrDPoPProofTokenHash = newError(ErrInvalidDPoPProof, "DPoP proof access token hash mismatch")
	ErrDPoPProofReplayed  = newError(ErrInvalidDPoPProof, "DPoP proof replayed")
	// ErrDPoPBinding: the access token is not bound to the proof's key
	// (cnf.jkt absent or another thumbprint). An invalid token (RFC 9449
	// §7.1): the binding is the token's.
	ErrDPoPBinding = newError(ErrInvalidToken, "DPoP key binding invalid")
)

// dpopProof is what a verified proof tells.
type dpopProof struct {
	jkt   string    // RFC 7638 thumbprint of its jwk
	jti   string    // its unique identifier
	iat   time.Time // when it was made
	nonce string    // its nonce claim, "" when absent
}

// dpopRequest is what a proof is checked against.
type dpopRequest struct {
	method string // the request method, exactly
	htu    string // the request URL without query and fragment (normalizeHTU)
	token  string // the access token of the Authorization header
	now    time.Time
	// notBefore and notAfter bound iat: now - max age - leeway and
	// now + future skew + leeway.
	notBefore, notAfter time.Time
	algs                []string
	headers             *proofHeaders // nil: no cache
}

// checkDPoPProof verifies proof (RFC 9449 §4.3, checks 2–12 except the
// nonce and the replay, which need state): one compact JWS; typ dpop+jwt;
// alg in r.algs; a public jwk (no private member, no symmetric key) that
// fits alg and verifies the signature; strict JSON claims with a bounded
// jti, htm equal to the method, htu equal to the request URL after RFC
// 3986 normalisation, iat within the window, and ath the hash of the
// access token. The header's other members (kid, x5c, jku) are ignored;
// crit, b64, enc and zip are refused.
func checkDPoPProof(proof string, r *dpopRequest) (dpopProof, error) {
	if len(proof) > maxDPoPProofBytes {
		return dpopProof{}, ErrDPoPProofMalformed
	}
	t, ok := splitCompact(proof)
	if !ok {
		return dpopProof{}, ErrDPoPProofMalformed
	}
	alg, key, jkt, err := r.headers.get(t.encHeader, r.algs)
	if err != nil {
		return dpopProof{}, err
	}
	sig, ok := decodeSegment(t.signature)
	if !ok {
		return dpopProof{}, ErrDPoPProofMalformed
	}
	if !key.Verify(alg, t.signingInput, readOnlyBytes(sig)) {
		return dpopProof{}, ErrDPoPProofSignature
	}
	p, err := proofClaims(t, r)
	if err != nil {
		return dpopProof{}, err
	}
	p.jkt = jkt
	return p, nil
}

// proofHeader reads and checks the protected header of a proof: its alg,
// the key of its jwk and that key's thumbprint.
func proofHeader(seg string, algs []string) (string, *jwkset.Key, string, error) {
	if b64.DecodedLen(len(seg)) > maxHeaderBytes {
		return "", nil, "", ErrDPoPProofMalformed
	}
	raw, ok := decodeSegment(seg)
	if !ok {
		return "", nil, "", ErrDPoPProofMalformed
	}
	h, err := strictjson.Parse(raw)
	if err != nil || h.Kind() != strictjson.Object {
		return "", nil, "", ErrDPoPProofMalformed
	}
	for _, name := range []string{"crit", "b64", "enc", "zip"} {
		if _, ok := h.Get(name); ok {
			return "", nil, "", ErrDPoPProofMalformed
		}
	}
	typ, ok := h.Get("typ")
	if !ok || typ.Kind() != strictjson.String || !mediaTypeIs(typ.Str(), dpopType) {
		return "", nil, "", ErrDPoPProofType
	}
	a, ok := h.Get("alg")
	if !ok || a.Kind() != strictjson.String || !slices.Contains(algs, a.Str()) {
		return "", nil, "", ErrDPoPProofAlgorithm
	}
	jwk, ok := h.Get("jwk")
	if !ok || jwk.Kind() != strictjson.Object {
		return "", nil, "", ErrDPoPProofKey
	}
	doc, err := json.Marshal(jwk.Interface())
	if err != nil {
		return "", nil, "", ErrDPoPProofKey
	}
	key, jkt, reason := jwkset.ParseProofKey(doc)
	if reason != "" || !key.Accepts(a.Str()) {
		return "", nil, "", ErrDPoPProofKey
	}
	return a.Str(), key, jkt, nil
}

// proofClaims reads and checks the claims of a proof whose signature
// verified.
func proofClaims(t jws, r *dpopRequest) (dpopProof, error) {
	raw, ok := decodeSegment(t.payload)
	if !ok {
		return dpopProof{}, ErrDPoPProofMalformed
	}
	c, err := strictjson.Parse(raw)
	if err != nil || c.Kind() != strictjson.Object {
		return dpopProof{}, ErrDPoPProofMalformed
	}
	str := func(name string, max int) (string, bool) {
		v, ok := c.Get(name)
		if !ok || v.Kind() != strictjson.String || v.Str() == "" || len(v.Str()) > max {
			return "", false
		}
		return v.Str(), true
	}
	var p dpopProof
	var htm, htu, ath string
	if p.jti, ok = str("jti", maxDPoPJTIBytes); !ok {
		return dpopProof{}, ErrDPoPProofClaims
	}
	if htm, ok = str("htm", 32); !ok {
		return dpopProof{}, ErrDPoPProofClaims
	}
	if htu, ok = str("htu", maxDPoPHTUBytes); !ok {
		return dpopProof{}, ErrDPoPProofClaims
	}
	if ath, ok = str("ath", 128); !ok {
		return dpopProof{}, ErrDPoPProofClaims
	}
	if _, present := c.Get("nonce"); present {
		if p.nonce, ok = str("nonce", maxDPoPNonceBytes); !ok {
			return dpopProof{}, ErrDPoPProofClaims
		}
	}
	iat, ok := c.Get("iat")
	if !ok {
		return dpopProof{}, ErrDPoPProofClaims
	}
	if p.iat, err = numericDate(iat); err != nil {
		return dpopProof{}, ErrDPoPProofClaims
	}
	switch {
	case htm != r.method:
		return dpopProof{}, ErrDPoPProofMethod
	case normalizeHTU(htu) != r.htu || r.htu == "":
		return dpopProof{}, ErrDPoPProofURL
	case p.iat.Before(r.notBefore) || p.iat.After(r.notAfter):
		return dpopProof{}, ErrDPoPProofTime
	case ath != accessTokenHash(r.token):
		return dpopProof{}, ErrDPoPProofTokenHash
	}
	return p, nil
}

// accessTokenHash is ath: the base64url SHA-256 of the access token's
// ASCII bytes (RFC 9449 §4.2).
func accessTokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// normalizeHTU returns u without query and fragment, normalised as RFC
// 3986 §6.2.2 and §6.2.3 say (RFC 9449 §4.3 check 9): scheme and host in
// lower case, the default port removed, an empty path as "/", the
// percent-encodings of unreserved characters decoded and the others in
// upper case, dot segments removed. It returns "" for anything but an
// absolute http or https URL with a host (and no userinfo).
func normalizeHTU(u string) string {
	if len(u) > maxDPoPHTUBytes {
		return ""
	}
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	p, err := url.Parse(u)
	if err != nil || p.User != nil || p.Opaque != "" || p.Host == "" {
		return ""
	}
	scheme := strings.ToLower(p.Scheme)
	if scheme != "http" && scheme != "https" {
		return ""
	}
	host, port := strings.ToLower(p.Hostname()), p.Port()
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n <= 0 || n > 65535 {
			return ""
		}
		port = strconv.Itoa(n)
	}
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	path, ok := normalizePath(p.EscapedPath())
	if !ok {
		return ""
	}
	return scheme + "://" + host + path
}

// normalizePath applies RFC 3986 §6.2.2.2 (percent-encoding) and §6.2.2.3
// (dot segments) to an escaped path; an empty path becomes "/" (§6.2.3).
func normalizePath(escaped string) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(escaped); i++ {
		c := escaped[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		if i+2 >= len(escaped) {
			return "", false
		}
		v, err := strconv.ParseUint(escaped[i+1:i+3], 16, 8)
		if err != nil {
			return "", false
		}
		if d := byte(v); isUnreserved(d) {
			b.WriteByte(d)
		} else {
			b.WriteString("%" + strings.ToUpper(escaped[i+1:i+3]))
		}
		i += 2
	}
	path := removeDotSegments(b.String())
	if path == "" {
		path = "/"
	}
	return path, true
}

// isUnreserved reports whether c is an RFC 3986 §2.3 unreserved character.
func isUnreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

// removeDotSegments is RFC 3986 §5.2.4 on an absolute path.
func removeDotSegments(path string) string {
	if !strings.Contains(path, ".") {
		return path
	}
	var out []string
	segs := strings.Split(path, "/")
	for i, s := range segs {
		switch s {
		case ".":
			if i == len(segs)-1 {
				out = append(out, "")
			}
		case "..":
			if len(out) > 1 {
				out = out[:len(out)-1]
			}
			if i == len(segs)-1 {
				out = append(out, "")
			}
		default:
			out = append(out, s)
		}
	}
	res := strings.Join(out, "/")
	if !strings.HasPrefix(res, "/") {
		res = "/" + res
	}
	return res
}

// proofHeaders caches the checked headers of recent proofs by their
// encoded form: a client signs every proof with one key under one header,
// so that header is parsed, and its JWK checked, once. Only headers that
// passed every check are kept; at most maxProofHeaders of them, each at
// most maxCachedProofHeaderBytes long, an arbitrary one dropped when full.
type proofHeaders struct {
	mu sync.Mutex
	m  map[string]proofHeaderEntry
}

type proofHeaderEntry struct {
	alg, jkt string
	key      *jwkset.Key
}

const (
	maxProofHeaders           = 1024
	maxCachedProofHeaderBytes = 2 << 10
)

func newProofHeaders() *proofHeaders { return &proofHeaders{m: make(map[string]proofHeaderEntry)} }

// get is proofHeader, answered from the cache when it holds seg. The
// algorithm allow-list is fixed per Verifier, so a cached header passed it.
func (c *proofHeaders) get(seg string, algs []string) (string, *jwkset.Key, string, error) {
	if c == nil {
		return proofHeader(seg, algs)
	}
	c.mu.Lock()
	e, ok := c.m[seg]
	c.mu.Unlock()
	if ok {
		return e.alg, e.key, e.jkt, nil
	}
	alg, key, jkt, err := proofHeader(seg, algs)
	if err != nil || len(seg) > maxCachedProofHeaderBytes {
		return alg, key, jkt, err
	}
	c.mu.Lock()
	if len(c.m) >= maxProofHeaders {
		for k := range c.m { // map order is random: drop any one
			delete(c.m, k)
			break
		}
	}
	c.m[strings.Clone(seg)] = proofHeaderEntry{alg: alg, jkt: jkt, key: key}
	c.mu.Unlock()
	return alg, key, jkt, nil
}
