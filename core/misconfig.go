package core

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// ErrKeySetMisconfigured is matched, besides ErrKeysUnavailable, by the
// error of a key set whose last fetch failed in a way a retry will not fix
// until a setting or the issuer's published documents change: a discovery
// document that names another issuer (a trailing slash too many in
// AXIOMS_ISS_URL), or whose jwks_uri is refused (plain http off loopback);
// a key set URL answering a client error (404, 401, 403: any 4xx but 408
// and 429), redirecting where fetches may not go, or serving a document
// that is not a JWK Set, holds no usable key, or exceeds MaxKeys or
// MaxJWKSBytes. A timeout, a refused connection, a 5xx, 408 or 429 is an
// outage and does not match it. Verifier.Ready and Verifier.WaitReady
// return it so that a readiness probe can tell the two apart; the key set
// logs each new misconfiguration once, at Error level, with what to fix.
// Clients still get 503 with Retry-After (the key set keeps retrying),
// never these details.
var ErrKeySetMisconfigured = errors.New("key set misconfigured")

// misconfiguration is a fetch failure that a retry will not fix. It
// matches ErrKeySetMisconfigured and its cause; fix says what to check.
type misconfiguration struct {
	err error
	fix string
}

func (m *misconfiguration) Error() string { return m.err.Error() }

func (m *misconfiguration) Unwrap() []error { return []error{ErrKeySetMisconfigured, m.err} }

// misconfigured marks err as a misconfiguration, fixed as fix says.
func misconfigured(err error, fix string) error { return &misconfiguration{err: err, fix: fix} }

// fixOf returns the fix of a misconfiguration in err's chain, "" when err
// is not one.
func fixOf(err error) string {
	var m *misconfiguration
	if errors.As(err, &m) {
		return m.fix
	}
	return ""
}

// transientStatus reports whether an answer's status may change by itself:
// anything but a 4xx, and 408 Request Timeout and 429 Too Many Requests.
func transientStatus(code int) bool {
	return code < 400 || code >= 500 || code == http.StatusRequestTimeout || code == http.StatusTooManyRequests
}

// Fixes that do not depend on where a URL came from.
const (
	fixTooLarge = "the document is larger than Config.MaxJWKSBytes (default 1 MiB): raise it, " +
		"or check that the URL serves the issuer's keys"
	fixRedirect = "the URL redirects where key set fetches may not go (more than 3 redirects, plain http " +
		"off loopback, or https to http): set AXIOMS_JWKS_URL (Config.JWKSURL) to the final https URL"
	fixJWKSURI = "the discovery document's jwks_uri is refused (https only, plain http on loopback hosts): " +
		"set AXIOMS_JWKS_URL (Config.JWKSURL) to the https URL of the issuer's keys"
	fixNoUsableKey = "the key set holds no key this verifier can use: signature keys (use \"sig\" or none) " +
		"of type RSA (2048 bits up to Config.MaxRSABits), EC P-256, P-384 or P-521, or OKP Ed25519; " +
		"each dropped key was logged"
)

// maxIssuerLogBytes bounds an issuer taken from a document before it is
// logged.
const maxIssuerLogBytes = 256

// fixIssuerMismatch is the fix of a discovery document naming issuer
// named instead of the configured one.
func fixIssuerMismatch(named, configured string) string {
	fix := fmt.Sprintf("the discovery document names issuer %q, configured %q: ",
		sanitizeBounded(named, maxIssuerLogBytes), configured)
	if strings.TrimRight(named, "/") == strings.TrimRight(configured, "/") {
		fix += "check AXIOMS_ISS_URL (Config.Issuer) for a trailing slash"
		if strings.HasSuffix(named, "/") {
			fix += " (AXIOMS_DOMAIN never gives one: set AXIOMS_ISS_URL)"
		}
		return fix + "; it must be exactly the iss of the tokens"
	}
	return fix + "AXIOMS_ISS_URL (Config.Issuer) must be exactly the iss of the tokens, as the issuer's " +
		"discovery document names it"
}

// fixDocument is the fix of a discovery document that cannot be used.
func fixDocument(doc string) string {
	return fmt.Sprintf("the discovery document %s is not usable: check AXIOMS_ISS_URL (Config.Issuer), "+
		"or set AXIOMS_JWKS_URL (Config.JWKSURL) to the issuer's key set URL", doc)
}

// fixKeySetURL is the fix of a key set URL that answers what, by where
// the URL came from.
func (r *RemoteKeySet) fixKeySetURL(what string) string {
	switch {
	case r.url != "":
		return "the key set URL " + what + ": check AXIOMS_JWKS_URL (Config.JWKSURL)"
	case r.foundIn != "":
		return fmt.Sprintf("the key set URL %s; it is the jwks_uri of %s: the issuer publishes a wrong one, "+
			"or set AXIOMS_JWKS_URL (Config.JWKSURL) to override it", what, r.foundIn)
	}
	return "the key set URL " + what + "; no discovery document exists (404), so it is the default " +
		"{issuer}/.well-known/jwks.json: check AXIOMS_ISS_URL (Config.Issuer), or set AXIOMS_JWKS_URL (Config.JWKSURL)"
}
