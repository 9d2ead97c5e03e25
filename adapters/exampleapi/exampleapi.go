// Package exampleapi is the example API of the project, written once as a
// table of routes that every framework's example server, and the tests of
// every adapter, register with their own router: the same paths, the same
// policies, the same handlers, the same answers. An adapter's router
// builder translates each Route (method, path, authentication, policy) and
// each Request and Reply to and from its framework, nothing more.
//
// It is demonstration code: the articles and books live in memory
// (package memstore).
package exampleapi

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/axiomsgo/axioms/adapters/memstore"
	"github.com/axiomsgo/axioms/core"
)

// Auth is how a route is authenticated.
type Auth int

const (
	// Public routes are registered without Middleware (or skipped by it):
	// their Authorization header is not read.
	Public Auth = iota
	// Token routes are behind Middleware: a valid token is required (safe
	// methods excepted, as for every Middleware).
	Token
	// Optional routes are behind a Middleware with
	// WithAnonymousMethods("GET"): an anonymous GET passes, credentials
	// that are present must be valid.
	Optional
	// Skipped routes are behind a Middleware whose WithSkipper skips them.
	Skipped
	// Bare routes have no Middleware at all, but may have a Policy.
	Bare
	// Nested routes are behind the router's Middleware and then a second
	// one that skips every request.
	Nested
)

// Route is one route of a table.
type Route struct {
	// Method is the HTTP method; "" registers the route for every method
	// (chi HandleFunc, Echo Any, Fiber All), OPTIONS included.
	Method string
	// Path uses {name} for a path parameter (net/http and chi syntax); a
	// builder converts it (":id" for Echo and Fiber). Only {id} is used.
	Path string
	Auth Auth
	// Policy, when not nil, guards the route with the adapter's Require.
	Policy core.Policy
	// Computed, when not nil, guards the route after Policy with the
	// adapter's RequireFunc: the policy it returns for the value of the
	// request's OperationHeader ("" when absent).
	Computed func(operation string) core.Policy
	// Handle answers the request.
	Handle func(Request) Reply
}

// Request is what a handler reads, filled in by the adapter's builder.
type Request struct {
	Method string
	ID     string // the {id} path parameter
	Body   io.Reader
	// Context is the request's standard context, carrying the claims
	// (core.ClaimsFromContext).
	Context context.Context
	// Authorize is the adapter's in-handler Authorize for this request:
	// false means the refusal has been answered and the handler must
	// reply Answered.
	Authorize func(core.Policy) bool
}

// Reply is what a handler answers: Status with Body encoded as JSON (no
// body for 204), or, when Raw is set, Raw as is with ContentType (such as
// the Prometheus text of GET /metrics).
type Reply struct {
	Status      int
	Body        any
	Raw         string
	ContentType string
}

// OperationHeader is the request header from which the Computed policy of
// a route is chosen (as an MCP server chooses by the JSON-RPC method).
const OperationHeader = "X-Operation"

// operationPolicy is the Computed policy of GET /api/operation: each
// operation needs its scopes, all-of rules merged into one challenge;
// "open" tries to open the route to anonymous requests, and must not; any
// other value (none included) needs a valid token only.
func operationPolicy(operation string) core.Policy {
	switch operation {
	case "read":
		return core.AllScopes("read:data")
	case "write":
		return core.And(core.AllScopes("write:data"), core.AllScopes("openid"))
	case "all":
		return core.And(core.AllScopes("read:data"), core.AllScopes("write:data", "openid"))
	case "open":
		return core.AllowAnonymous(core.Authenticated(), http.MethodGet)
	}
	return nil
}

// Answered is the Reply of a handler whose request Authorize refused: the
// builder writes nothing more.
var Answered = Reply{}

// Routes returns the example API (the routes of the behaviour contract),
// with empty stores of its own: a fresh table for each server. v answers
// GET /ready. The RFC 9728 metadata document is not in the table: every
// builder serves it with its adapter's MetadataHandler at
// core.ProtectedResourcePath, as Public.
func Routes(v *core.Verifier) []Route {
	articles, books := memstore.New(), memstore.New()
	items := core.ByMethod(map[string]core.Policy{
		http.MethodGet:    core.AnyPermission("items:read"),
		http.MethodPost:   core.AnyPermission("items:create"),
		http.MethodPatch:  core.AnyPermission("items:update"),
		http.MethodDelete: core.AnyPermission("items:delete"),
	})
	return []Route{
		{Method: "GET", Path: "/health", Auth: Public, Handle: status(http.StatusOK)},
		{Method: "GET", Path: "/public", Auth: Public, Handle: status(http.StatusOK)},
		{Method: "GET", Path: "/ready", Auth: Public, Handle: ready(v)},
		{Method: "GET", Path: "/me", Auth: Token, Handle: me},
		{Method: "GET", Path: "/me/context", Auth: Token, Handle: meFromContext},
		{Method: "GET", Path: "/optional", Auth: Optional, Handle: me},
		{Method: "", Path: "/api/any", Auth: Token, Policy: core.AnyRole("admin"), Handle: method},
		// A policy computed from the request, in addition to the static one:
		// an anonymous GET passes the Middleware and the static policy, and
		// is refused by RequireFunc's policy, whatever it is.
		{Method: "GET", Path: "/api/operation", Auth: Optional,
			Policy:   core.AllowAnonymous(core.AnyScope("read:data", "write:data"), http.MethodGet),
			Computed: operationPolicy, Handle: status(http.StatusOK)},

		{Method: "GET", Path: "/api/read", Auth: Token, Policy: core.AnyScope("read:data", "admin"), Handle: status(http.StatusOK)},
		{Method: "POST", Path: "/api/write", Auth: Token, Policy: core.AllScopes("write:data", "openid"), Handle: status(http.StatusOK)},
		{Method: "POST", Path: "/api/resource", Auth: Token, Policy: core.AnyPermission("resource:create"), Handle: status(http.StatusCreated)},
		{Method: "GET", Path: "/api/strict", Auth: Token, Policy: core.And(
			core.AnyScope("openid", "profile"), core.AnyRole("editor"), core.AnyPermission("resource:write")),
			Handle: status(http.StatusOK)},
		{Method: "GET", Path: "/admin/users", Auth: Token, Policy: core.AnyRole("admin", "superuser"), Handle: status(http.StatusOK)},
		{Method: "DELETE", Path: "/admin/users/{id}", Auth: Token, Policy: core.AllRoles("admin", "superuser"), Handle: status(http.StatusNoContent)},

		// Method-level permissions: one policy for the whole route.
		{Method: "GET", Path: "/api/items", Auth: Token, Policy: items, Handle: status(http.StatusOK)},
		{Method: "POST", Path: "/api/items", Auth: Token, Policy: items, Handle: status(http.StatusCreated)},
		{Method: "PATCH", Path: "/api/items", Auth: Token, Policy: items, Handle: status(http.StatusOK)},
		{Method: "DELETE", Path: "/api/items", Auth: Token, Policy: items, Handle: status(http.StatusNoContent)},

		// Ownership: decided in the handler, once the article is loaded.
		{Method: "POST", Path: "/articles", Auth: Token, Handle: create(articles, true)},
		{Method: "GET", Path: "/articles/{id}", Auth: Token, Handle: retrieve(articles)},
		{Method: "PATCH", Path: "/articles/{id}", Auth: Token, Handle: owned(articles, update(articles))},
		{Method: "DELETE", Path: "/articles/{id}", Auth: Token, Handle: owned(articles, destroy(articles))},

		// The DRF ViewSet case: one scope per action.
		{Method: "GET", Path: "/books", Auth: Token, Policy: core.AnyScope("book:read"), Handle: list(books)},
		{Method: "GET", Path: "/books/{id}", Auth: Token, Policy: core.AnyScope("book:read"), Handle: retrieve(books)},
		{Method: "POST", Path: "/books", Auth: Token, Policy: core.AnyScope("book:create"), Handle: create(books, false)},
		{Method: "PUT", Path: "/books/{id}", Auth: Token, Policy: core.AnyScope("book:update"), Handle: update(books)},
		{Method: "PATCH", Path: "/books/{id}", Auth: Token, Policy: core.AnyScope("book:update"), Handle: update(books)},
		{Method: "DELETE", Path: "/books/{id}", Auth: Token, Policy: core.AnyScope("book:delete"), Handle: destroy(books)},
	}
}

// Error is the Reply of a plain HTTP error: {"error": ErrorCode(status)},
// the shape of every error of the example API that is not an RFC 6750
// answer.
func Error(status int) Reply {
	return Reply{Status: status, Body: map[string]string{"error": ErrorCode(status)}}
}

// ErrorCode is 400 invalid_request (RFC 6750 §3.1), otherwise the status
// text in snake case (404 not_found, 405 method_not_allowed, 413
// request_entity_too_large), "error" for a status without a text.
func ErrorCode(status int) string {
	if status == http.StatusBadRequest {
		return "invalid_request"
	}
	text := http.StatusText(status)
	if text == "" {
		return "error"
	}
	return strings.ToLower(strings.NewReplacer(" ", "_", "-", "_", "'", "").Replace(text))
}

// Stack is what an adapter gives a router builder for the routes of a
// table. A builder registers the Bare routes (see Split) outside every
// Middleware, and puts one Middleware in front of the rest of the router
// (Token routes and unknown paths are authenticated there, so that an
// anonymous request for an unknown path gets 401, not 404), with a skipper
// that skips the paths Unauthenticated reports; each route then runs
// For(rt). M is the framework's middleware type.
type Stack[M any] struct {
	Optional M // Middleware(v, ...) with WithAnonymousMethods("GET")
	Skipped  M // Middleware(v, ...) with a WithSkipper that skips every request
	Require  func(core.Policy) M
	// RequireFunc is the adapter's RequireFunc, given a function of the
	// request's OperationHeader value, for the routes with a Computed
	// policy; a builder sets it after NewStack (For panics without it).
	RequireFunc func(policy func(operation string) core.Policy) M
}

// NewStack builds a Stack from the adapter's Middleware constructor,
// given the options every Middleware gets, the adapter's
// WithAnonymousMethods("GET") and WithSkipper(always) options, and its
// Require.
func NewStack[M, O any](middleware func(...O) M, anonymousGET, skipAll O, require func(core.Policy) M) Stack[M] {
	return Stack[M]{Optional: middleware(anonymousGET), Skipped: middleware(skipAll), Require: require}
}

// For returns the middlewares rt runs after the router's Middleware, in
// order: its own authentication, then its policy, then its computed
// policy.
func (s Stack[M]) For(rt Route) []M {
	var out []M
	switch rt.Auth {
	case Optional:
		out = append(out, s.Optional)
	case Skipped, Nested:
		out = append(out, s.Skipped)
	}
	if rt.Policy != nil {
		out = append(out, s.Require(rt.Policy))
	}
	if rt.Computed != nil {
		if s.RequireFunc == nil {
			panic("exampleapi: route " + rt.Path + " has a Computed policy and the Stack no RequireFunc")
		}
		out = append(out, s.RequireFunc(rt.Computed))
	}
	return out
}

// Split returns the Bare routes of a table, and the others.
func Split(routes []Route) (bare, rest []Route) {
	for _, rt := range routes {
		if rt.Auth == Bare {
			bare = append(bare, rt)
		} else {
			rest = append(rest, rt)
		}
	}
	return bare, rest
}

// Unauthenticated returns the skipper of a router's Middleware: it reports
// the paths of the routes that are neither Token nor Nested routes, and
// core.ProtectedResourcePath. Such routes have fixed paths (no {id}).
func Unauthenticated(routes []Route) func(path string) bool {
	skip := map[string]bool{core.ProtectedResourcePath: true}
	for _, rt := range routes {
		if rt.Auth != Token && rt.Auth != Nested {
			skip[rt.Path] = true
		}
	}
	return func(path string) bool { return skip[path] }
}

func status(code int) func(Request) Reply {
	body := map[string]string{"status": "ok"}
	if code == http.StatusCreated {
		body = map[string]string{"status": "created"}
	}
	return func(Request) Reply { return Reply{Status: code, Body: body} }
}

// ready answers 200 {"status": "ready"} once every issuer of v has usable
// keys, else 503 with {"status": "misconfigured"} when a key set needs a
// change of configuration (core.ErrKeySetMisconfigured: a discovery
// document naming another issuer, a key set URL answering 404, ...) or
// {"status": "unavailable"} for an outage, or a first fetch still running.
// The error itself is not in the answer: /ready needs no credentials and
// the error names the issuer's and internal URLs; the key set logs it, at
// Error level with what to fix, once per change.
func ready(v *core.Verifier) func(Request) Reply {
	return func(r Request) Reply {
		switch err := v.Ready(r.Context); {
		case errors.Is(err, core.ErrKeySetMisconfigured):
			return Reply{Status: http.StatusServiceUnavailable, Body: map[string]string{"status": "misconfigured"}}
		case err != nil:
			return Reply{Status: http.StatusServiceUnavailable, Body: map[string]string{"status": "unavailable"}}
		}
		return Reply{Status: http.StatusOK, Body: map[string]string{"status": "ready"}}
	}
}

// me answers {"sub": "<sub>"}, or {"sub": null} for an anonymous request.
func me(r Request) Reply {
	var sub *string
	if c, ok := core.ClaimsFromContext(r.Context); ok {
		s := c.Subject()
		sub = &s
	}
	return Reply{Status: http.StatusOK, Body: map[string]*string{"sub": sub}}
}

// meFromContext is GET /me/context: a service-layer function that gets only
// a context.Context.
func meFromContext(r Request) Reply {
	return Reply{Status: http.StatusOK, Body: map[string]string{"sub": subjectOf(r.Context)}}
}

// subjectOf is what a service layer does with the caller's context.
func subjectOf(ctx context.Context) string {
	c, _ := core.ClaimsFromContext(ctx)
	return c.Subject()
}

func method(r Request) Reply {
	return Reply{Status: http.StatusOK, Body: map[string]string{"method": r.Method}}
}

func list(s *memstore.Store) func(Request) Reply {
	return func(Request) Reply { return Reply{Status: http.StatusOK, Body: s.List()} }
}

func create(s *memstore.Store, withOwner bool) func(Request) Reply {
	return func(r Request) Reply {
		title, err := memstore.DecodeTitle(r.Body)
		if err != nil {
			return Error(http.StatusBadRequest)
		}
		owner := ""
		if withOwner {
			owner = subjectOf(r.Context)
		}
		return Reply{Status: http.StatusCreated, Body: s.Create(owner, title)}
	}
}

func retrieve(s *memstore.Store) func(Request) Reply {
	return func(r Request) Reply {
		item, ok := s.Get(r.ID)
		if !ok {
			return Error(http.StatusNotFound)
		}
		return Reply{Status: http.StatusOK, Body: item}
	}
}

// owned loads the item, lets only its owner through (403
// insufficient_scope for anyone else), then runs next.
func owned(s *memstore.Store, next func(Request) Reply) func(Request) Reply {
	return func(r Request) Reply {
		item, ok := s.Get(r.ID)
		switch {
		case !ok:
			return Error(http.StatusNotFound)
		case !r.Authorize(core.Owner(item.Owner)):
			return Answered
		}
		return next(r)
	}
}

func update(s *memstore.Store) func(Request) Reply {
	return func(r Request) Reply {
		if _, ok := s.Get(r.ID); !ok {
			return Error(http.StatusNotFound)
		}
		title, err := memstore.DecodeTitle(r.Body)
		if err != nil {
			return Error(http.StatusBadRequest)
		}
		item, ok := s.Update(r.ID, title)
		if !ok {
			return Error(http.StatusNotFound) // deleted meanwhile
		}
		return Reply{Status: http.StatusOK, Body: item}
	}
}

func destroy(s *memstore.Store) func(Request) Reply {
	return func(r Request) Reply {
		if !s.Delete(r.ID) {
			return Error(http.StatusNotFound)
		}
		return Reply{Status: http.StatusNoContent}
	}
}
