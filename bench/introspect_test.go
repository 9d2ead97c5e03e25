package bench

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/axiomsgo/axioms/chiauth"
	"github.com/axiomsgo/axioms/core"
)

// opaquePrefix marks the tokens the benchmark introspection endpoint
// answers active: true for; any other token is inactive.
const opaquePrefix = "opaque-"

// introspectionEndpoint is an RFC 7662 endpoint on loopback that answers
// every opaque- token active, as an authorization server would for a token
// it issued, and counts the requests it serves, the readiness probes that
// the Verifier sends in the background excepted.
func introspectionEndpoint(tb testing.TB) (url string, requests *atomic.Int64) {
	tb.Helper()
	requests = &atomic.Int64{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := r.PostFormValue("token")
		if !strings.HasPrefix(token, "axioms-readiness-probe.") {
			requests.Add(1)
		}
		answer := map[string]any{"active": false}
		if strings.HasPrefix(token, opaquePrefix) {
			answer = map[string]any{
				"active": true, "iss": issuer, "aud": audience, "sub": "user-1", "client_id": "client-1",
				"scope": "read:data", "iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix(),
			}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(answer)
	}))
	tb.Cleanup(srv.Close)
	return srv.URL, requests
}

// introspectingApp is chi + chiauth with a Verifier that verifies JWTs of
// k locally, with its verified-token cache on or off, and introspects
// every other token at url.
func introspectingApp(tb testing.TB, k *keyPair, url string, cache bool) http.Handler {
	tb.Helper()
	return chiApp(chiauth.Middleware(newCoreVerifier(tb, k, 1, cache, func(c *core.Config) {
		c.Introspection = core.IntrospectionConfig{URL: url}
	})))
}

// get serves GET /api/items through h with the bearer token ("": the
// request's Authorization header as it is) and returns the status.
func get(h http.Handler, req *http.Request, w *nopWriter, token string) int {
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	clear(w.h)
	w.status = http.StatusOK
	h.ServeHTTP(w, req)
	return w.status
}

// BenchmarkIntrospection is one GET through chi and chiauth with
// introspection configured (RFC 7662, behaviour.md §8): an opaque token
// whose answer comes from the introspection cache, beside an RS256 JWT of
// the same configuration verified locally (from the token cache, and in
// full with that cache off), and an opaque token seen for the first time, whose
// answer comes from an endpoint on loopback.
func BenchmarkIntrospection(b *testing.B) {
	k := keyFor(b, "RS256")
	url, requests := introspectionEndpoint(b)
	h := introspectingApp(b, k, url, true)
	jwt := k.sign(b, baseClaims(nil))
	uncached := introspectingApp(b, k, url, false)

	for _, bc := range []struct {
		name  string
		h     http.Handler
		token string // the same token on every request; "": a new one each time
		// requests is how many introspection requests a served request
		// makes: 0 for the cached and local rows.
		requests int64
	}{
		{"opaque-cache-hit", h, opaquePrefix + "hot", 0},
		{"RS256/jwt-cache-hit", h, jwt, 0},
		{"RS256/jwt-verified", uncached, jwt, 0},
		{"opaque-loopback", h, "", 1},
	} {
		req := httptest.NewRequest(http.MethodGet, "/api/items", nil)
		w := &nopWriter{h: http.Header{}}
		if st := get(bc.h, req, w, cmp.Or(bc.token, opaquePrefix+"first")); st != http.StatusNoContent { // primes the caches
			b.Fatalf("%s: status %d", bc.name, st)
		}
		b.Run(bc.name, func(b *testing.B) {
			i := 0
			before := requests.Load()
			loop(b, func() error {
				i++
				var token string // the header set above
				if bc.token == "" {
					token = opaquePrefix + strconv.Itoa(i)
				}
				if st := get(bc.h, req, w, token); st != http.StatusNoContent {
					return fmt.Errorf("status %d", st)
				}
				return nil
			})
			if got := requests.Load() - before; got != bc.requests*int64(i) {
				b.Fatalf("%d introspection requests for %d served requests, want %d each", got, i, bc.requests)
			}
		})
	}
}

// TestIntrospectionRows checks what BenchmarkIntrospection relies on: an
// opaque token is introspected once and then answered from the cache, a
// JWT is never introspected, and a token the endpoint does not know is
// refused.
func TestIntrospectionRows(t *testing.T) {
	k := keyFor(t, "RS256")
	url, requests := introspectionEndpoint(t)
	h := introspectingApp(t, k, url, true)
	req := httptest.NewRequest(http.MethodGet, "/api/items", nil)
	w := &nopWriter{h: http.Header{}}
	start := requests.Load()
	for range 3 {
		if st := get(h, req, w, opaquePrefix+"hot"); st != http.StatusNoContent {
			t.Fatalf("opaque token: status %d", st)
		}
		if st := get(h, req, w, k.sign(t, baseClaims(nil))); st != http.StatusNoContent {
			t.Fatalf("JWT: status %d", st)
		}
	}
	if got := requests.Load() - start; got != 1 {
		t.Fatalf("%d introspection requests, want 1", got)
	}
	if st := get(h, req, w, "unknown-token"); st != http.StatusUnauthorized {
		t.Fatalf("inactive token: status %d, want 401", st)
	}
}
