package conformance

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axiomsgo/axioms/adapters/exampleapi"
	"github.com/axiomsgo/axioms/core"
)

// Hook is what the error handler (WithErrorHandler) of every Middleware of
// an edge server does; Serve implements it with the adapter's types.
type Hook int

const (
	// NoHook: no WithErrorHandler.
	NoHook Hook = iota
	// Observe sets the response header X-Observed to Category(err) and
	// writes nothing: the standard answer must follow, with that header.
	Observe
	// Add sets the response header X-Added to "1", then calls the
	// adapter's WriteError: the standard answer, with that header.
	Add
	// Replace answers itself: status 418 with Content-Type
	// application/json and the body {"error":"teapot"}; nothing else may
	// be written.
	Replace
	// Succeed sets the response header X-Dropped to "1" and answers
	// itself with status 200 and the body {"error":"teapot"}: a refusal
	// may not be a 2xx, so the standard answer must replace it, without
	// that header.
	Succeed
)

// Category names the error category of err, as an Observe hook reports
// it: no_credentials, invalid_request, invalid_token, insufficient_scope,
// insufficient_user_authentication or unavailable.
func Category(err error) string {
	switch {
	case errors.Is(err, core.ErrNoCredentials):
		return "no_credentials"
	case errors.Is(err, core.ErrInvalidRequest):
		return "invalid_request"
	case errors.Is(err, core.ErrInsufficientScope):
		return "insufficient_scope"
	case errors.Is(err, core.ErrInsufficientUserAuthentication):
		return "insufficient_user_authentication"
	case errors.Is(err, core.ErrKeysUnavailable):
		return "unavailable"
	}
	return "invalid_token"
}

// TeapotBody is the body a Replace or Succeed hook writes.
const TeapotBody = `{"error":"teapot"}`

// HookStatus is the status a Replace or Succeed hook writes.
func HookStatus(h Hook) int { return hookStatus[h] }

var hookStatus = map[Hook]int{Replace: http.StatusTeapot, Succeed: http.StatusOK}

// EdgeRoutes are the routes of the adapter contract's edges, registered
// like any table:
//
//	GET /edge/me                Token → 200 {"sub"}
//	GET /edge/require           Token, AnyScope("edge:read") → 200
//	GET /edge/owner             Token; Authorize(core.Owner("owner")) in the handler → 200
//	GET /edge/skipped           Skipped, AnyScope("edge:read") → never passes
//	GET /edge/skipped/owner     Skipped; Authorize(core.Owner("owner")) → never passes
//	GET /edge/bare              Bare, AnyScope("edge:read") → never passes
//	GET /edge/bare/owner        Bare; Authorize(core.Owner("owner")) → never passes
//	GET /edge/nested            Nested, AnyScope("edge:read") → never passes: the inner skip hides the claims
//	every method /edge/any      Token, AllRoles("admin"); Authorize(core.Owner("owner")) → 200 {"method"}
//	GET /edge/context           Token → 200 {"sub", "token_sha256"} from core.ClaimsFromContext and
//	                            core.TokenFromContext of the request's context
func EdgeRoutes() []exampleapi.Route {
	edge := core.AnyScope("edge:read")
	return []exampleapi.Route{
		{Method: "GET", Path: "/edge/me", Auth: exampleapi.Token, Handle: edgeSub},
		{Method: "GET", Path: "/edge/require", Auth: exampleapi.Token, Policy: edge, Handle: edgeOK},
		{Method: "GET", Path: "/edge/owner", Auth: exampleapi.Token, Handle: ownerOnly(edgeOK)},
		{Method: "GET", Path: "/edge/skipped", Auth: exampleapi.Skipped, Policy: edge, Handle: edgeOK},
		{Method: "GET", Path: "/edge/skipped/owner", Auth: exampleapi.Skipped, Handle: ownerOnly(edgeOK)},
		{Method: "GET", Path: "/edge/bare", Auth: exampleapi.Bare, Policy: edge, Handle: edgeOK},
		{Method: "GET", Path: "/edge/bare/owner", Auth: exampleapi.Bare, Handle: ownerOnly(edgeOK)},
		{Method: "GET", Path: "/edge/nested", Auth: exampleapi.Nested, Policy: edge, Handle: edgeOK},
		{Method: "", Path: "/edge/any", Auth: exampleapi.Token, Policy: core.AllRoles("admin"), Handle: ownerOnly(edgeMethod)},
		{Method: "GET", Path: "/edge/context", Auth: exampleapi.Token, Handle: edgeContext},
	}
}

func edgeOK(exampleapi.Request) exampleapi.Reply {
	return exampleapi.Reply{Status: http.StatusOK, Body: map[string]string{"status": "ok"}}
}

func edgeSub(r exampleapi.Request) exampleapi.Reply {
	c, _ := core.ClaimsFromContext(r.Context)
	return exampleapi.Reply{Status: http.StatusOK, Body: map[string]string{"sub": c.Subject()}}
}

func edgeMethod(r exampleapi.Request) exampleapi.Reply {
	return exampleapi.Reply{Status: http.StatusOK, Body: map[string]string{"method": r.Method}}
}

func edgeContext(r exampleapi.Request) exampleapi.Reply {
	c, _ := core.ClaimsFromContext(r.Context)
	token, _ := core.TokenFromContext(r.Context)
	sum := sha256.Sum256([]byte(token))
	return exampleapi.Reply{Status: http.StatusOK, Body: map[string]string{"sub": c.Subject(), "token_sha256": hex.EncodeToString(sum[:])}}
}

func ownerOnly(next func(exampleapi.Request) exampleapi.Reply) func(exampleapi.Request) exampleapi.Reply {
	return func(r exampleapi.Request) exampleapi.Reply {
		if !r.Authorize(core.Owner("owner")) {
			return exampleapi.Answered
		}
		return next(r)
	}
}

// edges checks the adapter contract on EdgeRoutes, once per Hook. (The
// nested row holds as long as either defence holds: a skip hides outer
// claims, and a Guard ignores claims another Guard stamped; core's tests
// check each alone.)
func (s *suite) edges(t *testing.T) {
	t.Run("construction", s.construction)
	for _, hook := range []Hook{NoHook, Observe, Add, Replace, Succeed} {
		t.Run(hookName[hook], func(t *testing.T) {
			v := newVerifier(t, s.iss.Config())
			m, err := core.NewResourceMetadata(v.ProtectedResource(), "")
			require.NoError(t, err)
			e := edgeServer{s: s, base: s.h.Serve(t, v, m, EdgeRoutes(), hook), hook: hook}
			s.publicURL[e.base] = ""
			e.run(t)
		})
	}
}

var hookName = map[Hook]string{NoHook: "no hook", Observe: "observing hook", Add: "adding hook", Replace: "replacing hook",
	Succeed: "succeeding hook"}

func (s *suite) construction(t *testing.T) {
	if s.h.Construct == nil {
		t.Skip("Harness.Construct not set")
	}
	v := newVerifier(t, s.iss.Config())
	assert.Panics(t, func() { s.h.Construct(nil) }, "a nil verifier panics when the middleware is built")
	assert.NotPanics(t, func() { s.h.Construct(v) }, "nil options and options given nil keep their defaults")
}

// edgeServer is one edge server and the hook of its Middleware.
type edgeServer struct {
	s    *suite
	base string
	hook Hook
}

func (e edgeServer) get(t *testing.T, path string, auth []string) response {
	return e.s.doAt(t, e.base, request{method: http.MethodGet, path: path, auth: auth})
}

func (e edgeServer) run(t *testing.T) {
	s := e.s
	t.Run("Middleware refusals take the error path", func(t *testing.T) {
		e.refused(t, e.get(t, "/edge/me", nil), http.StatusUnauthorized, "")
		e.refused(t, e.get(t, "/edge/me", bearer("abc.def.ghi")), http.StatusUnauthorized, "invalid_token")
		e.refused(t, e.get(t, "/edge/me", []string{"Bearer a", "Bearer b"}), http.StatusBadRequest, "invalid_request")
	})
	t.Run("Require and Authorize refusals take the error path", func(t *testing.T) {
		resp := e.get(t, "/edge/require", s.as("reader"))
		e.refused(t, resp, http.StatusForbidden, "insufficient_scope")
		if e.hook != Replace {
			expectError(t, resp, http.StatusForbidden, "insufficient_scope", "", "edge:read")
		}
		e.refused(t, e.get(t, "/edge/owner", s.as("alice")), http.StatusForbidden, "insufficient_scope")
	})
	t.Run("allowed requests reach the handler", func(t *testing.T) {
		expectJSON(t, e.get(t, "/edge/require", s.as("edger")), http.StatusOK)
		expectJSON(t, e.get(t, "/edge/owner", s.as("owner")), http.StatusOK)
		assert.Empty(t, e.get(t, "/edge/owner", s.as("owner")).header.Values("X-Observed"), "no refusal, no hook")
	})
	t.Run("skipped routes answer as the Middleware would", func(t *testing.T) {
		for _, auth := range [][]string{nil, s.as("edger"), bearer("abc.def.ghi")} {
			e.refused(t, e.get(t, "/edge/skipped", auth), http.StatusUnauthorized, "", "edge:read") // the route's scope
		}
		e.refused(t, e.get(t, "/edge/skipped/owner", s.as("owner")), http.StatusUnauthorized, "")
	})
	t.Run("a skipping Middleware hides the claims of an outer one", func(t *testing.T) {
		e.refused(t, e.get(t, "/edge/nested", s.as("edger")), http.StatusUnauthorized, "", "edge:read")
		e.refused(t, e.get(t, "/edge/nested", nil), http.StatusUnauthorized, "") // the outer Middleware refuses it
	})
	t.Run("without Middleware: 401, default realm, no metadata, no hook", func(t *testing.T) {
		for _, path := range []string{"/edge/bare", "/edge/bare/owner"} {
			for _, auth := range [][]string{nil, s.as("edger"), s.as("owner"), bearer("abc.def.ghi")} {
				resp := e.get(t, path, auth)
				resp.metadata = ""
				expectNoCredentials(t, resp)
				assertNoHookRan(t, resp)
			}
		}
	})
	t.Run("a route for every method never runs its protected part anonymously", e.anyMethod)
	t.Run("claims and token in the standard context", func(t *testing.T) {
		resp := e.get(t, "/edge/context", s.as("reader"))
		sum := sha256.Sum256([]byte(s.tokens["reader"]))
		assert.Equal(t, map[string]any{"sub": "reader", "token_sha256": hex.EncodeToString(sum[:])}, expectJSON(t, resp, http.StatusOK))
		e.refused(t, e.get(t, "/edge/context", nil), http.StatusUnauthorized, "")
	})
}

// anyMethod checks /edge/any for every method: anonymous requests (OPTIONS
// included) get 401, a non-admin 403, an admin who is not the owner 403,
// the owner 200.
func (e edgeServer) anyMethod(t *testing.T) {
	s := e.s
	for _, method := range []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"} {
		t.Run(method, func(t *testing.T) {
			do := func(persona string) response {
				return s.doAt(t, e.base, request{method: method, path: "/edge/any", auth: s.as(persona)})
			}
			if method == http.MethodHead { // no body to check
				for persona, want := range map[string]int{"": 401, "reader": 403, "admin": 403, "owner": 200} {
					if e.hook == Replace && want != http.StatusOK {
						want = http.StatusTeapot
					}
					assert.Equal(t, want, do(persona).status, "HEAD as %q", persona)
				}
				return
			}
			e.refused(t, do(""), http.StatusUnauthorized, "")
			e.refused(t, do("reader"), http.StatusForbidden, "insufficient_scope")
			e.refused(t, do("admin"), http.StatusForbidden, "insufficient_scope")
			assert.Equal(t, map[string]any{"method": method}, expectJSON(t, do("owner"), http.StatusOK))
		})
	}
}

// refused checks a refusal of an edge route behind a Middleware: the
// standard answer (code "" for no credentials, whose challenge names scope
// when given) with what the hook adds, or the hook's own answer.
func (e edgeServer) refused(t testing.TB, resp response, status int, code string, scope ...string) {
	t.Helper()
	switch e.hook {
	case Replace:
		require.Equal(t, http.StatusTeapot, resp.status, "the hook's own answer; answer: %s", resp)
		assert.JSONEq(t, TeapotBody, string(resp.body), "the hook's body alone")
		assert.Empty(t, resp.header.Values("WWW-Authenticate"), "nothing is added to the hook's answer")
		return
	case Observe:
		want := cmp.Or(code, "no_credentials")
		assert.Equal(t, want, resp.header.Get("X-Observed"), "the hook saw the refusal")
	case Add:
		assert.Equal(t, "1", resp.header.Get("X-Added"), "the hook's header is kept")
	case Succeed:
		assert.Empty(t, resp.header.Values("X-Dropped"), "a dropped answer's headers go with it")
	}
	if code == "" {
		expectNoCredentials(t, resp, scope...)
		return
	}
	expectError(t, resp, status, code, "", scopeIgnored)
}

func assertNoHookRan(t testing.TB, resp response) {
	t.Helper()
	assert.Empty(t, resp.header.Values("X-Observed"), "no Middleware, no hook")
	assert.Empty(t, resp.header.Values("X-Added"), "no Middleware, no hook")
}

// HTTPHook implements hook for a net/http adapter (httpauth, chiauth),
// whose WriteError is writeError.
func HTTPHook(hook Hook, writeError func(http.ResponseWriter, *http.Request, error)) func(http.ResponseWriter, *http.Request, error) {
	return func(w http.ResponseWriter, r *http.Request, err error) {
		switch hook {
		case Observe:
			w.Header().Set("X-Observed", Category(err))
		case Add:
			w.Header().Set("X-Added", "1")
			writeError(w, r, err)
		case Replace, Succeed:
			if hook == Succeed {
				w.Header().Set("X-Dropped", "1")
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(HookStatus(hook))
			_, _ = w.Write([]byte(TeapotBody))
		}
	}
}
