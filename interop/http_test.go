package interop

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axiomsgo/axioms/core"
)

// client sends every request of the tests; nothing is shared with the
// verifiers' own fetch clients.
var client = &http.Client{Timeout: 30 * time.Second}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// call is one request to an app and what must come back.
type call struct {
	method, path string
	status       int    // HTTP status; over gRPC the status its code stands for (see grpcStatus)
	err          string // RFC 6750 error code of the challenge; "" on success and for no credentials
	scope        string // scope="..." of the challenge, for insufficient_scope
	sub          string // for GET /me: the expected {"sub": ...}
}

// answer is an app's response, reduced to what the contract speaks of.
type answer struct {
	status      int               // HTTP status; over gRPC the one its status code stands for
	challenge   map[string]string // WWW-Authenticate parameters; nil without the header
	sub         string            // "sub" of the body (over gRPC, the x-subject header)
	description string            // error_description of the body (over gRPC, the status message)
	retryAfter  string            // the Retry-After header (over gRPC, the retry-after header)
	body        map[string]any    // the JSON body; nil over gRPC, which has none
}

// overHTTP makes an HTTP server of serve a transport: each request goes to
// its URL with the token as a bearer credential.
func overHTTP(serve httpServer) func(testing.TB, *core.Verifier) transport {
	return func(t testing.TB, v *core.Verifier) transport {
		t.Helper()
		return httpTransport(serve(t, v, nil))
	}
}

func httpTransport(base string) transport {
	return func(t testing.TB, method, path, token string) answer {
		t.Helper()
		req, err := http.NewRequest(method, base+path, nil)
		require.NoError(t, err)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := client.Do(req)
		require.NoError(t, err, "%s %s", method, base+path)
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		ans := answer{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After")}
		if h := resp.Header.Get("WWW-Authenticate"); h != "" {
			ans.challenge = parseChallenge(t, h)
		}
		if len(data) > 0 {
			require.NoError(t, json.Unmarshal(data, &ans.body), "%s %s: body %q is not JSON", method, base+path, data)
		}
		ans.sub, _ = ans.body["sub"].(string)
		ans.description, _ = ans.body["error_description"].(string)
		return ans
	}
}

// check sends the call with token to a and asserts the answer.
func (c call) check(t *testing.T, a app, token string) {
	t.Helper()
	got := a.send(t, c.method, c.path, token)
	where := fmt.Sprintf("%s %s via %s", c.method, c.path, a.name)
	if !assert.Equal(t, c.status, got.status, "%s: status (body %v, %q)", where, got.body, got.description) {
		return
	}
	if c.status == http.StatusOK {
		assert.Nil(t, got.challenge, "%s: no challenge on success", where)
		if c.sub != "" {
			assert.Equal(t, c.sub, got.sub, "%s: sub", where)
		}
		return
	}
	require.NotNil(t, got.challenge, "%s: WWW-Authenticate missing", where)
	assert.Equal(t, "api", got.challenge["realm"], "%s: realm", where)
	assert.Equal(t, c.err, got.challenge["error"], "%s: challenge error", where)
	assert.Equal(t, c.scope, got.challenge["scope"], "%s: challenge scope", where)
	assert.NotEmpty(t, got.description, "%s: error description", where)
	if c.err != "" { // without credentials the challenge has no error (RFC 6750 §3.1)
		assert.Equal(t, got.description, got.challenge["error_description"], "%s: error_description", where)
	}
	if got.body != nil {
		assert.Equal(t, cmp.Or(c.err, "unauthorized"), got.body["error"], "%s: body error", where)
	}
}

// checkAll runs every call through every app, in subtests named
// <app>/<method> <path>.
func checkAll(t *testing.T, apps []app, token string, calls ...call) {
	t.Helper()
	for _, a := range apps {
		for _, c := range calls {
			t.Run(a.name+"/"+c.method+" "+c.path, func(t *testing.T) { c.check(t, a, token) })
		}
	}
}

// everyRoute returns a call of every route expecting status and err.
func everyRoute(status int, err string) []call {
	calls := make([]call, 0, len(routes))
	for _, rt := range routes {
		calls = append(calls, call{method: rt.method, path: rt.path, status: status, err: err})
	}
	return calls
}

// checkRefusals sends no token, then token tampered with (tamper), to
// every route of every app: both are refused with 401, the first with a
// bare challenge, the second as an invalid token.
func checkRefusals(t *testing.T, apps []app, token string) {
	t.Helper()
	t.Run("no token", func(t *testing.T) { checkAll(t, apps, "", everyRoute(http.StatusUnauthorized, "")...) })
	t.Run("tampered token", func(t *testing.T) {
		checkAll(t, apps, tamper(t, token), everyRoute(http.StatusUnauthorized, "invalid_token")...)
	})
}

var challengeParam = regexp.MustCompile(`([A-Za-z_]+)="((?:[^"\\]|\\.)*)"`)

// parseChallenge reads the parameters of a Bearer challenge (RFC 6750 §3).
func parseChallenge(t testing.TB, h string) map[string]string {
	t.Helper()
	rest, ok := strings.CutPrefix(h, "Bearer ")
	require.True(t, ok, "challenge %q does not start with Bearer", h)
	params := map[string]string{}
	for _, m := range challengeParam.FindAllStringSubmatch(rest, -1) {
		params[m[1]] = strings.NewReplacer(`\"`, `"`, `\\`, `\`).Replace(m[2])
	}
	return params
}

// jwtParts decodes the header and payload of a compact JWS, to state the
// shape of the tokens a server really issued (not to verify them).
func jwtParts(t testing.TB, token string) (header, payload map[string]any) {
	t.Helper()
	parts := strings.Split(token, ".")
	require.Len(t, parts, 3, "not a compact JWS: %.20s...", token)
	decode := func(s string) map[string]any {
		data, err := base64.RawURLEncoding.DecodeString(s)
		require.NoError(t, err)
		var m map[string]any
		require.NoError(t, json.Unmarshal(data, &m))
		return m
	}
	return decode(parts[0]), decode(parts[1])
}

// tamper returns token with every scope added to its payload after
// signing, header and signature unchanged: the signature no longer
// matches.
func tamper(t testing.TB, token string) string {
	t.Helper()
	_, claims := jwtParts(t, token)
	claims["scope"] = "read:data write:data openid admin"
	payload, err := json.Marshal(claims)
	require.NoError(t, err)
	parts := strings.Split(token, ".")
	return parts[0] + "." + base64.RawURLEncoding.EncodeToString(payload) + "." + parts[2]
}

// getJSON fetches url and decodes its JSON body.
func getJSON(t testing.TB, url string, v any) {
	t.Helper()
	resp, err := client.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	require.Equal(t, http.StatusOK, resp.StatusCode, "GET %s: %s", url, data)
	require.NoError(t, json.Unmarshal(data, v), "GET %s", url)
}

// doJSON sends a JSON body (nil for none) and decodes the JSON answer into
// out (nil to ignore it), requiring the status want.
func doJSON(t testing.TB, method, url string, in, out any, want int) {
	t.Helper()
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		require.NoError(t, err)
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, url, body)
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	require.Equal(t, want, resp.StatusCode, "%s %s: %s", method, url, data)
	if out != nil {
		require.NoError(t, json.Unmarshal(data, out), "%s %s", method, url)
	}
}

// postClientForm posts form to u as the client id, authenticating with
// HTTP Basic (client_secret_basic, RFC 6749 §2.3.1: both parts
// form-encoded), with the extra headers given as name, value pairs, and
// returns the answer's status, Content-Type and body.
func postClientForm(t testing.TB, u, id, secret string, form url.Values, headers ...string) (int, string, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header.Get("Content-Type"), data
}

// clientCredentials asks tokenURL for an access token with the
// client_credentials grant (RFC 6749 §4.4), authenticating with
// client_secret_basic.
func clientCredentials(t testing.TB, tokenURL, id, secret string, form url.Values) string {
	t.Helper()
	form.Set("grant_type", "client_credentials")
	status, _, data := postClientForm(t, tokenURL, id, secret, form)
	require.Equal(t, http.StatusOK, status, "token request %v: %s", form, data)
	var tr struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
	}
	require.NoError(t, json.Unmarshal(data, &tr))
	require.NotEmpty(t, tr.AccessToken, "token response %s", data)
	require.True(t, strings.EqualFold(tr.TokenType, "bearer"), "token_type %q", tr.TokenType)
	return tr.AccessToken
}
