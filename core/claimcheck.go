package core

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/axiomsgo/axioms/core/internal/strictjson"
)

// The claim checks of Verify (RFC 7519 §4.1, RFC 9068 §4), applied after
// the signature with the rules of the token's issuer.

// maxNumericDate is 9999-12-31T23:59:59Z: later dates (and anything that
// would overflow time arithmetic) are refused.
const maxNumericDate = 253402300799

// issuerRules are the claim rules of one trusted issuer: those of the
// Config in the single-issuer form, those of an IssuerConfig with several
// issuers.
type issuerRules struct {
	issuer                                    string // exact expected iss; "" = not checked
	audiences                                 []string
	audienceClaim                             string
	scopeClaims, roleClaims, permissionClaims []string
	required                                  []string
}

// rulesOf returns the claim settings of ic.
func rulesOf(ic IssuerConfig) issuerRules {
	return issuerRules{
		issuer: ic.Issuer, audiences: ic.Audiences, audienceClaim: ic.AudienceClaim,
		scopeClaims: ic.ScopeClaims, roleClaims: ic.RoleClaims, permissionClaims: ic.PermissionClaims,
		required: ic.RequiredClaims,
	}
}

// claimsMembers and claimsElems are the numbers of object members and
// array elements room is made for beside Claims: those of a typical access
// token (the benchmark token has 8 members and a 2-element roles array,
// tokens of Okta or Auth0 10–12 members and a few short arrays). A larger
// claim set gets exactly sized slices of its own, the room going unused.
const (
	claimsMembers = 12
	claimsElems   = 8
)

// claimsBlock allocates Claims together with room for the claim tree: one
// allocation instead of three.
type claimsBlock struct {
	Claims
	members [claimsMembers]strictjson.Member
	elems   [claimsElems]strictjson.Value
}

// decodeClaims parses the decoded payload of t (strict JSON, an object)
// into Claims whose rules are not applied yet, keeping what gives back the
// token.
func decodeClaims(t *jws) (*Claims, error) {
	if err := t.decodeBody(); err != nil {
		return nil, err
	}
	payload := t.body
	b := &claimsBlock{Claims: Claims{head: t.head, tail: t.tail, raw: payload}}
	c := &b.Claims
	var err error
	if c.root, err = strictjson.ParseInto(payload, b.members[:], b.elems[:]); err != nil || c.root.Kind() != strictjson.Object {
		return nil, ErrClaimsMalformed
	}
	return c, nil
}

// applyRules applies the claim rules r of the issuer to parsed claims.
func (v *Verifier) applyRules(c *Claims, r *issuerRules) error {
	if err := c.readRegistered(); err != nil {
		return err
	}
	return v.checkRules(c, r, false)
}

// checkRules applies the rules r to claims whose registered members are
// read: the times, the lifetime, iss, aud (an absent or empty one passes
// with noAudienceOK, for introspection answers), the required claims;
// then it selects the scope, role and permission claims.
func (v *Verifier) checkRules(c *Claims, r *issuerRules, noAudienceOK bool) error {
	if err := v.checkTimes(c, v.cfg.Now()); err != nil {
		return err
	}
	if m := v.cfg.MaxTokenLifetime; m > 0 && (c.issued.IsZero() || c.expiry.IsZero() || c.expiry.Sub(c.issued) > m) {
		return ErrTokenLifetime
	}
	c.now = &v.cfg.Now
	if r.issuer != "" && c.issuer != r.issuer {
		return ErrIssuerMismatch
	}
	if !audienceAccepted(c, r) && !(noAudienceOK && noAudience(c, r)) {
		return ErrAudienceMismatch
	}
	for _, name := range r.required {
		if lookupClaim(&c.root, name) == nil {
			return ErrRequiredClaimMissing
		}
	}
	c.scopes = firstClaim(&c.root, r.scopeClaims)
	c.roles = firstClaim(&c.root, r.roleClaims)
	c.permissions = firstClaim(&c.root, r.permissionClaims)
	return nil
}

// readRegistered type-checks the registered claims (RFC 7519 §4.1): iss,
// sub, jti, client_id strings; aud a string or an array of strings; exp
// required; exp, nbf, iat NumericDates; cnf an object (RFC 7800 §3.1).
// null counts as a wrong type.
func (c *Claims) readRegistered() error {
	if err := c.readMembers(); err != nil {
		return err
	}
	if c.expiry.IsZero() {
		return ErrRequiredClaimMissing
	}
	return nil
}

// readMembers is readRegistered without requiring exp (an introspection
// answer may omit it, RFC 7662 §2.2).
func (c *Claims) readMembers() error {
	members := c.root.Obj()
	for i := range members {
		if err := c.readMember(&members[i]); err != nil {
			return err
		}
	}
	return nil
}

// readMember type-checks one member of the claim set and keeps the
// registered claims the checks and accessors use.
func (c *Claims) readMember(m *strictjson.Member) error {
	v := &m.Value
	var err error
	switch m.Key {
	case "iss", "sub", "jti", "client_id":
		if v.Kind() != strictjson.String {
			return ErrClaimsMalformed
		}
		if m.Key == "iss" {
			c.issuer = v.Str()
		} else if m.Key == "sub" {
			c.subject = v.Str()
		}
	case "aud":
		if !isStringOrStrings(v) {
			return ErrClaimsMalformed
		}
		c.aud = v
	case "cnf":
		if v.Kind() != strictjson.Object {
			return ErrClaimsMalformed
		}
		c.confirmation = v
	case "exp":
		c.expiry, err = numericDate(v)
	case "nbf":
		c.notBefore, err = numericDate(v)
	case "iat":
		c.issued, err = numericDate(v)
	}
	return err
}

func isStringOrStrings(v *strictjson.Value) bool {
	switch v.Kind() {
	case strictjson.String:
		return true
	case strictjson.Array:
		elems := v.Arr()
		for i := range elems {
			if elems[i].Kind() != strictjson.String {
				return false
			}
		}
		return true
	}
	return false
}

// numericDate reads a NumericDate (RFC 7519 §2): a JSON number of seconds,
// fractions allowed, strictly positive and no later than year 9999. Strings,
// null and anything that could overflow are refused.
func numericDate(v *strictjson.Value) (time.Time, error) {
	if v.Kind() != strictjson.Number {
		return time.Time{}, ErrClaimsMalformed
	}
	if !strings.ContainsAny(v.Str(), ".eE") {
		sec, err := strconv.ParseInt(v.Str(), 10, 64)
		if err != nil || sec <= 0 || sec > maxNumericDate {
			return time.Time{}, ErrClaimsMalformed
		}
		return time.Unix(sec, 0), nil
	}
	f, err := strconv.ParseFloat(v.Str(), 64)
	if err != nil || !(f > 0 && f <= maxNumericDate) {
		return time.Time{}, ErrClaimsMalformed
	}
	sec := int64(f)
	return time.Unix(sec, int64((f-float64(sec))*1e9)), nil
}

// checkTimes applies exp, nbf and iat with the leeway (RFC 7519 §4.1.4–6):
// now must be before exp, at or after nbf, and iat not in the future.
func (v *Verifier) checkTimes(c *Claims, now time.Time) error {
	return timesValid(c, now, v.cfg.Leeway)
}

// timesValid is checkTimes with the leeway given. A zero exp is no exp:
// only an introspection answer may lack it (readRegistered requires it of
// a JWT).
func timesValid(c *Claims, now time.Time, leeway time.Duration) error {
	hasExp := !c.expiry.IsZero()
	switch {
	case hasExp && !now.Add(-leeway).Before(c.expiry):
		return ErrTokenExpired
	case !c.notBefore.IsZero() && now.Add(leeway).Before(c.notBefore):
		return ErrTokenNotYetValid
	case !c.issued.IsZero() && c.issued.After(now.Add(leeway)):
		return ErrTokenIssuedInFuture
	case hasExp && !c.issued.IsZero() && c.issued.After(c.expiry):
		return ErrClaimsMalformed
	}
	return nil
}

// noAudience reports whether the claims name no audience: no aud (or an
// empty array) and, without aud, no string AudienceClaim.
func noAudience(c *Claims, r *issuerRules) bool {
	if c.aud != nil {
		return c.aud.Kind() == strictjson.Array && len(c.aud.Arr()) == 0
	}
	if r.audienceClaim != "" {
		if alt, ok := c.root.Get(r.audienceClaim); ok && alt.Kind() == strictjson.String {
			return false
		}
	}
	return true
}

// audienceAccepted reports whether aud (or, without aud, the configured
// AudienceClaim) holds one of the configured audiences, compared exactly.
func audienceAccepted(c *Claims, r *issuerRules) bool {
	aud := c.aud
	if aud == nil && r.audienceClaim != "" {
		if alt, ok := c.root.Get(r.audienceClaim); ok && alt.Kind() == strictjson.String {
			aud = alt
		}
	}
	if aud == nil {
		return false
	}
	if aud.Kind() == strictjson.String {
		return slices.Contains(r.audiences, aud.Str())
	}
	elems := aud.Arr()
	for i := range elems {
		if slices.Contains(r.audiences, elems[i].Str()) {
			return true
		}
	}
	return false
}
