package core

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/netip"
	"net/url"
	"strings"
	"sync"
)

// ProtectedResourcePath is the well-known path of the protected-resource
// metadata document (RFC 9728 §3) of a resource without a path, such as
// https://api.example.com. For a resource with a path the document lives
// at the path-inserted URL of §3.1 instead: ResourceMetadata.Path gives it
// (/.well-known/oauth-protected-resource/mcp for
// https://api.example.com/mcp), and every challenge points there.
const ProtectedResourcePath = "/.well-known/oauth-protected-resource"

// ProtectedResource is the protected-resource metadata document of RFC 9728
// §2, the subset that a resource server verifying JWT bearer tokens can
// state truthfully. Empty fields are left out of the JSON document.
// (*Verifier).ProtectedResource gives the defaults; change fields before
// NewResourceMetadata.
//
// Not included: jwks_uri and resource_signing_alg_values_supported (this
// package signs no responses), and the DPoP, mutual-TLS and
// authorization_details fields (not supported).
type ProtectedResource struct {
	// Resource is the resource identifier, REQUIRED. RFC 9728 §2 wants an
	// https URL without a fragment, and §3.3 has clients compare it with the
	// URL they called: for MCP, use the server's canonical URL (such as
	// https://mcp.example.com/mcp) as the audience. Default: the first
	// configured audience, as it is.
	Resource string `json:"resource"`
	// AuthorizationServers are the issuer identifiers of the authorization
	// servers whose tokens this resource accepts (RFC 8414 issuers). MCP
	// requires at least one. Default: the configured issuers; none when
	// only a JWKS URL is configured.
	AuthorizationServers []string `json:"authorization_servers,omitempty"`
	// ScopesSupported are the scope values clients may request to call this
	// resource (RECOMMENDED; MCP clients request all of them when a
	// challenge names none). Default: none.
	ScopesSupported []string `json:"scopes_supported,omitempty"`
	// BearerMethodsSupported are the ways a bearer token may be sent:
	// "header" (RFC 6750 §2.1), "body" (§2.2), "query" (§2.3). Default
	// ["header"]; add "query" when the adapter accepts query tokens and
	// "body" when it accepts form tokens. Cookie and custom-extractor
	// tokens have no RFC 9728 name: clients learn of them elsewhere.
	BearerMethodsSupported []string `json:"bearer_methods_supported,omitempty"`
	// ResourceName is a human-readable name for end users (RECOMMENDED).
	ResourceName string `json:"resource_name,omitempty"`
	// ResourceDocumentation is the URL of documentation for developers.
	ResourceDocumentation string `json:"resource_documentation,omitempty"`
	// ResourcePolicyURI is the URL of the resource's data-use policy.
	ResourcePolicyURI string `json:"resource_policy_uri,omitempty"`
	// ResourceTOSURI is the URL of the resource's terms of service.
	ResourceTOSURI string `json:"resource_tos_uri,omitempty"`
}

// ProtectedResource returns the default metadata document of the resource
// v protects: Resource is the first audience, AuthorizationServers the
// issuers v trusts (in configuration order), BearerMethodsSupported ["header"] (the only
// method accepted unless an adapter enables query tokens).
func (v *Verifier) ProtectedResource() ProtectedResource {
	p := ProtectedResource{BearerMethodsSupported: []string{"header"}}
	for _, e := range v.entries {
		if e.rules.issuer != "" {
			p.AuthorizationServers = append(p.AuthorizationServers, e.rules.issuer)
		}
	}
	switch {
	case len(v.cfg.Audiences) > 0:
		p.Resource = v.cfg.Audiences[0]
	case len(v.entries) > 0:
		p.Resource = v.entries[0].rules.audiences[0]
	}
	return p
}

// ResourceMetadata publishes RFC 9728 protected-resource metadata: the JSON
// document an adapter serves at Path without authentication, and the absolute URL of that document that every
// challenge carries as resource_metadata="..." (RFC 9728 §5.1). Build it
// with NewResourceMetadata and hand it to an adapter's WithResourceMetadata
// option and MetadataHandler. It is immutable and safe for concurrent use;
// a nil *ResourceMetadata publishes nothing.
type ResourceMetadata struct {
	doc      []byte
	path     string // the document's path on this server (Path)
	fixedURL string // absolute URL of the document from the public URL; "" to derive it per request
	cors     bool   // WithCORS
	// warning says why the resource is not an absolute https URL; "" when
	// it is one. once logs it a single time, shared by WithCORS copies.
	warning string
	once    *sync.Once
}

// NewResourceMetadata checks doc and publicURL and returns the metadata to
// publish. The error matches ErrConfig.
//
// publicURL is the URL at which clients reach this server's root, as in
// https://api.example.com (or https://example.com/api behind a proxy that
// strips /api); the document's URL is then publicURL + Path() whatever
// the request. It must be https, or http on a loopback host, with
// no userinfo, query or fragment. Behind a reverse proxy or load balancer,
// set it: forwarding headers (Forwarded, X-Forwarded-Host,
// X-Forwarded-Proto) are never trusted.
//
// With publicURL empty the URL is derived from each request instead: https
// when it arrived over TLS, else http, and its Host header; see Guard.Response.
//
// doc must have a Resource; BearerMethodsSupported may hold only "header",
// "body" and "query"; the documentation, policy and terms URLs, when set,
// must be absolute http(s) URLs. Resource itself is not required to be a
// URL (the default is the first audience as configured); when it is an
// http(s) URL it must have no query or fragment (RFC 9728 §2 forbids the
// fragment; §3.1 would move a query into the document's URL), and its path
// decides Path.
func NewResourceMetadata(doc ProtectedResource, publicURL string) (*ResourceMetadata, error) {
	if err := doc.check(); err != nil {
		return nil, fmt.Errorf("%w: resource metadata: %v", ErrConfig, err)
	}
	path, err := metadataPath(doc.Resource)
	if err != nil {
		return nil, fmt.Errorf("%w: resource metadata: %v", ErrConfig, err)
	}
	m := &ResourceMetadata{path: path, warning: resourceWarning(doc.Resource), once: new(sync.Once)}
	if publicURL != "" {
		base, err := parsePublicURL(publicURL)
		if err != nil {
			return nil, fmt.Errorf("%w: resource metadata: public URL %v", ErrConfig, err)
		}
		m.fixedURL = base + path
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("%w: resource metadata: %v", ErrConfig, err)
	}
	m.doc = b
	return m, nil
}

// Path returns the path at which this server serves the document, to
// register the adapter's MetadataHandler at: ProtectedResourcePath for a
// resource without a path (https://api.example.com, or one that is not an
// http(s) URL, such as api://default), and for one with a path the
// path-inserted form of RFC 9728 §3.1, ProtectedResourcePath followed by
// the resource's path without a trailing slash
// (/.well-known/oauth-protected-resource/mcp for
// https://api.example.com/mcp). Challenges point to publicURL (or the
// request's scheme and host) + Path. A nil m returns ProtectedResourcePath.
func (m *ResourceMetadata) Path() string {
	if m == nil {
		return ProtectedResourcePath
	}
	return m.path
}

// metadataPath is Path for the resource identifier resource.
func metadataPath(resource string) (string, error) {
	u, err := url.Parse(resource)
	if err != nil || u.Host == "" || !strings.EqualFold(u.Scheme, "https") && !strings.EqualFold(u.Scheme, "http") {
		return ProtectedResourcePath, nil // not an http(s) URL: nothing to insert
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(resource, "#") {
		return "", fmt.Errorf("resource %q must not have a query or fragment (RFC 9728 §2, §3.1)", u.Redacted())
	}
	return ProtectedResourcePath + strings.TrimRight(u.EscapedPath(), "/"), nil
}

// WithCORS returns a copy of m that browser-based clients (an MCP client
// in a browser, a single-page app) may read across origins; m itself is
// unchanged, and a nil m gives nil. CORS is off by default.
//
// With it, MetadataHandler answers the document with
// Access-Control-Allow-Origin: * and answers OPTIONS (a CORS preflight, as
// the MCP SDKs' MCP-Protocol-Version header causes) with 204 No Content
// (see SetCORSHeaders); register the handler for OPTIONS too. The wildcard
// origin is right here: the document is public, served to anyone without
// credentials, and a wildcard response is never readable by a request
// sent with credentials (cookies), so it leaks nothing that a direct GET
// would not give.
//
// And every challenge of a Guard built with the copy carries
// Access-Control-Expose-Headers: WWW-Authenticate (see
// Response.SetHeaders), so that a browser client can read the challenge
// of a 401 or 403, and its resource_metadata, from a cross-origin
// response. That answer still needs the Access-Control-Allow-Origin of
// the application's own CORS middleware, which decides which origins may
// call the API; SetHeaders replaces an Access-Control-Expose-Headers that
// middleware set before, so list any other exposed header in its answer
// to the route instead.
func (m *ResourceMetadata) WithCORS() *ResourceMetadata {
	if m == nil {
		return nil
	}
	c := *m
	c.cors = true
	return &c
}

// SetCORSHeaders calls set with the CORS header fields of the document's
// answer to a request with method, and reports whether that answer is a
// preflight's: 204 No Content without a body. Every MetadataHandler calls
// it first. Without WithCORS (or for a nil m) it sets nothing and returns
// false. With it, every answer carries Access-Control-Allow-Origin: *, and
// an OPTIONS request (preflight or not) is answered with 204 and also
// Allow and Access-Control-Allow-Methods (GET, HEAD, OPTIONS),
// Access-Control-Allow-Headers: * (any request header but Authorization,
// which the document does not need; nothing from the request is reflected)
// and Access-Control-Max-Age: 86400. No Vary: Origin is needed: the
// answer is the same for every origin.
func (m *ResourceMetadata) SetCORSHeaders(method string, set func(name, value string)) (preflight bool) {
	if m == nil || !m.cors {
		return false
	}
	set("Access-Control-Allow-Origin", "*")
	if method != "OPTIONS" {
		return false
	}
	set("Allow", "GET, HEAD, OPTIONS")
	set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
	set("Access-Control-Allow-Headers", "*")
	set("Access-Control-Max-Age", "86400")
	return true
}

// response is the answer to err of a Guard publishing m (which may be
// nil): errorResponse with m's resource_metadata URL, and with WithCORS
// the challenge exposed to cross-origin readers.
func (m *ResourceMetadata) response(err error, realm string, tls bool, host string, dp *dpopChallenge) Response {
	r := errorResponse(err, realm, m.url(tls, host), dp)
	r.exposeChallenge = m != nil && m.cors && r.WWWAuthenticate != ""
	return r
}

// maxLoggedResource bounds the resource identifier quoted in the warning.
const maxLoggedResource = 128

// resourceWarning says why resource is not the identifier MCP clients
// expect, an absolute https URL (http on a loopback host accepted); "" when
// it is one. NewResourceMetadata has already refused a query or fragment.
func resourceWarning(resource string) string {
	u, err := url.Parse(resource)
	switch {
	case err != nil || u.Host == "" || u.Scheme == "":
		return "not an absolute URL"
	case strings.EqualFold(u.Scheme, "https"):
		return ""
	case strings.EqualFold(u.Scheme, "http") && isLoopbackHost(u.Hostname()):
		return ""
	case strings.EqualFold(u.Scheme, "http"):
		return "plain http on a host that is not loopback"
	}
	return "scheme is not https"
}

// warnResource logs, once per m (with l, the Verifier's logger, when a
// Guard is built with m), that m's resource identifier is not an absolute
// https URL. Nothing for a nil m or a good identifier.
func (m *ResourceMetadata) warnResource(l *slog.Logger) {
	if m == nil || m.warning == "" {
		return
	}
	m.once.Do(func() {
		var doc struct {
			Resource string `json:"resource"`
		}
		_ = json.Unmarshal(m.doc, &doc)
		resource := doc.Resource
		if len(resource) > maxLoggedResource {
			resource = strings.ToValidUTF8(resource[:maxLoggedResource], "") + "..."
		}
		l.Warn("axioms: the resource of the protected-resource metadata is not an absolute https URL; "+
			"clients compare it with the URL they call (RFC 9728 §3.3) and MCP SDKs refuse a mismatch: "+
			"use the canonical URL clients call, such as https://mcp.example.com/mcp, as resource and audience",
			slog.String("resource", resource), slog.String("reason", m.warning))
	})
}

// Document returns the JSON metadata document (RFC 9728 §3.2), to be
// served with status 200 and Content-Type ContentType. The slice is shared:
// do not modify it. nil for a nil m.
func (m *ResourceMetadata) Document() []byte {
	if m == nil {
		return nil
	}
	return m.doc
}

// url returns the absolute URL of the metadata document for a request that
// arrived over TLS (tls) or not, with Host header host; it is the value of
// the resource_metadata challenge parameter. With a public URL it is
// publicURL + Path() and tls and host are ignored. Otherwise it is
// scheme://host + Path(), the host lower-cased, when
// host is strictly a host with an optional port: a name of letters, digits,
// '.' and '-' (labels of 1 to 63 characters) or an IPv4 address, or an
// IPv6 address in brackets without a zone, then optionally ':' and a port
// of 1 to 5 digits up to 65535. Any other host (empty, other characters,
// userinfo, a path) gives "", and the challenge then goes without the
// parameter: a forged Host is never reflected as it is.
//
// A valid but foreign Host is reflected: the request's own answer names a
// document on that host. Set a public URL when answers may be cached by a
// shared cache that does not key on Host. A nil m returns "".
func (m *ResourceMetadata) url(tls bool, host string) string {
	switch {
	case m == nil:
		return ""
	case m.fixedURL != "":
		return m.fixedURL
	case !validHost(host):
		return ""
	case tls:
		return "https://" + strings.ToLower(host) + m.path
	}
	return "http://" + strings.ToLower(host) + m.path
}

// check validates the fields NewResourceMetadata documents.
func (p ProtectedResource) check() error {
	if p.Resource == "" {
		return fmt.Errorf("resource is required (RFC 9728 §2)")
	}
	for _, m := range p.BearerMethodsSupported {
		if m != "header" && m != "body" && m != "query" {
			return fmt.Errorf("bearer method %q: want header, body or query (RFC 9728 §2)", m)
		}
	}
	for _, f := range [...]struct{ name, raw string }{
		{"resource_documentation", p.ResourceDocumentation},
		{"resource_policy_uri", p.ResourcePolicyURI},
		{"resource_tos_uri", p.ResourceTOSURI},
	} {
		if f.raw != "" && !absoluteHTTPURL(f.raw) {
			return fmt.Errorf("%s %q: want an absolute http(s) URL", f.name, f.raw)
		}
	}
	return nil
}

// absoluteHTTPURL reports whether raw is an absolute http or https URL.
func absoluteHTTPURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && u.Host != "" && (strings.EqualFold(u.Scheme, "https") || strings.EqualFold(u.Scheme, "http"))
}

// parsePublicURL checks a public base URL and returns it without a trailing
// slash: scheme and host lower-cased, the path escaped.
func parsePublicURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return "", fmt.Errorf("%q: not a URL", raw)
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(raw, "#"):
		return "", fmt.Errorf("%q must not have a query or fragment", u.Redacted())
	}
	if err := checkURL(u); err != nil {
		return "", err
	}
	if !validHost(u.Host) {
		return "", fmt.Errorf("%q: host must be a name, an IPv4 address or a bracketed IPv6 address, with an optional port", u.Redacted())
	}
	return strings.ToLower(u.Scheme+"://"+u.Host) + strings.TrimRight(u.EscapedPath(), "/"), nil
}

// validHost reports whether h is host[:port] in the strict form URL
// documents. It accepts no byte that QuoteParam would change.
func validHost(h string) bool {
	if len(h) == 0 || len(h) > 261 { // 253-byte name or bracketed IPv6, ':', 5 digits
		return false
	}
	if h[0] == '[' {
		end := strings.IndexByte(h, ']')
		if end < 0 {
			return false
		}
		addr, err := netip.ParseAddr(h[1:end])
		if err != nil || !addr.Is6() || addr.Zone() != "" {
			return false
		}
		rest := h[end+1:]
		return rest == "" || rest[0] == ':' && validPort(rest[1:])
	}
	name := h
	if i := strings.LastIndexByte(h, ':'); i >= 0 {
		if !validPort(h[i+1:]) {
			return false
		}
		name = h[:i]
	}
	return validName(name)
}

// validName accepts DNS-style names (and IPv4 addresses): labels of 1 to 63
// letters, digits and hyphens separated by dots, one trailing dot allowed.
func validName(name string) bool {
	name = strings.TrimSuffix(name, ".")
	if name == "" || len(name) > 253 {
		return false
	}
	for label := range strings.SplitSeq(name, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// validPort accepts 1 to 5 digits with a value up to 65535.
func validPort(p string) bool {
	if p == "" || len(p) > 5 {
		return false
	}
	n := 0
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return false
		}
		n = n*10 + int(p[i]-'0')
	}
	return n <= 65535
}
