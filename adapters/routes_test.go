package adapters_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/axiomsgo/axioms/adapters"
	"github.com/axiomsgo/axioms/adapters/conformance"
	"github.com/axiomsgo/axioms/core"
)

// serve is the conformance Harness of the net/http middleware: the
// behaviour.md §5 routes on an http.ServeMux, with RFC 9728 metadata m.
func serve(tb testing.TB, v *core.Verifier, m *core.ResourceMetadata) string {
	srv := httptest.NewServer(routes(v, m, conformance.NewStore(), conformance.NewStore()))
	tb.Cleanup(srv.Close)
	return srv.URL
}

// routes builds the standard routes: Middleware on every protected route,
// Require for its policy, Authorize for ownership inside the handlers, and
// the RFC 9728 document of m.
func routes(v *core.Verifier, m *core.ResourceMetadata, articles, books *conformance.Store) http.Handler {
	rm := adapters.WithResourceMetadata(m)
	auth := adapters.Middleware(v, rm)
	guard := func(p core.Policy, h http.Handler) http.Handler { return auth(adapters.Require(p)(h)) }
	mux := http.NewServeMux()

	mux.HandleFunc("GET /health", ok(http.StatusOK))
	mux.HandleFunc("GET /public", ok(http.StatusOK))
	mux.Handle("GET "+core.ProtectedResourcePath, adapters.MetadataHandler(m))
	mux.Handle("GET /me", auth(http.HandlerFunc(me)))
	mux.Handle("GET /optional", adapters.Middleware(v, rm, adapters.WithAnonymousMethods("GET"))(http.HandlerFunc(me)))

	mux.Handle("GET /api/read", guard(core.AnyScope("read:data", "admin"), ok(http.StatusOK)))
	mux.Handle("POST /api/write", guard(core.AllScopes("write:data", "openid"), ok(http.StatusOK)))
	mux.Handle("GET /admin/users", guard(core.AnyRole("admin", "superuser"), ok(http.StatusOK)))
	mux.Handle("DELETE /admin/users/{id}", guard(core.AllRoles("admin", "superuser"), ok(http.StatusNoContent)))
	mux.Handle("POST /api/resource", guard(core.AnyPermission("resource:create"), ok(http.StatusCreated)))
	mux.Handle("GET /api/strict", guard(core.And(core.AnyScope("openid", "profile"), core.AnyRole("editor"),
		core.AnyPermission("resource:write")), ok(http.StatusOK)))

	items := core.ByMethod(map[string]core.Policy{
		"GET":    core.AnyPermission("items:read"),
		"POST":   core.AnyPermission("items:create"),
		"PATCH":  core.AnyPermission("items:update"),
		"DELETE": core.AnyPermission("items:delete"),
	})
	mux.Handle("GET /api/items", guard(items, ok(http.StatusOK)))
	mux.Handle("POST /api/items", guard(items, ok(http.StatusCreated)))
	mux.Handle("PATCH /api/items", guard(items, ok(http.StatusOK)))
	mux.Handle("DELETE /api/items", guard(items, ok(http.StatusNoContent)))

	a := articleRoutes{articles}
	mux.Handle("POST /articles", auth(http.HandlerFunc(a.create)))
	mux.Handle("GET /articles/{id}", auth(http.HandlerFunc(a.get)))
	mux.Handle("PATCH /articles/{id}", auth(http.HandlerFunc(a.update)))
	mux.Handle("DELETE /articles/{id}", auth(http.HandlerFunc(a.delete)))

	// The DRF ViewSet case: one policy per action of the whole resource.
	b := bookRoutes{books}
	viewSet := core.ByMethod(map[string]core.Policy{
		"GET":    core.AnyScope("book:read"),
		"POST":   core.AnyScope("book:create"),
		"PUT":    core.AnyScope("book:update"),
		"PATCH":  core.AnyScope("book:update"),
		"DELETE": core.AnyScope("book:delete"),
	})
	mux.Handle("GET /books", guard(viewSet, http.HandlerFunc(b.list)))
	mux.Handle("POST /books", guard(viewSet, http.HandlerFunc(b.create)))
	mux.Handle("GET /books/{id}", guard(viewSet, http.HandlerFunc(b.get)))
	mux.Handle("PUT /books/{id}", guard(viewSet, http.HandlerFunc(b.update)))
	mux.Handle("PATCH /books/{id}", guard(viewSet, http.HandlerFunc(b.update)))
	mux.Handle("DELETE /books/{id}", guard(viewSet, http.HandlerFunc(b.delete)))
	return mux
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// ok answers status with {"status":"ok"} (204: no body).
func ok(status int) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		if status == http.StatusNoContent {
			w.WriteHeader(status)
			return
		}
		writeJSON(w, status, map[string]string{"status": "ok"})
	}
}

// me answers {"sub": "<sub>"}, or {"sub": null} for an anonymous request.
func me(w http.ResponseWriter, r *http.Request) {
	var sub *string
	if c, ok := adapters.Claims(r); ok {
		s := c.Subject()
		sub = &s
	}
	writeJSON(w, http.StatusOK, map[string]*string{"sub": sub})
}

func notFound(w http.ResponseWriter) {
	writeJSON(w, http.StatusNotFound, map[string]string{"error": "not_found"})
}

// readTitle reads a {"title": "..."} body, answering 400 when it is not one.
func readTitle(w http.ResponseWriter, r *http.Request) (string, bool) {
	var in struct {
		Title *string `json:"title"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&in); err != nil || in.Title == nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
		return "", false
	}
	return *in.Title, true
}

type articleRoutes struct{ store *conformance.Store }

func (a articleRoutes) create(w http.ResponseWriter, r *http.Request) {
	c, _ := adapters.Claims(r) // Middleware let only valid tokens through
	if title, ok := readTitle(w, r); ok {
		writeJSON(w, http.StatusCreated, a.store.Create(c.Subject(), title))
	}
}

func (a articleRoutes) get(w http.ResponseWriter, r *http.Request) {
	if it, ok := a.store.Get(r.PathValue("id")); ok {
		writeJSON(w, http.StatusOK, it)
		return
	}
	notFound(w)
}

// load finds the article and checks that the caller owns it.
func (a articleRoutes) load(w http.ResponseWriter, r *http.Request) (conformance.Item, bool) {
	it, ok := a.store.Get(r.PathValue("id"))
	if !ok {
		notFound(w)
		return it, false
	}
	return it, adapters.Authorize(w, r, core.Owner(it.Owner))
}

func (a articleRoutes) update(w http.ResponseWriter, r *http.Request) {
	it, ok := a.load(w, r)
	if !ok {
		return
	}
	if title, ok := readTitle(w, r); ok {
		it, _ = a.store.Update(it.ID, title)
		writeJSON(w, http.StatusOK, it)
	}
}

func (a articleRoutes) delete(w http.ResponseWriter, r *http.Request) {
	if it, ok := a.load(w, r); ok {
		a.store.Delete(it.ID)
		w.WriteHeader(http.StatusNoContent)
	}
}

type bookRoutes struct{ store *conformance.Store }

func (b bookRoutes) list(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, b.store.List())
}

func (b bookRoutes) create(w http.ResponseWriter, r *http.Request) {
	if title, ok := readTitle(w, r); ok {
		writeJSON(w, http.StatusCreated, b.store.Create("", title))
	}
}

func (b bookRoutes) get(w http.ResponseWriter, r *http.Request) {
	if it, ok := b.store.Get(r.PathValue("id")); ok {
		writeJSON(w, http.StatusOK, it)
		return
	}
	notFound(w)
}

func (b bookRoutes) update(w http.ResponseWriter, r *http.Request) {
	if _, ok := b.store.Get(r.PathValue("id")); !ok {
		notFound(w)
		return
	}
	if title, ok := readTitle(w, r); ok {
		if it, ok := b.store.Update(r.PathValue("id"), title); ok {
			writeJSON(w, http.StatusOK, it)
			return
		}
		notFound(w)
	}
}

func (b bookRoutes) delete(w http.ResponseWriter, r *http.Request) {
	if !b.store.Delete(r.PathValue("id")) {
		notFound(w)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
