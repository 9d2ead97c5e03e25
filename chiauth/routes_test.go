package chiauth_test

import (
	"encoding/json"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/axiomsgo/axioms/adapters/conformance"
	"github.com/axiomsgo/axioms/chiauth"
	"github.com/axiomsgo/axioms/core"
)

// standardRoutes serves behaviour.md §5 the way a chi user would write it,
// with RFC 9728 metadata m.
func standardRoutes(v *core.Verifier, m *core.ResourceMetadata) http.Handler {
	articles, books := conformance.NewStore(), conformance.NewStore()
	r := chi.NewRouter()
	rm := chiauth.WithResourceMetadata(m)

	// Public: no Middleware, so Authorization is never read.
	r.Get("/health", status)
	r.Get("/public", status)
	r.Method(http.MethodGet, core.ProtectedResourcePath, chiauth.MetadataHandler(m))

	// Anonymous GET allowed; present bearer credentials must be valid.
	r.With(chiauth.Middleware(v, rm, chiauth.WithAnonymousMethods(http.MethodGet))).Get("/optional", me)

	r.Group(func(r chi.Router) {
		r.Use(chiauth.Middleware(v, rm))
		r.Get("/me", me)

		r.With(chiauth.Require(core.AnyScope("read:data", "admin"))).Get("/api/read", status)
		r.With(chiauth.Require(core.AllScopes("write:data", "openid"))).Post("/api/write", status)
		r.With(chiauth.Require(core.AnyPermission("resource:create"))).Post("/api/resource", created)
		r.With(chiauth.Require(core.And(
			core.AnyScope("openid", "profile"),
			core.AnyRole("editor"),
			core.AnyPermission("resource:write"),
		))).Get("/api/strict", status)

		r.With(chiauth.Require(core.AnyRole("admin", "superuser"))).Get("/admin/users", status)
		r.With(chiauth.Require(core.AllRoles("admin", "superuser"))).Delete("/admin/users/{id}", noContent)

		r.Route("/api/items", func(r chi.Router) {
			r.Use(chiauth.Require(core.ByMethod(map[string]core.Policy{
				http.MethodGet:    core.AnyPermission("items:read"),
				http.MethodPost:   core.AnyPermission("items:create"),
				http.MethodPatch:  core.AnyPermission("items:update"),
				http.MethodDelete: core.AnyPermission("items:delete"),
			})))
			r.Get("/", status)
			r.Post("/", created)
			r.Patch("/", status)
			r.Delete("/", noContent)
		})

		r.Route("/articles", func(r chi.Router) {
			r.Post("/", createItem(articles, true))
			r.Get("/{id}", getItem(articles))
			r.Patch("/{id}", updateArticle(articles))
			r.Delete("/{id}", deleteArticle(articles))
		})

		// The DRF ViewSet case: one scope per action.
		r.Route("/books", func(r chi.Router) {
			read := r.With(chiauth.Require(core.AnyScope("book:read")))
			update := r.With(chiauth.Require(core.AnyScope("book:update")))
			read.Get("/", listItems(books))
			read.Get("/{id}", getItem(books))
			r.With(chiauth.Require(core.AnyScope("book:create"))).Post("/", createItem(books, false))
			update.Put("/{id}", updateItem(books))
			update.Patch("/{id}", updateItem(books))
			r.With(chiauth.Require(core.AnyScope("book:delete"))).Delete("/{id}", deleteItem(books))
		})
	})
	return r
}

func status(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func created(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusCreated, map[string]string{"status": "created"})
}

func noContent(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }

func me(w http.ResponseWriter, r *http.Request) {
	var sub *string
	if c, ok := chiauth.Claims(r); ok {
		s := c.Subject()
		sub = &s
	}
	writeJSON(w, http.StatusOK, map[string]*string{"sub": sub})
}

func createItem(s *conformance.Store, owned bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		title, ok := readTitle(w, r)
		if !ok {
			return
		}
		owner := ""
		if c, ok := chiauth.Claims(r); ok && owned {
			owner = c.Subject()
		}
		writeJSON(w, http.StatusCreated, s.Create(owner, title))
	}
}

func listItems(s *conformance.Store) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, s.List()) }
}

func getItem(s *conformance.Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if item, ok := load(w, r, s); ok {
			writeJSON(w, http.StatusOK, item)
		}
	}
}

func updateItem(s *conformance.Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		item, ok := load(w, r, s)
		if !ok {
			return
		}
		save(w, r, s, item)
	}
}

func deleteItem(s *conformance.Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if item, ok := load(w, r, s); ok {
			s.Delete(item.ID)
			w.WriteHeader(http.StatusNoContent)
		}
	}
}

// updateArticle and deleteArticle check ownership after loading the object.
func updateArticle(s *conformance.Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		item, ok := load(w, r, s)
		if !ok || !chiauth.Authorize(w, r, core.Owner(item.Owner)) {
			return
		}
		save(w, r, s, item)
	}
}

func deleteArticle(s *conformance.Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		item, ok := load(w, r, s)
		if !ok || !chiauth.Authorize(w, r, core.Owner(item.Owner)) {
			return
		}
		s.Delete(item.ID)
		w.WriteHeader(http.StatusNoContent)
	}
}

func load(w http.ResponseWriter, r *http.Request, s *conformance.Store) (conformance.Item, bool) {
	item, ok := s.Get(chi.URLParam(r, "id"))
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "not_found"})
	}
	return item, ok
}

func save(w http.ResponseWriter, r *http.Request, s *conformance.Store, item conformance.Item) {
	title, ok := readTitle(w, r)
	if !ok {
		return
	}
	if item, ok = s.Update(item.ID, title); !ok { // deleted meanwhile
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "not_found"})
		return
	}
	writeJSON(w, http.StatusOK, item)
}

func readTitle(w http.ResponseWriter, r *http.Request) (string, bool) {
	var body struct {
		Title string `json:"title"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&body); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
		return "", false
	}
	return body.Title, true
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
