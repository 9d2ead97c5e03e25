package conformance

import (
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axiomsgo/axioms/core"
)

// corsAnswer sends one request from a browser origin and returns the
// answer, its body read.
func corsAnswer(t *testing.T, method, url string, header ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	require.NoError(t, err)
	req.Header.Set("Origin", "https://app.example")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	require.NoError(t, resp.Body.Close())
	return resp
}

// MetadataCORS checks, on an adapter's test server at base, the CORS
// answers of core.ResourceMetadata.WithCORS (on) or of its default (off):
// the document at base+core.ProtectedResourcePath (MetadataHandler,
// registered for GET and OPTIONS) and the challenge of base+"/api/read", a
// route behind the Middleware with that metadata, without a token.
func MetadataCORS(t *testing.T, base string, on bool) {
	t.Helper()
	doc := corsAnswer(t, http.MethodGet, base+core.ProtectedResourcePath)
	assert.Equal(t, http.StatusOK, doc.StatusCode)
	challenge := corsAnswer(t, http.MethodGet, base+"/api/read")
	assert.Equal(t, http.StatusUnauthorized, challenge.StatusCode)
	assert.NotEmpty(t, challenge.Header.Get("WWW-Authenticate"))
	if !on {
		for _, resp := range []*http.Response{doc, challenge} {
			for name := range resp.Header {
				assert.NotContains(t, name, "Access-Control-", "CORS is off by default")
			}
		}
		return
	}
	assert.Equal(t, "*", doc.Header.Get("Access-Control-Allow-Origin"))
	assert.Equal(t, "WWW-Authenticate", challenge.Header.Get("Access-Control-Expose-Headers"))
	preflight := corsAnswer(t, http.MethodOptions, base+core.ProtectedResourcePath,
		"Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "mcp-protocol-version")
	assert.Equal(t, http.StatusNoContent, preflight.StatusCode)
	assert.Equal(t, "*", preflight.Header.Get("Access-Control-Allow-Origin"))
	assert.Equal(t, "GET, HEAD, OPTIONS", preflight.Header.Get("Access-Control-Allow-Methods"))
	assert.Equal(t, "*", preflight.Header.Get("Access-Control-Allow-Headers"))
}
