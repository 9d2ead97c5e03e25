// Command app is what a user of chiauth writes first: one route that needs
// a token with the orders:read scope. release-check builds and tests it in
// a fresh module against the dry-run module proxy.
package main

import (
	"encoding/json"
	"log"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/axiomsgo/axioms/chiauth"
	"github.com/axiomsgo/axioms/core"
)

func newRouter(v *core.Verifier) http.Handler {
	r := chi.NewRouter()
	r.Use(chiauth.Middleware(v))
	r.With(chiauth.Require(core.AllScopes("orders:read"))).Get("/orders", func(w http.ResponseWriter, r *http.Request) {
		claims, _ := chiauth.Claims(r)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"owner": claims.Subject()})
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
