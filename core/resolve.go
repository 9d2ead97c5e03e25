package core

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"
)

// tenantPlaceholder is replaced by each tenant of an IssuerPattern.
const tenantPlaceholder = "{tenant}"

// settings are a Config resolved once, when a Verifier is built: defaults
// applied, every setting checked, the trusted issuers listed with what they
// inherit. Nothing is checked again at request time.
type settings struct {
	cfg     Config
	typs    []string // TokenTypes normalised for mediaTypeIs
	issuers []issuerSettings
	several bool // the form with several issuers (Issuers, IssuerPatterns)
	fetch   fetchSettings
	cache   cacheSettings
	dpop    *dpopSettings          // nil when DPoP is off
	intro   *introspectionSettings // nil when introspection is off
}

// issuerSettings are the resolved settings of one trusted issuer.
type issuerSettings struct {
	rules   issuerRules
	jwksURL string                 // "" = discovery
	keySet  KeySet                 // the caller's, or nil
	intro   *introspectionSettings // IssuerConfig.Introspection, or nil
}

// fetchSettings are what a RemoteKeySet needs, checked.
type fetchSettings struct {
	refreshInterval, cacheTTL, minInterval, maxAgeFloor, timeout time.Duration
	maxBytes                                                     int64
	maxKeys, maxRSABits                                          int
	client                                                       *http.Client // the caller's, or nil
	now                                                          func() time.Time
	logger                                                       *slog.Logger
	observer                                                     *Observer
	// Tests only; nil means the real one.
	random   func() float64                // jitter source, uniform in [0, 1)
	newTimer func(time.Duration) loopTimer // the background loop's timer
}

// cacheSettings bound the verified-token cache; entries is -1 when it is
// off.
type cacheSettings struct {
	entries int
	bytes   int64
	maxAge  time.Duration
}

// resolve applies the defaults to cfg, checks every setting and lists the
// trusted issuers. The error is a *ConfigError naming the first bad
// setting.
func resolve(cfg Config) (*settings, error) {
	c := cfg.withDefaults()
	if err := c.validate(); err != nil {
		return nil, err
	}
	list, err := c.issuerList()
	if err != nil {
		return nil, err
	}
	s := &settings{cfg: c, several: c.severalIssuers(), fetch: c.fetchSettings(), cache: c.tokenCacheSettings()}
	if s.dpop, err = c.resolveDPoP(); err != nil {
		return nil, err
	}
	for _, t := range c.TokenTypes {
		s.typs = append(s.typs, normalizeMediaType(t))
	}
	if s.intro, err = c.resolveIntrospection(list); err != nil {
		return nil, err
	}
	for i, ic := range list {
		is := issuerSettings{rules: rulesOf(ic), jwksURL: ic.JWKSURL, keySet: ic.KeySet}
		if is.intro, err = resolveIssuerIntrospection(i, ic, s.intro); err != nil {
			return nil, err
		}
		s.issuers = append(s.issuers, is)
	}
	return s, nil
}

// withDefaults returns c with every zero optional field set to its default.
// JWKSURL stays empty when unset: the key set finds it by discovery. Issuers
// and IssuerPatterns are left as they are (issuerList resolves them).
// Every slice is copied, its entries trimmed of spaces and empty entries
// dropped; a nil list gets its default, a non-nil list that ends up empty
// stays empty (validate refuses it, except SafeMethods, where empty means
// "none"). HTTPClient stays nil: the key set builds its own.
//
// Two defaults follow the interval the caller chose, so that every valid
// RefreshInterval stays valid alone (as in the axioms Python packages):
// MinRefreshInterval defaults to min(30s, RefreshInterval) and CacheTTL to
// max(2h, 2×RefreshInterval); MaxAgeFloor to min(5m, RefreshInterval), at
// least MinRefreshInterval.
func (c Config) withDefaults() Config {
	c.Audiences = cleanList(c.Audiences, nil)
	c.Algorithms = cleanList(c.Algorithms, defaultAlgorithms)
	c.TokenTypes = cleanList(c.TokenTypes, defaultTokenTypes)
	c.ScopeClaims = cleanList(c.ScopeClaims, defaultScopeClaims)
	c.RoleClaims = cleanList(c.RoleClaims, defaultRoleClaims)
	c.PermissionClaims = cleanList(c.PermissionClaims, defaultPermClaims)
	c.RequiredClaims = cleanList(c.RequiredClaims, nil)
	c.SafeMethods = cleanList(c.SafeMethods, defaultSafeMethods)
	c.Realm = orDefault(c.Realm, defaultRealm)
	c.RefreshInterval = orDefault(c.RefreshInterval, defaultRefreshInterval)
	if c.RefreshInterval > 0 {
		c.MinRefreshInterval = orDefault(c.MinRefreshInterval, min(defaultMinRefreshInterval, c.RefreshInterval))
		c.CacheTTL = orDefault(c.CacheTTL, max(defaultCacheTTL, 2*c.RefreshInterval))
	}
	c.MinRefreshInterval = orDefault(c.MinRefreshInterval, defaultMinRefreshInterval)
	c.MaxAgeFloor = orDefault(c.MaxAgeFloor, max(c.MinRefreshInterval, min(defaultMaxAgeFloor, c.RefreshInterval)))
	c.CacheTTL = orDefault(c.CacheTTL, defaultCacheTTL)
	c.FetchTimeout = orDefault(c.FetchTimeout, defaultFetchTimeout)
	c.MaxJWKSBytes = orDefault(c.MaxJWKSBytes, defaultMaxJWKSBytes)
	c.MaxKeys = orDefault(c.MaxKeys, defaultMaxKeys)
	c.MaxRSABits = orDefault(c.MaxRSABits, defaultMaxRSABits)
	c.MaxTokenBytes = orDefault(c.MaxTokenBytes, defaultMaxTokenBytes)
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// cleanList copies in, trimming entries and dropping empty ones; nil gets a
// copy of def.
func cleanList(in, def []string) []string {
	if in == nil {
		return slices.Clone(def)
	}
	out := make([]string, 0, len(in))
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// fetchSettings returns the key set settings of c (defaults applied).
func (c *Config) fetchSettings() fetchSettings {
	return fetchSettings{
		refreshInterval: c.RefreshInterval, cacheTTL: c.CacheTTL, minInterval: c.MinRefreshInterval, maxAgeFloor: c.MaxAgeFloor,
		timeout: c.FetchTimeout, maxBytes: c.MaxJWKSBytes, maxKeys: c.MaxKeys, maxRSABits: c.MaxRSABits,
		client: c.HTTPClient, now: c.Now, logger: c.Logger, observer: c.Observer,
	}
}

// tokenCacheSettings returns the verified-token cache bounds with their
// defaults; entries is -1 when the cache is off.
func (c *Config) tokenCacheSettings() cacheSettings {
	return cacheSettings{
		entries: orDefault(c.TokenCacheEntries, defaultTokenCacheEntries),
		bytes:   orDefault(c.TokenCacheBytes, defaultTokenCacheBytes),
		maxAge:  orDefault(c.TokenCacheMaxAge, defaultTokenCacheMaxAge),
	}
}

// severalIssuers reports whether c uses the form with several issuers.
func (c *Config) severalIssuers() bool { return len(c.Issuers) > 0 || len(c.IssuerPatterns) > 0 }

// issuerList returns the trusted issuers of c (defaults applied), each with
// the settings it inherits filled in: in the single-issuer form the one
// issuer of the Config (Issuer may be empty), else Issuers then the
// expansion of IssuerPatterns.
func (c *Config) issuerList() ([]IssuerConfig, error) {
	if !c.severalIssuers() {
		if c.KeySet == nil && c.hasKeySource() { // none: introspection only
			if err := c.checkKeySource(); err != nil {
				return nil, err
			}
		}
		return []IssuerConfig{{
			Issuer: c.Issuer, JWKSURL: c.JWKSURL, KeySet: c.KeySet, Audiences: c.Audiences,
			AudienceClaim: c.AudienceClaim, ScopeClaims: c.ScopeClaims, RoleClaims: c.RoleClaims,
			PermissionClaims: c.PermissionClaims, RequiredClaims: c.RequiredClaims,
		}}, nil
	}
	return c.trustedIssuers()
}

// trustedIssuers returns every issuer of a Config with several issuers
// (Issuers, then the expansion of IssuerPatterns), each with the settings
// it inherits filled in, or the first bad setting. c has defaults applied.
func (c *Config) trustedIssuers() ([]IssuerConfig, error) {
	if err := c.checkSingleFormUnset(); err != nil {
		return nil, err
	}
	out := make([]IssuerConfig, 0, len(c.Issuers))
	for i, ic := range c.Issuers {
		r, err := c.resolveIssuer(ic, fmt.Sprintf("Issuers[%d]", i))
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if len(c.IssuerPatterns) > 0 && len(c.Audiences) == 0 {
		return nil, configErr("Audiences", "at least one audience is required: the issuers of IssuerPatterns inherit it")
	}
	for i, p := range c.IssuerPatterns {
		name := fmt.Sprintf("IssuerPatterns[%d]", i)
		expanded, err := p.expand(name)
		if err != nil {
			return nil, err
		}
		for _, ic := range expanded {
			r, err := c.resolveIssuer(ic, name)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
	}
	return out, checkDistinct(out)
}

// checkSingleFormUnset refuses the single-issuer settings beside Issuers or
// IssuerPatterns: they would be ambiguous.
func (c *Config) checkSingleFormUnset() error {
	switch {
	case c.JWKSURL != "":
		return &ConfigError{Setting: envIssURL + ", " + envJWKSURL, Field: "JWKSURL, Issuers",
			Reason: "several issuers cannot share one JWKS URL: unset AXIOMS_JWKS_URL (Config.JWKSURL) so that each " +
				"issuer's keys are found by discovery, or set IssuerConfig.JWKSURL per issuer in code"}
	case c.Issuer != "":
		return &ConfigError{Field: "Issuer, Issuers",
			Reason: "Issuer is the single-issuer form: with Issuers or IssuerPatterns, list every issuer there"}
	case c.KeySet != nil:
		return &ConfigError{Field: "KeySet, Issuers",
			Reason: "one KeySet cannot serve several issuers: set IssuerConfig.KeySet per issuer"}
	}
	return nil
}

// resolveIssuer checks ic and fills its empty settings from c; name is the
// Config path of ic in error messages.
func (c *Config) resolveIssuer(ic IssuerConfig, name string) (IssuerConfig, error) {
	if ic.Issuer == "" {
		return ic, issuerErr(name+".Issuer", "required")
	}
	if err := checkEndpoint(name+".Issuer", ic.Issuer, false); err != nil {
		return ic, withSetting(err, envIssURL)
	}
	if err := checkNotNilKeySet(name+".KeySet", ic.KeySet); err != nil {
		return ic, err
	}
	if ic.JWKSURL != "" && ic.KeySet == nil {
		if err := checkEndpoint(name+".JWKSURL", ic.JWKSURL, true); err != nil {
			return ic, err
		}
	}
	r := ic
	if err := c.inheritLists(&r, name); err != nil {
		return ic, err
	}
	r.AudienceClaim = orDefault(r.AudienceClaim, c.AudienceClaim)
	if r.AudienceClaim != "" && !isPlainName(r.AudienceClaim) {
		return ic, issuerErr(name+".AudienceClaim", "%q is not a plain claim name such as \"client_id\"", r.AudienceClaim)
	}
	return r, nil
}

// inheritLists fills the empty lists of r from c and checks them; name is
// the Config path of r in error messages.
func (c *Config) inheritLists(r *IssuerConfig, name string) error {
	lists := []struct {
		field    string
		own      *[]string
		top      []string
		required bool // must end up non-empty (Audiences may be empty in Config)
		plain    bool // no spaces inside entries
	}{
		{"Audiences", &r.Audiences, c.Audiences, true, false},
		{"ScopeClaims", &r.ScopeClaims, c.ScopeClaims, false, true}, // inherited lists are never empty (checkClaimLists)
		{"RoleClaims", &r.RoleClaims, c.RoleClaims, false, true},
		{"PermissionClaims", &r.PermissionClaims, c.PermissionClaims, false, true},
		{"RequiredClaims", &r.RequiredClaims, c.RequiredClaims, false, true},
	}
	for _, l := range lists {
		field := name + "." + l.field
		if len(*l.own) == 0 {
			*l.own = l.top
		} else if *l.own = cleanList(*l.own, nil); len(*l.own) == 0 {
			return issuerErr(field, "lists no entries (leave it empty to inherit Config.%s)", l.field)
		}
		if l.required && len(*l.own) == 0 {
			return withSetting(issuerErr(field, "at least one audience is required, here or in Config.Audiences"), envAudience)
		}
		if err := checkEntries(field, *l.own, l.plain); err != nil {
			return err
		}
	}
	return nil
}

// expand returns the issuers of p, their URLs checked; name is the Config
// path of p in error messages.
func (p IssuerPattern) expand(name string) ([]IssuerConfig, error) {
	switch {
	case strings.Count(p.Template, tenantPlaceholder) != 1:
		return nil, issuerErr(name+".Template", "%q must contain %s exactly once", p.Template, tenantPlaceholder)
	case strings.Count(p.JWKSURL, tenantPlaceholder) > 1:
		return nil, issuerErr(name+".JWKSURL", "%q may contain %s at most once", p.JWKSURL, tenantPlaceholder)
	case len(p.Tenants) == 0:
		return nil, issuerErr(name+".Tenants", "at least one tenant is required: the allow-list keeps every other tenant out")
	}
	out := make([]IssuerConfig, 0, len(p.Tenants))
	for i, t := range p.Tenants {
		if !isTenant(t) {
			return nil, issuerErr(name+".Tenants", "entry %d (%q) must be non-empty and made of letters, digits, '-', '.', '_' and '~' only", i+1, t)
		}
		ic := IssuerConfig{Issuer: strings.Replace(p.Template, tenantPlaceholder, t, 1)}
		if err := checkEndpoint(name+".Template", ic.Issuer, false); err != nil {
			return nil, err
		}
		if p.JWKSURL != "" {
			ic.JWKSURL = strings.Replace(p.JWKSURL, tenantPlaceholder, t, 1)
			if err := checkEndpoint(name+".JWKSURL", ic.JWKSURL, true); err != nil {
				return nil, err
			}
		}
		out = append(out, ic)
	}
	return out, nil
}

// isTenant reports whether t is a non-empty run of RFC 3986 unreserved
// characters.
func isTenant(t string) bool {
	return t != "" && !strings.ContainsFunc(t, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune("-._~", r))
	})
}

// checkDistinct refuses an issuer listed twice: its settings would be
// ambiguous.
func checkDistinct(list []IssuerConfig) error {
	seen := make(map[string]bool, len(list))
	for _, ic := range list {
		if seen[ic.Issuer] {
			return withSetting(issuerErr("Issuers", "%q is listed twice", ic.Issuer), envIssURL)
		}
		seen[ic.Issuer] = true
	}
	return nil
}

// issuerErr builds the error of a setting that exists in code only.
func issuerErr(field, format string, args ...any) *ConfigError {
	return &ConfigError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// withSetting names the environment variable of err, a *ConfigError from a
// setting that variable can also carry.
func withSetting(err error, setting string) error {
	var ce *ConfigError
	if errors.As(err, &ce) {
		ce.Setting = setting
	}
	return err
}
