package fiberauth_test

import (
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/require"

	"github.com/axiomsgo/axioms/adapters/conformance"
	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/fiberauth"
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
			app.Get(meta.Path(), fiberauth.MetadataHandler(meta))
			app.Options(meta.Path(), fiberauth.MetadataHandler(meta))
			app.Get("/api/read", fiberauth.Middleware(v, fiberauth.WithResourceMetadata(meta)), noContent)
			base := serve(t, app)
			conformance.MetadataCORS(t, base, name != "off")
		})
	}
}
