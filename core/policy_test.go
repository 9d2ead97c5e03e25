package core

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// clStaticVerifier builds a Verifier over a StaticKeySet holding the RS256
// key k1, with the catalog audience, issuer and fixed clock, changed by
// mutate when it is not nil.
func clStaticVerifier(tb testing.TB, mutate func(*Config)) (*Verifier, *kitKey) {
	tb.Helper()
	k := newKitKey(tb, "k1", "RS256")
	pub, err := NewPublicKey(k.kid, k.alg, k.signer.Public())
	require.NoError(tb, err)
	cfg := Config{
		Audiences: []string{clAudience},
		Issuer:    clIssuer,
		KeySet:    NewStaticKeySet(pub),
		Now:       newKitClock().Now,
	}
	if mutate != nil {
		mutate(&cfg)
	}
	v, err := NewVerifier(cfg)
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = v.Close() })
	return v, k
}

// clTokenClaims is the fixture claim set without any scope, with overrides.
func clTokenClaims(over map[string]any) map[string]any {
	c := clFixtureClaims(map[string]any{"scope": clDelete})
	for name, v := range over {
		if v == clDelete {
			delete(c, name)
			continue
		}
		c[name] = v
	}
	return c
}

// clVerified signs clTokenClaims(over) and verifies it with v.
func clVerified(tb testing.TB, v *Verifier, k *kitKey, over map[string]any) *Claims {
	tb.Helper()
	c, err := v.Verify(context.Background(), k.sign(tb, clTokenClaims(over)))
	require.NoError(tb, err, "precondition: the token verifies")
	return c
}

// clAssertDenial checks err against wantErr and, for a 403, the scopes the
// error lists (exactly) and the challenge's scope attribute.
func clAssertDenial(tb testing.TB, err, wantErr error, wantScopes []string) {
	tb.Helper()
	if wantErr == nil {
		assert.NoError(tb, err)
		return
	}
	require.Error(tb, err)
	assert.ErrorIs(tb, err, wantErr)
	if !errors.Is(wantErr, ErrInsufficientScope) {
		return
	}
	var e *Error
	require.ErrorAs(tb, err, &e)
	assert.Equal(tb, wantScopes, e.Scopes(), "scopes of the failed scope rule")
	resp := errorResponse(err, "api", "", nil)
	assert.Equal(tb, http.StatusForbidden, resp.Status)
	assert.Contains(tb, resp.WWWAuthenticate, `error="insufficient_scope"`)
	if len(wantScopes) == 0 {
		assert.NotContains(tb, resp.WWWAuthenticate, "scope=\"", "no scope attribute for a non-scope rule")
	}
}

// TestPolicyCatalogH covers threats.md §2-H through Verifier.Check, so that
// authentication failures are seen to win over policy denials (§1.7).
func TestPolicyCatalogH(t *testing.T) {
	v, k := clStaticVerifier(t, nil)
	scpOnly := func(c *Config) { c.ScopeClaims = []string{"scope"} }
	realm := func(c *Config) { c.RoleClaims = []string{"realm_access.roles"} }
	expired := map[string]any{"exp": clNow - 60, "iat": clNow - 3600}
	tests := []struct {
		name       string
		cfg        func(*Config)
		claims     map[string]any                        // token claims over the fixture (no scope)
		token      func(tb testing.TB, k *kitKey) string // replaces claims when set
		creds      *Credentials                          // replaces the bearer token when set
		policy     Policy
		wantErr    error
		wantScopes []string
		wantHeader string // exact WWW-Authenticate, when set
	}{
		{name: "H121 scope read write requires write", claims: map[string]any{"scope": "read write"}, policy: AnyScope("write")},
		{name: "H121 scope read write requires all of read write", claims: map[string]any{"scope": "read write"}, policy: AllScopes("read", "write")},
		{name: "H122 requires admin", claims: map[string]any{"scope": "read write"}, policy: AnyScope("admin"),
			wantErr: ErrInsufficientScope, wantScopes: []string{"admin"},
			wantHeader: `Bearer realm="api", error="insufficient_scope", error_description="insufficient scope", scope="admin"`},
		{name: "H123 scope read:admin vs read", claims: map[string]any{"scope": "read:admin"}, policy: AnyScope("read"),
			wantErr: ErrInsufficientScope, wantScopes: []string{"read"}},
		{name: "H123 scope unread vs read", claims: map[string]any{"scope": "unread"}, policy: AnyScope("read"),
			wantErr: ErrInsufficientScope, wantScopes: []string{"read"}},
		{name: "H123 scope readx vs read", claims: map[string]any{"scope": "readx"}, policy: AnyScope("read"),
			wantErr: ErrInsufficientScope, wantScopes: []string{"read"}},
		{name: "H123 scope read vs read:admin", claims: map[string]any{"scope": "read"}, policy: AnyScope("read:admin"),
			wantErr: ErrInsufficientScope, wantScopes: []string{"read:admin"}},
		{name: "H123 scope glob", claims: map[string]any{"scope": "read:*"}, policy: AnyScope("read:data"),
			wantErr: ErrInsufficientScope, wantScopes: []string{"read:data"}},
		{name: "H124 scope READ vs read", claims: map[string]any{"scope": "READ"}, policy: AnyScope("read"),
			wantErr: ErrInsufficientScope, wantScopes: []string{"read"}},
		{name: "H125 comma-delimited scopes", claims: map[string]any{"scope": "read,write"}, policy: AnyScope("write"),
			wantErr: ErrInsufficientScope, wantScopes: []string{"write"}},
		{name: "H125 tab-delimited scopes", claims: map[string]any{"scope": "read\twrite"}, policy: AnyScope("read"),
			wantErr: ErrInsufficientScope, wantScopes: []string{"read"}},
		{name: "H126 runs of spaces", claims: map[string]any{"scope": "  read   write "}, policy: AllScopes("read", "write")},
		// behaviour.md §1: every claim list may be a string or an array of
		// strings, so the catalog's "compat" mode is the default here.
		{name: "H127 scope as an array", claims: map[string]any{"scope": []string{"read", "write"}}, policy: AllScopes("read", "write")},
		{name: "H128 scp array with the default scope claims", claims: map[string]any{"scp": []string{"read"}}, policy: AnyScope("read")},
		{name: "H128 scp array when only scope is configured", cfg: scpOnly, claims: map[string]any{"scp": []string{"read"}},
			policy: AnyScope("read"), wantErr: ErrInsufficientScope, wantScopes: []string{"read"}},
		{name: "H129 scope empty", claims: map[string]any{"scope": ""}, policy: AnyScope("read"),
			wantErr: ErrInsufficientScope, wantScopes: []string{"read"}},
		{name: "H129 scope null", claims: map[string]any{"scope": nil}, policy: AnyScope("read"),
			wantErr: ErrInsufficientScope, wantScopes: []string{"read"}},
		{name: "H129 scope number", claims: map[string]any{"scope": 123}, policy: AnyScope("123"),
			wantErr: ErrInsufficientScope, wantScopes: []string{"123"}},
		{name: "H129 scope object", claims: map[string]any{"scope": map[string]any{"read": true}}, policy: AnyScope("read"),
			wantErr: ErrInsufficientScope, wantScopes: []string{"read"}},
		{name: "H129 scope array of non-strings", claims: map[string]any{"scope": []any{1, true, nil}}, policy: AnyScope("1"),
			wantErr: ErrInsufficientScope, wantScopes: []string{"1"}},
		{name: "H130 array element with a space, requires write", claims: map[string]any{"scope": []string{"read write"}},
			policy: AnyScope("write"), wantErr: ErrInsufficientScope, wantScopes: []string{"write"}},
		{name: "H130 array element with a space, requires read", claims: map[string]any{"scope": []string{"read write"}},
			policy: AnyScope("read"), wantErr: ErrInsufficientScope, wantScopes: []string{"read"}},
		{name: "H131 roles as a string", claims: map[string]any{"roles": "admin"}, policy: AnyRole("admin")},
		{name: "H131 roles as a space-separated string", claims: map[string]any{"roles": "user admin"}, policy: AllRoles("admin", "user")},
		{name: "H131 role superstring", claims: map[string]any{"roles": "superadmin"}, policy: AnyRole("admin"), wantErr: ErrRoleDenied},
		{name: "H131 role prefix", claims: map[string]any{"roles": []string{"administrator"}}, policy: AnyRole("admin"), wantErr: ErrRoleDenied},
		{name: "H131 role case", claims: map[string]any{"roles": []string{"Admin"}}, policy: AnyRole("admin"), wantErr: ErrRoleDenied},
		{name: "H132 realm_access.roles present", cfg: realm, claims: map[string]any{"realm_access": map[string]any{"roles": []string{"admin"}}},
			policy: AnyRole("admin")},
		{name: "H132 realm_access missing", cfg: realm, claims: map[string]any{"roles": []string{"admin"}}, policy: AnyRole("admin"), wantErr: ErrRoleDenied},
		{name: "H132 realm_access.roles missing", cfg: realm, claims: map[string]any{"realm_access": map[string]any{}}, policy: AnyRole("admin"), wantErr: ErrRoleDenied},
		{name: "H132 realm_access a string", cfg: realm, claims: map[string]any{"realm_access": "admin"}, policy: AnyRole("admin"), wantErr: ErrRoleDenied},
		{name: "H132 realm_access null", cfg: realm, claims: map[string]any{"realm_access": nil}, policy: AnyRole("admin"), wantErr: ErrRoleDenied},
		{name: "H132 realm_access an array", cfg: realm, claims: map[string]any{"realm_access": []any{map[string]any{"roles": []string{"admin"}}}},
			policy: AnyRole("admin"), wantErr: ErrRoleDenied},
		{name: "H132 realm_access.roles a number", cfg: realm, claims: map[string]any{"realm_access": map[string]any{"roles": 1}}, policy: AnyRole("1"), wantErr: ErrRoleDenied},
		{name: "H132 realm_access.roles an object", cfg: realm, claims: map[string]any{"realm_access": map[string]any{"roles": map[string]any{"admin": true}}},
			policy: AnyRole("admin"), wantErr: ErrRoleDenied},
		{name: "H133 role denial", claims: map[string]any{"roles": []string{"user"}}, policy: AnyRole("admin"), wantErr: ErrRoleDenied,
			wantHeader: `Bearer realm="api", error="insufficient_scope", error_description="insufficient role"`},
		{name: "H133 permission denial", claims: map[string]any{"permissions": []string{"a:read"}}, policy: AllPermissions("a:read", "a:write"),
			wantErr: ErrPermissionDenied, wantHeader: `Bearer realm="api", error="insufficient_scope", error_description="insufficient permission"`},
		{name: "H134 expired token on an admin route", claims: clMerge(expired, map[string]any{"roles": "user"}), policy: AnyRole("admin"), wantErr: ErrTokenExpired,
			wantHeader: `Bearer realm="api", error="invalid_token", error_description="token expired"`},
		{name: "H134 expired token lacking the scope", claims: expired, policy: AnyScope("admin"), wantErr: ErrTokenExpired},
		{name: "H134 expired token holding the scope", claims: clMerge(expired, map[string]any{"scope": "admin"}), policy: AnyScope("admin"), wantErr: ErrTokenExpired},
		{name: "H134 bad signature lacking the scope", token: func(tb testing.TB, k *kitKey) string {
			return clTamperSignature(k.sign(tb, clTokenClaims(map[string]any{"scope": "read"})))
		}, policy: AnyScope("admin"), wantErr: ErrSignatureInvalid},
		{name: "H134 wrong audience lacking the role", claims: map[string]any{"aud": "api://other"}, policy: AllRoles("admin"), wantErr: ErrAudienceMismatch},
		{name: "H134 malformed bearer on an admin route", creds: &Credentials{Authorization: []string{"Bearer a b"}}, policy: AnyRole("admin"), wantErr: ErrBearerSyntax},
		{name: "H134 two Authorization headers on an admin route", creds: &Credentials{Authorization: []string{"Bearer a", "Bearer b"}},
			policy: AnyRole("admin"), wantErr: ErrInvalidRequest},
		{name: "H135 anonymous request to a public route", creds: &Credentials{}, policy: AllowAnonymous(Authenticated(), http.MethodGet)},
		{name: "H135 other scheme on a public route is anonymous", creds: &Credentials{Authorization: []string{"Basic YWxpY2U6c2VjcmV0"}},
			policy: AllowAnonymous(Authenticated(), http.MethodGet)},
		{name: "H135 valid token on a public route", claims: nil, policy: AllowAnonymous(Authenticated(), http.MethodGet)},
		{name: "H135 invalid token on a public route", creds: &Credentials{Authorization: []string{"Bearer not.a.token"}},
			policy: AllowAnonymous(Authenticated(), http.MethodGet), wantErr: ErrInvalidToken},
		{name: "H135 expired token on a public route", claims: expired, policy: AllowAnonymous(Authenticated(), http.MethodGet), wantErr: ErrTokenExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := v
			if tt.cfg != nil {
				v, _ = clStaticVerifier(t, tt.cfg)
			}
			var creds Credentials
			switch {
			case tt.creds != nil:
				creds = *tt.creds
			case tt.token != nil:
				creds = clBearer(tt.token(t, k))
			default:
				creds = clBearer(k.sign(t, clTokenClaims(tt.claims)))
			}
			claims, err := v.Check(context.Background(), http.MethodGet, creds, tt.policy)
			clAssertDenial(t, err, tt.wantErr, tt.wantScopes)
			if err != nil {
				assert.Nil(t, claims)
			}
			if tt.wantHeader != "" {
				assert.Equal(t, tt.wantHeader, v.ErrorResponse(err).WWWAuthenticate)
			}
			if errors.Is(tt.wantErr, ErrInvalidToken) {
				assert.Equal(t, http.StatusUnauthorized, v.ErrorResponse(err).Status, "401 before 403")
			}
		})
	}
}

// clMerge returns a copy of a with b's entries added.
func clMerge(a, b map[string]any) map[string]any {
	out := make(map[string]any, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// TestPolicyConstructors checks every built-in policy with Policy.Check on
// verified claims (nil claims for an anonymous request).
func TestPolicyConstructors(t *testing.T) {
	v, k := clStaticVerifier(t, nil)
	alwaysRoleDenied := PolicyFunc(func(string, *Claims) error { return ErrRoleDenied })
	items := ByMethod(map[string]Policy{
		"get":  AnyPermission("items:read"),
		"POST": AnyPermission("items:create"),
	})
	anonRead := AllowAnonymous(AnyScope("read"), "get", "HEAD")
	tests := []struct {
		name       string
		policy     Policy
		method     string         // default GET
		claims     map[string]any // token claims over the fixture (no scope)
		anonymous  bool           // nil claims
		wantErr    error
		wantScopes []string
	}{
		{name: "Authenticated with a token", policy: Authenticated()},
		{name: "Authenticated anonymous", policy: Authenticated(), anonymous: true, wantErr: ErrNoCredentials},

		{name: "AnyScope one of them", policy: AnyScope("a", "b"), claims: map[string]any{"scope": "x b"}},
		{name: "AnyScope none", policy: AnyScope("a", "b"), claims: map[string]any{"scope": "x"},
			wantErr: ErrInsufficientScope, wantScopes: []string{"a", "b"}},
		{name: "AnyScope anonymous", policy: AnyScope("a"), anonymous: true, wantErr: ErrNoCredentials},
		{name: "AnyScope empty list denies", policy: AnyScope(), claims: map[string]any{"scope": "a"}, wantErr: ErrInsufficientScope},
		{name: "AllScopes all", policy: AllScopes("a", "b"), claims: map[string]any{"scope": "b c a"}},
		{name: "AllScopes some", policy: AllScopes("a", "b"), claims: map[string]any{"scope": "a"},
			wantErr: ErrInsufficientScope, wantScopes: []string{"a", "b"}},
		{name: "AllScopes anonymous", policy: AllScopes("a"), anonymous: true, wantErr: ErrNoCredentials},
		{name: "AllScopes empty list denies", policy: AllScopes(), claims: map[string]any{"scope": "a"}, wantErr: ErrInsufficientScope},
		{name: "AllScopes empty list denies a token without scopes", policy: AllScopes(), wantErr: ErrInsufficientScope},

		{name: "AnyRole one of them", policy: AnyRole("admin", "superuser"), claims: map[string]any{"roles": []string{"superuser"}}},
		{name: "AnyRole none", policy: AnyRole("admin", "superuser"), claims: map[string]any{"roles": []string{"user"}}, wantErr: ErrRoleDenied},
		{name: "AnyRole anonymous", policy: AnyRole("admin"), anonymous: true, wantErr: ErrNoCredentials},
		{name: "AnyRole empty list denies", policy: AnyRole(), claims: map[string]any{"roles": []string{"admin"}}, wantErr: ErrRoleDenied},
		{name: "AllRoles all", policy: AllRoles("admin", "superuser"), claims: map[string]any{"roles": []string{"superuser", "admin"}}},
		{name: "AllRoles some", policy: AllRoles("admin", "superuser"), claims: map[string]any{"roles": []string{"admin"}}, wantErr: ErrRoleDenied},
		{name: "AllRoles empty list denies", policy: AllRoles(), claims: map[string]any{"roles": []string{"admin"}}, wantErr: ErrRoleDenied},

		{name: "AnyPermission one of them", policy: AnyPermission("p:a", "p:b"), claims: map[string]any{"permissions": "p:b"}},
		{name: "AnyPermission none", policy: AnyPermission("p:a", "p:b"), claims: map[string]any{"permissions": "p:c"}, wantErr: ErrPermissionDenied},
		{name: "AnyPermission anonymous", policy: AnyPermission("p:a"), anonymous: true, wantErr: ErrNoCredentials},
		{name: "AnyPermission empty list denies", policy: AnyPermission(), claims: map[string]any{"permissions": "p:a"}, wantErr: ErrPermissionDenied},
		{name: "AllPermissions all", policy: AllPermissions("p:a", "p:b"), claims: map[string]any{"permissions": []string{"p:a", "p:b"}}},
		{name: "AllPermissions some", policy: AllPermissions("p:a", "p:b"), claims: map[string]any{"permissions": []string{"p:b"}}, wantErr: ErrPermissionDenied},
		{name: "AllPermissions empty list denies", policy: AllPermissions(), claims: map[string]any{"permissions": "p:a"}, wantErr: ErrPermissionDenied},

		{name: "And all met", policy: And(AnyScope("read"), AnyRole("admin")), claims: map[string]any{"scope": "read", "roles": "admin"}},
		{name: "And second denies", policy: And(AnyScope("read"), AnyRole("admin")), claims: map[string]any{"scope": "read"}, wantErr: ErrRoleDenied},
		{name: "And first denial wins", policy: And(AnyScope("read"), AnyRole("admin")), claims: map[string]any{},
			wantErr: ErrInsufficientScope, wantScopes: []string{"read"}},
		{name: "And anonymous", policy: And(AnyScope("read"), AnyRole("admin")), anonymous: true, wantErr: ErrNoCredentials},
		{name: "And empty denies", policy: And(), wantErr: ErrMethodDenied},
		{name: "And empty anonymous", policy: And(), anonymous: true, wantErr: ErrNoCredentials},

		{name: "Or one met", policy: Or(AnyScope("a"), AnyRole("admin")), claims: map[string]any{"roles": "admin"}},
		{name: "Or union of scopes", policy: Or(AnyScope("a", "b"), AnyRole("admin"), AllScopes("c", "a")), claims: map[string]any{"scope": "x"},
			wantErr: ErrInsufficientScope, wantScopes: []string{"a", "b", "c"}},
		{name: "Or scopes listed after a role denial", policy: Or(AnyRole("admin"), AnyScope("s")), claims: map[string]any{},
			wantErr: ErrInsufficientScope, wantScopes: []string{"s"}},
		{name: "Or without scope rules keeps the first denial", policy: Or(AnyRole("admin"), AnyPermission("p")), claims: map[string]any{}, wantErr: ErrRoleDenied},
		{name: "Or anonymous", policy: Or(AnyScope("a"), AnyRole("admin")), anonymous: true, wantErr: ErrNoCredentials},
		{name: "Or no credentials wins over an earlier 403", policy: Or(alwaysRoleDenied, Authenticated()), anonymous: true, wantErr: ErrNoCredentials},
		{name: "Or empty denies", policy: Or(), wantErr: ErrMethodDenied},
		{name: "Or empty anonymous", policy: Or(), anonymous: true, wantErr: ErrNoCredentials},
		{name: "Or of And", policy: Or(And(AnyScope("a"), AnyRole("r")), AnyPermission("p")), claims: map[string]any{"scope": "a", "roles": "r"}},

		{name: "ByMethod GET from a lower-case key", policy: items, claims: map[string]any{"permissions": "items:read"}},
		{name: "ByMethod POST denied", policy: items, method: http.MethodPost, claims: map[string]any{"permissions": "items:read"}, wantErr: ErrPermissionDenied},
		{name: "ByMethod POST allowed", policy: items, method: http.MethodPost, claims: map[string]any{"permissions": "items:create"}},
		{name: "ByMethod unknown method denied", policy: items, method: http.MethodPut, claims: map[string]any{"permissions": "items:read items:create"}, wantErr: ErrMethodDenied},
		{name: "ByMethod method is case-sensitive", policy: items, method: "get", claims: map[string]any{"permissions": "items:read"}, wantErr: ErrMethodDenied},
		{name: "ByMethod anonymous known method", policy: items, anonymous: true, wantErr: ErrNoCredentials},
		{name: "ByMethod anonymous unknown method", policy: items, method: http.MethodPut, anonymous: true, wantErr: ErrNoCredentials},
		{name: "ByMethod empty map denies", policy: ByMethod(nil), wantErr: ErrMethodDenied},

		{name: "AllowAnonymous anonymous GET", policy: anonRead, anonymous: true},
		{name: "AllowAnonymous anonymous HEAD", policy: anonRead, method: http.MethodHead, anonymous: true},
		{name: "AllowAnonymous anonymous POST", policy: anonRead, method: http.MethodPost, anonymous: true, wantErr: ErrNoCredentials},
		{name: "AllowAnonymous token GET judged by the policy", policy: anonRead, claims: map[string]any{"scope": "write"},
			wantErr: ErrInsufficientScope, wantScopes: []string{"read"}},
		{name: "AllowAnonymous token GET allowed", policy: anonRead, claims: map[string]any{"scope": "read"}},
		{name: "AllowAnonymous token POST allowed", policy: anonRead, method: http.MethodPost, claims: map[string]any{"scope": "read"}},

		{name: "Owner matches", policy: Owner("alice")},
		{name: "Owner other subject", policy: Owner("alice"), claims: map[string]any{"sub": "bob"}, wantErr: ErrNotOwner},
		{name: "Owner is case-sensitive", policy: Owner("Alice"), wantErr: ErrNotOwner},
		{name: "Owner anonymous", policy: Owner("alice"), anonymous: true, wantErr: ErrNoCredentials},
		{name: "Owner empty owner and no sub", policy: Owner(""), claims: map[string]any{"sub": clDelete}, wantErr: ErrNotOwner},
		{name: "Owner empty owner and empty sub", policy: Owner(""), claims: map[string]any{"sub": ""}, wantErr: ErrNotOwner},
		{name: "OwnerOrSafeMethods other subject GET", policy: OwnerOrSafeMethods("alice"), claims: map[string]any{"sub": "bob"}},
		{name: "OwnerOrSafeMethods other subject HEAD", policy: OwnerOrSafeMethods("alice"), method: http.MethodHead, claims: map[string]any{"sub": "bob"}},
		{name: "OwnerOrSafeMethods other subject OPTIONS", policy: OwnerOrSafeMethods("alice"), method: http.MethodOptions, claims: map[string]any{"sub": "bob"}},
		{name: "OwnerOrSafeMethods other subject PATCH", policy: OwnerOrSafeMethods("alice"), method: http.MethodPatch, claims: map[string]any{"sub": "bob"}, wantErr: ErrNotOwner},
		{name: "OwnerOrSafeMethods other subject DELETE", policy: OwnerOrSafeMethods("alice"), method: http.MethodDelete, claims: map[string]any{"sub": "bob"}, wantErr: ErrNotOwner},
		{name: "OwnerOrSafeMethods owner DELETE", policy: OwnerOrSafeMethods("alice"), method: http.MethodDelete},
		{name: "OwnerOrSafeMethods anonymous GET", policy: OwnerOrSafeMethods("alice"), anonymous: true, wantErr: ErrNoCredentials},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c *Claims
			if !tt.anonymous {
				c = clVerified(t, v, k, tt.claims)
			}
			method := tt.method
			if method == "" {
				method = http.MethodGet
			}
			clAssertDenial(t, tt.policy.Check(method, c), tt.wantErr, tt.wantScopes)
		})
	}
}

// TestPolicyImmutable: a policy does not change when the caller later
// changes the slices or map it was built from, nor when the caller changes
// the scope list of a denial.
func TestPolicyImmutable(t *testing.T) {
	v, k := clStaticVerifier(t, nil)
	c := clVerified(t, v, k, map[string]any{"scope": "a", "permissions": "p"})

	scopes := []string{"a"}
	anyScope := AnyScope(scopes...)
	scopes[0] = "z"
	assert.NoError(t, anyScope.Check(http.MethodGet, c))

	ps := []Policy{AnyScope("a")}
	and := And(ps...)
	ps[0] = AnyScope("z")
	assert.NoError(t, and.Check(http.MethodGet, c))

	m := map[string]Policy{"GET": AnyPermission("p")}
	byMethod := ByMethod(m)
	m["GET"] = AnyPermission("z")
	m["PUT"] = Authenticated()
	assert.NoError(t, byMethod.Check(http.MethodGet, c))
	assert.ErrorIs(t, byMethod.Check(http.MethodPut, c), ErrMethodDenied)

	p := AllScopes("x", "y")
	var e *Error
	require.ErrorAs(t, p.Check(http.MethodGet, c), &e)
	got := e.Scopes()
	got[0] = "mutated"
	require.ErrorAs(t, p.Check(http.MethodGet, c), &e)
	assert.Equal(t, []string{"x", "y"}, e.Scopes())
}

// clCheckCase is one request judged by Verifier.Check.
type clCheckCase struct {
	name       string
	v          *Verifier // nil: the default verifier
	method     string
	creds      Credentials
	policy     Policy
	wantErr    error
	wantClaims bool
}

// TestPolicyCheckThroughVerifier covers Verifier.Check and Authorize around
// policies: safe methods, a nil policy, AllowAnonymous with invalid tokens.
func TestPolicyCheckThroughVerifier(t *testing.T) {
	v, k := clStaticVerifier(t, nil)
	ctx := context.Background()
	valid := clBearer(k.sign(t, clTokenClaims(map[string]any{"scope": "read"})))
	expired := clBearer(k.sign(t, clTokenClaims(map[string]any{"exp": clNow - 1, "iat": clNow - 60})))
	anon := Credentials{}
	garbage := Credentials{Authorization: []string{"Bearer garbage"}}
	twoHeaders := Credentials{Authorization: []string{"Bearer a", "Bearer b"}}
	anonGet := AllowAnonymous(AnyScope("read"), http.MethodGet)

	tests := []clCheckCase{
		{name: "OPTIONS without credentials meets no policy", method: http.MethodOptions, creds: anon, policy: AnyRole("admin"), wantErr: ErrNoCredentials},
		{name: "OPTIONS with an invalid token", method: http.MethodOptions, creds: garbage, policy: AnyRole("admin"), wantErr: ErrTokenMalformed},
		{name: "OPTIONS with two Authorization headers", method: http.MethodOptions, creds: twoHeaders, policy: AnyRole("admin"), wantErr: ErrInvalidRequest},
		{name: "OPTIONS with a valid token is judged by the policy", method: http.MethodOptions, creds: valid, policy: AnyRole("admin"), wantErr: ErrRoleDenied},
		{name: "OPTIONS with a valid token returns claims", method: http.MethodOptions, creds: valid, policy: AnyScope("read"), wantClaims: true},
		{name: "nil policy means authenticated", method: http.MethodGet, creds: valid, wantClaims: true},
		{name: "nil policy anonymous", method: http.MethodGet, creds: anon, wantErr: ErrNoCredentials},
		{name: "AllowAnonymous anonymous GET passes", method: http.MethodGet, creds: anon, policy: anonGet},
		{name: "AllowAnonymous valid token GET returns claims", method: http.MethodGet, creds: valid, policy: anonGet, wantClaims: true},
		{name: "AllowAnonymous garbage token GET fails", method: http.MethodGet, creds: garbage, policy: anonGet, wantErr: ErrTokenMalformed},
		{name: "AllowAnonymous expired token GET fails", method: http.MethodGet, creds: expired, policy: anonGet, wantErr: ErrTokenExpired},
		{name: "AllowAnonymous empty bearer GET fails", method: http.MethodGet, creds: Credentials{Authorization: []string{"Bearer"}}, policy: anonGet, wantErr: ErrEmptyBearer},
		{name: "AllowAnonymous two headers GET fails", method: http.MethodGet, creds: twoHeaders, policy: anonGet, wantErr: ErrInvalidRequest},
		{name: "AllowAnonymous anonymous POST denied", method: http.MethodPost, creds: anon, policy: anonGet, wantErr: ErrNoCredentials},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vv := v
			if tt.v != nil {
				vv = tt.v
			}
			claims, err := vv.Check(ctx, tt.method, tt.creds, tt.policy)
			if tt.wantErr != nil {
				assert.ErrorIs(t, err, tt.wantErr)
				assert.Nil(t, claims)
				return
			}
			require.NoError(t, err)
			if tt.wantClaims {
				require.NotNil(t, claims)
				assert.Equal(t, "alice", claims.Subject())
			} else {
				assert.Nil(t, claims)
			}
		})
	}

	t.Run("anonymous POST answers 401 without an error attribute", func(t *testing.T) {
		_, err := v.Check(ctx, http.MethodPost, anon, anonGet)
		resp := v.ErrorResponse(err)
		assert.Equal(t, http.StatusUnauthorized, resp.Status)
		assert.Equal(t, `Bearer realm="api"`, resp.WWWAuthenticate)
	})
	t.Run("no method meets a policy without a token", func(t *testing.T) {
		g := NewGuard(v, GuardOptions{})
		for _, m := range []string{http.MethodOptions, http.MethodGet, http.MethodHead} {
			ctx, err := g.Authenticate(ctx, m, anon)
			if m == http.MethodOptions {
				require.NoError(t, err, "a preflight passes the middleware")
			}
			assert.ErrorIs(t, g.Authorize(ctx, m, AnyRole("admin")), ErrNoCredentials, m)
			assert.ErrorIs(t, g.Authorize(ctx, m, nil), ErrNoCredentials, m)
			_, err = v.Check(ctx, m, anon, AnyRole("admin"))
			assert.ErrorIs(t, err, ErrNoCredentials, m)
		}
		assert.ErrorIs(t, (*Guard)(nil).Authorize(ctx, http.MethodGet, AllowAnonymous(nil, "GET")), ErrNoCredentials,
			"without a Guard (no middleware ran) every request is refused")
	})
}

// TestPolicyCustomDenials: a custom Policy may deny with the exported
// categories (Policy's doc: "an error matching ErrInsufficientScope ... or
// ErrNoCredentials"), plain or wrapped; ErrorResponse must answer them
// with their own status, never as an invalid token.
func TestPolicyCustomDenials(t *testing.T) {
	v, k := clStaticVerifier(t, nil)
	valid := clBearer(k.sign(t, clTokenClaims(nil)))
	tests := []struct {
		name       string
		deny       error
		creds      Credentials
		wantStatus int
		wantHeader string
	}{
		{"wrapped role reason", fmt.Errorf("tenant mismatch: %w", ErrRoleDenied), valid, http.StatusForbidden,
			`Bearer realm="api", error="insufficient_scope", error_description="insufficient role"`},
		{"plain ErrInsufficientScope", ErrInsufficientScope, valid, http.StatusForbidden, ""},
		{"wrapped ErrInsufficientScope", fmt.Errorf("client not allowed: %w", ErrInsufficientScope), valid, http.StatusForbidden, ""},
		{"plain ErrNoCredentials", ErrNoCredentials, Credentials{}, http.StatusUnauthorized, `Bearer realm="api"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := PolicyFunc(func(string, *Claims) error { return tt.deny })
			_, err := v.Check(context.Background(), http.MethodGet, tt.creds, p)
			require.ErrorIs(t, err, tt.deny)
			resp := v.ErrorResponse(err)
			assert.Equal(t, tt.wantStatus, resp.Status)
			if tt.wantStatus == http.StatusForbidden {
				assert.Contains(t, resp.WWWAuthenticate, `error="insufficient_scope"`)
			}
			if tt.wantHeader != "" {
				assert.Equal(t, tt.wantHeader, resp.WWWAuthenticate)
			}
		})
	}
}

// clDownKeySet is a custom KeySet that reports, as KeySet's doc asks, an
// error matching ErrKeysUnavailable.
type clDownKeySet struct{}

func (clDownKeySet) Keys(context.Context, string) ([]*PublicKey, error) {
	return nil, fmt.Errorf("vault unreachable: %w", ErrKeysUnavailable)
}

// TestPolicyCustomKeySetUnavailable: the same category-only mapping for the
// other extension point, a custom KeySet: 503, never invalid_token.
func TestPolicyCustomKeySetUnavailable(t *testing.T) {
	v, k := clStaticVerifier(t, func(c *Config) { c.KeySet = clDownKeySet{} })
	_, err := v.Check(context.Background(), http.MethodGet, clBearer(k.sign(t, clTokenClaims(nil))), AnyScope("read"))
	require.ErrorIs(t, err, ErrKeysUnavailable)
	resp := v.ErrorResponse(err)
	assert.Equal(t, http.StatusServiceUnavailable, resp.Status)
	assert.NotEmpty(t, resp.RetryAfter)
	assert.Empty(t, resp.WWWAuthenticate)
}

// TestPolicyExampleRoutes evaluates the behaviour.md §5 route policies for
// its personas with Verifier.Check over signed tokens.
func TestPolicyExampleRoutes(t *testing.T) {
	v, k := clStaticVerifier(t, nil)
	personas := map[string]map[string]any{
		"reader": {"sub": "reader", "scope": "read:data"},
		"writer": {"sub": "writer", "scope": "write:data openid"},
		"admin":  {"sub": "admin", "roles": []string{"admin", "superuser"}},
		"editor": {"sub": "editor", "scope": "openid", "roles": []string{"editor"}, "permissions": []string{
			"resource:write", "resource:create", "items:read", "items:create", "items:update", "items:delete"}},
	}
	items := ByMethod(map[string]Policy{
		http.MethodGet:    AnyPermission("items:read"),
		http.MethodPost:   AnyPermission("items:create"),
		http.MethodPatch:  AnyPermission("items:update"),
		http.MethodDelete: AnyPermission("items:delete"),
	})
	readScopes := []string{"read:data", "admin"}
	writeScopes := []string{"write:data", "openid"}
	strictScopes := []string{"openid", "profile"}
	routes := []struct {
		method, path string
		policy       Policy
		want         map[string]error // per persona; nil allows
		wantScopes   []string         // of an ErrInsufficientScope denial
	}{
		{http.MethodGet, "/api/read", AnyScope("read:data", "admin"),
			map[string]error{"reader": nil, "writer": ErrInsufficientScope, "admin": ErrInsufficientScope, "editor": ErrInsufficientScope}, readScopes},
		{http.MethodPost, "/api/write", AllScopes("write:data", "openid"),
			map[string]error{"reader": ErrInsufficientScope, "writer": nil, "admin": ErrInsufficientScope, "editor": ErrInsufficientScope}, writeScopes},
		{http.MethodGet, "/admin/users", AnyRole("admin", "superuser"),
			map[string]error{"reader": ErrRoleDenied, "writer": ErrRoleDenied, "admin": nil, "editor": ErrRoleDenied}, nil},
		{http.MethodDelete, "/admin/users/{id}", AllRoles("admin", "superuser"),
			map[string]error{"reader": ErrRoleDenied, "writer": ErrRoleDenied, "admin": nil, "editor": ErrRoleDenied}, nil},
		{http.MethodPost, "/api/resource", AnyPermission("resource:create"),
			map[string]error{"reader": ErrPermissionDenied, "writer": ErrPermissionDenied, "admin": ErrPermissionDenied, "editor": nil}, nil},
		{http.MethodGet, "/api/strict", And(AnyScope("openid", "profile"), AnyRole("editor"), AnyPermission("resource:write")),
			map[string]error{"reader": ErrInsufficientScope, "writer": ErrRoleDenied, "admin": ErrInsufficientScope, "editor": nil}, strictScopes},
		{http.MethodGet, "/api/items", items,
			map[string]error{"reader": ErrPermissionDenied, "writer": ErrPermissionDenied, "admin": ErrPermissionDenied, "editor": nil}, nil},
		{http.MethodPost, "/api/items", items,
			map[string]error{"reader": ErrPermissionDenied, "writer": ErrPermissionDenied, "admin": ErrPermissionDenied, "editor": nil}, nil},
		{http.MethodPatch, "/api/items", items,
			map[string]error{"reader": ErrPermissionDenied, "writer": ErrPermissionDenied, "admin": ErrPermissionDenied, "editor": nil}, nil},
		{http.MethodDelete, "/api/items", items,
			map[string]error{"reader": ErrPermissionDenied, "writer": ErrPermissionDenied, "admin": ErrPermissionDenied, "editor": nil}, nil},
		{http.MethodPut, "/api/items", items,
			map[string]error{"reader": ErrMethodDenied, "writer": ErrMethodDenied, "admin": ErrMethodDenied, "editor": ErrMethodDenied}, nil},
	}
	tokens := map[string]Credentials{"anonymous": {}}
	for name, claims := range personas {
		tokens[name] = clBearer(k.sign(t, clTokenClaims(claims)))
	}
	for _, r := range routes {
		for _, persona := range []string{"anonymous", "reader", "writer", "admin", "editor"} {
			t.Run(r.method+" "+r.path+" as "+persona, func(t *testing.T) {
				wantErr := r.want[persona]
				if persona == "anonymous" {
					wantErr = ErrNoCredentials
				}
				claims, err := v.Check(context.Background(), r.method, tokens[persona], r.policy)
				var wantScopes []string
				if wantErr == ErrInsufficientScope { // a scope rule failed
					wantScopes = r.wantScopes
				}
				clAssertDenial(t, err, wantErr, wantScopes)
				if wantErr == nil {
					require.NotNil(t, claims)
					assert.Equal(t, persona, claims.Subject())
				}
			})
		}
	}
}

// TestGuardAuthenticate covers the middleware decision: safe and anonymous
// methods pass without credentials, present credentials are verified
// whatever the method.
func TestGuardAuthenticate(t *testing.T) {
	v, k := clStaticVerifier(t, nil)
	headSafe, _ := clStaticVerifier(t, func(c *Config) { c.SafeMethods = []string{"OPTIONS", "HEAD"} })
	noneSafe, _ := clStaticVerifier(t, func(c *Config) { c.SafeMethods = []string{} })
	ctx := context.Background()
	valid := clBearer(k.sign(t, clTokenClaims(map[string]any{"scope": "read"})))
	anon := Credentials{}
	garbage := Credentials{Authorization: []string{"Bearer garbage"}}
	twoHeaders := Credentials{Authorization: []string{"Bearer a", "Bearer b"}}
	tests := []struct {
		name       string
		v          *Verifier
		anonymous  []string
		method     string
		creds      Credentials
		wantErr    error
		wantClaims bool
	}{
		{"OPTIONS without credentials passes", v, nil, http.MethodOptions, anon, nil, false},
		{"OPTIONS with a valid token returns its claims", v, nil, http.MethodOptions, valid, nil, true},
		{"OPTIONS with an invalid token", v, nil, http.MethodOptions, garbage, ErrTokenMalformed, false},
		{"OPTIONS with two Authorization headers", v, nil, http.MethodOptions, twoHeaders, ErrInvalidRequest, false},
		{"HEAD is not safe by default", v, nil, http.MethodHead, anon, ErrNoCredentials, false},
		{"method case matters", v, nil, "options", anon, ErrNoCredentials, false},
		{"GET needs a token", v, nil, http.MethodGet, anon, ErrNoCredentials, false},
		{"anonymous GET passes", v, []string{"get"}, http.MethodGet, anon, nil, false},
		{"anonymous GET with an invalid token", v, []string{"GET"}, http.MethodGet, garbage, ErrTokenMalformed, false},
		{"configured safe HEAD", headSafe, nil, http.MethodHead, anon, nil, false},
		{"configured safe HEAD verifies a token", headSafe, nil, http.MethodHead, garbage, ErrTokenMalformed, false},
		{"no safe methods configured", noneSafe, nil, http.MethodOptions, anon, ErrNoCredentials, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewGuard(tt.v, GuardOptions{AnonymousMethods: tt.anonymous})
			got, err := g.Authenticate(ctx, tt.method, tt.creds)
			claims, ok := ClaimsFromContext(got)
			if tt.wantErr != nil {
				assert.ErrorIs(t, err, tt.wantErr)
				assert.False(t, ok)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantClaims, ok, "claims")
			assert.Equal(t, tt.wantClaims, g.Authorize(got, tt.method, AnyScope("read")) == nil, "Authorize sees them")
			if ok {
				token, _ := TokenFromContext(got)
				assert.Equal(t, tt.creds.Authorization[0], "Bearer "+token, "the token as sent")
				assert.Equal(t, claims.Subject(), "alice")
			}
		})
	}
	t.Run("claims are those of the innermost Guard", func(t *testing.T) {
		outer, inner := NewGuard(v, GuardOptions{}), NewGuard(v, GuardOptions{})
		ctx, err := outer.Authenticate(ctx, http.MethodGet, valid)
		require.NoError(t, err)
		require.NoError(t, outer.Authorize(ctx, http.MethodGet, AnyScope("read")))
		assert.ErrorIs(t, inner.Authorize(ctx, http.MethodGet, AnyScope("read")), ErrNoCredentials,
			"a Guard ignores the claims another one stamped")
		skipped := inner.Skip(ctx)
		_, ok := ClaimsFromContext(skipped)
		assert.False(t, ok, "a skip hides the outer claims")
		assert.ErrorIs(t, inner.Authorize(skipped, http.MethodGet, AnyScope("read")), ErrNoCredentials)
		assert.ErrorIs(t, outer.Authorize(skipped, http.MethodGet, AnyScope("read")), ErrNoCredentials)
	})
	t.Run("a nil verifier panics at construction", func(t *testing.T) {
		assert.PanicsWithValue(t, "axioms: a middleware needs a non-nil *core.Verifier", func() { NewGuard(nil, GuardOptions{}) })
	})
}

// A Verifier without an issuer does not check iss, and says so once, at
// construction.
func TestNoIssuerWarning(t *testing.T) {
	var logs strings.Builder
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	k := newKitKey(t, "k1", "ES256")
	v, err := NewVerifier(Config{Audiences: []string{"api"}, KeySet: NewStaticKeySet(mustNewPublicKey(t, k)), Logger: logger})
	require.NoError(t, err)
	defer v.Close()
	assert.Equal(t, 1, strings.Count(logs.String(), "no issuer configured"), logs.String())
	assert.Contains(t, logs.String(), "level=WARN")

	logs.Reset()
	v2, err := NewVerifier(Config{Audiences: []string{"api"}, Issuer: "https://issuer.example.com",
		KeySet: NewStaticKeySet(mustNewPublicKey(t, k)), Logger: logger})
	require.NoError(t, err)
	defer v2.Close()
	assert.NotContains(t, logs.String(), "no issuer configured")
}

// TokenFromContext gives back the token exactly as sent, whether the token
// cache holds it (kept whole) or not (rebuilt from its parts), and from a
// Fiber-like buffer that is overwritten after the request.
func TestTokenFromContext(t *testing.T) {
	for _, entries := range []int{0, -1} {
		v, k := clStaticVerifier(t, func(c *Config) { c.TokenCacheEntries = entries })
		g := NewGuard(v, GuardOptions{})
		for _, claims := range []map[string]any{
			clTokenClaims(map[string]any{"scope": "read"}),
			clTokenClaims(map[string]any{"scope": "read", "n": "é\u2028\"<>&", "pad": strings.Repeat("y", 1001)}),
		} {
			token := k.sign(t, claims)
			buf := []byte("Bearer " + token)
			view := unsafe.String(&buf[0], len(buf))
			ctx, err := g.Authenticate(context.Background(), http.MethodGet, Credentials{Authorization: []string{view}})
			require.NoError(t, err)
			for i := range buf {
				buf[i] = 'x' // the request buffer is reused
			}
			got, ok := TokenFromContext(ctx)
			assert.True(t, ok)
			assert.Equal(t, token, got, "cache entries %d", entries)
		}
	}
	_, ok := TokenFromContext(context.Background())
	assert.False(t, ok)
}
