package conformance

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"mime"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var discardLogger = slog.New(slog.DiscardHandler)

// request is one request of the suite.
type request struct {
	method, path string
	auth         []string // Authorization header values, in order
	body         string   // sent as application/json (or contentType) when not empty
	contentType  string
	host         string       // the Host header, when not the server's
	header       http.Header  // more request headers
	chunked      bool         // send the body without a Content-Length
	client       *http.Client // nil: the suite's (a TLS client with or without a certificate)
}

// response is what came back.
type response struct {
	status int
	header http.Header
	body   []byte
	// metadata is the resource_metadata every challenge of the answer must
	// carry ("": none); doAt sets it for the default Host header.
	metadata string
}

func (r response) String() string {
	return fmt.Sprintf("%d %v %s", r.status, r.header, r.body)
}

// bearer returns the Authorization values of a bearer token.
func bearer(token string) []string { return []string{"Bearer " + token} }

// as returns the Authorization values of a persona ("" for none).
func (s *suite) as(persona string) []string {
	if persona == "" {
		return nil
	}
	return bearer(s.tokens[persona])
}

// send performs rq; it is safe to call from several goroutines.
func (s *suite) send(base string, rq request) (response, error) {
	var body io.Reader
	if rq.body != "" {
		body = strings.NewReader(rq.body)
		if rq.chunked {
			body = io.MultiReader(body) // a reader of unknown length
		}
	}
	req, err := http.NewRequest(rq.method, base+rq.path, body)
	if err != nil {
		return response{}, err
	}
	if rq.body != "" {
		req.Header.Set("Content-Type", cmp.Or(rq.contentType, "application/json"))
	}
	if rq.auth != nil {
		req.Header["Authorization"] = rq.auth
	}
	maps.Copy(req.Header, rq.header)
	if rq.host != "" {
		req.Host = rq.host
	}
	resp, err := cmp.Or(rq.client, s.client).Do(req)
	if err != nil {
		return response{}, fmt.Errorf("%s %s: %w", rq.method, rq.path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return response{}, fmt.Errorf("%s %s: reading body: %w", rq.method, rq.path, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// do performs rq against the suite's server and checks that no token text
// is echoed.
func (s *suite) do(t testing.TB, rq request) response {
	t.Helper()
	return s.doAt(t, s.base, rq)
}

func (s *suite) doAt(t testing.TB, base string, rq request) response {
	t.Helper()
	resp, err := s.send(base, rq)
	require.NoError(t, err, "the server must answer (the behaviour contract §2: never drop the connection)")
	checkNoEcho(t, rq, resp)
	resp.metadata = s.metadataURL(base)
	return resp
}

// checkNoEcho fails when any token text sent in rq appears in the answer
// (the behaviour contract §4: descriptions never echo attacker-controlled text).
func checkNoEcho(t testing.TB, rq request, resp response) {
	t.Helper()
	var headers strings.Builder
	for name, vals := range resp.header {
		fmt.Fprintf(&headers, "%s: %s\n", name, strings.Join(vals, ", "))
	}
	for _, a := range rq.auth {
		for _, field := range strings.FieldsFunc(a, func(r rune) bool { return r == ' ' || r == '.' }) {
			if len(field) < 8 || strings.EqualFold(field, "bearer") {
				continue
			}
			assert.NotContains(t, string(resp.body), field, "token text echoed in the body")
			assert.NotContains(t, headers.String(), field, "token text echoed in a header")
		}
	}
}

// expectJSON checks a success answer: status, JSON media type and a JSON
// body (none for 204). It returns the decoded body.
func expectJSON(t testing.TB, resp response, status int) any {
	t.Helper()
	require.Equal(t, status, resp.status, "status; answer: %s", resp)
	if status == http.StatusNoContent {
		assert.Empty(t, resp.body, "204 has no body")
		return nil
	}
	assertJSONType(t, resp)
	var v any
	require.NoError(t, json.Unmarshal(resp.body, &v), "body is not JSON: %s", resp.body)
	return v
}

func assertJSONType(t testing.TB, resp response) {
	t.Helper()
	mt, _, err := mime.ParseMediaType(resp.header.Get("Content-Type"))
	assert.NoError(t, err, "Content-Type %q", resp.header.Get("Content-Type"))
	assert.Equal(t, "application/json", mt, "Content-Type")
}

// expectItem checks a JSON Item answer and returns it.
func expectItem(t testing.TB, resp response, status int) Item {
	t.Helper()
	expectJSON(t, resp, status)
	var it Item
	require.NoError(t, json.Unmarshal(resp.body, &it))
	assert.NotEmpty(t, it.ID, "item id")
	return it
}

// expectAppError checks an application error (404 not_found, 400
// invalid_request from the route itself): status and {"error": code}.
func expectAppError(t testing.TB, resp response, status int, code string) {
	t.Helper()
	require.Equal(t, status, resp.status, "status; answer: %s", resp)
	assertJSONType(t, resp)
	var body map[string]any
	require.NoError(t, json.Unmarshal(resp.body, &body), "body is not a JSON object: %s", resp.body)
	assert.Equal(t, code, body["error"], "body error")
}

// Challenge expectations for expectError's scope argument.
const (
	noScope      = ""  // the challenge must not carry scope
	scopeIgnored = "?" // the challenge may or may not carry scope
)

// expectNoCredentials checks the answer to a request without credentials:
// 401 with a challenge of realm="api", resource_metadata="..." and, when
// scope is given, scope="<scope>" (the scopes of the route's policy) only
// (RFC 6750 §3.1: no error attribute; RFC 9728 §5.1).
func expectNoCredentials(t testing.TB, resp response, scope ...string) {
	t.Helper()
	require.Equal(t, http.StatusUnauthorized, resp.status, "status; answer: %s", resp)
	params, _ := checkErrorShape(t, resp)
	want := map[string]string{"realm": "api"}
	if resp.metadata != "" {
		want["resource_metadata"] = resp.metadata
	}
	if len(scope) > 0 && scope[0] != "" {
		want["scope"] = scope[0]
	}
	assert.Equal(t, want, params, "challenge without credentials: realm and resource_metadata only, no error attribute; answer: %s", resp)
}

// expectError checks an RFC 6750 error answer: status, error code in the
// challenge and the body, the description when desc is not empty, and the
// scope attribute (noScope: absent; scopeIgnored: not checked; otherwise
// exactly that space-separated list).
func expectError(t testing.TB, resp response, status int, code, desc, scope string) {
	t.Helper()
	require.Equal(t, status, resp.status, "status; answer: %s", resp)
	params, body := checkErrorShape(t, resp)
	assert.Equal(t, code, params["error"], "challenge error; answer: %s", resp)
	assert.Equal(t, code, body["error"], "body error")
	if desc != "" {
		assert.Equal(t, desc, params["error_description"], "challenge error_description")
	}
	switch scope {
	case scopeIgnored:
	case noScope:
		assert.NotContains(t, params, "scope", "challenge scope (only scope rules name scopes)")
	default:
		assert.Equal(t, scope, params["scope"], "challenge scope")
	}
}

// checkErrorShape checks what every 400/401/403 shares (the behaviour contract §4
// and §6): exactly one WWW-Authenticate, a Bearer challenge with realm="api"
// once, resource_metadata equal to resp.metadata (absent when that is
// empty) and every value quoted, a JSON body of exactly
// {"error","error_description"} agreeing with the challenge. It returns the
// challenge parameters and the body.
func checkErrorShape(t testing.TB, resp response) (map[string]string, map[string]any) {
	t.Helper()
	vals := resp.header.Values("WWW-Authenticate")
	require.Len(t, vals, 1, "exactly one WWW-Authenticate; answer: %s", resp)
	params, err := parseChallenge(vals[0])
	require.NoError(t, err, "WWW-Authenticate %q", vals[0])
	assert.Equal(t, "api", params["realm"], "realm")
	if resp.metadata == "" {
		assert.NotContains(t, params, "resource_metadata", "no resource_metadata; answer: %s", resp)
	} else {
		assert.Equal(t, resp.metadata, params["resource_metadata"], "resource_metadata (RFC 9728 §5.1); answer: %s", resp)
	}
	body := checkErrorBody(t, resp)
	if code, ok := params["error"]; ok {
		assert.Equal(t, code, body["error"], "body error = challenge error")
		assert.Equal(t, params["error_description"], body["error_description"],
			"body error_description = challenge error_description")
	}
	return params, body
}

// checkErrorBody checks a JSON body of exactly two non-empty strings,
// "error" and "error_description".
func checkErrorBody(t testing.TB, resp response) map[string]any {
	t.Helper()
	assertJSONType(t, resp)
	var body map[string]any
	require.NoError(t, json.Unmarshal(resp.body, &body), "error body is not a JSON object: %s", resp.body)
	assert.Len(t, body, 2, "error body has exactly error and error_description: %s", resp.body)
	for _, k := range []string{"error", "error_description"} {
		s, ok := body[k].(string)
		assert.True(t, ok && s != "", "error body %q is a non-empty string: %s", k, resp.body)
	}
	return body
}

// parseChallenge parses one RFC 6750 §3 challenge, `Bearer` followed by
// comma-separated auth-params whose values are all quoted strings (without
// escapes: core never needs them). A repeated parameter is an error.
func parseChallenge(h string) (map[string]string, error) {
	rest, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		return nil, fmt.Errorf("scheme is not Bearer")
	}
	params := map[string]string{}
	for rest != "" {
		name, after, ok := strings.Cut(rest, "=")
		if !ok || name == "" || strings.ContainsAny(name, " ,\"") {
			return nil, fmt.Errorf("malformed parameter at %q", rest)
		}
		if !strings.HasPrefix(after, `"`) {
			return nil, fmt.Errorf("parameter %s is not quoted", name)
		}
		value, tail, ok := strings.Cut(after[1:], `"`)
		if !ok || strings.ContainsRune(value, '\\') {
			return nil, fmt.Errorf("parameter %s: bad quoted string", name)
		}
		if _, dup := params[name]; dup {
			return nil, fmt.Errorf("parameter %s repeated", name)
		}
		params[name] = value
		if tail != "" {
			if rest, ok = strings.CutPrefix(tail, ", "); !ok || rest == "" {
				return nil, fmt.Errorf("malformed separator at %q", tail)
			}
		} else {
			rest = ""
		}
	}
	if _, ok := params["realm"]; !ok {
		return nil, fmt.Errorf("no realm")
	}
	return params, nil
}
