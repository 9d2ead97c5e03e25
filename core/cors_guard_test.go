package core

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGuardResponseExposesChallengeWithCORS(t *testing.T) {
	v := rmVerifier(t, Config{Audiences: []string{"https://api.example.com"}, Issuer: "https://auth.example.com"})
	m, err := NewResourceMetadata(v.ProtectedResource(), "")
	require.NoError(t, err)

	plain := NewGuard(v, GuardOptions{ResourceMetadata: m}).Response(ErrNoCredentials, true, "api.example.com")
	assert.Empty(t, headersOf(plain.SetHeaders).Get("Access-Control-Expose-Headers"), "off by default")

	r := NewGuard(v, GuardOptions{ResourceMetadata: m.WithCORS()}).Response(ErrNoCredentials, true, "api.example.com")
	assert.Equal(t, plain.WWWAuthenticate, r.WWWAuthenticate)
	assert.Equal(t, "WWW-Authenticate", headersOf(r.SetHeaders).Get("Access-Control-Expose-Headers"))
}

func TestNewGuardWarnsOfResourceNotHTTPS(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, nil))
	v := rmVerifier(t, Config{Audiences: []string{"api://default"}, Issuer: "https://auth.example.com", Logger: logger})
	m, err := NewResourceMetadata(v.ProtectedResource(), "")
	require.NoError(t, err)
	buf.Reset() // only what NewGuard logs
	NewGuard(v, GuardOptions{ResourceMetadata: m})
	NewGuard(v, GuardOptions{ResourceMetadata: m.WithCORS()})
	out := buf.String()
	assert.Equal(t, 1, strings.Count(out, "level=WARN"), "once per metadata: %s", out)
	assert.Contains(t, out, "resource=api://default")
	assert.Contains(t, out, "RFC 9728 §3.3")

	buf.Reset()
	NewGuard(v, GuardOptions{}) // no metadata: nothing published, nothing to warn of
	ok := rmVerifier(t, Config{Audiences: []string{"https://mcp.example.com/mcp"}, Issuer: "https://auth.example.com", Logger: logger})
	good, err := NewResourceMetadata(ok.ProtectedResource(), "")
	require.NoError(t, err)
	buf.Reset()
	NewGuard(ok, GuardOptions{ResourceMetadata: good})
	assert.Empty(t, buf.String())
}
