package adapters_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/axiomsgo/axioms/adapters"
	"github.com/axiomsgo/axioms/authtest"
	"github.com/axiomsgo/axioms/core"
)

// Protect routes of a standard http.ServeMux: Middleware authenticates,
// Require adds a route's policy, Claims reads the verified token.
func ExampleMiddleware() {
	iss, _ := authtest.NewIssuer(authtest.WithAlgorithm("ES256")) // development issuer on loopback
	defer iss.Close()
	v, err := core.NewVerifier(iss.Config()) // in production: core.ConfigFromEnv()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer v.Close()

	auth := adapters.Middleware(v)
	mux := http.NewServeMux()
	mux.Handle("GET /api/read", auth(adapters.Require(core.AnyScope("read:data"))(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			claims, _ := adapters.Claims(r)
			fmt.Fprintf(w, "hello %s", claims.Subject())
		}))))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	for _, scope := range []string{"read:data", "write:data"} {
		token, err := iss.Token("alice", authtest.Scopes(scope))
		if err != nil {
			fmt.Println(err)
			return
		}
		req, _ := http.NewRequest("GET", srv.URL+"/api/read", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := srv.Client().Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(resp.StatusCode, string(body))
		if challenge := resp.Header.Get("WWW-Authenticate"); challenge != "" {
			fmt.Println(challenge)
		}
	}
	// Output:
	// 200 hello alice
	// 403 {"error":"insufficient_scope","error_description":"insufficient scope"}
	// Bearer realm="api", error="insufficient_scope", error_description="insufficient scope", scope="read:data"
}
