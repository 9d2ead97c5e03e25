// Command app is what a user of otelauth writes first: a net/http API
// whose verifier reports its decisions as OpenTelemetry metrics, here to
// the global meter provider the application set up. release-check builds
// and tests it in a fresh module against the dry-run module proxy.
package main

import (
	"log"
	"net/http"

	"github.com/axiomsgo/axioms/adapters/httpauth"
	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/otelauth"
)

func newHandler(cfg core.Config) (http.Handler, *core.Verifier, error) {
	obs, err := otelauth.New()
	if err != nil {
		return nil, nil, err
	}
	cfg.Observer = obs
	v, err := core.NewVerifier(cfg)
	if err != nil {
		return nil, nil, err
	}
	me := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := httpauth.Claims(r)
		_, _ = w.Write([]byte(c.Subject()))
	})
	return httpauth.Middleware(v)(me), v, nil
}

func main() {
	cfg, err := core.ConfigFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	h, v, err := newHandler(cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()
	log.Fatal(http.ListenAndServe("127.0.0.1:8080", h))
}
