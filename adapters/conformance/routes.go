package conformance

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const anonymous = "anonymous"

// routeCase is one §5 route with a fixed path: the personas it lets through
// with status, and the personas it refuses with 403 and the challenge scope
// each refusal carries.
type routeCase struct {
	method, path string
	route        string // the name in subtests when it differs from path
	status       int
	pass         []string          // may include anonymous
	deny         map[string]string // persona → scope attribute (noScope, scopeIgnored or the list)
}

var everyone = []string{"reader", "writer", "admin", "editor", "alice"}

var routeCases = []routeCase{
	{method: "GET", path: "/health", status: 200, pass: append([]string{anonymous}, everyone...)},
	{method: "GET", path: "/public", status: 200, pass: append([]string{anonymous}, everyone...)},
	{method: "GET", path: "/ready", status: 200, pass: append([]string{anonymous}, everyone...)},
	{method: "GET", path: "/me", status: 200, pass: everyone},
	{method: "GET", path: "/me/context", status: 200, pass: everyone},
	{method: "GET", path: "/optional", status: 200, pass: append([]string{anonymous}, everyone...)},
	{method: "GET", path: "/api/read", status: 200, pass: []string{"reader"},
		deny: map[string]string{"writer": "read:data admin", "admin": "read:data admin", "editor": "read:data admin"}},
	{method: "POST", path: "/api/write", status: 200, pass: []string{"writer"},
		deny: map[string]string{"reader": "write:data openid", "admin": "write:data openid", "editor": "write:data openid"}},
	{method: "GET", path: "/admin/users", status: 200, pass: []string{"admin", "adminonly"},
		deny: map[string]string{"reader": noScope, "writer": noScope, "editor": noScope}},
	{method: "DELETE", path: "/admin/users/42", route: "/admin/users/{id}", status: 204, pass: []string{"admin"},
		deny: map[string]string{"adminonly": noScope, "reader": noScope, "editor": noScope}},
	{method: "POST", path: "/api/resource", status: 201, pass: []string{"editor"},
		deny: map[string]string{"reader": noScope, "writer": noScope, "admin": noScope}},
	{method: "GET", path: "/api/strict", status: 200, pass: []string{"editor"},
		deny: map[string]string{
			"reader": scopeIgnored, "admin": scopeIgnored, // several rules unmet
			"writer":        noScope,          // role and permission unmet
			"strictnoperm":  noScope,          // permission unmet
			"strictnoscope": "openid profile", // only the scope rule unmet
		}},
	{method: "GET", path: "/api/items", status: 200, pass: []string{"editor"},
		deny: map[string]string{"reader": noScope, "admin": noScope}},
	{method: "POST", path: "/api/items", status: 201, pass: []string{"editor"},
		deny: map[string]string{"reader": noScope, "writer": noScope}},
	{method: "PATCH", path: "/api/items", status: 200, pass: []string{"editor"},
		deny: map[string]string{"reader": noScope, "admin": noScope}},
	{method: "DELETE", path: "/api/items", status: 204, pass: []string{"editor"},
		deny: map[string]string{"reader": noScope, "adminonly": noScope}},
}

// routes checks every row of the behaviour contract §5.
func (s *suite) routes(t *testing.T) {
	for _, rc := range routeCases {
		name := rc.method + " " + rc.path
		if rc.route != "" {
			name = rc.method + " " + rc.route
		}
		for _, p := range rc.pass {
			t.Run(name+"/"+p, func(t *testing.T) { s.expectPass(t, rc, p) })
		}
		for _, p := range slices.Sorted(maps.Keys(rc.deny)) {
			scope := rc.deny[p]
			t.Run(name+"/"+p, func(t *testing.T) {
				resp := s.do(t, request{method: rc.method, path: rc.path, auth: s.as(p)})
				expectError(t, resp, http.StatusForbidden, "insufficient_scope", "", scope)
			})
		}
		if !slices.Contains(rc.pass, anonymous) {
			t.Run(name+"/"+anonymous, func(t *testing.T) {
				expectNoCredentials(t, s.do(t, request{method: rc.method, path: rc.path}))
			})
		}
	}
	t.Run("every method on /api/any", s.anyMethod)
	t.Run("GET /api/operation, a computed policy", s.computed)
	s.articles(t)
	s.books(t)
	t.Run("concurrent", s.concurrent)
}

func (s *suite) expectPass(t *testing.T, rc routeCase, persona string) {
	auth := s.as(persona)
	if persona == anonymous {
		auth = nil
	}
	resp := s.do(t, request{method: rc.method, path: rc.path, auth: auth})
	switch rc.path {
	case "/me", "/me/context", "/optional":
		var want any = persona
		if persona == anonymous {
			want = nil
		}
		s.expectSub(t, resp, want)
	case "/health", "/public":
		assert.Equal(t, map[string]any{"status": "ok"}, expectJSON(t, resp, rc.status))
	case "/ready":
		assert.Equal(t, map[string]any{"status": "ready"}, expectJSON(t, resp, rc.status))
	default:
		expectJSON(t, resp, rc.status)
	}
}

// anyMethod checks /api/any, registered for every method with
// AnyRole("admin"): anonymous requests of every method, OPTIONS included,
// get 401, a token without the role 403, an admin 200 {"method": ...}.
func (s *suite) anyMethod(t *testing.T) {
	for _, method := range []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"} {
		t.Run(method, func(t *testing.T) {
			do := func(persona string) response {
				return s.do(t, request{method: method, path: "/api/any", auth: s.as(persona)})
			}
			if method == http.MethodHead { // no body to check
				for persona, want := range map[string]int{"": 401, "reader": 403, "admin": 200} {
					resp := do(persona)
					assert.Equal(t, want, resp.status, "HEAD as %q: %s", persona, resp)
				}
				return
			}
			expectNoCredentials(t, do(""))
			expectError(t, do("reader"), http.StatusForbidden, "insufficient_scope", "", noScope)
			assert.Equal(t, map[string]any{"method": method}, expectJSON(t, do("admin"), http.StatusOK))
		})
	}
}

// articles checks the ownership rows: alice creates, bob may read but not
// change, alice may change, unknown ids are 404.
func (s *suite) articles(t *testing.T) {
	var article Item
	t.Run("POST /articles/alice", func(t *testing.T) {
		resp := s.do(t, request{method: "POST", path: "/articles", auth: s.as("alice"), body: `{"title":"Hello"}`})
		article = expectItem(t, resp, http.StatusCreated)
		assert.Equal(t, Item{ID: article.ID, Owner: "alice", Title: "Hello"}, article)
	})
	t.Run("POST /articles/anonymous", func(t *testing.T) {
		expectNoCredentials(t, s.do(t, request{method: "POST", path: "/articles", body: `{"title":"x"}`}))
	})
	t.Run("POST /articles/bad JSON", func(t *testing.T) {
		resp := s.do(t, request{method: "POST", path: "/articles", auth: s.as("alice"), body: `{"title":`})
		expectAppError(t, resp, http.StatusBadRequest, "invalid_request")
	})
	if article.ID == "" {
		t.Error("no article created: skipping the /articles/{id} rows")
		return
	}
	path := "/articles/" + article.ID
	t.Run("GET /articles/{id}/bob", func(t *testing.T) {
		resp := s.do(t, request{method: "GET", path: path, auth: s.as("bob")})
		assert.Equal(t, article, expectItem(t, resp, http.StatusOK))
	})
	t.Run("GET /articles/{id}/anonymous", func(t *testing.T) {
		expectNoCredentials(t, s.do(t, request{method: "GET", path: path}))
	})
	for _, p := range []string{"bob", "editor"} {
		t.Run("PATCH /articles/{id}/"+p, func(t *testing.T) {
			resp := s.do(t, request{method: "PATCH", path: path, auth: s.as(p), body: `{"title":"Mine now"}`})
			expectError(t, resp, http.StatusForbidden, "insufficient_scope", "", noScope)
		})
		t.Run("DELETE /articles/{id}/"+p, func(t *testing.T) {
			resp := s.do(t, request{method: "DELETE", path: path, auth: s.as(p)})
			expectError(t, resp, http.StatusForbidden, "insufficient_scope", "", noScope)
		})
	}
	t.Run("PATCH /articles/{id}/anonymous", func(t *testing.T) {
		expectNoCredentials(t, s.do(t, request{method: "PATCH", path: path, body: `{"title":"x"}`}))
	})
	t.Run("PATCH /articles/{id}/alice", func(t *testing.T) {
		resp := s.do(t, request{method: "PATCH", path: path, auth: s.as("alice"), body: `{"title":"Hello again"}`})
		assert.Equal(t, Item{ID: article.ID, Owner: "alice", Title: "Hello again"}, expectItem(t, resp, http.StatusOK))
		resp = s.do(t, request{method: "GET", path: path, auth: s.as("bob")})
		assert.Equal(t, "Hello again", expectItem(t, resp, http.StatusOK).Title, "the update is stored")
	})
	t.Run("DELETE /articles/{id}/alice", func(t *testing.T) {
		expectJSON(t, s.do(t, request{method: "DELETE", path: path, auth: s.as("alice")}), http.StatusNoContent)
		expectAppError(t, s.do(t, request{method: "GET", path: path, auth: s.as("alice")}), http.StatusNotFound, "not_found")
	})
	for _, m := range []string{"GET", "PATCH", "DELETE"} {
		t.Run(m+" /articles/{id}/unknown id", func(t *testing.T) {
			resp := s.do(t, request{method: m, path: "/articles/no-such-article", auth: s.as("alice"), body: bodyFor(m)})
			expectAppError(t, resp, http.StatusNotFound, "not_found")
		})
	}
}

// books checks the action-level rows (the DRF ViewSet case).
func (s *suite) books(t *testing.T) {
	var book Item
	t.Run("POST /books/librarian", func(t *testing.T) {
		resp := s.do(t, request{method: "POST", path: "/books", auth: s.as("librarian"), body: `{"title":"Dune"}`})
		book = expectItem(t, resp, http.StatusCreated)
		assert.Equal(t, "Dune", book.Title)
	})
	t.Run("POST /books/bad JSON", func(t *testing.T) {
		resp := s.do(t, request{method: "POST", path: "/books", auth: s.as("librarian"), body: `not json`})
		expectAppError(t, resp, http.StatusBadRequest, "invalid_request")
	})
	if book.ID == "" {
		t.Error("no book created: skipping the /books/{id} rows")
		return
	}
	path := "/books/" + book.ID
	t.Run("GET /books/librarian", func(t *testing.T) { s.expectBookList(t, "librarian", book) })
	t.Run("GET /books/bookreader", func(t *testing.T) { s.expectBookList(t, "bookreader", book) })
	for _, p := range []string{"librarian", "bookreader"} {
		t.Run("GET /books/{id}/"+p, func(t *testing.T) {
			assert.Equal(t, book, expectItem(t, s.do(t, request{method: "GET", path: path, auth: s.as(p)}), http.StatusOK))
		})
	}
	for _, m := range []string{"PUT", "PATCH"} {
		t.Run(m+" /books/{id}/librarian", func(t *testing.T) {
			title := "Dune (" + m + ")"
			resp := s.do(t, request{method: m, path: path, auth: s.as("librarian"), body: fmt.Sprintf(`{"title":%q}`, title)})
			assert.Equal(t, title, expectItem(t, resp, http.StatusOK).Title)
		})
	}
	denials := []struct{ method, path, route, persona, scope string }{
		{"GET", "/books", "/books", "reader", "book:read"},
		{"GET", path, "/books/{id}", "reader", "book:read"},
		{"POST", "/books", "/books", "bookreader", "book:create"},
		{"PUT", path, "/books/{id}", "bookreader", "book:update"},
		{"PATCH", path, "/books/{id}", "bookreader", "book:update"},
		{"DELETE", path, "/books/{id}", "bookreader", "book:delete"},
	}
	for _, d := range denials {
		t.Run(d.method+" "+d.route+"/"+d.persona, func(t *testing.T) {
			resp := s.do(t, request{method: d.method, path: d.path, auth: s.as(d.persona), body: bodyFor(d.method)})
			expectError(t, resp, http.StatusForbidden, "insufficient_scope", "", d.scope)
		})
		t.Run(d.method+" "+d.route+"/"+anonymous, func(t *testing.T) {
			expectNoCredentials(t, s.do(t, request{method: d.method, path: d.path, body: bodyFor(d.method)}))
		})
	}
	t.Run("DELETE /books/{id}/librarian", func(t *testing.T) {
		expectJSON(t, s.do(t, request{method: "DELETE", path: path, auth: s.as("librarian")}), http.StatusNoContent)
		expectAppError(t, s.do(t, request{method: "GET", path: path, auth: s.as("librarian")}), http.StatusNotFound, "not_found")
	})
	for _, m := range []string{"GET", "PUT", "PATCH", "DELETE"} {
		t.Run(m+" /books/{id}/unknown id", func(t *testing.T) {
			resp := s.do(t, request{method: m, path: "/books/no-such-book", auth: s.as("librarian"), body: bodyFor(m)})
			expectAppError(t, resp, http.StatusNotFound, "not_found")
		})
	}
}

func (s *suite) expectBookList(t *testing.T, persona string, book Item) {
	resp := s.do(t, request{method: "GET", path: "/books", auth: s.as(persona)})
	expectJSON(t, resp, http.StatusOK)
	var list []Item
	require.NoError(t, json.Unmarshal(resp.body, &list), "GET /books answers a JSON array of items: %s", resp.body)
	assert.Contains(t, list, book)
}

// bodyFor returns a valid item body for methods that take one.
func bodyFor(method string) string {
	switch method {
	case "POST", "PUT", "PATCH":
		return `{"title":"t"}`
	}
	return ""
}

// concurrent sends 50 requests at once, mixing personas and routes; every
// answer must be the one the persona gets alone.
func (s *suite) concurrent(t *testing.T) {
	type probe struct {
		persona, method, path string
		status                int
		sub                   string // expected sub of /me, or owner of a created article
	}
	probes := []probe{
		{"reader", "GET", "/me", 200, "reader"},
		{"writer", "GET", "/me", 200, "writer"},
		{"reader", "GET", "/api/read", 200, ""},
		{"writer", "GET", "/api/read", 403, ""},
		{"admin", "GET", "/admin/users", 200, ""},
		{"editor", "GET", "/api/strict", 200, ""},
		{"editor", "POST", "/api/items", 201, ""},
		{"", "GET", "/me", 401, ""},
		{"alice", "POST", "/articles", 201, "alice"},
		{"bob", "POST", "/articles", 201, "bob"},
	}
	var wg sync.WaitGroup
	for n := range 50 {
		p := probes[n%len(probes)]
		wg.Go(func() {
			rq := request{method: p.method, path: p.path, auth: s.as(p.persona)}
			if p.path == "/articles" {
				rq.body = fmt.Sprintf(`{"title":"concurrent %d"}`, n)
			}
			resp, err := s.send(s.base, rq)
			if !assert.NoError(t, err) || !assert.Equal(t, p.status, resp.status, "%s %s as %q: %s", p.method, p.path, p.persona, resp) {
				return
			}
			if p.sub == "" {
				return
			}
			var body map[string]any
			if assert.NoError(t, json.Unmarshal(resp.body, &body)) {
				key := "sub"
				if p.path == "/articles" {
					key = "owner"
				}
				assert.Equal(t, p.sub, body[key], "%s %s as %q", p.method, p.path, p.persona)
			}
		})
	}
	wg.Wait()
}

// computed checks GET /api/operation: a static policy (anonymous GET, or
// scope read:data or write:data) and, with RequireFunc, the policy chosen
// by the X-Operation header. The computed policy only adds to the static
// one, names every scope it needs in one challenge (all-of rules merged),
// and never lets a request without a token through, even when it is
// AllowAnonymous or nil.
func (s *suite) computed(t *testing.T) {
	for _, tc := range []struct {
		operation, persona string
		status             int
		scope              string // of the refusal
	}{
		{"read", "reader", 200, ""},
		{"read", "writer", 403, "read:data"},
		{"write", "writer", 200, ""},
		{"write", "reader", 403, "write:data openid"},
		{"all", "writer", 403, "read:data write:data openid"},
		{"all", "reader", 403, "read:data write:data openid"},
		{"", "reader", 200, ""},
		{"open", "writer", 200, ""},
		{"read", "admin", 403, "read:data write:data"}, // the static policy refuses first
		{"open", "admin", 403, "read:data write:data"},
		{"read", anonymous, 401, "read:data"}, // the challenge names the computed policy's scope
		{"all", anonymous, 401, "read:data write:data openid"},
		{"open", anonymous, 401, ""},
		{"", anonymous, 401, ""},
	} {
		t.Run(tc.operation+"/"+tc.persona, func(t *testing.T) {
			rq := request{method: http.MethodGet, path: "/api/operation", header: http.Header{"X-Operation": {tc.operation}}}
			if tc.persona != anonymous {
				rq.auth = s.as(tc.persona)
			}
			resp := s.do(t, rq)
			switch tc.status {
			case http.StatusOK:
				expectJSON(t, resp, http.StatusOK)
			case http.StatusUnauthorized:
				expectNoCredentials(t, resp, tc.scope)
			default:
				expectError(t, resp, tc.status, "insufficient_scope", "insufficient scope", tc.scope)
			}
		})
	}
	t.Run("invalid token", func(t *testing.T) {
		resp := s.do(t, request{method: http.MethodGet, path: "/api/operation", auth: bearer("abc.def.ghi"),
			header: http.Header{"X-Operation": {"open"}}})
		expectError(t, resp, http.StatusUnauthorized, "invalid_token", "", noScope)
	})
}
