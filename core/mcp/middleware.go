package mcp

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/axiomsgo/axioms/adapters/httpauth"
	"github.com/axiomsgo/axioms/core"
)

// ErrBodyTooLarge: the request body is over Rules.MaxBodyBytes. Middleware
// answers it 413 Content Too Large (RFC 9110 §15.5.14) without a
// challenge: the token is not at fault, and a client told 400
// invalid_request would look for the fault in its credentials.
var ErrBodyTooLarge = errors.New("mcp: request body too large")

// tooLargeBody is the JSON body of the 413 answer.
var tooLargeBody = []byte(`{"error":"invalid_request","error_description":"request body too large"}`)

// Middleware enforces the rules on the MCP endpoint it wraps, behind the
// httpauth (or chiauth) Middleware that verified the token:
//
//	mux.Handle("/mcp", httpauth.Middleware(v)(a.Middleware()(mcpHandler)))
//
// A request without a verified token gets that Middleware's 401 first,
// whatever its body. A POST body is read once, up to Rules.MaxBodyBytes
// (over it: 413 with a JSON error body and no challenge, see
// ErrBodyTooLarge), parsed as Policy parses it (400 invalid_request for
// ErrInvalidBody), and its policy enforced through httpauth.Authorize, so
// refusals carry the standard challenge (realm, resource_metadata, the
// scopes of a 403) and go through WithErrorHandler. The body is then
// restored for the next handler, byte for byte. Other methods (GET for the
// server's event stream, DELETE to end a session) carry no operation and
// need Rules.Default.
//
// Not checked here: the Content-Type, the JSON-RPC version member and the
// params of other methods; the MCP server validates them. A CORS
// preflight (OPTIONS, no credentials) is refused 401, as every policy
// refuses a request without a token: answer preflights in a CORS
// middleware in front.
func (a *Authorizer) Middleware() func(http.Handler) http.Handler {
	other := policyOf(need{scopes: a.fallback})
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !httpauth.Authorize(w, r, nil) {
				return
			}
			if r.Method != http.MethodPost {
				if httpauth.Authorize(w, r, other) {
					next.ServeHTTP(w, r)
				}
				return
			}
			body, err := readBody(r, a.maxBody)
			if err != nil {
				writeTooLarge(w)
				return
			}
			p, err := a.Policy(body)
			if err != nil {
				p = refuse(err)
			}
			if httpauth.Authorize(w, r, p) {
				restoreBody(r, body)
				next.ServeHTTP(w, r)
			}
		})
	}
}

// policy is the policy of n (see Policy).
func policyOf(n need) core.Policy {
	switch {
	case n.unknown:
		return denyUnknown
	case len(n.scopes) == 0:
		return core.Authenticated()
	}
	return core.AllScopes(n.scopes...)
}

// refuse is the policy that answers err to a request with a token.
func refuse(err error) core.Policy {
	return core.PolicyFunc(func(_ string, c *core.Claims) error {
		if c == nil {
			return core.ErrNoCredentials
		}
		return err
	})
}

// readBody reads r's body whole, refusing more than limit bytes (also when
// Content-Length announces more) with ErrBodyTooLarge. A body that fails
// to arrive whole counts as too large as well: no partial body reaches
// the check.
func readBody(r *http.Request, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, ErrBodyTooLarge
	}
	if r.Body == nil {
		return nil, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil || int64(len(body)) > limit {
		return nil, ErrBodyTooLarge
	}
	return body, nil
}

// restoreBody gives r the body it had, for the next handler.
func restoreBody(r *http.Request, body []byte) {
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
}

func writeTooLarge(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", core.ContentType)
	h.Set("Content-Length", strconv.Itoa(len(tooLargeBody)))
	h.Set("Connection", "close")
	w.WriteHeader(http.StatusRequestEntityTooLarge)
	_, _ = w.Write(tooLargeBody)
}
