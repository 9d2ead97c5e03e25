// Package tokensrc holds the rules of the token sources an adapter enables
// beyond the Authorization header (the access_token query parameter, a form
// body, a cookie, a custom extractor), written once for the adapters over
// net/http (package httpreq) and over fasthttp (package fastreq), so that
// every adapter reads them alike. Which source wins is core's decision
// (core.Credentials); this package only finds the values.
package tokensrc

import (
	"fmt"
	"net/textproto"
	"net/url"
	"strings"

	"github.com/axiomsgo/axioms/core"
)

// Sources are the token sources of one Middleware beyond the Authorization
// header, each off by default. T is the framework's request handle, the
// one its WithSkipper function takes (*http.Request, echo.Context,
// *gin.Context, *fiber.Ctx, ...).
type Sources[T any] struct {
	// Query reads the access_token query parameters (RFC 6750 §2.3).
	Query bool
	// Form reads the access_token parameters of a form body (RFC 6750
	// §2.2) of the requests FormApplies accepts.
	Form bool
	// Cookie is the name of the token cookie; "" reads no cookie.
	Cookie string
	// Extract is the custom extractor; nil for none.
	Extract func(T) (string, error)
	// CertHeader is the canonical name (CheckHeaderName) of the header a
	// TLS-terminating proxy puts the client certificate in, in the format
	// core.ClientCertificateFromHeader reads; "" reads none. It is read
	// only for a request whose connection presented no certificate: the
	// connection's own certificate always wins.
	CertHeader string
}

// Bind returns the extractor of s for the request x, for
// core.Credentials.Extract; nil without one.
func (s *Sources[T]) Bind(x T) func() (string, error) {
	if s.Extract == nil {
		return nil
	}
	f := s.Extract
	return func() (string, error) { return f(x) }
}

// MaxFormBytes caps the form bodies searched for a token: 64 KiB, enough
// for a token of the default 16 KiB cap and the fields of a form beside it.
// A longer body is refused (core.ErrFormTooLarge, 400) before it is read,
// when its Content-Length says so, or once that much has been read.
const MaxFormBytes = 64 << 10

// CheckCookieName panics unless name is a cookie name: an RFC 6265 §4.1.1
// token (RFC 9110 §5.6.2 tchar), which excludes "", spaces, "=", ";" and
// every control and non-ASCII byte. A name that is not a token can never
// match a cookie, so accepting it would silently disable the source.
// option is the option's name, for the message. Adapters call it from the
// option's function, so that the panic comes when the Middleware is built,
// in every adapter alike (as for a nil Verifier).
func CheckCookieName(option, name string) {
	if name == "" {
		panic(fmt.Sprintf("axioms: %s: the cookie name is empty (leave the option out for no cookie)", option))
	}
	for i := 0; i < len(name); i++ {
		if !isTChar(name[i]) {
			panic(fmt.Sprintf("axioms: %s: %q is not a cookie name (RFC 6265 §4.1.1: a token, without spaces, separators or control characters)", option, name))
		}
	}
}

// CheckHeaderName panics unless name is a header field name (an RFC 9110
// §5.1 token: not empty, no spaces, separators or control characters),
// and returns it in canonical form (net/textproto.CanonicalMIMEHeaderKey:
// "client-cert" is "Client-Cert"), the key under which net/http stores
// it. option is the option's name, for the message. Adapters call it from
// the option's function, so that the panic comes when the Middleware is
// built, as CheckCookieName's does.
func CheckHeaderName(option, name string) string {
	if name == "" {
		panic(fmt.Sprintf("axioms: %s: the header name is empty (leave the option out for no header)", option))
	}
	for i := 0; i < len(name); i++ {
		if !isTChar(name[i]) {
			panic(fmt.Sprintf("axioms: %s: %q is not a header name (RFC 9110 §5.1: a token, without spaces, separators or control characters)", option, name))
		}
	}
	return textproto.CanonicalMIMEHeaderKey(name)
}

// isTChar reports whether c is an RFC 9110 §5.6.2 tchar.
func isTChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// AppendCookies appends to dst the value of every cookie named name in
// line, one Cookie header field value (RFC 6265 §4.2.1 and §5.4: pairs
// separated by ";", whitespace around names and values ignored, the name
// compared exactly, one pair of double quotes around a value removed), and
// returns dst. The values share the memory of line. A pair without "=" is
// not a cookie of that name. Values are not checked here: core checks the
// token's syntax as for any source.
func AppendCookies(dst []string, line, name string) []string {
	for line != "" {
		var pair string
		pair, line, _ = strings.Cut(line, ";")
		k, v, ok := strings.Cut(pair, "=")
		if !ok || trimWSP(k) != name {
			continue
		}
		v = trimWSP(v)
		if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
			v = v[1 : len(v)-1]
		}
		dst = append(dst, v)
	}
	return dst
}

// trimWSP removes spaces and tabs around s.
func trimWSP(s string) string {
	for s != "" && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for s != "" && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// FormApplies reports whether a request may carry a form token (RFC 6750
// §2.2): its method is POST, PUT or PATCH (methods whose content has
// defined semantics; never GET, HEAD, DELETE or OPTIONS), its media type
// is application/x-www-form-urlencoded (compared case-insensitively,
// parameters such as charset allowed) and its body is not content-coded
// (no Content-Encoding, or identity). Other requests' bodies are never
// read: their form tokens are ignored, as every form token is by default.
func FormApplies(method, contentType, contentEncoding string) bool {
	switch method {
	case "POST", "PUT", "PATCH":
	default:
		return false
	}
	if ce := trimWSP(contentEncoding); ce != "" && !strings.EqualFold(ce, "identity") {
		return false
	}
	mediaType, _, _ := strings.Cut(contentType, ";")
	return strings.EqualFold(trimWSP(mediaType), "application/x-www-form-urlencoded")
}

// FormTokens appends to dst the decoded value of every access_token
// parameter of body, an application/x-www-form-urlencoded body of at most
// MaxFormBytes, and returns dst. Pairs are separated by "&" only (WHATWG
// URL §5.1); names and access_token values are decoded as query
// components ("+" is a space, "%XX" a byte). A name, or an access_token
// value, with an invalid percent-escape is core.ErrFormMalformed: the body
// could hide a token. The values share the memory of body when they need
// no decoding.
func FormTokens(body string, dst []string) ([]string, error) {
	for body != "" {
		var pair string
		pair, body, _ = strings.Cut(body, "&")
		k, v, _ := strings.Cut(pair, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			return dst, core.ErrFormMalformed
		}
		if name != "access_token" {
			continue
		}
		if v, err = url.QueryUnescape(v); err != nil {
			return dst, core.ErrFormMalformed
		}
		dst = append(dst, v)
	}
	return dst, nil
}
