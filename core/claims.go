package core

import (
	"encoding/json"
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

// Issuer returns the "iss" claim, or "" when absent.
func (c *Claims) Issuer() string { return c.issuer }

// Audience returns the "aud" claim as a list (a single string becomes one
// element).
func (c *Claims) Audience() []string { return stringList(c.aud, false) }

// ExpiresAt returns the "exp" claim.
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
	if v == nil || v.Kind != strictjson.String {
		return "", false
	}
	return v.Str, true
}

// ErrAmbiguousClaims is returned by Decode for a claim set with two member
// names that differ only in ASCII case (such as "sub" and "SUB"):
// encoding/json matches struct fields case-insensitively, so it could decode
// a different value than the verified accessors report.
var ErrAmbiguousClaims = errors.New("core: claim names differ only in case")

// Decode unmarshals the whole claim set into v with encoding/json, for
// typed access to custom claims. It refuses, with ErrAmbiguousClaims, a
// claim set in which two names of one object differ only in case.
func (c *Claims) Decode(v any) error {
	if hasCaseFoldDuplicate(&c.root) {
		return ErrAmbiguousClaims
	}
	return json.Unmarshal([]byte(c.raw), v)
}

// hasCaseFoldDuplicate reports whether any object in v has two member names
// equal under ASCII case folding.
func hasCaseFoldDuplicate(v *strictjson.Value) bool {
	for i := range v.Obj {
		for j := i + 1; j < len(v.Obj); j++ {
			if strings.EqualFold(v.Obj[i].Key, v.Obj[j].Key) {
				return true
			}
		}
		if hasCaseFoldDuplicate(&v.Obj[i].Value) {
			return true
		}
	}
	for i := range v.Arr {
		if hasCaseFoldDuplicate(&v.Arr[i]) {
			return true
		}
	}
	return false
}

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
	switch v.Kind {
	case strictjson.String:
		for w := range strings.SplitSeq(v.Str, " ") {
			if w == s {
				return true
			}
		}
	case strictjson.Array:
		for i := range v.Arr {
			if v.Arr[i].Kind == strictjson.String && v.Arr[i].Str == s {
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
	switch v.Kind {
	case strictjson.String:
		if !split {
			return []string{v.Str}
		}
		for w := range strings.SplitSeq(v.Str, " ") {
			if w != "" {
				out = append(out, w)
			}
		}
	case strictjson.Array:
		for i := range v.Arr {
			if v.Arr[i].Kind == strictjson.String && v.Arr[i].Str != "" {
				out = append(out, v.Arr[i].Str)
			}
		}
	}
	return out
}
