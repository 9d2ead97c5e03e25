package fiber3auth_test

import (
	"testing"

	"github.com/gofiber/fiber/v3"
	"github.com/stretchr/testify/require"

	"github.com/axiomsgo/axioms/adapters/conformance"
	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/fiber3auth"
)

// With core.ResourceMetadata.WithCORS, MetadataHandler answers browsers
// across origins and the Middleware's challenges expose WWW-Authenticate;
// without it, no CORS header.
func TestMetadataCORS(t *testing.T) {
	_, v := setup(t)
	m, err := core.NewResourceMetadata(v.ProtectedResource(), "")
	require.NoError(t, err)
	for name, meta := range map[string]*core.ResourceMetadata{"off": m, "WithCORS": m.WithCORS()} {
		t.Run(name, func(t *testing.T) {
			app := fiber.New()
			app.Get(meta.Path(), fiber3auth.MetadataHandler(meta))
			app.Options(meta.Path(), fiber3auth.MetadataHandler(meta))
			app.Get("/api/read", fiber3auth.Middleware(v, fiber3auth.WithResourceMetadata(meta)), noContent)
			base := serve(t, app)
			conformance.MetadataCORS(t, base, name != "off")
		})
	}
}
