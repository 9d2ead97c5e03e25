package core

import (
	"context"
	"crypto/sha256"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// TestIntrospectionCache: a hot token costs one request per TTL, an entry
// never outlives the token's exp, refusals are kept briefly, and a revoked
// token is refused at most CacheTTL after its revocation.
func TestIntrospectionCache(t *testing.T) {
	clock := newKitClock()
	as := newKitAS(t, IntrospectionAuthBasic, clock.Now)
	v := kitIntrospectionVerifier(t, as, clock, nil, func(c *Config) { c.Introspection.CacheTTL = 30 * time.Second })
	verify := func(token string) error {
		_, err := v.Verify(t.Context(), token)
		return err
	}

	t.Run("hit, then TTL", func(t *testing.T) {
		as.answer("hot", activeClaims(clock.Now(), nil))
		for range 5 {
			require.NoError(t, verify("hot"))
		}
		assert.Equal(t, 1, as.callsOf("hot"))
		clock.Advance(29 * time.Second)
		require.NoError(t, verify("hot"))
		assert.Equal(t, 1, as.callsOf("hot"), "still within the TTL")
		clock.Advance(time.Second)
		require.NoError(t, verify("hot"))
		assert.Equal(t, 2, as.callsOf("hot"), "asked again once the TTL ran out")
	})
	t.Run("never past exp", func(t *testing.T) {
		as.answer("short", activeClaims(clock.Now(), map[string]any{"exp": clock.Now().Add(10 * time.Second).Unix()}))
		require.NoError(t, verify("short"))
		clock.Advance(9 * time.Second)
		require.NoError(t, verify("short"))
		assert.Equal(t, 1, as.callsOf("short"))
		clock.Advance(time.Second)
		assert.ErrorIs(t, verify("short"), ErrTokenExpired)
		assert.Equal(t, 2, as.callsOf("short"), "the entry ended at exp; the answer says exp passed")
	})
	t.Run("refusals kept briefly", func(t *testing.T) {
		for range 3 {
			assert.ErrorIs(t, verify("unknown"), ErrTokenInactive)
		}
		assert.Equal(t, 1, as.callsOf("unknown"))
		as.answer("unknown", activeClaims(clock.Now(), nil)) // activated late
		clock.Advance(negativeIntrospectionTTL - time.Second)
		assert.ErrorIs(t, verify("unknown"), ErrTokenInactive)
		clock.Advance(time.Second)
		assert.NoError(t, verify("unknown"), "at most 10s after it became active")
		assert.Equal(t, 2, as.callsOf("unknown"))

		as.answer("wrong-aud", activeClaims(clock.Now(), map[string]any{"aud": "https://other.example.com"}))
		assert.ErrorIs(t, verify("wrong-aud"), ErrAudienceMismatch)
		assert.ErrorIs(t, verify("wrong-aud"), ErrAudienceMismatch)
		assert.Equal(t, 1, as.callsOf("wrong-aud"), "a broken rule is a refusal too")
	})
	t.Run("revocation picked up within the TTL", func(t *testing.T) {
		as.answer("revoked", activeClaims(clock.Now(), nil))
		require.NoError(t, verify("revoked"))
		as.revoke("revoked")
		clock.Advance(20 * time.Second)
		assert.NoError(t, verify("revoked"), "the documented trade-off: accepted until the TTL ends")
		clock.Advance(10 * time.Second)
		assert.ErrorIs(t, verify("revoked"), ErrTokenInactive, "refused 30s (the TTL) after the answer")
	})
	t.Run("failures are not cached", func(t *testing.T) {
		as.answer("flaky", activeClaims(clock.Now(), nil))
		as.status.Store(503)
		assert.ErrorIs(t, verify("flaky"), ErrKeysUnavailable)
		as.status.Store(0)
		assert.NoError(t, verify("flaky"))
		assert.Equal(t, 2, as.callsOf("flaky"))
	})
	t.Run("off", func(t *testing.T) {
		off := kitIntrospectionVerifier(t, as, clock, nil, func(c *Config) { c.Introspection.CacheTTL = -1 })
		as.answer("every-time", activeClaims(clock.Now(), nil))
		for range 3 {
			_, err := off.Verify(t.Context(), "every-time")
			require.NoError(t, err)
		}
		assert.Equal(t, 3, as.callsOf("every-time"))
		assert.Nil(t, off.intro.cache)
	})
}

// TestIntrospectionSingleFlight: 100 concurrent requests for one token
// make one call (the cache is off, so only the single flight can merge
// them); a caller that gives up fails alone.
func TestIntrospectionSingleFlight(t *testing.T) {
	clock := newKitClock()
	as := newKitAS(t, IntrospectionAuthBasic, clock.Now)
	v := kitIntrospectionVerifier(t, as, clock, nil, func(c *Config) { c.Introspection.CacheTTL = -1 })
	waitAnswered(t, v)
	as.answer("stampede", activeClaims(clock.Now(), nil))
	as.hold()

	const n = 100
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			c, err := v.Verify(context.Background(), "stampede")
			if err == nil && c.Subject() != "alice" {
				err = fmt.Errorf("subject %q", c.Subject())
			}
			errs <- err
		})
	}
	quitter, quit := context.WithCancel(context.Background())
	quitErr := make(chan error, 1)
	go func() {
		_, err := v.Verify(quitter, "stampede")
		quitErr <- err
	}()
	waitWaiters(t, v, "stampede", n+1)
	quit()
	err := <-quitErr
	assert.ErrorIs(t, err, ErrKeysUnavailable, "the caller that gave up")
	assert.ErrorIs(t, err, context.Canceled)

	as.release()
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
	assert.Equal(t, 1, as.callsOf("stampede"), "one call for 101 callers")
}

// waitWaiters waits until n callers wait for the call of token.
func waitWaiters(tb testing.TB, v *Verifier, token string, n int32) {
	tb.Helper()
	key := v.intro.key(token)
	deadline := time.Now().Add(10 * time.Second)
	for {
		v.intro.mu.Lock()
		var got int32
		if c := v.intro.calls[key]; c != nil {
			got = c.waiters.Load()
		}
		v.intro.mu.Unlock()
		if got == n {
			return
		}
		require.True(tb, time.Now().Before(deadline), "%d callers wait, want %d", got, n)
		runtime.Gosched()
	}
}

// TestIntrospectionCacheHoldsNoToken: a dump of the cache gives no token
// back: keys are HMACs under a key of the Verifier, entries hold claims
// without the token.
func TestIntrospectionCacheHoldsNoToken(t *testing.T) {
	clock := newKitClock()
	key := newKitKey(t, "intro-dump", "ES256")
	as := newKitAS(t, IntrospectionAuthBasic, clock.Now)
	v := kitIntrospectionVerifier(t, as, clock, key, func(c *Config) { c.Introspection.IntrospectJWTs = true })
	other := kitIntrospectionVerifier(t, as, clock, key, nil)
	const opaque = "ory_at_c2VjcmV0LXRva2VuLXZhbHVl.c2ln"
	jwt := key.sign(t, map[string]any{"iss": kitASIssuer, "aud": kitASAudience, "sub": "gina",
		"exp": clock.Now().Add(time.Hour).Unix()})
	as.answer(opaque, activeClaims(clock.Now(), nil))
	as.answer(jwt, nil)
	for _, tok := range []string{opaque, jwt} {
		c, err := v.Verify(t.Context(), tok)
		require.NoError(t, err)
		assert.Equal(t, tok, c.rawToken(), "the caller's copy carries the token")
	}
	assert.NotEqual(t, v.intro.key(opaque), other.intro.key(opaque), "a key per Verifier")
	assert.NotEqual(t, cacheKey(sha256.Sum256([]byte(opaque))), v.intro.key(opaque))

	require.Equal(t, 2, v.intro.cache.len())
	sig := jwt[strings.LastIndexByte(jwt, '.')+1:]
	for i := range v.intro.cache.shards {
		for k, e := range v.intro.cache.shards[i].entries {
			assert.NotContains(t, string(k[:]), "ory_at_")
			require.NotNil(t, e.claims)
			dump := fmt.Sprintf("%q %q %q %q", e.claims.token, e.claims.head, e.claims.tail, e.claims.raw)
			for _, secret := range []string{opaque, "c2VjcmV0LXRva2VuLXZhbHVl", jwt, sig} {
				assert.NotContains(t, dump, secret)
			}
		}
	}
}

// TestIntrospectionCacheBounded: entries and bytes stay within their
// bounds; an answer too large for the budget is not cached at all.
func TestIntrospectionCacheBounded(t *testing.T) {
	clock := newKitClock()
	as := newKitAS(t, IntrospectionAuthBasic, clock.Now)
	v := kitIntrospectionVerifier(t, as, clock, nil, func(c *Config) { c.Introspection.CacheEntries = 5 })
	for i := range 20 {
		tok := fmt.Sprintf("tok-%d", i)
		as.answer(tok, activeClaims(clock.Now(), nil))
		_, err := v.Verify(t.Context(), tok)
		require.NoError(t, err)
		clock.Advance(time.Second) // so that LRU order is defined
	}
	assert.Equal(t, 5, v.intro.cache.len())
	_, err := v.Verify(t.Context(), "tok-19")
	require.NoError(t, err)
	assert.Equal(t, 1, as.callsOf("tok-19"), "the most recent stayed")

	small := kitIntrospectionVerifier(t, as, clock, nil, func(c *Config) { c.Introspection.CacheBytes = minCacheBytes })
	pad := strings.Repeat("x", 4<<10)
	for i := range 40 {
		tok := fmt.Sprintf("big-%d", i)
		as.answer(tok, activeClaims(clock.Now(), map[string]any{"pad": pad}))
		_, err := small.Verify(t.Context(), tok)
		require.NoError(t, err)
	}
	sh := &small.intro.cache.shards[0]
	assert.LessOrEqual(t, sh.bytes, sh.maxBytes)
	assert.Less(t, small.intro.cache.len(), 40)
	assert.Positive(t, small.intro.cache.len())

	as.answer("huge", activeClaims(clock.Now(), map[string]any{"pad": strings.Repeat("x", 16<<10)}))
	for range 2 {
		_, err := small.Verify(t.Context(), "huge")
		require.NoError(t, err)
	}
	assert.Equal(t, 2, as.callsOf("huge"), "over 1/8 of the budget: not cached")
}

// TestIntrospectionClose: Close cancels a call in flight (its callers get
// 503) and leaves no goroutine behind.
func TestIntrospectionClose(t *testing.T) {
	clock := newKitClock()
	as := newKitAS(t, IntrospectionAuthBasic, clock.Now)
	leaks := goleak.IgnoreCurrent()
	v := kitIntrospectionVerifier(t, as, clock, nil, nil)
	waitAnswered(t, v)
	as.answer("held", activeClaims(clock.Now(), nil))
	as.hold()
	done := make(chan error, 1)
	go func() {
		_, err := v.Verify(context.Background(), "held")
		done <- err
	}()
	waitWaiters(t, v, "held", 1)
	require.NoError(t, v.Close())
	assert.ErrorIs(t, <-done, ErrKeysUnavailable)
	_, err := v.Verify(t.Context(), "held")
	assert.ErrorIs(t, err, ErrKeysUnavailable, "after Close")
	assert.Error(t, v.Ready(t.Context()))
	as.release()
	as.CloseClientConnections()
	goleak.VerifyNone(t, leaks)
}
