// Package httpreq is the Middleware step of every adapter over net/http
// (httpauth, chiauth, echoauth, echo5auth, ginauth).
package httpreq

import (
	"net/http"

	"github.com/axiomsgo/axioms/core"
)

// Authenticate runs g's decision for r and returns r with the context g
// stamped, for the handlers after the Middleware (on a refusal too, for
// the error path). A skipped request gets g.Skip and no error; its
// credentials are not read. Otherwise the credentials are r's
// Authorization header values and, with fromQuery, its access_token query
// values.
func Authenticate(g *core.Guard, r *http.Request, skip, fromQuery bool) (*http.Request, error) {
	if skip {
		return r.WithContext(g.Skip(r.Context())), nil
	}
	creds := core.Credentials{Authorization: r.Header.Values("Authorization")}
	if fromQuery {
		creds.Query = r.URL.Query()["access_token"]
	}
	ctx, err := g.Authenticate(r.Context(), r.Method, creds)
	return r.WithContext(ctx), err
}
