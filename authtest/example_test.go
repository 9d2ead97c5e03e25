package authtest_test

import (
	"context"
	"fmt"

	"github.com/axiomsgo/axioms/authtest"
	"github.com/axiomsgo/axioms/core"
)

// The happy path: start a loopback issuer, mint a token, verify it with a
// core.Verifier that trusts the issuer. In a test, NewTestIssuer(t) closes
// the issuer for you and MustToken fails the test on error.
func Example() {
	iss, err := authtest.NewIssuer()
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

	token, err := iss.Token("alice", authtest.Scopes("read:data", "write:data"))
	if err != nil {
		fmt.Println(err)
		return
	}
	claims, err := v.Verify(context.Background(), token)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(claims.Subject(), claims.Scopes())
	// Output: alice [read:data write:data]
}
