package httpauth_test

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/axiomsgo/axioms/adapters/httpauth"
	"github.com/axiomsgo/axioms/authtest"
	"github.com/axiomsgo/axioms/core"
)

// Certificate-bound tokens (RFC 8705 §3): a token whose cnf x5t#S256 names
// a client certificate is accepted only on a TLS connection that presented
// it. The server asks for a client certificate; nothing else is set.
func ExampleMiddleware_certificateBound() {
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
	me := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := httpauth.Claims(r)
		fmt.Fprint(w, c.Subject())
	})
	serverCert, _ := authtest.NewCertificate("127.0.0.1")
	srv := httptest.NewUnstartedServer(httpauth.Middleware(v)(me))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{serverCert},
		ClientAuth: tls.RequestClientCert} // self-signed client certificates: the token's thumbprint decides
	srv.StartTLS()
	defer srv.Close()

	clientCert, _ := authtest.NewCertificate()
	otherCert, _ := authtest.NewCertificate()
	token, err := iss.Token("alice", authtest.BoundToCertificate(clientCert.Leaf.Raw))
	if err != nil {
		log.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(serverCert.Leaf)
	for _, cert := range []tls.Certificate{clientCert, otherCert} {
		client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{
			RootCAs: roots, Certificates: []tls.Certificate{cert}}}}
		req, _ := http.NewRequest("GET", srv.URL+"/me", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		resp.Body.Close()
		client.CloseIdleConnections()
		fmt.Println(strings.TrimSpace(fmt.Sprint(resp.StatusCode, " ", resp.Header.Get("WWW-Authenticate"))))
	}
	// Output:
	// 200
	// 401 Bearer realm="api", error="invalid_token", error_description="certificate binding invalid"
}

// Behind a TLS-terminating proxy that verifies client certificates and
// passes them in RFC 9440's Client-Cert header (and removes that header
// from what clients send), name the header in code. A malformed value is
// an invalid request.
func ExampleWithClientCertificateHeader() {
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
	me := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := httpauth.Claims(r)
		fmt.Fprint(w, c.Subject())
	})
	srv := httptest.NewServer(httpauth.Middleware(v, httpauth.WithClientCertificateHeader("Client-Cert"))(me))
	defer srv.Close()

	cert, _ := authtest.NewCertificate()
	token, err := iss.Token("alice", authtest.BoundToCertificate(cert.Leaf.Raw))
	if err != nil {
		log.Fatal(err)
	}
	for _, header := range []string{
		":" + base64.StdEncoding.EncodeToString(cert.Leaf.Raw) + ":", // what the proxy sets
		"",             // no certificate
		"MIIBsjCCAVig", // not RFC 9440
	} {
		req, _ := http.NewRequest("GET", srv.URL+"/me", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		if header != "" {
			req.Header.Set("Client-Cert", header)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			log.Fatal(err)
		}
		resp.Body.Close()
		fmt.Println(strings.TrimSpace(fmt.Sprint(resp.StatusCode, " ", resp.Header.Get("WWW-Authenticate"))))
	}
	// Output:
	// 200
	// 401 Bearer realm="api", error="invalid_token", error_description="certificate binding invalid"
	// 400 Bearer realm="api", error="invalid_request", error_description="client certificate header malformed"
}
