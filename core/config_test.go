package core

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeKeySet is a KeySet that holds nothing.
type fakeKeySet struct{}

func (fakeKeySet) Keys(context.Context, string) ([]*PublicKey, error) { return nil, nil }

// validConfig returns a minimal valid Config with defaults applied.
func validConfig(tb testing.TB) Config {
	tb.Helper()
	c := Config{Audiences: []string{"api"}, Issuer: "https://issuer.example.com"}.withDefaults()
	require.NoError(tb, c.validate(), "precondition: the base config is valid")
	return c
}

// requireConfigError checks that err is a *ConfigError for field whose
// message names want (the environment variable or the Config field) and
// contains every part.
func requireConfigError(tb testing.TB, err error, field, want string, parts ...string) {
	tb.Helper()
	require.Error(tb, err)
	assert.ErrorIs(tb, err, ErrConfig)
	var ce *ConfigError
	require.ErrorAs(tb, err, &ce)
	assert.Equal(tb, field, ce.Field)
	msg := err.Error()
	assert.True(tb, strings.HasPrefix(msg, "core: config: "), "message %q", msg)
	assert.Contains(tb, msg, want)
	assert.Contains(tb, msg, "Config."+strings.SplitN(field, ",", 2)[0])
	for _, p := range parts {
		assert.Contains(tb, msg, p)
	}
}

func TestConfigErrorFormat(t *testing.T) {
	tests := []struct {
		name string
		err  *ConfigError
		want string
	}{
		{"with variable", &ConfigError{Setting: "AXIOMS_AUDIENCE", Field: "Audiences", Reason: "at least one audience is required"},
			"core: config: AXIOMS_AUDIENCE (Config.Audiences): at least one audience is required"},
		{"code only", &ConfigError{Field: "Realm", Reason: "must not be empty"},
			"core: config: Config.Realm: must not be empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error = tt.err
			assert.Equal(t, tt.want, err.Error())
			assert.ErrorIs(t, err, ErrConfig)
			var ce *ConfigError
			require.ErrorAs(t, err, &ce)
			assert.Same(t, tt.err, ce)
		})
	}
}

func TestConfigErrNamesVariable(t *testing.T) {
	for field, env := range settingOf {
		t.Run(field, func(t *testing.T) {
			requireConfigError(t, configErr(field, "bad %d", 1), field, env+" (Config."+field+"): bad 1")
		})
	}
	requireConfigError(t, configErr("MaxKeys", "bad"), "MaxKeys", "core: config: Config.MaxKeys: bad")
}

func TestConfigWithDefaults(t *testing.T) {
	got := Config{Audiences: []string{"api"}, Issuer: "https://issuer.example.com"}.withDefaults()

	assert.Equal(t, []string{"api"}, got.Audiences)
	assert.Equal(t, "https://issuer.example.com", got.Issuer)
	assert.Empty(t, got.JWKSURL, "found by discovery (behaviour.md §6), not derived")
	assert.Equal(t, defaultAlgorithms, got.Algorithms)
	assert.Equal(t, []string{"JWT", "at+jwt"}, got.TokenTypes)
	assert.Equal(t, []string{"scope", "scp"}, got.ScopeClaims)
	assert.Equal(t, []string{"roles"}, got.RoleClaims)
	assert.Equal(t, []string{"permissions"}, got.PermissionClaims)
	assert.Nil(t, got.RequiredClaims)
	assert.Equal(t, []string{"OPTIONS"}, got.SafeMethods)
	assert.Equal(t, time.Duration(0), got.Leeway)
	assert.Equal(t, time.Hour, got.RefreshInterval)
	assert.Equal(t, 2*time.Hour, got.CacheTTL)
	assert.Equal(t, 30*time.Second, got.MinRefreshInterval)
	assert.Equal(t, 5*time.Minute, got.MaxAgeFloor)
	assert.Equal(t, 10*time.Second, got.FetchTimeout)
	assert.Equal(t, int64(1<<20), got.MaxJWKSBytes)
	assert.Equal(t, 100, got.MaxKeys)
	assert.Equal(t, 4096, got.MaxRSABits)
	assert.Equal(t, 16<<10, got.MaxTokenBytes)
	assert.Equal(t, "api", got.Realm)
	assert.Equal(t, "", got.AudienceClaim)
	assert.Nil(t, got.HTTPClient, "the key set builds its own client")
	assert.Nil(t, got.KeySet)
	require.NotNil(t, got.Now)
	assert.WithinDuration(t, time.Now(), got.Now(), time.Minute)
	assert.Same(t, slog.Default(), got.Logger)
	assert.NoError(t, got.validate(), "defaults are valid")
}

func TestConfigWithDefaultsKeepsSetValues(t *testing.T) {
	now := func() time.Time { return time.Unix(1, 0) }
	logger := slog.New(slog.DiscardHandler)
	in := Config{
		Audiences: []string{"a"}, Issuer: "https://i.example", JWKSURL: "https://k.example/keys",
		Algorithms: []string{"ES256"}, TokenTypes: []string{"at+jwt"}, ScopeClaims: []string{"scp"},
		RoleClaims: []string{"groups"}, PermissionClaims: []string{"perms"}, RequiredClaims: []string{"sub"},
		SafeMethods: []string{"HEAD"}, Leeway: time.Minute, RefreshInterval: 2 * time.Hour,
		CacheTTL: 3 * time.Hour, MinRefreshInterval: time.Minute, MaxAgeFloor: 2 * time.Minute, FetchTimeout: time.Second,
		MaxJWKSBytes: 2048, MaxKeys: 5, MaxRSABits: 8192, MaxTokenBytes: 4096, Realm: "r", Now: now, Logger: logger,
	}
	got := in.withDefaults()
	got.Now, in.Now = nil, nil // funcs are not comparable
	assert.Equal(t, in, got)
	assert.Same(t, logger, got.Logger)
}

func TestConfigWithDefaultsDerived(t *testing.T) {
	tests := []struct {
		name        string
		in          Config
		wantJWKSURL string
		wantMin     time.Duration
		wantTTL     time.Duration
		wantFloor   time.Duration // MaxAgeFloor; 0: the default 5m
	}{
		// Without JWKSURL, discovery finds it (discovery_test.go checks the
		// jwks.json fallback of these issuers).
		{"issuer", Config{Issuer: "https://i.example"}, "", 30 * time.Second, 2 * time.Hour, 0},
		{"issuer with slash", Config{Issuer: "https://tenant.auth0.com/"}, "", 30 * time.Second, 2 * time.Hour, 0},
		{"issuer with path and slashes", Config{Issuer: "https://i.example/realms/x//"}, "", 30 * time.Second, 2 * time.Hour, 0},
		{"explicit JWKS URL wins", Config{Issuer: "https://i.example", JWKSURL: "https://k.example/certs"}, "https://k.example/certs", 30 * time.Second, 2 * time.Hour, 0},
		{"no issuer", Config{}, "", 30 * time.Second, 2 * time.Hour, 0},
		{"long refresh lifts cache TTL", Config{RefreshInterval: 24 * time.Hour}, "", 30 * time.Second, 48 * time.Hour, 0},
		{"short refresh lowers min interval and floor", Config{RefreshInterval: 10 * time.Second}, "", 10 * time.Second, 2 * time.Hour, 10 * time.Second},
		{"long min interval lifts the floor", Config{MinRefreshInterval: 10 * time.Minute}, "", 10 * time.Minute, 2 * time.Hour, 10 * time.Minute},
		{"set values are kept", Config{RefreshInterval: 10 * time.Second, MinRefreshInterval: time.Minute, CacheTTL: time.Second, MaxAgeFloor: time.Hour},
			"", time.Minute, time.Second, time.Hour},
		{"negative refresh left to validate", Config{RefreshInterval: -time.Second}, "", 30 * time.Second, 2 * time.Hour, 30 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.in.withDefaults()
			assert.Equal(t, tt.wantJWKSURL, got.JWKSURL)
			assert.Equal(t, tt.wantMin, got.MinRefreshInterval)
			assert.Equal(t, tt.wantTTL, got.CacheTTL)
			assert.Equal(t, cmp.Or(tt.wantFloor, 5*time.Minute), got.MaxAgeFloor)
		})
	}
}

func TestConfigWithDefaultsCleansLists(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want []string
	}{
		{"nil gets the default", nil, []string{"scope", "scp"}},
		{"entries trimmed, empty dropped", []string{" a ", "", "\tb", "  "}, []string{"a", "b"}},
		{"empty stays empty", []string{}, []string{}},
		{"only blanks become empty", []string{" ", ""}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Config{ScopeClaims: tt.in, Audiences: tt.in}.withDefaults()
			assert.Equal(t, tt.want, got.ScopeClaims)
			if tt.in == nil {
				assert.Nil(t, got.Audiences, "Audiences has no default")
			}
		})
	}
}

func TestConfigWithDefaultsDoesNotAlias(t *testing.T) {
	in := Config{
		Audiences: []string{"a"}, Algorithms: []string{"RS256"}, TokenTypes: []string{"JWT"},
		ScopeClaims: []string{"scope"}, RoleClaims: []string{"roles"}, PermissionClaims: []string{"p"},
		RequiredClaims: []string{"sub"}, SafeMethods: []string{"OPTIONS"},
	}
	got := in.withDefaults()
	for _, s := range [][]string{in.Audiences, in.Algorithms, in.TokenTypes, in.ScopeClaims,
		in.RoleClaims, in.PermissionClaims, in.RequiredClaims, in.SafeMethods} {
		s[0] = "mutated"
	}
	for _, s := range [][]string{got.Audiences, got.Algorithms, got.TokenTypes, got.ScopeClaims,
		got.RoleClaims, got.PermissionClaims, got.RequiredClaims, got.SafeMethods} {
		assert.NotEqual(t, "mutated", s[0])
	}

	// Changing a defaulted list must not change the package defaults.
	d := Config{}.withDefaults()
	d.Algorithms[0], d.TokenTypes[0], d.ScopeClaims[0] = "x", "x", "x"
	d.RoleClaims[0], d.PermissionClaims[0], d.SafeMethods[0] = "x", "x", "x"
	fresh := Config{}.withDefaults()
	assert.Equal(t, "RS256", fresh.Algorithms[0])
	assert.Equal(t, "JWT", fresh.TokenTypes[0])
	assert.Equal(t, "scope", fresh.ScopeClaims[0])
	assert.Equal(t, "roles", fresh.RoleClaims[0])
	assert.Equal(t, "permissions", fresh.PermissionClaims[0])
	assert.Equal(t, "OPTIONS", fresh.SafeMethods[0])
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Config)
		field  string // "" = valid
		want   string // env variable or Config field named in the message
		parts  []string
	}{
		{"defaults", func(*Config) {}, "", "", nil},
		{"key set only", func(c *Config) { c.Issuer, c.JWKSURL, c.KeySet = "", "", fakeKeySet{} }, "", "", nil},
		{"JWKS URL only", func(c *Config) { c.Issuer, c.JWKSURL = "", "https://keys.example.com/jwks" }, "", "", nil},
		{"issuer only: discovery", func(c *Config) { c.JWKSURL = "" }, "", "", nil},
		{"loopback http issuer", func(c *Config) { c.Issuer, c.JWKSURL = "http://127.0.0.1:8080", "http://127.0.0.1:8080/jwks" }, "", "", nil},
		{"issuer with trailing slash", func(c *Config) { c.Issuer = "https://tenant.auth0.com/" }, "", "", nil},
		{"empty safe methods", func(c *Config) { c.SafeMethods = []string{} }, "", "", nil},
		{"several audiences", func(c *Config) { c.Audiences = []string{"a", "https://api.example.com"} }, "", "", nil},
		{"audience claim", func(c *Config) { c.AudienceClaim = "client_id" }, "", "", nil},
		{"max leeway", func(c *Config) { c.Leeway = maxLeeway }, "", "", nil},
		{"realm with specials", func(c *Config) { c.Realm = "my api! (v2) #1 [x] ~" }, "", "", nil},
		{"token bounds low", func(c *Config) { c.MaxTokenBytes = 256 }, "", "", nil},
		{"token bounds high", func(c *Config) { c.MaxTokenBytes = 1 << 20 }, "", "", nil},
		{"custom method", func(c *Config) { c.SafeMethods = []string{"OPTIONS", "HEAD", "M-SEARCH"} }, "", "", nil},

		{"no audience", func(c *Config) { c.Audiences = nil }, "Audiences", "AXIOMS_AUDIENCE", []string{"required"}},
		{"empty audience", func(c *Config) { c.Audiences = []string{"a", ""} }, "Audiences", "AXIOMS_AUDIENCE", []string{"entry 2 is empty"}},
		{"spaced audience", func(c *Config) { c.Audiences = []string{" a"} }, "Audiences", "AXIOMS_AUDIENCE", []string{"surrounding spaces"}},
		{"audience claim with space", func(c *Config) { c.AudienceClaim = "client id" }, "AudienceClaim", "Config.AudienceClaim", []string{"plain claim name"}},
		{"audience claim control", func(c *Config) { c.AudienceClaim = "cid\n" }, "AudienceClaim", "Config.AudienceClaim", nil},

		{"issuer not a URL", func(c *Config) { c.Issuer = "https://exa mple.com" }, "Issuer", "AXIOMS_ISS_URL", []string{"not a valid URL"}},
		{"issuer plain http", func(c *Config) { c.Issuer = "http://issuer.example.com" }, "Issuer", "AXIOMS_ISS_URL", []string{"loopback"}},
		{"issuer without scheme", func(c *Config) { c.Issuer = "issuer.example.com" }, "Issuer", "AXIOMS_ISS_URL", []string{"no host"}},
		{"issuer with query", func(c *Config) { c.Issuer = "https://i.example/?x=1" }, "Issuer", "AXIOMS_ISS_URL", []string{"query"}},
		{"issuer with fragment", func(c *Config) { c.Issuer = "https://i.example/#x" }, "Issuer", "AXIOMS_ISS_URL", []string{"fragment"}},
		{"issuer with userinfo", func(c *Config) { c.Issuer = "https://u:secret@i.example" }, "Issuer", "AXIOMS_ISS_URL", []string{"userinfo"}},
		{"issuer spaces", func(c *Config) { c.Issuer = "https://i.example " }, "Issuer", "AXIOMS_ISS_URL", []string{"surrounding spaces"}},
		{"no key source", func(c *Config) { c.Issuer, c.JWKSURL = "", "" }, "Issuer, JWKSURL or KeySet",
			"AXIOMS_DOMAIN, AXIOMS_ISS_URL or AXIOMS_JWKS_URL", []string{"KeySet"}},

		{"HS256", func(c *Config) { c.Algorithms = []string{"RS256", "HS256"} }, "Algorithms", "Config.Algorithms", []string{`"HS256"`, "must not be accepted by a resource server"}},
		{"hs512 lower case", func(c *Config) { c.Algorithms = []string{"hs512"} }, "Algorithms", "Config.Algorithms", []string{"resource server"}},
		{"HS384", func(c *Config) { c.Algorithms = []string{"HS384"} }, "Algorithms", "Config.Algorithms", []string{"HMAC"}},
		{"none", func(c *Config) { c.Algorithms = []string{"none"} }, "Algorithms", "Config.Algorithms", []string{"unsecured"}},
		{"NoNe", func(c *Config) { c.Algorithms = []string{"NoNe"} }, "Algorithms", "Config.Algorithms", []string{"unsecured"}},
		{"wrong case", func(c *Config) { c.Algorithms = []string{"rs256"} }, "Algorithms", "Config.Algorithms", []string{"not supported", "EdDSA"}},
		{"unknown alg", func(c *Config) { c.Algorithms = []string{"ES256K"} }, "Algorithms", "Config.Algorithms", []string{"not supported"}},
		{"no algs", func(c *Config) { c.Algorithms = []string{} }, "Algorithms", "Config.Algorithms", []string{"must not be empty"}},

		{"no token types", func(c *Config) { c.TokenTypes = []string{} }, "TokenTypes", "AXIOMS_TOKEN_TYPS", []string{"must not be empty"}},
		{"empty token type", func(c *Config) { c.TokenTypes = []string{""} }, "TokenTypes", "AXIOMS_TOKEN_TYPS", []string{"entry 1 is empty"}},
		{"token type with space", func(c *Config) { c.TokenTypes = []string{"at jwt"} }, "TokenTypes", "AXIOMS_TOKEN_TYPS", []string{"commas"}},

		{"no scope claims", func(c *Config) { c.ScopeClaims = []string{} }, "ScopeClaims", "AXIOMS_SCOPE_CLAIMS", []string{"at least one claim"}},
		{"no role claims", func(c *Config) { c.RoleClaims = []string{} }, "RoleClaims", "AXIOMS_ROLES_CLAIMS", nil},
		{"no permission claims", func(c *Config) { c.PermissionClaims = []string{} }, "PermissionClaims", "AXIOMS_PERMISSIONS_CLAIMS", nil},
		{"empty scope claim", func(c *Config) { c.ScopeClaims = []string{"scope", ""} }, "ScopeClaims", "AXIOMS_SCOPE_CLAIMS", []string{"entry 2 is empty"}},
		{"space-separated claims", func(c *Config) { c.RoleClaims = []string{"roles groups"} }, "RoleClaims", "AXIOMS_ROLES_CLAIMS", []string{"commas"}},
		{"empty permission claim", func(c *Config) { c.PermissionClaims = []string{""} }, "PermissionClaims", "AXIOMS_PERMISSIONS_CLAIMS", nil},
		{"empty required claim", func(c *Config) { c.RequiredClaims = []string{""} }, "RequiredClaims", "Config.RequiredClaims", nil},

		{"negative leeway", func(c *Config) { c.Leeway = -time.Second }, "Leeway", "AXIOMS_LEEWAY", []string{"between 0 and 5m"}},
		{"large leeway", func(c *Config) { c.Leeway = time.Hour }, "Leeway", "AXIOMS_LEEWAY", []string{"1h is out of range"}},
		{"small token cap", func(c *Config) { c.MaxTokenBytes = 255 }, "MaxTokenBytes", "Config.MaxTokenBytes", []string{"between 256 and 1048576"}},
		{"large token cap", func(c *Config) { c.MaxTokenBytes = 1<<20 + 1 }, "MaxTokenBytes", "Config.MaxTokenBytes", nil},

		{"realm quote", func(c *Config) { c.Realm = `a"b` }, "Realm", "Config.Realm", []string{"RFC 6750"}},
		{"realm backslash", func(c *Config) { c.Realm = `a\b` }, "Realm", "Config.Realm", nil},
		{"realm newline", func(c *Config) { c.Realm = "a\r\nb" }, "Realm", "Config.Realm", nil},
		{"realm non-ASCII", func(c *Config) { c.Realm = "café" }, "Realm", "Config.Realm", nil},
		{"realm empty", func(c *Config) { c.Realm = "" }, "Realm", "Config.Realm", []string{"empty"}},

		{"lower-case method", func(c *Config) { c.SafeMethods = []string{"options"} }, "SafeMethods", "Config.SafeMethods", []string{"upper-case"}},
		{"method with space", func(c *Config) { c.SafeMethods = []string{"GET HEAD"} }, "SafeMethods", "Config.SafeMethods", nil},
		{"empty method", func(c *Config) { c.SafeMethods = []string{""} }, "SafeMethods", "Config.SafeMethods", nil},
		{"method separator", func(c *Config) { c.SafeMethods = []string{"GET,HEAD"} }, "SafeMethods", "Config.SafeMethods", nil},

		{"key set checked", func(c *Config) { c.MaxKeys = 0 }, "MaxKeys", "Config.MaxKeys", nil},
		{"key set settings ignored with KeySet", func(c *Config) {
			c.KeySet, c.JWKSURL = fakeKeySet{}, "http://example.com"
		}, "", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validConfig(t)
			tt.mutate(&c)
			err := c.validate()
			if tt.field == "" {
				assert.NoError(t, err)
				return
			}
			requireConfigError(t, err, tt.field, tt.want, tt.parts...)
		})
	}
}

func TestConfigValidateKeySet(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Config)
		field  string // "" = valid
		want   string
		parts  []string
	}{
		{"defaults", func(*Config) {}, "", "", nil},
		{"lowest bounds", func(c *Config) {
			c.MinRefreshInterval, c.RefreshInterval, c.CacheTTL, c.FetchTimeout = time.Second, time.Second, time.Second, time.Nanosecond
			c.MaxAgeFloor = time.Second
			c.MaxJWKSBytes, c.MaxKeys, c.MaxRSABits = 1, 1, 2048
		}, "", "", nil},
		{"highest bounds", func(c *Config) {
			c.MinRefreshInterval, c.RefreshInterval, c.CacheTTL, c.FetchTimeout = time.Hour, 24*time.Hour, 7*24*time.Hour, time.Minute
			c.MaxAgeFloor = 24 * time.Hour
			c.MaxJWKSBytes, c.MaxKeys, c.MaxRSABits = 64<<20, 10000, 8192
		}, "", "", nil},
		{"query allowed", func(c *Config) { c.JWKSURL = "https://login.example.com/keys?appid=1" }, "", "", nil},
		{"no JWKS URL: discovery", func(c *Config) { c.JWKSURL = "" }, "", "", nil},
		{"no JWKS URL nor issuer", func(c *Config) { c.JWKSURL, c.Issuer = "", "" }, "JWKSURL", "AXIOMS_JWKS_URL", []string{"required", "discovery"}},
		{"discovery issuer plain http", func(c *Config) { c.JWKSURL, c.Issuer = "", "http://issuer.example.com" }, "Issuer", "AXIOMS_ISS_URL", []string{"loopback"}},
		{"no JWKS URL but key set", func(c *Config) { c.JWKSURL, c.KeySet = "", fakeKeySet{} }, "", "", nil},
		{"JWKS URL plain http", func(c *Config) { c.JWKSURL = "http://keys.example.com/jwks" }, "JWKSURL", "AXIOMS_JWKS_URL", []string{"loopback"}},
		{"JWKS URL ftp", func(c *Config) { c.JWKSURL = "ftp://keys.example.com/jwks" }, "JWKSURL", "AXIOMS_JWKS_URL", []string{"scheme must be https"}},
		{"JWKS URL userinfo", func(c *Config) { c.JWKSURL = "https://user:pw@keys.example.com/jwks" }, "JWKSURL", "AXIOMS_JWKS_URL", []string{"userinfo"}},
		{"JWKS URL password redacted", func(c *Config) { c.JWKSURL = "https://user:hunter2@keys.example.com/jwks" }, "JWKSURL", "AXIOMS_JWKS_URL", []string{"xxxxx"}},
		{"JWKS URL fragment", func(c *Config) { c.JWKSURL = "https://keys.example.com/jwks#k" }, "JWKSURL", "AXIOMS_JWKS_URL", []string{"fragment"}},
		{"JWKS URL empty fragment", func(c *Config) { c.JWKSURL = "https://keys.example.com/jwks#" }, "JWKSURL", "AXIOMS_JWKS_URL", []string{"fragment"}},
		{"JWKS URL unparsable", func(c *Config) { c.JWKSURL = "https://keys.example.com:port/" }, "JWKSURL", "AXIOMS_JWKS_URL", []string{"not a valid URL"}},
		{"JWKS URL relative", func(c *Config) { c.JWKSURL = "/jwks.json" }, "JWKSURL", "AXIOMS_JWKS_URL", []string{"no host"}},

		{"refresh too short", func(c *Config) { c.RefreshInterval = 500 * time.Millisecond }, "RefreshInterval", "AXIOMS_JWKS_REFRESH_INTERVAL", []string{"between 1s and 24h"}},
		{"refresh too long", func(c *Config) { c.RefreshInterval, c.CacheTTL = 25*time.Hour, 50*time.Hour }, "RefreshInterval", "AXIOMS_JWKS_REFRESH_INTERVAL", []string{"25h is out of range"}},
		{"refresh negative", func(c *Config) { c.RefreshInterval = -time.Hour }, "RefreshInterval", "AXIOMS_JWKS_REFRESH_INTERVAL", nil},
		{"min below 1s", func(c *Config) { c.MinRefreshInterval = 999 * time.Millisecond }, "MinRefreshInterval", "AXIOMS_JWKS_MIN_REFRESH_INTERVAL", []string{"between 1s and 1h"}},
		{"min above 1h", func(c *Config) {
			c.MinRefreshInterval, c.RefreshInterval = 2*time.Hour, 3*time.Hour
			c.CacheTTL = 6 * time.Hour
		},
			"MinRefreshInterval", "AXIOMS_JWKS_MIN_REFRESH_INTERVAL", []string{"between 1s and 1h"}},
		{"min above refresh", func(c *Config) { c.MinRefreshInterval, c.RefreshInterval = time.Minute, 30*time.Second },
			"MinRefreshInterval", "AXIOMS_JWKS_MIN_REFRESH_INTERVAL", []string{"at most RefreshInterval"}},
		{"min zero", func(c *Config) { c.MinRefreshInterval = 0 }, "MinRefreshInterval", "AXIOMS_JWKS_MIN_REFRESH_INTERVAL", nil},
		{"cache TTL below refresh", func(c *Config) { c.CacheTTL = 59 * time.Minute }, "CacheTTL", "AXIOMS_JWKS_CACHE_TTL",
			[]string{"between 1h and 168h", "expire between refreshes"}},
		{"max-age floor below min interval", func(c *Config) { c.MaxAgeFloor = 29 * time.Second }, "MaxAgeFloor", "AXIOMS_JWKS_MAX_AGE_FLOOR",
			[]string{"between 30s and 1h", "from MinRefreshInterval to RefreshInterval"}},
		{"max-age floor above refresh", func(c *Config) { c.MaxAgeFloor = time.Hour + time.Second }, "MaxAgeFloor", "AXIOMS_JWKS_MAX_AGE_FLOOR", nil},
		{"max-age floor at refresh: caching headers ignored", func(c *Config) { c.MaxAgeFloor = time.Hour }, "", "", nil},
		{"cache TTL above 7 days", func(c *Config) { c.CacheTTL = 7*24*time.Hour + time.Second }, "CacheTTL", "AXIOMS_JWKS_CACHE_TTL", nil},
		{"fetch timeout zero", func(c *Config) { c.FetchTimeout = 0 }, "FetchTimeout", "Config.FetchTimeout", []string{"positive and at most 1m"}},
		{"fetch timeout long", func(c *Config) { c.FetchTimeout = 61 * time.Second }, "FetchTimeout", "Config.FetchTimeout", nil},
		{"JWKS bytes zero", func(c *Config) { c.MaxJWKSBytes = 0 }, "MaxJWKSBytes", "Config.MaxJWKSBytes", []string{"between 1 and 67108864"}},
		{"JWKS bytes large", func(c *Config) { c.MaxJWKSBytes = 64<<20 + 1 }, "MaxJWKSBytes", "Config.MaxJWKSBytes", nil},
		{"keys zero", func(c *Config) { c.MaxKeys = 0 }, "MaxKeys", "Config.MaxKeys", []string{"between 1 and 10000"}},
		{"keys large", func(c *Config) { c.MaxKeys = 10001 }, "MaxKeys", "Config.MaxKeys", nil},
		{"RSA bits below 2048", func(c *Config) { c.MaxRSABits = 2047 }, "MaxRSABits", "Config.MaxRSABits", []string{"between 2048 and 8192 bits"}},
		{"RSA bits above 8192", func(c *Config) { c.MaxRSABits = 8193 }, "MaxRSABits", "Config.MaxRSABits", nil},
		{"RSA bits negative", func(c *Config) { c.MaxRSABits = -1 }, "MaxRSABits", "Config.MaxRSABits", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validConfig(t)
			tt.mutate(&c)
			err := func() error {
				if err := c.checkKeySource(); err != nil {
					return err
				}
				return c.validateFetching()
			}()
			if tt.field == "" {
				assert.NoError(t, err)
				return
			}
			requireConfigError(t, err, tt.field, tt.want, tt.parts...)
			assert.NotContains(t, err.Error(), "hunter2")
		})
	}
}

func TestConfigCheckURL(t *testing.T) {
	tests := []struct {
		raw    string
		wantOK bool
	}{
		{"https://issuer.example.com", true},
		{"https://issuer.example.com:8443/realms/x", true},
		{"HTTPS://issuer.example.com", true},
		{"https://127.0.0.1", true},
		{"http://127.0.0.1:8080", true},
		{"http://127.0.0.1:8080/.well-known/jwks.json", true},
		{"http://127.8.9.10", true},
		{"http://[::1]", true},
		{"http://[::1]:9000/keys", true},
		{"http://[::ffff:127.0.0.1]", true},
		{"http://localhost", true},
		{"http://localhost:8080", true},
		{"http://localhost.", true},
		{"http://LOCALHOST", true},
		{"http://LocalHost.:1234", true},

		{"http://example.com", false},
		{"http://127.0.0.1.nip.io", false},
		{"http://localhost.example.com", false},
		{"http://localhostx", false},
		{"http://128.0.0.1", false},
		{"http://10.0.0.1", false},
		{"http://0.0.0.0", false},
		{"http://[::]", false},
		{"http://127.1", false},
		{"http://2130706433", false},
		{"ftp://issuer.example.com", false},
		{"ftp://127.0.0.1", false},
		{"ws://localhost", false},
		{"https://", false},
		{"https:///path", false},
		{"https://:443", false},
		{"https:issuer.example.com", false},
		{"//issuer.example.com", false},
		{"issuer.example.com", false},
		{"https://user@issuer.example.com", false},
		{"http://user:pw@localhost", false},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			u, err := url.Parse(tt.raw)
			require.NoError(t, err, "precondition: parsable")
			err = checkURL(u)
			if tt.wantOK {
				assert.NoError(t, err)
			} else {
				assert.Error(t, err)
			}
		})
	}
	assert.Error(t, checkURL(nil))
}

func TestConfigErrorsAreMatchable(t *testing.T) {
	c := validConfig(t)
	c.Algorithms = []string{"HS256"}
	err := c.validate()
	require.Error(t, err)
	assert.True(t, errors.Is(err, ErrConfig))
	assert.False(t, errors.Is(err, ErrInvalidToken))
}

// keySetFunc is a custom KeySet of func type.
type keySetFunc func(context.Context, string) ([]*PublicKey, error)

func (f keySetFunc) Keys(ctx context.Context, kid string) ([]*PublicKey, error) { return f(ctx, kid) }

// TestNewVerifierRefusesNilKeySet: a KeySet that is a nil pointer (or func)
// in a non-nil interface is a configuration error naming the field, not a
// panic at the first request.
func TestNewVerifierRefusesNilKeySet(t *testing.T) {
	var static *StaticKeySet
	var remote *RemoteKeySet
	var fn keySetFunc
	issuer := func(ks KeySet) func(*Config) {
		return func(c *Config) {
			c.Issuer = ""
			c.Issuers = []IssuerConfig{{Issuer: "https://a.example"}, {Issuer: "https://b.example", KeySet: ks}}
		}
	}
	tests := []struct {
		name   string
		mutate func(*Config)
		field  string // "" = valid
		parts  []string
	}{
		{"nil *StaticKeySet", func(c *Config) { c.KeySet = static }, "KeySet", []string{"*core.StaticKeySet"}},
		{"nil *RemoteKeySet", func(c *Config) { c.KeySet = remote }, "KeySet", []string{"*core.RemoteKeySet"}},
		{"nil func key set", func(c *Config) { c.KeySet = fn }, "KeySet", []string{"core.keySetFunc"}},
		{"issuer with nil *StaticKeySet", issuer(static), "Issuers[1].KeySet", []string{"*core.StaticKeySet"}},
		{"issuer with nil func key set", issuer(fn), "Issuers[1].KeySet", nil},
		{"value key set", func(c *Config) { c.KeySet = fakeKeySet{} }, "", nil},
		{"issuer with a key set", issuer(NewStaticKeySet()), "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := Config{Audiences: []string{"api"}, Issuer: "https://issuer.example.com", Logger: slog.New(slog.DiscardHandler)}
			tt.mutate(&cfg)
			v, err := NewVerifier(cfg)
			if tt.field == "" {
				require.NoError(t, err)
				_ = v.Close()
				return
			}
			assert.Nil(t, v)
			requireConfigError(t, err, tt.field, "Config."+tt.field, append(tt.parts, "nil")...)
		})
	}
}
