package core

import (
	"fmt"
	"maps"
	"slices"
)

// ScopeHierarchy is an explicit set of scope implications, such as
// "files:write implies files:read", for the scope rules built from it.
// Implications are exactly those listed: they are NOT transitive (when
// files:admin implies files:write and files:write implies files:read,
// files:admin implies files:read only if it says so too), and there are
// no wildcards or prefixes ("files:*" is a scope name like any other).
// Build it once with NewScopeHierarchy; it is immutable and safe for
// concurrent use. The plain AnyScope and AllScopes ignore it: only the
// rules of its methods honour it, so that a route's code shows which
// scopes grant it.
type ScopeHierarchy struct {
	grantedBy map[string][]string // scope -> the scopes that imply it
}

// NewScopeHierarchy returns the hierarchy in which each key of implies
// implies every scope of its value:
//
//	h, err := core.NewScopeHierarchy(map[string][]string{
//		"files:write": {"files:read"},
//		"files:admin": {"files:read", "files:write"},
//	})
//
// Every name must be non-empty and free of spaces and control characters
// (RFC 6749 §3.3 scope tokens). The error matches ErrConfig.
func NewScopeHierarchy(implies map[string][]string) (*ScopeHierarchy, error) {
	h := &ScopeHierarchy{grantedBy: map[string][]string{}}
	for _, s := range slices.Sorted(maps.Keys(implies)) {
		if !isPlainName(s) {
			return nil, fmt.Errorf("%w: scope hierarchy: scope %q is not a scope token", ErrConfig, s)
		}
		for _, implied := range implies[s] {
			if !isPlainName(implied) {
				return nil, fmt.Errorf("%w: scope hierarchy: scope %q implied by %q is not a scope token", ErrConfig, implied, s)
			}
			h.grantedBy[implied] = appendNew(h.grantedBy[implied], s)
		}
	}
	return h, nil
}

// Has reports whether c holds scope, or a scope that h says implies it. A
// nil h has no implications.
func (h *ScopeHierarchy) Has(c *Claims, scope string) bool {
	if c.HasScope(scope) {
		return true
	}
	if h == nil {
		return false
	}
	return slices.ContainsFunc(h.grantedBy[scope], c.HasScope)
}

// AnyScope is core.AnyScope with h's implications: it allows a token that
// holds, or is granted through h, at least one of scopes. Its denial names
// scopes as given, never the scopes that imply them.
func (h *ScopeHierarchy) AnyScope(scopes ...string) Policy {
	return newRule(scopes, false, h.Has, scopeDenied)
}

// AllScopes is core.AllScopes with h's implications: it allows a token
// that holds, or is granted through h, every one of scopes. Its denial
// names scopes as given.
func (h *ScopeHierarchy) AllScopes(scopes ...string) Policy {
	return newRule(scopes, true, h.Has, scopeDenied)
}
