package core

import (
	"context"
	"strings"

	"github.com/axiomsgo/axioms/core/internal/strictjson"
)

// The introspection half of the token pipeline: which tokens are
// introspected (judge, Verifier.verify), how an answer becomes Claims
// (judgeAnswer), and how a decision reaches the caller (delivered). The
// Observer, the refusal logs and the binding check of verifyToken apply
// to introspected tokens as to verified ones.

// introspectedToken stands for the parsed token in the refusal logs of an
// introspected one (there is none): it lets them name iss and aud.
var introspectedToken jws

// judge decides a token that the verified-token cache did not answer: a
// compact JWS is verified (and, with IntrospectJWTs, introspected as
// well); with introspection on, any other token within the size cap is
// introspected. cached reports that the introspection cache answered.
func (v *Verifier) judge(ctx context.Context, token string) (c *Claims, cached bool, err error) {
	if in := v.intro; in != nil && len(token) <= v.cfg.MaxTokenBytes {
		if _, isJWS := splitCompact(token); in.s.all || !isJWS {
			return v.introspectToken(ctx, token)
		}
	}
	return v.verify(ctx, token)
}

// introspectToken decides a token that is not verified locally: by the
// answer of the endpoint, judged by the rules of the issuer it names.
func (v *Verifier) introspectToken(ctx context.Context, token string) (*Claims, bool, error) {
	if err := checkB64Token(token); err != nil {
		return nil, false, v.refused(ctx, err, nil, nil, nil)
	}
	in := v.intro
	key := in.key(token)
	if r, ok := in.cached(ctx, key); ok { // before the closure below, which escapes
		return v.delivered(ctx, r, token, true)
	}
	r, cached := in.decide(ctx, key, token, func(ctx context.Context, token string) introResult {
		c, active, err := in.call(ctx, token, "")
		switch {
		case err != nil:
			return introResult{err: err}
		case !active:
			return introResult{err: ErrTokenInactive}
		}
		return v.judgeAnswer(c)
	})
	return v.delivered(ctx, r, token, cached)
}

// introspectJWT decides a JWT of issuer e at e's introspector
// (IntrospectJWTs, IssuerConfig.Introspection): verified locally first (a
// forged or expired JWT costs no request), then accepted while the
// endpoint says it is active, in an answer about e's issuer. Its claims
// are the JWT's.
func (v *Verifier) introspectJWT(ctx context.Context, token string, t *jws, e *issuerEntry) (*Claims, bool, error) {
	in := e.intro
	key := in.key(token)
	if r, ok := in.cached(ctx, key); ok {
		return v.delivered(ctx, r, token, true)
	}
	c, pk, keys, err := v.verifyWith(ctx, t, e)
	if err != nil {
		return nil, false, err
	}
	kept, noStore := v.keptClaims(c, &e.rules), false
	if kept == nil { // cannot happen: the same bytes passed the same rules just now
		kept, noStore = c, true
	}
	r, cached := in.decide(ctx, key, token, func(ctx context.Context, token string) introResult {
		ans, active, err := in.call(ctx, token, e.rules.issuer) // an answer naming another issuer is a failure
		switch {
		case err != nil:
			return introResult{err: err}
		case !active:
			return introResult{err: ErrTokenInactive, entry: e}
		}
		if err := ans.readMembers(); err != nil {
			return introResult{err: err, entry: e}
		}
		// The cache serves a JWT while its key is served, as the verified-token
		// cache does, so only a JWT whose kid names its key is kept.
		return introResult{claims: kept, entry: e, until: ans.expiry, key: pk, keys: keys,
			noStore: noStore || t.header.kid == "" || pk.key.KID != t.header.kid}
	})
	return v.delivered(ctx, r, token, cached)
}

// keptClaims returns the claims c of a verified JWT parsed again from a
// copy of their payload, so that the cache keeps no memory shared with the
// token's header and signature (decodeClaims keeps them in one buffer
// with the payload, to give the token back); nil if they no longer pass r.
func (v *Verifier) keptClaims(c *Claims, r *issuerRules) *Claims {
	b := &claimsBlock{Claims: Claims{raw: strings.Clone(c.raw)}}
	root, err := strictjson.ParseInto(b.raw, b.members[:], b.elems[:])
	if err != nil {
		return nil
	}
	b.root = root
	if v.applyRules(&b.Claims, r) != nil {
		return nil
	}
	return &b.Claims
}

// judgeAnswer applies the rules of the issuer an active answer names (or,
// without iss, of IntrospectionConfig.Issuer) to its members.
func (v *Verifier) judgeAnswer(c *Claims) introResult {
	if err := c.readMembers(); err != nil {
		return introResult{err: err, refused: c}
	}
	if !accessTokenAnswer(c) {
		return introResult{err: ErrUnsupportedTokenType, refused: c}
	}
	e, err := v.answerIssuer(c)
	if err != nil {
		return introResult{err: err, refused: c}
	}
	if c.issuer == "" {
		c.issuer = e.rules.issuer
	}
	if err := v.checkRules(c, &e.rules, v.intro.s.allowNoAud); err != nil {
		return introResult{err: err, entry: e, refused: c}
	}
	return introResult{claims: c, entry: e}
}

// accessTokenAnswer reports whether an answer may be about an access
// token: RFC 7662 answers active for any token the server issued, and
// two servers say which kind it is: Ory Hydra (token_use
// "access_token" or "refresh_token") and Keycloak (typ "Bearer", or
// "Refresh", "Offline", "ID"). A refresh or ID token sent as an access
// token is refused.
func accessTokenAnswer(c *Claims) bool {
	if use, ok := c.GetString("token_use"); ok && use != "access_token" {
		return false
	}
	typ, _ := c.GetString("typ")
	return typ != "Refresh" && typ != "Offline" && typ != "ID"
}

// answerIssuer returns the trusted issuer whose rules apply to an answer
// of the Verifier's endpoint: the one its iss names, or without iss (or an
// empty one) the introspector's. With IntrospectionConfig.Issuer the
// endpoint answers for that issuer alone (a signed answer is signed by
// its keys), and an issuer with an endpoint of its own
// (IssuerConfig.Introspection) is vouched for by that endpoint only.
func (v *Verifier) answerIssuer(c *Claims) (*issuerEntry, error) {
	switch {
	case c.issuer == "" && v.intro.entry != nil:
		return v.intro.entry, nil
	case c.issuer == "":
		return nil, ErrIssuerMismatch
	case v.intro.entry != nil && v.intro.entry.rules.issuer != "" && v.intro.entry.rules.issuer != c.issuer:
		return nil, ErrIssuerMismatch
	case v.only != nil && v.only.rules.issuer != "" && v.only.rules.issuer != c.issuer:
		return nil, ErrIssuerMismatch
	case v.only != nil:
		return v.only, nil
	}
	if e := v.byIssuer[c.issuer]; e != nil && (e.intro == nil || e.intro == v.intro) {
		return e, nil
	}
	return nil, ErrIssuerMismatch
}

// delivered returns a decision to one caller: a refusal logged, or a copy
// of the accepted claims carrying the caller's token (for TokenFromContext;
// the cached claims hold none).
func (v *Verifier) delivered(ctx context.Context, r introResult, token string, cached bool) (*Claims, bool, error) {
	if r.err != nil {
		return nil, cached, v.refused(ctx, r.err, &introspectedToken, r.entry, r.refused)
	}
	c := *r.claims
	c.token = strings.Clone(token)
	return &c, cached, nil
}
