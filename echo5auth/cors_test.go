package echo5auth_test

import (
	"net/http"
	"testing"

	"github.com/labstack/echo/v5"
	"github.com/stretchr/testify/require"

	"github.com/axiomsgo/axioms/adapters/conformance"
	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/echo5auth"
)

// With core.ResourceMetadata.WithCORS, MetadataHandler answers browsers
// across origins and the Middleware's challenges expose WWW-Authenticate;
// without it, no CORS header.
func TestMetadataCORS(t *testing.T) {
	_, v := newVerifier(t)
	m, err := core.NewResourceMetadata(v.ProtectedResource(), "")
	require.NoError(t, err)
	for name, meta := range map[string]*core.ResourceMetadata{"off": m, "WithCORS": m.WithCORS()} {
		t.Run(name, func(t *testing.T) {
			e := echo.New()
			e.Match([]string{http.MethodGet, http.MethodOptions}, meta.Path(), echo5auth.MetadataHandler(meta))
			e.Group("/api", echo5auth.Middleware(v, echo5auth.WithResourceMetadata(meta))).GET("/read", ok)
			base := start(t, e)
			conformance.MetadataCORS(t, base, name != "off")
		})
	}
}
