package core

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime"
	"slices"
	"strings"
	"time"

	"github.com/axiomsgo/axioms/core/internal/strictjson"
)

// Signed introspection answers (RFC 9701): a JWT whose token_introspection
// member is the RFC 7662 answer, signed by the authorization server with a
// key of its issuer's key set. It is verified here and its member handed
// to parseAnswer, the decoder of plain answers, so that both are judged by
// one code path. Every failure is the endpoint's (503, logged as settle
// logs it), never the client's: none matches ErrInvalidToken.

// Media types of introspection answers.
const (
	// signedAnswerType is the Accept and Content-Type of a signed answer
	// (RFC 9701 §4, §5).
	signedAnswerType = "application/token-introspection+jwt"
	// signedAnswerTyp is the typ header it must carry (RFC 9701 §5), compared
	// as mediaTypeIs does.
	signedAnswerTyp = "token-introspection+jwt"
	// maxLoggedTypeBytes bounds a Content-Type quoted in a log line.
	maxLoggedTypeBytes = 64
)

// Fixes of signed answers that a retry will not fix.
const (
	fixUnsignedAnswer = "Introspection.SignedResponses is set, yet the endpoint answered without a signature " +
		"(RFC 9701 answers have Content-Type application/token-introspection+jwt): register " +
		"introspection_signed_response_alg (RS256, ES256, ...) for this client at the authorization server " +
		"(node oidc-provider: features.jwtIntrospection), or unset SignedResponses if the server does not sign answers"
	fixEncryptedAnswer = "the endpoint encrypts its answers (a JWE) and decrypting them is not supported: " +
		"remove introspection_encrypted_response_alg and _enc from this client's registration at the authorization " +
		"server; over https a signed answer is enough"
	fixSignedAnswerForm = "the endpoint's signed answer (Content-Type application/token-introspection+jwt) is not " +
		"an RFC 9701 answer: a compact JWS with typ token-introspection+jwt, whose token_introspection member is a " +
		"JSON object; check AXIOMS_INTROSPECTION_URL"
	fixSignedAnswerAlg = "the endpoint signs its answers with an algorithm this Verifier refuses (not in " +
		"Config.Algorithms, not fitting the key, or HMAC or none, which are never accepted): register an asymmetric " +
		"introspection_signed_response_alg (RS256, PS256, ES256, EdDSA) for this client at the authorization server"
	fixSignedAnswerClock = "the signed answer's iat is missing, in the future, or older than the request " +
		"(RFC 9701 §5): synchronise the clocks of this host and of the authorization server, or raise " +
		"AXIOMS_LEEWAY (Config.Leeway)"
	fixSignedAnswerAudience = "a signed answer's aud must name this resource server (RFC 9701 §5): its client ID " +
		"(AXIOMS_INTROSPECTION_CLIENT_ID) or one of its audiences (AXIOMS_AUDIENCE)"
	fixSignedAnswerNoKeys = "the endpoint sends signed answers (RFC 9701) and no issuer's key set is configured " +
		"to verify them: set AXIOMS_ISS_URL (Config.Issuer, or Config.Introspection.Issuer) to the authorization " +
		"server's issuer, or have it answer plain JSON to this client"
)

// answerSigner is what checks the signed answers of one introspector: the
// issuer whose key set signs them, and the audiences that name this
// resource server.
type answerSigner struct {
	issuer    string
	audiences []string // the client ID, if any, then the issuer's audiences
	algs      []string // Config.Algorithms
	keys      func() (KeySet, error)
	skew      time.Duration
	settings  string // where the endpoint is configured, for the fixes: "Introspection" or "Issuers[i].Introspection"
	perIssuer bool
}

// newAnswerSigner returns the checker of signed answers signed for the
// issuer of entry, whose key set keySetOf gives; nil when there is no such
// issuer (then a signed answer is refused).
func newAnswerSigner(s *introspectionSettings, cfg *Config, entry *issuerEntry,
	keySetOf func(*issuerEntry) (KeySet, error)) *answerSigner {
	if entry == nil || entry.rules.issuer == "" || entry.noKeys {
		return nil
	}
	var auds []string
	if id := s.auth.clientID; id != "" {
		auds = append(auds, id)
	}
	return &answerSigner{
		issuer: entry.rules.issuer, audiences: append(auds, entry.rules.audiences...), algs: cfg.Algorithms,
		keys: func() (KeySet, error) { return keySetOf(entry) }, skew: max(cfg.Leeway, minAnswerSkew),
		settings: s.name, perIssuer: s.perIssuer,
	}
}

// readAnswer decodes a 200 answer of media type mediaType: a signed one
// verified first (RFC 9701), then the RFC 7662 object, plain or from its
// token_introspection member, by parseAnswer. sent is when the request
// was sent.
func (in *introspector) readAnswer(ctx context.Context, mediaType string, body []byte, sent time.Time) (*Claims, bool, error) {
	switch {
	case mediaType == signedAnswerType:
		inner, err := in.verifyAnswer(ctx, body, sent)
		if err != nil {
			return nil, false, err
		}
		return parseAnswerText(inner)
	case in.s.signed:
		return nil, false, misconfigured(fmt.Errorf("the answer is not signed (Content-Type %q)",
			sanitizeBounded(mediaType, maxLoggedTypeBytes)), fixUnsignedAnswer)
	}
	return parseAnswer(body)
}

// verifyAnswer checks a signed answer (RFC 9701 §5) in the order a JWT is
// checked, the signature before the payload is parsed, and returns the
// text of its token_introspection member.
func (in *introspector) verifyAnswer(ctx context.Context, body []byte, sent time.Time) (string, error) {
	a := in.signer
	if a == nil {
		return "", misconfigured(errors.New("a signed answer came and no issuer's keys are configured to verify it"),
			fixSignedAnswerNoKeys)
	}
	t, err := a.parse(string(bytes.TrimSpace(body)))
	if err != nil {
		return "", err
	}
	keys, err := a.keys()
	if err == nil {
		_, err = verifySignature(ctx, keys, t)
	}
	switch {
	case errors.Is(err, ErrKeysUnavailable):
		return "", fmt.Errorf("the signed answer cannot be verified: the keys of %s are unavailable: %w", a.issuer, err)
	case errors.Is(err, ErrUnsupportedAlgorithm):
		return "", misconfigured(fmt.Errorf("the signed answer's alg %q does not fit the key of kid %q",
			sanitizeForLog(t.header.alg), sanitizeForLog(t.header.kid)), fixSignedAnswerAlg)
	case err != nil:
		return "", misconfigured(fmt.Errorf("the signed answer does not verify with the keys of %s (kid %q)", a.issuer,
			sanitizeForLog(t.header.kid)), a.fixSignature())
	}
	return a.payload(&t, in.now(), sent)
}

// parse splits a signed answer and checks its protected header: a compact
// JWS (a JWE is refused by name), the header as a JWT's (RFC 7515 §4: no
// crit, no nested token), alg in the allow-list, typ
// token-introspection+jwt.
func (a *answerSigner) parse(jwt string) (jws, error) {
	t, ok := splitCompact(jwt)
	switch {
	case !ok && isCompactJWE(jwt):
		return jws{}, misconfigured(errors.New("the answer is encrypted (a JWE)"), fixEncryptedAnswer)
	case !ok:
		return jws{}, misconfigured(errors.New("the signed answer is not a compact JWS"), fixSignedAnswerForm)
	}
	h, err := parseHeader(t.encHeader)
	switch {
	case errors.Is(err, ErrUnsupportedAlgorithm), err == nil && !slices.Contains(a.algs, h.alg):
		return jws{}, misconfigured(fmt.Errorf("the signed answer's alg %q is refused", sanitizeForLog(h.alg)), fixSignedAnswerAlg)
	case err != nil:
		return jws{}, misconfigured(fmt.Errorf("the signed answer's header is refused (%s)", reasonOf(err)), fixSignedAnswerForm)
	case !h.hasTyp || !mediaTypeIs(h.typ, signedAnswerTyp):
		return jws{}, misconfigured(fmt.Errorf("the signed answer's typ is %q, not %s", sanitizeForLog(h.typ), signedAnswerTyp),
			fixSignedAnswerForm)
	}
	t.header = h
	return t, nil
}

// payload checks the verified claims of t (RFC 9701 §5: iss, aud, iat;
// exp and nbf when present) at now, for a request sent at sent, and
// returns a copy of the text of their token_introspection member.
func (a *answerSigner) payload(t *jws, now, sent time.Time) (string, error) {
	c, err := decodeClaims(t)
	if err == nil {
		err = c.readMembers()
	}
	if err != nil {
		return "", misconfigured(errors.New("the signed answer's claims are malformed"), fixSignedAnswerForm)
	}
	switch {
	case c.issuer != a.issuer:
		return "", misconfigured(fmt.Errorf("the signed answer's iss is %q, not %s", sanitizeForLog(c.issuer), a.issuer),
			a.fixIssuer())
	case !a.audienceOf(c):
		return "", misconfigured(fmt.Errorf("the signed answer's aud %q names none of %q", bounded(c.Audience()), a.audiences),
			fixSignedAnswerAudience)
	case c.issued.IsZero():
		return "", misconfigured(errors.New("the signed answer has no iat"), fixSignedAnswerClock)
	case timesValid(c, now, a.skew) != nil:
		return "", misconfigured(errors.New("the signed answer's iat, exp or nbf is not valid now"), fixSignedAnswerClock)
	case c.issued.Before(sent.Add(-a.skew).Truncate(time.Second)):
		return "", misconfigured(errors.New("the signed answer's iat is older than the request"), fixSignedAnswerClock)
	}
	inner, err := memberText(t.body, "token_introspection")
	if err != nil || !strings.HasPrefix(inner, "{") {
		return "", misconfigured(errors.New("the signed answer has no token_introspection object"), fixSignedAnswerForm)
	}
	return strings.Clone(inner), nil // the cache keeps no more of the JWT
}

// audienceOf reports whether the aud of c holds one of a's audiences.
func (a *answerSigner) audienceOf(c *Claims) bool {
	return slices.ContainsFunc(c.Audience(), func(aud string) bool { return slices.Contains(a.audiences, aud) })
}

func (a *answerSigner) fixSignature() string {
	if a.perIssuer {
		return fmt.Sprintf("the signed answers must be signed by a key of the key set of %s, which verifies its JWTs: "+
			"check that %s.URL is that issuer's introspection endpoint, and the issuer's JWKSURL or KeySet", a.issuer, a.settings)
	}
	return fmt.Sprintf("the signed answers must be signed by a key of the key set of %s, which verifies its JWTs: "+
		"check Config.Introspection.Issuer (or AXIOMS_ISS_URL) and AXIOMS_JWKS_URL", a.issuer)
}

func (a *answerSigner) fixIssuer() string {
	if a.perIssuer {
		return fmt.Sprintf("a signed answer's iss must be %s, the issuer whose keys verify it: set %s.URL to the "+
			"introspection endpoint of that issuer's authorization server", a.issuer, a.settings)
	}
	return fmt.Sprintf("a signed answer's iss must be %s, the issuer whose keys verify it: set "+
		"Config.Introspection.Issuer (or AXIOMS_ISS_URL) to the issuer of the authorization server at "+
		"AXIOMS_INTROSPECTION_URL", a.issuer)
}

// isCompactJWE reports whether s has the form of a compact JWE (RFC 7516
// §7.1): five base64url segments, the second empty with direct encryption.
func isCompactJWE(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != '.' && b64URLChar[s[i]] == 0 {
			return false
		}
	}
	return strings.Count(s, ".") == 4
}

// memberText returns the text of the member name of the JSON object
// payload, already parsed strictly (so that name appears at most once).
func memberText(payload, name string) (string, error) {
	sc, err := strictjson.NewScanner(payload)
	for err == nil {
		var more bool
		if more, err = sc.Next(); err != nil || !more {
			break
		}
		if sc.NameIs(name) {
			return sc.Raw()
		}
		err = sc.Skip()
	}
	if err == nil {
		err = fmt.Errorf("no %s member", name)
	}
	return "", err
}

// mediaTypeOf returns the media type of a Content-Type value, lower case,
// without parameters; "" when it has none or cannot be parsed.
func mediaTypeOf(contentType string) string {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil && !errors.Is(err, mime.ErrInvalidMediaParameter) {
		return ""
	}
	return mt
}
