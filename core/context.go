package core

import "context"

// claimsKey is the context key of the verified claims; only this package
// sets or reads it.
type claimsKey struct{}

// NewContext returns a copy of ctx that carries c, the verified claims of
// the request; every adapter's Middleware calls it, so that
// ClaimsFromContext and TokenFromContext work in any handler and in the
// service code it calls with the request's context. A nil c returns ctx
// itself (an anonymous request carries no claims).
func NewContext(ctx context.Context, c *Claims) context.Context {
	if c == nil {
		return ctx
	}
	return context.WithValue(ctx, claimsKey{}, c)
}

// ClaimsFromContext returns the verified claims that ctx carries, or
// (nil, false) for a request that was anonymous, skipped, or did not pass
// through a Middleware.
func ClaimsFromContext(ctx context.Context) (*Claims, bool) {
	c, _ := ctx.Value(claimsKey{}).(*Claims)
	return c, c != nil
}

// TokenFromContext returns the access token whose claims ctx carries,
// exactly as the client sent it, for calling a downstream service on the
// caller's behalf (RFC 8693 token exchange, or relaying the token where the
// downstream service is in its audience). It is ("", false) when ctx
// carries no claims. Treat it as a secret: never log it.
func TokenFromContext(ctx context.Context) (string, bool) {
	c, ok := ClaimsFromContext(ctx)
	if !ok {
		return "", false
	}
	return c.token, true
}
