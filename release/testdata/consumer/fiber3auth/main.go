// Command app is what a user of fiber3auth writes first: one route that
// needs a token with the orders:read scope. release-check builds and tests
// it in a fresh module against the dry-run module proxy.
package main

import (
	"log"
	"net/http"

	"github.com/gofiber/fiber/v3"
	"github.com/gofiber/fiber/v3/middleware/adaptor"

	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/fiber3auth"
)

func newApp(v *core.Verifier) *fiber.App {
	app := fiber.New()
	app.Use(fiber3auth.Middleware(v))
	app.Get("/orders", fiber3auth.Require(core.AllScopes("orders:read")), func(c fiber.Ctx) error {
		claims, _ := fiber3auth.Claims(c)
		return c.JSON(fiber.Map{"owner": claims.Subject()})
	})
	return app
}

// newRouter is the app as a net/http handler, for the shared test.
func newRouter(v *core.Verifier) http.Handler { return adaptor.FiberApp(newApp(v)) }

func main() {
	cfg, err := core.ConfigFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	v, err := core.NewVerifier(cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()
	log.Fatal(newApp(v).Listen("127.0.0.1:8080"))
}
