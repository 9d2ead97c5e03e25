package core

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rmVerifier builds a verifier with a static key set for cfg (Audiences,
// Issuer).
func rmVerifier(tb testing.TB, cfg Config) *Verifier {
	tb.Helper()
	ks, err := ParseStaticKeySet(kitJWKS(tb, newKitKey(tb, "k1", "ES256").jwk(tb)))
	require.NoError(tb, err)
	cfg.KeySet = ks
	v, err := NewVerifier(cfg)
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = v.Close() })
	return v
}

func TestProtectedResourceDefaults(t *testing.T) {
	v := rmVerifier(t, Config{Audiences: []string{"https://api.example.com", "api://other"}, Issuer: "https://issuer.example.com/"})
	doc := v.ProtectedResource()
	assert.Equal(t, ProtectedResource{
		Resource:               "https://api.example.com",
		AuthorizationServers:   []string{"https://issuer.example.com/"},
		BearerMethodsSupported: []string{"header"},
	}, doc)

	m, err := NewResourceMetadata(doc, "")
	require.NoError(t, err)
	assert.JSONEq(t, `{"resource":"https://api.example.com","authorization_servers":["https://issuer.example.com/"],"bearer_methods_supported":["header"]}`,
		string(m.Document()))

	t.Run("no issuer: no authorization_servers", func(t *testing.T) {
		v := rmVerifier(t, Config{Audiences: []string{"api://default"}})
		m, err := NewResourceMetadata(v.ProtectedResource(), "")
		require.NoError(t, err)
		assert.JSONEq(t, `{"resource":"api://default","bearer_methods_supported":["header"]}`, string(m.Document()))
	})
	t.Run("the accessor result is a copy", func(t *testing.T) {
		doc.AuthorizationServers[0] = "changed"
		assert.Equal(t, []string{"https://issuer.example.com/"}, v.ProtectedResource().AuthorizationServers)
	})
}

func TestResourceMetadataDocument(t *testing.T) {
	doc := ProtectedResource{
		Resource:               "https://mcp.example.com/mcp",
		AuthorizationServers:   []string{"https://a.example.com", "https://b.example.com/tenant"},
		ScopesSupported:        []string{"mcp:tools", "mcp:resources"},
		BearerMethodsSupported: []string{"header", "query"},
		ResourceName:           `Example "MCP" <server>`,
		ResourceDocumentation:  "https://docs.example.com/mcp",
		ResourcePolicyURI:      "https://example.com/policy",
		ResourceTOSURI:         "https://example.com/tos",
	}
	m, err := NewResourceMetadata(doc, "https://mcp.example.com")
	require.NoError(t, err)
	var got map[string]any
	require.NoError(t, json.Unmarshal(m.Document(), &got))
	assert.Equal(t, map[string]any{
		"resource":                 "https://mcp.example.com/mcp",
		"authorization_servers":    []any{"https://a.example.com", "https://b.example.com/tenant"},
		"scopes_supported":         []any{"mcp:tools", "mcp:resources"},
		"bearer_methods_supported": []any{"header", "query"},
		"resource_name":            `Example "MCP" <server>`,
		"resource_documentation":   "https://docs.example.com/mcp",
		"resource_policy_uri":      "https://example.com/policy",
		"resource_tos_uri":         "https://example.com/tos",
	}, got)
	assert.True(t, strings.HasPrefix(string(m.Document()), `{"resource":`), "resource first, as in RFC 9728 §2")

	var nilM *ResourceMetadata
	assert.Nil(t, nilM.Document())
	assert.Empty(t, nilM.url(true, "api.example.com"))
}

func TestNewResourceMetadataErrors(t *testing.T) {
	ok := ProtectedResource{Resource: "https://api.example.com"}
	tests := []struct {
		name      string
		doc       ProtectedResource
		publicURL string
		want      string // in the message
	}{
		{"no resource", ProtectedResource{}, "", "resource is required"},
		{"unknown bearer method", ProtectedResource{Resource: "x", BearerMethodsSupported: []string{"cookie"}}, "", `"cookie"`},
		{"documentation not absolute", ProtectedResource{Resource: "x", ResourceDocumentation: "/docs"}, "", "resource_documentation"},
		{"policy not http", ProtectedResource{Resource: "x", ResourcePolicyURI: "javascript:alert(1)"}, "", "resource_policy_uri"},
		{"terms without host", ProtectedResource{Resource: "x", ResourceTOSURI: "https:///tos"}, "", "resource_tos_uri"},
		{"public URL without scheme", ok, "api.example.com", "public URL"},
		{"public URL ftp", ok, "ftp://api.example.com", "scheme"},
		{"public URL plain http", ok, "http://api.example.com", "plain http"},
		{"public URL userinfo", ok, "https://user:secret@api.example.com", "userinfo"},
		{"public URL query", ok, "https://api.example.com/?a=b", "query"},
		{"public URL empty query", ok, "https://api.example.com/?", "query"},
		{"public URL fragment", ok, "https://api.example.com/#x", "fragment"},
		{"public URL bad host", ok, "https://api_example.com", "host"},
		{"public URL zone", ok, "https://[fe80::1%25eth0]", "host"},
		{"public URL bad port", ok, "https://api.example.com:99999", "host"},
		{"public URL not a URL", ok, "https://api.example.com/%zz", "not a URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := NewResourceMetadata(tt.doc, tt.publicURL)
			require.Error(t, err)
			assert.Nil(t, m)
			assert.ErrorIs(t, err, ErrConfig)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "secret", "credentials are redacted")
		})
	}
}

func TestResourceMetadataURL(t *testing.T) {
	doc := ProtectedResource{Resource: "https://api.example.com"}
	t.Run("public URL", func(t *testing.T) {
		for publicURL, want := range map[string]string{
			"https://api.example.com":        "https://api.example.com/.well-known/oauth-protected-resource",
			"https://api.example.com/":       "https://api.example.com/.well-known/oauth-protected-resource",
			"HTTPS://API.Example.COM:8443/":  "https://api.example.com:8443/.well-known/oauth-protected-resource",
			"https://example.com/api/":       "https://example.com/api/.well-known/oauth-protected-resource",
			"https://example.com/a%20b":      "https://example.com/a%20b/.well-known/oauth-protected-resource",
			"http://127.0.0.1:8080":          "http://127.0.0.1:8080/.well-known/oauth-protected-resource",
			"http://localhost:3000":          "http://localhost:3000/.well-known/oauth-protected-resource",
			"http://[::1]:3000":              "http://[::1]:3000/.well-known/oauth-protected-resource",
			"https://[2001:db8::1]:8443/api": "https://[2001:db8::1]:8443/api/.well-known/oauth-protected-resource",
		} {
			m, err := NewResourceMetadata(doc, publicURL)
			require.NoError(t, err, publicURL)
			for _, host := range []string{"", "api.example.com", "evil.example", `bad"host`} {
				assert.Equal(t, want, m.url(false, host), "%s, Host %q", publicURL, host)
				assert.Equal(t, want, m.url(true, host), "%s, Host %q over TLS", publicURL, host)
			}
		}
	})
	t.Run("derived from the request", func(t *testing.T) {
		m, err := NewResourceMetadata(doc, "")
		require.NoError(t, err)
		tests := []struct {
			host string
			tls  bool
			want string // "" for no parameter
		}{
			{"api.example.com", true, "https://api.example.com/.well-known/oauth-protected-resource"},
			{"api.example.com", false, "http://api.example.com/.well-known/oauth-protected-resource"},
			{"API.Example.com:8443", true, "https://api.example.com:8443/.well-known/oauth-protected-resource"},
			{"127.0.0.1:41234", false, "http://127.0.0.1:41234/.well-known/oauth-protected-resource"},
			{"localhost", false, "http://localhost/.well-known/oauth-protected-resource"},
			{"example.com.", true, "https://example.com./.well-known/oauth-protected-resource"},
			{"[::1]:8080", false, "http://[::1]:8080/.well-known/oauth-protected-resource"},
			{"[2001:db8::1]", true, "https://[2001:db8::1]/.well-known/oauth-protected-resource"},
			{"[::ffff:192.0.2.1]:1", true, "https://[::ffff:192.0.2.1]:1/.well-known/oauth-protected-resource"},
			{"a:65535", true, "https://a:65535/.well-known/oauth-protected-resource"},
			// Refused: no parameter rather than a reflected forgery.
			{"", true, ""},
			{`evil.example"`, true, ""},
			{`evil.example", error="x`, true, ""},
			{"evil.example\r\nSet-Cookie: a=b", true, ""},
			{"evil example", true, ""},
			{"evil_host.example", true, ""},
			{"user@evil.example", true, ""},
			{"evil.example/path", true, ""},
			{"evil.example?q", true, ""},
			{"evil.example#f", true, ""},
			{"evil.example%2f", true, ""},
			{"évil.example", true, ""},
			{"evil.example:", true, ""},
			{"evil.example:65536", true, ""},
			{"evil.example:123456", true, ""},
			{"evil.example:80:80", true, ""},
			{"evil.example:-1", true, ""},
			{":8080", true, ""},
			{".", true, ""},
			{"..example", true, ""},
			{"a..b", true, ""},
			{".example", true, ""},
			{strings.Repeat("a", 64) + ".example", true, ""},
			{strings.Repeat("a.", 130) + "com", true, ""},
			{"[::1", true, ""},
			{"[::1]x", true, ""},
			{"[::1]:", true, ""},
			{"[127.0.0.1]", true, ""},
			{"[fe80::1%eth0]", true, ""},
			{"[fe80::1%25eth0]", true, ""},
			{"[v1.x]", true, ""},
			{"::1", true, ""},
		}
		for _, tt := range tests {
			assert.Equal(t, tt.want, m.url(tt.tls, tt.host), "Host %q", tt.host)
		}
	})
}

func TestErrorResponseWithResourceMetadata(t *testing.T) {
	const meta = "https://api.example.com/.well-known/oauth-protected-resource"
	tests := []struct {
		name   string
		err    error
		status int
		want   string
	}{
		{"no credentials", ErrNoCredentials, 401,
			`Bearer realm="api", resource_metadata="` + meta + `"`},
		{"invalid request", errMultipleAuthorization, 400,
			`Bearer realm="api", error="invalid_request", error_description="multiple credentials", resource_metadata="` + meta + `"`},
		{"invalid token", ErrTokenExpired, 401,
			`Bearer realm="api", error="invalid_token", error_description="token expired", resource_metadata="` + meta + `"`},
		{"insufficient scope with scopes", insufficientScope([]string{"read:data", "admin"}), 403,
			`Bearer realm="api", error="insufficient_scope", error_description="insufficient scope", scope="read:data admin", resource_metadata="` + meta + `"`},
		{"insufficient role", ErrRoleDenied, 403,
			`Bearer realm="api", error="insufficient_scope", error_description="insufficient role", resource_metadata="` + meta + `"`},
		{"unknown error is an invalid token", assert.AnError, 401,
			`Bearer realm="api", error="invalid_token", error_description="token invalid", resource_metadata="` + meta + `"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := errorResponse(tt.err, "api", meta, nil)
			assert.Equal(t, tt.status, resp.Status)
			assert.Equal(t, tt.want, resp.WWWAuthenticate)
			assert.Equal(t, 1, strings.Count(resp.WWWAuthenticate, "realm="), "realm once")
			assert.Equal(t, 1, strings.Count(resp.WWWAuthenticate, "resource_metadata="), "resource_metadata once")

			plain := errorResponse(tt.err, "api", "", nil)
			assert.Equal(t, plain.Status, resp.Status)
			assert.Equal(t, plain.Body, resp.Body, "the body does not change")
			assert.Equal(t, plain.WWWAuthenticate+`, resource_metadata="`+meta+`"`, resp.WWWAuthenticate,
				"the parameter is appended to the plain challenge")
		})
	}
	t.Run("503 is not a challenge", func(t *testing.T) {
		resp := errorResponse(keysUnavailable(3*time.Second), "api", meta, nil)
		assert.Equal(t, http.StatusServiceUnavailable, resp.Status)
		assert.Empty(t, resp.WWWAuthenticate)
		assert.Equal(t, "3", resp.RetryAfter)
	})
	t.Run("no parameter when empty", func(t *testing.T) {
		resp := errorResponse(ErrNoCredentials, "api", "", nil)
		assert.Equal(t, `Bearer realm="api"`, resp.WWWAuthenticate)
	})
	t.Run("default realm without a Guard", func(t *testing.T) {
		resp := (*Guard)(nil).Response(ErrNoCredentials, false, "api.example.com")
		assert.Equal(t, `Bearer realm="api"`, resp.WWWAuthenticate)
	})
	t.Run("value is quoted and escaped", func(t *testing.T) {
		resp := errorResponse(ErrNoCredentials, "api", "https://x.example/\"a\\b\r\nSet-Cookie: c=d", nil)
		assert.Equal(t, `Bearer realm="api", resource_metadata="https://x.example/?a?b??Set-Cookie: c=d"`, resp.WWWAuthenticate)
		assert.NotContains(t, resp.WWWAuthenticate, "\n")
	})
	t.Run("with a ResourceMetadata URL", func(t *testing.T) {
		m, err := NewResourceMetadata(ProtectedResource{Resource: "https://api.example.com"}, "")
		require.NoError(t, err)
		resp := errorResponse(ErrTokenExpired, "api", m.url(false, `evil"host`), nil)
		assert.Equal(t, `Bearer realm="api", error="invalid_token", error_description="token expired"`, resp.WWWAuthenticate,
			"an invalid Host gives no parameter")
	})
}

// FuzzResourceMetadataURL checks that a URL derived from any Host header is
// either refused or safe inside a quoted challenge parameter, and names that
// host.
func FuzzResourceMetadataURL(f *testing.F) {
	for _, s := range []string{
		"api.example.com", "127.0.0.1:8080", "[::1]:80", `a"b`, "a\r\nb", "a b", "user@host", "host/path",
		"[::1", "[fe80::1%eth0]", "h:99999", "é", "a..b", "", ":", "[", "]",
	} {
		f.Add(s, false)
	}
	m, err := NewResourceMetadata(ProtectedResource{Resource: "x"}, "")
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, host string, tls bool) {
		u := m.url(tls, host)
		if u == "" {
			return
		}
		if quoteParam(u) != `"`+u+`"` {
			t.Fatalf("URL(%q) = %q changes when quoted", host, u)
		}
		scheme := "http://"
		if tls {
			scheme = "https://"
		}
		if u != scheme+strings.ToLower(host)+ProtectedResourcePath {
			t.Fatalf("URL(%q) = %q", host, u)
		}
		if strings.ContainsAny(host, "/?#@\\\"%_ ,;") {
			t.Fatalf("URL(%q) = %q accepts a delimiter", host, u)
		}
	})
}

func TestResourceMetadataPath(t *testing.T) {
	for _, tt := range []struct {
		resource, publicURL, path, url string
	}{
		{"https://api.example.com", "", ProtectedResourcePath, "https://h.example" + ProtectedResourcePath},
		{"https://api.example.com/", "", ProtectedResourcePath, "https://h.example" + ProtectedResourcePath},
		{"api://default", "", ProtectedResourcePath, "https://h.example" + ProtectedResourcePath},
		{"urn:example:api", "", ProtectedResourcePath, "https://h.example" + ProtectedResourcePath},
		{"https://api.example.com/mcp", "", ProtectedResourcePath + "/mcp", "https://h.example" + ProtectedResourcePath + "/mcp"},
		{"https://api.example.com/a/mcp/", "https://api.example.com", ProtectedResourcePath + "/a/mcp", "https://api.example.com" + ProtectedResourcePath + "/a/mcp"},
		{"HTTP://127.0.0.1:8080/mcp", "http://127.0.0.1:8080/", ProtectedResourcePath + "/mcp", "http://127.0.0.1:8080" + ProtectedResourcePath + "/mcp"},
		{"https://api.example.com/a%20b", "", ProtectedResourcePath + "/a%20b", "https://h.example" + ProtectedResourcePath + "/a%20b"},
	} {
		m, err := NewResourceMetadata(ProtectedResource{Resource: tt.resource}, tt.publicURL)
		require.NoError(t, err, tt.resource)
		assert.Equal(t, tt.path, m.Path(), tt.resource)
		assert.Equal(t, tt.url, m.url(true, "h.example"), tt.resource)
	}
	for _, bad := range []string{"https://api.example.com/mcp?x=1", "https://api.example.com/mcp#f", "https://api.example.com/mcp?"} {
		_, err := NewResourceMetadata(ProtectedResource{Resource: bad}, "")
		assert.ErrorIs(t, err, ErrConfig, bad)
	}
	var nilM *ResourceMetadata
	assert.Equal(t, ProtectedResourcePath, nilM.Path())
}
