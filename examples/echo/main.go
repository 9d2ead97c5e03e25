// Command echo serves the example API of behaviour.md §5 with Echo v4 and
// echoauth. Configure it with the AXIOMS_* variables and ADDR (default
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
	"errors"
	"log"
	"net"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/axiomsgo/axioms/adapters/memstore"
	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/echoauth"
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

	e := newServer(v, m)
	e.Listener = ln // e.Start serves on it
	e.Server.ReadHeaderTimeout = 10 * time.Second
	return server.Run(ln, func(net.Listener) error { return e.Start("") }, e.Shutdown)
}

// newServer: one Middleware for every route (public paths skipped), a
// Require per route, ownership checked in the handlers, and the RFC 9728
// metadata m.
func newServer(v *core.Verifier, m *core.ResourceMetadata) *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = jsonErrors(e)
	rm := echoauth.WithResourceMetadata(m) // every challenge points to the metadata
	e.Use(echoauth.Middleware(v, rm, echoauth.WithSkipper(func(c echo.Context) bool {
		switch c.Request().URL.Path {
		case "/health", "/public", "/optional", core.ProtectedResourcePath:
			return true // Authorization is not read
		}
		return false
	})))

	e.GET("/health", ok)
	e.GET("/public", ok)
	e.GET(core.ProtectedResourcePath, echoauth.MetadataHandler(m))
	e.GET("/optional", me, echoauth.Middleware(v, rm, echoauth.WithAnonymousMethods(http.MethodGet)))
	e.GET("/me", me)

	e.GET("/api/read", ok, echoauth.Require(core.AnyScope("read:data", "admin")))
	e.POST("/api/write", ok, echoauth.Require(core.AllScopes("write:data", "openid")))
	e.POST("/api/resource", created, echoauth.Require(core.AnyPermission("resource:create")))
	e.GET("/api/strict", ok, echoauth.Require(core.And(
		core.AnyScope("openid", "profile"), core.AnyRole("editor"), core.AnyPermission("resource:write"))))

	e.GET("/admin/users", ok, echoauth.Require(core.AnyRole("admin", "superuser")))
	e.DELETE("/admin/users/:id", noContent, echoauth.Require(core.AllRoles("admin", "superuser")))

	// Method-level permissions: one policy for the whole route.
	items := echoauth.Require(core.ByMethod(map[string]core.Policy{
		http.MethodGet:    core.AnyPermission("items:read"),
		http.MethodPost:   core.AnyPermission("items:create"),
		http.MethodPatch:  core.AnyPermission("items:update"),
		http.MethodDelete: core.AnyPermission("items:delete"),
	}))
	e.GET("/api/items", ok, items)
	e.POST("/api/items", created, items)
	e.PATCH("/api/items", ok, items)
	e.DELETE("/api/items", noContent, items)

	articles := memstore.New()
	a := e.Group("/articles")
	a.POST("", func(c echo.Context) error {
		title, err := readTitle(c)
		if err != nil {
			return err
		}
		claims, _ := echoauth.Claims(c)
		return c.JSON(http.StatusCreated, articles.Create(claims.Subject(), title))
	})
	a.GET("/:id", retrieve(articles))
	// owned loads the article, then lets only its owner through.
	owned := func(c echo.Context) (memstore.Item, error) {
		item, found := articles.Get(c.Param("id"))
		if !found {
			return item, echo.ErrNotFound
		}
		return item, echoauth.Authorize(c, core.Owner(item.Owner)) // 403 insufficient_scope
	}
	a.PATCH("/:id", func(c echo.Context) error {
		item, err := owned(c)
		if err != nil {
			return err
		}
		return save(c, articles, item.ID)
	})
	a.DELETE("/:id", func(c echo.Context) error {
		item, err := owned(c)
		if err != nil {
			return err
		}
		return destroy(c, articles, item.ID)
	})

	// The DRF ViewSet case: one scope per action.
	books := memstore.New()
	b := e.Group("/books")
	read, edit := echoauth.Require(core.AnyScope("book:read")), echoauth.Require(core.AnyScope("book:update"))
	b.GET("", func(c echo.Context) error { return c.JSON(http.StatusOK, books.List()) }, read)
	b.GET("/:id", retrieve(books), read)
	b.POST("", func(c echo.Context) error {
		title, err := readTitle(c)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusCreated, books.Create("", title))
	}, echoauth.Require(core.AnyScope("book:create")))
	b.PUT("/:id", replace(books), edit)
	b.PATCH("/:id", replace(books), edit)
	b.DELETE("/:id", func(c echo.Context) error {
		return destroy(c, books, c.Param("id"))
	}, echoauth.Require(core.AnyScope("book:delete")))
	return e
}

// jsonErrors renders Echo's own errors (echo.ErrNotFound is
// {"message": "Not Found"}) as {"error": "not_found"}, the shape of every
// error of this API. echoauth's errors already have it and pass through.
func jsonErrors(e *echo.Echo) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		var he *echo.HTTPError
		if !errors.As(err, &he) {
			he = echo.ErrInternalServerError
		}
		if _, plain := he.Message.(string); plain {
			err = &echo.HTTPError{Code: he.Code, Message: map[string]string{"error": server.ErrorCode(he.Code)}}
		}
		e.DefaultHTTPErrorHandler(err, c)
	}
}

func ok(c echo.Context) error { return c.JSON(http.StatusOK, map[string]string{"status": "ok"}) }

func created(c echo.Context) error {
	return c.JSON(http.StatusCreated, map[string]string{"status": "created"})
}

func noContent(c echo.Context) error { return c.NoContent(http.StatusNoContent) }

// me answers {"sub": "<sub>"}, or {"sub": null} for an anonymous request.
func me(c echo.Context) error {
	var sub any
	if claims, ok := echoauth.Claims(c); ok {
		sub = claims.Subject()
	}
	return c.JSON(http.StatusOK, map[string]any{"sub": sub})
}

func retrieve(s *memstore.Store) echo.HandlerFunc {
	return func(c echo.Context) error {
		item, found := s.Get(c.Param("id"))
		if !found {
			return echo.ErrNotFound
		}
		return c.JSON(http.StatusOK, item)
	}
}

// replace sets the title of the :id item: PUT and PATCH take the same body.
func replace(s *memstore.Store) echo.HandlerFunc {
	return func(c echo.Context) error {
		item, found := s.Get(c.Param("id"))
		if !found {
			return echo.ErrNotFound
		}
		return save(c, s, item.ID)
	}
}

func save(c echo.Context, s *memstore.Store, id string) error {
	title, err := readTitle(c)
	if err != nil {
		return err
	}
	item, found := s.Update(id, title)
	if !found {
		return echo.ErrNotFound // deleted meanwhile
	}
	return c.JSON(http.StatusOK, item)
}

func destroy(c echo.Context, s *memstore.Store, id string) error {
	if !s.Delete(id) {
		return echo.ErrNotFound
	}
	return c.NoContent(http.StatusNoContent)
}

// readTitle decodes {"title": "..."}; anything else is 400 invalid_request.
func readTitle(c echo.Context) (string, error) {
	title, err := memstore.DecodeTitle(c.Request().Body)
	if err != nil {
		return "", echo.ErrBadRequest.WithInternal(err)
	}
	return title, nil
}
