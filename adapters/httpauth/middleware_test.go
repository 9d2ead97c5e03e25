package httpauth_test

import (
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/axiomsgo/axioms/adapters/httpauth"
	"github.com/axiomsgo/axioms/authtest"
	"github.com/axiomsgo/axioms/core"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fixture is an issuer and a verifier that trusts it.
type fixture struct {
	iss *authtest.Issuer
	v   *core.Verifier
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	iss := authtest.NewTestIssuer(t, authtest.WithAlgorithm("ES256"))
	cfg := iss.Config()
	cfg.Logger = slog.New(slog.DiscardHandler)
	v, err := core.NewVerifier(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = v.Close() })
	return fixture{iss: iss, v: v}
}

// serveOne runs h for one request method path with Authorization values.
func serveOne(h http.Handler, method, target string, auth ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, nil)
	for _, a := range auth {
		req.Header.Add("Authorization", a)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// reached is a handler that records that it ran and the claims it saw.
type reached struct {
	ran    bool
	claims *core.Claims
	ok     bool
}

func (h *reached) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.ran = true
	h.claims, h.ok = httpauth.Claims(r)
	w.WriteHeader(http.StatusOK)
}

func TestClaimsInContext(t *testing.T) {
	f := newFixture(t)
	tok := f.iss.MustToken(t, "alice", authtest.Scopes("read:data"))

	next := &reached{}
	rec := serveOne(httpauth.Middleware(f.v)(next), "GET", "/", "Bearer "+tok)
	require.Equal(t, http.StatusOK, rec.Code)
	require.True(t, next.ok)
	assert.Equal(t, "alice", next.claims.Subject())
	assert.True(t, next.claims.HasScope("read:data"))

	next = &reached{}
	rec = serveOne(httpauth.Middleware(f.v, httpauth.WithAnonymousMethods("get"))(next), "GET", "/")
	require.Equal(t, http.StatusOK, rec.Code, "anonymous methods are upper-cased")
	assert.True(t, next.ran)
	assert.False(t, next.ok)
	assert.Nil(t, next.claims)

	c, ok := httpauth.Claims(httptest.NewRequest("GET", "/", nil))
	assert.False(t, ok, "no Middleware, no claims")
	assert.Nil(t, c)
}

func TestAnonymousMethodsStillCheckPresentCredentials(t *testing.T) {
	f := newFixture(t)
	h := httpauth.Middleware(f.v, httpauth.WithAnonymousMethods("GET"))(&reached{})
	rec := serveOne(h, "GET", "/", "Bearer not.a.token")
	assert.Equal(t, http.StatusUnauthorized, rec.Code)
	assert.Contains(t, rec.Header().Get("WWW-Authenticate"), `error="invalid_token"`)
	rec = serveOne(h, "POST", "/")
	assert.Equal(t, http.StatusUnauthorized, rec.Code, "other methods still need a token")
}

func TestRequireWithoutMiddleware(t *testing.T) {
	next := &reached{}
	rec := serveOne(httpauth.Require(core.AnyScope("read:data"))(next), "GET", "/")
	assert.False(t, next.ran, "never let the request through")
	assert.Equal(t, http.StatusUnauthorized, rec.Code)
	assert.Equal(t, `Bearer realm="api"`, rec.Header().Get("WWW-Authenticate"))
	assert.Equal(t, core.ContentType, rec.Header().Get("Content-Type"))
	assert.JSONEq(t, `{"error":"unauthorized","error_description":"authentication required"}`, rec.Body.String())

	rec = httptest.NewRecorder()
	assert.False(t, httpauth.Authorize(rec, httptest.NewRequest("GET", "/", nil), core.Authenticated()))
	assert.Equal(t, http.StatusUnauthorized, rec.Code)
}

func TestRequireAndAuthorize(t *testing.T) {
	f := newFixture(t)
	tok := f.iss.MustToken(t, "alice", authtest.Scopes("read:data"))
	guarded := func(p core.Policy) (http.Handler, *reached) {
		next := &reached{}
		return httpauth.Middleware(f.v)(httpauth.Require(p)(next)), next
	}

	h, next := guarded(core.AnyScope("read:data"))
	assert.Equal(t, http.StatusOK, serveOne(h, "GET", "/", "Bearer "+tok).Code)
	assert.True(t, next.ran)

	h, next = guarded(core.AnyScope("write:data"))
	rec := serveOne(h, "GET", "/", "Bearer "+tok)
	assert.False(t, next.ran)
	assert.Equal(t, http.StatusForbidden, rec.Code)
	assert.Equal(t, `Bearer realm="api", error="insufficient_scope", error_description="insufficient scope", scope="write:data"`,
		rec.Header().Get("WWW-Authenticate"))

	owner := func(owner string) http.Handler {
		return httpauth.Middleware(f.v)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if httpauth.Authorize(w, r, core.Owner(owner)) {
				w.WriteHeader(http.StatusNoContent)
			}
		}))
	}
	assert.Equal(t, http.StatusNoContent, serveOne(owner("alice"), "DELETE", "/", "Bearer "+tok).Code)
	assert.Equal(t, http.StatusForbidden, serveOne(owner("bob"), "DELETE", "/", "Bearer "+tok).Code)
}

func TestSafeMethods(t *testing.T) {
	f := newFixture(t)
	next := &reached{}
	rec := serveOne(httpauth.Middleware(f.v)(next), "OPTIONS", "/")
	assert.Equal(t, http.StatusOK, rec.Code, "a preflight passes the middleware")
	assert.True(t, next.ran)
	assert.False(t, next.ok)

	rec = serveOne(httpauth.Middleware(f.v)(&reached{}), "OPTIONS", "/", "Bearer a", "Bearer b")
	assert.Equal(t, http.StatusBadRequest, rec.Code, "present credentials are read and verified")

	next = &reached{}
	rec = serveOne(httpauth.Middleware(f.v)(httpauth.Require(core.AnyScope("admin"))(next)), "OPTIONS", "/")
	assert.Equal(t, http.StatusUnauthorized, rec.Code, "no policy is met without a token")
	assert.False(t, next.ran)
}

func TestSkipper(t *testing.T) {
	f := newFixture(t)
	skip := httpauth.WithSkipper(func(r *http.Request) bool { return r.URL.Path == "/health" })

	next := &reached{}
	rec := serveOne(httpauth.Middleware(f.v, skip)(next), "GET", "/health", "Bearer a", "Bearer b")
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.True(t, next.ran)
	assert.False(t, next.ok, "a skipped request has no claims")

	rec = serveOne(httpauth.Middleware(f.v, skip)(&reached{}), "GET", "/me")
	assert.Equal(t, http.StatusUnauthorized, rec.Code, "other paths are authenticated")

	next = &reached{}
	rec = serveOne(httpauth.Middleware(f.v, skip)(httpauth.Require(core.Authenticated())(next)), "GET", "/health")
	assert.Equal(t, http.StatusUnauthorized, rec.Code, "Require on a skipped request fails closed")
	assert.False(t, next.ran)
}

func TestErrorHandler(t *testing.T) {
	f := newFixture(t)
	tok := f.iss.MustToken(t, "alice")
	var got []error
	custom := httpauth.WithErrorHandler(func(w http.ResponseWriter, r *http.Request, err error) {
		got = append(got, err)
		resp := f.v.ErrorResponse(err)
		w.Header().Set("X-Problem", "1")
		w.WriteHeader(resp.Status)
	})
	next := &reached{}
	h := httpauth.Middleware(f.v, custom)(httpauth.Require(core.AnyRole("admin"))(next))

	assert.Equal(t, http.StatusUnauthorized, serveOne(h, "GET", "/").Code)
	assert.Equal(t, http.StatusUnauthorized, serveOne(h, "GET", "/", "Bearer "+f.iss.MustToken(t, "alice", authtest.ExpiresIn(-1))).Code)
	assert.Equal(t, http.StatusBadRequest, serveOne(h, "GET", "/", "Bearer x", "Bearer y").Code)
	rec := serveOne(h, "GET", "/", "Bearer "+tok)
	assert.Equal(t, http.StatusForbidden, rec.Code, "Require's denial goes to the custom handler too")
	assert.Equal(t, "1", rec.Header().Get("X-Problem"))
	assert.Empty(t, rec.Header().Get("WWW-Authenticate"), "the custom handler decides what is written")
	assert.False(t, next.ran)

	require.Len(t, got, 4)
	assert.ErrorIs(t, got[0], core.ErrNoCredentials)
	assert.ErrorIs(t, got[1], core.ErrTokenExpired)
	assert.ErrorIs(t, got[2], core.ErrInvalidRequest)
	assert.ErrorIs(t, got[3], core.ErrRoleDenied)
	var e *core.Error
	assert.True(t, errors.As(got[3], &e))
}

func TestTokenFromQuery(t *testing.T) {
	f := newFixture(t)
	tok := f.iss.MustToken(t, "alice")

	next := &reached{}
	h := httpauth.Middleware(f.v, httpauth.WithTokenFromQuery())(next)
	assert.Equal(t, http.StatusOK, serveOne(h, "GET", "/?access_token="+tok).Code)
	require.True(t, next.ok)
	assert.Equal(t, "alice", next.claims.Subject())

	assert.Equal(t, http.StatusBadRequest, serveOne(h, "GET", "/?access_token="+tok, "Bearer "+tok).Code,
		"a header and a query token are an invalid request")
	assert.Equal(t, http.StatusBadRequest, serveOne(h, "GET", "/?access_token="+tok+"&access_token="+tok).Code)
	assert.Equal(t, http.StatusUnauthorized, serveOne(h, "GET", "/?access_token=a@b").Code)

	off := httpauth.Middleware(f.v)(&reached{})
	rec := serveOne(off, "GET", "/?access_token="+tok)
	assert.Equal(t, http.StatusUnauthorized, rec.Code, "query tokens are off by default")
	assert.Equal(t, `Bearer realm="api"`, rec.Header().Get("WWW-Authenticate"))
}

func TestWriteError(t *testing.T) {
	f := newFixture(t)
	cfg := f.iss.Config()
	cfg.Realm = "shop"
	cfg.Logger = slog.New(slog.DiscardHandler)
	v, err := core.NewVerifier(cfg)
	require.NoError(t, err)
	defer v.Close()

	added := httpauth.WithErrorHandler(func(w http.ResponseWriter, r *http.Request, err error) {
		w.Header().Set("X-Request-Id", "42")
		httpauth.WriteError(w, r, err)
	})
	rec := serveOne(httpauth.Middleware(v, added)(&reached{}), "GET", "/", "Bearer "+f.iss.MustToken(t, "a", authtest.ExpiresIn(-1)))
	assert.Equal(t, http.StatusUnauthorized, rec.Code)
	assert.Equal(t, `Bearer realm="shop", error="invalid_token", error_description="token expired"`, rec.Header().Get("WWW-Authenticate"),
		"the realm of the Middleware the request passed")
	assert.Equal(t, "42", rec.Header().Get("X-Request-Id"))
	assert.Equal(t, core.ContentType, rec.Header().Get("Content-Type"))
	assert.JSONEq(t, `{"error":"invalid_token","error_description":"token expired"}`, rec.Body.String())
	assert.Empty(t, rec.Header().Values("Retry-After"))

	bare := httptest.NewRequest("GET", "/", nil)
	rec = httptest.NewRecorder()
	httpauth.WriteError(rec, bare, core.ErrKeysUnavailable)
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
	assert.Equal(t, "1", rec.Header().Get("Retry-After"))
	assert.Empty(t, rec.Header().Values("WWW-Authenticate"))

	rec = httptest.NewRecorder()
	httpauth.WriteError(rec, bare, errors.New("anything else"))
	assert.Equal(t, http.StatusUnauthorized, rec.Code, "unknown errors are invalid tokens, never 5xx")
	assert.Equal(t, `Bearer realm="api", error="invalid_token", error_description="token invalid"`, rec.Header().Get("WWW-Authenticate"),
		"without a Middleware: the default realm")
}

// RequireFunc calls f once per request, with the request, and its policy
// never opens a route: without a Middleware, or without a token on an
// anonymous method, the request is refused even when f allows anonymity.
func TestRequireFuncOncePerRequest(t *testing.T) {
	f := newFixture(t)
	calls := 0
	byHeader := httpauth.RequireFunc(func(r *http.Request) core.Policy {
		calls++
		if r.Header.Get("X-Op") == "" {
			return core.AllowAnonymous(nil, http.MethodGet)
		}
		return core.AllScopes(r.Header.Get("X-Op"))
	})
	h := &reached{}
	open := httpauth.Middleware(f.v, httpauth.WithAnonymousMethods(http.MethodGet))(byHeader(h))
	token := "Bearer " + f.iss.MustToken(t, "alice", authtest.Scopes("a"))

	rec := serveOne(open, http.MethodGet, "/")
	assert.Equal(t, http.StatusUnauthorized, rec.Code, "AllowAnonymous from f opens nothing")
	assert.False(t, h.ran)
	assert.Equal(t, 1, calls)

	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("Authorization", token)
	req.Header.Set("X-Op", "b")
	rec = httptest.NewRecorder()
	open.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusForbidden, rec.Code)
	assert.Contains(t, rec.Header().Get("WWW-Authenticate"), `scope="b"`)
	assert.Equal(t, 2, calls)

	rec = serveOne(byHeader(h), http.MethodGet, "/", token)
	assert.Equal(t, http.StatusUnauthorized, rec.Code, "without a Middleware")
	assert.False(t, h.ran)
	assert.Equal(t, 3, calls)

	rec = serveOne(open, http.MethodGet, "/", token)
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.True(t, h.ran)
	assert.Equal(t, 4, calls)
}
