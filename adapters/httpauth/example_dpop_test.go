package httpauth_test

import (
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/axiomsgo/axioms/adapters/httpauth"
	"github.com/axiomsgo/axioms/authtest"
	"github.com/axiomsgo/axioms/core"
)

// DPoP-bound tokens (RFC 9449): with Config.DPoP the Middleware accepts
// Authorization: DPoP with a proof the client signs for each request, and
// refuses a bound token sent as Bearer or a proof sent twice.
func ExampleMiddleware_dPoP() {
	iss, err := authtest.NewIssuer()
	if err != nil {
		log.Fatal(err)
	}
	defer iss.Close()
	cfg := iss.Config()
	cfg.DPoP = core.DPoPConfig{Mode: core.DPoPAllowed, Algorithms: []string{"ES256"}}
	v, err := core.NewVerifier(cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()
	me := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := httpauth.Claims(r)
		fmt.Fprint(w, c.Subject())
	})
	srv := httptest.NewServer(httpauth.Middleware(v)(me))
	defer srv.Close()

	client, err := authtest.NewDPoPClient()
	if err != nil {
		log.Fatal(err)
	}
	token, err := iss.Token("alice", authtest.BoundTo(client))
	if err != nil {
		log.Fatal(err)
	}
	proof, err := client.Proof("GET", srv.URL+"/me", token)
	if err != nil {
		log.Fatal(err)
	}
	send := func(scheme, proof string) {
		req, _ := http.NewRequest("GET", srv.URL+"/me", nil)
		req.Header.Set("Authorization", scheme+" "+token)
		if proof != "" {
			req.Header.Set("DPoP", proof)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		resp.Body.Close()
		fmt.Println(strings.TrimSpace(fmt.Sprint(scheme, " ", resp.StatusCode, " ", resp.Header.Get("WWW-Authenticate"))))
	}
	send("DPoP", proof)
	send("DPoP", proof) // the same proof again
	send("Bearer", "")
	// Output:
	// DPoP 200
	// DPoP 401 Bearer realm="api", DPoP realm="api", algs="ES256", error="invalid_dpop_proof", error_description="DPoP proof replayed"
	// Bearer 401 Bearer realm="api", error="invalid_token", error_description="proof of possession required", DPoP realm="api", algs="ES256"
}
