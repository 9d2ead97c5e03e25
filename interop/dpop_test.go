package interop

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axiomsgo/axioms/core"
)

// dpopAlgs are the proof algorithms the DPoP client runs with, one key
// (and one token) each.
var dpopAlgs = []string{"ES256", "Ed25519", "PS256"}

// dpopExchange is one request of node/dpop-client.mjs and its answer.
type dpopExchange struct {
	Alg             string `json:"alg"`
	App             string `json:"app"`
	Step            string `json:"step"`
	Method          string `json:"method"`
	URL             string `json:"url"`
	Scheme          string `json:"authorization_scheme"`
	Proof           string `json:"proof"`
	Status          int    `json:"status"`
	WWWAuthenticate string `json:"www_authenticate"`
	DPoPNonce       string `json:"dpop_nonce"`
	Body            string `json:"body"`
}

// runDPoPClient runs node/dpop-client.mjs (panva's dpop package) against
// op's token endpoint and apps, and returns the thumbprint of each
// algorithm's key and every exchange.
func runDPoPClient(t *testing.T, op *oidcProvider, resource, scope string, apps []httpApp) (map[string]string, []dpopExchange) {
	t.Helper()
	dir := requireEnv(t, "OIDC_PROVIDER_DIR", "interop/node after `npm ci`")
	_, err := os.Stat(filepath.Join(dir, "node_modules/dpop/package.json"))
	require.NoError(t, err, "the dpop package is not installed in %s (run `npm ci` there)", dir)
	appsJSON, err := json.Marshal(apps)
	require.NoError(t, err)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "dpop-client.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NODE_ENV=test", "TOKEN_ENDPOINT="+op.TokenEndpoint, "CLIENT_ID="+op.ClientID,
		"CLIENT_SECRET="+op.ClientSecret, "RESOURCE="+resource, "SCOPE="+scope, "ALGS="+strings.Join(dpopAlgs, ","),
		"APPS="+string(appsJSON))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	out, runErr := cmd.Output()
	var transcript struct {
		Thumbprints map[string]string `json:"thumbprints"`
		Exchanges   []dpopExchange    `json:"exchanges"`
		Error       string            `json:"error"`
	}
	line, ok := strings.CutPrefix(strings.TrimSpace(string(out)), "TRANSCRIPT ")
	require.True(t, ok, "no TRANSCRIPT line (%v); stdout:\n%s\nstderr:\n%s", runErr, out, stderr.String())
	require.NoError(t, json.Unmarshal([]byte(line), &transcript))
	require.Empty(t, transcript.Error, "the DPoP client failed; exchanges so far: %+v", transcript.Exchanges)
	require.NoError(t, runErr, "stderr:\n%s", stderr.String())
	t.Logf("dpop-client.mjs: %d exchanges in %s", len(transcript.Exchanges), time.Since(start).Round(time.Millisecond))
	return transcript.Thumbprints, transcript.Exchanges
}

// TestOIDCProviderDPoP runs a real DPoP client flow: node/dpop-client.mjs,
// built on panva's dpop package (proofs the project does not mint), gets
// DPoP-bound access tokens from node oidc-provider (its dPoP feature:
// token_type DPoP, cnf.jkt) with a proof for the token request, for each
// of an ES256, an Ed25519 and a PS256 key, and calls every HTTP adapter's
// app with them: once with DPoP allowed, once with DPoP required and
// server nonces. A fresh proof is accepted, its replay and the token sent
// as a bearer token are refused, policies answer on the DPoP challenge,
// and a use_dpop_nonce answer is followed by the library-made retry that
// succeeds.
func TestOIDCProviderDPoP(t *testing.T) {
	t.Parallel()
	op := startOIDCProvider(t)
	cfg := core.Config{Issuer: op.Issuer, JWKSURL: op.JWKSURI, Audiences: []string{rsES256}}
	allowed, required := cfg, cfg
	allowed.DPoP = core.DPoPConfig{Mode: core.DPoPAllowed}
	required.DPoP = core.DPoPConfig{Mode: core.DPoPRequired, Nonce: true}
	var apps []httpApp
	for _, set := range []struct {
		name string
		cfg  core.Config
	}{{"allowed", allowed}, {"required+nonce", required}} {
		for _, a := range newHTTPApps(t, set.cfg, nil) {
			apps = append(apps, httpApp{Name: set.name + "/" + a.Name, URL: a.URL})
		}
	}

	thumbprints, log := runDPoPClient(t, op, rsES256, "write:data openid", apps)
	byStep := map[[3]string][]dpopExchange{}
	for _, e := range log {
		k := [3]string{e.Alg, e.App, e.Step}
		byStep[k] = append(byStep[k], e)
	}

	for _, alg := range dpopAlgs {
		t.Run(alg, func(t *testing.T) {
			checkDPoPToken(t, op, byStep[[3]string{alg, "", "token"}], thumbprints[alg])
			for _, a := range apps {
				t.Run(a.Name, func(t *testing.T) {
					step := func(name string) []dpopExchange { return byStep[[3]string{alg, a.Name, name}] }
					nonces := strings.HasPrefix(a.Name, "required+nonce/")
					fresh := step("fresh")
					if nonces {
						require.Len(t, fresh, 2, "a use_dpop_nonce answer, then the retry")
						first := fresh[0]
						assert.Equal(t, http.StatusUnauthorized, first.Status, first.Body)
						assert.Equal(t, "use_dpop_nonce", dpopChallengeParams(t, first.WWWAuthenticate)["error"], first.WWWAuthenticate)
						assert.NotEmpty(t, first.DPoPNonce, "a fresh DPoP-Nonce")
						fresh = fresh[1:]
					}
					require.Len(t, fresh, 1)
					assertDPoPAccepted(t, fresh[0], op.ClientID)

					replay := onlyOne(t, step("replay"))
					assert.Equal(t, fresh[0].Proof, replay.Proof, "the same proof again")
					assertDPoPRefused(t, replay, http.StatusUnauthorized, "invalid_dpop_proof")

					bearer := onlyOne(t, step("bearer"))
					assert.Equal(t, "Bearer", bearer.Scheme)
					assert.Equal(t, http.StatusUnauthorized, bearer.Status, "the DPoP-bound token as a bearer token: %s", bearer.Body)
					if nonces { // required: Bearer is no usable credential, only DPoP is offered
						assert.True(t, strings.HasPrefix(bearer.WWWAuthenticate, "DPoP "), bearer.WWWAuthenticate)
						assert.NotContains(t, bearer.WWWAuthenticate, "Bearer")
					} else {
						assert.True(t, strings.HasPrefix(bearer.WWWAuthenticate, `Bearer realm="api", error="invalid_token"`), bearer.WWWAuthenticate)
					}

					// The nonce of the first answer is kept: later proofs carry it.
					assertDPoPAccepted(t, onlyOne(t, step("write")), op.ClientID)
					assertDPoPRefused(t, onlyOne(t, step("read")), http.StatusForbidden, "insufficient_scope")
				})
			}
		})
	}
}

// checkDPoPToken asserts the token exchange: a proof was sent, the answer
// is a DPoP token (RFC 9449 §5) whose cnf.jkt is the key's thumbprint.
func checkDPoPToken(t *testing.T, op *oidcProvider, log []dpopExchange, thumbprint string) {
	t.Helper()
	e := onlyOne(t, log)
	require.Equal(t, http.StatusOK, e.Status, e.Body)
	require.NotEmpty(t, e.Proof, "the token request carried a proof")
	var tr struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
	}
	require.NoError(t, json.Unmarshal([]byte(e.Body), &tr))
	assert.Equal(t, "DPoP", tr.TokenType, "RFC 9449 §5: a DPoP-bound token")
	header, claims := jwtParts(t, tr.AccessToken)
	assert.Equal(t, "at+jwt", header["typ"])
	assert.Equal(t, op.Issuer, claims["iss"])
	require.NotEmpty(t, thumbprint)
	assert.Equal(t, map[string]any{"jkt": thumbprint}, claims["cnf"], "cnf.jkt is the thumbprint of the client's key")
}

func onlyOne(t *testing.T, log []dpopExchange) dpopExchange {
	t.Helper()
	require.Len(t, log, 1)
	return log[0]
}

func assertDPoPAccepted(t *testing.T, e dpopExchange, sub string) {
	t.Helper()
	assert.Equal(t, "DPoP", e.Scheme)
	if assert.Equal(t, http.StatusOK, e.Status, "%s %s: %s %s", e.Method, e.URL, e.WWWAuthenticate, e.Body) {
		assert.Empty(t, e.WWWAuthenticate)
		var body map[string]any
		require.NoError(t, json.Unmarshal([]byte(e.Body), &body))
		assert.Equal(t, sub, body["sub"])
	}
}

// assertDPoPRefused asserts status and the error code on the DPoP
// challenge (RFC 9449 §7.1: the scheme the request used) and in the body.
func assertDPoPRefused(t *testing.T, e dpopExchange, status int, code string) {
	t.Helper()
	assert.Equal(t, status, e.Status, "%s %s: %s", e.Method, e.URL, e.Body)
	params := dpopChallengeParams(t, e.WWWAuthenticate)
	assert.Equal(t, code, params["error"], e.WWWAuthenticate)
	assert.NotEmpty(t, params["algs"], "the DPoP challenge lists algs")
	var body map[string]any
	require.NoError(t, json.Unmarshal([]byte(e.Body), &body), e.Body)
	assert.Equal(t, code, body["error"])
}

// dpopChallengeParams reads the parameters of the DPoP challenge of a
// WWW-Authenticate value (after a Bearer one, if any).
func dpopChallengeParams(t *testing.T, h string) map[string]string {
	t.Helper()
	i := strings.Index(h, "DPoP ")
	require.GreaterOrEqual(t, i, 0, "no DPoP challenge in %q", h)
	params := map[string]string{}
	for _, m := range challengeParam.FindAllStringSubmatch(h[i+len("DPoP "):], -1) {
		params[m[1]] = strings.NewReplacer(`\"`, `"`, `\\`, `\`).Replace(m[2])
	}
	return params
}
