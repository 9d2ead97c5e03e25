package httpauth_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axiomsgo/axioms/adapters/httpauth"
	"github.com/axiomsgo/axioms/authtest"
	"github.com/axiomsgo/axioms/core"
)

const wellKnown = "/.well-known/oauth-protected-resource"

func newMetadata(t *testing.T, v *core.Verifier, publicURL string) *core.ResourceMetadata {
	t.Helper()
	m, err := core.NewResourceMetadata(v.ProtectedResource(), publicURL)
	require.NoError(t, err)
	return m
}

func TestMetadataHandler(t *testing.T) {
	f := newFixture(t)
	m := newMetadata(t, f.v, "")
	h := httpauth.MetadataHandler(m)

	rec := serveOne(h, "GET", core.ProtectedResourcePath, "Bearer a", "Bearer b")
	assert.Equal(t, http.StatusOK, rec.Code, "Authorization is not read")
	assert.Equal(t, core.ContentType, rec.Header().Get("Content-Type"))
	assert.JSONEq(t, `{"resource":"`+f.iss.Audience()+`","authorization_servers":["`+f.iss.URL()+`"],"bearer_methods_supported":["header"]}`,
		rec.Body.String())
	assert.Empty(t, rec.Header().Values("WWW-Authenticate"))

	rec = serveOne(h, "HEAD", core.ProtectedResourcePath)
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Empty(t, rec.Body.String())
	assert.NotEmpty(t, rec.Header().Get("Content-Length"))

	rec = serveOne(h, "POST", core.ProtectedResourcePath)
	assert.Equal(t, http.StatusMethodNotAllowed, rec.Code)
	assert.Equal(t, "GET, HEAD", rec.Header().Get("Allow"))

	assert.Equal(t, http.StatusNotFound, serveOne(httpauth.MetadataHandler(nil), "GET", core.ProtectedResourcePath).Code)
}

func TestWithResourceMetadata(t *testing.T) {
	f := newFixture(t)
	tok := f.iss.MustToken(t, "alice", authtest.Scopes("read:data"))
	derived := httpauth.WithResourceMetadata(newMetadata(t, f.v, ""))
	public := httpauth.WithResourceMetadata(newMetadata(t, f.v, "https://api.example.com/base/"))

	tests := []struct {
		name   string
		opt    httpauth.Option
		target string // the request target; https:// means TLS
		host   string // Host header, when not the target's
		auth   []string
		status int
		want   string
	}{
		{"no credentials", derived, "http://api.example.com/", "", nil, 401,
			`Bearer realm="api", resource_metadata="http://api.example.com` + wellKnown + `"`},
		{"over TLS", derived, "https://API.example.com:8443/", "", nil, 401,
			`Bearer realm="api", resource_metadata="https://api.example.com:8443` + wellKnown + `"`},
		{"invalid request", derived, "http://api.example.com/", "", []string{"Bearer a", "Bearer b"}, 400,
			`Bearer realm="api", error="invalid_request", error_description="multiple credentials", resource_metadata="http://api.example.com` + wellKnown + `"`},
		{"invalid token", derived, "http://api.example.com/", "", []string{"Bearer a.b.c"}, 401,
			`Bearer realm="api", error="invalid_token", error_description="token malformed", resource_metadata="http://api.example.com` + wellKnown + `"`},
		{"Require's 403", derived, "http://api.example.com/", "", []string{"Bearer " + tok}, 403,
			`Bearer realm="api", error="insufficient_scope", error_description="insufficient scope", scope="write:data", resource_metadata="http://api.example.com` + wellKnown + `"`},
		{"forged Host", derived, "http://api.example.com/", `evil"host`, nil, 401, `Bearer realm="api"`},
		{"public URL", public, "http://10.0.0.1:8080/", "", nil, 401,
			`Bearer realm="api", resource_metadata="https://api.example.com/base` + wellKnown + `"`},
		{"public URL, any Host", public, "http://10.0.0.1:8080/", "evil.example", []string{"Bearer " + tok}, 403,
			`Bearer realm="api", error="insufficient_scope", error_description="insufficient scope", scope="write:data", resource_metadata="https://api.example.com/base` + wellKnown + `"`},
		{"off", httpauth.WithResourceMetadata(nil), "http://api.example.com/", "", nil, 401, `Bearer realm="api"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := httpauth.Middleware(f.v, tt.opt)(httpauth.Require(core.AnyScope("write:data"))(&reached{}))
			req := httptest.NewRequest("GET", tt.target, nil)
			req.Header["Authorization"] = tt.auth
			req.Header.Set("X-Forwarded-Host", "forwarded.example")
			req.Header.Set("X-Forwarded-Proto", "https")
			if tt.host != "" {
				req.Host = tt.host
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			assert.Equal(t, tt.status, rec.Code)
			assert.Equal(t, tt.want, rec.Header().Get("WWW-Authenticate"))
		})
	}
	t.Run("Authorize in a handler", func(t *testing.T) {
		h := httpauth.Middleware(f.v, derived)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			httpauth.Authorize(w, r, core.Owner("bob"))
		}))
		rec := serveOne(h, "DELETE", "http://api.example.com/articles/1", "Bearer "+tok)
		assert.Equal(t, http.StatusForbidden, rec.Code)
		assert.Equal(t, `Bearer realm="api", error="insufficient_scope", error_description="not the resource owner", resource_metadata="http://api.example.com`+wellKnown+`"`,
			rec.Header().Get("WWW-Authenticate"))
	})
	t.Run("WriteError in an error handler keeps the parameter", func(t *testing.T) {
		custom := httpauth.WithErrorHandler(func(w http.ResponseWriter, r *http.Request, err error) {
			httpauth.WriteError(w, r, err)
		})
		rec := serveOne(httpauth.Middleware(f.v, derived, custom)(&reached{}), "GET", "http://api.example.com/")
		assert.Equal(t, `Bearer realm="api", resource_metadata="http://api.example.com`+wellKnown+`"`, rec.Header().Get("WWW-Authenticate"))
	})
}
