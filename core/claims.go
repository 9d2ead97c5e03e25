package core

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/axiomsgo/axioms/core/internal/strictjson"
)

// Claims is the verified claim set of one token. It is immutable and safe for
// concurrent use; accessors return copies. When logged with log/slog it
// shows only the issuer, audience and expiry: subjects and custom claims are
// personal data and are redacted.
type Claims struct {
	token                      string // the access token as sent, when cached (the cache key); see rawToken
	head, tail                 string // "header." and ".signature" of the token
	raw                        string // the payload JSON, as signed
	root                       strictjson.Value
	subject, issuer            string
	aud                        *strictjson.Value
	expiry, notBefore, issued  time.Time
	scopes, roles, permissions *strictjson.Value
	confirmation               *strictjson.Value // cnf (RFC 7800), nil when absent
	now                        *func() time.Time // the Verifier's clock (Config.Now), for MaxAge; nil: time.Now
}

// rawToken returns the access token these claims were verified from,
// exactly as sent: the base64url encoding of a payload decoded strictly
// (RFC 7515 §2, no padding, zero unused bits) is unique, so encoding the
// payload again between the kept header and signature gives the token
// back. A cached token is kept whole (it is the cache key).
func (c *Claims) rawToken() string {
	if c.token != "" {
		return c.token
	}
	return c.head + b64.EncodeToString([]byte(c.raw)) + c.tail
}

// Subject returns the "sub" claim, or "" when absent.
func (c *Claims) Subject() string { return c.subject }

// Issuer returns the "iss" claim, or "" when absent. For an introspected
// token whose answer has no iss, it is the issuer whose rules judged it
// (IntrospectionConfig.Issuer).
func (c *Claims) Issuer() string { return c.issuer }

// Audience returns the "aud" claim as a list (a single string becomes one
// element).
func (c *Claims) Audience() []string { return stringList(c.aud, false) }

// ExpiresAt returns the "exp" claim; the zero time for an introspected
// token whose answer has none (RFC 7662 makes it optional).
func (c *Claims) ExpiresAt() time.Time { return c.expiry }

// NotBefore returns the "nbf" claim, or the zero time when absent.
func (c *Claims) NotBefore() time.Time { return c.notBefore }

// IssuedAt returns the "iat" claim, or the zero time when absent.
func (c *Claims) IssuedAt() time.Time { return c.issued }

// Scopes returns the token's scopes, read from the first configured scope
// claim present (Config.ScopeClaims): a space-separated string is split on
// spaces; an array's string elements are taken whole.
func (c *Claims) Scopes() []string { return stringList(c.scopes, true) }

// Roles returns the token's roles (Config.RoleClaims), like Scopes.
func (c *Claims) Roles() []string { return stringList(c.roles, true) }

// Permissions returns the token's permissions (Config.PermissionClaims),
// like Scopes.
func (c *Claims) Permissions() []string { return stringList(c.permissions, true) }

// HasScope reports whether the token has scope s (exact, case-sensitive).
func (c *Claims) HasScope(s string) bool { return contains(c.scopes, s) }

// HasRole reports whether the token has role r (exact, case-sensitive).
func (c *Claims) HasRole(r string) bool { return contains(c.roles, r) }

// HasPermission reports whether the token has permission p (exact,
// case-sensitive).
func (c *Claims) HasPermission(p string) bool { return contains(c.permissions, p) }

// Actors returns the subjects of the RFC 8693 §4.1 "act" (actor) claim
// chain of a delegated token, the current actor first, then each prior
// actor of the nested act claims; nil when the token has no act claim.
// The chain ends at the first level that is not a JSON object with a
// string "sub" (RFC 8693 requires both). The token's own subject (the
// party on whose behalf the actors act) is Subject. Actors only reports
// the chain: it does NOT check that any actor may act for the subject.
func (c *Claims) Actors() []string {
	var chain []string
	for v, ok := c.root.Get("act"); ok && v.Kind() == strictjson.Object; v, ok = v.Get("act") {
		sub, ok := v.Get("sub")
		if !ok || sub.Kind() != strictjson.String {
			break
		}
		chain = append(chain, sub.Str())
	}
	return chain
}

// Get returns the claim called name (an exact top-level name, or a dotted
// path when no top-level claim has that exact name) as plain Go values:
// string, json.Number, bool, nil, []any or map[string]any.
func (c *Claims) Get(name string) (any, bool) {
	v := lookupClaim(&c.root, name)
	if v == nil {
		return nil, false
	}
	return v.Interface(), true
}

// GetString returns the claim called name when it is a JSON string.
func (c *Claims) GetString(name string) (string, bool) {
	v := lookupClaim(&c.root, name)
	if v == nil || v.Kind() != strictjson.String {
		return "", false
	}
	return v.Str(), true
}

// ErrAmbiguousClaims was returned by Decode for a claim set with two member
// names that differ only in case (such as "sub" and "SUB").
//
// Deprecated: Decode matches member names exactly, so such names are no
// longer ambiguous ("sub" fills a field tagged "sub", "SUB" fills nothing);
// Decode never returns this error.
var ErrAmbiguousClaims = errors.New("core: claim names differ only in case")

// Decode fills v, a non-nil pointer, from the whole claim set, for typed
// access to custom claims. It follows encoding/json's Unmarshal rules
// (struct tags, embedded structs, pointers, maps, slices and arrays,
// json.Unmarshaler and encoding.TextUnmarshaler, the ",string" tag
// option; omitempty has no effect) except for these:
//
//   - A member fills a struct field only when its name equals the field's
//     JSON name exactly: the name in its `json:"name"` tag, else the Go
//     field name. Decode never folds case or Unicode, so {"SCOPE":"admin"}
//     and {"ſub":"root"} fill no field tagged "scope" or "sub", and an
//     untagged field Sub takes "Sub", not "sub": Decode reads the members
//     Subject, Scopes and Get read. Other members are ignored.
//   - A value decoded into an interface{} is what Get returns: string,
//     json.Number (never float64), bool, nil, []any or map[string]any.
//   - A json.Unmarshaler is given its value's JSON text re-encoded from the
//     verified claim set: the same value, though escapes and spacing may
//     differ from the signed bytes. What it matches inside is its own
//     business (one that calls encoding/json folds case again).
//   - Decode stops at the first error, leaving v partly filled. A value of
//     the wrong JSON type, or a number its field cannot hold (1.5 or 300
//     into an int8), is a *json.UnmarshalTypeError whose Field is the
//     dotted path of JSON names (Offset is not set); a nil or non-pointer v
//     is a *json.InvalidUnmarshalError.
func (c *Claims) Decode(v any) error { return decodeTree(&c.root, v) }

// LogValue implements slog.LogValuer: only non-personal fields are shown.
// Value receivers so that a Claims copy is redacted as well.
func (c Claims) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("iss", c.issuer),
		slog.Any("aud", c.Audience()),
		slog.Time("exp", c.expiry),
		slog.String("sub", "REDACTED"),
	)
}

// Format implements fmt.Formatter so that a stray %v or %+v never prints
// claim values.
func (c Claims) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, "core.Claims{REDACTED}") }

// lookupClaim finds a claim by exact top-level name, else by dotted path.
func lookupClaim(root *strictjson.Value, name string) *strictjson.Value {
	if v, ok := root.Get(name); ok {
		return v
	}
	if !strings.Contains(name, ".") {
		return nil
	}
	v := root
	for part := range strings.SplitSeq(name, ".") {
		next, ok := v.Get(part)
		if !ok {
			return nil
		}
		v = next
	}
	return v
}

// firstClaim returns the first claim of names present in root.
func firstClaim(root *strictjson.Value, names []string) *strictjson.Value {
	for _, n := range names {
		if v := lookupClaim(root, n); v != nil {
			return v
		}
	}
	return nil
}

// contains reports whether a claim value holds s: for a string, as one of
// its space-separated words; for an array, as a whole string element. Other
// types hold nothing (fail closed). It does not allocate.
func contains(v *strictjson.Value, s string) bool {
	if v == nil || s == "" {
		return false
	}
	switch v.Kind() {
	case strictjson.String:
		for w := range strings.SplitSeq(v.Str(), " ") {
			if w == s {
				return true
			}
		}
	case strictjson.Array:
		elems := v.Arr()
		for i := range elems {
			if elems[i].Kind() == strictjson.String && elems[i].Str() == s {
				return true
			}
		}
	}
	return false
}

// stringList renders a claim value as a list. split selects whether a
// string value is split on spaces (claim lists) or kept whole (aud).
func stringList(v *strictjson.Value, split bool) []string {
	if v == nil {
		return nil
	}
	var out []string
	switch v.Kind() {
	case strictjson.String:
		if !split {
			return []string{v.Str()}
		}
		for w := range strings.SplitSeq(v.Str(), " ") {
			if w != "" {
				out = append(out, w)
			}
		}
	case strictjson.Array:
		elems := v.Arr()
		for i := range elems {
			if elems[i].Kind() == strictjson.String && elems[i].Str() != "" {
				out = append(out, elems[i].Str())
			}
		}
	}
	return out
}
