package fiber3auth_test

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"

	"github.com/gofiber/fiber/v3"

	"github.com/axiomsgo/axioms/authtest"
	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/fiber3auth"
)

// Protect a Fiber v3 app: Middleware authenticates every request, Require
// guards a route with a policy, Authorize checks ownership in a handler.
// authtest provides a loopback issuer to test against.
func Example() {
	iss, err := authtest.NewIssuer(authtest.WithAlgorithm("ES256"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer iss.Close()
	v, err := core.NewVerifier(iss.Config())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer v.Close()

	app := fiber.New()
	app.Use(fiber3auth.Middleware(v))
	app.Get("/api/read", fiber3auth.Require(core.AnyScope("read:data")), func(c fiber.Ctx) error {
		claims, _ := fiber3auth.Claims(c)
		return c.JSON(fiber.Map{"sub": claims.Subject()})
	})
	app.Delete("/notes/:id", func(c fiber.Ctx) error {
		owner := "alice" // the owner of the note loaded from c.Params("id")
		if !fiber3auth.Authorize(c, core.Owner(owner)) {
			return nil // 403 insufficient_scope already written
		}
		return c.SendStatus(fiber.StatusNoContent)
	})

	do := func(method, path, subject string, opts ...authtest.TokenOption) {
		req := httptest.NewRequest(method, path, nil)
		if subject != "" {
			token, _ := iss.Token(subject, opts...)
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := app.Test(req, fiber.TestConfig{}) // no timeout
		if err != nil {
			fmt.Println(err)
			return
		}
		body, _ := io.ReadAll(resp.Body)
		fmt.Println(resp.StatusCode)
		if h := resp.Header.Get("WWW-Authenticate"); h != "" {
			fmt.Println(h)
		}
		if len(body) > 0 {
			fmt.Println(string(body))
		}
	}
	do("GET", "/api/read", "alice", authtest.Scopes("read:data"))
	do("GET", "/api/read", "")
	do("GET", "/api/read", "bob")
	do("DELETE", "/notes/1", "bob")
	do("DELETE", "/notes/1", "alice")

	// Output:
	// 200
	// {"sub":"alice"}
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

// Service code takes the request's context.Context: in Fiber v3 that is
// c.Context(), where Middleware put the claims.
func ExampleClaims() {
	iss, err := authtest.NewIssuer(authtest.WithAlgorithm("ES256"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer iss.Close()
	v, err := core.NewVerifier(iss.Config())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer v.Close()

	greet := func(ctx context.Context) string { // a service layer
		if claims, ok := core.ClaimsFromContext(ctx); ok {
			return "hello " + claims.Subject()
		}
		return "hello stranger"
	}
	app := fiber.New()
	app.Use(fiber3auth.Middleware(v))
	app.Get("/hello", func(c fiber.Ctx) error { return c.SendString(greet(c.Context())) })

	req := httptest.NewRequest("GET", "/hello", nil)
	token, _ := iss.Token("alice")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := app.Test(req, fiber.TestConfig{})
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(string(body))
	// Output: hello alice
}
