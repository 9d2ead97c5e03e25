package core

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/axiomsgo/axioms/core/internal/strictjson"
)

// tenantPlaceholder is replaced by each tenant of an IssuerPattern.
const tenantPlaceholder = "{tenant}"

// Issuers returns the issuers this Verifier trusts (a copy), in
// configuration order (Config.Issuers, then the tenants of each
// IssuerPattern); empty when no issuer is configured (JWKS URL only).
func (v *Verifier) Issuers() []string { return slices.Clone(v.issuers) }

// Audiences returns the configured audiences (a copy): Config.Audiences,
// then, with several issuers, the audiences of IssuerConfig entries not
// already listed.
func (v *Verifier) Audiences() []string { return slices.Clone(v.audiences) }

// issuerEntry is one trusted issuer of a Verifier with several issuers.
type issuerEntry struct {
	rules   claimRules
	jwksURL string                       // "" = discovery
	static  KeySet                       // IssuerConfig.KeySet (the caller's), or nil
	remote  atomic.Pointer[RemoteKeySet] // created on first use, closed by Close
}

// severalIssuers reports whether c uses the form with several issuers.
func (c *Config) severalIssuers() bool { return len(c.Issuers) > 0 || len(c.IssuerPatterns) > 0 }

// addIssuers builds the issuer entries of a Verifier with several issuers.
// No key set is created here: each starts on the first token naming its
// issuer.
func (v *Verifier) addIssuers() error {
	list, err := v.cfg.trustedIssuers()
	if err != nil {
		return err
	}
	v.byIssuer = make(map[string]*issuerEntry, len(list))
	for _, ic := range list {
		v.byIssuer[ic.Issuer] = &issuerEntry{rules: rulesOf(ic), jwksURL: ic.JWKSURL, static: ic.KeySet}
		v.issuers = append(v.issuers, ic.Issuer)
		for _, a := range ic.Audiences {
			if !slices.Contains(v.audiences, a) {
				v.audiences = append(v.audiences, a)
			}
		}
	}
	return nil
}

// selectIssuer returns the entry of the issuer a parsed, not yet verified
// claim set names, or nil when its "iss" is absent, not a string or not
// trusted. The iss only selects the keys to try; nothing is fetched here.
func (v *Verifier) selectIssuer(root *strictjson.Value) *issuerEntry {
	iss, ok := root.Get("iss")
	if !ok || iss.Kind != strictjson.String {
		return nil
	}
	return v.byIssuer[iss.Str]
}

// keySetOf returns the key set of e, creating its RemoteKeySet on first use.
// After Close no key set is created (ErrKeysUnavailable).
func (v *Verifier) keySetOf(e *issuerEntry) (KeySet, error) {
	if e.static != nil {
		return e.static, nil
	}
	if r := e.remote.Load(); r != nil {
		return r, nil
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if r := e.remote.Load(); r != nil {
		return r, nil
	}
	if v.closed {
		return nil, errKeysUnavailable
	}
	cfg := v.cfg
	cfg.Issuer, cfg.JWKSURL, cfg.KeySet = e.rules.issuer, e.jwksURL, nil
	cfg.Issuers, cfg.IssuerPatterns = nil, nil
	r, err := NewRemoteKeySet(cfg)
	if err != nil { // validated by NewVerifier: not expected
		v.cfg.Logger.Error("axioms: cannot create key set", slog.String("issuer", e.rules.issuer),
			slog.String("reason", err.Error()))
		return nil, errKeysUnavailable
	}
	e.remote.Store(r)
	return r, nil
}

// closeKeySets marks v closed, so that no key set is created any more, and
// closes the key sets it created.
func (v *Verifier) closeKeySets() {
	v.mu.Lock()
	v.closed = true
	v.mu.Unlock()
	for _, e := range v.byIssuer {
		if r := e.remote.Load(); r != nil {
			_ = r.Close()
		}
	}
}

// trustedIssuers returns every issuer of a Config with several issuers
// (Issuers, then the expansion of IssuerPatterns), each with the settings
// it inherits filled in, or the first bad setting. c has defaults applied.
// It returns nil for the single-issuer form.
func (c *Config) trustedIssuers() ([]IssuerConfig, error) {
	if !c.severalIssuers() {
		return nil, nil
	}
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
	if ic.JWKSURL != "" && ic.KeySet == nil {
		if err := checkEndpoint(name+".JWKSURL", ic.JWKSURL, true); err != nil {
			return ic, err
		}
	}
	r := ic
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
			return ic, issuerErr(field, "lists no entries (leave it empty to inherit Config.%s)", l.field)
		}
		if l.required && len(*l.own) == 0 {
			return ic, withSetting(issuerErr(field, "at least one audience is required, here or in Config.Audiences"), envAudience)
		}
		if err := checkEntries(field, *l.own, l.plain); err != nil {
			return ic, err
		}
	}
	r.AudienceClaim = orDefault(r.AudienceClaim, c.AudienceClaim)
	if r.AudienceClaim != "" && !isPlainName(r.AudienceClaim) {
		return ic, issuerErr(name+".AudienceClaim", "%q is not a plain claim name such as \"client_id\"", r.AudienceClaim)
	}
	return r, nil
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

// verifyIssuers is Verify for a Verifier with several issuers: the payload
// is decoded and parsed before the signature, once, only to select the
// issuer by its "iss"; an unlisted iss is refused before any key lookup.
func (v *Verifier) verifyIssuers(ctx context.Context, token string) (*Claims, error) {
	parts, h, err := v.parseJWS(token)
	if err != nil {
		return nil, err
	}
	payload, ok := decodeSegment(parts.payload)
	if !ok {
		return nil, ErrTokenMalformed
	}
	c, err := parseClaims(payload)
	if err != nil {
		return nil, err
	}
	e := v.selectIssuer(&c.root)
	if e == nil {
		return nil, ErrIssuerMismatch
	}
	keys, err := v.keySetOf(e)
	if err != nil {
		return nil, err
	}
	key, err := verifySignature(ctx, keys, h, parts)
	if err != nil {
		return nil, err
	}
	if err := v.applyRules(c, &e.rules); err != nil {
		return nil, err
	}
	if v.cache != nil {
		v.cache.add(token, key, keys, c, v.cfg.Now())
	}
	return c, nil
}
