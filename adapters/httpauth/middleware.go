package httpauth

import (
	"net/http"

	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/internal/hookgate"
	"github.com/axiomsgo/axioms/internal/httpreq"
	"github.com/axiomsgo/axioms/internal/option"
)

// middleware is one Middleware, built once; requests that passed it carry
// its core.Guard in their context, and the Guard carries it (Adapter), for
// Require, Authorize and WriteError.
type middleware struct {
	guard *core.Guard
	cfg   config
}

// Middleware authenticates every request with v: a valid bearer token in
// the Authorization header is required, except for safe methods and the
// methods of WithAnonymousMethods (see the package documentation for the
// contract). Refused requests get core's RFC 6750 answer; on success the
// claims are in the request's context for the next handler. Middleware
// checks authentication only: guard routes with Require. It panics if v is
// nil.
func Middleware(v *core.Verifier, opts ...Option) func(http.Handler) http.Handler {
	m := &middleware{cfg: option.Apply(opts)}
	m.guard = option.NewGuard(v, m.cfg.GuardOptions, m)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { m.serve(next, w, r) })
	}
}

func (m *middleware) serve(next http.Handler, w http.ResponseWriter, r *http.Request) {
	r, err := httpreq.AuthenticateFrom(m.guard, r, m.cfg.skip != nil && m.cfg.skip(r), &m.cfg.sources, r)
	if err != nil {
		m.fail(w, r, err)
		return
	}
	next.ServeHTTP(w, r)
	m.guard.Done(r.Context())
}

// Require enforces p (nil: a valid token) on the handlers it wraps. A
// refused request gets 403 insufficient_scope (with scope="..." for scope
// rules), or 401 without a token, through the error path of the
// Middleware that ran before; without one, 401.
func Require(p core.Policy) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if Authorize(w, r, p) {
				next.ServeHTTP(w, r)
			}
		})
	}
}

// RequireFunc enforces, on the routes it guards, the policy f computes
// from the request (for example from a header or a parameter naming the
// operation), in addition to every Require before or after it, never
// instead of one: it can only narrow what a route allows. f is called once
// per request; a nil policy means a valid token. A request without a
// verified token is refused (401) whatever f returns, even
// core.AllowAnonymous (core.TokenRequired); its challenge names the scopes
// of f's policy. It must run after Middleware.
func RequireFunc(f func(r *http.Request) core.Policy) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if Authorize(w, r, core.TokenRequired(f(r))) {
				next.ServeHTTP(w, r)
			}
		})
	}
}

// Authorize evaluates p inside a handler, typically core.Owner(item.Owner)
// once the object is loaded. On denial it answers as Require does and
// returns false; the handler then returns without writing.
func Authorize(w http.ResponseWriter, r *http.Request, p core.Policy) bool {
	g, m := option.Of[middleware](r.Context())
	if err := g.Authorize(r.Context(), r.Method, p); err != nil {
		m.fail(w, r, err)
		return false
	}
	return true
}

// Claims returns the verified claims of r (core.ClaimsFromContext), or
// (nil, false) for an anonymous or skipped request.
func Claims(r *http.Request) (*core.Claims, bool) { return core.ClaimsFromContext(r.Context()) }

// WriteError writes the standard answer to err for r: core's RFC 6750
// response with the realm and resource_metadata of the Middleware r passed
// through (realm "api" and none without one), its status, WWW-Authenticate,
// Retry-After, Content-Type and JSON body.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	writeResponse(w, response(r, err))
}

// response is core's answer to err with the Guard that stamped r's
// context (none: realm "api").
func response(r *http.Request, err error) core.Response {
	return core.GuardFromContext(r.Context()).Response(err, r.TLS != nil, r.Host)
}

func writeResponse(w http.ResponseWriter, resp core.Response) {
	resp.SetHeaders(w.Header().Set)
	w.WriteHeader(resp.Status)
	_, _ = w.Write(resp.Body)
}

// fail answers a refusal: the error handler first, then, unless it wrote
// an answer that may stand (hookgate), the standard answer. m may be nil
// (no Middleware ran).
func (m *middleware) fail(w http.ResponseWriter, r *http.Request, err error) {
	resp := response(r, err)
	if m != nil && m.cfg.onError != nil {
		hw := hookgate.NewWriter(w, resp.Status)
		if m.cfg.onError(hw, r, err); hw.Answered() {
			return
		}
	}
	writeResponse(w, resp)
}
