package echoauth_test

import (
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/labstack/echo/v4"

	"github.com/axiomsgo/axioms/authtest"
	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/echoauth"
)

func Example() {
	// A loopback issuer stands in for Auth0, Okta, Keycloak, ...
	iss, err := authtest.NewIssuer()
	if err != nil {
		log.Fatal(err)
	}
	defer iss.Close()
	v, err := core.NewVerifier(iss.Config()) // in production: core.ConfigFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()

	e := echo.New()
	e.Use(echoauth.Middleware(v))
	e.GET("/api/read", func(c echo.Context) error {
		claims, _ := echoauth.Claims(c)
		return c.String(http.StatusOK, "hello "+claims.Subject())
	}, echoauth.Require(core.AnyScope("read:data")))

	token, err := iss.Token("alice", authtest.Scopes("read:data"))
	if err != nil {
		log.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, "/api/read", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Body.String())
	// Output: 200 hello alice
}
