package fiberauth

import (
	"context"
	"errors"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/axiomsgo/axioms/core"
)

// key is the type of the keys this package stores in c.Locals and in the
// user context.
type key int

const (
	claimsKey key = iota // *core.Claims, in Locals and in the user context
	stateKey             // state, in Locals
)

// middleware is one Middleware, built once.
type middleware struct {
	v    *core.Verifier
	cfg  *config
	anon core.Policy
}

// state is what Middleware leaves in Locals for Require and Authorize. It is
// a one-pointer struct, so storing it does not allocate, and it has no Close
// method on purpose: fasthttp closes every io.Closer it finds among the
// user values when the request ends, and *core.Verifier is one, so it must
// never be stored there directly.
type state struct{ m *middleware }

// Middleware authenticates every request with v. Methods in
// v's safe-method set (core.Config.SafeMethods, default OPTIONS) and
// requests skipped by WithSkipper pass without reading the Authorization
// header. Any other request needs a valid bearer token, unless its method
// was given to WithAnonymousMethods and it carries no bearer credentials.
// On success the claims (none for anonymous requests) are stored in
// c.Locals and in c.UserContext(), for Claims and ClaimsFromContext; on
// failure the error handler answers (default: core's RFC 6750 response).
//
// Middleware also renders the denials that Authorize returns from the
// handlers it wraps, so register it before them (app.Use, a Group, or the
// route's own handler list). It panics if v is nil, when it is built.
func Middleware(v *core.Verifier, opts ...Option) fiber.Handler {
	if v == nil {
		panic("fiberauth: Middleware needs a non-nil *core.Verifier")
	}
	m := &middleware{v: v, cfg: newConfig(v, opts)}
	m.anon = core.AllowAnonymous(core.Authenticated(), m.cfg.anonymous...)
	return m.handle
}

func (m *middleware) handle(c *fiber.Ctx) error {
	c.Locals(stateKey, state{m})
	if m.cfg.skip == nil || !m.cfg.skip(c) {
		if err := m.authenticate(c); err != nil {
			return m.cfg.onError(c, err)
		}
	}
	err := c.Next()
	var d *deniedError
	if errors.As(err, &d) {
		return m.cfg.onError(c, d.err)
	}
	return err
}

// authenticate runs core's whole decision. The method string aliases
// fasthttp's buffer (unless fiber.Config.Immutable); core only compares it,
// and nothing here stores it, so it is not copied.
func (m *middleware) authenticate(c *fiber.Ctx) error {
	method := c.Method()
	if m.v.IsSafeMethod(method) {
		return nil
	}
	claims, err := m.v.Check(c.UserContext(), method, m.credentials(c), m.anon)
	if err != nil || claims == nil {
		return err
	}
	c.Locals(claimsKey, claims)
	c.SetUserContext(context.WithValue(c.UserContext(), claimsKey, claims))
	return nil
}

// credentials views every Authorization header value (and, with
// WithTokenFromQuery, every access_token query value) in fasthttp's request
// buffers without copying. That is safe because the strings do not outlive
// this request: core does not retain the token or any part of it (the
// claims are decoded into memory of their own), and nothing here keeps them.
func (m *middleware) credentials(c *fiber.Ctx) core.Credentials {
	var cr core.Credentials
	for _, h := range c.Request().Header.PeekAll(fiber.HeaderAuthorization) {
		cr.Authorization = append(cr.Authorization, utils.UnsafeString(h))
	}
	if m.cfg.query {
		for _, q := range c.Context().QueryArgs().PeekMulti("access_token") {
			cr.Query = append(cr.Query, utils.UnsafeString(q))
		}
	}
	return cr
}

// Require enforces p on the routes it guards (a route's handler list, or
// Group/Use): it evaluates p with the method and the claims Middleware
// stored, and answers a denial through Middleware's error handler (403
// insufficient_scope, or 401 without a token). It must run inside
// Middleware; if Middleware did not run, it answers 401 as for a request
// without credentials (realm core.DefaultRealm) and never calls the next
// handler.
func Require(p core.Policy) fiber.Handler {
	return func(c *fiber.Ctx) error {
		st, ok := c.Locals(stateKey).(state)
		if !ok {
			return render(c, core.ErrorResponse(core.ErrNoCredentials, core.DefaultRealm))
		}
		if err := st.m.v.Authorize(p, c.Method(), claimsOf(c)); err != nil {
			return st.m.cfg.onError(c, err)
		}
		return c.Next()
	}
}

// Authorize evaluates p inside a handler, typically an ownership check after
// loading an object. It returns nil when p allows the request; otherwise an
// error the handler returns as it is:
//
//	item, ok := store.Get(c.Params("id"))
//	if !ok {
//		return c.Status(fiber.StatusNotFound).JSON(fiber.Map{"error": "not_found"})
//	}
//	if err := fiberauth.Authorize(c, core.Owner(item.Owner)); err != nil {
//		return err
//	}
//
// The error travels back up the handler chain to the enclosing Middleware,
// which renders it with its error handler (by default core's exact RFC 6750
// answer, such as 403 insufficient_scope) and returns that handler's
// result, so the app's ErrorHandler, default or custom, never sees it and
// cannot change the answer. It matches core's categories with errors.Is
// (core.ErrInsufficientScope, core.ErrNoCredentials). Authorize must run
// inside Middleware, with no middleware between them that handles errors
// itself (Fiber's logger calls the app's ErrorHandler: register it before
// Middleware). Without Middleware the request counts as having no
// credentials and the error goes to the app's ErrorHandler unrendered.
func Authorize(c *fiber.Ctx, p core.Policy) error {
	st, ok := c.Locals(stateKey).(state)
	if !ok {
		return &deniedError{core.ErrNoCredentials}
	}
	if err := st.m.v.Authorize(p, c.Method(), claimsOf(c)); err != nil {
		return &deniedError{err}
	}
	return nil
}

// deniedError is a denial returned by Authorize, for the enclosing
// Middleware to render.
type deniedError struct{ err error }

func (e *deniedError) Error() string { return e.err.Error() }
func (e *deniedError) Unwrap() error { return e.err }

// Claims returns the verified claims of the request, or (nil, false) when
// it is anonymous, skipped, a safe-method request, or did not pass through
// Middleware. The claims are immutable and independent of fasthttp's
// buffers: they may be kept after the handler returns.
func Claims(c *fiber.Ctx) (*core.Claims, bool) {
	cl := claimsOf(c)
	return cl, cl != nil
}

// ClaimsFromContext returns the claims Middleware stored in the request's
// user context (c.UserContext()), for code that takes a context.Context.
func ClaimsFromContext(ctx context.Context) (*core.Claims, bool) {
	cl, _ := ctx.Value(claimsKey).(*core.Claims)
	return cl, cl != nil
}

func claimsOf(c *fiber.Ctx) *core.Claims {
	cl, _ := c.Locals(claimsKey).(*core.Claims)
	return cl
}
