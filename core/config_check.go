package core

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/axiomsgo/axioms/core/internal/jwkset"
)

// Bounds of the key set settings, checked by NewVerifier and
// NewRemoteKeySet. The defaults lie inside them.
const (
	minRefreshFloor = time.Second        // MinRefreshInterval ≥ 1s: never hammer the issuer
	minRefreshCeil  = time.Hour          // MinRefreshInterval ≤ 1h: a rotated key is found within the hour
	refreshCeil     = 24 * time.Hour     // RefreshInterval ≤ 24h: a removed key stops verifying within a day
	cacheTTLCeil    = 7 * 24 * time.Hour // CacheTTL ≤ 7 days of issuer outage
	fetchTimeoutMax = time.Minute        // FetchTimeout ≤ 1m: requests may wait for a fetch
	maxJWKSBytesCap = 64 << 20           // MaxJWKSBytes ≤ 64 MiB
	maxKeysCap      = 10000              // MaxKeys ≤ 10000
	minTokenBytes   = 256                // MaxTokenBytes ≥ 256
	maxTokenBytes   = 1 << 20            // MaxTokenBytes ≤ 1 MiB
	maxCacheEntries = 1_000_000          // TokenCacheEntries ≤ 1M
	minCacheBytes   = 64 << 10           // TokenCacheBytes ≥ 64 KiB
	maxCacheBytes   = 4 << 30            // TokenCacheBytes ≤ 4 GiB
	maxCacheAge     = 24 * time.Hour     // TokenCacheMaxAge ≤ 24h
)

// ErrConfig is matched, with errors.Is, by every error that reports a bad or
// missing setting (from NewVerifier, NewRemoteKeySet, ConfigFromEnv, ...).
// Such errors are *ConfigError values.
var ErrConfig = errors.New("invalid configuration")

// ConfigError reports one bad or missing setting. Its message names both the
// environment variable and the Config field, for example
//
//	core: config: AXIOMS_AUDIENCE (Config.Audiences): at least one audience is required
//
// It unwraps to ErrConfig.
type ConfigError struct {
	// Setting is the environment variable(s) of the setting, such as
	// "AXIOMS_AUDIENCE", or "" when the setting exists in code only.
	Setting string
	// Field is the Config field(s), such as "Audiences".
	Field string
	// Reason says what is wrong and what is accepted.
	Reason string
}

// Error implements error.
func (e *ConfigError) Error() string {
	name := "Config." + e.Field
	if e.Setting != "" {
		name = e.Setting + " (" + name + ")"
	}
	return "core: config: " + name + ": " + e.Reason
}

// Unwrap returns ErrConfig.
func (e *ConfigError) Unwrap() error { return ErrConfig }

// configErr builds the error of a Config field, naming its environment
// variable (settingOf) when it has one.
func configErr(field, format string, args ...any) error {
	return &ConfigError{Setting: settingOf[field], Field: field, Reason: fmt.Sprintf(format, args...)}
}

// checkKeySource checks where a single issuer's keys come from: JWKSURL,
// or, without it, Issuer for discovery. c must have defaults applied.
func (c *Config) checkKeySource() error {
	switch {
	case c.JWKSURL != "":
		return checkEndpoint("JWKSURL", c.JWKSURL, true)
	case c.Issuer != "":
		return checkEndpoint("Issuer", c.Issuer, false)
	}
	return configErr("JWKSURL", "required: set it, or set Issuer so that it is found by discovery, or set KeySet")
}

// validateFetching checks the key set settings other than the URLs.
func (c *Config) validateFetching() error {
	checks := []error{
		checkDuration("RefreshInterval", c.RefreshInterval, minRefreshFloor, refreshCeil, ""),
		checkDuration("MinRefreshInterval", c.MinRefreshInterval, minRefreshFloor,
			min(minRefreshCeil, c.RefreshInterval), " (and at most RefreshInterval)"),
		checkDuration("CacheTTL", c.CacheTTL, c.RefreshInterval, cacheTTLCeil,
			" (at least RefreshInterval, or keys would expire between refreshes)"),
		checkDuration("MaxAgeFloor", c.MaxAgeFloor, c.MinRefreshInterval, c.RefreshInterval,
			" (from MinRefreshInterval to RefreshInterval)"),
		checkDuration("FetchTimeout", c.FetchTimeout, 1, fetchTimeoutMax, ""),
		checkRange("MaxJWKSBytes", c.MaxJWKSBytes, 1, maxJWKSBytesCap, " bytes (64 MiB)"),
		checkRange("MaxKeys", int64(c.MaxKeys), 1, maxKeysCap, ""),
		checkRange("MaxRSABits", int64(c.MaxRSABits), jwkset.MinRSABits, jwkset.MaxRSABits, " bits"),
	}
	for _, err := range checks {
		if err != nil {
			return err
		}
	}
	return nil
}

// checkDuration checks lo ≤ v ≤ hi; note explains a bound that depends on
// another field.
func checkDuration(field string, v, lo, hi time.Duration, note string) error {
	if v >= lo && v <= hi && v > 0 {
		return nil
	}
	if lo <= 1 {
		return configErr(field, "%s is out of range: must be positive and at most %s", fmtDuration(v), fmtDuration(hi))
	}
	return configErr(field, "%s is out of range: must be between %s and %s%s",
		fmtDuration(v), fmtDuration(lo), fmtDuration(hi), note)
}

func checkRange(field string, v, lo, hi int64, unit string) error {
	if v >= lo && v <= hi {
		return nil
	}
	return configErr(field, "%d is out of range: must be between %d and %d%s", v, lo, hi, unit)
}

// fmtDuration prints 1h rather than 1h0m0s.
func fmtDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// validate checks every field of c (defaults applied) but the issuer list
// (see issuerList) and returns a *ConfigError for the first bad setting.
// The key set settings are not checked for a single issuer with a KeySet of
// the caller's, which ignores them.
func (c *Config) validate() error {
	checks := []func() error{
		c.checkAudiences, c.checkIssuer, c.checkSource, c.checkKeySet, c.checkAlgorithms,
		c.checkTokenTypes, c.checkClaimLists, c.checkLimits, c.checkTokenCache, c.checkRealm, c.checkSafeMethods,
	}
	for _, check := range checks {
		if err := check(); err != nil {
			return err
		}
	}
	if c.KeySet != nil && !c.severalIssuers() {
		return nil
	}
	return c.validateFetching()
}

func (c *Config) checkAudiences() error {
	// With several issuers, each may name its own audiences instead
	// (trustedIssuers checks that every issuer ends up with one).
	if len(c.Audiences) == 0 && !c.severalIssuers() {
		return configErr("Audiences", "at least one audience is required")
	}
	if err := checkEntries("Audiences", c.Audiences, false); err != nil {
		return err
	}
	if c.AudienceClaim != "" && !isPlainName(c.AudienceClaim) {
		return configErr("AudienceClaim", "%q is not a plain claim name such as \"client_id\" (no spaces or control characters)", c.AudienceClaim)
	}
	return nil
}

func (c *Config) checkIssuer() error {
	if c.Issuer == "" {
		return nil
	}
	return checkEndpoint("Issuer", c.Issuer, false)
}

func (c *Config) checkSource() error {
	if !c.hasKeySource() && c.Introspection.URL == "" {
		return &ConfigError{
			Setting: envDomain + ", " + envIssURL + " or " + envJWKSURL,
			Field:   "Issuer, JWKSURL or KeySet",
			Reason:  "one is required, so that token signatures can be verified",
		}
	}
	return nil
}

// checkKeySet refuses a KeySet that is a nil pointer (or func) held in a
// non-nil interface, such as a nil *StaticKeySet: it would panic at the
// first request.
func (c *Config) checkKeySet() error { return checkNotNilKeySet("KeySet", c.KeySet) }

// checkNotNilKeySet refuses ks, the KeySet of field, when it is a nil
// pointer, func or channel in a non-nil interface.
func checkNotNilKeySet(field string, ks KeySet) error {
	if ks == nil {
		return nil
	}
	switch v := reflect.ValueOf(ks); v.Kind() {
	case reflect.Pointer, reflect.Func, reflect.Chan, reflect.UnsafePointer:
		if v.IsNil() {
			return &ConfigError{Field: field, Reason: fmt.Sprintf("is a nil %T: set a key set, or leave it nil (unset)", ks)}
		}
	}
	return nil
}

func (c *Config) checkAlgorithms() error {
	if len(c.Algorithms) == 0 {
		return configErr("Algorithms", "must not be empty (leave it nil for the default)")
	}
	for _, a := range c.Algorithms {
		switch {
		case strings.EqualFold(a, "none"):
			return configErr("Algorithms", "%q must not be accepted: an unsecured token has no signature", a)
		case strings.EqualFold(a, "HS256"), strings.EqualFold(a, "HS384"), strings.EqualFold(a, "HS512"):
			return configErr("Algorithms", "%q must not be accepted by a resource server: HMAC needs the issuer's shared secret; use an asymmetric algorithm", a)
		case !slices.Contains(defaultAlgorithms, a):
			return configErr("Algorithms", "%q is not supported; allowed (exact spelling): %s", a, strings.Join(defaultAlgorithms, ", "))
		}
	}
	return nil
}

func (c *Config) checkTokenTypes() error {
	if len(c.TokenTypes) == 0 {
		return configErr("TokenTypes", "must not be empty (leave it nil for the default JWT, at+jwt)")
	}
	return checkEntries("TokenTypes", c.TokenTypes, true)
}

func (c *Config) checkClaimLists() error {
	lists := []struct {
		field string
		names []string
	}{
		{"ScopeClaims", c.ScopeClaims}, {"RoleClaims", c.RoleClaims}, {"PermissionClaims", c.PermissionClaims},
	}
	for _, l := range lists {
		if len(l.names) == 0 {
			return configErr(l.field, "must name at least one claim (leave it nil for the default)")
		}
		if err := checkEntries(l.field, l.names, true); err != nil {
			return err
		}
	}
	return checkEntries("RequiredClaims", c.RequiredClaims, true)
}

// checkEntries refuses empty entries and entries with surrounding spaces,
// and with plain also any whitespace or control character inside.
func checkEntries(field string, list []string, plain bool) error {
	for i, s := range list {
		switch {
		case s == "":
			return configErr(field, "entry %d is empty", i+1)
		case strings.TrimSpace(s) != s:
			return configErr(field, "entry %d (%q) has surrounding spaces", i+1, s)
		case plain && !isPlainName(s):
			return configErr(field, "entry %d (%q) contains spaces or control characters; separate entries with commas", i+1, s)
		}
	}
	return nil
}

// isPlainName reports whether s is non-empty and free of whitespace and
// control characters.
func isPlainName(s string) bool {
	return s != "" && !strings.ContainsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || r == utf8.RuneError
	})
}

func (c *Config) checkLimits() error {
	if c.Leeway < 0 || c.Leeway > maxLeeway {
		return configErr("Leeway", "%s is out of range: must be between 0 and %s", fmtDuration(c.Leeway), fmtDuration(maxLeeway))
	}
	if c.MaxTokenLifetime < 0 {
		return configErr("MaxTokenLifetime", "%s is negative", fmtDuration(c.MaxTokenLifetime))
	}
	return checkRange("MaxTokenBytes", int64(c.MaxTokenBytes), minTokenBytes, maxTokenBytes, " bytes (1 MiB)")
}

// checkTokenCache checks the verified-token cache bounds; they are not
// checked when the cache is off (TokenCacheEntries -1).
func (c *Config) checkTokenCache() error {
	tc := c.tokenCacheSettings()
	entries, bytes, maxAge := tc.entries, tc.bytes, tc.maxAge
	if entries == -1 {
		return nil
	}
	if entries < 1 || entries > maxCacheEntries {
		return configErr("TokenCacheEntries", "%d is out of range: must be between 1 and %d, or -1 to turn the cache off",
			entries, maxCacheEntries)
	}
	if err := checkRange("TokenCacheBytes", bytes, minCacheBytes, maxCacheBytes, " bytes (64 KiB to 4 GiB)"); err != nil {
		return err
	}
	return checkDuration("TokenCacheMaxAge", maxAge, 1, maxCacheAge, "")
}

// checkRealm allows what an RFC 6750 quoted auth-param value may carry
// unescaped: %x20-21 / %x23-5B / %x5D-7E.
func (c *Config) checkRealm() error {
	if c.Realm == "" {
		return configErr("Realm", "must not be empty")
	}
	for i := 0; i < len(c.Realm); i++ {
		if b := c.Realm[i]; b < 0x20 || b == '"' || b == '\\' || b > 0x7e {
			return configErr("Realm", "%q may hold only printable ASCII without '\"' and '\\' (RFC 6750 §3)", c.Realm)
		}
	}
	return nil
}

func (c *Config) checkSafeMethods() error {
	for i, m := range c.SafeMethods {
		if m == "" || strings.ContainsFunc(m, func(r rune) bool { return !isTChar(r) || ('a' <= r && r <= 'z') }) {
			return configErr("SafeMethods", "entry %d (%q) is not an upper-case HTTP method token such as OPTIONS (RFC 9110 §9.1)", i+1, m)
		}
	}
	return nil
}

// isTChar reports whether r is an RFC 9110 §5.6.2 token character.
func isTChar(r rune) bool {
	return ('0' <= r && r <= '9') || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') ||
		strings.ContainsRune("!#$%&'*+-.^_`|~", r)
}

// checkEndpoint checks the URL in field: a valid absolute URL passing
// checkURL, without surrounding spaces, userinfo or fragment, and without a
// query unless allowQuery (RFC 8414 §2: an issuer has none).
func checkEndpoint(field, raw string, allowQuery bool) error {
	if strings.TrimSpace(raw) != raw {
		return configErr(field, "%q has surrounding spaces", raw)
	}
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error // its message would repeat raw, credentials included
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return configErr(field, "not a valid URL: %v", err)
	}
	if err := checkURL(u); err != nil {
		return configErr(field, "%v", err)
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return configErr(field, "%q must not have a fragment", u.Redacted())
	}
	if !allowQuery && (u.RawQuery != "" || u.ForceQuery) {
		return configErr(field, "%q must not have a query (RFC 8414 §2)", u.Redacted())
	}
	return nil
}

// checkURL refuses URLs that are not https://, or http:// on a loopback host
// (127.0.0.0/8, ::1, localhost — with or without a trailing dot, in any
// letter case). It also refuses URLs without a host, opaque URLs and URLs
// carrying userinfo. It checks redirects of key set fetches as well.
func checkURL(u *url.URL) error {
	switch {
	case u == nil:
		return errors.New("no URL")
	case u.User != nil:
		return fmt.Errorf("%q must not carry userinfo (credentials)", u.Redacted())
	case u.Opaque != "" || u.Hostname() == "":
		return fmt.Errorf("%q has no host", u.Redacted())
	case strings.EqualFold(u.Scheme, "https"):
		return nil
	case strings.EqualFold(u.Scheme, "http") && isLoopbackHost(u.Hostname()):
		return nil
	case strings.EqualFold(u.Scheme, "http"):
		return fmt.Errorf("%q: plain http is allowed only on a loopback host (127.0.0.0/8, ::1, localhost); use https", u.Redacted())
	}
	return fmt.Errorf("%q: scheme must be https (or http on a loopback host)", u.Redacted())
}

// isLoopbackHost reports whether host (without port or brackets) is a
// loopback IP address or the name localhost. Other names, even ones that
// resolve to loopback (127.0.0.1.nip.io), are not.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return true
	}
	addr, err := netip.ParseAddr(host)
	return err == nil && addr.Unmap().IsLoopback()
}
