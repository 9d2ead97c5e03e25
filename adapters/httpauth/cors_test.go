package httpauth_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/axiomsgo/axioms/adapters/conformance"
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
			conformance.MetadataCORS(t, srv.URL, name != "off")
		})
	}
}
