package conformance

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axiomsgo/axioms/adapters/exampleapi"
	"github.com/axiomsgo/axioms/authtest"
	"github.com/axiomsgo/axioms/core"
)

// dpopAlgs are the proof algorithms the suite's DPoP servers accept: the
// algs="ES256 PS256" of their challenges. authtest's DPoP client signs
// with ES256.
var dpopAlgs = []string{"ES256", "PS256"}

// dpopRun is the DPoP part of a run: the client keys and the tokens bound
// to them.
type dpopRun struct {
	s            *suite
	client       *authtest.DPoPClient
	bound        string // sub "dpop", bound to client: scope read:data, role admin
	boundNoScope string // sub "dpop", bound to client, no scope or role
	otherBound   string // bound to another client's key
}

// dpop checks DPoP (RFC 9449, the behaviour contract §7) through the
// adapter, over real HTTP with a real DPoP client, on servers of
// exampleapi.Routes whose verifier accepts DPoP: allowed, required,
// allowed with server nonces, and allowed with a public URL. Subtests are
// named after the rows of the threat catalog's section K.
func (s *suite) dpop(t *testing.T) {
	client, err := authtest.NewDPoPClient()
	require.NoError(t, err)
	other, err := authtest.NewDPoPClient()
	require.NoError(t, err)
	d := &dpopRun{s: s, client: client,
		bound:        s.iss.MustToken(t, "dpop", authtest.BoundTo(client), authtest.Scopes("read:data"), authtest.Roles("admin")),
		boundNoScope: s.iss.MustToken(t, "dpop", authtest.BoundTo(client)),
		otherBound:   s.iss.MustToken(t, "dpop", authtest.BoundTo(other)),
	}
	t.Run("allowed", func(t *testing.T) { d.start(t, core.DPoPConfig{Mode: core.DPoPAllowed}, "").allowed(t) })
	t.Run("required", func(t *testing.T) { d.start(t, core.DPoPConfig{Mode: core.DPoPRequired}, "").required(t) })
	t.Run("nonce", func(t *testing.T) { d.start(t, core.DPoPConfig{Mode: core.DPoPAllowed, Nonce: true}, "").nonce(t) })
	t.Run("public URL", func(t *testing.T) {
		d.start(t, core.DPoPConfig{Mode: core.DPoPAllowed, PublicURL: testPublicURL}, testPublicURL).publicURL(t)
	})
}

// dpopServer is one server of the DPoP rows.
type dpopServer struct {
	*dpopRun
	base string
	mode core.DPoPMode
}

// start serves exampleapi.Routes with a verifier of the suite's issuer
// and DPoP settings d (Algorithms: dpopAlgs), through Serve, with RFC 9728
// metadata at publicURL ("" to derive it from each request).
func (d *dpopRun) start(t *testing.T, dc core.DPoPConfig, publicURL string) dpopServer {
	t.Helper()
	require.NotNil(t, d.s.h.Serve, "conformance: the DPoP rows need Harness.Serve")
	cfg := d.s.iss.Config()
	dc.Algorithms = dpopAlgs
	cfg.DPoP = dc
	v := newVerifier(t, cfg)
	m, err := core.NewResourceMetadata(v.ProtectedResource(), publicURL)
	require.NoError(t, err)
	base := d.s.h.Serve(t, v, m, exampleapi.Routes(v), NoHook)
	d.s.publicURL[base] = publicURL
	t.Cleanup(d.s.client.CloseIdleConnections)
	return dpopServer{dpopRun: d, base: base, mode: dc.Mode}
}

// proof mints a proof of the suite's client for method and htu, bound to
// token.
func (d *dpopRun) proof(t testing.TB, method, htu, token string, opts ...authtest.ProofOption) string {
	t.Helper()
	p, err := d.client.Proof(method, htu, token, opts...)
	require.NoError(t, err)
	return p
}

// dpopAuth is the Authorization value of a DPoP request (RFC 9449 §7.1).
func dpopAuth(token string) []string { return []string{"DPoP " + token} }

// do sends rq to the server with the DPoP header values proofs and checks
// that no proof text is echoed (threat row 220).
func (d dpopServer) do(t testing.TB, rq request, proofs ...string) response {
	t.Helper()
	if rq.method == "" {
		rq.method = http.MethodGet
	}
	if rq.header == nil {
		rq.header = http.Header{}
	}
	if len(proofs) > 0 {
		rq.header["Dpop"] = proofs
	}
	resp := d.s.doAt(t, d.base, rq)
	for _, p := range proofs {
		for _, field := range strings.Split(p, ".") {
			if len(field) >= 8 {
				assert.NotContains(t, string(resp.body), field, "DPoP proof text echoed in the body")
				for _, vals := range resp.header {
					assert.NotContains(t, strings.Join(vals, " "), field, "DPoP proof text echoed in a header")
				}
			}
		}
	}
	return resp
}

// get sends GET path with Authorization: DPoP token and a fresh proof for
// the server's URL of path.
func (d dpopServer) get(t testing.TB, path, token string) response {
	t.Helper()
	return d.do(t, request{path: path, auth: dpopAuth(token)}, d.proof(t, http.MethodGet, d.url(path), token))
}

// url is the URL a proof's htu names for path: the server's base URL
// (its public URL, when it has one) followed by path without its query.
func (d dpopServer) url(path string) string {
	path, _, _ = strings.Cut(path, "?")
	if p := d.s.publicURL[d.base]; p != "" {
		return p + path
	}
	return d.base + path
}

// expectSub checks 200 {"sub": sub}.
func expectSub(t testing.TB, resp response, sub string) {
	t.Helper()
	assert.Equal(t, map[string]any{"sub": sub}, expectJSON(t, resp, http.StatusOK), "answer: %s", resp)
}

// Where expectChallenges expects the error attribute.
const (
	onBearer = "Bearer"
	onDPoP   = "DPoP"
	nowhere  = "" // a 401 without credentials: no error attribute
)

// expectChallenges checks a refusal of a server that accepts DPoP: the
// status; exactly one WWW-Authenticate holding the Bearer challenge and
// then the DPoP one (DPoPAllowed) or the DPoP one alone (DPoPRequired),
// each with realm="api" and the resource_metadata of the answer (RFC 9728
// §5.1), the DPoP one with algs="ES256 PS256" (RFC 9449 §7.1); the error
// code (and desc, when not "") on the challenge of scheme on and on no
// other (on nowhere: no error attribute at all); and a JSON body agreeing
// with the challenge. It returns the challenges' parameters by scheme.
func (d dpopServer) expectChallenges(t testing.TB, resp response, status int, on, code, desc string) map[string]map[string]string {
	t.Helper()
	require.Equal(t, status, resp.status, "status; answer: %s", resp)
	vals := resp.header.Values("WWW-Authenticate")
	require.Len(t, vals, 1, "exactly one WWW-Authenticate; answer: %s", resp)
	cs, err := parseChallenges(vals[0])
	require.NoError(t, err, "WWW-Authenticate %q", vals[0])
	want := []string{"Bearer", "DPoP"}
	if d.mode == core.DPoPRequired {
		want = []string{"DPoP"}
	}
	var schemes []string
	byScheme := map[string]map[string]string{}
	for _, c := range cs {
		schemes = append(schemes, c.scheme)
		byScheme[c.scheme] = c.params
	}
	require.Equal(t, want, schemes, "the challenges (RFC 9449 §7.1: Bearer and DPoP when both are accepted, DPoP alone when required); answer: %s", resp)
	body := checkErrorBody(t, resp)
	for scheme, p := range byScheme {
		assert.Equal(t, "api", p["realm"], "%s realm", scheme)
		assert.Equal(t, resp.metadata, p["resource_metadata"], "%s resource_metadata (RFC 9728 §5.1); answer: %s", scheme, resp)
		if scheme == "DPoP" {
			assert.Equal(t, strings.Join(dpopAlgs, " "), p["algs"], "DPoP algs (RFC 9449 §7.1)")
		} else {
			assert.NotContains(t, p, "algs", "algs is a DPoP parameter")
		}
		if scheme != on || code == "" {
			assert.NotContains(t, p, "error", "%s: no error attribute on this challenge; answer: %s", scheme, resp)
			assert.NotContains(t, p, "error_description", "%s", scheme)
			continue
		}
		assert.Equal(t, code, p["error"], "%s error; answer: %s", scheme, resp)
		if desc != "" {
			assert.Equal(t, desc, p["error_description"], "%s error_description", scheme)
		}
		assert.Equal(t, code, body["error"], "body error = challenge error")
		assert.Equal(t, p["error_description"], body["error_description"], "body error_description = challenge error_description")
	}
	if on != nowhere {
		assert.Contains(t, byScheme, on, "the error's challenge")
	}
	return byScheme
}

// allowed runs the rows of a DPoPAllowed server.
func (d dpopServer) allowed(t *testing.T) {
	s := d.s
	t.Run("K176 a DPoP request with a valid proof is accepted", func(t *testing.T) {
		expectSub(t, d.get(t, "/me", d.bound), "dpop")
		expectJSON(t, d.get(t, "/api/read", d.bound), http.StatusOK)
		resp := d.do(t, request{method: http.MethodPost, path: "/api/any", auth: dpopAuth(d.bound)},
			d.proof(t, http.MethodPost, d.url("/api/any"), d.bound))
		assert.Equal(t, map[string]any{"method": "POST"}, expectJSON(t, resp, http.StatusOK))
	})
	t.Run("K176 the scheme is case-insensitive", func(t *testing.T) {
		expectSub(t, d.do(t, request{path: "/me", auth: []string{"dpop " + d.bound}}, d.proof(t, http.MethodGet, d.url("/me"), d.bound)), "dpop")
	})
	t.Run("K188 the query is not part of htu", func(t *testing.T) {
		expectSub(t, d.do(t, request{path: "/me?page=2", auth: dpopAuth(d.bound)}, d.proof(t, http.MethodGet, d.url("/me"), d.bound)), "dpop")
	})
	t.Run("K189 the path as sent, normalised", func(t *testing.T) {
		// The item does not exist: 404 from the handler, after the Middleware accepted the request.
		for path, htu := range map[string]string{"/articles/a%20b": "/articles/a%20b", "/articles/%7euser": "/articles/~user"} {
			d.expectChallenges(t, d.do(t, request{path: path}), http.StatusUnauthorized, nowhere, "", "")
			resp := d.do(t, request{path: path, auth: dpopAuth(d.bound)}, d.proof(t, http.MethodGet, d.base+htu, d.bound))
			expectAppError(t, resp, http.StatusNotFound, "not_found")
		}
	})
	t.Run("K190 htu follows the Host header as sent", func(t *testing.T) {
		const host = "api.example.test:8443"
		resp := d.do(t, request{path: "/me", host: host, auth: dpopAuth(d.bound)}, d.proof(t, http.MethodGet, "http://"+host+"/me", d.bound))
		expectSub(t, resp, "dpop")
		resp = d.do(t, request{path: "/me", host: host, auth: dpopAuth(d.bound)}, d.proof(t, http.MethodGet, d.url("/me"), d.bound))
		resp.metadata = "http://" + host + core.ProtectedResourcePath
		d.expectChallenges(t, resp, http.StatusUnauthorized, onDPoP, "invalid_dpop_proof", "DPoP proof URL mismatch")
	})
	t.Run("K190 forwarding headers are never read for htu", func(t *testing.T) {
		forwarded := http.Header{
			"X-Forwarded-Host":  {"evil.example"},
			"X-Forwarded-Proto": {"https"},
			"X-Forwarded-Port":  {"443"},
			"Forwarded":         {"host=evil.example;proto=https"},
		}
		resp := d.do(t, request{path: "/me", header: forwarded.Clone(), auth: dpopAuth(d.bound)},
			d.proof(t, http.MethodGet, "https://evil.example/me", d.bound))
		d.expectChallenges(t, resp, http.StatusUnauthorized, onDPoP, "invalid_dpop_proof", "DPoP proof URL mismatch")
		resp = d.do(t, request{path: "/me", header: forwarded.Clone(), auth: dpopAuth(d.bound)}, d.proof(t, http.MethodGet, d.url("/me"), d.bound))
		expectSub(t, resp, "dpop")
	})
	t.Run("K187 htu of another scheme, host, port or path", func(t *testing.T) {
		u, err := url.Parse(d.base)
		require.NoError(t, err)
		for _, htu := range []string{
			"https://" + u.Host + "/me",
			"http://other.example:" + u.Port() + "/me",
			"http://" + u.Hostname() + ":1/me",
			d.url("/me/context"),
			d.url("/"),
			d.url("/ME"),
		} {
			resp := d.do(t, request{path: "/me", auth: dpopAuth(d.bound)}, d.proof(t, http.MethodGet, htu, d.bound))
			d.expectChallenges(t, resp, http.StatusUnauthorized, onDPoP, "invalid_dpop_proof", "DPoP proof URL mismatch")
		}
	})
	t.Run("K186 htm of another method", func(t *testing.T) {
		for _, htm := range []string{http.MethodPost, "get"} {
			resp := d.do(t, request{path: "/me", auth: dpopAuth(d.bound)}, d.proof(t, htm, d.url("/me"), d.bound))
			d.expectChallenges(t, resp, http.StatusUnauthorized, onDPoP, "invalid_dpop_proof", "DPoP proof method mismatch")
		}
	})
	t.Run("K193 a replayed proof is refused", func(t *testing.T) {
		p := d.proof(t, http.MethodGet, d.url("/me"), d.bound)
		expectSub(t, d.do(t, request{path: "/me", auth: dpopAuth(d.bound)}, p), "dpop")
		resp := d.do(t, request{path: "/me", auth: dpopAuth(d.bound)}, p)
		d.expectChallenges(t, resp, http.StatusUnauthorized, onDPoP, "invalid_dpop_proof", "DPoP proof replayed")
	})
	t.Run("K195 ath of another token", func(t *testing.T) {
		resp := d.do(t, request{path: "/me", auth: dpopAuth(d.bound)}, d.proof(t, http.MethodGet, d.url("/me"), d.boundNoScope))
		d.expectChallenges(t, resp, http.StatusUnauthorized, onDPoP, "invalid_dpop_proof", "DPoP proof access token hash mismatch")
	})
	t.Run("K191 K192 a proof outside its time window", func(t *testing.T) {
		for _, at := range []time.Time{time.Now().Add(-10 * time.Minute), time.Now().Add(10 * time.Minute)} {
			resp := d.do(t, request{path: "/me", auth: dpopAuth(d.bound)}, d.proof(t, http.MethodGet, d.url("/me"), d.bound, authtest.ProofIssuedAt(at)))
			d.expectChallenges(t, resp, http.StatusUnauthorized, onDPoP, "invalid_dpop_proof", "DPoP proof outside its time window")
		}
	})
	t.Run("K178 DPoP without a proof", func(t *testing.T) {
		d.expectChallenges(t, d.do(t, request{path: "/me", auth: dpopAuth(d.bound)}), http.StatusUnauthorized, onDPoP, "invalid_dpop_proof", "DPoP proof missing")
	})
	t.Run("K179 two DPoP headers are an invalid request", func(t *testing.T) {
		// The catalog says 401 invalid_dpop_proof; the behaviour contract §7 makes it 400.
		resp := d.do(t, request{path: "/me", auth: dpopAuth(d.bound)},
			d.proof(t, http.MethodGet, d.url("/me"), d.bound), d.proof(t, http.MethodGet, d.url("/me"), d.bound))
		d.expectChallenges(t, resp, http.StatusBadRequest, onDPoP, "invalid_request", "")
	})
	t.Run("K180 a proof that is not one compact JWS", func(t *testing.T) {
		p := d.proof(t, http.MethodGet, d.url("/me"), d.bound)
		for _, bad := range []string{"not-a-jwt", p + "," + p, p + ".x", `{"payload":"e30"}`} {
			resp := d.do(t, request{path: "/me", auth: dpopAuth(d.bound)}, bad)
			d.expectChallenges(t, resp, http.StatusUnauthorized, onDPoP, "invalid_dpop_proof", "")
		}
	})
	t.Run("K177 a DPoP-bound token sent as Bearer", func(t *testing.T) {
		for _, proofs := range [][]string{nil, {d.proof(t, http.MethodGet, d.url("/me"), d.bound)}} {
			resp := d.do(t, request{path: "/me", auth: bearer(d.bound)}, proofs...)
			d.expectChallenges(t, resp, http.StatusUnauthorized, onBearer, "invalid_token", "proof of possession required")
		}
	})
	t.Run("K196 a token bound to another key", func(t *testing.T) {
		d.expectChallenges(t, d.get(t, "/me", d.otherBound), http.StatusUnauthorized, onDPoP, "invalid_token", "DPoP key binding invalid")
	})
	t.Run("K197 a token without cnf sent as DPoP", func(t *testing.T) {
		d.expectChallenges(t, d.get(t, "/me", s.tokens["reader"]), http.StatusUnauthorized, onDPoP, "invalid_token", "DPoP key binding invalid")
	})
	t.Run("K198 a malformed token sent as DPoP", func(t *testing.T) {
		d.expectChallenges(t, d.get(t, "/me", "abc.def.ghi"), http.StatusUnauthorized, onDPoP, "invalid_token", "")
	})
	t.Run("K202 no credentials: both challenges, no error", func(t *testing.T) {
		d.expectChallenges(t, d.do(t, request{path: "/me"}), http.StatusUnauthorized, nowhere, "", "")
		d.expectChallenges(t, d.do(t, request{path: "/me", auth: []string{"Basic YWxpY2U6c2VjcmV0"}}), http.StatusUnauthorized, nowhere, "", "")
	})
	t.Run("K203 an invalid Bearer token: the error on the Bearer challenge", func(t *testing.T) {
		d.expectChallenges(t, d.do(t, request{path: "/me", auth: bearer("abc.def.ghi")}), http.StatusUnauthorized, onBearer, "invalid_token", "")
	})
	t.Run("a Bearer token without cnf is accepted", func(t *testing.T) {
		expectSub(t, d.do(t, request{path: "/me", auth: s.as("reader")}), "reader")
	})
	t.Run("Bearer and DPoP Authorization headers together are an invalid request", func(t *testing.T) {
		resp := d.do(t, request{path: "/me", auth: []string{"Bearer " + s.tokens["reader"], "DPoP " + d.bound}},
			d.proof(t, http.MethodGet, d.url("/me"), d.bound))
		d.expectChallenges(t, resp, http.StatusBadRequest, onBearer, "invalid_request", "")
	})
	t.Run("a policy not met is 403 on the DPoP challenge", func(t *testing.T) {
		p := d.expectChallenges(t, d.get(t, "/api/read", d.boundNoScope), http.StatusForbidden, onDPoP, "insufficient_scope", "")
		assert.Equal(t, "read:data admin", p["DPoP"]["scope"], "the rule's scopes")
	})
	t.Run("an anonymous route verifies the DPoP credentials present", func(t *testing.T) {
		expectSub(t, d.get(t, "/optional", d.bound), "dpop")
		resp := d.do(t, request{path: "/optional", auth: dpopAuth(d.bound)})
		d.expectChallenges(t, resp, http.StatusUnauthorized, onDPoP, "invalid_dpop_proof", "DPoP proof missing")
	})
}

// required runs the rows of a DPoPRequired server.
func (d dpopServer) required(t *testing.T) {
	s := d.s
	t.Run("K176 a DPoP request with a valid proof is accepted", func(t *testing.T) {
		expectSub(t, d.get(t, "/me", d.bound), "dpop")
	})
	t.Run("no credentials: the DPoP challenge alone", func(t *testing.T) {
		d.expectChallenges(t, d.do(t, request{path: "/me"}), http.StatusUnauthorized, nowhere, "", "")
	})
	t.Run("a Bearer token is no usable credential", func(t *testing.T) {
		for _, tok := range []string{s.tokens["reader"], d.bound, "abc.def.ghi"} {
			d.expectChallenges(t, d.do(t, request{path: "/me", auth: bearer(tok)}), http.StatusUnauthorized, nowhere, "", "")
		}
	})
	t.Run("K193 every error is on the DPoP challenge", func(t *testing.T) {
		p := d.proof(t, http.MethodGet, d.url("/me"), d.bound)
		expectSub(t, d.do(t, request{path: "/me", auth: dpopAuth(d.bound)}, p), "dpop")
		d.expectChallenges(t, d.do(t, request{path: "/me", auth: dpopAuth(d.bound)}, p), http.StatusUnauthorized, onDPoP,
			"invalid_dpop_proof", "DPoP proof replayed")
		d.expectChallenges(t, d.get(t, "/api/read", d.boundNoScope), http.StatusForbidden, onDPoP, "insufficient_scope", "")
	})
	t.Run("K179 two DPoP headers are an invalid request", func(t *testing.T) {
		resp := d.do(t, request{path: "/me", auth: dpopAuth(d.bound)},
			d.proof(t, http.MethodGet, d.url("/me"), d.bound), d.proof(t, http.MethodGet, d.url("/me"), d.bound))
		d.expectChallenges(t, resp, http.StatusBadRequest, onDPoP, "invalid_request", "")
	})
	t.Run("two Authorization headers are an invalid request", func(t *testing.T) {
		resp := d.do(t, request{path: "/me", auth: []string{"DPoP " + d.bound, "DPoP " + d.bound}}, d.proof(t, http.MethodGet, d.url("/me"), d.bound))
		d.expectChallenges(t, resp, http.StatusBadRequest, onDPoP, "invalid_request", "")
	})
}

// nonce runs the rows of a server that requires server nonces in proofs
// (RFC 9449 §9).
func (d dpopServer) nonce(t *testing.T) {
	s := d.s
	// useNonce checks a use_dpop_nonce answer and returns its one nonce.
	useNonce := func(t *testing.T, resp response) string {
		t.Helper()
		d.expectChallenges(t, resp, http.StatusUnauthorized, onDPoP, "use_dpop_nonce", "")
		nonces := resp.header.Values("DPoP-Nonce")
		require.Len(t, nonces, 1, "K201 exactly one DPoP-Nonce header (RFC 9449 §8); answer: %s", resp)
		require.NotEmpty(t, nonces[0])
		return nonces[0]
	}
	t.Run("K199 a proof without a nonce gets use_dpop_nonce and a nonce; the retry with it is accepted", func(t *testing.T) {
		nonce := useNonce(t, d.get(t, "/me", d.bound))
		for range 2 { // a nonce serves for several proofs in its window
			resp := d.do(t, request{path: "/me", auth: dpopAuth(d.bound)}, d.proof(t, http.MethodGet, d.url("/me"), d.bound, authtest.ProofNonce(nonce)))
			expectSub(t, resp, "dpop")
			assert.Empty(t, resp.header.Values("WWW-Authenticate"))
		}
	})
	t.Run("K200 a foreign nonce gets a fresh one", func(t *testing.T) {
		resp := d.do(t, request{path: "/me", auth: dpopAuth(d.bound)},
			d.proof(t, http.MethodGet, d.url("/me"), d.bound, authtest.ProofNonce("issued-by-someone-else")))
		fresh := useNonce(t, resp)
		resp = d.do(t, request{path: "/me", auth: dpopAuth(d.bound)}, d.proof(t, http.MethodGet, d.url("/me"), d.bound, authtest.ProofNonce(fresh)))
		expectSub(t, resp, "dpop")
	})
	t.Run("other refusals carry no nonce", func(t *testing.T) {
		for _, resp := range []response{
			d.do(t, request{path: "/me"}),
			d.do(t, request{path: "/me", auth: bearer("abc.def.ghi")}),
			d.do(t, request{path: "/me", auth: dpopAuth(d.bound)}),
		} {
			require.Equal(t, http.StatusUnauthorized, resp.status, "answer: %s", resp)
			assert.Empty(t, resp.header.Values("DPoP-Nonce"), "answer: %s", resp)
		}
	})
	t.Run("a Bearer token without cnf needs no nonce", func(t *testing.T) {
		expectSub(t, d.do(t, request{path: "/me", auth: s.as("reader")}), "reader")
	})
}

// publicURL runs the rows of a server with a public URL: htu is the
// public URL followed by the request path, whatever the Host header.
func (d dpopServer) publicURL(t *testing.T) {
	for _, host := range []string{"", "other.example", "bad_host.example"} {
		t.Run(fmt.Sprintf("K190 htu from the public URL, Host %q", host), func(t *testing.T) {
			resp := d.do(t, request{path: "/me", host: host, auth: dpopAuth(d.bound)},
				d.proof(t, http.MethodGet, testPublicURL+"/me", d.bound))
			expectSub(t, resp, "dpop")
		})
	}
	t.Run("K190 a proof for the server's own URL is refused", func(t *testing.T) {
		resp := d.do(t, request{path: "/me", auth: dpopAuth(d.bound)}, d.proof(t, http.MethodGet, d.base+"/me", d.bound))
		d.expectChallenges(t, resp, http.StatusUnauthorized, onDPoP, "invalid_dpop_proof", "DPoP proof URL mismatch")
	})
}

// challenge is one challenge of a WWW-Authenticate value.
type challenge struct {
	scheme string
	params map[string]string
}

// parseChallenges parses a WWW-Authenticate value of one or more
// challenges (RFC 9110 §11.6.1) as core writes them: each a scheme, a
// space and comma-separated auth-params whose values are all quoted
// strings without escapes (`Bearer realm="api", DPoP realm="api",
// algs="ES256"`). A repeated parameter within a challenge is an error,
// and so is a challenge without realm.
func parseChallenges(h string) ([]challenge, error) {
	var out []challenge
	rest := h
	for rest != "" {
		scheme, params, ok := strings.Cut(rest, " ")
		if !ok || scheme == "" || strings.ContainsAny(scheme, "=,\"") {
			return nil, fmt.Errorf("malformed scheme at %q", rest)
		}
		c := challenge{scheme: scheme, params: map[string]string{}}
		var err error
		if rest, err = parseParams(params, c.params); err != nil {
			return nil, fmt.Errorf("%s: %w", scheme, err)
		}
		if _, ok := c.params["realm"]; !ok {
			return nil, fmt.Errorf("%s: no realm", scheme)
		}
		out = append(out, c)
	}
	return out, nil
}

// parseParams reads the auth-params of one challenge from s into params
// and returns what follows them: "" or the next challenge.
func parseParams(s string, params map[string]string) (string, error) {
	for {
		name, after, ok := strings.Cut(s, "=")
		if !ok || name == "" || strings.ContainsAny(name, " ,\"") {
			return "", fmt.Errorf("malformed parameter at %q", s)
		}
		if !strings.HasPrefix(after, `"`) {
			return "", fmt.Errorf("parameter %s is not quoted", name)
		}
		value, tail, ok := strings.Cut(after[1:], `"`)
		if !ok || strings.ContainsRune(value, '\\') {
			return "", fmt.Errorf("parameter %s: bad quoted string", name)
		}
		if _, dup := params[name]; dup {
			return "", fmt.Errorf("parameter %s repeated", name)
		}
		params[name] = value
		if tail == "" {
			return "", nil
		}
		if s, ok = strings.CutPrefix(tail, ", "); !ok || s == "" {
			return "", fmt.Errorf("malformed separator at %q", tail)
		}
		// A token followed by a space before any "=" starts the next challenge.
		if i := strings.IndexAny(s, " ="); i > 0 && s[i] == ' ' {
			return s, nil
		}
	}
}
