package core

import (
	"context"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// The introspection endpoint of one issuer (IssuerConfig.Introspection):
// its JWTs are verified locally, then introspected there; the other
// issuers' JWTs stay local, and opaque tokens never go there.

// TestIssuerIntrospection: a JWT of A is introspected at A's endpoint
// only, cached by A's own TTL, refused once revoked there; a JWT of B
// costs no request anywhere; a forged JWT of A costs none either.
func TestIssuerIntrospection(t *testing.T) {
	k := newKitIssuers(t, true, func(c *Config) { c.Issuers[0].Introspection.CacheTTL = 5 * time.Second })
	waitAnswered(t, k.v)
	jwtA := k.jwt(t, kitASIssuer, "alice")
	k.asA.answer(jwtA, map[string]any{"iss": kitASIssuer, "exp": k.clock.Now().Add(time.Hour).Unix()})

	c, err := k.v.Verify(t.Context(), jwtA)
	require.NoError(t, err)
	assert.Equal(t, "alice", c.Subject())
	assert.Equal(t, kitASIssuer, c.Issuer())
	assert.Equal(t, []string{"read:data"}, c.Scopes(), "the JWT's claims")
	a, top := k.requests()
	assert.Equal(t, int64(1), a)
	assert.Zero(t, top, "Config.Introspection never sees A's JWTs")

	forged := jwtA[:strings.LastIndexByte(jwtA, '.')+1] + "AAAA"
	_, err = k.v.Verify(t.Context(), forged)
	assert.ErrorIs(t, err, ErrSignatureInvalid)

	jwtB := k.jwt(t, kitBIssuer, "bob")
	for range 2 {
		c, err = k.v.Verify(t.Context(), jwtB)
		require.NoError(t, err)
		assert.Equal(t, "bob", c.Subject())
	}
	a, top = k.requests()
	assert.Equal(t, int64(1), a, "B's JWTs and a forged JWT cost no request")
	assert.Zero(t, top)

	k.asA.revoke(jwtA)
	k.clock.Advance(4 * time.Second)
	_, err = k.v.Verify(t.Context(), jwtA)
	require.NoError(t, err, "cached within A's CacheTTL")
	k.clock.Advance(time.Second)
	_, err = k.v.Verify(t.Context(), jwtA)
	assert.ErrorIs(t, err, ErrTokenInactive, "revocation seen after A's CacheTTL")
	assert.Equal(t, 2, k.asA.callsOf(jwtA))
	_, top = k.requests()
	assert.Zero(t, top)
}

// TestIssuerIntrospectionAnswerIssuer: an answer of A's endpoint must be
// about A: iss absent or A. One naming another issuer (trusted or not)
// about a JWT that A's keys verified is the endpoint's failure, not the
// client's: 503 and a misconfiguration, as with a signed answer's iss.
// Config.Introspection with IntrospectJWTs follows the same rule.
func TestIssuerIntrospectionAnswerIssuer(t *testing.T) {
	k := newKitIssuers(t, false, nil)
	for _, tc := range []struct {
		name   string
		iss    any // nil: absent
		failed bool
	}{
		{"iss absent", nil, false},
		{"iss A", kitASIssuer, false},
		{"iss B", kitBIssuer, true},
		{"iss untrusted", "https://other.example.com", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			jwt := k.jwt(t, kitASIssuer, tc.name)
			answer := map[string]any{}
			if tc.iss != nil {
				answer["iss"] = tc.iss
			}
			k.asA.answer(jwt, answer)
			c, err := k.v.Verify(t.Context(), jwt)
			if tc.failed {
				require.ErrorIs(t, err, ErrKeysUnavailable)
				assert.ErrorIs(t, err, ErrKeySetMisconfigured)
				assert.NotErrorIs(t, err, ErrInvalidToken, "not the client's fault")
				assert.Equal(t, http.StatusServiceUnavailable, k.v.ErrorResponse(err).Status)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, kitASIssuer, c.Issuer())
		})
	}
	t.Run("Config.Introspection with IntrospectJWTs", func(t *testing.T) {
		clock := newKitClock()
		key := newKitKey(t, "intro-jwt", "ES256")
		as := newKitAS(t, IntrospectionAuthBasic, clock.Now)
		v := kitIntrospectionVerifier(t, as, clock, key, func(c *Config) { c.Introspection.IntrospectJWTs = true })
		jwt := key.sign(t, map[string]any{"iss": kitASIssuer, "aud": kitASAudience, "sub": "dave",
			"exp": clock.Now().Add(time.Hour).Unix()})
		as.answer(jwt, map[string]any{"iss": kitBIssuer})
		_, err := v.Verify(t.Context(), jwt)
		assert.ErrorIs(t, err, ErrKeySetMisconfigured)
		assert.Equal(t, http.StatusServiceUnavailable, v.ErrorResponse(err).Status)
	})
}

// TestIntrospectionAnswerVouchesForItsIssuer: the Verifier's endpoint
// (here with Issuer B) answers for B alone; an answer about an opaque
// token naming A, which has an endpoint of its own, is refused, signed by
// B's server or not, and A's endpoint is not asked.
func TestIntrospectionAnswerVouchesForItsIssuer(t *testing.T) {
	for _, signed := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "signed by B"}[signed], func(t *testing.T) {
			k := newKitIssuers(t, true, func(c *Config) {
				c.Introspection.SignedResponses = signed
				c.Introspection.CacheTTL = -1
			})
			if signed {
				k.top.sign(kitSigning{key: k.keyB, issuer: kitBIssuer})
			}
			k.top.answer("opaque-of-b", activeClaims(k.clock.Now(), map[string]any{"iss": kitBIssuer}))
			c, err := k.v.Verify(t.Context(), "opaque-of-b")
			require.NoError(t, err)
			assert.Equal(t, kitBIssuer, c.Issuer())

			k.top.answer("opaque-naming-a", activeClaims(k.clock.Now(), map[string]any{"iss": kitASIssuer, "sub": "mallory"}))
			_, err = k.v.Verify(t.Context(), "opaque-naming-a")
			require.ErrorIs(t, err, ErrIssuerMismatch)
			a, _ := k.requests()
			assert.Zero(t, a, "A's endpoint never asked")
		})
	}
}

// TestIssuerIntrospectionOpaque: an opaque token is never sent to an
// issuer's endpoint. With none but those, it is malformed, as without
// introspection; with Config.Introspection too, it goes there only.
func TestIssuerIntrospectionOpaque(t *testing.T) {
	const opaque = "ory_at_aGVsbG8.d29ybGQ"
	t.Run("issuer endpoints only", func(t *testing.T) {
		k := newKitIssuers(t, false, nil)
		k.asA.answer(opaque, activeClaims(k.clock.Now(), nil))
		waitAnswered(t, k.v)
		_, err := k.v.Verify(t.Context(), opaque)
		require.ErrorIs(t, err, ErrTokenMalformed)
		resp := k.v.ErrorResponse(err)
		assert.Equal(t, http.StatusUnauthorized, resp.Status)
		assert.Contains(t, resp.WWWAuthenticate, `error="invalid_token"`)
		assert.Zero(t, k.asA.total.Load(), "A's endpoint saw no token")
		assert.Equal(t, int64(1), k.asA.probes.Load(), "only its readiness probe")
	})
	t.Run("and Config.Introspection", func(t *testing.T) {
		k := newKitIssuers(t, true, nil)
		k.top.answer(opaque, activeClaims(k.clock.Now(), map[string]any{"iss": kitBIssuer}))
		k.asA.answer(opaque, activeClaims(k.clock.Now(), nil))
		c, err := k.v.Verify(t.Context(), opaque)
		require.NoError(t, err)
		assert.Equal(t, kitBIssuer, c.Issuer())
		assert.Equal(t, 1, k.top.callsOf(opaque))
		assert.Zero(t, k.asA.total.Load(), "A's endpoint saw no token")
	})
}

// TestIssuerIntrospectionReady: Ready and WaitReady need an answer of
// every endpoint; a probe goes to each at start; an issuer endpoint that
// refuses the credentials is misconfigured, logged naming its issuer.
func TestIssuerIntrospectionReady(t *testing.T) {
	var logs logLines
	k := newKitIssuers(t, true, func(c *Config) { c.Logger = logs.logger() })
	k.asA.hold()
	k.top.hold()
	// Both endpoints hold a probe: neither has answered.
	for k.asA.probes.Load() == 0 || k.top.probes.Load() == 0 {
		runtime.Gosched()
	}
	require.ErrorIs(t, k.v.Ready(t.Context()), ErrKeysUnavailable)
	k.top.release()
	require.NoError(t, k.v.intro.waitReady(t.Context()), "Config.Introspection's endpoint answered")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := k.v.WaitReady(ctx)
	require.ErrorIs(t, err, ErrKeysUnavailable, "A's endpoint has not answered")
	assert.ErrorIs(t, err, errNotAnswered)
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, k.v.Ready(t.Context()), errNotAnswered)
	k.asA.release()
	waitAnswered(t, k.v)
	assert.NoError(t, k.v.Ready(t.Context()))
	assert.Equal(t, int64(1), k.asA.probes.Load())
	assert.Equal(t, int64(1), k.top.probes.Load())

	k.asA.setSecret("rotated")
	jwt := k.jwt(t, kitASIssuer, "alice")
	_, err = k.v.Verify(t.Context(), jwt)
	require.ErrorIs(t, err, ErrKeysUnavailable)
	err = k.v.Ready(t.Context())
	assert.ErrorIs(t, err, ErrKeySetMisconfigured)
	lines := logs.lines("axioms: introspection misconfigured")
	require.Len(t, lines, 1)
	assert.Equal(t, kitASIssuer, lines[0]["issuer"])
	assert.Equal(t, k.asA.URL+"/a/introspect", lines[0]["url"])
	assert.NotEmpty(t, lines[0]["fix"])

	k.top.status.Store(http.StatusServiceUnavailable) // an outage of the other endpoint
	_, err = k.v.Verify(t.Context(), "opaque-during-outage")
	require.ErrorIs(t, err, ErrKeysUnavailable)
	require.NotErrorIs(t, err, ErrKeySetMisconfigured)
	assert.ErrorIs(t, k.v.Ready(t.Context()), ErrKeySetMisconfigured, "A's misconfiguration is told before the outage")
}

// TestIssuerIntrospectionObserved: the Fetch events of each endpoint name
// its issuer: A for A's endpoint, Config.Introspection's Issuer for it.
func TestIssuerIntrospectionObserved(t *testing.T) {
	type fetch struct{ issuer, url string }
	fetches := make(chan fetch, 10)
	obs := &Observer{Fetch: func(_ context.Context, f Fetch) {
		if f.Kind == FetchIntrospection {
			fetches <- fetch{f.Issuer, f.URL}
		}
	}}
	k := newKitIssuers(t, true, func(c *Config) { c.Observer = obs })
	waitAnswered(t, k.v)
	a := fetch{kitASIssuer, k.asA.URL + "/a/introspect"}
	top := fetch{kitBIssuer, k.top.URL + "/top/introspect"}
	assert.ElementsMatch(t, []fetch{a, top}, []fetch{<-fetches, <-fetches}, "the probes")
	jwt := k.jwt(t, kitASIssuer, "alice")
	k.asA.answer(jwt, nil)
	_, err := k.v.Verify(t.Context(), jwt)
	require.NoError(t, err)
	assert.Equal(t, a, <-fetches)
	_, err = k.v.Verify(t.Context(), "opaque")
	require.ErrorIs(t, err, ErrTokenInactive)
	assert.Equal(t, top, <-fetches)
	assert.Empty(t, fetches)
}

// TestIssuerIntrospectionSigned: SignedResponses at an issuer's endpoint
// verifies with that issuer's keys: an answer signed with B's key is
// refused (503), one signed with A's accepted.
func TestIssuerIntrospectionSigned(t *testing.T) {
	asKeyA := newKitKey(t, "as-a-sig", "ES256")
	k := newKitIssuers(t, false, func(c *Config) {
		c.Issuers[0].Introspection.SignedResponses = true
		c.Issuers[0].Introspection.CacheTTL = -1
		pk, err := NewPublicKey(asKeyA.kid, asKeyA.alg, asKeyA.signer.Public())
		require.NoError(t, err)
		pkB, err := NewPublicKey("issuer-b", "ES256", newKitKey(t, "issuer-b", "ES256").signer.Public())
		require.NoError(t, err)
		c.Issuers[1].KeySet = NewStaticKeySet(pkB, pk) // B's set holds A's signing key too: no matter
	}, asKeyA)
	jwt := k.jwt(t, kitASIssuer, "alice")
	k.asA.answer(jwt, nil)
	k.asA.sign(kitSigning{key: asKeyA, issuer: kitASIssuer})
	c, err := k.v.Verify(t.Context(), jwt)
	require.NoError(t, err)
	assert.Equal(t, "alice", c.Subject())

	k.asA.sign(kitSigning{key: k.keyB, issuer: kitASIssuer})
	_, err = k.v.Verify(t.Context(), jwt)
	assert.ErrorIs(t, err, ErrKeysUnavailable, "a key of B's set does not sign A's answers")
	k.asA.sign(kitSigning{key: asKeyA, issuer: kitBIssuer})
	_, err = k.v.Verify(t.Context(), jwt)
	assert.ErrorIs(t, err, ErrKeysUnavailable, "an answer signed as B")
}

// TestIssuerIntrospectionClose: Close stops every endpoint's calls in
// flight, and leaves no goroutine behind.
func TestIssuerIntrospectionClose(t *testing.T) {
	leaks := goleak.IgnoreCurrent()
	k := newKitIssuers(t, true, nil)
	waitAnswered(t, k.v)
	jwt := k.jwt(t, kitASIssuer, "alice")
	k.asA.answer(jwt, nil)
	k.asA.hold()
	k.top.hold()
	done := make(chan error, 2)
	go func() {
		_, err := k.v.Verify(context.Background(), jwt)
		done <- err
	}()
	go func() {
		_, err := k.v.Verify(context.Background(), "opaque")
		done <- err
	}()
	for k.asA.callsOf(jwt) == 0 || k.top.callsOf("opaque") == 0 {
		runtime.Gosched()
	}
	require.NoError(t, k.v.Close())
	assert.ErrorIs(t, <-done, ErrKeysUnavailable)
	assert.ErrorIs(t, <-done, ErrKeysUnavailable)
	assert.Error(t, k.v.Ready(t.Context()))
	k.asA.release()
	k.top.release()
	k.asA.CloseClientConnections()
	k.top.CloseClientConnections()
	goleak.VerifyNone(t, leaks, goleak.IgnoreAnyFunction("net/http/httptest.(*Server).goServe.func1")) // the endpoints
}

// TestIssuerIntrospectionConfig: the settings that go together. A's
// endpoint may name A; Config.Introspection may answer for A's opaque
// tokens (without IntrospectJWTs) beside it; introspecting A's JWTs at
// both is an error that says so.
func TestIssuerIntrospectionConfig(t *testing.T) {
	k := newKitIssuers(t, true, func(c *Config) {
		c.Issuers[0].Introspection.Issuer = kitASIssuer
		c.Introspection.Issuer = kitASIssuer // answers without iss are A's
	})
	jwt := k.jwt(t, kitASIssuer, "alice")
	k.asA.answer(jwt, nil)
	k.top.answer("opaque", activeClaims(k.clock.Now(), map[string]any{"iss": nil}))
	_, err := k.v.Verify(t.Context(), jwt)
	require.NoError(t, err)
	c, err := k.v.Verify(t.Context(), "opaque")
	require.NoError(t, err)
	assert.Equal(t, kitASIssuer, c.Issuer())
	assert.Equal(t, 1, k.asA.callsOf(jwt))
	assert.Zero(t, k.top.callsOf(jwt), "A's JWTs go to A's endpoint only")
	assert.Zero(t, k.asA.callsOf("opaque"))

	_, err = NewVerifier(Config{Audiences: []string{kitASAudience},
		Issuers:       []IssuerConfig{{Issuer: kitASIssuer, Introspection: &IntrospectionConfig{URL: k.asA.URL}}},
		Introspection: IntrospectionConfig{URL: k.top.URL, IntrospectJWTs: true, Issuer: kitASIssuer}})
	require.ErrorIs(t, err, ErrConfig)
	assert.ErrorContains(t, err, `two introspection endpoints for the JWTs of "https://as.example.com"`)
}
