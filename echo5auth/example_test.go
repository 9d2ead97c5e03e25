package echo5auth_test

import (
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/labstack/echo/v5"

	"github.com/axiomsgo/axioms/authtest"
	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/echo5auth"
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
	e.Use(echo5auth.Middleware(v))
	e.GET("/api/read", func(c *echo.Context) error {
		claims, _ := echo5auth.Claims(c)
		return c.String(http.StatusOK, "hello "+claims.Subject())
	}, echo5auth.Require(core.AnyScope("read:data")))

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

// A custom HTTPErrorHandler classifies a refusal with errors.Is and takes
// core's status from echo.StatusCode; the challenge is already set.
func Example_httpErrorHandler() {
	iss, err := authtest.NewIssuer()
	if err != nil {
		log.Fatal(err)
	}
	defer iss.Close()
	v, err := core.NewVerifier(iss.Config())
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()

	e := echo.New()
	e.HTTPErrorHandler = func(c *echo.Context, err error) {
		if errors.Is(err, core.ErrNoCredentials) {
			_ = c.JSON(echo.StatusCode(err), map[string]string{"error": "login_required"})
			return
		}
		echo.DefaultHTTPErrorHandler(false)(c, err) // core's JSON body
	}
	e.Use(echo5auth.Middleware(v))
	e.GET("/me", func(c *echo.Context) error { return c.NoContent(http.StatusOK) })

	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/me", nil))
	fmt.Println(rec.Code, rec.Header().Get("WWW-Authenticate"), rec.Body.String())
	// Output: 401 Bearer realm="api" {"error":"login_required"}
}
