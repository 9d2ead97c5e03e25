package core

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/axiomsgo/axioms/core/internal/strictjson"
)

// Discovery: the JWKS URL of an issuer configured without
// one. See Config.JWKSURL for the precedence.
const (
	openIDConfigurationPath = "/.well-known/openid-configuration"       // OpenID Connect Discovery 1.0 §4
	oauthMetadataPath       = "/.well-known/oauth-authorization-server" // RFC 8414 §3
	jwksFallbackPath        = "/.well-known/jwks.json"                  // the axioms packages' default
)

// maxJWKSURIBytes bounds the jwks_uri of a discovery document.
const maxJWKSURIBytes = 2048

// errNoDocument reports a discovery document that does not exist (404 or
// 410): the next one is tried. Any other failure ends discovery.
var errNoDocument = errors.New("no such document")

// statusError is a non-200 answer to a fetch.
type statusError int

func (e statusError) Error() string { return fmt.Sprintf("status %d", int(e)) }

// openIDConfigurationURL is {issuer}/.well-known/openid-configuration,
// trailing slashes of the issuer removed (OpenID Connect Discovery 1.0 §4.1).
func openIDConfigurationURL(issuer string) string {
	return strings.TrimRight(issuer, "/") + openIDConfigurationPath
}

// oauthMetadataURL is the RFC 8414 §3.1 metadata URL: the well-known path
// inserted between the host and the path of the issuer, whose trailing
// slashes are removed, so that https://host/tenant gives
// https://host/.well-known/oauth-authorization-server/tenant. issuer is a
// checked URL (scheme, host, no query, no fragment).
func oauthMetadataURL(issuer string) string {
	origin, path := issuer, ""
	if i := strings.Index(issuer, "://"); i >= 0 {
		if j := strings.IndexByte(issuer[i+3:], '/'); j >= 0 {
			origin, path = issuer[:i+3+j], issuer[i+3+j:]
		}
	}
	return origin + oauthMetadataPath + strings.TrimRight(path, "/")
}

// jwksFallbackURL is the axioms default {issuer}/.well-known/jwks.json,
// trailing slashes of the issuer removed.
func jwksFallbackURL(issuer string) string {
	return strings.TrimRight(issuer, "/") + jwksFallbackPath
}

// discover finds the JWKS URL of r.issuer: the jwks_uri of the OpenID
// Connect document, else of the RFC 8414 document, else, when neither
// exists, the axioms fallback. It runs on the loop goroutine only.
func (r *RemoteKeySet) discover() (string, error) {
	for _, doc := range []string{openIDConfigurationURL(r.issuer), oauthMetadataURL(r.issuer)} {
		jwksURI, err := r.fetchMetadata(doc)
		switch {
		case errors.Is(err, errNoDocument):
			continue
		case err != nil:
			return "", fmt.Errorf("%s: %w", doc, err)
		}
		r.logger.Debug("axioms: discovery", slog.String("issuer", r.issuer), slog.String("document", doc),
			slog.String("jwks_uri", jwksURI))
		r.foundIn = doc
		return jwksURI, nil
	}
	fallback := jwksFallbackURL(r.issuer)
	r.foundIn = ""
	r.logger.Info("axioms: no discovery document (404 or 410); using the axioms default JWKS URL",
		slog.String("issuer", r.issuer), slog.String("url", fallback))
	return fallback, nil
}

// fetchMetadata GETs one discovery document and returns its checked
// jwks_uri, or errNoDocument when it answers 404 or 410. A document that
// exists but cannot be used, or another client error, is a
// misconfiguration.
func (r *RemoteKeySet) fetchMetadata(doc string) (jwksURI string, err error) {
	start := time.Now()
	ans, err := r.get(doc, "application/json", validators{})
	defer func() { r.observeFetch(FetchDiscovery, doc, ans.status, start, err) }()
	switch {
	case ans.status == http.StatusNotFound || ans.status == http.StatusGone:
		return "", errNoDocument
	case err != nil && ans.status != 0 && !transientStatus(ans.status):
		return "", misconfigured(err, fmt.Sprintf("%s answers status %d: check AXIOMS_ISS_URL (Config.Issuer), "+
			"or set AXIOMS_JWKS_URL (Config.JWKSURL)", doc, ans.status))
	case err != nil:
		return "", err
	}
	jwksURI, err = metadataJWKSURI(ans.body, r.issuer)
	if err != nil && fixOf(err) == "" {
		err = misconfigured(err, fixDocument(doc))
	}
	return jwksURI, err
}

// metadataJWKSURI reads a discovery document (strict JSON): its "issuer"
// must equal issuer exactly (RFC 8414 §3.3, OpenID Connect Discovery 1.0
// §4.3) and its "jwks_uri" must be an https URL, or http on a loopback host,
// without userinfo or fragment. Values from the document are bounded before
// they reach an error message.
func metadataJWKSURI(data []byte, issuer string) (string, error) {
	doc, err := strictjson.Parse(string(data))
	if err != nil || doc.Kind() != strictjson.Object {
		return "", errors.New("document is not a JSON object")
	}
	iss, ok := doc.Get("issuer")
	switch {
	case !ok || iss.Kind() != strictjson.String:
		return "", errors.New(`document has no "issuer" string`)
	case iss.Str() != issuer:
		return "", misconfigured(fmt.Errorf("document names issuer %q, not the configured %q (RFC 8414 §3.3); no keys are used",
			sanitizeBounded(iss.Str(), maxIssuerLogBytes), issuer), fixIssuerMismatch(iss.Str(), issuer))
	}
	j, ok := doc.Get("jwks_uri")
	if !ok || j.Kind() != strictjson.String || j.Str() == "" {
		return "", errors.New(`document has no "jwks_uri" string`)
	}
	uri := j.Str()
	if len(uri) > maxJWKSURIBytes {
		return "", fmt.Errorf("jwks_uri longer than %d bytes", maxJWKSURIBytes)
	}
	u, err := url.Parse(uri)
	if err != nil {
		return "", fmt.Errorf("jwks_uri %q is not a valid URL", sanitizeForLog(uri))
	}
	if err := checkURL(u); err != nil {
		return "", misconfigured(fmt.Errorf("jwks_uri refused: %w", err), fixJWKSURI)
	}
	if u.Fragment != "" || strings.Contains(uri, "#") {
		return "", fmt.Errorf("jwks_uri %q must not have a fragment", u.Redacted())
	}
	return uri, nil
}
