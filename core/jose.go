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
	// After decodeBody: the decoded payload, and copies of the header and
	// signature segments ("header." and ".signature"), in one buffer.
	body, head, tail string
}

// decodeBody decodes the payload of t, once, into one buffer that also
// holds copies of the header and signature segments: with the payload they
// give back the token (Claims.rawToken) without keeping a copy of the
// whole of it, since the caller's token may alias a buffer that is reused.
func (t *jws) decodeBody() error {
	if t.body != "" {
		return nil
	}
	h, g := len(t.encHeader)+1, len(t.signature)+1
	buf := make([]byte, h+g+b64.DecodedLen(len(t.payload)))
	copy(buf, t.token[:h])
	copy(buf[h:], t.token[len(t.token)-g:])
	n, err := b64.Decode(buf[h+g:], readOnlyBytes(t.payload))
	if err != nil || n == 0 {
		return ErrTokenMalformed
	}
	t.head = unsafe.String(unsafe.SliceData(buf), h)
	t.tail = unsafe.String(unsafe.SliceData(buf[h:]), g)
	t.body = unsafe.String(unsafe.SliceData(buf[h+g:]), n)
	return nil
}

// b64URLChar is 1 for the bytes of the base64url alphabet (RFC 4648 §5),
// 0 for the others.
var b64URLChar = func() (t [256]uint8) {
	for _, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" {
		t[c] = 1
	}
	return t
}()

// b64URLRun returns the index of the first byte of s at or after i that is
// not base64url, or len(s). It looks eight bytes up at a time and branches
// once for them: a token is almost all base64url.
func b64URLRun(s string, i int) int {
	for ; i+8 <= len(s); i += 8 {
		w := s[i : i+8]
		if b64URLChar[w[0]]&b64URLChar[w[1]]&b64URLChar[w[2]]&b64URLChar[w[3]]&
			b64URLChar[w[4]]&b64URLChar[w[5]]&b64URLChar[w[6]]&b64URLChar[w[7]] == 0 {
			break
		}
	}
	for i < len(s) && b64URLChar[s[i]] != 0 {
		i++
	}
	return i
}

// splitCompact checks the compact JWS form in one pass, before any decoding:
// exactly two dots, three non-empty segments of base64url characters only
// (no padding, no standard alphabet, no whitespace). It never allocates, and
// costs O(len) whatever the input (no strings.Split).
func splitCompact(tok string) (jws, bool) {
	first, second := -1, -1
	for i := 0; i < len(tok); i++ {
		if i = b64URLRun(tok, i); i == len(tok) {
			break
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

// maxHeaderBytes caps the decoded protected header. The header is read
// before the signature is checked, so its size is the attacker's choice:
// an access token's header is tens of bytes (alg, kid, typ), a few KiB
// with an x5c certificate chain (which is ignored), so 8 KiB refuses no
// token an issuer sends and bounds the work a forged one can ask for.
const maxHeaderBytes = 8 << 10

// headerNames are the protected header members the verifier acts on, in
// the bit order of joseHeader.read's seen mask.
var headerNames = [...]string{"alg", "kid", "typ", "cty", "crit", "b64", "enc", "zip"}

// parseHeader decodes and checks the protected header (RFC 7515 §4), with
// work bounded by maxHeaderBytes and memory only for the members it acts
// on: strict JSON syntax and UTF-8, each of those members at most once
// (the others are checked for syntax only and never built), alg a string,
// kid a bounded string, typ a string. crit is refused whatever it lists,
// as no extension is understood (RFC 7515 §4.1.11); b64 is refused (RFC
// 7797 §7: JWTs must not use it); enc and zip belong to JWE; cty "JWT"
// marks a nested token, which an access token must not be. jku, x5u, jwk
// and x5c are ignored: keys come only from the configured key set.
func parseHeader(seg string) (joseHeader, error) {
	if b64.DecodedLen(len(seg)) > maxHeaderBytes {
		return joseHeader{}, ErrUnsupportedHeader
	}
	raw, ok := decodeSegment(seg)
	if !ok {
		return joseHeader{}, ErrTokenMalformed
	}
	sc, err := strictjson.NewScanner(raw)
	if err != nil {
		return joseHeader{}, ErrTokenMalformed
	}
	var h joseHeader
	var seen uint
	for {
		more, err := sc.Next()
		if err != nil {
			return joseHeader{}, ErrTokenMalformed
		}
		if !more {
			break
		}
		if err := h.read(&sc, &seen); err != nil {
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

// read takes the scanner's current member into h, or refuses it; seen
// marks the members of headerNames read so far.
func (h *joseHeader) read(sc *strictjson.Scanner, seen *uint) error {
	i := 0
	for i < len(headerNames) && !sc.NameIs(headerNames[i]) {
		i++
	}
	switch {
	case i == len(headerNames):
		if sc.Skip() != nil {
			return ErrTokenMalformed
		}
		return nil
	case *seen&(1<<i) != 0:
		return ErrTokenMalformed // a duplicate (RFC 7515 §4: names must be unique)
	case i >= 4:
		return ErrUnsupportedHeader // crit, b64, enc, zip
	}
	*seen |= 1 << i
	str, ok, err := sc.String() // a value that is no string is skipped, never built
	if err != nil || !ok {
		if i == 3 && err == nil {
			return ErrUnsupportedHeader // cty not a string
		}
		return ErrTokenMalformed
	}
	switch i {
	case 0:
		h.alg = str
	case 1:
		h.kid = str
	case 2:
		h.typ, h.hasTyp = str, true
	case 3:
		if mediaTypeIs(str, "jwt") {
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
// maxKidlessKeys keys that fit its alg. When the keys of a known kid do not
// verify the token, a key set that can refetch is asked for fresh keys
// once (retryRefreshed). It returns the key that verified the token.
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
	key, err := verifyWithKeys(keys, t, sigBuf[:n])
	if err != nil && t.header.kid != "" && len(keys) > 0 {
		return retryRefreshed(ctx, ks, t, keys, sigBuf[:n], err)
	}
	return key, err
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
