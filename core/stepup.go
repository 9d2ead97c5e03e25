package core

import (
	"slices"
	"time"

	"github.com/axiomsgo/axioms/core/internal/strictjson"
)

// Step-up policies (RFC 9470): rules on how, and how recently, the user
// behind a token authenticated. A denial is ErrInsufficientUserAuthentication,
// answered 401 insufficient_user_authentication with the acr_values and
// max_age the client should ask the authorization server for; And merges
// them with each other and with scope denials into one challenge.

// ACR allows a token whose "acr" claim (OpenID Connect Core §2, RFC 9470
// §3) is one of values, compared exactly. A token without acr, or with a
// value not listed, is denied with acr_values="<values>". With no values it
// allows nothing. ACR does NOT rank values: list every acceptable one.
func ACR(values ...string) Policy {
	vs := slices.Clone(values)
	return PolicyFunc(func(_ string, c *Claims) error {
		if c == nil {
			return errNoCredentials
		}
		if acr, ok := c.GetString("acr"); ok && acr != "" && slices.Contains(vs, acr) {
			return nil
		}
		return insufficientAuthentication(vs, -1)
	})
}

// MaxAge allows a token whose "auth_time" claim (OpenID Connect Core §2, a
// NumericDate) is at most d before now, by the Verifier's clock
// (Config.Now); Leeway does not extend it. A token without a valid
// auth_time, or one that is older, is denied with max_age=<d in whole
// seconds>. d is rounded down to whole seconds (max_age is a number of
// seconds); a negative d allows nothing.
func MaxAge(d time.Duration) Policy {
	d = d.Truncate(time.Second)
	return PolicyFunc(func(_ string, c *Claims) error {
		if c == nil {
			return errNoCredentials
		}
		if d >= 0 {
			if at, ok := c.authTime(); ok && c.clock().Sub(at) <= d {
				return nil
			}
		}
		return insufficientAuthentication(nil, max(d, 0))
	})
}

// authTime returns the "auth_time" claim when it is a valid NumericDate.
func (c *Claims) authTime() (time.Time, bool) {
	v, ok := c.root.Get("auth_time")
	if !ok {
		return time.Time{}, false
	}
	t, err := numericDate(v)
	return t, err == nil
}

// clock returns the time by the clock of the Verifier of c.
func (c *Claims) clock() time.Time {
	if c.now == nil || *c.now == nil {
		return time.Now()
	}
	return (*c.now)()
}

// clientClaims are the claims naming the client a token was issued to, in
// the order AllowClients reads them: RFC 9068 §2.2 client_id, OpenID
// Connect azp, Okta's cid.
var clientClaims = []string{"client_id", "azp", "cid"}

// AllowClients allows a token issued to one of the clients ids: the first
// of the claims client_id (RFC 9068 §2.2), azp (OpenID Connect Core §2)
// and cid (Okta) that the token has must be a string equal to one of ids.
// A token with none of them, or another client, is denied with
// ErrClientDenied (403). It is a Policy, not a Verifier setting, so that
// routes may allow different clients; apply it to every route with the
// adapter's Require around all of them. With no ids it allows nothing.
func AllowClients(ids ...string) Policy {
	allowed := slices.Clone(ids)
	return PolicyFunc(func(_ string, c *Claims) error {
		if c == nil {
			return errNoCredentials
		}
		if v := firstClaim(&c.root, clientClaims); v != nil && v.Kind() == strictjson.String &&
			v.Str() != "" && slices.Contains(allowed, v.Str()) {
			return nil
		}
		return ErrClientDenied
	})
}
