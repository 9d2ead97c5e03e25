package adapters

import (
	"context"
	"net/http"

	"github.com/axiomsgo/axioms/core"
)

// Option configures Middleware.
type Option func(*options)

type options struct {
	skip      func(*http.Request) bool
	anonymous []string
	onError   func(w http.ResponseWriter, r *http.Request, err error)
	fromQuery bool
	metadata  *core.ResourceMetadata
}

// WithSkipper skips authentication (and the Authorization header) for
// requests for which skip returns true. Default: none skipped. A skipped
// request carries no claims, so Require answers it with 401.
func WithSkipper(skip func(*http.Request) bool) Option {
	return func(o *options) { o.skip = skip }
}

// WithAnonymousMethods lets requests without credentials through for these
// methods, with no claims; present credentials must still be valid.
// Default: none. Methods are compared after upper-casing.
func WithAnonymousMethods(methods ...string) Option {
	return func(o *options) { o.anonymous = append(o.anonymous, methods...) }
}

// WithErrorHandler replaces the default error renderer, which writes
// core's Response (status, WWW-Authenticate, Retry-After, JSON body). The
// handler also renders the denials of Require and Authorize behind this
// Middleware. err matches one of core's categories (errors.Is), for example
// core.ErrInvalidToken; v.ErrorResponse(err) computes the standard answer,
// and core.ErrorResponseWith(err, core.ChallengeParams{Realm: v.Realm(),
// ResourceMetadata: m.URL(r.TLS != nil, r.Host)}) the one with the
// resource_metadata parameter of WithResourceMetadata(m).
func WithErrorHandler(h func(w http.ResponseWriter, r *http.Request, err error)) Option {
	return func(o *options) { o.onError = h }
}

// WithTokenFromQuery also accepts the token in the access_token query
// parameter (RFC 6750 §2.3; off by default: OAuth 2.1 forbids it). A request
// with both a header and a query token is an invalid request (400).
func WithTokenFromQuery() Option { return func(o *options) { o.fromQuery = true } }

// WithResourceMetadata enables RFC 9728: every challenge of this
// Middleware, and of the Require and Authorize calls behind it, carries
// resource_metadata="<m.URL(...)>" — the absolute URL of the metadata
// document, from m's public URL, else from the request's scheme (TLS or
// not) and Host header; forwarding headers (X-Forwarded-Host,
// X-Forwarded-Proto, Forwarded) are never trusted, so behind a proxy give
// core.NewResourceMetadata a public URL. Serve the document itself with
// MetadataHandler(m) at core.ProtectedResourcePath, outside Middleware (or
// skipped). Default: no parameter. A nil m keeps the default.
func WithResourceMetadata(m *core.ResourceMetadata) Option {
	return func(o *options) { o.metadata = m }
}

// authState is what Middleware stores in the request context.
type authState struct {
	v       *core.Verifier
	claims  *core.Claims // nil for anonymous and safe-method requests
	onError func(w http.ResponseWriter, r *http.Request, err error)
}

type stateKey struct{}

func stateOf(r *http.Request) (*authState, bool) {
	s, ok := r.Context().Value(stateKey{}).(*authState)
	return s, ok
}

// Middleware authenticates every request with v (behaviour.md §2–§4):
// safe methods (core.Config.SafeMethods, default OPTIONS) pass without the
// Authorization header being read; other requests need a valid bearer token
// in the Authorization header, unless their method is one of
// WithAnonymousMethods and they carry no credentials. Failures are answered
// with core's RFC 6750 response (or the WithErrorHandler handler); on success
// the claims are available to the next handler through Claims. Middleware
// checks authentication only: guard routes with Require for policies.
func Middleware(v *core.Verifier, opts ...Option) func(http.Handler) http.Handler {
	o := options{}
	for _, opt := range opts {
		opt(&o)
	}
	onError := o.onError
	if onError == nil {
		onError = func(w http.ResponseWriter, r *http.Request, err error) {
			writeResponse(w, errorResponse(v, o.metadata, r, err))
		}
	}
	anon := core.AllowAnonymous(core.Authenticated(), o.anonymous...)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if o.skip != nil && o.skip(r) {
				next.ServeHTTP(w, r)
				return
			}
			state := &authState{v: v, onError: onError}
			if !v.IsSafeMethod(r.Method) {
				creds := core.Credentials{Authorization: r.Header.Values("Authorization")}
				if o.fromQuery {
					creds.Query = r.URL.Query()["access_token"]
				}
				claims, err := v.Check(r.Context(), r.Method, creds, anon)
				if err != nil {
					onError(w, r, err)
					return
				}
				state.claims = claims
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), stateKey{}, state)))
		})
	}
}

// Require enforces p on the routes it wraps; it must run inside Middleware.
// Without Middleware (or for a skipped request) it answers 401 as for a
// request without credentials: it never lets such a request through.
func Require(p core.Policy) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if Authorize(w, r, p) {
				next.ServeHTTP(w, r)
			}
		})
	}
}

// Authorize evaluates p in a handler (for example core.Owner after loading
// an object). On denial it writes the error response and returns false.
// Like Require, it denies with 401 when Middleware did not run.
func Authorize(w http.ResponseWriter, r *http.Request, p core.Policy) bool {
	s, ok := stateOf(r)
	if !ok {
		WriteError(w, nil, core.ErrNoCredentials)
		return false
	}
	if err := s.v.Authorize(p, r.Method, s.claims); err != nil {
		s.onError(w, r, err)
		return false
	}
	return true
}

// Claims returns the verified claims of r, or (nil, false) for an anonymous
// or skipped request.
func Claims(r *http.Request) (*core.Claims, bool) {
	if s, ok := stateOf(r); ok && s.claims != nil {
		return s.claims, true
	}
	return nil, false
}

// WriteError writes core's answer to err: v.ErrorResponse(err) with its
// status, WWW-Authenticate and Retry-After headers (when not empty),
// Content-Type core.ContentType and JSON body. A nil v uses the default
// realm (core.DefaultRealm). It adds no resource_metadata parameter (see
// WithResourceMetadata).
func WriteError(w http.ResponseWriter, v *core.Verifier, err error) {
	if v == nil {
		writeResponse(w, core.ErrorResponse(err, core.DefaultRealm))
		return
	}
	writeResponse(w, v.ErrorResponse(err))
}

// errorResponse is core's answer to err for r, with the resource_metadata
// parameter of m (none when m is nil or r's Host is not a plain host).
func errorResponse(v *core.Verifier, m *core.ResourceMetadata, r *http.Request, err error) core.Response {
	return core.ErrorResponseWith(err, core.ChallengeParams{Realm: v.Realm(), ResourceMetadata: m.URL(r.TLS != nil, r.Host)})
}

// writeResponse writes resp exactly as core computed it.
func writeResponse(w http.ResponseWriter, resp core.Response) {
	h := w.Header()
	if resp.WWWAuthenticate != "" {
		h.Set("WWW-Authenticate", resp.WWWAuthenticate)
	}
	if resp.RetryAfter != "" {
		h.Set("Retry-After", resp.RetryAfter)
	}
	h.Set("Content-Type", core.ContentType)
	w.WriteHeader(resp.Status)
	_, _ = w.Write(resp.Body)
}
