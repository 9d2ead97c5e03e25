package conformance

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axiomsgo/axioms/core"
)

// testPublicURL is the public URL of the §6 server started with one.
const testPublicURL = "https://api.example.test/base"

// invalidHost is a Host header value that is no valid authority (RFC 3986
// §3.2): a server may refuse it itself with 400 before any handler runs,
// as RFC 9112 §3.2 asks and fasthttp v1.69 does (net/http and fasthttp
// v1.51 let it through; the adapter then names no metadata URL).
const invalidHost = "evil.example:1:2"

// resourceMetadata checks the RFC 9728 part of the behaviour contract §6: the
// document, and the resource_metadata parameter of every challenge (the
// §2, §4 and §5 checks already require it on every 400, 401 and 403).
func (s *suite) resourceMetadata(t *testing.T) {
	t.Run("GET "+core.ProtectedResourcePath+" without authentication", func(t *testing.T) {
		for _, auth := range [][]string{nil, {"garbage"}, {"Bearer ab@cd"}, {"Bearer x", "Bearer y"}} {
			s.expectDocument(t, s.do(t, request{method: http.MethodGet, path: core.ProtectedResourcePath, auth: auth}))
		}
	})
	t.Run("the parameter names the document", func(t *testing.T) {
		resp := s.do(t, request{method: http.MethodGet, path: "/me"})
		expectNoCredentials(t, resp)
		link := s.metadataURL(s.base)
		require.True(t, strings.HasPrefix(link, s.base+"/"), "derived from the request: %s", link)
		s.expectDocument(t, s.do(t, request{method: http.MethodGet, path: strings.TrimPrefix(link, s.base)}))
	})
	t.Run("on every challenge", func(t *testing.T) {
		expectNoCredentials(t, s.do(t, request{method: http.MethodGet, path: "/api/read"}))
		expectError(t, s.do(t, request{method: http.MethodGet, path: "/me", auth: []string{"Bearer a", "Bearer b"}}),
			http.StatusBadRequest, "invalid_request", "", noScope)
		expectError(t, s.do(t, request{method: http.MethodGet, path: "/me", auth: bearer("abc.def.ghi")}),
			http.StatusUnauthorized, "invalid_token", "", noScope)
		expectError(t, s.do(t, request{method: http.MethodGet, path: "/api/read", auth: s.as("writer")}),
			http.StatusForbidden, "insufficient_scope", "", "read:data admin")
	})
	t.Run("from the Host header", func(t *testing.T) {
		for host, want := range map[string]string{
			"other.example:8443": "http://other.example:8443" + core.ProtectedResourcePath,
			"Other.Example":      "http://other.example" + core.ProtectedResourcePath,
			"bad_host.example":   "", // not a plain host name: no parameter rather than a reflected forgery
			invalidHost:          "",
		} {
			resp := s.do(t, request{method: http.MethodGet, path: "/me", host: host})
			if host == invalidHost && resp.status == http.StatusBadRequest {
				assert.Empty(t, resp.header.Values("WWW-Authenticate"), "the server's own refusal carries no challenge; answer: %s", resp)
				continue
			}
			resp.metadata = want
			expectNoCredentials(t, resp)
		}
	})
	t.Run("forwarding headers are not trusted", func(t *testing.T) {
		resp := s.do(t, request{method: http.MethodGet, path: "/me", header: http.Header{
			"X-Forwarded-Host":  {"evil.example"},
			"X-Forwarded-Proto": {"https"},
			"X-Forwarded-Port":  {"8443"},
			"Forwarded":         {"host=evil.example;proto=https"},
		}})
		expectNoCredentials(t, resp) // the server's own base URL
	})
	t.Run("public URL", s.publicURLServer)
}

// publicURLServer serves the routes with a public URL: every challenge
// names it, whatever the Host header.
func (s *suite) publicURLServer(t *testing.T) {
	base := s.serve(t, s.iss.Config(), testPublicURL)
	want := testPublicURL + core.ProtectedResourcePath
	require.Equal(t, want, s.metadataURL(base))
	for _, host := range []string{"", "other.example", "bad_host.example"} {
		t.Run("Host "+host, func(t *testing.T) {
			resp := s.doAt(t, base, request{method: http.MethodGet, path: "/me", host: host,
				header: http.Header{"X-Forwarded-Host": {"evil.example"}}})
			expectNoCredentials(t, resp)
			expectError(t, s.doAt(t, base, request{method: http.MethodGet, path: "/api/read", host: host, auth: s.as("writer")}),
				http.StatusForbidden, "insufficient_scope", "", "read:data admin")
		})
	}
	t.Run("the document is served", func(t *testing.T) {
		s.expectDocument(t, s.doAt(t, base, request{method: http.MethodGet, path: core.ProtectedResourcePath}))
	})
}

// expectDocument checks the metadata document of the behaviour contract §6: 200 JSON
// with resource (the audience), authorization_servers (the issuer) and
// bearer_methods_supported ["header"], and no challenge.
func (s *suite) expectDocument(t testing.TB, resp response) {
	t.Helper()
	expectJSON(t, resp, http.StatusOK)
	assert.Empty(t, resp.header.Values("WWW-Authenticate"), "the document is public")
	var doc struct {
		Resource             *string   `json:"resource"`
		AuthorizationServers []string  `json:"authorization_servers"`
		BearerMethods        *[]string `json:"bearer_methods_supported"`
	}
	require.NoError(t, json.Unmarshal(resp.body, &doc), "metadata document: %s", resp.body)
	if assert.NotNil(t, doc.Resource, "resource is required (RFC 9728 §2): %s", resp.body) {
		assert.Equal(t, s.iss.Audience(), *doc.Resource, "resource is the first audience")
	}
	assert.Equal(t, []string{s.iss.URL()}, doc.AuthorizationServers, "authorization_servers are the issuers")
	if assert.NotNil(t, doc.BearerMethods, "bearer_methods_supported: %s", resp.body) {
		assert.Equal(t, []string{"header"}, *doc.BearerMethods)
	}
}
