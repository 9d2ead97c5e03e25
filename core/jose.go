package core

import (
	"context"
	"encoding/base64"
	"errors"
	"unsafe"

	"github.com/axiomsgo/axioms/core/internal/strictjson"
)

// b64 is the only base64 decoder of tokens: unpadded base64url, and Strict
// so that non-zero unused bits are refused (RFC 7515 §2, RFC 4648 §3.5).
var b64 = base64.RawURLEncoding.Strict()

// maxKIDBytes bounds the kid header; longer kids never reach a key lookup or
// trigger a refresh.
const maxKIDBytes = 256

// jws is a compact JWS split into its three parts, still encoded, and its
// parsed protected header once parseJWS has checked it.
type jws struct {
	token                         string // the whole token, as received
	encHeader, payload, signature string
	signingInput                  string // header "." payload, as received
	header                        joseHeader
}

// b64URLChar marks the bytes of the base64url alphabet (RFC 4648 §5).
var b64URLChar = func() (t [256]bool) {
	for _, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" {
		t[c] = true
	}
	return t
}()

// splitCompact checks the compact JWS form in one pass, before any decoding:
// exactly two dots, three non-empty segments of base64url characters only
// (no padding, no standard alphabet, no whitespace). It never allocates, and
// costs O(len) whatever the input (no strings.Split).
func splitCompact(tok string) (jws, bool) {
	first, second := -1, -1
	for i := 0; i < len(tok); i++ {
		if b64URLChar[tok[i]] {
			continue
		}
		switch {
		case tok[i] != '.':
			return jws{}, false
		case first < 0:
			first = i
		case second < 0:
			second = i
		default:
			return jws{}, false
		}
	}
	if first <= 0 || second <= first+1 || second == len(tok)-1 {
		return jws{}, false
	}
	return jws{
		token:        tok,
		encHeader:    tok[:first],
		payload:      tok[first+1 : second],
		signature:    tok[second+1:],
		signingInput: tok[:second],
	}, true
}

// readOnlyBytes views s as a byte slice without copying. The slice must only
// be read (the base64 decoder does not write its source).
func readOnlyBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// decodeSegment decodes one base64url segment into a fresh buffer and
// returns it as a string sharing that buffer (one allocation).
func decodeSegment(seg string) (string, bool) {
	buf := make([]byte, b64.DecodedLen(len(seg)))
	n, err := b64.Decode(buf, readOnlyBytes(seg))
	if err != nil {
		return "", false
	}
	return unsafe.String(unsafe.SliceData(buf), n), true
}

// joseHeader holds the protected header members the verifier acts on.
type joseHeader struct {
	alg, kid, typ string
	hasTyp        bool // typ present, even as ""
}

// parseHeader decodes and checks the protected header (RFC 7515 §4):
// strict JSON (duplicate names refused), alg a string, kid a bounded string,
// typ a string. crit is refused whatever it lists, as no extension is
// understood (RFC 7515 §4.1.11); b64 is refused (RFC 7797 §7: JWTs must not
// use it); enc and zip belong to JWE; cty "JWT" marks a nested token, which
// an access token must not be. jku, x5u, jwk and x5c are ignored: keys come
// only from the configured key set.
func parseHeader(seg string) (joseHeader, error) {
	raw, ok := decodeSegment(seg)
	if !ok {
		return joseHeader{}, ErrTokenMalformed
	}
	var members [4]strictjson.Member // alg, kid, typ and one more, usually
	v, err := strictjson.ParseInto(raw, members[:0])
	if err != nil || v.Kind != strictjson.Object {
		return joseHeader{}, ErrTokenMalformed
	}
	var h joseHeader
	for i := range v.Obj {
		if err := h.read(&v.Obj[i]); err != nil {
			return joseHeader{}, err
		}
	}
	switch {
	case h.alg == "":
		return joseHeader{}, ErrUnsupportedAlgorithm
	case len(h.kid) > maxKIDBytes:
		return joseHeader{}, ErrUnknownKey
	}
	return h, nil
}

// read takes one protected header member into h, or refuses it.
func (h *joseHeader) read(m *strictjson.Member) error {
	switch m.Key {
	case "alg", "kid", "typ":
		if m.Value.Kind != strictjson.String {
			return ErrTokenMalformed
		}
		switch m.Key {
		case "alg":
			h.alg = m.Value.Str
		case "kid":
			h.kid = m.Value.Str
		default:
			h.typ, h.hasTyp = m.Value.Str, true
		}
	case "crit", "b64", "enc", "zip":
		return ErrUnsupportedHeader
	case "cty":
		if m.Value.Kind != strictjson.String || mediaTypeIs(m.Value.Str, "jwt") {
			return ErrUnsupportedHeader
		}
	}
	return nil
}

// mediaTypeIs compares a typ/cty value with want (lower case, without the
// "application/" prefix), case-insensitively, allowing the optional prefix
// (RFC 7515 §4.1.9).
func mediaTypeIs(value, want string) bool {
	const prefix = "application/"
	if len(value) > len(prefix) && asciiEqualFold(value[:len(prefix)], prefix) {
		value = value[len(prefix):]
	}
	return asciiEqualFold(value, want)
}

// normalizeMediaType lower-cases a configured typ and strips the optional
// "application/" prefix, for comparison with mediaTypeIs.
func normalizeMediaType(t string) string {
	b := []byte(t)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	s := string(b)
	if len(s) > len("application/") && s[:len("application/")] == "application/" {
		s = s[len("application/"):]
	}
	return s
}

// maxKidlessKeys bounds how many keys a token without kid is tried against,
// so that one request can never cost more than a few signature checks.
const maxKidlessKeys = 8

// verifySignature selects the candidate keys of ks and checks the
// signature over the signing input exactly as received (RFC 7515 §5.2). A
// token without kid (or with an empty kid) is tried against at most
// maxKidlessKeys keys that fit its alg. It returns the key that verified
// the token.
func verifySignature(ctx context.Context, ks KeySet, t jws) (*PublicKey, error) {
	// The signature is decoded before the key lookup, so that a malformed
	// token never spends the rate-limited refresh of an unknown kid.
	var sigBuf [1024]byte // RSA-8192 signatures are 1024 bytes
	if b64.DecodedLen(len(t.signature)) > len(sigBuf) {
		return nil, ErrSignatureInvalid
	}
	n, err := b64.Decode(sigBuf[:], readOnlyBytes(t.signature))
	if err != nil {
		return nil, ErrTokenMalformed
	}
	keys, err := ks.Keys(ctx, t.header.kid)
	if err != nil {
		if errors.Is(err, ErrKeysUnavailable) {
			return nil, err
		}
		return nil, errKeysUnavailable
	}
	return verifyWithKeys(keys, t, sigBuf[:n])
}

// verifyWithKeys tries the keys that accept the token's alg, in order.
func verifyWithKeys(keys []*PublicKey, t jws, sig []byte) (*PublicKey, error) {
	alg, kidless := t.header.alg, t.header.kid == ""
	tried := 0
	for _, k := range keys {
		if !k.key.Accepts(alg) {
			continue
		}
		if tried++; kidless && tried > maxKidlessKeys {
			break
		}
		if k.key.Verify(alg, t.signingInput, sig) {
			return k, nil
		}
	}
	switch {
	case len(keys) == 0:
		return nil, ErrUnknownKey
	case tried == 0:
		return nil, ErrUnsupportedAlgorithm // the header alg does not fit the key
	}
	return nil, ErrSignatureInvalid
}
