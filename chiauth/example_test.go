package chiauth_test

import (
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/go-chi/chi/v5"

	"github.com/axiomsgo/axioms/authtest"
	"github.com/axiomsgo/axioms/chiauth"
	"github.com/axiomsgo/axioms/core"
)

// Protect a chi route group with a token and a scope, tested against a
// loopback issuer from package authtest.
func Example() {
	iss, err := authtest.NewIssuer()
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = iss.Close() }()
	v, err := core.NewVerifier(iss.Config())
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = v.Close() }()

	r := chi.NewRouter()
	r.Group(func(r chi.Router) {
		r.Use(chiauth.Middleware(v))
		r.With(chiauth.Require(core.AnyScope("read:data"))).Get("/api/read", func(w http.ResponseWriter, r *http.Request) {
			claims, _ := chiauth.Claims(r)
			fmt.Fprintf(w, "hello %s", claims.Subject())
		})
	})

	token, err := iss.Token("alice", authtest.Scopes("read:data"))
	if err != nil {
		log.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, "/api/read", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Body.String())

	rec = httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/read", nil))
	fmt.Println(rec.Code, rec.Header().Get("WWW-Authenticate"))
	// Output:
	// 200 hello alice
	// 401 Bearer realm="api"
}
