package core

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// mapLookup returns a lookup function over env.
func mapLookup(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}
}

// withBase adds a valid audience and domain to env unless it sets them.
func withBase(env map[string]string) map[string]string {
	out := map[string]string{envAudience: "api", envDomain: "issuer.example.com"}
	for k, v := range env {
		out[k] = v
	}
	return out
}

func TestConfigFromLookup(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want Config
	}{
		{"minimal", map[string]string{envAudience: "api", envDomain: "tenant.auth0.com"},
			Config{Audiences: []string{"api"}, Issuer: "https://tenant.auth0.com"}},
		{"domain with https and slash", map[string]string{envAudience: "api", envDomain: "https://tenant.auth0.com/"},
			Config{Audiences: []string{"api"}, Issuer: "https://tenant.auth0.com"}},
		{"domain with upper-case scheme", map[string]string{envAudience: "api", envDomain: "HTTPS://tenant.auth0.com"},
			Config{Audiences: []string{"api"}, Issuer: "https://tenant.auth0.com"}},
		{"domain with http forced to https", map[string]string{envAudience: "api", envDomain: "Http://auth.example.com//"},
			Config{Audiences: []string{"api"}, Issuer: "https://auth.example.com"}},
		{"domain with path", map[string]string{envAudience: "api", envDomain: "auth.example.com/realms/main/"},
			Config{Audiences: []string{"api"}, Issuer: "https://auth.example.com/realms/main"}},
		{"domain with port", map[string]string{envAudience: "api", envDomain: "localhost:8443"},
			Config{Audiences: []string{"api"}, Issuer: "https://localhost:8443"}},
		{"issuer verbatim", map[string]string{envAudience: "api", envIssURL: "https://tenant.auth0.com/"},
			Config{Audiences: []string{"api"}, Issuer: "https://tenant.auth0.com/"}},
		{"issuer wins over domain", map[string]string{envAudience: "api", envIssURL: "https://a.example/x", envDomain: "b.example"},
			Config{Audiences: []string{"api"}, Issuer: "https://a.example/x"}},
		{"loopback http issuer", map[string]string{envAudience: "api", envIssURL: "http://127.0.0.1:9000"},
			Config{Audiences: []string{"api"}, Issuer: "http://127.0.0.1:9000"}},
		{"JWKS URL only", map[string]string{envAudience: "api", envJWKSURL: "https://keys.example.com/jwks"},
			Config{Audiences: []string{"api"}, JWKSURL: "https://keys.example.com/jwks"}},
		{"issuer and JWKS URL", map[string]string{envAudience: "api", envIssURL: "https://i.example", envJWKSURL: "https://k.example/certs"},
			Config{Audiences: []string{"api"}, Issuer: "https://i.example", JWKSURL: "https://k.example/certs"}},
		{"audiences comma-separated", map[string]string{envAudience: " a , https://api.example.com,,b ", envDomain: "i.example"},
			Config{Audiences: []string{"a", "https://api.example.com", "b"}, Issuer: "https://i.example"}},
		{"claim lists", withBase(map[string]string{
			envScopeClaims: "scp, scope", envRolesClaims: "realm_access.roles,cognito:groups,https://example.com/roles",
			envPermClaims: "permissions", envTokenTypes: "at+jwt, application/at+jwt",
		}), Config{
			Audiences: []string{"api"}, Issuer: "https://issuer.example.com",
			ScopeClaims: []string{"scp", "scope"}, RoleClaims: []string{"realm_access.roles", "cognito:groups", "https://example.com/roles"},
			PermissionClaims: []string{"permissions"}, TokenTypes: []string{"at+jwt", "application/at+jwt"},
		}},
		{"claim lists as JSON arrays", withBase(map[string]string{envScopeClaims: `["scope", "scp"]`, envRolesClaims: `[" roles "]`}),
			Config{Audiences: []string{"api"}, Issuer: "https://issuer.example.com", ScopeClaims: []string{"scope", "scp"}, RoleClaims: []string{"roles"}}},
		{"intervals in seconds", withBase(map[string]string{
			envRefreshInterval: "600", envCacheTTL: "7200", envMinRefresh: "10", envMaxAgeFloor: "60", envLeeway: "30",
		}), Config{
			Audiences: []string{"api"}, Issuer: "https://issuer.example.com",
			RefreshInterval: 10 * time.Minute, CacheTTL: 2 * time.Hour, MinRefreshInterval: 10 * time.Second,
			MaxAgeFloor: time.Minute, Leeway: 30 * time.Second,
		}},
		{"intervals as Go durations", withBase(map[string]string{
			envRefreshInterval: "90s", envCacheTTL: "1h30m", envMinRefresh: " 1m ", envLeeway: "1.5s",
		}), Config{
			Audiences: []string{"api"}, Issuer: "https://issuer.example.com",
			RefreshInterval: 90 * time.Second, CacheTTL: 90 * time.Minute, MinRefreshInterval: time.Minute, Leeway: 1500 * time.Millisecond,
		}},
		{"zero leeway", withBase(map[string]string{envLeeway: "0"}),
			Config{Audiences: []string{"api"}, Issuer: "https://issuer.example.com"}},
		{"long refresh alone is valid", withBase(map[string]string{envRefreshInterval: "86400"}),
			Config{Audiences: []string{"api"}, Issuer: "https://issuer.example.com", RefreshInterval: 24 * time.Hour}},
		{"short refresh alone is valid", withBase(map[string]string{envRefreshInterval: "10"}),
			Config{Audiences: []string{"api"}, Issuer: "https://issuer.example.com", RefreshInterval: 10 * time.Second}},
		{"empty values are unset", withBase(map[string]string{
			envIssURL: "", envJWKSURL: " ", envScopeClaims: "", envLeeway: "", envRefreshInterval: "",
		}), Config{Audiences: []string{"api"}, Issuer: "https://issuer.example.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ConfigFromLookup(mapLookup(tt.env))
			require.NoError(t, err)
			assert.Equal(t, tt.want, got, "env values only, no defaults")
			full := got.withDefaults()
			assert.NoError(t, full.validate())
		})
	}
}

// TestConfigFromLookupDerivesJWKSURL: without AXIOMS_JWKS_URL, the key URL
// is found by discovery; when the issuer publishes no discovery document,
// the axioms default applies, with the issuer's trailing slashes removed.
func TestConfigFromLookupDerivesJWKSURL(t *testing.T) {
	tests := []struct {
		name, key, value, want string
	}{
		{"domain", envDomain, "https://tenant.auth0.com/", "https://tenant.auth0.com/.well-known/jwks.json"},
		{"issuer with slash", envIssURL, "https://tenant.auth0.com/", "https://tenant.auth0.com/.well-known/jwks.json"},
		{"issuer with path", envIssURL, "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc", "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc/.well-known/jwks.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ConfigFromLookup(mapLookup(map[string]string{envAudience: "api", tt.key: tt.value}))
			require.NoError(t, err)
			assert.Empty(t, got.JWKSURL, "found by the key set, not stored")
			assert.Empty(t, got.withDefaults().JWKSURL, "discovery comes first")
			assert.Equal(t, tt.want, jwksFallbackURL(got.Issuer))
		})
	}
}

func TestConfigFromLookupErrors(t *testing.T) {
	tests := []struct {
		name  string
		env   map[string]string
		field string
		want  string // the variable(s) named in the message
		parts []string
	}{
		{"nothing", map[string]string{}, "Audiences", envAudience, []string{"required"}},
		{"no audience", map[string]string{envDomain: "i.example"}, "Audiences", envAudience, []string{"required"}},
		{"blank audience", map[string]string{envAudience: " ", envDomain: "i.example"}, "Audiences", envAudience, nil},
		{"only commas", map[string]string{envAudience: ",,", envDomain: "i.example"}, "Audiences", envAudience, []string{"no entries"}},
		{"no source", map[string]string{envAudience: "api"}, "Issuer, JWKSURL or KeySet",
			"AXIOMS_DOMAIN, AXIOMS_ISS_URL or AXIOMS_JWKS_URL", nil},
		{"domain only a scheme", map[string]string{envAudience: "api", envDomain: "https://"}, "Issuer", envDomain, nil},
		{"domain with other scheme", map[string]string{envAudience: "api", envDomain: "ftp://x.example"}, "Issuer", envDomain, nil},
		{"domain with query", map[string]string{envAudience: "api", envDomain: "x.example?a=b"}, "Issuer", envDomain, nil},
		{"domain with userinfo", map[string]string{envAudience: "api", envDomain: "u:p@x.example"}, "Issuer", envDomain, nil},
		{"domain bad port", map[string]string{envAudience: "api", envDomain: "x.example:port"}, "Issuer", envDomain, []string{"not a valid URL"}},
		{"issuer plain http", map[string]string{envAudience: "api", envIssURL: "http://issuer.example.com"}, "Issuer", envIssURL, []string{"loopback"}},
		{"issuer not a URL", map[string]string{envAudience: "api", envIssURL: "issuer.example.com"}, "Issuer", envIssURL, nil},
		{"several issuers with JWKS URL", map[string]string{envAudience: "api", envIssURL: "https://a.example,https://b.example", envJWKSURL: "https://k.example/keys"},
			"JWKSURL, Issuers", envIssURL + ", " + envJWKSURL, []string{"several issuers", "discovery"}},
		{"JWKS URL plain http", withBase(map[string]string{envJWKSURL: "http://keys.example.com"}), "JWKSURL", envJWKSURL, nil},
		{"JWKS URL nip.io", withBase(map[string]string{envJWKSURL: "http://127.0.0.1.nip.io/jwks"}), "JWKSURL", envJWKSURL, nil},

		{"bad scope JSON", withBase(map[string]string{envScopeClaims: `["scope",`}), "ScopeClaims", envScopeClaims, []string{"JSON array"}},
		{"scope JSON not strings", withBase(map[string]string{envScopeClaims: `[1]`}), "ScopeClaims", envScopeClaims, nil},
		{"empty scope list", withBase(map[string]string{envScopeClaims: ", ,"}), "ScopeClaims", envScopeClaims, nil},
		{"empty JSON list", withBase(map[string]string{envRolesClaims: "[]"}), "RoleClaims", envRolesClaims, nil},
		{"space-separated roles", withBase(map[string]string{envRolesClaims: "roles groups"}), "RoleClaims", envRolesClaims, []string{"commas"}},
		{"empty permissions list", withBase(map[string]string{envPermClaims: ","}), "PermissionClaims", envPermClaims, nil},
		{"empty token types", withBase(map[string]string{envTokenTypes: ","}), "TokenTypes", envTokenTypes, nil},

		{"negative leeway", withBase(map[string]string{envLeeway: "-5"}), "Leeway", envLeeway, []string{"negative"}},
		{"negative leeway duration", withBase(map[string]string{envLeeway: "-5s"}), "Leeway", envLeeway, []string{"negative"}},
		{"fractional leeway", withBase(map[string]string{envLeeway: "1.5"}), "Leeway", envLeeway, []string{"integer seconds"}},
		{"garbage leeway", withBase(map[string]string{envLeeway: "1.5x"}), "Leeway", envLeeway, nil},
		{"word leeway", withBase(map[string]string{envLeeway: "ten"}), "Leeway", envLeeway, nil},
		{"large leeway", withBase(map[string]string{envLeeway: "3600"}), "Leeway", envLeeway, []string{"1h is out of range", "5m"}},
		{"overflowing leeway", withBase(map[string]string{envLeeway: "9223372036854775807"}), "Leeway", envLeeway, []string{"too large"}},
		{"overflowing digits", withBase(map[string]string{envLeeway: "99999999999999999999999"}), "Leeway", envLeeway, []string{"too large"}},
		{"zero refresh", withBase(map[string]string{envRefreshInterval: "0"}), "RefreshInterval", envRefreshInterval, []string{"positive"}},
		{"zero cache TTL", withBase(map[string]string{envCacheTTL: "0s"}), "CacheTTL", envCacheTTL, nil},
		{"zero min refresh", withBase(map[string]string{envMinRefresh: "0"}), "MinRefreshInterval", envMinRefresh, nil},
		{"garbage refresh", withBase(map[string]string{envRefreshInterval: "1h-"}), "RefreshInterval", envRefreshInterval, nil},
		{"refresh too long", withBase(map[string]string{envRefreshInterval: "172800", envCacheTTL: "345600"}), "RefreshInterval", envRefreshInterval, []string{"24h"}},
		{"cache TTL below refresh", withBase(map[string]string{envRefreshInterval: "3600", envCacheTTL: "60"}), "CacheTTL", envCacheTTL, []string{"expire between refreshes"}},
		{"min refresh below 1s", withBase(map[string]string{envMinRefresh: "500ms"}), "MinRefreshInterval", envMinRefresh, []string{"1s"}},
		{"min refresh above refresh", withBase(map[string]string{envMinRefresh: "120", envRefreshInterval: "60"}), "MinRefreshInterval", envMinRefresh, nil},
		{"zero max-age floor", withBase(map[string]string{envMaxAgeFloor: "0"}), "MaxAgeFloor", envMaxAgeFloor, []string{"positive"}},
		{"max-age floor above refresh", withBase(map[string]string{envMaxAgeFloor: "2h"}), "MaxAgeFloor", envMaxAgeFloor,
			[]string{"between 30s and 1h"}},
		{"max-age floor below min refresh", withBase(map[string]string{envMaxAgeFloor: "20", envMinRefresh: "30"}), "MaxAgeFloor",
			envMaxAgeFloor, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ConfigFromLookup(mapLookup(tt.env))
			requireConfigError(t, err, tt.field, tt.want, tt.parts...)
			assert.Equal(t, Config{}, got)
		})
	}
}

func TestConfigFromLookupFirstErrorWins(t *testing.T) {
	_, err := ConfigFromLookup(mapLookup(withBase(map[string]string{envScopeClaims: "[", envLeeway: "x"})))
	requireConfigError(t, err, "ScopeClaims", envScopeClaims)
	assert.NotContains(t, err.Error(), envLeeway)
}

func TestConfigFromLookupNil(t *testing.T) {
	_, err := ConfigFromLookup(nil)
	assert.ErrorIs(t, err, ErrConfig)
}

func TestConfigFromLookupReadsOnlyAxiomsVariables(t *testing.T) {
	var asked []string
	_, err := ConfigFromLookup(func(k string) (string, bool) {
		asked = append(asked, k)
		return mapLookup(withBase(nil))(k)
	})
	require.NoError(t, err)
	for _, k := range asked {
		assert.True(t, strings.HasPrefix(k, "AXIOMS_"), k)
	}
	assert.Subset(t, asked, []string{envAudience, envDomain, envIssURL, envJWKSURL, envScopeClaims, envRolesClaims,
		envPermClaims, envTokenTypes, envRefreshInterval, envCacheTTL, envMinRefresh, envLeeway})
}

func TestConfigFromEnv(t *testing.T) {
	t.Setenv(envAudience, "https://api.example.com")
	t.Setenv(envDomain, "https://tenant.auth0.com/")
	t.Setenv(envIssURL, "")
	t.Setenv(envJWKSURL, "")
	t.Setenv(envLeeway, "60")
	t.Setenv(envScopeClaims, "")
	t.Setenv(envRolesClaims, "")
	t.Setenv(envPermClaims, "")
	t.Setenv(envTokenTypes, "")
	t.Setenv(envRefreshInterval, "")
	t.Setenv(envCacheTTL, "")
	t.Setenv(envMinRefresh, "")

	got, err := ConfigFromEnv()
	require.NoError(t, err)
	assert.Equal(t, Config{Audiences: []string{"https://api.example.com"}, Issuer: "https://tenant.auth0.com", Leeway: time.Minute}, got)

	t.Setenv(envAudience, "")
	_, err = ConfigFromEnv()
	var ce *ConfigError
	require.True(t, errors.As(err, &ce))
	assert.Equal(t, envAudience, ce.Setting)
}

func TestEnvParseSeconds(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{"0", 0, false},
		{"3600", time.Hour, false},
		{"+5", 5 * time.Second, false},
		{"90s", 90 * time.Second, false},
		{"1h30m", 90 * time.Minute, false},
		{"250ms", 250 * time.Millisecond, false},
		{"-1", 0, true},
		{"-1s", 0, true},
		{"1.5", 0, true},
		{"1e3", 0, true},
		{"", 0, true},
		{"9223372037", 0, true},
		{"9223372036", 9223372036 * time.Second, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseSeconds(tt.in)
			if tt.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestConfigFromLookupDPoP(t *testing.T) {
	env := map[string]string{"AXIOMS_AUDIENCE": "api", "AXIOMS_ISS_URL": "https://issuer.example.com",
		"AXIOMS_DPOP": "allowed", "AXIOMS_DPOP_NONCE": "true"}
	c, err := ConfigFromLookup(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	require.NoError(t, err)
	assert.Equal(t, DPoPAllowed, c.DPoP.Mode)
	assert.True(t, c.DPoP.Nonce)
	for name, bad := range map[string]string{"AXIOMS_DPOP": "on", "AXIOMS_DPOP_NONCE": "yes please"} {
		env := map[string]string{"AXIOMS_AUDIENCE": "api", "AXIOMS_ISS_URL": "https://issuer.example.com", name: bad}
		_, err := ConfigFromLookup(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
		require.ErrorIs(t, err, ErrConfig, name)
		assert.Contains(t, err.Error(), name)
	}
}
