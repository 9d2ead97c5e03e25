package tokensrc_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/internal/tokensrc"
)

func TestAppendCookies(t *testing.T) {
	for _, tc := range []struct {
		name  string
		lines []string
		want  []string
	}{
		{"none", nil, nil},
		{"one", []string{"token=abc"}, []string{"abc"}},
		{"among others", []string{"a=1; token=abc; b=2"}, []string{"abc"}},
		{"no space after ;", []string{"a=1;token=abc;b=2"}, []string{"abc"}},
		{"whitespace around", []string{"a=1;  token \t=  abc  ; b=2"}, []string{"abc"}},
		{"quoted", []string{`token="abc"`}, []string{"abc"}},
		{"one quote is kept", []string{`token="abc`}, []string{`"abc`}},
		{"empty", []string{"token="}, []string{""}},
		{"twice on one line", []string{"token=a; token=b"}, []string{"a", "b"}},
		{"on two lines", []string{"token=a", "x=1; token=b"}, []string{"a", "b"}},
		{"names are case-sensitive", []string{"Token=a; TOKEN=b"}, nil},
		{"a prefix is another name", []string{"token2=a; xtoken=b; __Host-token=c"}, nil},
		{"no = is no cookie", []string{"token; token"}, nil},
		{"= in the value", []string{"token=ab==; x=1"}, []string{"ab=="}},
		{"value kept as sent", []string{"token=ab cd"}, []string{"ab cd"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, line := range tc.lines {
				got = tokensrc.AppendCookies(got, line, "token")
			}
			assert.Equal(t, tc.want, got)
		})
	}
}

// TestAppendCookiesAgreesWithNetHTTP: for well-formed cookies, the values
// are net/http's (which the fasthttp adapters cannot use).
func TestAppendCookiesAgreesWithNetHTTP(t *testing.T) {
	for _, line := range []string{"token=abc", "a=1; token=x.y.z; b=2", `token="q.u.o"`, "token=a; token=b", "Token=a"} {
		r, err := http.NewRequest(http.MethodGet, "/", nil)
		require.NoError(t, err)
		r.Header.Set("Cookie", line)
		var want []string
		for _, c := range r.CookiesNamed("token") {
			want = append(want, c.Value)
		}
		assert.Equal(t, want, tokensrc.AppendCookies(nil, line, "token"), line)
	}
}

func TestCheckCookieName(t *testing.T) {
	for _, name := range []string{"token", "__Host-access_token", "a.b", "X!#$%&'*+-.^_`|~9"} {
		assert.NotPanics(t, func() { tokensrc.CheckCookieName("WithTokenFromCookie", name) }, name)
	}
	for _, name := range []string{"", "a b", "a=b", "a;b", "a,b", `a"b`, "a\tb", "a\x00", "é", "a(b)", "a/b"} {
		assert.PanicsWithValue(t, panicText(name), func() { tokensrc.CheckCookieName("WithTokenFromCookie", name) }, name)
	}
}

func TestCheckHeaderName(t *testing.T) {
	for name, want := range map[string]string{
		"Client-Cert": "Client-Cert", "client-cert": "Client-Cert", "X-SSL-CLIENT-CERT": "X-Ssl-Client-Cert", "x_cert": "X_cert",
	} {
		assert.Equal(t, want, tokensrc.CheckHeaderName("WithClientCertificateHeader", name), name)
	}
	for _, name := range []string{"", "a b", "Client-Cert:", "a;b", "a,b", `a"b`, "a\tb", "a\r\n", "é", "a(b)", "a/b"} {
		want := fmt.Sprintf("axioms: WithClientCertificateHeader: %q is not a header name (RFC 9110 §5.1: a token, without spaces, separators or control characters)", name)
		if name == "" {
			want = "axioms: WithClientCertificateHeader: the header name is empty (leave the option out for no header)"
		}
		assert.PanicsWithValue(t, want, func() { tokensrc.CheckHeaderName("WithClientCertificateHeader", name) }, name)
	}
}

func panicText(name string) string {
	if name == "" {
		return "axioms: WithTokenFromCookie: the cookie name is empty (leave the option out for no cookie)"
	}
	return fmt.Sprintf("axioms: WithTokenFromCookie: %q", name) +
		" is not a cookie name (RFC 6265 §4.1.1: a token, without spaces, separators or control characters)"
}

func TestFormApplies(t *testing.T) {
	const form = "application/x-www-form-urlencoded"
	for _, tc := range []struct {
		method, ctype, encoding string
		want                    bool
	}{
		{"POST", form, "", true},
		{"PUT", form, "", true},
		{"PATCH", form, "", true},
		{"POST", "Application/X-WWW-Form-URLEncoded", "", true},
		{"POST", form + "; charset=UTF-8", "", true},
		{"POST", " " + form + " ;charset=utf-8", "", true},
		{"POST", form, "identity", true},
		{"GET", form, "", false}, // RFC 6750 §2.2: never GET
		{"HEAD", form, "", false},
		{"DELETE", form, "", false},
		{"OPTIONS", form, "", false},
		{"post", form, "", false}, // methods are case-sensitive (RFC 9110 §9.1)
		{"POST", "", "", false},
		{"POST", "multipart/form-data; boundary=x", "", false}, // §2.2: single-part
		{"POST", "application/json", "", false},
		{"POST", "text/plain", "", false},
		{"POST", form + "x", "", false},
		{"POST", form, "gzip", false},
	} {
		assert.Equal(t, tc.want, tokensrc.FormApplies(tc.method, tc.ctype, tc.encoding), "%s %q %q", tc.method, tc.ctype, tc.encoding)
	}
}

func TestFormTokens(t *testing.T) {
	for _, tc := range []struct {
		body    string
		want    []string
		wantErr error
	}{
		{"", nil, nil},
		{"a=1&b=2", nil, nil},
		{"access_token=abc", []string{"abc"}, nil},
		{"title=x&access_token=a.b.c&z=", []string{"a.b.c"}, nil},
		{"access_token=a&access_token=b", []string{"a", "b"}, nil},
		{"access_token=", []string{""}, nil},
		{"access_token", []string{""}, nil},
		{"access%5Ftoken=abc", []string{"abc"}, nil}, // an encoded name is the same name
		{"access_token=a%2Bb%3D", []string{"a+b="}, nil},
		{"access_token=a+b", []string{"a b"}, nil}, // "+" is a space: core refuses it as a token
		{"access_token=a;b=c", []string{"a;b=c"}, nil},
		{"x=%zz&access_token=abc", []string{"abc"}, nil}, // another field's value is the handler's
		{"%zz=1&access_token=abc", nil, core.ErrFormMalformed},
		{"access_token=%zz", nil, core.ErrFormMalformed},
		{"access_token=%4", nil, core.ErrFormMalformed},
	} {
		got, err := tokensrc.FormTokens(tc.body, nil)
		if tc.wantErr != nil {
			assert.ErrorIs(t, err, tc.wantErr, tc.body)
			assert.True(t, errors.Is(err, core.ErrInvalidRequest), tc.body)
			continue
		}
		require.NoError(t, err, tc.body)
		assert.Equal(t, tc.want, got, tc.body)
	}
}

func TestBind(t *testing.T) {
	var none tokensrc.Sources[string]
	assert.Nil(t, none.Bind("x"), "no extractor, no Extract")
	s := tokensrc.Sources[string]{Extract: func(x string) (string, error) { return "token-of-" + x, nil }}
	tok, err := s.Bind("r1")()
	require.NoError(t, err)
	assert.Equal(t, "token-of-r1", tok)
}

// FuzzFormTokens compares FormTokens with net/url's parser, for bodies
// without ";" (which net/url refuses and WHATWG forms do not separate on):
// the same access_token values when net/url parses the body, and an error
// from FormTokens only when net/url fails too.
func FuzzFormTokens(f *testing.F) {
	for _, s := range []string{"access_token=abc", "a=1&access_token=x%2By&b", "access%5Ftoken=1&access_token=2", "%zz=1", "access_token=%g0", "a=%zz&access_token=q"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		if strings.Contains(body, ";") {
			return
		}
		got, err := tokensrc.FormTokens(body, nil)
		want, urlErr := url.ParseQuery(body)
		if err != nil {
			if urlErr == nil {
				t.Fatalf("%q: FormTokens refused it (%v), net/url parsed it", body, err)
			}
			return
		}
		if urlErr == nil && !slices.Equal(got, want["access_token"]) {
			t.Fatalf("%q: %q, net/url %q", body, got, want["access_token"])
		}
	})
}
