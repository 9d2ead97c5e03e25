// Command fiber serves the example API of behaviour.md §5 with Fiber v2
// and fiberauth. Configure it with the AXIOMS_* variables and ADDR (default
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
	"bytes"
	"errors"
	"log"

	"github.com/gofiber/fiber/v2"

	"github.com/axiomsgo/axioms/adapters/memstore"
	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/examples/internal/server"
	"github.com/axiomsgo/axioms/fiberauth"
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

	app := newApp(v, m)
	return server.Run(ln, app.Listener, app.ShutdownWithContext)
}

// newApp: one Middleware for every route (public paths skipped), a Require
// per route or group, ownership checked in the handlers, and the RFC 9728
// metadata m.
func newApp(v *core.Verifier, m *core.ResourceMetadata) *fiber.App {
	app := fiber.New(fiber.Config{
		DisableStartupMessage: true,
		StrictRouting:         true,     // "/me/" is not "/me", as in Echo and chi
		CaseSensitive:         true,     // nor is "/ME"
		ReadBufferSize:        32 << 10, // request headers with tokens up to 16 KiB
		ErrorHandler:          jsonError,
	})
	rm := fiberauth.WithResourceMetadata(m) // every challenge points to the metadata
	app.Use(fiberauth.Middleware(v, rm, fiberauth.WithSkipper(func(c *fiber.Ctx) bool {
		switch c.Path() {
		case "/health", "/public", "/optional", core.ProtectedResourcePath:
			return true // Authorization is not read
		}
		return false
	})))

	app.Get("/health", ok)
	app.Get("/public", ok)
	app.Get(core.ProtectedResourcePath, fiberauth.MetadataHandler(m))
	app.Get("/optional", fiberauth.Middleware(v, rm, fiberauth.WithAnonymousMethods(fiber.MethodGet)), me)
	app.Get("/me", me)

	api := app.Group("/api")
	api.Get("/read", fiberauth.Require(core.AnyScope("read:data", "admin")), ok)
	api.Post("/write", fiberauth.Require(core.AllScopes("write:data", "openid")), ok)
	api.Post("/resource", fiberauth.Require(core.AnyPermission("resource:create")), created)
	api.Get("/strict", fiberauth.Require(core.And(
		core.AnyScope("openid", "profile"), core.AnyRole("editor"), core.AnyPermission("resource:write"),
	)), ok)

	// Method-level permissions: one policy for the whole route.
	items := fiberauth.Require(core.ByMethod(map[string]core.Policy{
		fiber.MethodGet:    core.AnyPermission("items:read"),
		fiber.MethodPost:   core.AnyPermission("items:create"),
		fiber.MethodPatch:  core.AnyPermission("items:update"),
		fiber.MethodDelete: core.AnyPermission("items:delete"),
	}))
	api.Get("/items", items, ok)
	api.Post("/items", items, created)
	api.Patch("/items", items, ok)
	api.Delete("/items", items, noContent)

	app.Get("/admin/users", fiberauth.Require(core.AnyRole("admin", "superuser")), ok)
	app.Delete("/admin/users/:id", fiberauth.Require(core.AllRoles("admin", "superuser")), noContent)

	articles := memstore.New()
	art := app.Group("/articles")
	art.Post("", func(c *fiber.Ctx) error {
		title, err := readTitle(c)
		if err != nil {
			return err
		}
		claims, _ := fiberauth.Claims(c)
		return c.Status(fiber.StatusCreated).JSON(articles.Create(claims.Subject(), title))
	})
	art.Get("/:id", retrieve(articles))
	// owned loads the article, then lets only its owner through.
	owned := func(c *fiber.Ctx) (memstore.Item, error) {
		item, found := articles.Get(c.Params("id"))
		if !found {
			return item, fiber.ErrNotFound
		}
		return item, fiberauth.Authorize(c, core.Owner(item.Owner)) // 403 insufficient_scope
	}
	art.Patch("/:id", func(c *fiber.Ctx) error {
		item, err := owned(c)
		if err != nil {
			return err
		}
		return save(c, articles, item.ID)
	})
	art.Delete("/:id", func(c *fiber.Ctx) error {
		item, err := owned(c)
		if err != nil {
			return err
		}
		return destroy(c, articles, item.ID)
	})

	// The DRF ViewSet case: one scope per action.
	books := memstore.New()
	bk := app.Group("/books")
	read, edit := fiberauth.Require(core.AnyScope("book:read")), fiberauth.Require(core.AnyScope("book:update"))
	bk.Get("", read, func(c *fiber.Ctx) error { return c.JSON(books.List()) })
	bk.Get("/:id", read, retrieve(books))
	bk.Post("", fiberauth.Require(core.AnyScope("book:create")), func(c *fiber.Ctx) error {
		title, err := readTitle(c)
		if err != nil {
			return err
		}
		return c.Status(fiber.StatusCreated).JSON(books.Create("", title))
	})
	bk.Put("/:id", edit, replace(books))
	bk.Patch("/:id", edit, replace(books))
	bk.Delete("/:id", fiberauth.Require(core.AnyScope("book:delete")), func(c *fiber.Ctx) error {
		return destroy(c, books, c.Params("id")) // the store does not keep the id
	})
	return app
}

// jsonError answers Fiber's errors (fiber.ErrNotFound for an unknown route
// or item, 405, 400 ...) as {"error": "not_found"}, the shape of every
// error of this API; fiberauth answers its own errors before they get here.
func jsonError(c *fiber.Ctx, err error) error {
	code := fiber.StatusInternalServerError
	var fe *fiber.Error
	if errors.As(err, &fe) {
		code = fe.Code
	}
	return c.Status(code).JSON(fiber.Map{"error": server.ErrorCode(code)})
}

func ok(c *fiber.Ctx) error { return c.JSON(fiber.Map{"status": "ok"}) }

func created(c *fiber.Ctx) error {
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"status": "created"})
}

func noContent(c *fiber.Ctx) error { return c.SendStatus(fiber.StatusNoContent) }

// me answers {"sub": "<sub>"}, or {"sub": null} for an anonymous request.
func me(c *fiber.Ctx) error {
	if claims, ok := fiberauth.Claims(c); ok {
		return c.JSON(fiber.Map{"sub": claims.Subject()})
	}
	return c.JSON(fiber.Map{"sub": nil})
}

func retrieve(s *memstore.Store) fiber.Handler {
	return func(c *fiber.Ctx) error {
		item, found := s.Get(c.Params("id"))
		if !found {
			return fiber.ErrNotFound
		}
		return c.JSON(item)
	}
}

// replace sets the title of the :id item: PUT and PATCH take the same body.
func replace(s *memstore.Store) fiber.Handler {
	return func(c *fiber.Ctx) error {
		item, found := s.Get(c.Params("id"))
		if !found {
			return fiber.ErrNotFound
		}
		return save(c, s, item.ID)
	}
}

func save(c *fiber.Ctx, s *memstore.Store, id string) error {
	title, err := readTitle(c)
	if err != nil {
		return err
	}
	item, found := s.Update(id, title)
	if !found {
		return fiber.ErrNotFound // deleted meanwhile
	}
	return c.JSON(item)
}

func destroy(c *fiber.Ctx, s *memstore.Store, id string) error {
	if !s.Delete(id) {
		return fiber.ErrNotFound
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// readTitle decodes {"title": "..."}; anything else is 400 invalid_request.
// The title is a copy (encoding/json), independent of fasthttp's buffers.
func readTitle(c *fiber.Ctx) (string, error) {
	title, err := memstore.DecodeTitle(bytes.NewReader(c.Body()))
	if err != nil {
		return "", fiber.ErrBadRequest
	}
	return title, nil
}
