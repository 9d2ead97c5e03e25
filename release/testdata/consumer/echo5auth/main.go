// Command app is what a user of echo5auth writes first: one route that needs
// a token with the orders:read scope. release-check builds and tests it in
// a fresh module against the dry-run module proxy.
package main

import (
	"log"
	"net/http"

	"github.com/labstack/echo/v5"

	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/echo5auth"
)

func newRouter(v *core.Verifier) http.Handler {
	e := echo.New()
	e.Use(echo5auth.Middleware(v))
	e.GET("/orders", func(c *echo.Context) error {
		claims, _ := echo5auth.Claims(c)
		return c.JSON(http.StatusOK, map[string]string{"owner": claims.Subject()})
	}, echo5auth.Require(core.AllScopes("orders:read")))
	return e
}

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
	log.Fatal(http.ListenAndServe("127.0.0.1:8080", newRouter(v)))
}
