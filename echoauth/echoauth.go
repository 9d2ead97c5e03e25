package echoauth

import (
	"encoding/json"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/axiomsgo/axioms/core"
)

// Keys of the values Middleware stores with echo.Context.Set. Echo keys are
// strings, so they are package-qualified to avoid collisions; read them
// through Claims only.
const (
	claimsKey = "github.com/axiomsgo/axioms/echoauth.claims"
	stateKey  = "github.com/axiomsgo/axioms/echoauth.state"
)

// state is what Require and Authorize need from the Middleware that ran
// before them: the verifier, the RFC 9728 metadata and the error path.
type state struct {
	v        *core.Verifier
	metadata *core.ResourceMetadata
	onError  func(c echo.Context, err error) error
}

// fail answers a refused request with the custom handler's error when one
// is set and returns non-nil, else with core's response as an
// *echo.HTTPError. It never returns nil, so Require and Authorize always
// stop the chain; Echo's default HTTPErrorHandler writes nothing once the
// custom handler has committed a response.
func (s *state) fail(c echo.Context, err error) error {
	if s.onError != nil {
		if herr := s.onError(c, err); herr != nil {
			return herr
		}
	}
	r := c.Request()
	resp := core.ErrorResponseWith(err, core.ChallengeParams{Realm: s.v.Realm(), ResourceMetadata: s.metadata.URL(r.TLS != nil, r.Host)})
	return httpError(c, resp, err)
}

// Middleware authenticates every request with v. Safe methods
// (core.Config.SafeMethods, default OPTIONS) pass without reading the
// Authorization header, so CORS preflights work. Other requests must carry
// a valid bearer token, unless WithAnonymousMethods lets requests without
// credentials through; refused requests take the error path (see
// WithErrorHandler). On success the claims (none for anonymous requests)
// are stored in the echo.Context for Claims, Require and Authorize.
//
// Use it globally (e.Use, with WithSkipper for public routes), on a group
// (e.Group("/api", mw)) or on one route. A nil v refuses every request as
// Require does without Middleware.
func Middleware(v *core.Verifier, opts ...Option) echo.MiddlewareFunc {
	cfg := newConfig(opts)
	anon := core.AllowAnonymous(core.Authenticated(), cfg.anonymous...)
	s := &state{v: v, metadata: cfg.metadata, onError: cfg.onError}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if v == nil {
				return missing(c)
			}
			c.Set(stateKey, s)
			c.Set(claimsKey, (*core.Claims)(nil))
			r := c.Request()
			if cfg.skipper(c) || v.IsSafeMethod(r.Method) {
				return next(c)
			}
			creds := core.Credentials{Authorization: r.Header.Values(echo.HeaderAuthorization)}
			if cfg.tokenFromQuery {
				creds.Query = c.QueryParams()["access_token"]
			}
			claims, err := v.Check(r.Context(), r.Method, creds, anon)
			if err != nil {
				return s.fail(c, err)
			}
			c.Set(claimsKey, claims)
			return next(c)
		}
	}
}

// Require enforces p on the routes it guards: per route
// (e.GET(path, h, echoauth.Require(p))) or per group
// (e.Group("/admin", echoauth.Require(p))); guards stack. A refused request
// gets 403 insufficient_scope (with scope="..." for scope rules) or 401
// when it has no token, through the error path of the Middleware that ran
// before. Without Middleware every request is answered 401 as having no
// credentials (realm core.DefaultRealm): Require never lets it through.
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

// Authorize evaluates p inside a handler, typically core.Owner(item.Owner)
// once the object is loaded, and returns nil when p allows the request.
// Otherwise it returns the error to return from the handler, already
// prepared like Middleware's (the *echo.HTTPError of the default path, or
// what WithErrorHandler's handler returned):
//
//	if err := echoauth.Authorize(c, core.Owner(item.Owner)); err != nil {
//		return err // 403 insufficient_scope
//	}
func Authorize(c echo.Context, p core.Policy) error {
	s, ok := c.Get(stateKey).(*state)
	if !ok {
		return missing(c)
	}
	claims, _ := Claims(c)
	if err := s.v.Authorize(p, c.Request().Method, claims); err != nil {
		return s.fail(c, err)
	}
	return nil
}

// Claims returns the verified claims of the request, or (nil, false) when
// it is anonymous, skipped, a safe method or did not pass through
// Middleware.
func Claims(c echo.Context) (*core.Claims, bool) {
	claims, _ := c.Get(claimsKey).(*core.Claims)
	return claims, claims != nil
}

// MetadataHandler serves m's RFC 9728 protected-resource metadata document
// (200, Content-Type core.ContentType) without authentication; echo.ErrNotFound
// when m is nil. Register it at core.ProtectedResourcePath outside
// Middleware or skipped by it, and give the same m to WithResourceMetadata:
//
//	e.GET(core.ProtectedResourcePath, echoauth.MetadataHandler(m))
//
// It sets no CORS header: wrap it with Echo's CORS middleware for
// browser-based clients.
func MetadataHandler(m *core.ResourceMetadata) echo.HandlerFunc {
	doc := m.Document()
	return func(c echo.Context) error {
		if doc == nil {
			return echo.ErrNotFound
		}
		return c.Blob(http.StatusOK, core.ContentType, doc)
	}
}

// missing answers a request that Middleware did not authenticate as one
// without credentials.
func missing(c echo.Context) error {
	return httpError(c, core.ErrorResponse(core.ErrNoCredentials, core.DefaultRealm), core.ErrNoCredentials)
}

// httpError sets the headers core computed and returns the error for Echo's
// HTTPErrorHandler, whose default renders Message as core's JSON body.
func httpError(c echo.Context, resp core.Response, err error) error {
	h := c.Response().Header()
	if resp.WWWAuthenticate != "" {
		h.Set(echo.HeaderWWWAuthenticate, resp.WWWAuthenticate)
	}
	if resp.RetryAfter != "" {
		h.Set(echo.HeaderRetryAfter, resp.RetryAfter)
	}
	var body map[string]string
	_ = json.Unmarshal(resp.Body, &body) // core's body: two JSON strings
	return &echo.HTTPError{Code: resp.Status, Message: body, Internal: err}
}
