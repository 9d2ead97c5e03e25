package core

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// This file runs threats.md §2 sections A (credential extraction) and M
// (error-response formatting) end to end over real HTTP: a tiny net/http
// handler calls Verifier.Check and writes Verifier.ErrorResponse, and the
// tests send real requests (raw bytes over net.Dial where the Go client
// would normalise them) and parse the WWW-Authenticate header strictly.

// catSources are the token sources a catHandler reads beyond the
// Authorization header (all off by default, as in the adapters).
type catSources struct {
	query  bool   // access_token query parameters (RFC 6750 §2.3)
	form   bool   // access_token of a POST form body (§2.2)
	cookie string // the token cookie's name
}

// catHandler is the test-only adapter: Check, then either the computed
// error response or 200 "ok <sub>". The sources of src are read as an
// adapter reads them (the adapters' own reading of cookies and forms is
// checked by their conformance suite).
func catHandler(v *Verifier, p Policy, src catSources) http.Handler {
	g := NewGuard(v, GuardOptions{})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		creds := Credentials{Authorization: r.Header.Values("Authorization")}
		if src.query {
			creds.Query = r.URL.Query()["access_token"]
		}
		if src.form && r.Method == http.MethodPost && r.Header.Get("Content-Type") == "application/x-www-form-urlencoded" &&
			r.ParseForm() == nil {
			creds.Form = r.PostForm["access_token"]
		}
		if src.cookie != "" {
			for _, c := range r.CookiesNamed(src.cookie) {
				creds.Cookie = append(creds.Cookie, c.Value)
			}
		}
		ctx, err := g.Authenticate(r.Context(), r.Method, creds) // the middleware
		if err == nil && p != nil {
			err = g.Authorize(ctx, r.Method, p) // the route's Require
		}
		claims, _ := ClaimsFromContext(ctx)
		if err != nil {
			resp := g.Response(err, false, r.Host)
			if resp.WWWAuthenticate != "" {
				w.Header().Set("WWW-Authenticate", resp.WWWAuthenticate)
			}
			if resp.RetryAfter != "" {
				w.Header().Set("Retry-After", resp.RetryAfter)
			}
			w.Header().Set("Content-Type", ContentType)
			w.WriteHeader(resp.Status)
			_, _ = w.Write(resp.Body)
			return
		}
		sub := "-"
		if claims != nil {
			sub = claims.Subject()
		}
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "ok "+sub)
	})
}

// catApp is a test application over one Verifier.
type catApp struct {
	env *catEnv
	v   *Verifier
	srv *httptest.Server
}

// newCatApp serves /read (AnyScope read), /admin (AnyScope admin root),
// /role (AnyRole admin), /query/read (read, with query tokens enabled),
// /form/read (read, with form tokens enabled), /cookie/read (read, with
// query, form and cookie "at" tokens enabled) and /realm/read (read, Realm
// "axioms test") on loopback.
func newCatApp(t *testing.T, env *catEnv) *catApp {
	t.Helper()
	v := env.verifier(t, nil)
	realm := env.verifier(t, func(c *Config) { c.Realm = "axioms test" })
	mux := http.NewServeMux()
	mux.Handle("/read", catHandler(v, AnyScope("read"), catSources{}))
	mux.Handle("/preflight", catHandler(v, nil, catSources{})) // middleware only
	mux.Handle("/admin", catHandler(v, AnyScope("admin", "root"), catSources{}))
	mux.Handle("/role", catHandler(v, AnyRole("admin"), catSources{}))
	mux.Handle("/query/read", catHandler(v, AnyScope("read"), catSources{query: true}))
	mux.Handle("/form/read", catHandler(v, AnyScope("read"), catSources{form: true}))
	mux.Handle("/cookie/read", catHandler(v, AnyScope("read"), catSources{query: true, form: true, cookie: "at"}))
	mux.Handle("/realm/read", catHandler(realm, AnyScope("read"), catSources{}))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &catApp{env: env, v: v, srv: srv}
}

// catExchange is one HTTP answer.
type catExchange struct {
	status int
	header http.Header
	body   []byte
}

// catRequest describes one request. With raw set, raw is sent as the whole
// request over a plain TCP connection.
type catRequest struct {
	method string   // default GET
	path   string   // default /read
	auth   []string // Authorization field values, each sent as its own line
	cookie string   // the Cookie header
	body   string
	ctype  string
	raw    string
}

func (a *catApp) send(t testing.TB, rq catRequest) catExchange {
	t.Helper()
	if rq.raw != "" {
		return catSendRaw(t, a.srv.Listener.Addr().String(), rq.raw)
	}
	method, path := rq.method, rq.path
	if method == "" {
		method = http.MethodGet
	}
	if path == "" {
		path = "/read"
	}
	var body io.Reader
	if rq.body != "" {
		body = strings.NewReader(rq.body)
	}
	req, err := http.NewRequest(method, a.srv.URL+path, body)
	require.NoError(t, err)
	if rq.auth != nil {
		req.Header["Authorization"] = rq.auth
	}
	if rq.ctype != "" {
		req.Header.Set("Content-Type", rq.ctype)
	}
	if rq.cookie != "" {
		req.Header.Set("Cookie", rq.cookie)
	}
	res, err := a.srv.Client().Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return catExchange{status: res.StatusCode, header: res.Header, body: b}
}

// catSendRaw writes raw to addr and reads one response. The request is
// written concurrently, so a server that answers before reading all of it
// (431) is still heard.
func catSendRaw(t testing.TB, addr, raw string) catExchange {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(30*time.Second)))
	go func() { _, _ = io.WriteString(conn, raw) }()
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err, "the server must answer, not drop the connection")
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return catExchange{status: res.StatusCode, header: res.Header, body: b}
}

// catRaw renders a raw HTTP/1.1 GET /read with the given header lines.
func catRaw(lines ...string) string {
	return "GET /read HTTP/1.1\r\nHost: catalog.test\r\n" + strings.Join(lines, "\r\n") + "\r\nConnection: close\r\n\r\n"
}

// catParam is one auth-param of a challenge.
type catParam struct{ name, value string }

// catParseChallenge parses a WWW-Authenticate value that must be exactly
// one challenge: auth-scheme 1*SP auth-param *( OWS "," OWS auth-param ),
// every value a quoted-string whose characters are in the RFC 6750 §3 set
// %x20-21 / %x23-5B / %x5D-7E (so no '"', '\', CR, LF or escapes). A
// second challenge, a token68 or an unquoted value is an error.
func catParseChallenge(h string) (string, []catParam, error) {
	isTChar := func(c byte) bool {
		return c < 0x80 && c > 0x20 && !strings.ContainsRune("\"(),/:;<=>?@[\\]{}", rune(c)) && c != 0x7f
	}
	isOWS := func(c byte) bool { return c == ' ' || c == '\t' }
	i := 0
	for i < len(h) && isTChar(h[i]) {
		i++
	}
	if i == 0 {
		return "", nil, errors.New("no auth-scheme")
	}
	scheme := h[:i]
	if i == len(h) {
		return scheme, nil, nil
	}
	if h[i] != ' ' {
		return "", nil, errors.New("auth-scheme not followed by SP")
	}
	for i < len(h) && h[i] == ' ' {
		i++
	}
	var params []catParam
	for {
		start := i
		for i < len(h) && isTChar(h[i]) {
			i++
		}
		if i == start {
			return "", nil, errors.New("expected an auth-param name at " + strconv.Itoa(i))
		}
		name := h[start:i]
		if i == len(h) || h[i] != '=' {
			return "", nil, errors.New("not an auth-param (a second challenge or token68?): " + name)
		}
		i++
		if i == len(h) || h[i] != '"' {
			return "", nil, errors.New("value of " + name + " is not a quoted-string")
		}
		i++
		vs := i
		for i < len(h) && h[i] != '"' {
			c := h[i]
			if !(c == 0x20 || c == 0x21 || (c >= 0x23 && c <= 0x5b) || (c >= 0x5d && c <= 0x7e)) {
				return "", nil, errors.New("character outside the RFC 6750 set in " + name)
			}
			i++
		}
		if i == len(h) {
			return "", nil, errors.New("unterminated quoted-string in " + name)
		}
		params = append(params, catParam{name, h[vs:i]})
		i++
		if i == len(h) {
			return scheme, params, nil
		}
		for i < len(h) && isOWS(h[i]) {
			i++
		}
		if i == len(h) || h[i] != ',' {
			return "", nil, errors.New("expected ',' after " + name)
		}
		i++
		for i < len(h) && isOWS(h[i]) {
			i++
		}
	}
}

func TestCatalogMChallengeParser(t *testing.T) {
	for _, bad := range []string{
		`Bearer realm="api", DPoP algs="ES256"`, `Bearer realm=api`, `Bearer realm="a\"b"`, `Bearer realm="a\\b"`,
		`Bearer abc==`, `Bearer realm="api",`, "Bearer realm=\"a\r\nb\"", `Bearer,realm="api"`, `realm="api"`,
	} {
		_, _, err := catParseChallenge(bad)
		assert.Error(t, err, bad)
	}
	s, ps, err := catParseChallenge(`Bearer realm="api", error="invalid_token", error_description="token expired"`)
	require.NoError(t, err)
	assert.Equal(t, "Bearer", s)
	assert.Equal(t, []catParam{{"realm", "api"}, {"error", "invalid_token"}, {"error_description", "token expired"}}, ps)
}

// catWant is the expected answer in threats.md §0.1 shorthand.
type catWant struct {
	status int    // 200, 400, 401, 403 (or 431 when accepted instead of 401)
	err    string // RFC 6750 error code; "" for 401∅
	scope  string // expected scope parameter on 403; "" when none
	realm  string // default "api"
}

var (
	cat200   = catWant{status: http.StatusOK}
	cat401   = catWant{status: http.StatusUnauthorized}
	cat401IT = catWant{status: http.StatusUnauthorized, err: "invalid_token"}
	cat400IR = catWant{status: http.StatusBadRequest, err: "invalid_request"}
)

// catCheckResponse asserts the answer and, for every error answer, the
// section M rules: one Bearer challenge (M213), realm exactly once and
// scope at most once (M214), RFC 6750 charsets and no attacker text
// (M215, M220), no error attributes without credentials (M216), scope on
// scope-rule 403s only (M217), error on 400 (M218), and the JSON body.
func catCheckResponse(t testing.TB, ex catExchange, want catWant, secrets []string) {
	t.Helper()
	for _, s := range secrets {
		if s == "" {
			continue
		}
		assert.NotContains(t, string(ex.body), s, "M215/M220: attacker text or token in the body")
		for name, values := range ex.header {
			for _, hv := range values {
				assert.NotContains(t, hv, s, "M215/M220: attacker text or token in header %s", name)
			}
		}
	}
	if !assert.Equal(t, want.status, ex.status, "status; body %s", ex.body) || ex.status == http.StatusOK {
		if ex.status == http.StatusOK {
			assert.Empty(t, ex.header.Values("WWW-Authenticate"))
		}
		return
	}
	if ex.status == http.StatusRequestHeaderFieldsTooLarge {
		return // answered by net/http itself
	}
	assert.Equal(t, ContentType, ex.header.Get("Content-Type"))
	assert.Empty(t, ex.header.Values("Retry-After"), "Retry-After is for 503 only")
	var body map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(ex.body, &body), "body is JSON: %s", ex.body)
	assert.Len(t, body, 2, "body has exactly error and error_description: %s", ex.body)
	var bodyErr, bodyDesc string
	require.NoError(t, json.Unmarshal(body["error"], &bodyErr), "body error is a string")
	require.NoError(t, json.Unmarshal(body["error_description"], &bodyDesc), "body error_description is a string")
	assert.NotEmpty(t, bodyErr)
	assert.NotEmpty(t, bodyDesc)

	challenges := ex.header.Values("WWW-Authenticate")
	require.Len(t, challenges, 1, "M213: exactly one WWW-Authenticate header")
	scheme, params, err := catParseChallenge(challenges[0])
	require.NoError(t, err, "M213/M215: %q", challenges[0])
	assert.Equal(t, "Bearer", scheme)
	got := map[string][]string{}
	for _, p := range params {
		got[p.name] = append(got[p.name], p.value)
		assert.Contains(t, []string{"realm", "error", "error_description", "scope"}, p.name, "unexpected parameter")
	}
	realm := want.realm
	if realm == "" {
		realm = defaultRealm
	}
	assert.Equal(t, []string{realm}, got["realm"], "M214: realm exactly once")
	assert.LessOrEqual(t, len(got["scope"]), 1, "M214: scope at most once")
	assert.LessOrEqual(t, len(got["error"]), 1)
	assert.LessOrEqual(t, len(got["error_description"]), 1)
	if want.err == "" {
		assert.Empty(t, got["error"], "M216: no error attribute without credentials")
		assert.Empty(t, got["error_description"], "M216: no error_description without credentials")
		// scope may name the scopes of the route's policy (RFC 6750 §3),
		// asserted in TestAuthorizeNoCredentialsScope.
		return
	}
	assert.Equal(t, []string{want.err}, got["error"], "error attribute (M218 for 400)")
	if assert.Len(t, got["error_description"], 1) {
		assert.NotEmpty(t, got["error_description"][0])
		assert.Equal(t, bodyDesc, got["error_description"][0], "header and body describe alike")
	}
	assert.Equal(t, want.err, bodyErr, "body error matches the challenge")
	if want.scope == "" {
		assert.Empty(t, got["scope"], "no scope attribute for this answer")
		return
	}
	if assert.Len(t, got["scope"], 1, "M217: 403 carries scope") {
		assert.Equal(t, want.scope, got["scope"][0], "M217")
		for _, s := range strings.Split(got["scope"][0], " ") {
			assert.NotEmpty(t, s, "M217: scope tokens are separated by single spaces")
			assert.NotContains(t, s, "\x20", "M217: scope-token excludes SP")
		}
	}
}

// TestCatalogACredentialExtraction covers threats.md §2-A (1–20) over HTTP.
func TestCatalogACredentialExtraction(t *testing.T) {
	env := newCatEnv(t)
	app := newCatApp(t, env)
	ks := env.keys
	good := env.token(t, ks.k1)
	good2 := env.token(t, ks.es256)
	bigClaims := env.claims()
	bigClaims["filler"] = strings.Repeat("f", 14<<10)
	token16K := ks.k1.sign(t, bigClaims)
	require.Greater(t, len(token16K), 16<<10, "precondition: a legit token over 16 KiB")
	form := "application/x-www-form-urlencoded"

	cases := []struct {
		name string
		req  catRequest
		want catWant
	}{
		{"A1 valid token", catRequest{auth: []string{"Bearer " + good}}, cat200},
		{"A2 no Authorization header", catRequest{}, cat401},
		{"A3 lower-case scheme", catRequest{auth: []string{"bearer " + good}}, cat200},
		{"A3 upper-case scheme", catRequest{auth: []string{"BEARER " + good}}, cat200},
		{"A3 mixed-case scheme", catRequest{auth: []string{"BeArEr " + good}}, cat200},
		{"A3 lower-case header name", catRequest{raw: catRaw("authorization: bearer " + good)}, cat200},
		{"A4 two spaces after scheme", catRequest{auth: []string{"Bearer  " + good}}, cat200},
		{"A4 five spaces after scheme", catRequest{auth: []string{"Bearer     " + good}}, cat200},
		{"A5 tab after scheme", catRequest{auth: []string{"Bearer\t" + good}}, cat401IT},
		{"A5 tab after scheme (raw)", catRequest{raw: catRaw("Authorization: Bearer\t" + good)}, cat401IT},
		{"A6 Basic scheme", catRequest{auth: []string{"Basic dXNlcjpwYXNz"}}, cat401},
		{"A6 DPoP scheme alone", catRequest{auth: []string{"DPoP " + good}}, cat401},
		{"A7 Bearer-invalid", catRequest{auth: []string{"Bearer-invalid"}}, cat401},
		{"A7 scheme glued to token", catRequest{auth: []string{"Bearer" + good}}, cat401},
		{"A8 Bearer alone", catRequest{auth: []string{"Bearer"}}, cat401IT},
		{"A8 Bearer and a space (raw)", catRequest{raw: catRaw("Authorization: Bearer ")}, cat401IT},
		{"A8 Bearer and spaces", catRequest{auth: []string{"Bearer    "}}, cat401IT},
		{"A9 brace in token", catRequest{auth: []string{"Bearer " + good[:20] + "{" + good[20:]}}, cat401IT},
		{"A9 quote in token", catRequest{auth: []string{"Bearer " + good[:20] + `"` + good[20:]}}, cat401IT},
		{"A9 comma in token", catRequest{auth: []string{"Bearer " + good[:20] + "," + good[20:]}}, cat401IT},
		{"A9 question mark in token", catRequest{auth: []string{"Bearer " + good[:20] + "?" + good[20:]}}, cat401IT},
		{"A9 space in token", catRequest{auth: []string{"Bearer " + good[:20] + " " + good[20:]}}, cat401IT},
		{"A10 token ending in =", catRequest{auth: []string{"Bearer " + good + "="}}, cat401IT},
		{"A10 token ending in ==", catRequest{auth: []string{"Bearer " + good + "=="}}, cat401IT},
		{"A11 two Authorization headers, same token", catRequest{auth: []string{"Bearer " + good, "Bearer " + good}}, cat400IR},
		{"A11 two Authorization headers, different tokens", catRequest{auth: []string{"Bearer " + good, "Bearer " + good2}}, cat400IR},
		{"A11 Bearer and Basic headers", catRequest{auth: []string{"Bearer " + good, "Basic dXNlcjpwYXNz"}}, cat400IR},
		{"A11 two Authorization headers (raw)", catRequest{raw: catRaw("Authorization: Bearer "+good, "Authorization: Bearer "+good2)}, cat400IR},
		{"A12 header and query token, query ignored", catRequest{path: "/read?access_token=" + good2, auth: []string{"Bearer " + good}}, cat200},
		{"A12 header and query token, query enabled", catRequest{path: "/query/read?access_token=" + good2, auth: []string{"Bearer " + good}}, cat400IR},
		{"A13 only a query token (default)", catRequest{path: "/read?access_token=" + good}, cat401},
		{"A13 only a query token, query enabled", catRequest{path: "/query/read?access_token=" + good}, cat200},
		{"A14 two query tokens (default)", catRequest{path: "/read?access_token=" + good + "&access_token=" + good2}, cat401},
		{"A14 two query tokens, query enabled", catRequest{path: "/query/read?access_token=" + good + "&access_token=" + good2}, cat400IR},
		{"A15 form token (default)", catRequest{method: http.MethodPost, body: "access_token=" + good, ctype: form}, cat401},
		{"A15 form token, form enabled", catRequest{method: http.MethodPost, path: "/form/read", body: "access_token=" + good, ctype: form}, cat200},
		{"A15 form token on GET, form enabled", catRequest{path: "/form/read", body: "access_token=" + good, ctype: form}, cat401},
		{"A12 header and form token, form enabled", catRequest{method: http.MethodPost, path: "/form/read", body: "access_token=" + good2,
			ctype: form, auth: []string{"Bearer " + good}}, cat400IR},
		{"A14 two form tokens, form enabled", catRequest{method: http.MethodPost, path: "/form/read", body: "access_token=" + good + "&access_token=" + good2,
			ctype: form}, cat400IR},
		{"A12 query and form token, both enabled", catRequest{method: http.MethodPost, path: "/cookie/read?access_token=" + good, body: "access_token=" + good2,
			ctype: form}, cat400IR},
		{"A12 header and cookie, cookie enabled: the header wins", catRequest{path: "/cookie/read", auth: []string{"Bearer " + good}, cookie: "at={"}, cat200},
		{"A12 invalid header and good cookie: the header decides", catRequest{path: "/cookie/read", auth: []string{"Bearer {"}, cookie: "at=" + good}, cat401IT},
		{"A12 query token and cookie: the query wins", catRequest{path: "/cookie/read?access_token=" + good, cookie: "at={"}, cat200},
		{"only a cookie token, cookie enabled", catRequest{path: "/cookie/read", cookie: "at=" + good}, cat200},
		{"only a cookie token (default)", catRequest{cookie: "at=" + good}, cat401},
		{"A14 two token cookies, cookie enabled", catRequest{path: "/cookie/read", cookie: "at=" + good + "; at=" + good2}, cat400IR},
		{"A16 Bearer and DPoP headers", catRequest{auth: []string{"Bearer " + good, "DPoP " + good}}, cat400IR},
		{"A17 comma-joined credentials", catRequest{auth: []string{"Bearer " + good + ",Bearer " + good2}}, cat401IT},
		{"A17 comma-space-joined credentials", catRequest{auth: []string{"Bearer " + good + ", Bearer " + good2}}, cat401IT},
		{"A18 leading and trailing OWS (raw)", catRequest{raw: catRaw("Authorization: \t Bearer " + good + " \t")}, cat200},
		{"A19 16 KiB token", catRequest{auth: []string{"Bearer " + token16K}}, cat401IT},
		{"A20 OPTIONS without credentials", catRequest{method: http.MethodOptions, path: "/preflight"}, cat200},
		{"A20 OPTIONS with a valid token", catRequest{method: http.MethodOptions, path: "/preflight", auth: []string{"Bearer " + good}}, cat200},
		{"A20 OPTIONS with broken credentials", catRequest{method: http.MethodOptions, path: "/preflight", auth: []string{"Bearer {", "Bearer x"}}, cat400IR},
		{"A20 OPTIONS with an invalid token", catRequest{method: http.MethodOptions, path: "/preflight", auth: []string{"Bearer {"}}, cat401IT},
		{"A20 OPTIONS without credentials meets no policy", catRequest{method: http.MethodOptions}, cat401},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ex := app.send(t, tc.req)
			catCheckResponse(t, ex, tc.want, []string{good, good2, token16K})
			if tc.want.status == http.StatusOK && tc.req.method != http.MethodOptions {
				assert.Equal(t, "ok "+catSubject, string(ex.body))
			}
		})
	}

	t.Run("A18 OWS around the value, in core", func(t *testing.T) {
		c, err := app.v.Check(t.Context(), http.MethodGet, Credentials{Authorization: []string{" \t Bearer " + good + "\t "}}, AnyScope("read"))
		require.NoError(t, err)
		assert.Equal(t, catSubject, c.Subject())
	})

	t.Run("A19 1 MiB Authorization header", func(t *testing.T) {
		huge := "Bearer " + good + strings.Repeat("A", 1<<20)
		ex := catSendRaw(t, app.srv.Listener.Addr().String(), catRaw("Authorization: "+huge))
		t.Logf("answered %d", ex.status)
		if ex.status == http.StatusRequestHeaderFieldsTooLarge {
			return // net/http's MaxHeaderBytes answered first
		}
		catCheckResponse(t, ex, cat401IT, []string{good})
	})

	t.Run("A19 2 MiB Authorization header", func(t *testing.T) {
		huge := "Bearer " + good + strings.Repeat("A", 2<<20)
		ex := catSendRaw(t, app.srv.Listener.Addr().String(), catRaw("Authorization: "+huge))
		if ex.status != http.StatusRequestHeaderFieldsTooLarge {
			catCheckResponse(t, ex, cat401IT, []string{good})
		}
	})

	t.Run("A19 just under net/http's header limit", func(t *testing.T) {
		huge := "Bearer " + good + strings.Repeat("A", 1<<20-len(good)-8<<10)
		ex := catSendRaw(t, app.srv.Listener.Addr().String(), catRaw("Authorization: "+huge))
		catCheckResponse(t, ex, cat401IT, []string{good})
	})
}

// TestCatalogMErrorFormat covers threats.md §2-M (213–220) over HTTP.
func TestCatalogMErrorFormat(t *testing.T) {
	env := newCatEnv(t)
	app := newCatApp(t, env)
	ks := env.keys
	good := env.token(t, ks.k1)

	const (
		evilKid   = "ATTACKER-KID\"\\\r\nX-Injected: yes"
		evilIss   = "https://ATTACKER-ISS.example/\"\\"
		evilAud   = "ATTACKER-AUD"
		evilSub   = "ATTACKER-SUB"
		evilScope = "ATTACKER-SCOPE\" x=\"y"
	)
	claims := func(change map[string]any) map[string]any {
		c := env.claims()
		for k, v := range change {
			c[k] = v
		}
		return c
	}
	evilKidTok := ks.k1.signWith(t, map[string]any{"alg": "RS256", "kid": evilKid, "typ": "at+jwt"}, env.claims())
	evilIssTok := ks.k1.sign(t, claims(map[string]any{"iss": evilIss}))
	evilAudTok := ks.k1.sign(t, claims(map[string]any{"aud": evilAud}))
	evilSubTok := ks.k1.sign(t, claims(map[string]any{"sub": evilSub, "scope": evilScope}))
	expiredTok := ks.k1.sign(t, claims(map[string]any{"exp": env.clock.Now().Unix() - 60}))
	s := catSegments(t, good)
	badSigTok := s[0] + "." + s[1] + "." + catSegments(t, env.token(t, ks.attacker))[2]
	secrets := []string{good, s[1], s[2], evilKidTok, evilIssTok, evilAudTok, evilSubTok, expiredTok, badSigTok,
		"ATTACKER", "X-Injected", evilSub, catSubject, "client-1", "jti-1"}

	cases := []struct {
		name string
		req  catRequest
		want catWant
	}{
		{"M216 no credentials", catRequest{}, cat401},
		{"M216 other scheme", catRequest{auth: []string{"Basic dXNlcjpwYXNz"}}, cat401},
		{"M216 no credentials, scope route", catRequest{path: "/admin"}, cat401},
		{"M216 no credentials, role route", catRequest{path: "/role"}, cat401},
		{"M213 invalid token: malformed", catRequest{auth: []string{"Bearer a.b"}}, cat401IT},
		{"M213 invalid token: expired", catRequest{auth: []string{"Bearer " + expiredTok}}, cat401IT},
		{"M213 invalid token: bad signature", catRequest{auth: []string{"Bearer " + badSigTok}}, cat401IT},
		{"M213 invalid token on a scope route is 401, not 403", catRequest{path: "/admin", auth: []string{"Bearer " + expiredTok}}, cat401IT},
		{"M215 attacker kid", catRequest{auth: []string{"Bearer " + evilKidTok}}, cat401IT},
		{"M215 attacker iss", catRequest{auth: []string{"Bearer " + evilIssTok}}, cat401IT},
		{"M215 attacker aud", catRequest{auth: []string{"Bearer " + evilAudTok}}, cat401IT},
		{"M215 attacker scope and sub on 403", catRequest{path: "/admin", auth: []string{"Bearer " + evilSubTok}},
			catWant{status: http.StatusForbidden, err: "insufficient_scope", scope: "admin root"}},
		{"M217 scope rule names every scope", catRequest{path: "/admin", auth: []string{"Bearer " + good}},
			catWant{status: http.StatusForbidden, err: "insufficient_scope", scope: "admin root"}},
		{"M217 role rule has no scope", catRequest{path: "/role", auth: []string{"Bearer " + good}},
			catWant{status: http.StatusForbidden, err: "insufficient_scope"}},
		{"M218 invalid request has error", catRequest{auth: []string{"Bearer " + good, "Bearer " + good}}, cat400IR},
		{"M214 configured realm", catRequest{path: "/realm/read"}, catWant{status: http.StatusUnauthorized, realm: "axioms test"}},
		{"M214 configured realm on invalid token", catRequest{path: "/realm/read", auth: []string{"Bearer " + expiredTok}},
			catWant{status: http.StatusUnauthorized, err: "invalid_token", realm: "axioms test"}},
		{"M220 valid token", catRequest{auth: []string{"Bearer " + good}}, cat200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ex := app.send(t, tc.req)
			sec := secrets
			if tc.want.status == http.StatusOK {
				sec = []string{good, "ATTACKER"} // the handler itself prints the sub
			}
			catCheckResponse(t, ex, tc.want, sec)
			assert.Empty(t, ex.header.Values("X-Injected"), "M215: header injection")
		})
	}

	t.Run("M219 resource_metadata", func(t *testing.T) {
		t.Skip("RFC 9728 resource_metadata belongs to a later issue (behaviour.md §6 \"Protected-resource metadata\")")
	})
}

// TestCatalogMKeysUnavailable: a Verifier whose JWKS answers 500 from the
// start has no usable key set; a token that needs a key is answered 503
// with Retry-After, never invalid_token (behaviour.md §4, threats.md §0.1).
func TestCatalogMKeysUnavailable(t *testing.T) {
	env := newCatEnv(t)
	env.srv.status.Store(http.StatusInternalServerError)
	app := newCatApp(t, env)
	good := env.token(t, env.keys.k1)

	ex := app.send(t, catRequest{auth: []string{"Bearer " + good}})
	assert.Equal(t, http.StatusServiceUnavailable, ex.status)
	retry, err := strconv.Atoi(ex.header.Get("Retry-After"))
	require.NoError(t, err, "Retry-After is delta-seconds: %q", ex.header.Get("Retry-After"))
	assert.GreaterOrEqual(t, retry, 1)
	assert.Equal(t, ContentType, ex.header.Get("Content-Type"))
	for name, values := range ex.header {
		for _, v := range values {
			assert.NotContains(t, v, "invalid_token", "header %s", name)
			assert.NotContains(t, v, good, "header %s", name)
		}
	}
	var body map[string]string
	require.NoError(t, json.Unmarshal(ex.body, &body))
	assert.Len(t, body, 2)
	assert.NotEqual(t, "invalid_token", body["error"])
	assert.NotEmpty(t, body["error_description"])
	assert.NotContains(t, string(ex.body), good)

	// Requests that need no key are still judged: no credentials 401∅, a
	// structurally broken token 401 IT, a safe method passes.
	catCheckResponse(t, app.send(t, catRequest{}), cat401, nil)
	catCheckResponse(t, app.send(t, catRequest{auth: []string{"Bearer a.b"}}), cat401IT, nil)
	catCheckResponse(t, app.send(t, catRequest{method: http.MethodOptions, path: "/preflight"}), cat200, nil)
	again := app.send(t, catRequest{auth: []string{"Bearer " + good}})
	assert.Equal(t, http.StatusServiceUnavailable, again.status)
	// Both verifiers of the app fetched once; requests do not hammer the
	// issuer within MinRefreshInterval.
	assert.LessOrEqual(t, env.srv.requests.Load(), int64(2))
}
