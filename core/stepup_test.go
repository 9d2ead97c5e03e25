package core

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// challengeOf is the WWW-Authenticate value and status of err's answer.
func challengeOf(err error) (int, string) {
	r := errorResponse(err, "api", "", nil)
	return r.Status, r.WWWAuthenticate
}

func TestAndMergesDenials(t *testing.T) {
	v, k := clStaticVerifier(t, nil)
	claims := func(over map[string]any) *Claims { return clVerified(t, v, k, over) }
	onlyA := claims(map[string]any{"scope": "a"})
	stale := claims(map[string]any{"scope": "a", "acr": "pwd", "auth_time": clNow - 600})
	tests := []struct {
		name          string
		p             Policy
		c             *Claims
		wantStatus    int
		wantChallenge string
	}{
		{"all-of scope rules name every scope", And(AllScopes("a"), AllScopes("b", "c")), onlyA, 403,
			`Bearer realm="api", error="insufficient_scope", error_description="insufficient scope", scope="a b c"`},
		{"a met any-of rule still names its scopes", And(AnyScope("a", "x"), AllScopes("b")), onlyA, 403,
			`Bearer realm="api", error="insufficient_scope", error_description="insufficient scope", scope="a x b"`},
		{"repeats are dropped", And(AllScopes("b", "a"), AllScopes("a", "b")), claims(nil), 403,
			`Bearer realm="api", error="insufficient_scope", error_description="insufficient scope", scope="b a"`},
		{"nested And", And(AllScopes("a"), And(AllScopes("b"), AllScopes("c"))), onlyA, 403,
			`Bearer realm="api", error="insufficient_scope", error_description="insufficient scope", scope="a b c"`},
		{"a role denial is returned as it is", And(AllScopes("b"), AnyRole("admin")), onlyA, 403,
			`Bearer realm="api", error="insufficient_scope", error_description="insufficient scope", scope="b"`},
		{"the first non-scope denial wins", And(AnyRole("admin"), AllScopes("b")), onlyA, 403,
			`Bearer realm="api", error="insufficient_scope", error_description="insufficient role"`},
		{"step-up rules merge", And(ACR("mfa", "hwk"), MaxAge(5*time.Minute)), stale, 401,
			`Bearer realm="api", error="insufficient_user_authentication", error_description="authentication level insufficient", acr_values="mfa hwk", max_age="300"`},
		{"step-up and scopes in one 401", And(AllScopes("a", "b"), MaxAge(time.Minute), MaxAge(2*time.Minute)), stale, 401,
			`Bearer realm="api", error="insufficient_user_authentication", error_description="authentication level insufficient", scope="a b", max_age="60"`},
		{"a met scope rule is not named beside step-up alone", And(AllScopes("a"), ACR("mfa")), stale, 401,
			`Bearer realm="api", error="insufficient_user_authentication", error_description="authentication level insufficient", acr_values="mfa"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, challenge := challengeOf(tc.p.Check(http.MethodGet, tc.c))
			assert.Equal(t, tc.wantStatus, status)
			assert.Equal(t, tc.wantChallenge, challenge)
		})
	}
	t.Run("allowed when every member allows", func(t *testing.T) {
		assert.NoError(t, And(AllScopes("a"), AnyScope("a", "b")).Check(http.MethodGet, onlyA))
	})
	t.Run("a missing token wins", func(t *testing.T) {
		assert.ErrorIs(t, And(AnyRole("x"), AllScopes("a")).Check(http.MethodGet, nil), ErrNoCredentials)
	})
}

func TestTokenRequired(t *testing.T) {
	v, k := clStaticVerifier(t, nil)
	c := clVerified(t, v, k, map[string]any{"scope": "a"})
	tests := []struct {
		name    string
		p       Policy
		c       *Claims
		wantErr error
	}{
		{"nil policy, token", nil, c, nil},
		{"nil policy, no token", nil, nil, ErrNoCredentials},
		{"AllowAnonymous never opens it", AllowAnonymous(AllScopes("a"), http.MethodGet), nil, ErrNoCredentials},
		{"AllowAnonymous still judges the token", AllowAnonymous(AllScopes("b"), http.MethodGet), c, ErrInsufficientScope},
		{"the policy decides with a token", AllScopes("a"), c, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := TokenRequired(tc.p).Check(http.MethodGet, tc.c)
			if tc.wantErr == nil {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, tc.wantErr)
		})
	}
}

func TestAuthorizeNoCredentialsScope(t *testing.T) {
	v, _ := clStaticVerifier(t, nil)
	meta, err := NewResourceMetadata(ProtectedResource{Resource: clAudience, ScopesSupported: []string{"s1", "s2"}}, "https://api.example.com")
	require.NoError(t, err)
	plain := NewGuard(v, GuardOptions{AnonymousMethods: []string{http.MethodGet}})
	withMeta := NewGuard(v, GuardOptions{AnonymousMethods: []string{http.MethodGet}, ResourceMetadata: meta})
	ctx := context.Background()
	const md = `, resource_metadata="https://api.example.com/.well-known/oauth-protected-resource"`
	tests := []struct {
		name string
		g    *Guard
		p    Policy
		want string
	}{
		{"the route's scopes", plain, And(AllScopes("a"), AnyScope("b", "c")), `Bearer realm="api", scope="a b c"`},
		{"the route's scopes before the metadata's", withMeta, AllScopes("a"), `Bearer realm="api", scope="a"` + md},
		{"no scope rule, no metadata", plain, AnyRole("admin"), `Bearer realm="api"`},
		{"no scope rule: the metadata's scopes", withMeta, AnyRole("admin"), `Bearer realm="api", scope="s1 s2"` + md},
		{"a computed policy's scopes", plain, TokenRequired(AllScopes("x")), `Bearer realm="api", scope="x"`},
		{"by method", plain, ByMethod(map[string]Policy{"GET": AllScopes("g")}), `Bearer realm="api", scope="g"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, err := tc.g.Authenticate(ctx, http.MethodGet, Credentials{})
			require.NoError(t, err, "precondition: anonymous GET passes the middleware")
			err = tc.g.Authorize(ctx, http.MethodGet, tc.p)
			require.ErrorIs(t, err, ErrNoCredentials)
			r := tc.g.Response(err, true, "api.example.com")
			assert.Equal(t, http.StatusUnauthorized, r.Status)
			assert.Equal(t, tc.want, r.WWWAuthenticate)
		})
	}
	t.Run("the middleware's 401 names the metadata's scopes", func(t *testing.T) {
		g := NewGuard(v, GuardOptions{ResourceMetadata: meta})
		_, err := g.Authenticate(ctx, http.MethodPost, Credentials{})
		require.ErrorIs(t, err, ErrNoCredentials)
		assert.Equal(t, `Bearer realm="api", scope="s1 s2"`+md, g.Response(err, true, "h").WWWAuthenticate)
	})
	t.Run("an invalid token's 401 names no scope", func(t *testing.T) {
		g := NewGuard(v, GuardOptions{ResourceMetadata: meta})
		_, err := g.Authenticate(ctx, http.MethodPost, Credentials{Authorization: []string{"Bearer x"}})
		require.ErrorIs(t, err, ErrInvalidToken)
		assert.NotContains(t, g.Response(err, true, "h").WWWAuthenticate, "scope=")
	})
}

func TestStepUpPolicies(t *testing.T) {
	v, k := clStaticVerifier(t, nil)
	tests := []struct {
		name       string
		p          Policy
		over       map[string]any
		wantErr    error
		wantACR    []string
		wantMaxAge time.Duration
	}{
		{"acr listed", ACR("mfa", "hwk"), map[string]any{"acr": "hwk"}, nil, nil, 0},
		{"acr not listed", ACR("mfa"), map[string]any{"acr": "pwd"}, ErrInsufficientUserAuthentication, []string{"mfa"}, -1},
		{"acr missing", ACR("mfa"), nil, ErrInsufficientUserAuthentication, []string{"mfa"}, -1},
		{"acr not a string", ACR("1"), map[string]any{"acr": 1}, ErrInsufficientUserAuthentication, []string{"1"}, -1},
		{"no acr values allow nothing", ACR(), map[string]any{"acr": ""}, ErrInsufficientUserAuthentication, nil, -1},
		{"recent authentication", MaxAge(5 * time.Minute), map[string]any{"auth_time": clNow - 300}, nil, nil, 0},
		{"old authentication", MaxAge(5 * time.Minute), map[string]any{"auth_time": clNow - 301}, ErrInsufficientUserAuthentication, nil, 300 * time.Second},
		{"no auth_time", MaxAge(time.Hour), nil, ErrInsufficientUserAuthentication, nil, time.Hour},
		{"auth_time a string", MaxAge(time.Hour), map[string]any{"auth_time": "1"}, ErrInsufficientUserAuthentication, nil, time.Hour},
		{"max age rounds down", MaxAge(90*time.Second + time.Millisecond), map[string]any{"auth_time": clNow - 91}, ErrInsufficientUserAuthentication, nil, 90 * time.Second},
		{"negative max age allows nothing", MaxAge(-time.Second), map[string]any{"auth_time": clNow}, ErrInsufficientUserAuthentication, nil, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.p.Check(http.MethodGet, clVerified(t, v, k, tc.over))
			if tc.wantErr == nil {
				assert.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tc.wantErr)
			assert.NotErrorIs(t, err, ErrInvalidToken)
			var e *Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tc.wantACR, e.ACRValues())
			d, ok := e.MaxAge()
			assert.Equal(t, tc.wantMaxAge >= 0, ok)
			if ok {
				assert.Equal(t, tc.wantMaxAge, d)
			}
			status, _ := challengeOf(err)
			assert.Equal(t, http.StatusUnauthorized, status)
		})
	}
	t.Run("without a token", func(t *testing.T) {
		assert.ErrorIs(t, ACR("mfa").Check(http.MethodGet, nil), ErrNoCredentials)
		assert.ErrorIs(t, MaxAge(time.Hour).Check(http.MethodGet, nil), ErrNoCredentials)
	})
	t.Run("a bare category is answered with its generic error", func(t *testing.T) {
		status, challenge := challengeOf(ErrInsufficientUserAuthentication)
		assert.Equal(t, http.StatusUnauthorized, status)
		assert.Equal(t, `Bearer realm="api", error="insufficient_user_authentication", error_description="authentication level insufficient"`, challenge)
	})
}

func TestAllowClients(t *testing.T) {
	v, k := clStaticVerifier(t, nil)
	tests := []struct {
		name    string
		over    map[string]any
		wantErr error
	}{
		{"client_id listed", nil, nil}, // the fixture's client_id is client-1
		{"client_id first", map[string]any{"azp": "client-2"}, nil},
		{"azp without client_id", map[string]any{"client_id": clDelete, "azp": "client-2"}, nil},
		{"cid without the others", map[string]any{"client_id": clDelete, "cid": "client-2"}, nil},
		{"another client", map[string]any{"client_id": "evil"}, ErrClientDenied},
		{"azp does not rescue client_id", map[string]any{"client_id": "evil", "azp": "client-1"}, ErrClientDenied},
		{"no client claim", map[string]any{"client_id": clDelete}, ErrClientDenied},
		{"cid not a string", map[string]any{"client_id": clDelete, "cid": []string{"client-1"}}, ErrClientDenied},
	}
	p := AllowClients("client-1", "client-2")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := p.Check(http.MethodGet, clVerified(t, v, k, tc.over))
			if tc.wantErr == nil {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, tc.wantErr)
			assert.ErrorIs(t, err, ErrInsufficientScope)
		})
	}
	assert.ErrorIs(t, AllowClients().Check(http.MethodGet, clVerified(t, v, k, nil)), ErrClientDenied)
}

func TestScopeHierarchy(t *testing.T) {
	h, err := NewScopeHierarchy(map[string][]string{
		"files:write": {"files:read"},
		"files:admin": {"files:write"},
	})
	require.NoError(t, err)
	v, k := clStaticVerifier(t, nil)
	writer := clVerified(t, v, k, map[string]any{"scope": "files:write"})
	admin := clVerified(t, v, k, map[string]any{"scope": "files:admin"})
	assert.NoError(t, h.AllScopes("files:read").Check(http.MethodGet, writer), "write implies read")
	assert.NoError(t, h.AllScopes("files:read", "files:write").Check(http.MethodGet, writer))
	assert.NoError(t, h.AnyScope("files:write").Check(http.MethodGet, admin))
	err = h.AllScopes("files:read").Check(http.MethodGet, admin)
	clAssertDenial(t, err, ErrInsufficientScope, []string{"files:read"}) // not transitive; the challenge names what the rule asks
	clAssertDenial(t, AllScopes("files:read").Check(http.MethodGet, writer), ErrInsufficientScope, []string{"files:read"})
	clAssertDenial(t, h.AllScopes("files:write").Check(http.MethodGet,
		clVerified(t, v, k, map[string]any{"scope": "files:read"})), ErrInsufficientScope, []string{"files:write"})
	var none *ScopeHierarchy
	assert.False(t, none.Has(writer, "files:read"))
	assert.True(t, none.Has(writer, "files:write"))

	for _, bad := range []map[string][]string{{"": {"a"}}, {"a": {"b c"}}, {"a\n": nil}} {
		_, err := NewScopeHierarchy(bad)
		assert.ErrorIs(t, err, ErrConfig)
	}
}

func TestMaxTokenLifetime(t *testing.T) {
	v, k := clStaticVerifier(t, func(c *Config) { c.MaxTokenLifetime = time.Hour })
	tests := []struct {
		name    string
		over    map[string]any
		wantErr error
	}{
		{"exactly the maximum", map[string]any{"iat": clNow - 10, "exp": clNow - 10 + 3600}, nil},
		{"one second longer", map[string]any{"iat": clNow - 10, "exp": clNow - 10 + 3601}, ErrTokenLifetime},
		{"no iat", map[string]any{"iat": clDelete}, ErrTokenLifetime},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := v.Verify(context.Background(), k.sign(t, clTokenClaims(tc.over)))
			if tc.wantErr == nil {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, tc.wantErr)
			assert.ErrorIs(t, err, ErrInvalidToken)
		})
	}
	_, err := NewVerifier(Config{Audiences: []string{"a"}, Issuer: clIssuer, KeySet: NewStaticKeySet(), MaxTokenLifetime: -time.Second})
	assert.ErrorIs(t, err, ErrConfig)
	assert.ErrorContains(t, err, "MaxTokenLifetime")
}

func TestClaimsActors(t *testing.T) {
	v, k := clStaticVerifier(t, nil)
	tests := []struct {
		name string
		act  any
		want []string
	}{
		{"no act", clDelete, nil},
		{"one actor", map[string]any{"sub": "svc-a"}, []string{"svc-a"}},
		{"a chain, current actor first", map[string]any{"sub": "svc-a", "act": map[string]any{"sub": "svc-b", "act": map[string]any{"sub": "svc-c"}}},
			[]string{"svc-a", "svc-b", "svc-c"}},
		{"ends at a malformed level", map[string]any{"sub": "svc-a", "act": map[string]any{"sub": 7, "act": map[string]any{"sub": "svc-c"}}},
			[]string{"svc-a"}},
		{"act not an object", "svc-a", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, clVerified(t, v, k, map[string]any{"act": tc.act}).Actors())
		})
	}
}

// A nil policy inside a combinator is Authenticated, never a panic.
func TestNilMembersAreAuthenticated(t *testing.T) {
	v, k := clStaticVerifier(t, nil)
	c := clVerified(t, v, k, nil)
	for name, p := range map[string]Policy{
		"AllowAnonymous": AllowAnonymous(nil, http.MethodPost),
		"And":            And(nil),
		"Or":             Or(nil),
		"ByMethod":       ByMethod(map[string]Policy{"GET": nil}),
	} {
		t.Run(name, func(t *testing.T) {
			assert.NoError(t, p.Check(http.MethodGet, c))
			assert.ErrorIs(t, p.Check(http.MethodGet, nil), ErrNoCredentials)
		})
	}
}
