// Command app is what a user of ginauth writes first: one route that needs
// a token with the orders:read scope. release-check builds and tests it in
// a fresh module against the dry-run module proxy.
package main

import (
	"log"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/ginauth"
)

func newRouter(v *core.Verifier) http.Handler {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(ginauth.Middleware(v))
	r.GET("/orders", ginauth.Require(core.AllScopes("orders:read")), func(c *gin.Context) {
		claims, _ := ginauth.Claims(c)
		c.JSON(http.StatusOK, gin.H{"owner": claims.Subject()})
	})
	return r
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
