package httpauth_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axiomsgo/axioms/adapters/httpauth"
	"github.com/axiomsgo/axioms/core"
)

// With core.ResourceMetadata.WithCORS, MetadataHandler answers browsers
// across origins and the Middleware's challenges expose WWW-Authenticate;
// without it, no CORS header.
func TestMetadataCORS(t *testing.T) {
	f := newFixture(t)
	m := newMetadata(t, f.v, "")
	for name, meta := range map[string]*core.ResourceMetadata{"off": m, "WithCORS": m.WithCORS()} {
		t.Run(name, func(t *testing.T) {
			mux := http.NewServeMux()
			mux.Handle(meta.Path(), httpauth.MetadataHandler(meta))
			mux.Handle("/api/", httpauth.Middleware(f.v, httpauth.WithResourceMetadata(meta))(http.NotFoundHandler()))
			srv := httptest.NewServer(mux)
			t.Cleanup(srv.Close)
			checkMetadataCORS(t, srv.URL, name != "off")
		})
	}
}

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

// checkMetadataCORS checks the CORS headers of the document at
// base+core.ProtectedResourcePath and of the challenge of base+"/api/read"
// (no token), with m.WithCORS (on) or without.
func checkMetadataCORS(t *testing.T, base string, on bool) {
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
