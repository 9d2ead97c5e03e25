// Command chi serves the example API of behaviour.md §5 with go-chi/chi
// and chiauth. Configure it with the AXIOMS_* variables and ADDR (default
// 127.0.0.1:8080); with no issuer configured it trusts an embedded
// development issuer and prints curl commands with tokens.
//
// Every challenge carries resource_metadata="..." (RFC 9728), the URL of
// the metadata document served without authentication at
// /.well-known/oauth-protected-resource: PUBLIC_URL + that path when
// PUBLIC_URL is set (the URL clients reach the server at, such as
// https://api.example.com behind a proxy; https, or http on loopback),
// otherwise the scheme and Host header each request arrived with
// (X-Forwarded-* headers are not trusted).
package main

import (
	"encoding/json"
	"log"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/axiomsgo/axioms/adapters/memstore"
	"github.com/axiomsgo/axioms/chiauth"
	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/examples/internal/server"
)

func main() {
	if err := run(); err != nil {
		log.Fatal(err)
	}
}

func run() error {
	s, err := server.Setup() // ADDR, AXIOMS_* (or a development issuer), PUBLIC_URL
	if err != nil {
		return err
	}
	defer s.Close()
	v, m, ln := s.Verifier, s.Metadata, s.Listener

	srv := &http.Server{Handler: routes(v, m), ReadHeaderTimeout: 10 * time.Second}
	return server.Run(ln, srv.Serve, srv.Shutdown)
}

// routes: one Middleware for the whole router (public paths skipped),
// a Require per route or group, ownership checked in the handlers, and the
// RFC 9728 metadata m.
func routes(v *core.Verifier, m *core.ResourceMetadata) http.Handler {
	r := chi.NewRouter()
	rm := chiauth.WithResourceMetadata(m) // every challenge points to the metadata
	r.Use(chiauth.Middleware(v, rm, chiauth.WithSkipper(func(r *http.Request) bool {
		switch r.URL.Path {
		case "/health", "/public", "/optional", core.ProtectedResourcePath:
			return true // Authorization is not read
		}
		return false
	})))
	r.NotFound(func(w http.ResponseWriter, _ *http.Request) { writeError(w, http.StatusNotFound) })
	r.MethodNotAllowed(func(w http.ResponseWriter, _ *http.Request) { writeError(w, http.StatusMethodNotAllowed) })

	r.Get("/health", ok)
	r.Get("/public", ok)
	r.Method(http.MethodGet, core.ProtectedResourcePath, chiauth.MetadataHandler(m))
	r.With(chiauth.Middleware(v, rm, chiauth.WithAnonymousMethods(http.MethodGet))).Get("/optional", me)
	r.Get("/me", me)

	r.With(chiauth.Require(core.AnyScope("read:data", "admin"))).Get("/api/read", ok)
	r.With(chiauth.Require(core.AllScopes("write:data", "openid"))).Post("/api/write", ok)
	r.With(chiauth.Require(core.AnyPermission("resource:create"))).Post("/api/resource", created)
	r.With(chiauth.Require(core.And(
		core.AnyScope("openid", "profile"), core.AnyRole("editor"), core.AnyPermission("resource:write"),
	))).Get("/api/strict", ok)

	r.With(chiauth.Require(core.AnyRole("admin", "superuser"))).Get("/admin/users", ok)
	r.With(chiauth.Require(core.AllRoles("admin", "superuser"))).Delete("/admin/users/{id}", noContent)

	// Method-level permissions: one policy for the whole route.
	r.Group(func(r chi.Router) {
		r.Use(chiauth.Require(core.ByMethod(map[string]core.Policy{
			http.MethodGet:    core.AnyPermission("items:read"),
			http.MethodPost:   core.AnyPermission("items:create"),
			http.MethodPatch:  core.AnyPermission("items:update"),
			http.MethodDelete: core.AnyPermission("items:delete"),
		})))
		r.Get("/api/items", ok)
		r.Post("/api/items", created)
		r.Patch("/api/items", ok)
		r.Delete("/api/items", noContent)
	})

	articles := memstore.New()
	r.Post("/articles", func(w http.ResponseWriter, r *http.Request) {
		if title, ok := readTitle(w, r); ok {
			claims, _ := chiauth.Claims(r)
			writeJSON(w, http.StatusCreated, articles.Create(claims.Subject(), title))
		}
	})
	r.Get("/articles/{id}", retrieve(articles))
	r.Patch("/articles/{id}", func(w http.ResponseWriter, r *http.Request) {
		item, ok := load(w, r, articles)
		if !ok || !chiauth.Authorize(w, r, core.Owner(item.Owner)) {
			return // 404, or 403 insufficient_scope: not the owner
		}
		if title, ok := readTitle(w, r); ok {
			save(w, articles, item.ID, title)
		}
	})
	r.Delete("/articles/{id}", func(w http.ResponseWriter, r *http.Request) {
		item, ok := load(w, r, articles)
		if !ok || !chiauth.Authorize(w, r, core.Owner(item.Owner)) {
			return
		}
		destroy(w, articles, item.ID)
	})

	// The DRF ViewSet case: one scope per action.
	books := memstore.New()
	read := r.With(chiauth.Require(core.AnyScope("book:read")))
	read.Get("/books", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, books.List()) })
	read.Get("/books/{id}", retrieve(books))
	r.With(chiauth.Require(core.AnyScope("book:create"))).Post("/books", func(w http.ResponseWriter, r *http.Request) {
		if title, ok := readTitle(w, r); ok {
			writeJSON(w, http.StatusCreated, books.Create("", title))
		}
	})
	edit := r.With(chiauth.Require(core.AnyScope("book:update")))
	edit.Put("/books/{id}", replace(books))
	edit.Patch("/books/{id}", replace(books))
	r.With(chiauth.Require(core.AnyScope("book:delete"))).Delete("/books/{id}", func(w http.ResponseWriter, r *http.Request) {
		destroy(w, books, chi.URLParam(r, "id"))
	})
	return r
}

func ok(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func created(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusCreated, map[string]string{"status": "created"})
}

func noContent(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }

// me answers {"sub": "<sub>"}, or {"sub": null} for an anonymous request.
func me(w http.ResponseWriter, r *http.Request) {
	var sub *string
	if claims, ok := chiauth.Claims(r); ok {
		s := claims.Subject()
		sub = &s
	}
	writeJSON(w, http.StatusOK, map[string]*string{"sub": sub})
}

func retrieve(s *memstore.Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if item, ok := load(w, r, s); ok {
			writeJSON(w, http.StatusOK, item)
		}
	}
}

// load finds the item of the {id} URL parameter, or answers 404.
func load(w http.ResponseWriter, r *http.Request, s *memstore.Store) (memstore.Item, bool) {
	item, ok := s.Get(chi.URLParam(r, "id"))
	if !ok {
		writeError(w, http.StatusNotFound)
	}
	return item, ok
}

// replace sets the title of the {id} item: PUT and PATCH take the same body.
func replace(s *memstore.Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		item, ok := load(w, r, s)
		if !ok {
			return
		}
		if title, ok := readTitle(w, r); ok {
			save(w, s, item.ID, title)
		}
	}
}

func save(w http.ResponseWriter, s *memstore.Store, id, title string) {
	if item, ok := s.Update(id, title); ok {
		writeJSON(w, http.StatusOK, item)
	} else {
		writeError(w, http.StatusNotFound) // deleted meanwhile
	}
}

func destroy(w http.ResponseWriter, s *memstore.Store, id string) {
	if s.Delete(id) {
		w.WriteHeader(http.StatusNoContent)
	} else {
		writeError(w, http.StatusNotFound)
	}
}

// readTitle decodes {"title": "..."}, or answers 400 invalid_request.
func readTitle(w http.ResponseWriter, r *http.Request) (string, bool) {
	title, err := memstore.DecodeTitle(r.Body)
	if err != nil {
		writeError(w, http.StatusBadRequest)
	}
	return title, err == nil
}

func writeError(w http.ResponseWriter, status int) {
	writeJSON(w, status, map[string]string{"error": server.ErrorCode(status)})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
