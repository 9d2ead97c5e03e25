package core

import (
	"context"
	"slices"
	"strings"
	"sync"
)

// Verifier verifies access tokens and evaluates policies. It is safe for
// concurrent use. Build it once with NewVerifier and Close it when done.
type Verifier struct {
	cfg   Config        // defaults applied, validated
	fetch fetchSettings // of the key sets the Verifier creates
	typs  []string      // accepted typ values: lower case, no "application/" prefix
	cache *tokenCache   // nil when Config.TokenCacheEntries is -1
	dpop  *dpopSettings // nil when DPoP is off
	intro *introspector // Config.Introspection's, which opaque tokens go to; nil when off
	// intros are every introspector, Config.Introspection's first, then those
	// of IssuerConfig.Introspection: Ready, WaitReady and Close go through
	// them all.
	intros []*introspector

	// The issuer table: one entry per trusted issuer, in configuration
	// order. In the single-issuer form (Config.Issuer, Config.JWKSURL or
	// Config.KeySet) it has one entry, only, chosen without reading the
	// token's payload; with several issuers, byIssuer selects the entry by
	// the token's unverified iss.
	entries  []*issuerEntry
	only     *issuerEntry
	byIssuer map[string]*issuerEntry

	mu     sync.Mutex // guards the creation of key sets, and closed
	closed bool
}

// NewVerifier checks cfg and builds a Verifier. Every bad setting is an
// error matching ErrConfig that names it; nothing is checked again later.
//
// Unless Config.KeySet is set, the single-issuer form starts a RemoteKeySet
// for Config.JWKSURL (or, without it, for discovery from Config.Issuer),
// which fetches in the background: NewVerifier never blocks on the network
// and succeeds while the issuer is down (requests then get
// ErrKeysUnavailable until keys load). With several issuers
// (Config.Issuers, Config.IssuerPatterns) no key set starts here: each is
// created when a token first names its issuer, or by Ready, except that
// of the issuer whose introspection endpoint signs its answers
// (IntrospectionConfig.SignedResponses), which its first readiness probe
// may need.
//
// Without an issuer (only Config.JWKSURL or Config.KeySet) the iss claim is
// not checked: NewVerifier logs a warning saying so.
func NewVerifier(cfg Config) (*Verifier, error) {
	s, err := resolve(cfg)
	if err != nil {
		return nil, err
	}
	v := &Verifier{cfg: s.cfg, fetch: s.fetch, typs: s.typs, dpop: s.dpop}
	if s.cache.entries > 0 {
		v.cache = newTokenCache(s.cache, s.cfg.Leeway)
	}
	v.byIssuer = make(map[string]*issuerEntry, len(s.issuers))
	for _, is := range s.issuers {
		e := &issuerEntry{rules: is.rules, jwksURL: is.jwksURL, static: is.keySet, noKeys: s.intro != nil && s.intro.all}
		v.entries = append(v.entries, e)
		v.byIssuer[e.rules.issuer] = e
	}
	if !s.several {
		v.only, v.byIssuer = v.entries[0], nil
		if !v.only.noKeys {
			_, _ = v.keySetOf(v.only) // start fetching now
		}
		if v.only.rules.issuer == "" {
			v.cfg.Logger.Warn("axioms: no issuer configured: the iss claim of tokens is not checked; " +
				"set AXIOMS_ISS_URL (Config.Issuer) to the issuer of your tokens")
		}
	}
	v.startIntrospectors(s)
	return v, nil
}

// startIntrospectors starts the introspector of Config.Introspection and
// those of IssuerConfig.Introspection, and tells each issuer entry where
// its JWTs are introspected, if anywhere: at its own endpoint, or at
// Config.Introspection's with IntrospectJWTs for its Issuer.
func (v *Verifier) startIntrospectors(s *settings) {
	if s.intro != nil {
		e := v.introspectionEntry(s.intro.issuer)
		v.intro = newIntrospector(s.intro, &v.cfg, e, v.keySetOf)
		v.intros = append(v.intros, v.intro)
		if s.intro.jwts && e != nil {
			e.intro = v.intro
		}
	}
	for i, is := range s.issuers {
		if is.intro != nil {
			e := v.entries[i]
			e.intro = newIntrospector(is.intro, &v.cfg, e, v.keySetOf)
			v.intros = append(v.intros, e.intro)
		}
	}
}

// Close stops the background key refresh of the key sets the Verifier
// created, and waits for it to end. Afterwards no key set is created for an
// issuer first seen later (its tokens get ErrKeysUnavailable). It is safe to
// call more than once.
func (v *Verifier) Close() error {
	v.mu.Lock()
	v.closed = true
	v.mu.Unlock()
	for _, e := range v.entries {
		if r := e.remote.Load(); r != nil {
			_ = r.Close()
		}
	}
	for _, in := range v.intros {
		in.close()
	}
	return nil
}

// introspectionEntry returns the entry of issuer, the issuer whose
// authorization server answers introspection requests: the only entry in
// the single-issuer form; nil with several issuers and none named.
func (v *Verifier) introspectionEntry(issuer string) *issuerEntry {
	if v.only != nil {
		return v.only
	}
	return v.byIssuer[issuer]
}

// ErrorResponse is the RFC 6750 answer to err with the configured realm
// and no resource_metadata parameter; see Guard.Response for the answer
// of an adapter.
func (v *Verifier) ErrorResponse(err error) Response {
	return errorResponse(err, v.cfg.Realm, "", v.challenge())
}

// Verify checks a compact JWS access token and returns its claims. The
// checks run in this order, so that a bad signature is always reported
// before any claim problem:
//
//   - the size cap (Config.MaxTokenBytes), then the compact form (three
//     base64url segments, RFC 7515 §7.1), before any decoding;
//   - the protected header (RFC 7515 §4), strict JSON: alg in the
//     allow-list, typ in Config.TokenTypes when present, crit, b64, enc,
//     zip and nested tokens refused; jku, x5u, jwk and x5c ignored;
//   - the issuer whose keys apply: the configured one, or with several
//     issuers the one the unverified iss names (an unlisted iss is refused
//     before any key lookup or network request);
//   - the signature, with a key of that issuer's key set selected by kid
//     and bound to alg (RFC 8725 §3.1); when the keys of a known kid do not
//     verify it, a RemoteKeySet refetches (rate-limited, as for an unknown
//     kid) and the token is checked once more against the new keys;
//   - the claims (RFC 7519 §4.1): exp required, exp, nbf and iat
//     NumericDates within the leeway, iss exactly when an issuer is
//     configured, aud any-of, RequiredClaims present, registered claims of
//     the right JSON type.
//
// With Config.Introspection, a token that is not a compact JWS (or any
// token, without a key source) is introspected instead (RFC 7662): the
// size cap and the RFC 6750 b64token syntax first, then the endpoint's
// answer judged by the same claim rules (see IntrospectionConfig); with
// IntrospectJWTs, or an IssuerConfig.Introspection for its issuer, a JWT
// is verified as above and then introspected.
//
// Errors match ErrInvalidToken (with a reason such as ErrTokenExpired) or
// ErrKeysUnavailable. Verify does NOT check token binding (DPoP, mTLS) nor
// revocation (except through introspection), and does not check iss when
// no issuer is configured.
//
// A token verified before may be answered from the verified-token cache
// (Config.TokenCacheEntries), with the decision a fresh verification would
// make; an introspected one from the introspection cache
// (IntrospectionConfig.CacheTTL).
func (v *Verifier) Verify(ctx context.Context, token string) (*Claims, error) {
	return v.verifyToken(ctx, token, false, binding{})
}

// verify is Verify after a cache miss for a compact JWS: the whole
// pipeline. cached reports that the introspection cache answered (a JWT
// introspected with IntrospectJWTs).
func (v *Verifier) verify(ctx context.Context, token string) (*Claims, bool, error) {
	t, err := v.parseJWS(token)
	if err != nil {
		return nil, false, v.refused(ctx, err, &t, nil, nil)
	}
	e, err := v.issuerOf(&t)
	if err != nil {
		return nil, false, v.refused(ctx, err, &t, nil, nil)
	}
	if e.intro != nil {
		return v.introspectJWT(ctx, token, &t, e)
	}
	claims, key, keys, err := v.verifyWith(ctx, &t, e)
	if err != nil {
		return nil, false, err
	}
	v.remember(token, t.header.kid, key, keys, claims)
	return claims, false, nil
}

// verifyWith checks the signature of t with the keys of its issuer e and
// applies e's rules to its claims; it returns the claims, the key that
// verified them and its key set, or the refusal, logged.
func (v *Verifier) verifyWith(ctx context.Context, t *jws, e *issuerEntry) (*Claims, *PublicKey, KeySet, error) {
	keys, err := v.keySetOf(e)
	if err != nil {
		return nil, nil, nil, v.refused(ctx, err, t, e, nil)
	}
	key, err := verifySignature(ctx, keys, *t)
	if err != nil {
		return nil, nil, nil, v.refused(ctx, err, t, e, nil)
	}
	claims, err := decodeClaims(t)
	if err != nil {
		return nil, nil, nil, v.refused(ctx, err, t, e, nil)
	}
	if err := v.applyRules(claims, &e.rules); err != nil {
		return nil, nil, nil, v.refused(ctx, err, t, e, claims)
	}
	return claims, key, keys, nil
}

// parseJWS applies the size cap, splits the compact form and parses and
// checks the protected header.
func (v *Verifier) parseJWS(token string) (jws, error) {
	if len(token) > v.cfg.MaxTokenBytes {
		return jws{}, ErrTokenTooLarge
	}
	t, ok := splitCompact(token)
	if !ok {
		return jws{}, ErrTokenMalformed
	}
	h, err := parseHeader(t.encHeader)
	if err != nil {
		return jws{}, err
	}
	t.header = h
	if err := v.checkHeader(h); err != nil {
		return t, err // the header, for the debug log of the refusal
	}
	return t, nil
}

// checkHeader applies the configured alg allow-list and typ set.
func (v *Verifier) checkHeader(h joseHeader) error {
	if !slices.Contains(v.cfg.Algorithms, h.alg) {
		return ErrUnsupportedAlgorithm // includes "none" in any case and HS*
	}
	if h.hasTyp && !slices.ContainsFunc(v.typs, func(t string) bool { return mediaTypeIs(h.typ, t) }) {
		return ErrUnsupportedTokenType
	}
	return nil
}

// remember puts verified claims into the token cache. A hit checks that
// the key set still serves the verifying key under its kid, so only a
// token whose kid is that key's kid is cached: a token without kid (which
// key verifies it depends on the order of the set), or one a custom
// KeySet verified with a key of another (or no) kid, is not.
func (v *Verifier) remember(token, kid string, key *PublicKey, keys KeySet, c *Claims) {
	if v.cache != nil && kid != "" && key.key.KID == kid {
		c.token = strings.Clone(token) // the cache key; the caller's token may alias a reused buffer
		v.cache.add(key, keys, c, v.cfg.Now())
	}
}
