// Package httpreq reads the credentials of a net/http request, for every
// adapter over net/http (httpauth, chiauth, echoauth, echo5auth, ginauth).
package httpreq

import (
	"net/http"

	"github.com/axiomsgo/axioms/core"
)

// Credentials returns r's Authorization header values and, with fromQuery,
// its access_token query values.
func Credentials(r *http.Request, fromQuery bool) core.Credentials {
	creds := core.Credentials{Authorization: r.Header.Values("Authorization")}
	if fromQuery {
		creds.Query = r.URL.Query()["access_token"]
	}
	return creds
}
