package core

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Conditional key set requests (RFC 9110 §13.1) and the freshness of key
// set answers (RFC 9111 §4.2). A RemoteKeySet keeps the validators of the
// last 200 answer whose body it accepted and sends them on the next
// refresh of the same URL; a 304 answer confirms the keys it holds.

// Bounds on the header fields read from an answer: a longer one is
// ignored, as if the answer had none.
const (
	maxETagBytes         = 256
	maxLastModifiedBytes = 64 // an HTTP-date is at most 29 bytes in its preferred form
	maxCacheControlBytes = 1024
	// maxDeltaSeconds is the largest delta-seconds value kept (RFC 9111
	// §1.2.2: 2^31); a larger one counts as this.
	maxDeltaSeconds = 1 << 31
)

// validators are the ETag and Last-Modified of the 200 answer from url
// that delivered the key set held. Zero: none.
type validators struct {
	url, etag, lastModified string
}

// validatorsOf reads the validators of a 200 answer from u. An ETag that
// is not one entity-tag (RFC 9110 §8.8.3; weak ones are kept), or a
// Last-Modified that is not an HTTP-date (RFC 9110 §5.6.7), or either one
// longer than its bound or repeated, is left out.
func validatorsOf(u string, h http.Header) validators {
	v := validators{url: u}
	if e := h.Values("Etag"); len(e) == 1 && len(e[0]) <= maxETagBytes && isEntityTag(e[0]) {
		v.etag = e[0]
	}
	if lm := h.Values("Last-Modified"); len(lm) == 1 && len(lm[0]) <= maxLastModifiedBytes {
		if _, err := http.ParseTime(lm[0]); err == nil {
			v.lastModified = lm[0]
		}
	}
	if v.etag == "" && v.lastModified == "" {
		return validators{}
	}
	return v
}

// forURL returns v when it belongs to u, else none: validators never
// travel to another URL (one found by a new discovery, say).
func (v validators) forURL(u string) validators {
	if v.url != u {
		return validators{}
	}
	return v
}

// none reports whether v holds no validator.
func (v validators) none() bool { return v.etag == "" && v.lastModified == "" }

// apply makes req conditional: If-None-Match with the ETag (a weak one
// too: RFC 9110 §13.1.2 compares weakly), and If-Modified-Since with the
// Last-Modified value exactly as received (RFC 9110 §13.1.3). A server
// that has both evaluates If-None-Match only.
func (v validators) apply(req *http.Request) {
	if v.etag != "" {
		req.Header.Set("If-None-Match", v.etag)
	}
	if v.lastModified != "" {
		req.Header.Set("If-Modified-Since", v.lastModified)
	}
}

// isEntityTag reports whether s is one entity-tag: [W/] DQUOTE *etagc
// DQUOTE, with etagc limited to visible ASCII but '"' (obs-text is
// refused, so that the value can always be sent back as it is).
func isEntityTag(s string) bool {
	s = strings.TrimPrefix(s, "W/")
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return false
	}
	for i := 1; i < len(s)-1; i++ {
		if c := s[i]; c <= 0x20 || c == '"' || c >= 0x7f {
			return false
		}
	}
	return true
}

// freshness is what a key set answer says about how long it stays fresh.
type freshness struct {
	// lifetime is how long the answer stays fresh from now: its freshness
	// lifetime less its Age. Meaningful only when known.
	lifetime time.Duration
	// known is false when the answer has no Cache-Control max-age,
	// no-cache or no-store, and no Expires.
	known bool
	// noStore is Cache-Control no-store: the answer's validators are not
	// kept.
	noStore bool
}

// freshnessOf reads the freshness of an answer received at now (RFC 9111
// §4.2.1): Cache-Control no-store or no-cache (unqualified) make it stale
// at once; else max-age; else Expires minus Date (now when Date is
// missing or invalid). An invalid or repeated max-age or Expires makes it
// stale (RFC 9111 §4.2.1, §5.3); s-maxage is for shared caches and is
// ignored. Age is subtracted (RFC 9111 §4.2.3). A Cache-Control longer than
// maxCacheControlBytes is ignored.
func freshnessOf(h http.Header, now time.Time) freshness {
	f, ok := cacheControlFreshness(h)
	if !ok {
		f, ok = expiresFreshness(h, now)
	}
	if !ok {
		return freshness{}
	}
	f.known = true
	if age, ok := deltaSeconds(h.Get("Age")); ok && len(h.Values("Age")) == 1 {
		f.lifetime = max(f.lifetime-age, 0)
	}
	return f
}

// cacheControlFreshness reads the Cache-Control directives that decide
// freshness; ok is false when there are none.
func cacheControlFreshness(h http.Header) (f freshness, ok bool) {
	cc := strings.Join(h.Values("Cache-Control"), ",")
	if cc == "" || len(cc) > maxCacheControlBytes {
		return freshness{}, false
	}
	var maxAge time.Duration // 0 when invalid: stale
	maxAges, noCache := 0, false
	for name, value := range cacheDirectives(cc) {
		switch strings.ToLower(name) {
		case "no-store":
			f.noStore = true
		case "no-cache":
			noCache = noCache || value == nil // no-cache="field" only concerns those fields
		case "max-age":
			maxAges++
			if value != nil {
				maxAge, _ = deltaSeconds(*value)
			}
		}
	}
	switch {
	case f.noStore || noCache:
		return f, true // lifetime 0
	case maxAges == 1:
		f.lifetime = maxAge
		return f, true
	case maxAges > 1:
		return f, true // conflicting: stale
	}
	return freshness{}, false
}

// expiresFreshness reads Expires minus Date; ok is false without Expires.
func expiresFreshness(h http.Header, now time.Time) (freshness, bool) {
	exp := h.Values("Expires")
	if len(exp) == 0 {
		return freshness{}, false
	}
	expires, err := http.ParseTime(exp[0])
	if err != nil || len(exp) > 1 {
		return freshness{}, true // invalid ("0" included): already expired
	}
	date := now
	if d, err := http.ParseTime(h.Get("Date")); err == nil {
		date = d
	}
	return freshness{lifetime: max(expires.Sub(date), 0)}, true
}

// deltaSeconds parses a non-negative integer number of seconds (RFC 9111
// §1.2.2), capped at maxDeltaSeconds.
func deltaSeconds(s string) (time.Duration, bool) {
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n > maxDeltaSeconds {
		n = maxDeltaSeconds // only digits: too large
	}
	return time.Duration(n) * time.Second, true
}

// cacheDirectives yields the directives of a Cache-Control value (RFC 9111
// §5.2): each name, and its value (unquoted) or nil when it has none.
// Commas inside a quoted-string do not separate directives.
func cacheDirectives(s string) func(yield func(string, *string) bool) {
	return func(yield func(string, *string) bool) {
		for s != "" {
			var name string
			var value *string
			s = strings.TrimLeft(s, " \t")
			i := strings.IndexAny(s, "=,")
			if i < 0 {
				name, s = s, ""
			} else {
				name = s[:i]
				if s[i] == '=' {
					var v string
					v, s = directiveValue(s[i+1:])
					value = &v
				} else {
					s = s[i+1:]
				}
			}
			if name = strings.TrimRight(name, " \t"); name != "" && !yield(name, value) {
				return
			}
		}
	}
}

// directiveValue reads a token or quoted-string at the start of s and
// returns it with the rest of s after the next comma.
func directiveValue(s string) (value, rest string) {
	s = strings.TrimLeft(s, " \t")
	if !strings.HasPrefix(s, `"`) {
		value, rest, _ = strings.Cut(s, ",")
		return strings.TrimRight(value, " \t"), rest
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && i+1 < len(s):
			i++
			b.WriteByte(s[i])
		case c == '"':
			_, rest, _ = strings.Cut(s[i+1:], ",")
			return b.String(), rest
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), "" // unterminated: the rest of the field
}
