package core

import (
	"context"
	"sync/atomic"
)

// authKey is the context key of a request's authentication; only this
// package sets or reads it.
type authKey struct{}

// authContext is a request context stamped by a Guard: the Guard whose
// middleware the request passed and the claims it verified (nil for an
// anonymous or skipped request). It is one allocation, and it answers
// every other key from its parent.
type authContext struct {
	context.Context
	guard   *Guard
	claims  *Claims
	skipped bool        // stamped by Guard.Skip: no decision unless a policy refuses
	decided atomic.Bool // the request's decision was reported (Observer.Decision)
}

// Value implements context.Context.
func (a *authContext) Value(key any) any {
	if _, ok := key.(authKey); ok {
		return a
	}
	return a.Context.Value(key)
}

// stamp returns ctx carrying g and c. The stamp of the innermost Guard
// hides any stamp of an outer one: its claims are the request's.
func (g *Guard) stamp(ctx context.Context, c *Claims) *authContext {
	return &authContext{Context: ctx, guard: g, claims: c}
}

func stampOf(ctx context.Context) *authContext {
	a, _ := ctx.Value(authKey{}).(*authContext)
	return a
}

// GuardFromContext returns the Guard of the innermost middleware the
// request whose context is ctx passed (Guard.Authenticate or Guard.Skip),
// or nil: an adapter finds its own middleware again with Guard.Adapter.
func GuardFromContext(ctx context.Context) *Guard {
	if a := stampOf(ctx); a != nil {
		return a.guard
	}
	return nil
}

// ClaimsFromContext returns the verified claims of the request whose
// context is ctx, as the innermost adapter Middleware it passed stored them
// (Guard.Authenticate), or (nil, false) for a request that was anonymous,
// skipped, or did not pass through a Middleware. It works in any handler
// and in the service code it calls with the request's context.
func ClaimsFromContext(ctx context.Context) (*Claims, bool) {
	if a := stampOf(ctx); a != nil && a.claims != nil {
		return a.claims, true
	}
	return nil, false
}

// TokenFromContext returns the access token whose claims ctx carries,
// exactly as the client sent it, for calling a downstream service on the
// caller's behalf (RFC 8693 token exchange, or relaying the token where the
// downstream service is in its audience). It is ("", false) when ctx
// carries no claims. Treat it as a secret: never log it. It may allocate
// (the token is rebuilt from its parts unless the token cache holds it).
func TokenFromContext(ctx context.Context) (string, bool) {
	c, ok := ClaimsFromContext(ctx)
	if !ok {
		return "", false
	}
	return c.rawToken(), true
}
