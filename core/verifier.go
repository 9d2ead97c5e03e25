package core

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/axiomsgo/axioms/core/internal/strictjson"
)

// maxKidlessKeys bounds how many keys a token without kid is tried against,
// so that one request can never cost more than a few signature checks.
const maxKidlessKeys = 8

// maxNumericDate is 9999-12-31T23:59:59Z: later dates (and anything that
// would overflow time arithmetic) are refused (threats 81–82).
const maxNumericDate = 253402300799

// Verifier verifies access tokens and evaluates policies. It is safe for
// concurrent use. Build it once with NewVerifier and Close it when done.
type Verifier struct {
	cfg      Config
	keys     KeySet
	owned    *RemoteKeySet // closed by Close; nil when the KeySet is the caller's
	algs     []string
	typs     []string // normalised: lower case, no "application/" prefix
	required []string
	cache    *tokenCache // nil when Config.TokenCacheEntries is -1
}

// NewVerifier validates cfg and builds a Verifier. Unless cfg.KeySet is set,
// it starts a RemoteKeySet for cfg.JWKSURL, which fetches in the background:
// NewVerifier never blocks on the network and succeeds while the issuer is
// down (requests then get ErrKeysUnavailable until keys load).
func NewVerifier(cfg Config) (*Verifier, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	v := &Verifier{cfg: cfg, keys: cfg.KeySet, algs: cfg.Algorithms, required: cfg.RequiredClaims}
	if entries, bytes, maxAge := cfg.tokenCacheSettings(); entries > 0 {
		v.cache = newTokenCache(entries, bytes, maxAge, cfg.Leeway)
	}
	for _, t := range cfg.TokenTypes {
		v.typs = append(v.typs, normalizeMediaType(t))
	}
	if v.keys == nil {
		rs, err := NewRemoteKeySet(cfg)
		if err != nil {
			return nil, err
		}
		v.keys, v.owned = rs, rs
	}
	return v, nil
}

// Close stops the background key refresh of a key set the Verifier created.
// It is safe to call more than once.
func (v *Verifier) Close() error {
	if v.owned != nil {
		return v.owned.Close()
	}
	return nil
}

// Realm returns the configured challenge realm.
func (v *Verifier) Realm() string { return v.cfg.Realm }

// ErrorResponse is ErrorResponse(err, v.Realm()).
func (v *Verifier) ErrorResponse(err error) Response { return ErrorResponse(err, v.cfg.Realm) }

// IsSafeMethod reports whether method skips authentication (Config.SafeMethods).
func (v *Verifier) IsSafeMethod(method string) bool {
	return slices.Contains(v.cfg.SafeMethods, method)
}

// Verify checks a compact JWS access token (behaviour.md §3) and returns its
// claims. Checks run in this order, so that a bad signature is always
// reported before any claim problem (threat 109): size cap; compact form and
// base64url alphabet; protected header (strict JSON, alg allow-list, typ,
// crit/b64/nesting refused); key selection by kid from the key set only;
// algorithm bound to the key; signature; then the claims: exp required,
// exp/nbf/iat numeric and in range with the leeway, iss exact, aud any-of,
// required claims present, registered claims of the right JSON type.
//
// Errors match ErrInvalidToken (with a reason such as ErrTokenExpired) or
// ErrKeysUnavailable. Verify does not check token binding (DPoP, mTLS) nor
// revocation.
//
// A token verified before may be answered from the verified-token cache
// (Config.TokenCacheEntries), with the decision a fresh verification would
// make.
func (v *Verifier) Verify(ctx context.Context, token string) (*Claims, error) {
	if c := v.cachedClaims(ctx, token); c != nil {
		return c, nil
	}
	payload, key, err := v.verifyJWSKey(ctx, token)
	if err != nil {
		return nil, err
	}
	c, err := v.checkClaims(payload)
	if err != nil {
		return nil, err
	}
	if v.cache != nil {
		v.cache.add(token, key, c, v.cfg.Now())
	}
	return c, nil
}

// verifyJWS is the JWS half of Verify: everything up to and including the
// signature. It returns the decoded payload.
func (v *Verifier) verifyJWS(ctx context.Context, token string) (string, error) {
	payload, _, err := v.verifyJWSKey(ctx, token)
	return payload, err
}

// verifyJWSKey is verifyJWS that also returns the key that verified the
// signature.
func (v *Verifier) verifyJWSKey(ctx context.Context, token string) (string, *PublicKey, error) {
	if len(token) > v.cfg.MaxTokenBytes {
		return "", nil, ErrTokenTooLarge
	}
	parts, ok := splitCompact(token)
	if !ok {
		return "", nil, ErrTokenMalformed
	}
	h, err := parseHeader(parts.header)
	if err != nil {
		return "", nil, err
	}
	if err := v.checkHeader(h); err != nil {
		return "", nil, err
	}
	key, err := v.verifySignature(ctx, h, parts)
	if err != nil {
		return "", nil, err
	}
	payload, ok := decodeSegment(parts.payload)
	if !ok {
		return "", nil, ErrTokenMalformed
	}
	return payload, key, nil
}

// checkHeader applies the configured alg allow-list and typ set.
func (v *Verifier) checkHeader(h joseHeader) error {
	if !slices.Contains(v.algs, h.alg) {
		return ErrUnsupportedAlgorithm // includes "none" in any case and HS*
	}
	if h.hasTyp && !slices.ContainsFunc(v.typs, func(t string) bool { return mediaTypeIs(h.typ, t) }) {
		return ErrUnsupportedTokenType
	}
	return nil
}

// verifySignature selects the candidate keys and checks the signature over
// the signing input exactly as received. A token without kid (or with an
// empty kid) is tried against at most maxKidlessKeys keys that fit its alg,
// and never causes a refresh. It returns the key that verified the token.
func (v *Verifier) verifySignature(ctx context.Context, h joseHeader, parts compact) (*PublicKey, error) {
	// The signature is decoded before the key lookup, so that a malformed
	// token never spends the rate-limited refresh of an unknown kid.
	var sigBuf [1024]byte // RSA-8192 signatures are 1024 bytes
	if b64.DecodedLen(len(parts.signature)) > len(sigBuf) {
		return nil, ErrSignatureInvalid
	}
	n, err := b64.Decode(sigBuf[:], readOnlyBytes(parts.signature))
	if err != nil {
		return nil, ErrTokenMalformed
	}
	sig := sigBuf[:n]
	keys, err := v.keys.Keys(ctx, h.kid)
	if err != nil {
		if errors.Is(err, ErrKeysUnavailable) {
			return nil, err
		}
		return nil, errKeysUnavailable
	}
	tried := 0
	for _, k := range keys {
		if !k.key.Accepts(h.alg) {
			continue
		}
		if tried++; h.kid == "" && tried > maxKidlessKeys {
			break
		}
		if k.key.Verify(h.alg, parts.signingInput, sig) {
			return k, nil
		}
	}
	switch {
	case len(keys) == 0:
		return nil, ErrUnknownKey
	case tried == 0:
		return nil, ErrUnsupportedAlgorithm // the header alg does not fit the key
	}
	return nil, ErrSignatureInvalid
}

// claimsMembers is the member count room is made for beside Claims: that
// of a typical access token (the benchmark token has 8). A larger claim set
// grows into a slice of its own, as it would without the room.
const claimsMembers = 8

// claimsBlock allocates Claims together with room for the members of the
// claim set: one allocation instead of two.
type claimsBlock struct {
	Claims
	members [claimsMembers]strictjson.Member
}

// checkClaims parses the verified payload and applies the claim rules.
func (v *Verifier) checkClaims(payload string) (*Claims, error) {
	b := &claimsBlock{Claims: Claims{raw: payload}}
	c := &b.Claims
	var err error
	if c.root, err = strictjson.ParseInto(payload, b.members[:0]); err != nil || c.root.Kind != strictjson.Object {
		return nil, ErrClaimsMalformed
	}
	if err := c.readRegistered(); err != nil {
		return nil, err
	}
	if err := v.checkTimes(c, v.cfg.Now()); err != nil {
		return nil, err
	}
	if v.cfg.Issuer != "" && c.issuer != v.cfg.Issuer {
		return nil, ErrIssuerMismatch
	}
	if !v.audienceAccepted(c) {
		return nil, ErrAudienceMismatch
	}
	for _, name := range v.required {
		if lookupClaim(&c.root, name) == nil {
			return nil, ErrRequiredClaimMissing
		}
	}
	c.scopes = firstClaim(&c.root, v.cfg.ScopeClaims)
	c.roles = firstClaim(&c.root, v.cfg.RoleClaims)
	c.permissions = firstClaim(&c.root, v.cfg.PermissionClaims)
	return c, nil
}

// readRegistered type-checks the registered claims (RFC 7519 §4.1): iss,
// sub, jti, client_id strings; aud a string or an array of strings; exp
// required; exp, nbf, iat NumericDates. null counts as a wrong type.
func (c *Claims) readRegistered() error {
	var hasExp bool
	for i := range c.root.Obj {
		m := &c.root.Obj[i]
		var err error
		switch m.Key {
		case "iss", "sub", "jti", "client_id":
			if m.Value.Kind != strictjson.String {
				return ErrClaimsMalformed
			}
			if m.Key == "iss" {
				c.issuer = m.Value.Str
			} else if m.Key == "sub" {
				c.subject = m.Value.Str
			}
		case "aud":
			if !isStringOrStrings(&m.Value) {
				return ErrClaimsMalformed
			}
			c.aud = &m.Value
		case "exp":
			hasExp = true
			c.expiry, err = numericDate(&m.Value)
		case "nbf":
			c.notBefore, err = numericDate(&m.Value)
		case "iat":
			c.issued, err = numericDate(&m.Value)
		}
		if err != nil {
			return err
		}
	}
	if !hasExp {
		return ErrRequiredClaimMissing
	}
	return nil
}

func isStringOrStrings(v *strictjson.Value) bool {
	switch v.Kind {
	case strictjson.String:
		return true
	case strictjson.Array:
		for i := range v.Arr {
			if v.Arr[i].Kind != strictjson.String {
				return false
			}
		}
		return true
	}
	return false
}

// numericDate reads a NumericDate (RFC 7519 §2): a JSON number of seconds,
// fractions allowed, strictly positive and no later than year 9999. Strings,
// null and anything that could overflow are refused (threats 75–84).
func numericDate(v *strictjson.Value) (time.Time, error) {
	if v.Kind != strictjson.Number {
		return time.Time{}, ErrClaimsMalformed
	}
	if !strings.ContainsAny(v.Str, ".eE") {
		sec, err := strconv.ParseInt(v.Str, 10, 64)
		if err != nil || sec <= 0 || sec > maxNumericDate {
			return time.Time{}, ErrClaimsMalformed
		}
		return time.Unix(sec, 0), nil
	}
	f, err := strconv.ParseFloat(v.Str, 64)
	if err != nil || !(f > 0 && f <= maxNumericDate) {
		return time.Time{}, ErrClaimsMalformed
	}
	sec := int64(f)
	return time.Unix(sec, int64((f-float64(sec))*1e9)), nil
}

// checkTimes applies exp, nbf and iat with the leeway (RFC 7519 §4.1.4–6):
// now must be before exp, at or after nbf, and iat not in the future.
func (v *Verifier) checkTimes(c *Claims, now time.Time) error {
	leeway := v.cfg.Leeway
	switch {
	case !now.Add(-leeway).Before(c.expiry):
		return ErrTokenExpired
	case !c.notBefore.IsZero() && now.Add(leeway).Before(c.notBefore):
		return ErrTokenNotYetValid
	case !c.issued.IsZero() && c.issued.After(now.Add(leeway)):
		return ErrTokenIssuedInFuture
	case !c.issued.IsZero() && c.issued.After(c.expiry):
		return ErrClaimsMalformed
	}
	return nil
}

// audienceAccepted reports whether aud (or, without aud, the configured
// AudienceClaim) holds one of the configured audiences, compared exactly.
func (v *Verifier) audienceAccepted(c *Claims) bool {
	aud := c.aud
	if aud == nil && v.cfg.AudienceClaim != "" {
		if alt, ok := c.root.Get(v.cfg.AudienceClaim); ok && alt.Kind == strictjson.String {
			aud = alt
		}
	}
	if aud == nil {
		return false
	}
	if aud.Kind == strictjson.String {
		return slices.Contains(v.cfg.Audiences, aud.Str)
	}
	for i := range aud.Arr {
		if slices.Contains(v.cfg.Audiences, aud.Arr[i].Str) {
			return true
		}
	}
	return false
}
