package core

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"strconv"
	"strings"
	"time"
)

// The environment variables read by ConfigFromEnv (axioms-compatible).
const (
	envAudience        = "AXIOMS_AUDIENCE"
	envAudienceClaim   = "AXIOMS_AUDIENCE_CLAIM"
	envDomain          = "AXIOMS_DOMAIN"
	envIssURL          = "AXIOMS_ISS_URL"
	envJWKSURL         = "AXIOMS_JWKS_URL"
	envScopeClaims     = "AXIOMS_SCOPE_CLAIMS"
	envRolesClaims     = "AXIOMS_ROLES_CLAIMS"
	envPermClaims      = "AXIOMS_PERMISSIONS_CLAIMS"
	envTokenTypes      = "AXIOMS_TOKEN_TYPS"
	envRefreshInterval = "AXIOMS_JWKS_REFRESH_INTERVAL"
	envCacheTTL        = "AXIOMS_JWKS_CACHE_TTL"
	envMinRefresh      = "AXIOMS_JWKS_MIN_REFRESH_INTERVAL"
	envMaxAgeFloor     = "AXIOMS_JWKS_MAX_AGE_FLOOR"
	envLeeway          = "AXIOMS_LEEWAY"
	envDPoP            = "AXIOMS_DPOP"
	envDPoPNonce       = "AXIOMS_DPOP_NONCE"
	envIntroURL        = "AXIOMS_INTROSPECTION_URL"
	envIntroClientID   = "AXIOMS_INTROSPECTION_CLIENT_ID"
	envIntroSecret     = "AXIOMS_INTROSPECTION_CLIENT_SECRET"
	envIntroCacheTTL   = "AXIOMS_INTROSPECTION_CACHE_TTL"
	// envDPoPReplayRedis is read by package redisreplay (FromEnv), not by
	// ConfigFromLookup: core has no Redis client.
	envDPoPReplayRedis = "AXIOMS_DPOP_REPLAY_REDIS"
)

// settingOf maps a Config field to its environment variable. Fields missing
// here are set in code only.
var settingOf = map[string]string{
	"Audiences":                  envAudience,
	"AudienceClaim":              envAudienceClaim,
	"Issuer":                     envIssURL,
	"JWKSURL":                    envJWKSURL,
	"ScopeClaims":                envScopeClaims,
	"RoleClaims":                 envRolesClaims,
	"PermissionClaims":           envPermClaims,
	"TokenTypes":                 envTokenTypes,
	"RefreshInterval":            envRefreshInterval,
	"CacheTTL":                   envCacheTTL,
	"MinRefreshInterval":         envMinRefresh,
	"MaxAgeFloor":                envMaxAgeFloor,
	"Leeway":                     envLeeway,
	"DPoP.Mode":                  envDPoP,
	"DPoP.Nonce":                 envDPoPNonce,
	"Introspection.URL":          envIntroURL,
	"Introspection.ClientID":     envIntroClientID,
	"Introspection.ClientSecret": envIntroSecret,
	"Introspection.CacheTTL":     envIntroCacheTTL,
}

// ConfigFromEnv reads a Config from the AXIOMS_* environment variables; see
// ConfigFromLookup.
//
// It also logs, through slog's default logger, one warning for each
// AXIOMS_* variable in the environment that it does not read: a typo
// (naming the nearest known variable), a setting of the axioms Python
// packages that this library sets in code, or one of a feature not built
// yet. The Config is read all the same.
func ConfigFromEnv() (Config, error) {
	WarnUnknownEnv(nil, os.Environ())
	return ConfigFromLookup(os.LookupEnv)
}

// WarnUnknownEnv logs to logger (slog's default logger when nil) one
// warning for each AXIOMS_* variable of environ ("KEY=value" entries, as
// os.Environ returns) that ConfigFromEnv does not read, with the reason:
// the nearest known variable for a typo, what to do instead for a setting
// of the axioms Python packages, or that its feature is not built yet.
// ConfigFromEnv calls it; call it yourself before ConfigFromLookup.
func WarnUnknownEnv(logger *slog.Logger, environ []string) {
	if logger == nil {
		logger = slog.Default()
	}
	for _, s := range unknownSettings(environ) {
		logger.Warn("axioms: environment variable not read", "variable", s.name, "why", s.why)
	}
}

// ConfigFromLookup reads a Config from the AXIOMS_* variables that lookup
// returns (os.LookupEnv, a map in tests, a secrets store, ...):
//
//   - AXIOMS_AUDIENCE_CLAIM: AudienceClaim, the claim compared with the
//     audiences instead of aud (client_id for Amazon Cognito access tokens).
//   - AXIOMS_AUDIENCE: Audiences, comma-separated. Required. With several
//     issuers, it applies to each of them.
//   - AXIOMS_ISS_URL: Issuer, exactly as given (iss is compared exactly).
//     A comma-separated list of several issuers fills
//     Issuers instead, one IssuerConfig per issuer, each with only Issuer
//     set: every issuer gets its own key set, found by discovery (or at
//     {issuer}/.well-known/jwks.json). An issuer listed twice is an error.
//   - AXIOMS_DOMAIN: when AXIOMS_ISS_URL is unset, Issuer is
//     "https://" + the domain, after removing an http:// or https:// prefix
//     (any letter case) and trailing slashes. https is forced: for a plain
//     http issuer on loopback, use AXIOMS_ISS_URL.
//   - AXIOMS_JWKS_URL: JWKSURL. Left empty when unset; the key set then
//     finds it by discovery from the issuer (see Config.JWKSURL), falling
//     back to {Issuer without trailing slashes}/.well-known/jwks.json only
//     when the issuer publishes no discovery document. Setting it together
//     with several issuers is an error naming both variables.
//   - AXIOMS_SCOPE_CLAIMS, AXIOMS_ROLES_CLAIMS, AXIOMS_PERMISSIONS_CLAIMS,
//     AXIOMS_TOKEN_TYPS: comma-separated lists; a JSON array of strings
//     (["scope","scp"], as pydantic-settings reads lists) works too.
//   - AXIOMS_JWKS_REFRESH_INTERVAL, AXIOMS_JWKS_CACHE_TTL,
//     AXIOMS_JWKS_MIN_REFRESH_INTERVAL, AXIOMS_JWKS_MAX_AGE_FLOOR: integer
//     seconds ("3600") or a Go duration ("90s"), positive.
//   - AXIOMS_LEEWAY: the same syntax, zero or positive, at most maxLeeway.
//   - AXIOMS_DPOP: DPoP.Mode, off (default), allowed or required.
//   - AXIOMS_DPOP_NONCE: DPoP.Nonce, true or false (strconv.ParseBool).
//     AXIOMS_DPOP_REPLAY_REDIS is read by package redisreplay.
//   - AXIOMS_INTROSPECTION_URL, AXIOMS_INTROSPECTION_CLIENT_ID,
//     AXIOMS_INTROSPECTION_CLIENT_SECRET: Introspection.URL, ClientID and
//     ClientSecret (client_secret_basic; without a client ID, no client
//     authentication).
//   - AXIOMS_INTROSPECTION_CACHE_TTL: Introspection.CacheTTL, seconds or a
//     Go duration; 0 turns the cache off (CacheTTL -1).
//
// At least one of AXIOMS_DOMAIN, AXIOMS_ISS_URL, AXIOMS_JWKS_URL and
// AXIOMS_INTROSPECTION_URL is required; with AXIOMS_INTROSPECTION_URL
// alone, every token is introspected and iss is not checked. Values are trimmed of spaces and of one pair of quotes around
// the whole value; empty values count as unset. The
// returned Config holds only what the variables set (no defaults applied),
// and it already passes the checks NewVerifier makes: any problem is a
// *ConfigError (errors.Is(err, ErrConfig)) naming the variable.
//
// Differences from the axioms Python packages: the scheme prefix of
// AXIOMS_DOMAIN is removed only at the start and in any letter case, and
// trailing slashes are removed (Python removes "https://" and "http://"
// anywhere, case-sensitively, and keeps slashes, giving
// "https://d//.well-known/jwks.json" for "d/"); Issuer's trailing slashes
// are dropped before "/.well-known/jwks.json" is appended for the same
// reason; AXIOMS_AUDIENCE may list several audiences; AXIOMS_ISS_URL may
// list several issuers; without AXIOMS_JWKS_URL, discovery comes before the
// jwks.json default. AXIOMS_SAFE_METHODS and AXIOMS_JWKS_PREFETCH are not
// read: safe methods are set in code only, and the key set of a single
// issuer is always fetched at start (with several issuers, each key set is
// fetched when a token first names its issuer).
func ConfigFromLookup(lookup func(string) (string, bool)) (Config, error) {
	if lookup == nil {
		return Config{}, fmt.Errorf("core: config: nil lookup function: %w", ErrConfig)
	}
	r := envReader{lookup: lookup}
	c := Config{
		Audiences:          r.list("Audiences"),
		AudienceClaim:      r.value(envAudienceClaim),
		JWKSURL:            r.value(envJWKSURL),
		ScopeClaims:        r.list("ScopeClaims"),
		RoleClaims:         r.list("RoleClaims"),
		PermissionClaims:   r.list("PermissionClaims"),
		TokenTypes:         r.list("TokenTypes"),
		RefreshInterval:    r.duration("RefreshInterval", false),
		CacheTTL:           r.duration("CacheTTL", false),
		MinRefreshInterval: r.duration("MinRefreshInterval", false),
		MaxAgeFloor:        r.duration("MaxAgeFloor", false),
		Leeway:             r.duration("Leeway", true),
	}
	c.DPoP.Mode = r.dpopMode()
	c.DPoP.Nonce = r.boolean("DPoP.Nonce")
	c.Introspection = IntrospectionConfig{
		URL:          r.value(envIntroURL),
		ClientID:     r.value(envIntroClientID),
		ClientSecret: r.value(envIntroSecret),
		CacheTTL:     r.duration("Introspection.CacheTTL", true),
	}
	if r.value(envIntroCacheTTL) != "" && c.Introspection.CacheTTL == 0 {
		c.Introspection.CacheTTL = -1 // 0: no cache
	}
	fromDomain := r.issuer(&c)
	if r.err != nil {
		return Config{}, r.err
	}
	if _, err := resolve(c); err != nil {
		var ce *ConfigError
		if fromDomain && errors.As(err, &ce) && ce.Field == "Issuer" {
			ce.Setting = envDomain
		}
		return Config{}, err
	}
	return c, nil
}

// envReader reads variables, keeping the first error.
type envReader struct {
	lookup func(string) (string, bool)
	err    error
}

// value returns the trimmed value of name, "" when unset or empty. One
// pair of matching quotes around the whole value is removed, as an env
// file holds them (AXIOMS_ISS_URL="https://example.com/").
func (r *envReader) value(name string) string {
	v, _ := r.lookup(name)
	return unquote(strings.TrimSpace(v))
}

// unquote removes one pair of matching single or double quotes around v.
func unquote(v string) string {
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		return strings.TrimSpace(v[1 : len(v)-1])
	}
	return v
}

// dpopMode reads AXIOMS_DPOP; DPoPOff when unset.
func (r *envReader) dpopMode() DPoPMode {
	v := r.value(envDPoP)
	if v == "" {
		return DPoPOff
	}
	m, err := ParseDPoPMode(v)
	if err != nil {
		r.fail(configErr("DPoP.Mode", "%v", err))
	}
	return m
}

// boolean reads the boolean variable of field; false when unset.
func (r *envReader) boolean(field string) bool {
	v := r.value(settingOf[field])
	if v == "" {
		return false
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		r.fail(configErr(field, "%q is not a boolean (true or false)", v))
	}
	return b
}

func (r *envReader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

// list reads the list variable of field; nil when unset.
func (r *envReader) list(field string) []string {
	v := r.value(settingOf[field])
	if v == "" {
		return nil
	}
	items, err := splitList(v)
	if err != nil {
		r.fail(configErr(field, "%q: %v", v, err))
		return nil
	}
	if len(items) == 0 {
		r.fail(configErr(field, "%q lists no entries", v))
		return nil
	}
	return items
}

// splitList splits a comma-separated list or parses a JSON array of
// strings, trimming entries and dropping empty ones.
func splitList(v string) ([]string, error) {
	parts := strings.Split(v, ",")
	if strings.HasPrefix(v, "[") {
		parts = nil
		if err := json.Unmarshal([]byte(v), &parts); err != nil {
			return nil, errors.New("not a JSON array of strings; use a comma-separated list")
		}
	}
	return cleanList(parts, nil), nil
}

// duration reads the interval variable of field: integer seconds or a Go
// duration; 0 when unset. Zero is refused unless allowZero (an explicit 0
// would silently mean "default" otherwise).
func (r *envReader) duration(field string, allowZero bool) time.Duration {
	v := r.value(settingOf[field])
	if v == "" {
		return 0
	}
	d, err := parseSeconds(v)
	if err == nil && d == 0 && !allowZero {
		err = errors.New("must be positive (unset the variable for the default)")
	}
	if err != nil {
		r.fail(configErr(field, "%q: %v", v, err))
	}
	return d
}

// parseSeconds parses integer seconds ("3600") or a Go duration ("90s"),
// refusing negative values and values beyond time.Duration's range.
func parseSeconds(v string) (time.Duration, error) {
	errNegative := errors.New("must not be negative")
	n, err := strconv.ParseInt(v, 10, 64)
	switch {
	case err == nil && n < 0:
		return 0, errNegative
	case err == nil && n > math.MaxInt64/int64(time.Second), errors.Is(err, strconv.ErrRange):
		return 0, errors.New("too large")
	case err == nil:
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, errors.New(`want integer seconds ("3600") or a Go duration ("90s")`)
	}
	if d < 0 {
		return 0, errNegative
	}
	return d, nil
}

// issuer sets c.Issuer (or, for several, c.Issuers) from AXIOMS_ISS_URL,
// else c.Issuer from AXIOMS_DOMAIN, and reports whether it came from
// AXIOMS_DOMAIN.
func (r *envReader) issuer(c *Config) bool {
	if iss := r.value(envIssURL); iss != "" {
		list := cleanList(strings.Split(iss, ","), nil)
		switch len(list) {
		case 0:
			r.fail(configErr("Issuer", "%q lists no issuer", iss))
		case 1:
			c.Issuer = list[0]
		default:
			for _, one := range list {
				c.Issuers = append(c.Issuers, IssuerConfig{Issuer: one})
			}
		}
		return false
	}
	domain := r.value(envDomain)
	if domain == "" {
		return false
	}
	host := domain
	for _, prefix := range []string{"https://", "http://"} {
		if len(host) >= len(prefix) && strings.EqualFold(host[:len(prefix)], prefix) {
			host = host[len(prefix):]
			break
		}
	}
	host = strings.TrimRight(host, "/")
	if host == "" || strings.Contains(host, "://") || strings.ContainsAny(host, "?#@ \t") {
		r.fail(&ConfigError{Setting: envDomain, Field: "Issuer",
			Reason: fmt.Sprintf("%q is not a domain such as \"tenant.auth0.com\" (an optional path is allowed)", domain)})
		return true
	}
	c.Issuer = "https://" + host
	return true
}
