package fiberauth

import (
	"github.com/gofiber/fiber/v2"

	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/internal/fastreq"
	"github.com/axiomsgo/axioms/internal/hookgate"
	"github.com/axiomsgo/axioms/internal/option"
)

// middleware is one Middleware, built once.
type middleware struct {
	guard *core.Guard
	cfg   config
}

// Middleware authenticates every request with v: a valid bearer token in
// the Authorization header is required, except for safe methods
// (core.Config.SafeMethods, default OPTIONS) and the methods of
// WithAnonymousMethods, which pass without credentials (present
// credentials are still verified), and requests skipped by WithSkipper. On
// success the claims are in c.UserContext() (core.ClaimsFromContext, or
// Claims); on failure the error path answers (default: core's RFC 6750
// response). It panics if v is nil.
func Middleware(v *core.Verifier, opts ...Option) fiber.Handler {
	m := &middleware{cfg: option.Apply(opts)}
	m.guard = option.NewGuard(v, m.cfg.GuardOptions, m)
	return m.serve
}

// serve runs core's decision. The method string aliases fasthttp's buffer
// (unless fiber.Config.Immutable); core only compares it.
func (m *middleware) serve(c *fiber.Ctx) error {
	skip := m.cfg.skip != nil && m.cfg.skip(c)
	ctx, err := fastreq.AuthenticateFrom(m.guard, c.UserContext(), c.Method(), c.Context(), &c.Request().Header, skip, &m.cfg.sources, c)
	if c.SetUserContext(ctx); err != nil {
		return m.fail(c, err)
	}
	err = c.Next()
	m.guard.Done(ctx)
	return err
}

// Require enforces p (nil: a valid token) on the routes it guards (a
// route's handler list, or Group/Use). A refused request gets 403
// insufficient_scope (with scope="..." for scope rules), or 401 without a
// token, through the error path of the Middleware that ran before; without
// one, 401. The next handler is not called.
func Require(p core.Policy) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if !Authorize(c, p) {
			return nil
		}
		return c.Next()
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
// f must not keep c or strings taken from it.
func RequireFunc(f func(c *fiber.Ctx) core.Policy) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if !Authorize(c, core.TokenRequired(f(c))) {
			return nil
		}
		return c.Next()
	}
}

// Authorize evaluates p inside a handler, typically an ownership check after
// loading an object. On denial it answers as Require does and returns
// false; the handler then returns nil without writing:
//
//	if !fiberauth.Authorize(c, core.Owner(item.Owner)) {
//		return nil // 403 insufficient_scope already written
//	}
func Authorize(c *fiber.Ctx, p core.Policy) bool {
	g, m := option.Of[middleware](c.UserContext())
	if err := g.Authorize(c.UserContext(), c.Method(), p); err != nil {
		_ = m.fail(c, err)
		return false
	}
	return true
}

// Claims returns the verified claims of the request
// (core.ClaimsFromContext of c.UserContext()), or (nil, false) when it is
// anonymous, skipped or did not pass through Middleware. The claims are
// independent of fasthttp's buffers: they may be kept after the handler
// returns.
func Claims(c *fiber.Ctx) (*core.Claims, bool) { return core.ClaimsFromContext(c.UserContext()) }

// WriteError writes the standard answer to err: core's RFC 6750 response
// (status, WWW-Authenticate, Retry-After, Content-Type and JSON body) with
// the realm and resource_metadata of the Middleware the request passed
// through (realm "api" and none without one). Use it inside a
// WithErrorHandler handler that adds to the standard answer.
func WriteError(c *fiber.Ctx, err error) error {
	g := core.GuardFromContext(c.UserContext())
	r := g.Response(err, c.Context().IsTLS(), string(c.Request().Host()))
	r.SetHeaders(c.Set)
	return c.Status(r.Status).Send(r.Body)
}

// fail answers a refusal: the error handler first, then, unless it wrote
// an answer that may stand (see hookgate), the standard one. m may be nil
// (no Middleware ran).
func (m *middleware) fail(c *fiber.Ctx, err error) error {
	if m != nil && m.cfg.onError != nil {
		res := c.Response()
		std := m.guard.Response(err, c.Context().IsTLS(), string(c.Request().Host())).Status
		if hookgate.InPlace(res, &res.Header, std, func() { m.cfg.onError(c, err) }) {
			return nil
		}
	}
	return WriteError(c, err)
}
