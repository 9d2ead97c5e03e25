package echoauth

import (
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/axiomsgo/axioms/core"
)

// Option configures Middleware.
type Option func(*config)

type config struct {
	skipper        middleware.Skipper
	anonymous      []string
	onError        func(c echo.Context, err error) error
	tokenFromQuery bool
	metadata       *core.ResourceMetadata
}

func newConfig(opts []Option) config {
	cfg := config{skipper: middleware.DefaultSkipper}
	for _, opt := range opts {
		if opt != nil {
			opt(&cfg)
		}
	}
	return cfg
}

// WithSkipper skips authentication for requests for which skip returns
// true: they reach the handler with no claims and their Authorization
// header is not read. A Require on a skipped route still runs and answers
// 401 for policies that need a token. Default: middleware.DefaultSkipper
// (nothing is skipped); a nil skip keeps the default.
func WithSkipper(skip middleware.Skipper) Option {
	return func(c *config) {
		if skip != nil {
			c.skipper = skip
		}
	}
}

// WithAnonymousMethods lets requests without credentials (no Authorization
// header, or a scheme other than Bearer) through for these methods, with no
// claims. Bearer credentials that are present must still be valid: an
// invalid token is a 401 even here. Default: none.
func WithAnonymousMethods(methods ...string) Option {
	return func(c *config) { c.anonymous = append(c.anonymous, methods...) }
}

// WithErrorHandler replaces the default error path for refused requests,
// of Middleware and of the Require and Authorize calls behind it. h gets
// the core error (classify it with errors.Is: core.ErrNoCredentials,
// core.ErrInvalidToken, ...; errors.As gives the *core.Error). It may write
// a response and return nil, or return an error for Echo's
// HTTPErrorHandler; when it returns nil the default error is returned to
// Echo too (it renders nothing once h has committed a response, and core's
// answer when h only logged). Either way the request never reaches the
// next handler.
//
// The default sets WWW-Authenticate and Retry-After as core computed them
// and returns an *echo.HTTPError whose Message is {"error",
// "error_description"} and whose Internal is the core error, so Echo's
// HTTPErrorHandler renders core's JSON body. A nil h keeps the default.
// When h writes the answer itself, the resource_metadata parameter of
// WithResourceMetadata(m) is its to add: core.ErrorResponseWith(err,
// core.ChallengeParams{Realm: v.Realm(), ResourceMetadata:
// m.URL(c.Request().TLS != nil, c.Request().Host)}).
func WithErrorHandler(h func(c echo.Context, err error) error) Option {
	return func(c *config) {
		if h != nil {
			c.onError = h
		}
	}
}

// WithTokenFromQuery also accepts the token in the access_token query
// parameter (RFC 6750 §2.3). A request carrying both a header and a query
// token is an invalid request (400). Default: off, as OAuth 2.1 forbids
// query tokens; URLs end up in logs and Referer headers.
func WithTokenFromQuery() Option {
	return func(c *config) { c.tokenFromQuery = true }
}

// WithResourceMetadata enables RFC 9728: every challenge of this
// Middleware, and of the Require and Authorize calls behind it, carries
// resource_metadata="..." with the absolute URL of m's document (m.URL:
// from m's public URL, else from the request's TLS state and Host header,
// never from c.Scheme() or X-Forwarded-* headers, which clients control;
// behind a proxy give core.NewResourceMetadata a public URL). Serve the
// document with MetadataHandler(m) at core.ProtectedResourcePath, skipped
// by or outside Middleware. Default: no parameter. A nil m keeps the
// default.
func WithResourceMetadata(m *core.ResourceMetadata) Option {
	return func(c *config) { c.metadata = m }
}
