package core

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestUnknownSettings(t *testing.T) {
	environ := []string{
		"PATH=/usr/bin",
		"AXIOMS_AUDIENCE=api",                 // read
		"AXIOMS_DOMAIN=example.com",           // read
		"AXIOMS_AUDIENCE_CLAIM=client_id",     // read
		"AXIOMS_ROLE_CLAIMS=roles",            // typo
		"AXIOMS_SCOPES_CLAIMS=scope",          // typo
		"AXIOMS_JWKS_URI=https://x/jwks.json", // typo
		"AXIOMS_LEEWAY_SECONDS=30",            // extends a known name
		"AXIOMS_SAFE_METHODS=OPTIONS",         // Python setting
		"AXIOMS_DPOP=required",                // read
		"AXIOMS_DPOP_REPLAY_REDIS=redis://x",  // read by redisreplay
		"AXIOMS_INTROSPECTION_URL=https://x",  // read
		"AXIOMS_INTROSPECTION_CACHE_TTLS=60",  // typo
		"AXIOMS_COMPLETELY_DIFFERENT=1",       // nothing near
		"AXIOMS_" + strings.Repeat("X", 100) + "=1",
	}
	got := map[string]string{}
	var order []string
	for _, s := range unknownSettings(environ) {
		got[s.name] = s.why
		order = append(order, s.name)
	}
	assert.Len(t, order, 8)
	assert.Contains(t, got["AXIOMS_ROLE_CLAIMS"], "did you mean AXIOMS_ROLES_CLAIMS?")
	assert.Contains(t, got["AXIOMS_SCOPES_CLAIMS"], "did you mean AXIOMS_SCOPE_CLAIMS?")
	assert.Contains(t, got["AXIOMS_JWKS_URI"], "did you mean AXIOMS_JWKS_URL?")
	assert.Contains(t, got["AXIOMS_LEEWAY_SECONDS"], "did you mean AXIOMS_LEEWAY?")
	assert.Contains(t, got["AXIOMS_SAFE_METHODS"], "Config.SafeMethods")
	assert.NotContains(t, got, "AXIOMS_INTROSPECTION_URL")
	assert.Contains(t, got["AXIOMS_INTROSPECTION_CACHE_TTLS"], "did you mean AXIOMS_INTROSPECTION_CACHE_TTL?")
	assert.NotContains(t, got, "AXIOMS_DPOP")
	assert.NotContains(t, got, "AXIOMS_DPOP_REPLAY_REDIS")
	assert.Equal(t, "not a setting of this library", got["AXIOMS_COMPLETELY_DIFFERENT"])
	assert.Equal(t, "AXIOMS_ROLE_CLAIMS", order[0], "in the environment's order")
	for name := range got {
		assert.LessOrEqual(t, len(name), maxNameLen+3, "a quoted name is bounded")
	}
}

func TestConfigFromEnvWarnsUnknown(t *testing.T) {
	var log bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&log, nil)))
	t.Cleanup(func() { slog.SetDefault(old) })
	t.Setenv("AXIOMS_AUDIENCE", "api")
	t.Setenv("AXIOMS_ISS_URL", `"https://issuer.example.com/"`) // quoted, as in an env file
	t.Setenv("AXIOMS_ROLE_CLAIMS", "roles")
	c, err := ConfigFromEnv()
	require.NoError(t, err)
	assert.Equal(t, "https://issuer.example.com/", c.Issuer, "the quotes are removed")
	assert.Contains(t, log.String(), "variable=AXIOMS_ROLE_CLAIMS")
	assert.Contains(t, log.String(), "did you mean AXIOMS_ROLES_CLAIMS?")
	assert.Equal(t, 1, strings.Count(log.String(), "AXIOMS_ROLE_CLAIMS"), "one warning for it (the environment may hold others)")
}

func TestConfigFromLookupAudienceClaimAndQuotes(t *testing.T) {
	env := map[string]string{
		"AXIOMS_AUDIENCE":       "'4abc client'",
		"AXIOMS_ISS_URL":        "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_x",
		"AXIOMS_AUDIENCE_CLAIM": `"client_id"`,
		"AXIOMS_SCOPE_CLAIMS":   `"scope,scp"`,
	}
	c, err := ConfigFromLookup(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	require.NoError(t, err)
	assert.Equal(t, "client_id", c.AudienceClaim)
	assert.Equal(t, []string{"4abc client"}, c.Audiences)
	assert.Equal(t, []string{"scope", "scp"}, c.ScopeClaims)

	env["AXIOMS_AUDIENCE_CLAIM"] = "client id"
	_, err = ConfigFromLookup(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	var ce *ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "AXIOMS_AUDIENCE_CLAIM", ce.Setting)
	assert.Equal(t, `"x`, unquote(`"x`), "unmatched quotes stay")
}
