// Package conformance is the one behaviour suite every adapter must pass:
// behaviour.md §2, §4, §5 and the RFC 9728 part of §6 end to end, with real
// HTTP requests, real keys and a loopback JWKS.
//
// An adapter's test calls Run with a Harness whose Serve starts a server
// with the standard routes below, protected through the adapter with the
// given verifier and publishing the given RFC 9728 metadata:
//
//	func TestConformance(t *testing.T) {
//		conformance.Run(t, conformance.Harness{Serve: func(tb testing.TB, v *core.Verifier, m *core.ResourceMetadata) string {
//			srv := httptest.NewServer(routes(v, m, conformance.NewStore(), conformance.NewStore()))
//			tb.Cleanup(srv.Close)
//			return srv.URL
//		}})
//	}
//
// A server that builds its verifier itself from the AXIOMS_* environment,
// such as an example server started as a process, is run with ServeEnv
// instead: it gets the variables naming the suite's issuer (and PUBLIC_URL
// for its public URL, when the suite sets one).
//
// # Standard routes (behaviour.md §5)
//
// Success bodies are JSON (Content-Type application/json); 204 has no body.
// Every Middleware has the adapter's WithResourceMetadata(m), so that every
// challenge (400, 401, 403) carries resource_metadata="..." (RFC 9728 §5.1).
//
//	GET /health, GET /public    no authentication (skipped, or not behind the
//	                            middleware: Authorization is not read)
//	                            → 200 {"status":"ok"}
//	GET /.well-known/oauth-protected-resource
//	                            no authentication, the adapter's
//	                            MetadataHandler(m) → 200 m's JSON document
//	GET /me                     valid token → 200 {"sub":"<sub>"}
//	GET /optional               WithAnonymousMethods("GET"): no credentials (or
//	                            another scheme) → 200 {"sub":null}; a bearer
//	                            token must be valid → 200 {"sub":"<sub>"}
//	GET /api/read               AnyScope("read:data", "admin") → 200
//	POST /api/write             AllScopes("write:data", "openid") → 200
//	GET /admin/users            AnyRole("admin", "superuser") → 200
//	DELETE /admin/users/{id}    AllRoles("admin", "superuser") → 204
//	POST /api/resource          AnyPermission("resource:create") → 201
//	GET /api/strict             And(AnyScope("openid", "profile"),
//	                            AnyRole("editor"), AnyPermission("resource:write"))
//	                            → 200
//	GET|POST|PATCH|DELETE /api/items
//	                            ByMethod: AnyPermission("items:read"),
//	                            "items:create", "items:update", "items:delete"
//	                            → 200 / 201 / 200 / 204
//	POST /articles              valid token, body {"title":"..."}
//	                            → 201 {"id","owner":"<sub>","title"}
//	GET /articles/{id}          valid token → 200 the Item; 404 unknown
//	PATCH /articles/{id}        valid token; load the article (404 unknown),
//	                            then Authorize(core.Owner(item.Owner)) (403),
//	                            then read {"title"} → 200 the updated Item
//	DELETE /articles/{id}       the same → 204
//	GET /books                  AnyScope("book:read") → 200 JSON array of Items (Store.List)
//	GET /books/{id}             AnyScope("book:read") → 200 the Item; 404 unknown
//	POST /books                 AnyScope("book:create"), body {"title"} → 201 the Item (no owner)
//	PUT, PATCH /books/{id}      AnyScope("book:update"), body {"title"} → 200 the Item; 404 unknown
//	DELETE /books/{id}          AnyScope("book:delete") → 204; 404 unknown
//
// (The /books scopes may equally be one ByMethod policy for the whole
// resource: GET book:read, POST book:create, PUT and PATCH book:update,
// DELETE book:delete.) Unknown ids answer 404 {"error":"not_found"}; a POST,
// PUT or PATCH body that is not a JSON object with a string "title" answers
// 400 {"error":"invalid_request"} (after authentication and policy). Use one
// NewStore for articles and another for books.
//
// # What Run checks
//
// Run starts an authtest issuer (RS256), builds a verifier from its Config
// and metadata deriving its URL from each request
// (core.NewResourceMetadata(v.ProtectedResource(), "")), calls Serve once
// (or ServeEnv with AXIOMS_ISS_URL, AXIOMS_JWKS_URL and AXIOMS_AUDIENCE
// naming that issuer), and runs subtests named by section and row, for
// example "§5/GET /api/read/reader": every §5 row for each persona that
// passes and for personas that fail (exact status, JSON bodies, challenges
// with scope="..." for scope rules only, ownership, 404s), the §2
// credential rules and the §4 error rules through the routes, and 50
// concurrent requests mixing personas. Every 400, 401 and 403 challenge
// must carry resource_metadata with the document's absolute URL (here the
// server's base URL + core.ProtectedResourcePath). §6 checks the document
// (resource = the audience, authorization_servers = [the issuer],
// bearer_methods_supported = ["header"]), that the parameter follows the
// Host header only when it is a plain host[:port] and never X-Forwarded-*,
// and, on a second server with a public URL (https://api.example.test/base;
// ServeEnv: PUBLIC_URL), that the parameter names the public URL whatever
// the Host.
// It calls Serve once more with a verifier whose JWKS URL is a closed
// loopback port, for the 503 case (ServeEnv: with AXIOMS_JWKS_URL naming
// that port).
//
// Personas: reader (scope read:data), writer (scopes write:data openid),
// admin (roles admin superuser), editor (scope openid, role editor,
// permissions resource:write resource:create items:read items:create
// items:update items:delete), plus alice and bob (no claims but sub),
// adminonly (role admin), librarian (scopes book:read book:create
// book:update book:delete) and bookreader (scope book:read).
package conformance

import (
	"cmp"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/axiomsgo/axioms/authtest"
	"github.com/axiomsgo/axioms/core"
)

// Harness tells the suite how to run one adapter. Set exactly one of
// Serve and ServeEnv.
type Harness struct {
	// Serve starts a server that serves the standard routes of
	// behaviour.md §5, protected with v through the adapter, with m given to
	// every Middleware (WithResourceMetadata) and served at
	// core.ProtectedResourcePath (MetadataHandler), and returns its base URL
	// (e.g. "http://127.0.0.1:41234"). It registers its own shutdown with
	// tb.Cleanup. Each call must start with empty stores.
	Serve func(tb testing.TB, v *core.Verifier, m *core.ResourceMetadata) string

	// ServeEnv is the other way to serve, for a server that builds its
	// verifier itself from the environment (core.ConfigFromEnv), such as
	// an example server run as a process. It starts a server with the
	// standard routes whose environment has the variables in env
	// (AXIOMS_ISS_URL, AXIOMS_JWKS_URL and AXIOMS_AUDIENCE, as NAME=value,
	// and for one server PUBLIC_URL, the public URL of its RFC 9728
	// metadata; without it the URL is derived from each request) added to
	// its own, and returns its base URL once it is ready. It registers its
	// own shutdown with tb.Cleanup. Each call must start with empty stores.
	ServeEnv func(tb testing.TB, env []string) string
}

// Run runs the whole suite against h.
func Run(t *testing.T, h Harness) {
	t.Helper()
	require.True(t, (h.Serve == nil) != (h.ServeEnv == nil), "conformance: set exactly one of Harness.Serve and Harness.ServeEnv")
	iss := authtest.NewTestIssuer(t)
	s := &suite{
		h:         h,
		iss:       iss,
		client:    newClient(t),
		publicURL: map[string]string{},
	}
	s.base = s.serve(t, iss.Config(), "")
	s.tokens = s.mintPersonas(t)

	t.Run("§2", s.credentials)
	t.Run("§4", s.errorRules)
	t.Run("§5", s.routes)
	t.Run("§6", s.resourceMetadata)
}

// suite is one run: the issuer, the server's base URL and the persona
// tokens.
type suite struct {
	h      Harness
	iss    *authtest.Issuer
	client *http.Client
	base   string
	tokens map[string]string
	// publicURL is the public URL each server was started with, by base
	// URL ("" when its metadata URL is derived from each request).
	publicURL map[string]string
}

// personas are the tokens the suite mints (behaviour.md §5 and extras).
var personas = map[string][]authtest.TokenOption{
	"reader": {authtest.Scopes("read:data")},
	"writer": {authtest.Scopes("write:data", "openid")},
	"admin":  {authtest.Roles("admin", "superuser")},
	"editor": {authtest.Scopes("openid"), authtest.Roles("editor"), authtest.Permissions(
		"resource:write", "resource:create", "items:read", "items:create", "items:update", "items:delete")},
	"alice":      nil,
	"bob":        nil,
	"adminonly":  {authtest.Roles("admin")},
	"librarian":  {authtest.Scopes("book:read", "book:create", "book:update", "book:delete")},
	"bookreader": {authtest.Scopes("book:read")},
	// For the And policy of /api/strict: one rule missing each.
	"strictnoscope": {authtest.Roles("editor"), authtest.Permissions("resource:write")},
	"strictnoperm":  {authtest.Scopes("profile"), authtest.Roles("editor")},
}

func (s *suite) mintPersonas(t *testing.T) map[string]string {
	t.Helper()
	tokens := make(map[string]string, len(personas))
	for name, opts := range personas {
		tokens[name] = s.iss.MustToken(t, name, opts...)
	}
	return tokens
}

// serve starts a server trusting cfg through the harness, with RFC 9728
// metadata at publicURL ("" to derive its URL from each request), and
// returns its base URL: with Serve, in process with a verifier and metadata
// built here; with ServeEnv, given cfg as AXIOMS_* variables and publicURL
// as PUBLIC_URL. The suite's idle connections are closed before the
// server's shutdown (cleanups run last-in first-out), so that a graceful
// shutdown need not wait for them.
func (s *suite) serve(t *testing.T, cfg core.Config, publicURL string) string {
	t.Helper()
	var base string
	if s.h.Serve != nil {
		v := newVerifier(t, cfg)
		m, err := core.NewResourceMetadata(v.ProtectedResource(), publicURL)
		require.NoError(t, err)
		base = s.h.Serve(t, v, m)
	} else {
		env := []string{
			"AXIOMS_ISS_URL=" + cfg.Issuer,
			"AXIOMS_JWKS_URL=" + cfg.JWKSURL,
			"AXIOMS_AUDIENCE=" + strings.Join(cfg.Audiences, ","),
		}
		if publicURL != "" {
			env = append(env, "PUBLIC_URL="+publicURL)
		}
		base = s.h.ServeEnv(t, env)
	}
	s.publicURL[base] = publicURL
	t.Cleanup(s.client.CloseIdleConnections)
	return base
}

// metadataURL is the resource_metadata every challenge of the server at
// base must carry for a request with the default Host header.
func (s *suite) metadataURL(base string) string {
	return cmp.Or(s.publicURL[base], base) + core.ProtectedResourcePath
}

// newVerifier builds a quiet verifier for cfg, closed with t.Cleanup.
func newVerifier(t *testing.T, cfg core.Config) *core.Verifier {
	t.Helper()
	cfg.Logger = discardLogger
	v, err := core.NewVerifier(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = v.Close() })
	return v
}

// newClient returns the suite's HTTP client; its connections are closed
// with t.Cleanup.
func newClient(t *testing.T) *http.Client {
	tr := &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{
		Transport: tr,
		Timeout:   10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse // the routes never redirect; show it if they do
		},
	}
}

// closedPort returns the URL of a loopback port nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return "http://" + addr
}
