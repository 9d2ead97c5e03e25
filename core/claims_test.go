package core

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestClaimsRegistered checks the accessors of the registered claims.
func TestClaimsRegistered(t *testing.T) {
	v, k := clStaticVerifier(t, nil)
	tests := []struct {
		name      string
		payload   string // raw claims JSON
		sub, iss  string
		aud       []string
		exp       time.Time
		nbf, iat  time.Time
		wantEmpty bool
	}{
		{
			name:    "all present, aud array",
			payload: clPayload(map[string]string{"aud": `["other","api://res"]`, "nbf": strconv.Itoa(clNow - 20)}),
			sub:     "alice", iss: clIssuer, aud: []string{"other", clAudience},
			exp: time.Unix(clNow+3600, 0), nbf: time.Unix(clNow-20, 0), iat: time.Unix(clNow-10, 0),
		},
		{
			name:    "aud string, fractional exp, no nbf, iat, sub",
			payload: clPayload(map[string]string{"sub": "", "iat": "", "exp": strconv.Itoa(clNow+60) + ".5"}),
			iss:     clIssuer, aud: []string{clAudience}, exp: time.Unix(clNow+60, 500_000_000),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := v.Verify(t.Context(), k.signRaw(t, "RS256", clHeaderJSON, tt.payload))
			require.NoError(t, err)
			assert.Equal(t, tt.sub, c.Subject())
			assert.Equal(t, tt.iss, c.Issuer())
			assert.Equal(t, tt.aud, c.Audience())
			assert.True(t, tt.exp.Equal(c.ExpiresAt()), "exp %v", c.ExpiresAt())
			assert.True(t, tt.nbf.Equal(c.NotBefore()), "nbf %v", c.NotBefore())
			assert.True(t, tt.iat.Equal(c.IssuedAt()), "iat %v", c.IssuedAt())
			assert.Equal(t, tt.nbf.IsZero(), c.NotBefore().IsZero())
			assert.Equal(t, tt.iat.IsZero(), c.IssuedAt().IsZero())
		})
	}
}

// TestClaimsLists checks Scopes, Roles and Permissions with their Has*
// counterparts: string and array values, the first present claim winning,
// dotted paths, colon names and URL names.
func TestClaimsLists(t *testing.T) {
	keycloak := func(c *Config) { c.RoleClaims = []string{"realm_access.roles"} }
	tests := []struct {
		name              string
		cfg               func(*Config)
		claims            map[string]any
		scopes, roles     []string
		permissions       []string
		notScope, notRole string // a value Has* must not report
	}{
		{name: "scope string", claims: map[string]any{"scope": "read write"}, scopes: []string{"read", "write"}, notScope: "read write"},
		{name: "scope string with runs of spaces", claims: map[string]any{"scope": "  read   write "}, scopes: []string{"read", "write"}, notScope: ""},
		{name: "scope array", claims: map[string]any{"scope": []string{"read", "write"}}, scopes: []string{"read", "write"}},
		{name: "scope array skips non-strings and empty strings", claims: map[string]any{"scope": []any{"read", 1, "", nil, "write"}},
			scopes: []string{"read", "write"}, notScope: "1"},
		{name: "scope array elements are not split", claims: map[string]any{"scope": []string{"read write"}},
			scopes: []string{"read write"}, notScope: "read"},
		{name: "scope wins over scp", claims: map[string]any{"scope": "a", "scp": []string{"b"}}, scopes: []string{"a"}, notScope: "b"},
		{name: "scp when scope is absent", claims: map[string]any{"scp": []string{"b"}}, scopes: []string{"b"}},
		{name: "first present wins even when empty", claims: map[string]any{"scope": "", "scp": []string{"b"}}, notScope: "b"},
		{name: "first present wins even when null", claims: map[string]any{"scope": nil, "scp": []string{"b"}}, notScope: "b"},
		{name: "configured order", cfg: func(c *Config) { c.ScopeClaims = []string{"scp", "scope"} },
			claims: map[string]any{"scope": "a", "scp": "b"}, scopes: []string{"b"}, notScope: "a"},
		{name: "scope number is no scope", claims: map[string]any{"scope": 7}, notScope: "7"},

		{name: "roles string", claims: map[string]any{"roles": "admin user"}, roles: []string{"admin", "user"}, notRole: "adm"},
		{name: "roles array", claims: map[string]any{"roles": []string{"admin"}}, roles: []string{"admin"}},
		{name: "dotted path realm_access.roles", cfg: keycloak,
			claims: map[string]any{"realm_access": map[string]any{"roles": []string{"admin", "offline_access"}}, "roles": []string{"top"}},
			roles:  []string{"admin", "offline_access"}, notRole: "top"},
		{name: "dotted path resource_access.app.roles", cfg: func(c *Config) { c.RoleClaims = []string{"resource_access.app.roles"} },
			claims: map[string]any{"resource_access": map[string]any{
				"app":   map[string]any{"roles": []string{"editor"}},
				"other": map[string]any{"roles": []string{"admin"}},
			}},
			roles: []string{"editor"}, notRole: "admin"},
		{name: "colon name cognito:groups", cfg: func(c *Config) { c.RoleClaims = []string{"cognito:groups"} },
			claims: map[string]any{"cognito:groups": []string{"admins"}}, roles: []string{"admins"}},
		{name: "URL name", cfg: func(c *Config) { c.RoleClaims = []string{"https://example.com/roles"} },
			claims: map[string]any{"https://example.com/roles": []string{"admin"}}, roles: []string{"admin"}},
		{name: "exact name wins over a dotted split", cfg: keycloak,
			claims: map[string]any{"realm_access.roles": []string{"exact"}, "realm_access": map[string]any{"roles": []string{"nested"}}},
			roles:  []string{"exact"}, notRole: "nested"},
		{name: "first present of several role claims", cfg: func(c *Config) {
			c.RoleClaims = []string{"cognito:groups", "realm_access.roles", "roles"}
		}, claims: map[string]any{"realm_access": map[string]any{"roles": []string{"kc"}}, "roles": []string{"plain"}},
			roles: []string{"kc"}, notRole: "plain"},
		{name: "dotted path through a non-object is absent", cfg: func(c *Config) { c.RoleClaims = []string{"realm_access.roles", "roles"} },
			claims: map[string]any{"realm_access": "admin", "roles": "fallback"}, roles: []string{"fallback"}, notRole: "admin"},

		{name: "permissions string", claims: map[string]any{"permissions": "a:read a:write"}, permissions: []string{"a:read", "a:write"}},
		{name: "permissions array", claims: map[string]any{"permissions": []string{"a:read"}}, permissions: []string{"a:read"}},
		{name: "permissions from a custom claim", cfg: func(c *Config) { c.PermissionClaims = []string{"perms", "permissions"} },
			claims: map[string]any{"perms": []string{"x"}, "permissions": []string{"y"}}, permissions: []string{"x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, k := clStaticVerifier(t, tt.cfg)
			c := clVerified(t, v, k, tt.claims)
			assert.Equal(t, tt.scopes, c.Scopes())
			assert.Equal(t, tt.roles, c.Roles())
			assert.Equal(t, tt.permissions, c.Permissions())
			for _, s := range tt.scopes {
				assert.True(t, c.HasScope(s), "HasScope(%q)", s)
			}
			for _, r := range tt.roles {
				assert.True(t, c.HasRole(r), "HasRole(%q)", r)
			}
			for _, p := range tt.permissions {
				assert.True(t, c.HasPermission(p), "HasPermission(%q)", p)
			}
			assert.False(t, c.HasScope(tt.notScope), "HasScope(%q)", tt.notScope)
			assert.False(t, c.HasRole(tt.notRole), "HasRole(%q)", tt.notRole)
			assert.False(t, c.HasScope(""), "the empty scope is never held")
		})
	}
}

// clCustomPayload is a claim set with custom claims of every JSON type.
func clCustomPayload() string {
	return clPayload(map[string]string{
		"tenant":     `"acme"`,
		"level":      `3`,
		"ratio":      `0.25`,
		"admin":      `true`,
		"nothing":    `null`,
		"tags":       `["a","b"]`,
		"org":        `{"id":"o-1","units":[{"name":"u1"}]}`,
		"org.id":     `"exact"`,
		"email":      `"alice@example.com"`,
		"escaped":    `"line\nbreak \u00e9"`,
		"https://x/": `"url"`,
	})
}

// TestClaimsGet checks Get and GetString on custom claims.
func TestClaimsGet(t *testing.T) {
	v, k := clStaticVerifier(t, nil)
	c, err := v.Verify(t.Context(), k.signRaw(t, "RS256", clHeaderJSON, clCustomPayload()))
	require.NoError(t, err)

	tests := []struct {
		name      string
		claim     string
		want      any
		wantOK    bool
		wantStr   string
		wantStrOK bool
	}{
		{"string", "tenant", "acme", true, "acme", true},
		{"registered string", "sub", "alice", true, "alice", true},
		{"integer", "level", json.Number("3"), true, "", false},
		{"fraction", "ratio", json.Number("0.25"), true, "", false},
		{"registered number", "exp", json.Number(strconv.Itoa(clNow + 3600)), true, "", false},
		{"bool", "admin", true, true, "", false},
		{"null is present", "nothing", nil, true, "", false},
		{"array", "tags", []any{"a", "b"}, true, "", false},
		{"object", "org", map[string]any{"id": "o-1", "units": []any{map[string]any{"name": "u1"}}}, true, "", false},
		{"exact dotted name wins", "org.id", "exact", true, "exact", true},
		{"dotted path", "org.units", []any{map[string]any{"name": "u1"}}, true, "", false},
		{"dotted path missing", "org.name", nil, false, "", false},
		{"dotted path into an array", "tags.0", nil, false, "", false},
		{"escaped string", "escaped", "line\nbreak é", true, "line\nbreak é", true},
		{"URL name", "https://x/", "url", true, "url", true},
		{"missing", "missing", nil, false, "", false},
		{"empty name", "", nil, false, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := c.Get(tt.claim)
			assert.Equal(t, tt.wantOK, ok)
			assert.Equal(t, tt.want, got)
			s, ok := c.GetString(tt.claim)
			assert.Equal(t, tt.wantStrOK, ok)
			assert.Equal(t, tt.wantStr, s)
		})
	}
}

// TestClaimsDecode decodes the claim set into a user struct.
func TestClaimsDecode(t *testing.T) {
	v, k := clStaticVerifier(t, nil)
	c, err := v.Verify(t.Context(), k.signRaw(t, "RS256", clHeaderJSON, clCustomPayload()))
	require.NoError(t, err)

	var got struct {
		Subject string   `json:"sub"`
		Tenant  string   `json:"tenant"`
		Level   int      `json:"level"`
		Ratio   float64  `json:"ratio"`
		Admin   bool     `json:"admin"`
		Tags    []string `json:"tags"`
		Org     struct {
			ID    string `json:"id"`
			Units []struct {
				Name string `json:"name"`
			} `json:"units"`
		} `json:"org"`
		Expiry int64 `json:"exp"`
	}
	require.NoError(t, c.Decode(&got))
	assert.Equal(t, "alice", got.Subject)
	assert.Equal(t, "acme", got.Tenant)
	assert.Equal(t, 3, got.Level)
	assert.InDelta(t, 0.25, got.Ratio, 1e-9)
	assert.True(t, got.Admin)
	assert.Equal(t, []string{"a", "b"}, got.Tags)
	assert.Equal(t, "o-1", got.Org.ID)
	require.Len(t, got.Org.Units, 1)
	assert.Equal(t, "u1", got.Org.Units[0].Name)
	assert.Equal(t, int64(clNow+3600), got.Expiry)

	var wrongType struct {
		Tenant int `json:"tenant"`
	}
	assert.Error(t, c.Decode(&wrongType), "a type mismatch is reported")
	assert.Error(t, c.Decode(nil))
}

// TestClaimsImmutable: changing what an accessor returned never changes the
// claims.
func TestClaimsImmutable(t *testing.T) {
	v, k := clStaticVerifier(t, func(c *Config) { c.RoleClaims = []string{"realm_access.roles"} })
	c, err := v.Verify(t.Context(), k.signRaw(t, "RS256", clHeaderJSON, clPayload(map[string]string{
		"aud":          `["api://res","other"]`,
		"scope":        `["read","write"]`,
		"realm_access": `{"roles":["admin"]}`,
		"permissions":  `"p:a p:b"`,
		"org":          `{"id":"o-1","tags":["x"]}`,
	})))
	require.NoError(t, err)

	scopes := c.Scopes()
	scopes[0] = "admin"
	_ = append(scopes[:1], "root")
	assert.Equal(t, []string{"read", "write"}, c.Scopes())
	assert.False(t, c.HasScope("admin"))

	roles := c.Roles()
	roles[0] = "user"
	assert.Equal(t, []string{"admin"}, c.Roles())

	perms := c.Permissions()
	perms[1] = "p:z"
	assert.Equal(t, []string{"p:a", "p:b"}, c.Permissions())

	aud := c.Audience()
	aud[0] = "evil"
	assert.Equal(t, []string{clAudience, "other"}, c.Audience())

	org, ok := c.Get("org")
	require.True(t, ok)
	m := org.(map[string]any)
	m["id"] = "o-2"
	m["tags"].([]any)[0] = "y"
	m["new"] = true
	got, _ := c.Get("org")
	assert.Equal(t, map[string]any{"id": "o-1", "tags": []any{"x"}}, got)

	realm, _ := c.Get("realm_access.roles")
	realm.([]any)[0] = "user"
	assert.True(t, c.HasRole("admin"))
	assert.False(t, c.HasRole("user"))

	var decoded map[string]any
	require.NoError(t, c.Decode(&decoded))
	decoded["sub"] = "mallory"
	assert.Equal(t, "alice", c.Subject())
	s, _ := c.GetString("sub")
	assert.Equal(t, "alice", s)
}

// TestClaimsConcurrentReads reads one Claims from many goroutines; run with
// -race.
func TestClaimsConcurrentReads(t *testing.T) {
	v, k := clStaticVerifier(t, nil)
	c, err := v.Verify(t.Context(), k.signRaw(t, "RS256", clHeaderJSON, clCustomPayload()))
	require.NoError(t, err)
	want := fmt.Sprint(c.Scopes(), c.Audience(), c.Subject())

	const goroutines, rounds = 16, 50
	var wg sync.WaitGroup
	errs := make(chan string, goroutines)
	for range goroutines {
		wg.Go(func() {
			for range rounds {
				_ = c.Issuer()
				_ = c.ExpiresAt()
				_ = c.HasScope("write")
				_ = c.Roles()
				_, _ = c.Get("org")
				_, _ = c.GetString("tenant")
				var m map[string]any
				_ = c.Decode(&m)
				_ = c.LogValue()
				_ = fmt.Sprintf("%v", c)
				if got := fmt.Sprint(c.Scopes(), c.Audience(), c.Subject()); got != want {
					errs <- got
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for got := range errs {
		t.Errorf("concurrent read saw %q, want %q", got, want)
	}
}

// TestClaimsRedaction: logging or printing Claims never shows the subject or
// a custom claim value.
func TestClaimsRedaction(t *testing.T) {
	const (
		subject = "sub-7f3a-secret"
		email   = "alice.secret@example.com"
		custom  = "custom-claim-secret"
	)
	v, k := clStaticVerifier(t, nil)
	c := clVerified(t, v, k, map[string]any{"sub": subject, "email": email, "x_private": custom, "scope": "read"})
	require.Equal(t, subject, c.Subject(), "precondition")
	secrets := []string{subject, email, custom}

	logOutput := func(newHandler func(*bytes.Buffer) slog.Handler, args ...any) string {
		var buf bytes.Buffer
		slog.New(newHandler(&buf)).Info("request", args...)
		return buf.String()
	}
	jsonHandler := func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) }
	textHandler := func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) }

	outputs := map[string]string{
		"slog JSON":            logOutput(jsonHandler, "claims", c),
		"slog JSON slog.Any":   logOutput(jsonHandler, slog.Any("claims", c)),
		"slog JSON in a group": logOutput(jsonHandler, slog.Group("auth", slog.Any("claims", c))),
		"slog text":            logOutput(textHandler, "claims", c),
		"%v":                   fmt.Sprintf("%v", c),
		"%+v":                  fmt.Sprintf("%+v", c),
		"%#v":                  fmt.Sprintf("%#v", c),
		"%s":                   fmt.Sprintf("%s", c),
		"%q":                   fmt.Sprintf("%q", c),
		"Sprint":               fmt.Sprint(c),
		"in a slice %+v":       fmt.Sprintf("%+v", []*Claims{c}),
		"in a map %v":          fmt.Sprintf("%v", map[string]*Claims{"c": c}),
		// A Claims value (copied out of its pointer, for example into a
		// user struct) must redact itself as well.
		"value %v":            fmt.Sprintf("%v", *c),
		"value %+v":           fmt.Sprintf("%+v", *c),
		"value in struct %+v": fmt.Sprintf("%+v", struct{ C Claims }{*c}),
		"value slog JSON":     logOutput(jsonHandler, "claims", *c),
		"value slog text":     logOutput(textHandler, "claims", *c),
	}
	for name, out := range outputs {
		t.Run(name, func(t *testing.T) {
			require.NotEmpty(t, out)
			for _, s := range secrets {
				assert.False(t, strings.Contains(out, s), "%s output shows %q", name, s)
			}
		})
	}

	t.Run("slog JSON shows the non-personal fields", func(t *testing.T) {
		var entry struct {
			Claims struct {
				Iss string    `json:"iss"`
				Aud []string  `json:"aud"`
				Exp time.Time `json:"exp"`
				Sub string    `json:"sub"`
			} `json:"claims"`
		}
		require.NoError(t, json.Unmarshal([]byte(outputs["slog JSON"]), &entry))
		assert.Equal(t, clIssuer, entry.Claims.Iss)
		assert.Equal(t, []string{clAudience}, entry.Claims.Aud)
		assert.True(t, time.Unix(clNow+3600, 0).Equal(entry.Claims.Exp))
		assert.NotEqual(t, subject, entry.Claims.Sub)
	})
}

// TestClaimsTreeMemory: the claim tree of a verified token costs the same
// allocations whatever the size of its arrays, and per array element its
// 16 bytes plus its share of the decoded payload (a "groups" element of
// 15 bytes of JSON costs 31 bytes, before size-class rounding).
func TestClaimsTreeMemory(t *testing.T) {
	measure := func(groups int) (allocs float64, bytes float64) {
		f := bnNewFixture(t, "EdDSA", bnClaims(map[string]any{"groups": bnGroups(groups * 15)}), 0)
		ctx := context.Background()
		verify := func() {
			if _, err := f.v.Verify(ctx, f.token); err != nil {
				t.Fatal(err)
			}
		}
		allocs = testing.AllocsPerRun(20, verify)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range 20 {
			verify()
		}
		runtime.ReadMemStats(&after)
		return allocs, float64(after.TotalAlloc-before.TotalAlloc) / 20
	}
	fewAllocs, fewBytes := measure(50)
	manyAllocs, manyBytes := measure(550)
	assert.Equal(t, fewAllocs, manyAllocs, "allocations grow with the arrays")
	assert.Less(t, (manyBytes-fewBytes)/500, 40.0, "bytes per array element")
}
