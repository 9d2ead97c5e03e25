package core_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/axiomsgo/axioms/authtest"
	"github.com/axiomsgo/axioms/core"
)

// verified returns the claims of a token of iss with opts, verified by v.
func verified(iss *authtest.Issuer, v *core.Verifier, opts ...authtest.TokenOption) *core.Claims {
	token, _ := iss.Token("alice", opts...)
	claims, err := v.Verify(context.Background(), token)
	if err != nil {
		panic(err)
	}
	return claims
}

// And merges the denials of its scope rules: the 403 names every scope the
// operation needs, in one challenge, so that a client (an MCP client, say)
// asks for all of them at once.
func ExampleAnd() {
	iss, _ := authtest.NewIssuer(authtest.WithAlgorithm("ES256"))
	defer iss.Close()
	v, _ := core.NewVerifier(iss.Config())
	defer v.Close()

	adminReset := core.And(core.AllScopes("mcp:tools"), core.AllScopes("mcp:admin"))
	claims := verified(iss, v, authtest.Scopes("mcp:tools"))
	err := adminReset.Check(http.MethodPost, claims)
	fmt.Println(v.ErrorResponse(err).WWWAuthenticate)
	// Output:
	// Bearer realm="api", error="insufficient_scope", error_description="insufficient scope", scope="mcp:tools mcp:admin"
}

// Step-up authentication (RFC 9470): a route that needs a second factor
// used within the last five minutes answers 401
// insufficient_user_authentication with what to ask the authorization
// server for (acr_values, max_age), and the error says so too.
func ExampleMaxAge() {
	iss, _ := authtest.NewIssuer(authtest.WithAlgorithm("ES256"))
	defer iss.Close()
	v, _ := core.NewVerifier(iss.Config())
	defer v.Close()

	payout := core.And(core.ACR("mfa"), core.MaxAge(5*time.Minute))
	claims := verified(iss, v, authtest.Claim("acr", "pwd"),
		authtest.Claim("auth_time", time.Now().Add(-time.Hour).Unix()))
	err := payout.Check(http.MethodPost, claims)
	resp := v.ErrorResponse(err)
	fmt.Println(resp.Status, resp.WWWAuthenticate)

	var e *core.Error
	if errors.As(err, &e) {
		maxAge, _ := e.MaxAge()
		fmt.Println(errors.Is(err, core.ErrInsufficientUserAuthentication), e.ACRValues(), maxAge)
	}
	fresh := verified(iss, v, authtest.Claim("acr", "mfa"), authtest.Claim("auth_time", time.Now().Unix()))
	fmt.Println(payout.Check(http.MethodPost, fresh))
	// Output:
	// 401 Bearer realm="api", error="insufficient_user_authentication", error_description="authentication level insufficient", acr_values="mfa", max_age="300"
	// true [mfa] 5m0s
	// <nil>
}
