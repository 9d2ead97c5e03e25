package core

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// acceptAll is a replay store that remembers nothing, so that one proof
// can be sent b.N times: BenchmarkDPoP measures the proof and the binding,
// BenchmarkMemoryReplayStore the store.
type acceptAll struct{}

func (acceptAll) Claim(context.Context, string, time.Time) (bool, error) { return true, nil }

// BenchmarkDPoP is one request's Authenticate, the access token answered
// from the verified-token cache: as a Bearer request, and as a DPoP
// request whose proof (ES256, the usual client key) is checked each time.
func BenchmarkDPoP(b *testing.B) {
	e := newBenchDPoPEnv(b)
	bearerTok := e.token(b, nil)
	boundTok := e.token(b, map[string]any{"jkt": e.jkt})
	proof := e.client.mint(b, func(_, c map[string]any) { c["ath"] = accessTokenHash(boundTok) })
	ctx := context.Background()
	for _, bc := range []struct {
		name  string
		creds Credentials
	}{
		{"Bearer", Credentials{Authorization: []string{"Bearer " + bearerTok}, TLS: true, Host: dpopHost, Path: dpopPath}},
		{"DPoP", dpopCreds(boundTok, proof)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			if _, err := e.g.Authenticate(ctx, http.MethodGet, bc.creds); err != nil { // warm the cache
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.g.Authenticate(ctx, http.MethodGet, bc.creds); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func newBenchDPoPEnv(b *testing.B) *dpopEnv {
	e := &dpopEnv{issuer: newKitKey(b, "k1", "RS256"), client: newProofKitTB(b, "ES256"), clock: newKitClock()}
	e.client.now = e.clock.Now()
	ks, err := ParseStaticKeySet(kitJWKS(b, e.issuer.jwk(b)))
	if err != nil {
		b.Fatal(err)
	}
	e.v, err = NewVerifier(Config{Issuer: obsIssuer, Audiences: []string{obsAudience}, KeySet: ks, Now: e.clock.Now,
		DPoP: DPoPConfig{Mode: DPoPAllowed, ReplayStore: acceptAll{}}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = e.v.Close() })
	e.g = NewGuard(e.v, GuardOptions{})
	p, err := checkDPoPProof(e.client.mint(b, nil), e.client.request())
	if err != nil {
		b.Fatal(err)
	}
	e.jkt = p.jkt
	return e
}
