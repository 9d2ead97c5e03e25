package examples_test

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axiomsgo/axioms/authtest"
	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/internal/redistest"
)

// dpopAlgs is the algs="..." of every DPoP challenge: core's default
// allow-list of proof algorithms.
const dpopAlgs = `algs="ES256 ES384 ES512 PS256 PS384 PS512 RS256 RS384 RS512 EdDSA Ed25519"`

// publicURL is the PUBLIC_URL of the servers behind a (pretended) proxy:
// the proofs' htu must name it, not the loopback URL.
const publicURL = "https://api.example.test"

// sendDPoP sends method url with Authorization: DPoP token ("" for no
// Authorization header) and one DPoP header per proof.
func sendDPoP(t *testing.T, client *http.Client, method, url, token string, proofs ...string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "DPoP "+token)
	}
	for _, p := range proofs {
		req.Header.Add("DPoP", p)
	}
	return do(t, client, req)
}

// mustProof mints dc's proof for method url carrying token (its ath).
func mustProof(t *testing.T, dc *authtest.DPoPClient, method, url, token string, opts ...authtest.ProofOption) string {
	t.Helper()
	proof, err := dc.Proof(method, url, token, opts...)
	require.NoError(t, err)
	return proof
}

func newDPoPClient(t *testing.T) *authtest.DPoPClient {
	t.Helper()
	dc, err := authtest.NewDPoPClient()
	require.NoError(t, err)
	return dc
}

// TestDPoP checks behaviour.md §7 on every example server, each started
// as a process with AXIOMS_DPOP (and AXIOMS_DPOP_NONCE, PUBLIC_URL),
// trusting an authtest issuer: a DPoP-bound token (cnf.jkt) with a fresh
// proof is accepted once, the proof's replay and the token sent as a
// bearer token are refused, and every 401 names the schemes the server
// takes.
func TestDPoP(t *testing.T) {
	iss := authtest.NewTestIssuer(t)
	dc := newDPoPClient(t)
	bound := iss.MustToken(t, "alice", authtest.BoundTo(dc))
	reader := iss.MustToken(t, "reader", authtest.BoundTo(dc), authtest.Scopes("read:data"))
	plain := iss.MustToken(t, "bob")
	trust := []string{"AXIOMS_ISS_URL=" + iss.URL(), "AXIOMS_AUDIENCE=" + iss.Audience()}
	env := func(extra ...string) []string { return append(append([]string{}, trust...), extra...) }

	for _, fw := range frameworks {
		t.Run(fw, func(t *testing.T) {
			t.Parallel()
			bin := binary(t, fw)

			t.Run("allowed", func(t *testing.T) {
				t.Parallel()
				base := startServer(t, bin, env("AXIOMS_DPOP=allowed")).url
				client := newClient(t)
				metadata := `resource_metadata="` + base + core.ProtectedResourcePath + `"`

				st, h, _ := send(t, client, http.MethodGet, base+"/me", "")
				assert.Equal(t, http.StatusUnauthorized, st)
				assert.Equal(t, `Bearer realm="api", `+metadata+`, DPoP realm="api", `+dpopAlgs+`, `+metadata,
					h.Get("WWW-Authenticate"), "no credentials: both schemes, no error (RFC 9449 §7.2)")

				proof := mustProof(t, dc, http.MethodGet, base+"/me", bound)
				st, _, body := sendDPoP(t, client, http.MethodGet, base+"/me", bound, proof)
				assert.Equal(t, http.StatusOK, st, body)
				assert.JSONEq(t, `{"sub":"alice"}`, body)

				st, h, body = sendDPoP(t, client, http.MethodGet, base+"/me", bound, proof)
				assert.Equal(t, http.StatusUnauthorized, st, "the same proof again: %s", body)
				assertDPoPError(t, h, body, "invalid_dpop_proof")
				assert.Contains(t, body, "replayed")

				st, h, body = send(t, client, http.MethodGet, base+"/me", bound)
				assert.Equal(t, http.StatusUnauthorized, st, "a DPoP-bound token as a bearer token: %s", body)
				assert.True(t, strings.HasPrefix(h.Get("WWW-Authenticate"), `Bearer realm="api", error="invalid_token"`),
					"the Bearer challenge carries the error: %s", h.Get("WWW-Authenticate"))
				assert.Contains(t, h.Get("WWW-Authenticate"), ", DPoP realm=\"api\", "+dpopAlgs)

				st, _, body = send(t, client, http.MethodGet, base+"/me", plain)
				assert.Equal(t, http.StatusOK, st, "allowed: a token without cnf stays a bearer token: %s", body)

				proof = mustProof(t, dc, http.MethodGet, base+"/admin/users", reader)
				st, h, body = sendDPoP(t, client, http.MethodGet, base+"/admin/users", reader, proof)
				assert.Equal(t, http.StatusForbidden, st, body)
				assertDPoPError(t, h, body, "insufficient_scope")

				one, two := mustProof(t, dc, http.MethodGet, base+"/me", bound), mustProof(t, dc, http.MethodGet, base+"/me", bound)
				st, _, body = sendDPoP(t, client, http.MethodGet, base+"/me", bound, one, two)
				assert.Equal(t, http.StatusBadRequest, st, "two DPoP headers: %s", body)
				assert.Contains(t, body, `"invalid_request"`)
			})

			t.Run("required", func(t *testing.T) {
				t.Parallel()
				base := startServer(t, bin, env("AXIOMS_DPOP=required")).url
				client := newClient(t)
				metadata := `resource_metadata="` + base + core.ProtectedResourcePath + `"`
				only := `DPoP realm="api", ` + dpopAlgs + `, ` + metadata

				st, h, _ := send(t, client, http.MethodGet, base+"/me", "")
				assert.Equal(t, http.StatusUnauthorized, st)
				assert.Equal(t, only, h.Get("WWW-Authenticate"), "no credentials: the DPoP challenge only")

				st, h, body := send(t, client, http.MethodGet, base+"/me", plain)
				assert.Equal(t, http.StatusUnauthorized, st, "required: a bearer token is refused: %s", body)
				assert.Equal(t, only, h.Get("WWW-Authenticate"), "Bearer is no usable credential: the DPoP challenge only")

				proof := mustProof(t, dc, http.MethodGet, base+"/me", bound)
				st, _, body = sendDPoP(t, client, http.MethodGet, base+"/me", bound, proof)
				assert.Equal(t, http.StatusOK, st, body)
				assert.JSONEq(t, `{"sub":"alice"}`, body)
			})

			t.Run("nonce and PUBLIC_URL", func(t *testing.T) {
				t.Parallel()
				base := startServer(t, bin, env("AXIOMS_DPOP=allowed", "AXIOMS_DPOP_NONCE=true", "PUBLIC_URL="+publicURL)).url
				client := newClient(t)

				proof := mustProof(t, dc, http.MethodGet, publicURL+"/me", bound)
				st, h, body := sendDPoP(t, client, http.MethodGet, base+"/me", bound, proof)
				assert.Equal(t, http.StatusUnauthorized, st, "no nonce: %s", body)
				assertDPoPError(t, h, body, "use_dpop_nonce")
				require.Len(t, h.Values("DPoP-Nonce"), 1, "one fresh nonce (RFC 9449 §8)")
				nonce := h.Get("DPoP-Nonce")
				require.NotEmpty(t, nonce)
				assert.Contains(t, h.Get("WWW-Authenticate"), `resource_metadata="`+publicURL+core.ProtectedResourcePath+`"`)

				proof = mustProof(t, dc, http.MethodGet, base+"/me", bound, authtest.ProofNonce(nonce))
				st, h, body = sendDPoP(t, client, http.MethodGet, base+"/me", bound, proof)
				assert.Equal(t, http.StatusUnauthorized, st, "htu is the loopback URL, not PUBLIC_URL: %s", body)
				assertDPoPError(t, h, body, "invalid_dpop_proof")

				proof = mustProof(t, dc, http.MethodGet, publicURL+"/me", bound, authtest.ProofNonce(nonce))
				st, _, body = sendDPoP(t, client, http.MethodGet, base+"/me", bound, proof)
				assert.Equal(t, http.StatusOK, st, "the retry with the nonce, htu PUBLIC_URL/me: %s", body)
				assert.JSONEq(t, `{"sub":"alice"}`, body)
			})
		})
	}
}

// assertDPoPError asserts that a refused DPoP request got the error code
// on its DPoP challenge (with algs) and in its JSON body.
func assertDPoPError(t *testing.T, h http.Header, body, code string) {
	t.Helper()
	challenge := h.Get("WWW-Authenticate")
	_, dpop, ok := strings.Cut(challenge, "DPoP ")
	if assert.True(t, ok, "a DPoP challenge: %q", challenge) {
		assert.Contains(t, dpop, dpopAlgs, challenge)
		assert.Contains(t, dpop, `error="`+code+`"`, challenge)
	}
	assert.Contains(t, body, `"error":"`+code+`"`)
}

// TestDPoPReplicasShareRedis runs two replicas of every example server
// behind the same PUBLIC_URL (as behind a load balancer) with the same
// AXIOMS_DPOP_REPLAY_REDIS, a real redis-server on loopback: a proof one
// replica accepted is refused by the other. Without Redis each replica
// remembers only its own proofs and the replay goes through (the control
// that shows the shared store is what refuses it); with Redis down a DPoP
// request gets 503, never 200.
func TestDPoPReplicasShareRedis(t *testing.T) {
	rds := redistest.Start(t)
	iss := authtest.NewTestIssuer(t)
	dc := newDPoPClient(t)
	bound := iss.MustToken(t, "alice", authtest.BoundTo(dc))
	plain := iss.MustToken(t, "bob")
	behindProxy := []string{"AXIOMS_ISS_URL=" + iss.URL(), "AXIOMS_AUDIENCE=" + iss.Audience(),
		"AXIOMS_DPOP=allowed", "PUBLIC_URL=" + publicURL}
	htu := publicURL + "/me"

	for i, fw := range frameworks {
		t.Run(fw, func(t *testing.T) {
			t.Parallel()
			bin := binary(t, fw)
			client := newClient(t)
			shared := append(append([]string{}, behindProxy...), "AXIOMS_DPOP_REPLAY_REDIS="+rds.URL(i))
			a, b := startServer(t, bin, shared).url, startServer(t, bin, shared).url

			proof := mustProof(t, dc, http.MethodGet, htu, bound)
			st, _, body := sendDPoP(t, client, http.MethodGet, a+"/me", bound, proof)
			require.Equal(t, http.StatusOK, st, "replica A takes a fresh proof: %s", body)
			st, h, body := sendDPoP(t, client, http.MethodGet, b+"/me", bound, proof)
			assert.Equal(t, http.StatusUnauthorized, st, "replica B refuses A's proof: %s", body)
			assertDPoPError(t, h, body, "invalid_dpop_proof")
			assert.Contains(t, body, "replayed")

			proof = mustProof(t, dc, http.MethodGet, htu, bound)
			st, _, body = sendDPoP(t, client, http.MethodGet, b+"/me", bound, proof)
			assert.Equal(t, http.StatusOK, st, "replica B takes a fresh proof: %s", body)
			st, _, body = sendDPoP(t, client, http.MethodGet, a+"/me", bound, proof)
			assert.Equal(t, http.StatusUnauthorized, st, "replica A refuses B's proof: %s", body)

			down := append(append([]string{}, behindProxy...), "AXIOMS_DPOP_REPLAY_REDIS=redis://127.0.0.1:"+itoa(redistest.FreePort(t))+"/0")
			c := startServer(t, bin, down).url
			st, h, body = sendDPoP(t, client, http.MethodGet, c+"/me", bound, mustProof(t, dc, http.MethodGet, htu, bound))
			assert.Equal(t, http.StatusServiceUnavailable, st, "Redis down: the replay check cannot be made: %s", body)
			assert.NotEmpty(t, h.Get("Retry-After"))
			st, _, body = send(t, client, http.MethodGet, c+"/me", plain)
			assert.Equal(t, http.StatusOK, st, "a bearer token needs no replay check: %s", body)
		})
	}

	t.Run("control: replicas without Redis do not share", func(t *testing.T) {
		t.Parallel()
		bin := binary(t, "chi")
		client := newClient(t)
		a, b := startServer(t, bin, behindProxy).url, startServer(t, bin, behindProxy).url
		proof := mustProof(t, dc, http.MethodGet, htu, bound)
		st, _, body := sendDPoP(t, client, http.MethodGet, a+"/me", bound, proof)
		require.Equal(t, http.StatusOK, st, body)
		st, _, body = sendDPoP(t, client, http.MethodGet, b+"/me", bound, proof)
		assert.Equal(t, http.StatusOK, st, "each replica's own memory: B has not seen A's proof: %s", body)
		st, _, _ = sendDPoP(t, client, http.MethodGet, a+"/me", bound, proof)
		assert.Equal(t, http.StatusUnauthorized, st, "A has")
	})
}

// TestDPoPSettings: a bad DPoP setting stops every example server with an
// error naming the variable, never showing a Redis password; a replay
// store set while DPoP is off is named in a warning.
func TestDPoPSettings(t *testing.T) {
	const password = "s3cret-pw"
	for _, tc := range []struct {
		name  string
		env   []string
		names string
	}{
		{"AXIOMS_DPOP", []string{"AXIOMS_DPOP=sometimes"}, "AXIOMS_DPOP"},
		{"AXIOMS_DPOP_NONCE", []string{"AXIOMS_DPOP=allowed", "AXIOMS_DPOP_NONCE=maybe"}, "AXIOMS_DPOP_NONCE"},
		{"Redis URL scheme", []string{"AXIOMS_DPOP=allowed", "AXIOMS_DPOP_REPLAY_REDIS=http://u:" + password + "@127.0.0.1:6379/0"},
			"AXIOMS_DPOP_REPLAY_REDIS"},
		{"Redis URL database", []string{"AXIOMS_DPOP=required", "AXIOMS_DPOP_REPLAY_REDIS=redis://u:" + password + "@127.0.0.1:6379/x"},
			"AXIOMS_DPOP_REPLAY_REDIS"},
		{"Redis URL password with a slash", []string{"AXIOMS_DPOP=allowed", "AXIOMS_DPOP_REPLAY_REDIS=redis://u:" + password + "/x@127.0.0.1:6379/0"},
			"AXIOMS_DPOP_REPLAY_REDIS"},
		{"PUBLIC_URL", []string{"AXIOMS_DPOP=allowed", "PUBLIC_URL=http://api.example.test"}, "PUBLIC_URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, err := runToExit(t, binary(t, "chi"), tc.env)
			require.Error(t, err, "a bad setting stops the server: %s", out)
			assert.Contains(t, out, tc.names, "the error names the variable")
			assert.NotContains(t, out, password)
			assert.NotContains(t, out, "ready")
		})
	}
	t.Run("a replay store without DPoP", func(t *testing.T) {
		t.Parallel()
		srv := startServer(t, binary(t, "chi"), []string{"AXIOMS_DPOP_REPLAY_REDIS=redis://127.0.0.1:1/0"})
		assert.Regexp(t, `WARN .*variable=AXIOMS_DPOP_REPLAY_REDIS .*AXIOMS_DPOP is off`, srv.banner)
	})
}

// TestDevelopmentModeDPoP replays the DPoP requests of the development
// banner: with AXIOMS_DPOP=allowed the bearer commands work and the one
// DPoP command works once; with AXIOMS_DPOP=required every command is a
// DPoP request that works once, and its token is refused as a bearer
// token.
func TestDevelopmentModeDPoP(t *testing.T) {
	t.Run("allowed", func(t *testing.T) {
		t.Parallel()
		srv := startServer(t, binary(t, "chi"), []string{"AXIOMS_DPOP=allowed"})
		client := newClient(t)
		cmds := parseDPoPCurls(t, srv.banner)
		require.ElementsMatch(t, []string{"reader", "writer", "admin", "editor", "reader/dpop"}, keys(cmds), srv.banner)
		assert.Contains(t, srv.banner, "AXIOMS_DPOP=allowed")
		for persona, c := range cmds {
			if c.proof != "" {
				continue
			}
			st, _, body := send(t, client, c.method, c.url, c.token)
			assert.Equal(t, http.StatusOK, st, "%s: %s", persona, body)
		}
		c := cmds["reader/dpop"]
		assert.Equal(t, srv.url+"/me", c.url)
		st, _, body := sendDPoP(t, client, c.method, c.url, c.token, c.proof)
		assert.Equal(t, http.StatusOK, st, body)
		assert.JSONEq(t, `{"sub":"reader"}`, body)
		st, _, _ = sendDPoP(t, client, c.method, c.url, c.token, c.proof)
		assert.Equal(t, http.StatusUnauthorized, st, "once")
	})
	t.Run("required", func(t *testing.T) {
		t.Parallel()
		srv := startServer(t, binary(t, "chi"), []string{"AXIOMS_DPOP=required"})
		client := newClient(t)
		cmds := parseDPoPCurls(t, srv.banner)
		require.ElementsMatch(t, []string{"reader", "writer", "admin", "editor"}, keys(cmds), srv.banner)
		assert.Contains(t, srv.banner, "AXIOMS_DPOP=required")
		for persona, c := range cmds {
			require.NotEmpty(t, c.proof, "%s: a DPoP request", persona)
			st, _, body := send(t, client, c.method, c.url, c.token)
			assert.Equal(t, http.StatusUnauthorized, st, "%s as a bearer token: %s", persona, body)
			st, _, body = sendDPoP(t, client, c.method, c.url, c.token, c.proof)
			assert.Equal(t, http.StatusOK, st, "%s: %s", persona, body)
			st, _, _ = sendDPoP(t, client, c.method, c.url, c.token, c.proof)
			assert.Equal(t, http.StatusUnauthorized, st, "%s: once", persona)
		}
	})
	t.Run("PUBLIC_URL", func(t *testing.T) {
		t.Parallel()
		srv := startServer(t, binary(t, "chi"), []string{"AXIOMS_DPOP=required", "PUBLIC_URL=" + publicURL})
		c := parseDPoPCurls(t, srv.banner)["reader"]
		st, _, body := sendDPoP(t, newClient(t), c.method, c.url, c.token, c.proof)
		assert.Equal(t, http.StatusOK, st, "the banner's proofs name PUBLIC_URL: %s", body)
	})
}

var dpopCurlLine = regexp.MustCompile(`^curl -i(?: -X ([A-Z]+))? (https?://\S+) -H 'Authorization: DPoP ([A-Za-z0-9._~+/=-]+)' -H 'DPoP: ([A-Za-z0-9._-]+)'$`)

func itoa(n int) string { return strconv.Itoa(n) }

// parseDPoPCurls is parseCurls for a banner that may hold DPoP commands:
// the command after the prose on DPoP is the reader's, keyed reader/dpop.
func parseDPoPCurls(t *testing.T, banner string) map[string]curl {
	t.Helper()
	cmds := map[string]curl{}
	persona := ""
	for line := range strings.Lines(banner) {
		line = strings.TrimSpace(line)
		if name, ok := strings.CutPrefix(line, "# "); ok {
			persona, _, _ = strings.Cut(name, " ")
			continue
		}
		if strings.HasPrefix(line, "DPoP ") {
			persona = "reader/dpop"
		}
		if !strings.HasPrefix(line, "curl ") {
			continue
		}
		m := dpopCurlLine.FindStringSubmatch(line)
		if m == nil {
			m = curlLine.FindStringSubmatch(line)
			require.NotNil(t, m, "curl command: %s", line)
			m = append(m, "")
		}
		method := m[1]
		if method == "" {
			method = http.MethodGet
		}
		cmds[persona] = curl{method: method, url: m[2], token: m[3], proof: m[4]}
	}
	return cmds
}
