package ginauth

import (
	"bufio"
	"errors"
	"net"
	"net/http"

	"github.com/gin-gonic/gin"

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
// the Authorization header is required, except for safe methods
// (core.Config.SafeMethods, default OPTIONS) and the methods of
// WithAnonymousMethods, which pass without credentials (present
// credentials are still verified), and requests skipped by WithSkipper. On
// success the claims are in c.Request.Context() (core.ClaimsFromContext,
// or Claims) and the chain goes on (c.Next); a refusal is answered (see
// the package documentation) and aborts the chain.
//
// Use it on the engine (r.Use, before the routes it guards), on a group
// (r.Group("/api", mw)) or in one route's handlers. It panics if v is nil.
func Middleware(v *core.Verifier, opts ...Option) gin.HandlerFunc {
	m := &middleware{cfg: option.Apply(opts)}
	m.guard = option.NewGuard(v, m.cfg.GuardOptions, m)
	return m.serve
}

func (m *middleware) serve(c *gin.Context) {
	r, err := httpreq.AuthenticateFrom(m.guard, c.Request, m.cfg.skip != nil && m.cfg.skip(c), &m.cfg.sources, c)
	if c.Request = r; err != nil {
		m.fail(c, err)
		return
	}
	c.Next()
	m.guard.Done(r.Context())
}

// Require enforces p (nil: a valid token) on the routes it guards: in a
// route's handlers (r.GET(path, ginauth.Require(p), h)) or on a group
// (g.Use(ginauth.Require(p))); guards stack. A refused request gets 403
// insufficient_scope (with scope="..." for scope rules), or 401 without a
// token, through the error path of the Middleware that ran before (without
// one, 401), and the chain is aborted: the next handlers do not run.
func Require(p core.Policy) gin.HandlerFunc {
	return func(c *gin.Context) {
		if Authorize(c, p) {
			c.Next()
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
func RequireFunc(f func(c *gin.Context) core.Policy) gin.HandlerFunc {
	return func(c *gin.Context) {
		if Authorize(c, core.TokenRequired(f(c))) {
			c.Next()
		}
	}
}

// Authorize evaluates p inside a handler, typically core.Owner(item.Owner)
// once the object is loaded. On denial it answers as Require does, aborts
// the chain and returns false; the handler then returns without writing:
//
//	if !ginauth.Authorize(c, core.Owner(item.Owner)) {
//		return // 403 insufficient_scope written
//	}
func Authorize(c *gin.Context, p core.Policy) bool {
	r := c.Request
	g, m := option.Of[middleware](r.Context())
	if err := g.Authorize(r.Context(), r.Method, p); err != nil {
		m.fail(c, err)
		return false
	}
	return true
}

// Claims returns the verified claims of the request
// (core.ClaimsFromContext of c.Request.Context()), or (nil, false) when it
// is anonymous, skipped or did not pass through Middleware.
func Claims(c *gin.Context) (*core.Claims, bool) {
	return core.ClaimsFromContext(c.Request.Context())
}

// WriteError writes the standard answer to err now: core's RFC 6750
// response (status, WWW-Authenticate, Retry-After, Content-Type and JSON
// body) with the realm and resource_metadata of the Middleware the request
// passed through (realm "api" and none without one). Use it inside a
// WithErrorHandler handler that adds to the standard answer. It does not
// abort the chain.
func WriteError(c *gin.Context, err error) {
	writeResponse(c, response(c, err))
}

func writeResponse(c *gin.Context, resp core.Response) {
	resp.SetHeaders(c.Writer.Header().Set)
	c.Data(resp.Status, core.ContentType, resp.Body)
}

// fail answers a refusal and aborts the chain: the error handler first,
// then, unless it wrote an answer that may stand (see hookWriter), the
// standard answer. m may be nil (no Middleware ran).
func (m *middleware) fail(c *gin.Context, err error) {
	defer c.Abort()
	resp := response(c, err)
	if m != nil && m.cfg.onError != nil && m.hook(c, err, resp.Status) {
		return
	}
	writeResponse(c, resp)
}

// response is core's answer to err with the Guard that stamped the
// request's context (none: realm "api").
func response(c *gin.Context, err error) core.Response {
	return core.GuardFromContext(c.Request.Context()).Response(err, c.Request.TLS != nil, c.Request.Host)
}

// hook runs the error handler with c.Writer gated, and reports whether it
// answered. A dropped answer leaves the response as it was, its headers
// included.
func (m *middleware) hook(c *gin.Context, err error, standard int) bool {
	w := c.Writer
	hw := &hookWriter{ResponseWriter: w, gate: hookgate.NewWriter(w, standard), status: w.Status()}
	func() {
		defer func() { c.Writer = w }() // also when h panics, for gin.Recovery's answer
		c.Writer = hw
		m.cfg.onError(c, err)
	}()
	if hw.set {
		hw.send() // a status alone is an answer: Gin would write it once the handlers return
	}
	if !hw.gate.Answered() {
		return false
	}
	w.WriteHeaderNow()
	return true
}

// hookWriter is c.Writer while an error handler runs. Gin sets the status
// lazily (c.Status, the first step of c.JSON) and writes it with the first
// byte, so hookWriter keeps the status the handler sets until then and
// hands it to the hookgate.Writer, which decides, at that moment, whether
// the answer goes through. It never hijacks the connection (that would
// pass the gate) and offers no HTTP/2 push.
type hookWriter struct {
	gin.ResponseWriter // the request's writer, for Header, Size, Written, CloseNotify
	gate               *hookgate.Writer
	status             int
	set, sent          bool // the handler set a status; the gate has it
}

var errHijack = errors.New("ginauth: an error handler cannot hijack the connection")

func (w *hookWriter) WriteHeader(code int) {
	if code > 0 && !w.sent {
		w.status, w.set = code, true
	}
}

func (w *hookWriter) send() {
	if !w.sent {
		w.sent = true
		w.gate.WriteHeader(w.status)
	}
}

func (w *hookWriter) WriteHeaderNow() { w.send() }

func (w *hookWriter) Write(b []byte) (int, error) {
	w.send()
	return w.gate.Write(b)
}

func (w *hookWriter) WriteString(s string) (int, error) { return w.Write([]byte(s)) }

func (w *hookWriter) Flush() {
	w.send()
	w.gate.Flush()
}

func (w *hookWriter) Status() int { return w.status }

func (w *hookWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) { return nil, nil, errHijack }

func (w *hookWriter) Pusher() http.Pusher { return nil }

// MetadataHandler serves m's RFC 9728 protected-resource metadata document
// (200, Content-Type core.ContentType) without authentication; 404 with no
// body when m is nil. Register it at m.Path() before or
// outside Middleware, or skipped by it, and give the same m to
// WithResourceMetadata (Gin answers HEAD only where r.HEAD registers it
// too):
//
//	r.GET(m.Path(), ginauth.MetadataHandler(m))
//
// It sets no CORS header unless m has core.ResourceMetadata.WithCORS: then
// every answer carries Access-Control-Allow-Origin: * and OPTIONS (a CORS
// preflight) gets 204 (see m.SetCORSHeaders); register it for OPTIONS too,
// with r.OPTIONS(m.Path(), ...).
func MetadataHandler(m *core.ResourceMetadata) gin.HandlerFunc {
	doc := m.Document()
	return func(c *gin.Context) {
		if doc == nil {
			c.AbortWithStatus(http.StatusNotFound)
			return
		}
		if m.SetCORSHeaders(c.Request.Method, c.Writer.Header().Set) {
			c.AbortWithStatus(http.StatusNoContent)
			return
		}
		c.Data(http.StatusOK, core.ContentType, doc)
	}
}
