package httpauth_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/axiomsgo/axioms/adapters/httpauth"
	"github.com/axiomsgo/axioms/authtest"
	"github.com/axiomsgo/axioms/core"
)

// exampleServer serves GET and POST /me behind httpauth.Middleware with
// opts, answering the caller's subject (and, for a POST, the form field
// title, read after the Middleware), and returns a function that sends one
// request and prints the answer.
func exampleServer(v *core.Verifier, opts ...httpauth.Option) (send func(req *http.Request), closeServer func()) {
	me := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, _ := httpauth.Claims(r)
		fmt.Fprintf(w, "hello %s%s", claims.Subject(), r.PostFormValue("title"))
	})
	srv := httptest.NewServer(httpauth.Middleware(v, opts...)(me))
	send = func(req *http.Request) {
		u, _ := url.Parse(srv.URL + req.URL.Path)
		req.URL, req.Host = u, u.Host
		resp, err := srv.Client().Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		fmt.Println(resp.StatusCode, strings.TrimSpace(string(body)))
	}
	return send, srv.Close
}

// A browser application keeps the access token in an HttpOnly cookie; API
// clients send the header, which always wins. See the package
// documentation on CSRF before accepting cookie tokens.
func ExampleWithTokenFromCookie() {
	iss, _ := authtest.NewIssuer(authtest.WithAlgorithm("ES256"))
	defer iss.Close()
	v, _ := core.NewVerifier(iss.Config())
	defer v.Close()
	alice, _ := iss.Token("alice")
	bob, _ := iss.Token("bob")

	send, closeServer := exampleServer(v, httpauth.WithTokenFromCookie("__Host-access_token"))
	defer closeServer()

	req, _ := http.NewRequest("GET", "/me", nil) // the cookie alone
	req.AddCookie(&http.Cookie{Name: "__Host-access_token", Value: alice})
	send(req)

	req, _ = http.NewRequest("GET", "/me", nil) // a header and a stale cookie: the header wins
	req.Header.Set("Authorization", "Bearer "+bob)
	req.AddCookie(&http.Cookie{Name: "__Host-access_token", Value: alice})
	send(req)

	req, _ = http.NewRequest("GET", "/me", nil) // two token cookies: which one is meant?
	req.Header.Set("Cookie", "__Host-access_token="+alice+"; __Host-access_token="+bob)
	send(req)
	// Output:
	// 200 hello alice
	// 200 hello bob
	// 400 {"error":"invalid_request","error_description":"multiple token cookies"}
}

// A gateway passes the token in a header of its own. The extractor is
// called only when the request has no bearer Authorization header; its
// errors answer 400 without their text.
func ExampleWithTokenExtractor() {
	iss, _ := authtest.NewIssuer(authtest.WithAlgorithm("ES256"))
	defer iss.Close()
	v, _ := core.NewVerifier(iss.Config())
	defer v.Close()
	alice, _ := iss.Token("alice")

	errNoGateway := errors.New("request did not come through the gateway")
	fromGateway := func(r *http.Request) (string, error) {
		if r.Header.Get("X-Gateway") != "edge-1" {
			return "", errNoGateway // 400; WithErrorHandler sees errors.Is(err, errNoGateway)
		}
		return r.Header.Get("X-Forwarded-Access-Token"), nil // "" is no credentials: 401
	}
	send, closeServer := exampleServer(v, httpauth.WithTokenExtractor(fromGateway))
	defer closeServer()

	req, _ := http.NewRequest("GET", "/me", nil)
	req.Header.Set("X-Gateway", "edge-1")
	req.Header.Set("X-Forwarded-Access-Token", alice)
	send(req)

	req, _ = http.NewRequest("GET", "/me", nil)
	send(req)
	// Output:
	// 200 hello alice
	// 400 {"error":"invalid_request","error_description":"token extraction failed"}
}

// An HTML form posts the token with its fields (RFC 6750 §2.2). The
// handler still reads the whole body.
func ExampleWithTokenFromForm() {
	iss, _ := authtest.NewIssuer(authtest.WithAlgorithm("ES256"))
	defer iss.Close()
	v, _ := core.NewVerifier(iss.Config())
	defer v.Close()
	alice, _ := iss.Token("alice")

	send, closeServer := exampleServer(v, httpauth.WithTokenFromForm())
	defer closeServer()

	form := url.Values{"access_token": {alice}, "title": {", your note is saved"}}.Encode()
	req, _ := http.NewRequest("POST", "/me", strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	send(req)

	req, _ = http.NewRequest("POST", "/me", strings.NewReader(`{"access_token":"`+alice+`"}`)) // not a form: not read
	req.Header.Set("Content-Type", "application/json")
	send(req)
	// Output:
	// 200 hello alice, your note is saved
	// 401 {"error":"unauthorized","error_description":"authentication required"}
}
