package core_test

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"

	"github.com/axiomsgo/axioms/authtest"
	"github.com/axiomsgo/axioms/core"
)

// Using core directly behind a TLS-terminating proxy that passes the
// client certificate in RFC 9440's Client-Cert header: the connection's
// own certificate first, the header only without one.
func ExampleClientCertificateFromHeader() {
	cert, _ := authtest.NewCertificate()
	r, _ := http.NewRequest("GET", "https://api.example.com/me", nil)
	r.Header.Set("Client-Cert", ":"+base64.StdEncoding.EncodeToString(cert.Leaf.Raw)+":")

	creds := core.Credentials{Authorization: r.Header.Values("Authorization")}
	if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
		creds.ClientCertificate = r.TLS.PeerCertificates[0].Raw
	} else {
		der, err := core.ClientCertificateFromHeader(r.Header.Values("Client-Cert"))
		if err != nil {
			fmt.Println(err) // answer it: 400 invalid_request
			return
		}
		creds.ClientCertificate = der
	}
	fmt.Println(len(creds.ClientCertificate) == len(cert.Leaf.Raw))

	_, err := core.ClientCertificateFromHeader([]string{"MIIBsjCCAVig"}) // no colons: not RFC 9440
	fmt.Println(errors.Is(err, core.ErrInvalidRequest), err)
	// Output:
	// true
	// true invalid request: client certificate header malformed
}
