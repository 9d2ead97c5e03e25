package authtest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// ClientID is the "client_id" claim of minted tokens (RFC 9068 §2.2).
const ClientID = "authtest"

// tokenLifetime is the default lifetime of a minted token.
const tokenLifetime = time.Hour

// Token mints a signed access token for subject with the current signing
// key: header {alg, kid, typ: "at+jwt"}, claims iss, sub, aud, iat, nbf, exp
// (in one hour), jti and client_id, changed by opts.
//
// The options are applied in order, so a later one wins. The signature is
// always made with the signing key's own algorithm: a Header("alg", ...)
// option changes only what the header claims, which makes a token that a
// verifier must refuse.
func (i *Issuer) Token(subject string, opts ...TokenOption) (string, error) {
	key := i.signer()
	now := time.Now()
	jti := make([]byte, 16)
	_, _ = rand.Read(jti) // never fails (crypto/rand)
	spec := tokenSpec{
		now:    now,
		header: map[string]any{"alg": key.alg, "kid": key.kid, "typ": "at+jwt"},
		claims: map[string]any{
			"iss":       i.url,
			"sub":       subject,
			"aud":       i.aud,
			"iat":       now.Unix(),
			"nbf":       now.Unix(),
			"exp":       now.Add(tokenLifetime).Unix(),
			"jti":       base64.RawURLEncoding.EncodeToString(jti),
			"client_id": ClientID,
		},
	}
	for _, opt := range opts {
		opt(&spec)
	}
	header, err := json.Marshal(spec.header)
	if err != nil {
		return "", fmt.Errorf("authtest: token header: %w", err)
	}
	claims, err := json.Marshal(spec.claims)
	if err != nil {
		return "", fmt.Errorf("authtest: token claims: %w", err)
	}
	input := b64(header) + "." + b64(claims)
	sig, err := key.sign([]byte(input))
	if err != nil {
		return "", err
	}
	return input + "." + b64(sig), nil
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// MustToken is Token that fails the test on error.
func (i *Issuer) MustToken(tb testing.TB, subject string, opts ...TokenOption) string {
	tb.Helper()
	tok, err := i.Token(subject, opts...)
	if err != nil {
		tb.Fatalf("authtest: %v", err)
	}
	return tok
}

// TokenOption changes one minted token.
type TokenOption func(*tokenSpec)

type tokenSpec struct {
	now    time.Time
	header map[string]any
	claims map[string]any
}

// setOrDelete sets m[name] = value, or deletes it when value is nil.
func setOrDelete(m map[string]any, name string, value any) {
	if value == nil {
		delete(m, name)
		return
	}
	m[name] = value
}

// Scopes sets the "scope" claim (space-separated, RFC 9068 §2.2.3).
func Scopes(scopes ...string) TokenOption {
	joined := strings.Join(scopes, " ")
	return func(s *tokenSpec) { s.claims["scope"] = joined }
}

// Roles sets the "roles" claim (array).
func Roles(roles ...string) TokenOption {
	return func(s *tokenSpec) { s.claims["roles"] = append([]string{}, roles...) }
}

// Permissions sets the "permissions" claim (array).
func Permissions(perms ...string) TokenOption {
	return func(s *tokenSpec) { s.claims["permissions"] = append([]string{}, perms...) }
}

// Audience replaces the "aud" claim (one value: a string; several: an
// array; none: the claim is removed).
func Audience(aud ...string) TokenOption {
	return func(s *tokenSpec) {
		switch len(aud) {
		case 0:
			delete(s.claims, "aud")
		case 1:
			s.claims["aud"] = aud[0]
		default:
			s.claims["aud"] = append([]string{}, aud...)
		}
	}
}

// ExpiresIn sets "exp" relative to now (negative for an expired token).
// iat and nbf stay at now.
func ExpiresIn(d time.Duration) TokenOption {
	return func(s *tokenSpec) { s.claims["exp"] = s.now.Add(d).Unix() }
}

// Claim sets any claim, replacing a default one; a nil value removes it.
// The value is encoded with encoding/json.
func Claim(name string, value any) TokenOption {
	return func(s *tokenSpec) { setOrDelete(s.claims, name, value) }
}

// Header sets a protected header member (for example "kid" or "typ"); a nil
// value removes it.
func Header(name string, value any) TokenOption {
	return func(s *tokenSpec) { setOrDelete(s.header, name, value) }
}
