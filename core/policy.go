package core

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Policy decides whether the claims of a request permit it. Check gets the
// request's HTTP method and the verified claims, which are nil for a request
// without credentials. It returns nil to allow, or an error matching
// ErrInsufficientScope (valid token, not allowed),
// ErrInsufficientUserAuthentication (valid token, stronger or more recent
// user authentication needed) or ErrNoCredentials (a token is needed).
// Policies are built once, in code; request data never changes one (a
// policy computed per request, RequireFunc, only adds to them). Check must
// have no side effects: to learn the scopes a policy needs (for the scope
// of a 401 challenge, and in And), a Guard may also ask it about a claim
// set that holds no claims. The built-in policies are immutable and safe for concurrent
// use; custom implementations must be too, and must not keep the method
// string (it may be a view into a reused request buffer).
type Policy interface {
	Check(method string, c *Claims) error
}

// PolicyFunc adapts a function to Policy.
type PolicyFunc func(method string, c *Claims) error

// Check calls f.
func (f PolicyFunc) Check(method string, c *Claims) error { return f(method, c) }

// Authenticated allows any request with a valid token.
func Authenticated() Policy {
	return PolicyFunc(func(_ string, c *Claims) error {
		if c == nil {
			return errNoCredentials
		}
		return nil
	})
}

// claimPolicy is a scope, role or permission rule with any-of or all-of logic.
type claimPolicy struct {
	names  []string
	all    bool
	has    func(*Claims, string) bool
	denied func([]string) error
}

func (r claimPolicy) Check(_ string, c *Claims) error {
	if c == nil {
		return errNoCredentials
	}
	match := func(n string) bool { return r.has(c, n) }
	if r.all && len(r.names) > 0 && !slices.ContainsFunc(r.names, func(n string) bool { return !match(n) }) ||
		!r.all && slices.ContainsFunc(r.names, match) {
		return nil
	}
	return r.denied(r.names)
}

func newRule(names []string, all bool, has func(*Claims, string) bool, denied func([]string) error) Policy {
	return claimPolicy{names: slices.Clone(names), all: all, has: has, denied: denied}
}

func scopeDenied(names []string) error { return insufficientScope(names) }
func roleDenied([]string) error        { return ErrRoleDenied }
func permissionDenied([]string) error  { return ErrPermissionDenied }

// AnyScope allows a token holding at least one of scopes (exact,
// case-sensitive, RFC 6749 §3.3). Denial is a 403 whose challenge lists
// every scope named here. With no scopes it allows nothing.
func AnyScope(scopes ...string) Policy {
	return newRule(scopes, false, (*Claims).HasScope, scopeDenied)
}

// AllScopes allows a token holding every one of scopes. With no scopes it
// allows nothing.
func AllScopes(scopes ...string) Policy {
	return newRule(scopes, true, (*Claims).HasScope, scopeDenied)
}

// AnyRole allows a token holding at least one of roles.
func AnyRole(roles ...string) Policy {
	return newRule(roles, false, (*Claims).HasRole, roleDenied)
}

// AllRoles allows a token holding every one of roles.
func AllRoles(roles ...string) Policy {
	return newRule(roles, true, (*Claims).HasRole, roleDenied)
}

// AnyPermission allows a token holding at least one of permissions.
func AnyPermission(permissions ...string) Policy {
	return newRule(permissions, false, (*Claims).HasPermission, permissionDenied)
}

// AllPermissions allows a token holding every one of permissions.
func AllPermissions(permissions ...string) Policy {
	return newRule(permissions, true, (*Claims).HasPermission, permissionDenied)
}

// And allows a request that every policy allows. Every member is asked,
// and a missing token wins over any other denial. When every member that
// denies is a scope rule (AnyScope, AllScopes, a ScopeHierarchy's rules or
// a combination of them) or a step-up rule (ACR, MaxAge), the denials
// become one, so that one challenge names everything the client must
// obtain (RFC 6750 §3, RFC 9470 §3):
//
//   - scopes: the scopes of every scope rule of the And, met or not, in
//     the order of the members, without repeats, so that
//     And(AllScopes("a"), AllScopes("b")) refuses a token with only "a"
//     with scope="a b";
//   - with a step-up denial among them the answer is
//     ErrInsufficientUserAuthentication (401), carrying those scopes when a
//     scope rule failed too, the acr values of every failed ACR rule and
//     the smallest max_age of the failed MaxAge rules.
//
// Otherwise (a role, permission, owner or custom denial among them) the
// first denial is returned, as it is. With no policies it allows nothing;
// a nil member is Authenticated.
func And(policies ...Policy) Policy {
	ps := slices.Clone(policies)
	return PolicyFunc(func(method string, c *Claims) error {
		if len(ps) == 0 {
			return denyEmpty(c)
		}
		var denials []error // by member, allocated at the first denial
		var first error
		mergeable := true
		for i, p := range ps {
			err := authorize(p, method, c)
			switch {
			case err == nil:
				continue
			case errors.Is(err, ErrNoCredentials):
				return err
			case denials == nil:
				denials, first = make([]error, len(ps)), err
			}
			denials[i] = err
			mergeable = mergeable && isMergeable(err)
		}
		if first == nil || !mergeable {
			return first
		}
		return mergeDenials(ps, denials, method)
	})
}

// isMergeable reports whether err is the denial of a scope or step-up rule.
func isMergeable(err error) bool {
	var e *Error
	return errors.As(err, &e) && (len(e.scopes) > 0 || e.category == ErrInsufficientUserAuthentication)
}

// mergeDenials builds And's one denial from the denials of its members
// (nil for a member that allowed the request, whose scopes are learnt with
// neededScopes); each denial is mergeable.
func mergeDenials(ps []Policy, denials []error, method string) error {
	var scopes, acr []string
	scopeDenied, stepUp, maxAge := false, false, time.Duration(-1)
	for i, err := range denials {
		var e *Error
		if err == nil || !errors.As(err, &e) {
			scopes = appendNew(scopes, neededScopes(ps[i], method)...)
			continue
		}
		scopes = appendNew(scopes, e.scopes...)
		scopeDenied = scopeDenied || len(e.scopes) > 0
		if e.category == ErrInsufficientUserAuthentication {
			stepUp = true
			acr = appendNew(acr, e.acrValues...)
			if d, ok := e.MaxAge(); ok && (maxAge < 0 || d < maxAge) {
				maxAge = d
			}
		}
	}
	if !stepUp {
		return insufficientScope(scopes)
	}
	e := insufficientAuthentication(acr, maxAge)
	if scopeDenied {
		e.scopes = scopes
	}
	return e
}

// probeClaims is the claim set of a token that holds nothing: a policy's
// denial of it names the scopes the policy needs.
var probeClaims Claims

// neededScopes returns the scopes p needs for a request with method: those
// its denial of a token without scopes, roles or other claims names (nil
// when p allows it or denies without naming scopes).
func neededScopes(p Policy, method string) []string {
	var e *Error
	if p != nil && errors.As(p.Check(method, &probeClaims), &e) {
		return e.scopes
	}
	return nil
}

// TokenRequired allows a request with a verified token that p allows (a
// nil p allows any verified token). A request without a token is refused
// (ErrNoCredentials) whatever p says, even when p is, or contains,
// AllowAnonymous. It is the rule of a policy computed from the request
// (every adapter's RequireFunc): such a policy adds to what a route's
// static policies demand, and can never open the route to a request
// without a token.
func TokenRequired(p Policy) Policy {
	return PolicyFunc(func(method string, c *Claims) error {
		if c == nil {
			return errNoCredentials
		}
		return authorize(p, method, c)
	})
}

// Or allows a request that any policy allows. When all deny, the denial
// lists the scopes of every failed scope rule; a missing token wins over
// any 403. With no policies it allows nothing; a nil member is
// Authenticated.
func Or(policies ...Policy) Policy {
	ps := slices.Clone(policies)
	return PolicyFunc(func(method string, c *Claims) error {
		if len(ps) == 0 {
			return denyEmpty(c)
		}
		var first error
		var scopes []string
		for _, p := range ps {
			err := authorize(p, method, c)
			if err == nil {
				return nil
			}
			if errors.Is(err, ErrNoCredentials) {
				return err
			}
			var e *Error
			if errors.As(err, &e) && len(e.scopes) > 0 {
				scopes = appendNew(scopes, e.scopes...)
			}
			if first == nil {
				first = err
			}
		}
		if scopes != nil {
			return insufficientScope(scopes)
		}
		return first
	})
}

func denyEmpty(c *Claims) error {
	if c == nil {
		return errNoCredentials
	}
	return ErrMethodDenied
}

func appendNew(list []string, items ...string) []string {
	for _, it := range items {
		if !slices.Contains(list, it) {
			list = append(list, it)
		}
	}
	return list
}

// ByMethod applies a policy per HTTP method (the axioms method-level and DRF
// action-level cases). Method names are matched case-sensitively after
// upper-casing the map keys; a method without an entry is denied (403). A
// nil entry is Authenticated.
func ByMethod(policies map[string]Policy) Policy {
	m := make(map[string]Policy, len(policies))
	for k, p := range policies {
		m[strings.ToUpper(k)] = p
	}
	return PolicyFunc(func(method string, c *Claims) error {
		p, ok := m[method]
		if !ok {
			return denyEmpty(c)
		}
		return authorize(p, method, c)
	})
}

// AllowAnonymous lets requests whose method is in methods through without
// credentials (the axioms IsAnyGet…/IsAnyPost… cases); requests that do
// carry a token, and other methods, are judged by p. Invalid credentials are
// never anonymous: they fail before any policy runs. A nil p is
// Authenticated.
func AllowAnonymous(p Policy, methods ...string) Policy {
	ms := upper(methods)
	return PolicyFunc(func(method string, c *Claims) error {
		if c == nil && slices.Contains(ms, method) {
			return nil
		}
		return authorize(p, method, c)
	})
}

// Owner allows only the owner of a resource: the token's sub must equal
// owner exactly (the axioms IsSubOwner case). An empty owner or sub never
// matches. Owner compares sub only: it does NOT check iss, so with several
// issuers whose subject namespaces may overlap, store and compare the
// issuer as well (a custom Policy). Build it per request from the loaded
// object, and apply it with the adapter's Authorize.
func Owner(owner string) Policy {
	return PolicyFunc(func(_ string, c *Claims) error {
		switch {
		case c == nil:
			return errNoCredentials
		case owner == "" || c.subject != owner:
			return ErrNotOwner
		}
		return nil
	})
}

// safeReadMethods are the methods OwnerOrSafeMethods lets any
// authenticated caller use (RFC 9110 §9.2.1).
var safeReadMethods = []string{http.MethodGet, http.MethodHead, http.MethodOptions}

// OwnerOrSafeMethods allows any authenticated caller to use GET, HEAD and
// OPTIONS, and only the owner to use other methods (the axioms
// IsSubOwnerOrSafeOnly case).
func OwnerOrSafeMethods(owner string) Policy {
	own := Owner(owner)
	return PolicyFunc(func(method string, c *Claims) error {
		if c != nil && slices.Contains(safeReadMethods, method) {
			return nil
		}
		return own.Check(method, c)
	})
}

func upper(ms []string) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = strings.ToUpper(m)
	}
	return out
}
