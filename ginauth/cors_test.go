package ginauth_test

import (
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/require"

	"github.com/axiomsgo/axioms/adapters/conformance"
	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/ginauth"
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
			r := gin.New()
			r.GET(meta.Path(), ginauth.MetadataHandler(meta))
			r.OPTIONS(meta.Path(), ginauth.MetadataHandler(meta))
			r.Group("/api", ginauth.Middleware(v, ginauth.WithResourceMetadata(meta))).GET("/read", ok)
			base := start(t, r)
			conformance.MetadataCORS(t, base, name != "off")
		})
	}
}
