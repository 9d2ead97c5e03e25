package core

import (
	"bytes"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// headersOf collects what a header setter receives, in order.
func headersOf(f func(set func(name, value string))) http.Header {
	h := http.Header{}
	f(h.Set)
	return h
}

func TestResourceMetadataWithCORS(t *testing.T) {
	m, err := NewResourceMetadata(ProtectedResource{Resource: "https://mcp.example.com/mcp"}, "")
	require.NoError(t, err)
	c := m.WithCORS()
	require.NotNil(t, c)
	assert.Equal(t, m.Document(), c.Document(), "same document")
	assert.Equal(t, m.Path(), c.Path(), "same path")
	assert.Equal(t, m.url(true, "mcp.example.com"), c.url(true, "mcp.example.com"), "same URL")
	assert.Nil(t, (*ResourceMetadata)(nil).WithCORS())

	t.Run("off by default", func(t *testing.T) {
		for _, meta := range []*ResourceMetadata{m, nil} {
			for _, method := range []string{"GET", "HEAD", "OPTIONS"} {
				var preflight bool
				h := headersOf(func(set func(string, string)) { preflight = meta.SetCORSHeaders(method, set) })
				assert.False(t, preflight, method)
				assert.Empty(t, h, method)
			}
		}
	})
	t.Run("GET and HEAD", func(t *testing.T) {
		for _, method := range []string{"GET", "HEAD"} {
			var preflight bool
			h := headersOf(func(set func(string, string)) { preflight = c.SetCORSHeaders(method, set) })
			assert.False(t, preflight, method)
			assert.Equal(t, http.Header{"Access-Control-Allow-Origin": {"*"}}, h, method)
		}
	})
	t.Run("OPTIONS", func(t *testing.T) {
		var preflight bool
		h := headersOf(func(set func(string, string)) { preflight = c.SetCORSHeaders("OPTIONS", set) })
		assert.True(t, preflight)
		assert.Equal(t, http.Header{
			"Access-Control-Allow-Origin":  {"*"},
			"Allow":                        {"GET, HEAD, OPTIONS"},
			"Access-Control-Allow-Methods": {"GET, HEAD, OPTIONS"},
			"Access-Control-Allow-Headers": {"*"},
			"Access-Control-Max-Age":       {"86400"},
		}, h)
	})
}

func TestResponseExposesChallengeWithCORS(t *testing.T) {
	m, err := NewResourceMetadata(ProtectedResource{Resource: "https://api.example.com"}, "https://api.example.com")
	require.NoError(t, err)
	errs := []error{ErrNoCredentials, errMultipleAuthorization, ErrTokenExpired, ErrRoleDenied,
		insufficientAuthentication([]string{"mfa"}, -1)}
	for _, e := range errs {
		plain := m.response(e, "api", true, "", nil)
		assert.Empty(t, headersOf(plain.SetHeaders).Get("Access-Control-Expose-Headers"), "off by default: %v", e)
		none := (*ResourceMetadata)(nil).response(e, "api", true, "", nil)
		assert.Empty(t, headersOf(none.SetHeaders).Get("Access-Control-Expose-Headers"), "no metadata: %v", e)

		r := m.WithCORS().response(e, "api", true, "", nil)
		assert.Equal(t, plain.WWWAuthenticate, r.WWWAuthenticate, "same challenge: %v", e)
		h := headersOf(r.SetHeaders)
		assert.Equal(t, "WWW-Authenticate", h.Get("Access-Control-Expose-Headers"), "%v", e)
		assert.Empty(t, h.Get("Access-Control-Allow-Origin"), "the application's CORS middleware decides origins")
	}
	r := m.WithCORS().response(keysUnavailable(time.Second), "api", true, "", nil)
	assert.Empty(t, headersOf(r.SetHeaders).Get("Access-Control-Expose-Headers"), "503 has no challenge to expose")
}

func TestResourceWarning(t *testing.T) {
	for _, good := range []string{"https://mcp.example.com/mcp", "HTTPS://api.example.com", "http://localhost:8080/mcp",
		"http://127.0.0.1/mcp", "http://[::1]:3000"} {
		assert.Empty(t, resourceWarning(good), good)
	}
	for bad, why := range map[string]string{
		"api":                         "not an absolute URL",
		"api://default":               "scheme is not https",
		"urn:example:api":             "not an absolute URL",
		"/mcp":                        "not an absolute URL",
		"mcp.example.com/mcp":         "not an absolute URL",
		"http://mcp.example.com/mcp":  "plain http on a host that is not loopback",
		"http://127.0.0.1.nip.io/mcp": "plain http on a host that is not loopback",
		"ftp://files.example.com":     "scheme is not https",
	} {
		assert.Equal(t, why, resourceWarning(bad), bad)
	}
}

func TestWarnResourceOnce(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, nil))
	long := "api://" + strings.Repeat("a", 300)
	m, err := NewResourceMetadata(ProtectedResource{Resource: long}, "")
	require.NoError(t, err)
	m.warnResource(logger)
	m.WithCORS().warnResource(logger) // a copy shares the once
	m.warnResource(logger)
	out := buf.String()
	assert.Equal(t, 1, strings.Count(out, "level=WARN"), out)
	assert.Contains(t, out, "RFC 9728 §3.3")
	assert.Contains(t, out, "reason=\"scheme is not https\"")
	assert.Contains(t, out, "resource=api://"+strings.Repeat("a", maxLoggedResource-len("api://"))+"...")
	assert.NotContains(t, out, strings.Repeat("a", maxLoggedResource), "the value is bounded")

	buf.Reset()
	good, err := NewResourceMetadata(ProtectedResource{Resource: "https://mcp.example.com/mcp"}, "")
	require.NoError(t, err)
	good.warnResource(logger)
	(*ResourceMetadata)(nil).warnResource(logger)
	assert.Empty(t, buf.String())
}
