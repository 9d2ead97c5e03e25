package conformance

import (
	"cmp"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axiomsgo/axioms/adapters/exampleapi"
	"github.com/axiomsgo/axioms/core"
)

// The token sources of a ServeSources server, beyond the Authorization
// header.
const (
	// CookieName is the name given to WithTokenFromCookie.
	CookieName = "at"
	// ExtractHeader is the request header the WithTokenExtractor function
	// reads (through Extract).
	ExtractHeader = "X-Test-Token"
	// ExtractorSecret is the text of the extractor's error: it must never
	// reach the client.
	ExtractorSecret = "session store 10.0.0.7 refused password hunter2"
)

// ErrExtractor is the error Extract returns for ExtractFail.
var ErrExtractor = errors.New(ExtractorSecret)

// ExtractFail is the ExtractHeader value for which Extract fails.
const ExtractFail = "fail"

// Extract is the token extractor of a ServeSources server, given the
// value of the request's ExtractHeader header: no token for "", the error
// ErrExtractor for ExtractFail, and the value itself otherwise.
func Extract(value string) (string, error) {
	if value == ExtractFail {
		return "", ErrExtractor
	}
	return value, nil
}

// SourceRoutes are the routes of the token-source rows:
//
//	every method /src/any      Token → 200 {"sub", "method", "body"}: the body as the handler read it
//	GET /src/optional          Optional → 200 {"sub"} or {"sub": null}
//	POST /src/skipped          Skipped → 200 {"body"}: the body as the handler read it
func SourceRoutes() []exampleapi.Route {
	return []exampleapi.Route{
		{Method: "", Path: "/src/any", Auth: exampleapi.Token, Handle: srcEcho},
		{Method: "GET", Path: "/src/optional", Auth: exampleapi.Optional, Handle: srcOptional},
		{Method: "POST", Path: "/src/skipped", Auth: exampleapi.Skipped, Handle: srcEcho},
	}
}

func srcEcho(r exampleapi.Request) exampleapi.Reply {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return exampleapi.Error(http.StatusInternalServerError)
	}
	out := map[string]any{"method": r.Method, "body": string(body)}
	if c, ok := core.ClaimsFromContext(r.Context); ok {
		out["sub"] = c.Subject()
	}
	return exampleapi.Reply{Status: http.StatusOK, Body: out}
}

func srcOptional(r exampleapi.Request) exampleapi.Reply {
	var sub any
	if c, ok := core.ClaimsFromContext(r.Context); ok {
		sub = c.Subject()
	}
	return exampleapi.Reply{Status: http.StatusOK, Body: map[string]any{"sub": sub}}
}

const formType = "application/x-www-form-urlencoded"

// sources checks the token sources beyond the Authorization header on a
// ServeSources server, and the construction rules of WithTokenFromCookie.
func (s *suite) sources(t *testing.T) {
	t.Run("construction", s.sourcesConstruction)
	for _, hook := range []Hook{NoHook, Observe} {
		t.Run(hookName[hook], func(t *testing.T) {
			v := newVerifier(t, s.iss.Config())
			m, err := core.NewResourceMetadata(v.ProtectedResource(), "")
			require.NoError(t, err)
			src := sourceServer{s: s, base: s.h.ServeSources(t, v, m, SourceRoutes(), hook), hook: hook}
			s.publicURL[src.base] = ""
			t.Run("cookie", src.cookie)
			t.Run("extractor", src.extractor)
			t.Run("form", src.form)
		})
	}
}

func (s *suite) sourcesConstruction(t *testing.T) {
	if s.h.ConstructCookie == nil {
		t.Fatal("conformance: set Harness.ConstructCookie with Harness.ServeSources")
	}
	v := newVerifier(t, s.iss.Config())
	for _, name := range []string{"", "a b", "a;b", "a=b", "at\r\n"} {
		assert.Panics(t, func() { s.h.ConstructCookie(v, name) }, "WithTokenFromCookie(%q) panics when the Middleware is built", name)
	}
	for _, name := range []string{CookieName, "__Host-access_token"} {
		assert.NotPanics(t, func() { s.h.ConstructCookie(v, name) }, "WithTokenFromCookie(%q)", name)
	}
}

// sourceServer is one ServeSources server and the hook of its Middleware.
type sourceServer struct {
	s    *suite
	base string
	hook Hook
}

// do sends rq with the Cookie header values cookies and, unless
// extracted is "", the ExtractHeader header.
func (e sourceServer) do(t *testing.T, rq request, extracted string, cookies ...string) response {
	t.Helper()
	if rq.method == "" {
		rq.method = http.MethodGet
	}
	if rq.path == "" {
		rq.path = "/src/any"
	}
	rq.header = http.Header{}
	if len(cookies) > 0 {
		rq.header["Cookie"] = cookies
	}
	if extracted != "" {
		rq.header.Set(ExtractHeader, extracted)
	}
	resp := e.s.doAt(t, e.base, rq)
	if resp.status < http.StatusBadRequest {
		return resp // a handler's answer may echo the body, which holds tokens
	}
	for _, v := range append(cookies, extracted) {
		for _, field := range strings.FieldsFunc(v, func(r rune) bool { return strings.ContainsRune(" .;=\"", r) }) {
			if len(field) >= 8 {
				assert.NotContains(t, string(resp.body), field, "cookie or extracted token text echoed in a refusal")
			}
		}
	}
	return resp
}

// expectSub checks a 200 answer of /src/any or /src/optional naming sub
// (nil for none).
func (e sourceServer) expectSub(t *testing.T, resp response, sub any) map[string]any {
	t.Helper()
	body, ok := expectJSON(t, resp, http.StatusOK).(map[string]any)
	require.True(t, ok, "a JSON object: %s", resp)
	assert.Equal(t, sub, body["sub"], "sub; answer: %s", resp)
	return body
}

// refused checks a refusal and, with the Observe hook, that the error
// handler saw its category (code "" for no credentials).
func (e sourceServer) refused(t *testing.T, resp response, status int, code string) {
	t.Helper()
	if code == "" {
		expectNoCredentials(t, resp)
	} else {
		expectError(t, resp, status, code, "", noScope)
	}
	if e.hook == Observe {
		assert.Equal(t, cmp.Or(code, "no_credentials"), resp.header.Get("X-Observed"), "the error handler sees the refusal")
	}
}

func (e sourceServer) cookie(t *testing.T) {
	s := e.s
	reader, writer := s.tokens["reader"], s.tokens["writer"]
	c := func(v string) string { return CookieName + "=" + v }
	t.Run("a cookie without a header is accepted", func(t *testing.T) {
		e.expectSub(t, e.do(t, request{}, "", c(reader)), "reader")
	})
	t.Run("among other cookies", func(t *testing.T) {
		e.expectSub(t, e.do(t, request{}, "", "theme=dark; "+c(reader)+"; lang=en"), "reader")
	})
	t.Run("quoted", func(t *testing.T) {
		e.expectSub(t, e.do(t, request{}, "", c(`"`+reader+`"`)), "reader")
	})
	t.Run("A12 the header wins over a cookie", func(t *testing.T) {
		e.expectSub(t, e.do(t, request{auth: bearer(reader)}, "", c(writer)), "reader")
	})
	t.Run("the header wins over an invalid cookie", func(t *testing.T) {
		e.expectSub(t, e.do(t, request{auth: bearer(reader)}, "", c("not@a@token")), "reader")
	})
	t.Run("the header wins over two cookies", func(t *testing.T) {
		e.expectSub(t, e.do(t, request{auth: bearer(reader)}, "", c(writer)+"; "+c(writer)), "reader")
	})
	t.Run("an invalid header is not rescued by a good cookie", func(t *testing.T) {
		e.refused(t, e.do(t, request{auth: bearer("abc.def.ghi")}, "", c(reader)), http.StatusUnauthorized, "invalid_token")
	})
	t.Run("two Authorization headers are an invalid request whatever the cookie", func(t *testing.T) {
		e.refused(t, e.do(t, request{auth: []string{"Bearer a", "Bearer b"}}, "", c(reader)), http.StatusBadRequest, "invalid_request")
	})
	t.Run("another scheme leaves the cookie to decide", func(t *testing.T) {
		e.expectSub(t, e.do(t, request{auth: []string{"Basic YWxpY2U6c2VjcmV0"}}, "", c(reader)), "reader")
	})
	t.Run("A14 two token cookies are an invalid request", func(t *testing.T) {
		e.refused(t, e.do(t, request{}, "", c(reader)+"; "+c(writer)), http.StatusBadRequest, "invalid_request")
		e.refused(t, e.do(t, request{}, "", c(reader)+"; "+c(reader)), http.StatusBadRequest, "invalid_request")
	})
	t.Run("two token cookies in two Cookie headers are an invalid request", func(t *testing.T) {
		e.refused(t, e.do(t, request{}, "", c(reader), c(writer)), http.StatusBadRequest, "invalid_request")
	})
	t.Run("a cookie token is checked as a header token is", func(t *testing.T) {
		e.refused(t, e.do(t, request{}, "", c("ab@cd")), http.StatusUnauthorized, "invalid_token")
		e.refused(t, e.do(t, request{}, "", c("abc.def.ghi")), http.StatusUnauthorized, "invalid_token")
		e.refused(t, e.do(t, request{}, "", c("Bearer%20"+reader)), http.StatusUnauthorized, "invalid_token")
	})
	t.Run("an empty cookie is no credentials", func(t *testing.T) {
		e.refused(t, e.do(t, request{}, "", c("")), http.StatusUnauthorized, "")
		e.expectSub(t, e.do(t, request{path: "/src/optional"}, "", c("")), nil)
	})
	t.Run("a cookie of another name is ignored", func(t *testing.T) {
		e.refused(t, e.do(t, request{}, "", "x"+c(reader)+"; "+strings.ToUpper(CookieName)+"="+reader), http.StatusUnauthorized, "")
	})
	t.Run("an invalid cookie is refused on an anonymous GET too", func(t *testing.T) {
		e.refused(t, e.do(t, request{path: "/src/optional"}, "", c("abc.def.ghi")), http.StatusUnauthorized, "invalid_token")
		e.expectSub(t, e.do(t, request{path: "/src/optional"}, "", c(reader)), "reader")
	})
}

func (e sourceServer) extractor(t *testing.T) {
	s := e.s
	reader, writer := s.tokens["reader"], s.tokens["writer"]
	t.Run("the extractor's token is accepted", func(t *testing.T) {
		e.expectSub(t, e.do(t, request{}, reader), "reader")
	})
	t.Run("no token from the extractor is no credentials", func(t *testing.T) {
		e.refused(t, e.do(t, request{}, ""), http.StatusUnauthorized, "")
		e.expectSub(t, e.do(t, request{path: "/src/optional"}, ""), nil)
	})
	t.Run("an extractor error is an invalid request that does not leak its text", func(t *testing.T) {
		for _, path := range []string{"/src/any", "/src/optional"} {
			resp := e.do(t, request{path: path}, ExtractFail)
			e.refused(t, resp, http.StatusBadRequest, "invalid_request")
			var all strings.Builder
			all.Write(resp.body)
			for _, vals := range resp.header {
				all.WriteString(strings.Join(vals, " "))
			}
			for _, word := range strings.Fields(ExtractorSecret) {
				if len(word) > 4 {
					assert.NotContains(t, all.String(), word, "the extractor's error text reaches the client")
				}
			}
		}
	})
	t.Run("the extractor is not consulted when the header has a token", func(t *testing.T) {
		e.expectSub(t, e.do(t, request{auth: bearer(reader)}, ExtractFail), "reader")
		e.expectSub(t, e.do(t, request{auth: bearer(reader)}, writer), "reader")
	})
	t.Run("the extractor is not consulted when the cookie has a token", func(t *testing.T) {
		e.expectSub(t, e.do(t, request{}, ExtractFail, CookieName+"="+reader), "reader")
	})
	t.Run("an extracted token is checked as a header token is", func(t *testing.T) {
		e.refused(t, e.do(t, request{}, "abc.def.ghi"), http.StatusUnauthorized, "invalid_token")
		e.refused(t, e.do(t, request{}, "Bearer "+reader), http.StatusUnauthorized, "invalid_token")
	})
}

func (e sourceServer) form(t *testing.T) {
	s := e.s
	writer, reader := s.tokens["writer"], s.tokens["reader"]
	big := "title=" + strings.Repeat("x", 40<<10) // under the 64 KiB cap, over any first read
	post := func(method, body, ctype string) request {
		return request{method: method, body: body, contentType: ctype}
	}
	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodPatch} {
		t.Run("A15 "+method+" with a form token is accepted and its body still read", func(t *testing.T) {
			body := big + "&access_token=" + writer + "&z=1"
			got := e.expectSub(t, e.do(t, post(method, body, formType), ""), "writer")
			assert.Equal(t, body, got["body"], "the handler reads the body as sent")
		})
	}
	t.Run("Content-Type with parameters and another case", func(t *testing.T) {
		e.expectSub(t, e.do(t, post(http.MethodPost, "access_token="+writer, "Application/X-WWW-Form-URLEncoded; charset=UTF-8"), ""), "writer")
	})
	t.Run("a chunked body", func(t *testing.T) {
		rq := post(http.MethodPost, "access_token="+writer+"&"+big, formType)
		rq.chunked = true
		got := e.expectSub(t, e.do(t, rq, ""), "writer")
		assert.Equal(t, rq.body, got["body"])
	})
	for _, method := range []string{http.MethodGet, http.MethodDelete} {
		t.Run("A15 a form token on "+method+" is ignored (RFC 6750 §2.2)", func(t *testing.T) {
			e.refused(t, e.do(t, post(method, "access_token="+writer, formType), ""), http.StatusUnauthorized, "")
		})
	}
	for _, ctype := range []string{"application/json", "text/plain"} {
		t.Run("a form token in "+ctype+" is ignored", func(t *testing.T) {
			e.refused(t, e.do(t, post(http.MethodPost, "access_token="+writer, ctype), ""), http.StatusUnauthorized, "")
		})
	}
	t.Run("a form token in a multipart body is ignored (RFC 6750 §2.2: single-part)", func(t *testing.T) {
		body := "--x\r\nContent-Disposition: form-data; name=\"access_token\"\r\n\r\n" + writer + "\r\n--x--\r\n"
		e.refused(t, e.do(t, post(http.MethodPost, body, "multipart/form-data; boundary=x"), ""), http.StatusUnauthorized, "")
	})
	t.Run("A12 a header and a form token are an invalid request", func(t *testing.T) {
		rq := post(http.MethodPost, "access_token="+writer, formType)
		rq.auth = bearer(reader)
		e.refused(t, e.do(t, rq, ""), http.StatusBadRequest, "invalid_request")
	})
	t.Run("A14 two form tokens are an invalid request", func(t *testing.T) {
		e.refused(t, e.do(t, post(http.MethodPost, "access_token="+writer+"&access_token="+writer, formType), ""),
			http.StatusBadRequest, "invalid_request")
	})
	t.Run("an empty form token is an invalid token", func(t *testing.T) {
		e.refused(t, e.do(t, post(http.MethodPost, "a=1&access_token=", formType), ""), http.StatusUnauthorized, "invalid_token")
	})
	t.Run("a form token wins over a cookie", func(t *testing.T) {
		e.expectSub(t, e.do(t, post(http.MethodPost, "access_token="+writer, formType), "", CookieName+"="+reader), "writer")
	})
	t.Run("a header token leaves a form without a token to the handler", func(t *testing.T) {
		rq := post(http.MethodPost, big+"&other=%zz", formType) // a bad escape in another field is the handler's business
		rq.auth = bearer(reader)
		got := e.expectSub(t, e.do(t, rq, ""), "reader")
		assert.Equal(t, rq.body, got["body"])
	})
	tooLarge := "access_token=" + writer + "&" + big + strings.Repeat("y", 32<<10)
	t.Run("a form body over 64 KiB is an invalid request", func(t *testing.T) {
		rq := post(http.MethodPost, tooLarge, formType)
		rq.auth = bearer(reader)
		e.refused(t, e.do(t, rq, ""), http.StatusBadRequest, "invalid_request")
		rq.chunked = true // no Content-Length: refused once the cap is read
		e.refused(t, e.do(t, rq, ""), http.StatusBadRequest, "invalid_request")
	})
	t.Run("a malformed form body is an invalid request", func(t *testing.T) {
		rq := post(http.MethodPost, "access_token=%zz", formType)
		rq.auth = bearer(reader)
		e.refused(t, e.do(t, rq, ""), http.StatusBadRequest, "invalid_request")
	})
	t.Run("a skipped request's body is not read", func(t *testing.T) {
		for _, body := range []string{tooLarge, "access_token=%zz", "access_token=" + writer} {
			got := e.expectSub(t, e.do(t, request{method: http.MethodPost, path: "/src/skipped", body: body, contentType: formType}, ""), nil)
			assert.Equal(t, body, got["body"], "the skipped handler reads the body as sent")
		}
	})
}
