package examples_test

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axiomsgo/axioms/authtest"
)

// The client credentials the example servers are given: a space and a
// colon, so that the RFC 6749 §2.3.1 form-encoding before Basic's base64
// is checked through the environment too.
const (
	introClientID = "orders api"
	introSecret   = "s3cr:t/+"
)

// fakeAS is a loopback RFC 7662 introspection endpoint: it checks
// client_secret_basic as a real authorization server does, answers per
// token, and counts its calls per token.
type fakeAS struct {
	*httptest.Server
	mu      sync.Mutex
	answers map[string]map[string]any
	calls   map[string]int
}

func newFakeAS(t *testing.T) *fakeAS {
	as := &fakeAS{answers: map[string]map[string]any{}, calls: map[string]int{}}
	as.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, secret, ok := r.BasicAuth()
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
		if !ok || id != introClientID || secret != introSecret || r.Method != http.MethodPost {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		token := r.PostFormValue("token")
		as.mu.Lock()
		as.calls[token]++
		answer, known := as.answers[token]
		as.mu.Unlock()
		switch {
		case token == "five-hundred":
			w.WriteHeader(http.StatusInternalServerError)
			return
		case !known:
			answer = map[string]any{"active": false}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(answer)
	}))
	t.Cleanup(as.Close)
	return as
}

func (as *fakeAS) set(token string, answer map[string]any) {
	as.mu.Lock()
	defer as.mu.Unlock()
	as.answers[token] = answer
}

func (as *fakeAS) revoke(token string) {
	as.mu.Lock()
	defer as.mu.Unlock()
	delete(as.answers, token)
}

func (as *fakeAS) callsOf(token string) int {
	as.mu.Lock()
	defer as.mu.Unlock()
	return as.calls[token]
}

// TestIntrospection drives every example server with AXIOMS_INTROSPECTION_*
// pointing at a loopback endpoint (behaviour.md §8): opaque tokens are
// introspected and meet the routes' policies, JWTs are still verified
// locally, refusals are 401 invalid_token, an endpoint down or failing
// gives 503 with Retry-After, answers are cached, and with the cache off a
// revocation is seen at once. GET /ready waits for the endpoint.
func TestIntrospection(t *testing.T) {
	iss := authtest.NewTestIssuer(t)
	for _, fw := range frameworks {
		t.Run(fw, func(t *testing.T) {
			t.Parallel()
			as := newFakeAS(t)
			now := time.Now()
			active := func(sub string, extra map[string]any) map[string]any {
				m := map[string]any{"active": true, "iss": iss.URL(), "aud": iss.Audience(), "sub": sub,
					"client_id": "web", "exp": now.Add(time.Hour).Unix(), "iat": now.Unix(), "token_type": "Bearer"}
				for k, v := range extra {
					m[k] = v
				}
				return m
			}
			as.set("ory_at_reader.sig", active("reader", map[string]any{"scope": "read:data"}))
			as.set("ory_at_admin.sig", active("admin", map[string]any{"roles": []string{"admin", "superuser"}}))
			as.set("ory_at_other-aud.sig", active("mallory", map[string]any{"aud": "https://elsewhere.example.com"}))
			as.set("ory_at_expired.sig", active("old", map[string]any{"exp": now.Add(-time.Minute).Unix()}))
			as.set("ory_at_other-iss.sig", active("eve", map[string]any{"iss": "https://evil.example.com"}))
			env := []string{"AXIOMS_ISS_URL=" + iss.URL(), "AXIOMS_AUDIENCE=" + iss.Audience(),
				"AXIOMS_INTROSPECTION_URL=" + as.URL + "/oauth2/introspect",
				"AXIOMS_INTROSPECTION_CLIENT_ID=" + introClientID, "AXIOMS_INTROSPECTION_CLIENT_SECRET=" + introSecret}
			srv := startServer(t, binary(t, fw), env)
			assert.NotContains(t, srv.banner, "environment variable not read", "every AXIOMS_INTROSPECTION_* variable is read")
			client := newClient(t)
			waitReadyRoute(t, client, srv.url, http.StatusOK)

			for _, tc := range []struct {
				method, path, token string
				status              int
				description         string // of a 401
			}{
				{"GET", "/me", "ory_at_reader.sig", 200, ""},
				{"GET", "/me/context", "ory_at_reader.sig", 200, ""},
				{"GET", "/api/read", "ory_at_reader.sig", 200, ""},
				{"GET", "/admin/users", "ory_at_reader.sig", 403, ""},
				{"GET", "/admin/users", "ory_at_admin.sig", 200, ""},
				{"DELETE", "/admin/users/7", "ory_at_admin.sig", 204, ""},
				{"GET", "/me", "ory_at_unknown.sig", 401, "token not active"},
				{"GET", "/me", "ory_at_other-aud.sig", 401, "audience not accepted"},
				{"GET", "/me", "ory_at_expired.sig", 401, "token expired"},
				{"GET", "/me", "ory_at_other-iss.sig", 401, "issuer not accepted"},
				{"GET", "/me", iss.MustToken(t, "jwt-user"), 200, ""},
			} {
				status, header, body := send(t, client, tc.method, srv.url+tc.path, tc.token)
				assert.Equal(t, tc.status, status, "%s %s with %.20s: %s", tc.method, tc.path, tc.token, body)
				if tc.description != "" {
					assert.Contains(t, header.Get("WWW-Authenticate"), `error="invalid_token", error_description="`+tc.description+`"`)
				}
			}
			_, _, body := send(t, client, "GET", srv.url+"/me", "ory_at_reader.sig")
			assert.JSONEq(t, `{"sub":"reader"}`, body)
			assert.Equal(t, 1, as.callsOf("ory_at_reader.sig"), "five requests, one introspection: the answer is cached")
			assert.Zero(t, as.callsOf(iss.MustToken(t, "jwt-user")), "a JWT is never sent")

			status, header, body := send(t, client, "GET", srv.url+"/me", "five-hundred")
			assert.Equal(t, http.StatusServiceUnavailable, status, body)
			assert.NotEmpty(t, header.Get("Retry-After"))
			assert.Contains(t, body, "token introspection unavailable")

			t.Run("endpoint down", func(t *testing.T) {
				ln, err := net.Listen("tcp", "127.0.0.1:0")
				require.NoError(t, err)
				down := "http://" + ln.Addr().String() + "/introspect"
				require.NoError(t, ln.Close())
				srv := startServer(t, binary(t, fw), append(env, "AXIOMS_INTROSPECTION_URL="+down))
				status, header, _ := send(t, client, "GET", srv.url+"/me", "ory_at_reader.sig")
				assert.Equal(t, http.StatusServiceUnavailable, status)
				assert.NotEmpty(t, header.Get("Retry-After"))
				status, _, body := send(t, client, "GET", srv.url+"/ready", "")
				assert.Equal(t, http.StatusServiceUnavailable, status)
				assert.JSONEq(t, `{"status":"unavailable"}`, body)
				status, _, _ = send(t, client, "GET", srv.url+"/me", iss.MustToken(t, "jwt-user"))
				assert.Equal(t, http.StatusOK, status, "JWTs need no introspection")
			})
			t.Run("wrong credentials", func(t *testing.T) {
				srv := startServer(t, binary(t, fw), append(env, "AXIOMS_INTROSPECTION_CLIENT_SECRET=wrong"))
				status, _, _ := send(t, client, "GET", srv.url+"/me", "ory_at_reader.sig")
				assert.Equal(t, http.StatusServiceUnavailable, status)
				// /ready answers 503 "unavailable" until the endpoint's first answer
				// (the 401) is in, then 503 "misconfigured".
				deadline := time.Now().Add(readyTimeout)
				for {
					st, _, body := send(t, client, "GET", srv.url+"/ready", "")
					assert.Equal(t, http.StatusServiceUnavailable, st)
					if strings.Contains(body, `"misconfigured"`) {
						break
					}
					require.True(t, time.Now().Before(deadline), "GET /ready: %s, want misconfigured", body)
					time.Sleep(20 * time.Millisecond)
				}
			})
			t.Run("cache off: a revocation is seen at once", func(t *testing.T) {
				srv := startServer(t, binary(t, fw), append(env, "AXIOMS_INTROSPECTION_CACHE_TTL=0"))
				as.set("ory_at_revoked.sig", active("rita", nil))
				status, _, _ := send(t, client, "GET", srv.url+"/me", "ory_at_revoked.sig")
				assert.Equal(t, http.StatusOK, status)
				as.revoke("ory_at_revoked.sig")
				status, header, _ := send(t, client, "GET", srv.url+"/me", "ory_at_revoked.sig")
				assert.Equal(t, http.StatusUnauthorized, status)
				assert.Contains(t, header.Get("WWW-Authenticate"), "token not active")
			})
		})
	}
}

// waitReadyRoute polls GET /ready until it answers want (the readiness
// probe is sent in the background at start).
func waitReadyRoute(t *testing.T, client *http.Client, base string, want int) {
	t.Helper()
	deadline := time.Now().Add(readyTimeout)
	for {
		status, _, body := send(t, client, http.MethodGet, base+"/ready", "")
		if status == want {
			return
		}
		require.True(t, time.Now().Before(deadline), "GET /ready: %d %s, want %d", status, body, want)
		time.Sleep(20 * time.Millisecond)
	}
}

// TestIntrospectionOnly: AXIOMS_INTROSPECTION_URL alone configures the
// server (no development issuer), and opaque tokens are introspected.
func TestIntrospectionOnly(t *testing.T) {
	as := newFakeAS(t)
	now := time.Now()
	as.set("ory_at_reader.sig", map[string]any{"active": true, "aud": "api://orders", "sub": "reader",
		"exp": now.Add(time.Hour).Unix(), "scope": "read:data"})
	srv := startServer(t, binary(t, "chi"), []string{"AXIOMS_AUDIENCE=api://orders",
		"AXIOMS_INTROSPECTION_URL=" + as.URL + "/oauth2/introspect",
		"AXIOMS_INTROSPECTION_CLIENT_ID=" + introClientID, "AXIOMS_INTROSPECTION_CLIENT_SECRET=" + introSecret})
	assert.NotContains(t, srv.banner, "DEVELOPMENT ONLY", "introspection configures the server")
	client := newClient(t)
	waitReadyRoute(t, client, srv.url, http.StatusOK)
	status, _, body := send(t, client, "GET", srv.url+"/api/read", "ory_at_reader.sig")
	assert.Equal(t, http.StatusOK, status, body)
}
