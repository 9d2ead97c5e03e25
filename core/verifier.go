package core

import (
	"context"
	"errors"
	"slices"
	"sync"
)

// maxKidlessKeys bounds how many keys a token without kid is tried against,
// so that one request can never cost more than a few signature checks.
const maxKidlessKeys = 8

// Verifier verifies access tokens and evaluates policies. It is safe for
// concurrent use. Build it once with NewVerifier and Close it when done.
type Verifier struct {
	cfg   Config
	keys  KeySet        // the single issuer's; nil with several issuers
	owned *RemoteKeySet // closed by Close; nil when the KeySet is the caller's
	rules claimRules    // the single issuer's
	algs  []string
	typs  []string    // normalised: lower case, no "application/" prefix
	cache *tokenCache // nil when Config.TokenCacheEntries is -1

	byIssuer  map[string]*issuerEntry // several issuers; nil in the single-issuer form
	issuers   []string                // Issuers()
	audiences []string                // Audiences()

	mu     sync.Mutex // guards the creation of issuers' key sets, and closed
	closed bool
}

// NewVerifier validates cfg and builds a Verifier. Unless cfg.KeySet is set,
// it starts a RemoteKeySet for cfg.JWKSURL (or, without it, for discovery
// from cfg.Issuer), which fetches in the background: NewVerifier never
// blocks on the network and succeeds while the issuer is down (requests
// then get ErrKeysUnavailable until keys load). With several issuers
// (Config.Issuers, Config.IssuerPatterns) no key set starts here: each is
// created when a token first names its issuer.
func NewVerifier(cfg Config) (*Verifier, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	v := &Verifier{cfg: cfg, keys: cfg.KeySet, algs: cfg.Algorithms, audiences: slices.Clone(cfg.Audiences)}
	if entries, bytes, maxAge := cfg.tokenCacheSettings(); entries > 0 {
		v.cache = newTokenCache(entries, bytes, maxAge, cfg.Leeway)
	}
	for _, t := range cfg.TokenTypes {
		v.typs = append(v.typs, normalizeMediaType(t))
	}
	if cfg.severalIssuers() {
		if err := v.addIssuers(); err != nil {
			return nil, err
		}
		return v, nil
	}
	v.rules = rulesOf(IssuerConfig{
		Issuer: cfg.Issuer, Audiences: cfg.Audiences, AudienceClaim: cfg.AudienceClaim, ScopeClaims: cfg.ScopeClaims,
		RoleClaims: cfg.RoleClaims, PermissionClaims: cfg.PermissionClaims, RequiredClaims: cfg.RequiredClaims,
	})
	if cfg.Issuer != "" {
		v.issuers = []string{cfg.Issuer}
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

// Close stops the background key refresh of the key sets the Verifier
// created, and waits for it to end. Afterwards no key set is created for an
// issuer first seen later (its tokens get ErrKeysUnavailable). It is safe to
// call more than once.
func (v *Verifier) Close() error {
	v.closeKeySets()
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
// With several issuers (Config.Issuers, IssuerPatterns), the payload is
// decoded and parsed (strictly, once) after the header and before the
// signature, only to read "iss": a token whose iss is absent or not trusted
// is refused with ErrIssuerMismatch, a payload that is not a JSON object
// with ErrClaimsMalformed, both before any key lookup or network request.
// The signature is then checked with that issuer's key set only, and the
// claims with that issuer's settings.
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
	if v.byIssuer != nil {
		return v.verifyIssuers(ctx, token)
	}
	payload, key, err := v.verifyJWSKey(ctx, token)
	if err != nil {
		return nil, err
	}
	c, err := parseClaims(payload)
	if err != nil {
		return nil, err
	}
	if err := v.applyRules(c, &v.rules); err != nil {
		return nil, err
	}
	if v.cache != nil {
		v.cache.add(token, key, v.keys, c, v.cfg.Now())
	}
	return c, nil
}

// verifyJWS is the JWS half of Verify: everything up to and including the
// signature. It returns the decoded payload. Single-issuer form only.
func (v *Verifier) verifyJWS(ctx context.Context, token string) (string, error) {
	payload, _, err := v.verifyJWSKey(ctx, token)
	return payload, err
}

// verifyJWSKey is verifyJWS that also returns the key that verified the
// signature.
func (v *Verifier) verifyJWSKey(ctx context.Context, token string) (string, *PublicKey, error) {
	parts, h, err := v.parseJWS(token)
	if err != nil {
		return "", nil, err
	}
	key, err := verifySignature(ctx, v.keys, h, parts)
	if err != nil {
		return "", nil, err
	}
	payload, ok := decodeSegment(parts.payload)
	if !ok {
		return "", nil, ErrTokenMalformed
	}
	return payload, key, nil
}

// parseJWS applies the size cap, splits the compact form and parses and
// checks the protected header.
func (v *Verifier) parseJWS(token string) (compact, joseHeader, error) {
	if len(token) > v.cfg.MaxTokenBytes {
		return compact{}, joseHeader{}, ErrTokenTooLarge
	}
	parts, ok := splitCompact(token)
	if !ok {
		return compact{}, joseHeader{}, ErrTokenMalformed
	}
	h, err := parseHeader(parts.header)
	if err != nil {
		return compact{}, joseHeader{}, err
	}
	if err := v.checkHeader(h); err != nil {
		return compact{}, joseHeader{}, err
	}
	return parts, h, nil
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
// and never causes a refresh. Keys come from ks only. It returns the key
// that verified the token.
func verifySignature(ctx context.Context, ks KeySet, h joseHeader, parts compact) (*PublicKey, error) {
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
	keys, err := ks.Keys(ctx, h.kid)
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
			if h.kid == "" {
				// Which key verifies a kid-less token depends on the order
				// of the set; the token cache, which re-checks the key by
				// kid on a hit, must not keep it.
				return nil, nil
			}
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
