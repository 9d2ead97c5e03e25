package echoauth

import (
	"encoding/json"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/internal/hookgate"
	"github.com/axiomsgo/axioms/internal/httpreq"
	"github.com/axiomsgo/axioms/internal/option"
)

// Middleware authenticates every request with v: a valid bearer token in
// the Authorization header is required, except for safe methods
// (core.Config.SafeMethods, default OPTIONS) and the methods of
// WithAnonymousMethods, which pass without credentials (present
// credentials are still verified). On success the claims are in the
// request's context.Context (core.ClaimsFromContext, or Claims); refused
// requests take the error path (see the package documentation).
//
// Use it globally (e.Use, with WithSkipper for public routes), on a group
// (e.Group("/api", mw)) or on one route. It panics if v is nil.
func Middleware(v *core.Verifier, opts ...Option) echo.MiddlewareFunc {
	m := &mw{cfg: option.Apply(opts)}
	m.guard = option.NewGuard(v, m.cfg.GuardOptions, m)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error { return m.serve(next, c) }
	}
}

// mw is one Middleware, built once.
type mw struct {
	guard *core.Guard
	cfg   config
}

func (m *mw) serve(next echo.HandlerFunc, c echo.Context) error {
	r, err := httpreq.AuthenticateFrom(m.guard, c.Request(), m.cfg.skip != nil && m.cfg.skip(c), &m.cfg.sources, c)
	if c.SetRequest(r); err != nil {
		return m.fail(c, err)
	}
	err = next(c)
	m.guard.Done(r.Context())
	return err
}

// Require enforces p (nil: a valid token) on the routes it guards: per
// route (e.GET(path, h, echoauth.Require(p))) or per group; guards stack.
// A refused request gets 403 insufficient_scope (with scope="..." for
// scope rules), or 401 without a token, through the error path of the
// Middleware that ran before; without one, 401.
func Require(p core.Policy) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if err := Authorize(c, p); err != nil {
				return err
			}
			return next(c)
		}
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
func RequireFunc(f func(c echo.Context) core.Policy) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if err := Authorize(c, core.TokenRequired(f(c))); err != nil {
				return err
			}
			return next(c)
		}
	}
}

// Authorize evaluates p inside a handler, typically core.Owner(item.Owner)
// once the object is loaded, and returns nil when p allows the request,
// else the error to return from the handler:
//
//	if err := echoauth.Authorize(c, core.Owner(item.Owner)); err != nil {
//		return err // 403 insufficient_scope
//	}
func Authorize(c echo.Context, p core.Policy) error {
	r := c.Request()
	g, m := option.Of[mw](r.Context())
	if err := g.Authorize(r.Context(), r.Method, p); err != nil {
		return m.fail(c, err)
	}
	return nil
}

// Claims returns the verified claims of the request
// (core.ClaimsFromContext of its context), or (nil, false) when it is
// anonymous, skipped or did not pass through Middleware.
func Claims(c echo.Context) (*core.Claims, bool) {
	return core.ClaimsFromContext(c.Request().Context())
}

// WriteError writes the standard answer to err now: core's RFC 6750
// response with the realm and resource_metadata of the Middleware the
// request passed through (realm "api" and none without one). Use it inside
// a WithErrorHandler handler that adds to the standard answer.
func WriteError(c echo.Context, err error) error {
	resp := setHeaders(c, err)
	return c.Blob(resp.Status, core.ContentType, resp.Body)
}

// fail answers a refusal: the error handler first; unless it answered
// (with a status that may stand, see hookgate), the standard answer as an
// *echo.HTTPError (Code: core's status, Message: core's JSON body as a
// map, Internal: the core error) after WWW-Authenticate and Retry-After are
// set, which Echo's HTTPErrorHandler renders. m may be nil (no Middleware
// ran).
func (m *mw) fail(c echo.Context, err error) error {
	if m != nil && m.cfg.onError != nil && m.hook(c, err) {
		return err
	}
	resp := setHeaders(c, err)
	var body map[string]string
	_ = json.Unmarshal(resp.Body, &body) // core's body: two JSON strings
	return &echo.HTTPError{Code: resp.Status, Message: body, Internal: err}
}

// hook runs the error handler with its writes gated, and reports whether
// it answered. A dropped answer leaves the response uncommitted.
func (m *mw) hook(c echo.Context, err error) bool {
	res, r := c.Response(), c.Request()
	w := res.Writer
	gate := hookgate.NewWriter(w, m.guard.Response(err, r.TLS != nil, r.Host).Status)
	func() {
		defer func() { res.Writer = w }() // also when h panics, for the Recover middleware's answer
		res.Writer = gate
		m.cfg.onError(c, err)
	}()
	if gate.Answered() {
		return true
	}
	res.Committed, res.Status, res.Size = false, http.StatusOK, 0
	return false
}

// setHeaders computes core's answer to err, with the Guard that stamped
// the request's context (none: realm "api"), and sets its headers.
func setHeaders(c echo.Context, err error) core.Response {
	r := c.Request()
	resp := core.GuardFromContext(r.Context()).Response(err, r.TLS != nil, r.Host)
	resp.SetHeaders(c.Response().Header().Set)
	return resp
}

// MetadataHandler serves m's RFC 9728 protected-resource metadata document
// (200, Content-Type core.ContentType) without authentication;
// echo.ErrNotFound when m is nil. Register it at m.Path()
// outside Middleware or skipped by it, and give the same m to
// WithResourceMetadata:
//
//	e.GET(m.Path(), echoauth.MetadataHandler(m))
//
// It sets no CORS header unless m has core.ResourceMetadata.WithCORS: then
// every answer carries Access-Control-Allow-Origin: * and OPTIONS (a CORS
// preflight) gets 204 (see m.SetCORSHeaders); register it for OPTIONS too,
// with e.Match([]string{http.MethodGet, http.MethodOptions}, ...).
func MetadataHandler(m *core.ResourceMetadata) echo.HandlerFunc {
	doc := m.Document()
	return func(c echo.Context) error {
		if doc == nil {
			return echo.ErrNotFound
		}
		if m.SetCORSHeaders(c.Request().Method, c.Response().Header().Set) {
			return c.NoContent(http.StatusNoContent)
		}
		return c.Blob(http.StatusOK, core.ContentType, doc)
	}
}
