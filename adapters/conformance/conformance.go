// Package conformance is the one behaviour suite every adapter must pass,
// end to end, with real HTTP requests, real keys and a loopback JWKS: the
// credential rules, the RFC 6750 errors, the example API of package
// exampleapi and RFC 9728 resource metadata (§2, §4, §5 and §6 of the
// behaviour contract), and the adapter contract at its edges (error hooks,
// claims in the standard context, skipped routes, policies without a
// Middleware, construction).
//
// An adapter's test calls Run with a Harness whose Serve registers a table
// of exampleapi routes on the adapter's router:
//
//	func TestConformance(t *testing.T) {
//		conformance.Run(t, conformance.Harness{
//			Serve: func(tb testing.TB, v *core.Verifier, m *core.ResourceMetadata, routes []exampleapi.Route, hook conformance.Hook) string {
//				srv := httptest.NewServer(build(v, m, routes, hook))
//				tb.Cleanup(srv.Close)
//				return srv.URL
//			},
//			Construct: func(v *core.Verifier) { myadapter.Middleware(v, nil, myadapter.WithSkipper(nil)) },
//		})
//	}
//
// A server that builds its verifier itself from the AXIOMS_* environment,
// such as an example server started as a process, is given with ServeEnv:
// the §2–§6 rows then run against it, and the edge rows (which need hooks)
// against Serve when it is set too.
//
// # Registering a table
//
// Every route gets, in this order: the Middleware its Auth asks for (none
// for Public and Bare; WithAnonymousMethods("GET") for Optional; a skipper
// that skips every request for Skipped), each with WithResourceMetadata(m)
// and, unless hook is NoHook, WithErrorHandler implementing hook; then
// Require(Policy) when Policy is set; then the handler, which gets the
// request's method, {id} parameter, body, standard context and the
// adapter's Authorize, and whose Reply is written as JSON (no body for 204;
// nothing for Answered). Path parameters are written {id}. A route whose
// Method is "" is registered for every method. The metadata document is
// served at core.ProtectedResourcePath with the adapter's MetadataHandler,
// without authentication. Unknown paths and methods answer as the
// framework does, ideally with exampleapi.Error.
//
// # What Run checks
//
// Run starts an authtest issuer (RS256), builds a verifier from its Config
// and metadata deriving its URL from each request, serves exampleapi.Routes
// and runs subtests named by section and row, for example
// "§5/GET /api/read/reader": every route for each persona that passes and
// for personas that fail (exact status, JSON bodies, challenges with
// scope="..." for scope rules only, ownership, 404s), the credential rules
// and the error rules, and 50 concurrent requests mixing personas. Every
// 400, 401 and 403 challenge must carry resource_metadata with the
// document's absolute URL. §6 checks the document and that the parameter
// follows the Host header only when it is a plain host[:port] and never
// X-Forwarded-*, and, on a second server with a public URL
// (https://api.example.test/base; ServeEnv: PUBLIC_URL), that the
// parameter names the public URL whatever the Host. A third server's JWKS
// URL is a closed loopback port, for the 503 and /ready rows. "edges" runs
// the adapter contract on the routes of EdgeRoutes with every Hook.
// "sources" runs the token sources beyond the Authorization header
// (WithTokenFromCookie, WithTokenExtractor, WithTokenFromForm) on the
// routes of SourceRoutes of a ServeSources server: the header always wins,
// a cookie only when no explicit method gave a token and the extractor
// only after it, duplicates and extractor errors are 400 without the
// error's text, and a form token counts only under RFC 6750 §2.2's
// conditions, with the body still readable by the handler and never read
// on a skipped route.
//
// "§7 DPoP" (RFC 9449) serves exampleapi.Routes through Serve with
// verifiers that accept DPoP (allowed, required, with server nonces, with
// a public URL) and sends requests of a real DPoP client: a valid proof
// for the server's URL (the Host header as sent, never X-Forwarded-*) is
// accepted; a replayed proof, a wrong htm, htu, ath or iat, a missing
// proof, a bound token sent as Bearer, or one bound to another key are
// refused with the error on the challenge of the scheme used; two DPoP
// headers are 400; every answer carries the Bearer and the DPoP
// algs="..." challenges (only DPoP when required), and use_dpop_nonce
// exactly one DPoP-Nonce whose retry passes. "§7 mTLS" (RFC 8705) serves
// them through ServeTLS over real TLS: a token with cnf x5t#S256 is
// accepted with that client certificate only, a certificate header from
// a client is ignored, and with WithClientCertificateHeader(CertHeader)
// an RFC 9440 Client-Cert value is read (400 when malformed) only for a
// connection without a certificate of its own. Subtests are named after
// the threat catalog's rows (K176, L206, ...).
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
	"crypto/tls"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/axiomsgo/axioms/adapters/exampleapi"
	"github.com/axiomsgo/axioms/authtest"
	"github.com/axiomsgo/axioms/core"
)

// Harness tells the suite how to run one adapter. Set Serve, ServeEnv or
// both.
type Harness struct {
	// Serve starts a server on which routes are registered through the
	// adapter (see "Registering a table"), protected with v, publishing
	// m, with error handlers implementing hook, and returns its base URL
	// (e.g. "http://127.0.0.1:41234"). It registers its own shutdown with
	// tb.Cleanup.
	Serve func(tb testing.TB, v *core.Verifier, m *core.ResourceMetadata, routes []exampleapi.Route, hook Hook) string

	// ServeEnv starts a server of exampleapi.Routes that builds its
	// verifier itself from the environment (core.ConfigFromEnv), such as an
	// example server run as a process, with the variables in env
	// (AXIOMS_ISS_URL, AXIOMS_JWKS_URL and AXIOMS_AUDIENCE, as NAME=value,
	// and for one server PUBLIC_URL, the public URL of its RFC 9728
	// metadata) added to its own, and returns its base URL once it is
	// ready. It registers its own shutdown with tb.Cleanup. When set, the
	// §2–§6 rows run against it rather than against Serve.
	ServeEnv func(tb testing.TB, env []string) string

	// Construct builds one Middleware of the adapter with v, a nil Option
	// and every option given a nil argument (WithSkipper(nil),
	// WithErrorHandler(nil), WithResourceMetadata(nil),
	// WithTokenExtractor(nil)). The edge rows require it to panic for a nil
	// v and not otherwise.
	Construct func(v *core.Verifier)

	// ServeSources is Serve with, in every Middleware, the token sources
	// beyond the Authorization header: WithTokenFromCookie(CookieName),
	// WithTokenFromForm() and WithTokenExtractor(f), where f returns
	// Extract(the value of the request's ExtractHeader header). The
	// "sources" rows run against it on SourceRoutes, with NoHook and with
	// Observe. Required with Serve: every HTTP adapter offers these options.
	ServeSources func(tb testing.TB, v *core.Verifier, m *core.ResourceMetadata, routes []exampleapi.Route, hook Hook) string

	// ConstructCookie builds one Middleware of the adapter with v and
	// WithTokenFromCookie(name). The "sources" rows require it to panic for
	// a name that is not a cookie name ("" included), and not for
	// CookieName. Required with ServeSources.
	ConstructCookie func(v *core.Verifier, name string)

	// ServeTLS is Serve (with NoHook) over TLS with the server
	// configuration config, or over plain HTTP when config is nil (as
	// behind a TLS-terminating proxy), and, when certHeader is not "",
	// WithClientCertificateHeader(certHeader) in every Middleware. It
	// returns the base URL, https://... for TLS. The "§7 mTLS" rows run
	// against it. Required with Serve: every HTTP adapter reads the TLS
	// client certificate and has the option. net/http servers:
	// httptest.NewUnstartedServer, TLS = config, StartTLS; fasthttp: serve
	// on tls.NewListener(ln, config).
	ServeTLS func(tb testing.TB, v *core.Verifier, m *core.ResourceMetadata, routes []exampleapi.Route, config *tls.Config, certHeader string) string

	// ConstructCertHeader builds one Middleware of the adapter with v and
	// WithClientCertificateHeader(name). The "§7 mTLS" rows require it to
	// panic for a name that is not a header name ("" included), and not
	// for CertHeader. Required with ServeTLS.
	ConstructCertHeader func(v *core.Verifier, name string)
}

// Run runs the whole suite against h.
func Run(t *testing.T, h Harness) {
	t.Helper()
	require.True(t, h.Serve != nil || h.ServeEnv != nil, "conformance: set Harness.Serve, Harness.ServeEnv or both")
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
	if h.Serve != nil {
		t.Run("edges", s.edges)
		t.Run("decisions", s.decisions)
		t.Run("sources", func(t *testing.T) {
			require.NotNil(t, h.ServeSources, "conformance: set Harness.ServeSources: every HTTP adapter has the token-source options")
			s.sources(t)
		})
		t.Run("§7 DPoP", s.dpop)
		t.Run("§7 mTLS", s.mtls)
	} else {
		t.Log("edges, sources and §7: skipped, they need Harness.Serve")
	}
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

// personas are the tokens the suite mints (the behaviour contract §5 and extras).
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
	// For the edge routes.
	"edger": {authtest.Scopes("edge:read")},
	"owner": {authtest.Roles("admin")},
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
// built here (exampleapi.Routes, no hook); with ServeEnv, given cfg as
// AXIOMS_* variables and publicURL as PUBLIC_URL. The suite's idle connections are closed before the
// server's shutdown (cleanups run last-in first-out), so that a graceful
// shutdown need not wait for them.
func (s *suite) serve(t *testing.T, cfg core.Config, publicURL string) string {
	t.Helper()
	var base string
	if s.h.ServeEnv == nil {
		v := newVerifier(t, cfg)
		m, err := core.NewResourceMetadata(v.ProtectedResource(), publicURL)
		require.NoError(t, err)
		base = s.h.Serve(t, v, m, exampleapi.Routes(v), NoHook)
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
