package core_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/axiomsgo/axioms/core"
)

// Credentials from more than the Authorization header, in core's order: a
// bearer header first, then the token cookie, then a custom extractor,
// each read only when everything before it gave no token.
func ExampleCredentials() {
	v, sign := exampleVerifier()
	defer v.Close()
	ctx := context.Background()
	r := httptest.NewRequest(http.MethodGet, "/api/read", nil)
	r.AddCookie(&http.Cookie{Name: "access_token", Value: sign("read:data")})

	creds := func(r *http.Request) core.Credentials {
		c := core.Credentials{Authorization: r.Header.Values("Authorization")}
		for _, ck := range r.CookiesNamed("access_token") {
			c.Cookie = append(c.Cookie, ck.Value)
		}
		c.Extract = func() (string, error) { // called only when no other source gave a token
			return "", errors.New("no session")
		}
		return c
	}

	claims, err := v.Check(ctx, r.Method, creds(r), core.AnyScope("read:data"))
	fmt.Println("cookie:", claims.Subject(), err)

	r.Header.Set("Authorization", "Bearer not.a.token") // the header wins, even invalid
	_, err = v.Check(ctx, r.Method, creds(r), core.AnyScope("read:data"))
	fmt.Println("header:", v.ErrorResponse(err).Status, errors.Is(err, core.ErrInvalidToken))

	r = httptest.NewRequest(http.MethodGet, "/api/read", nil) // nothing: the extractor fails
	_, err = v.Check(ctx, r.Method, creds(r), core.AnyScope("read:data"))
	resp := v.ErrorResponse(err)
	fmt.Println("extractor:", resp.Status, errors.Is(err, core.ErrExtractorFailed), string(resp.Body))
	// Output:
	// cookie: alice <nil>
	// header: 401 true
	// extractor: 400 true {"error":"invalid_request","error_description":"token extraction failed"}
}
