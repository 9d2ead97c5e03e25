package core

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// BenchmarkIntrospection is the whole decision of a request (Check:
// extraction, verification, an AnyScope policy) for an introspected
// opaque token beside a locally verified JWT with the same claims:
//
//   - opaque-cache-hit: the introspection cache answers (an HMAC of the
//     token, a map lookup, the time checks, a copy of the claims);
//   - jwt-cache-hit: the verified-token cache answers;
//   - jwt-verify-ES256: the signature checked on every request (the
//     verified-token cache off);
//   - jwt-introspected-cache-hit: a JWT with IntrospectJWTs, answered by
//     the introspection cache (its HMAC, the time and key checks);
//   - opaque-miss-loopback: every request introspected (the cache off), an
//     HTTP round trip to a loopback endpoint: the floor of a real one;
//   - opaque-miss-signed-loopback: the same with signed answers (RFC 9701,
//     SignedResponses): the endpoint signs each answer (ES256) and the
//     Verifier checks the signature and the JWT's claims before the answer.
func BenchmarkIntrospection(b *testing.B) {
	now := func() time.Time { return bnNow }
	claims := bnClaims(nil)
	as := newKitAS(b, IntrospectionAuthBasic, now)
	const opaque = "ory_at_hUfe7iQ3bVqYQ3H0mJcL2ZK8b4kXG1rDp8mW0e2sQzE.9kQx0LzJpZr2cW4b3T7yVnH1sA5dF8gJ6mK0qE2uR4o"
	claims["active"] = true
	as.answer(opaque, claims)
	key := newKitKey(b, "bn-ES256", "ES256")
	asKey := newKitKey(b, "bn-as-ES256", "ES256") // signs the answers asked for signed
	as.sign(kitSigning{key: asKey, issuer: bnIssuer})
	jwt := key.sign(b, bnClaims(nil))
	build := func(change func(*Config)) *Verifier {
		pk, err := NewPublicKey(key.kid, key.alg, key.signer.Public())
		if err != nil {
			b.Fatal(err)
		}
		asPK, err := NewPublicKey(asKey.kid, asKey.alg, asKey.signer.Public())
		if err != nil {
			b.Fatal(err)
		}
		cfg := Config{Audiences: []string{bnAudience}, Issuer: bnIssuer, KeySet: NewStaticKeySet(pk, asPK), Now: now,
			Introspection: IntrospectionConfig{URL: as.URL + "/introspect", ClientID: kitClientID, ClientSecret: kitSecret}}
		change(&cfg)
		v, err := NewVerifier(cfg)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = v.Close() })
		return v
	}
	cached := build(func(*Config) {})
	uncached := build(func(c *Config) { c.TokenCacheEntries, c.Introspection.CacheTTL = -1, -1 })
	jwts := build(func(c *Config) { c.Introspection.IntrospectJWTs = true })
	as.answer(jwt, claims)
	signed := build(func(c *Config) {
		c.TokenCacheEntries, c.Introspection.CacheTTL, c.Introspection.SignedResponses = -1, -1, true
	})
	for _, bc := range []struct {
		name, token string
		v           *Verifier
	}{
		{"opaque-cache-hit", opaque, cached},
		{"jwt-cache-hit", jwt, cached},
		{"jwt-verify-ES256", jwt, uncached},
		{"jwt-introspected-cache-hit", jwt, jwts},
		{"opaque-miss-loopback", opaque, uncached},
		{"opaque-miss-signed-loopback", opaque, signed},
	} {
		b.Run(bc.name, func(b *testing.B) {
			creds := Credentials{Authorization: []string{"Bearer " + bc.token}}
			policy := AnyScope("read:items")
			ctx := context.Background()
			if _, err := bc.v.Check(ctx, http.MethodGet, creds, policy); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bc.v.Check(ctx, http.MethodGet, creds, policy); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
