package fiberauth

import (
	"github.com/gofiber/fiber/v2"

	"github.com/axiomsgo/axioms/core"
)

// Option configures Middleware. Options are read once, when Middleware is
// built.
type Option func(*config)

type config struct {
	skip      func(*fiber.Ctx) bool
	anonymous []string
	onError   func(*fiber.Ctx, error) error
	query     bool
	metadata  *core.ResourceMetadata
}

// WithSkipper skips authentication for requests for which skip returns true,
// in the manner of the Next field of Fiber's own middleware configs: the
// Authorization header is not read and no claims are stored, so Claims
// reports (nil, false) and Require answers as if no credentials were sent.
// Default: no request is skipped.
func WithSkipper(skip func(c *fiber.Ctx) bool) Option {
	return func(cfg *config) { cfg.skip = skip }
}

// WithAnonymousMethods lets requests without bearer credentials through for
// these methods (matched case-insensitively), with no claims stored. Bearer
// credentials that are present must still be valid: a bad token is a 401
// whatever the method. Default: none, every request needs a valid token.
func WithAnonymousMethods(methods ...string) Option {
	return func(cfg *config) { cfg.anonymous = append(cfg.anonymous, methods...) }
}

// WithErrorHandler replaces the default error renderer, which writes core's
// answer exactly (core.Response: status, WWW-Authenticate, Retry-After,
// Content-Type core.ContentType and the JSON body) and returns nil. h gets
// every failure of Middleware, Require and Authorize as the core error (use
// errors.Is with core.ErrInvalidToken and the other categories, and
// v.ErrorResponse to compute the standard answer; with WithResourceMetadata(m),
// core.ErrorResponseWith(err, core.ChallengeParams{Realm: v.Realm(),
// ResourceMetadata: m.URL(c.Context().IsTLS(), string(c.Request().Host()))})
// keeps the resource_metadata parameter). An error h returns goes on to the
// app's ErrorHandler.
func WithErrorHandler(h func(c *fiber.Ctx, err error) error) Option {
	return func(cfg *config) { cfg.onError = h }
}

// WithTokenFromQuery also accepts the token in the access_token query
// parameter (RFC 6750 §2.3). Off by default: it puts tokens in logs and
// OAuth 2.1 forbids it. A request with both a header token and a query
// token is an invalid request (400).
func WithTokenFromQuery() Option {
	return func(cfg *config) { cfg.query = true }
}

// WithResourceMetadata enables RFC 9728: every challenge of this
// Middleware, and of the Require and Authorize calls behind it, carries
// resource_metadata="..." with the absolute URL of m's document (m.URL:
// from m's public URL, else from whether the connection is TLS and the
// request's Host; never from c.Protocol(), c.Hostname() or X-Forwarded-*
// headers, which Fiber trusts by default and clients control; behind a
// proxy give core.NewResourceMetadata a public URL). Serve the document
// with MetadataHandler(m) at core.ProtectedResourcePath, registered before
// or outside Middleware. Default: no parameter. A nil m keeps the default.
func WithResourceMetadata(m *core.ResourceMetadata) Option {
	return func(cfg *config) { cfg.metadata = m }
}

func newConfig(v *core.Verifier, opts []Option) *config {
	cfg := &config{}
	for _, o := range opts {
		o(cfg)
	}
	if cfg.onError == nil {
		m := cfg.metadata
		cfg.onError = func(c *fiber.Ctx, err error) error {
			url := m.URL(c.Context().IsTLS(), string(c.Request().Host()))
			return render(c, core.ErrorResponseWith(err, core.ChallengeParams{Realm: v.Realm(), ResourceMetadata: url}))
		}
	}
	return cfg
}

// MetadataHandler serves m's RFC 9728 protected-resource metadata document
// (200, Content-Type core.ContentType; Fiber answers HEAD too) without
// authentication; fiber.ErrNotFound when m is nil. Register it at
// core.ProtectedResourcePath before app.Use(Middleware) or outside it, and
// give the same m to WithResourceMetadata:
//
//	app.Get(core.ProtectedResourcePath, fiberauth.MetadataHandler(m))
//
// It sets no CORS header: put Fiber's cors middleware before it for
// browser-based clients.
func MetadataHandler(m *core.ResourceMetadata) fiber.Handler {
	doc := m.Document()
	return func(c *fiber.Ctx) error {
		if doc == nil {
			return fiber.ErrNotFound
		}
		c.Set(fiber.HeaderContentType, core.ContentType)
		return c.Status(fiber.StatusOK).Send(doc)
	}
}

// render writes r exactly as core computed it.
func render(c *fiber.Ctx, r core.Response) error {
	if r.WWWAuthenticate != "" {
		c.Set(fiber.HeaderWWWAuthenticate, r.WWWAuthenticate)
	}
	if r.RetryAfter != "" {
		c.Set(fiber.HeaderRetryAfter, r.RetryAfter)
	}
	c.Set(fiber.HeaderContentType, core.ContentType)
	return c.Status(r.Status).Send(r.Body)
}
