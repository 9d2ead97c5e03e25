package ginauth_test

import (
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/gin-gonic/gin"

	"github.com/axiomsgo/axioms/authtest"
	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/ginauth"
)

// Protect a Gin engine: Middleware authenticates every route registered
// after it, Require guards a route with a policy, Authorize checks
// ownership in a handler. authtest provides a loopback issuer to test
// against.
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

	gin.SetMode(gin.ReleaseMode) // no debug lines on stdout
	r := gin.New()
	r.GET("/health", func(c *gin.Context) { c.String(http.StatusOK, "ok") }) // before Use: public
	r.Use(ginauth.Middleware(v))
	r.GET("/api/read", ginauth.Require(core.AnyScope("read:data")), func(c *gin.Context) {
		claims, _ := ginauth.Claims(c)
		c.String(http.StatusOK, "hello "+claims.Subject())
	})
	r.DELETE("/notes/:id", func(c *gin.Context) {
		owner := "alice" // the owner of the note loaded from c.Param("id")
		if !ginauth.Authorize(c, core.Owner(owner)) {
			return // 403 insufficient_scope already written
		}
		c.Status(http.StatusNoContent)
	})

	do := func(method, path, subject string, opts ...authtest.TokenOption) {
		req := httptest.NewRequest(method, path, nil)
		if subject != "" {
			token, err := iss.Token(subject, opts...)
			if err != nil {
				log.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		fmt.Println(rec.Code)
		if h := rec.Header().Get("WWW-Authenticate"); h != "" {
			fmt.Println(h)
		}
		if rec.Body.Len() > 0 {
			fmt.Println(rec.Body.String())
		}
	}
	do("GET", "/health", "")
	do("GET", "/api/read", "alice", authtest.Scopes("read:data"))
	do("GET", "/api/read", "")
	do("GET", "/api/read", "bob")
	do("DELETE", "/notes/1", "bob")
	do("DELETE", "/notes/1", "alice")

	// Output:
	// 200
	// ok
	// 200
	// hello alice
	// 401
	// Bearer realm="api"
	// {"error":"unauthorized","error_description":"authentication required"}
	// 403
	// Bearer realm="api", error="insufficient_scope", error_description="insufficient scope", scope="read:data"
	// {"error":"insufficient_scope","error_description":"insufficient scope"}
	// 403
	// Bearer realm="api", error="insufficient_scope", error_description="not the resource owner"
	// {"error":"insufficient_scope","error_description":"not the resource owner"}
	// 204
}

// An error handler that observes every refusal and adds a header to the
// standard answer; WriteError writes it.
func ExampleWithErrorHandler() {
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

	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(ginauth.Middleware(v, ginauth.WithErrorHandler(func(c *gin.Context, err error) {
		fmt.Println("no credentials:", errors.Is(err, core.ErrNoCredentials))
		c.Header("X-Request-Refused", "1")
		ginauth.WriteError(c, err)
	})))
	r.GET("/me", func(c *gin.Context) { c.String(http.StatusOK, "me") })

	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/me", nil))
	fmt.Println(rec.Code, rec.Header().Get("X-Request-Refused"), rec.Header().Get("WWW-Authenticate"))
	// Output:
	// no credentials: true
	// 401 1 Bearer realm="api"
}
