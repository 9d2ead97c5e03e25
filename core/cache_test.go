package core

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The verified-token cache must never accept a token that a fresh
// verification would refuse. Each test verifies a token once (filling the
// cache), changes one thing a decision depends on, and checks that the
// cached Verifier decides like a fresh one.

const (
	cacheAud = "https://api.example.com"
	cacheIss = "https://issuer.example.com/"
)

// cacheClaims returns a valid claim set at now with exp after ttl.
func cacheClaims(now time.Time, ttl time.Duration) map[string]any {
	return map[string]any{
		"iss": cacheIss, "aud": cacheAud, "sub": "alice",
		"iat": now.Unix() - 10, "nbf": now.Unix() - 10, "exp": now.Add(ttl).Unix(),
	}
}

// newCacheVerifier builds a Verifier over keys with the test clock; mutate
// adjusts the Config.
func newCacheVerifier(tb testing.TB, keys KeySet, clock *kitClock, mutate ...func(*Config)) *Verifier {
	tb.Helper()
	cfg := Config{Audiences: []string{cacheAud}, Issuer: cacheIss, KeySet: keys, Now: clock.Now}
	for _, m := range mutate {
		m(&cfg)
	}
	v, err := NewVerifier(cfg)
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = v.Close() })
	return v
}

func mustNewPublicKey(tb testing.TB, k *kitKey) *PublicKey {
	tb.Helper()
	pk, err := NewPublicKey(k.kid, k.alg, k.signer.Public())
	require.NoError(tb, err)
	return pk
}

// cacheLen returns the number of cached entries.
func cacheLen(v *Verifier) int {
	n := 0
	for i := range v.cache.shards {
		sh := &v.cache.shards[i]
		sh.mu.RLock()
		n += len(sh.entries)
		sh.mu.RUnlock()
	}
	return n
}

func TestTokenCacheHitReturnsSameClaims(t *testing.T) {
	clock := newKitClock()
	k := newKitKey(t, "cache-rs", "RS256")
	v := newCacheVerifier(t, NewStaticKeySet(mustNewPublicKey(t, k)), clock)
	tok := k.sign(t, cacheClaims(clock.Now(), time.Hour))
	first, err := v.Verify(context.Background(), tok)
	require.NoError(t, err)
	second, err := v.Verify(context.Background(), tok)
	require.NoError(t, err)
	assert.Same(t, first, second, "the second Verify is a hit")
	assert.Equal(t, 1, cacheLen(v))
}

func TestTokenCacheOff(t *testing.T) {
	clock := newKitClock()
	k := newKitKey(t, "cache-rs", "RS256")
	v := newCacheVerifier(t, NewStaticKeySet(mustNewPublicKey(t, k)), clock,
		func(c *Config) { c.TokenCacheEntries = -1 })
	require.Nil(t, v.cache)
	tok := k.sign(t, cacheClaims(clock.Now(), time.Hour))
	first, err := v.Verify(context.Background(), tok)
	require.NoError(t, err)
	second, err := v.Verify(context.Background(), tok)
	require.NoError(t, err)
	assert.NotSame(t, first, second)
}

func TestTokenCacheExpiry(t *testing.T) {
	tests := []struct {
		name    string
		leeway  time.Duration
		advance time.Duration
		wantErr error // nil: accepted (then never from an entry past exp-leeway)
	}{
		{"before exp", 0, 59 * time.Second, nil},
		{"at exp", 0, 60 * time.Second, ErrTokenExpired},
		{"after exp", 0, time.Hour, ErrTokenExpired},
		{"inside the leeway after exp-leeway", 30 * time.Second, 45 * time.Second, nil},
		{"inside the leeway after exp", 30 * time.Second, 75 * time.Second, nil},
		{"past exp+leeway", 30 * time.Second, 90 * time.Second, ErrTokenExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newKitClock()
			k := newKitKey(t, "cache-es", "ES256")
			v := newCacheVerifier(t, NewStaticKeySet(mustNewPublicKey(t, k)), clock,
				func(c *Config) { c.Leeway = tt.leeway })
			start := clock.Now()
			tok := k.sign(t, cacheClaims(start, time.Minute))
			first, err := v.Verify(context.Background(), tok)
			require.NoError(t, err)
			clock.Advance(tt.advance)
			got, err := v.Verify(context.Background(), tok)
			assert.ErrorIs(t, err, tt.wantErr)
			if tt.wantErr != nil {
				assert.Nil(t, got)
				return
			}
			if !clock.Now().Before(start.Add(time.Minute - tt.leeway)) {
				assert.NotSame(t, first, got, "an entry lives no longer than exp minus leeway")
			}
		})
	}
}

func TestTokenCacheClockGoingBack(t *testing.T) {
	tests := []struct {
		name    string
		back    time.Duration
		wantErr error
	}{
		{"still after nbf", 5 * time.Second, nil},
		{"before nbf", time.Minute, ErrTokenNotYetValid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newKitClock()
			k := newKitKey(t, "cache-ed", "EdDSA")
			v := newCacheVerifier(t, NewStaticKeySet(mustNewPublicKey(t, k)), clock)
			claims := cacheClaims(clock.Now(), time.Hour)
			delete(claims, "iat")
			tok := k.sign(t, claims)
			_, err := v.Verify(context.Background(), tok)
			require.NoError(t, err)
			clock.Advance(-tt.back)
			_, err = v.Verify(context.Background(), tok)
			if tt.wantErr == nil {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, tt.wantErr)
			}
		})
	}
}

func TestTokenCacheIssuedAtAfterClockGoesBack(t *testing.T) {
	clock := newKitClock()
	k := newKitKey(t, "cache-ed", "EdDSA")
	v := newCacheVerifier(t, NewStaticKeySet(mustNewPublicKey(t, k)), clock)
	claims := cacheClaims(clock.Now(), time.Hour)
	delete(claims, "nbf")
	tok := k.sign(t, claims)
	_, err := v.Verify(context.Background(), tok)
	require.NoError(t, err)
	clock.Advance(-time.Minute)
	_, err = v.Verify(context.Background(), tok)
	assert.ErrorIs(t, err, ErrTokenIssuedInFuture)
}

func TestTokenCacheMaxAge(t *testing.T) {
	clock := newKitClock()
	k := newKitKey(t, "cache-rs", "RS256")
	v := newCacheVerifier(t, NewStaticKeySet(mustNewPublicKey(t, k)), clock,
		func(c *Config) { c.TokenCacheMaxAge = time.Minute })
	tok := k.sign(t, cacheClaims(clock.Now(), time.Hour))
	first, err := v.Verify(context.Background(), tok)
	require.NoError(t, err)
	clock.Advance(59 * time.Second)
	got, err := v.Verify(context.Background(), tok)
	require.NoError(t, err)
	assert.Same(t, first, got)
	clock.Advance(time.Second)
	got, err = v.Verify(context.Background(), tok)
	require.NoError(t, err)
	assert.NotSame(t, first, got, "verified again after TokenCacheMaxAge")
}

// newCacheRemote builds a RemoteKeySet over a JWKS server serving keys and
// a Verifier over it.
func newCacheRemote(t *testing.T, clock *kitClock, keys ...*kitKey) (*kitJWKSServer, *RemoteKeySet, *Verifier) {
	t.Helper()
	noLeaks(t)
	srv := newKitJWKSServer(t, cacheJWKS(t, keys...))
	rs, err := NewRemoteKeySet(Config{JWKSURL: srv.URL, Now: clock.Now, RefreshInterval: time.Hour})
	require.NoError(t, err)
	t.Cleanup(func() { _ = rs.Close() })
	require.NoError(t, rs.Refresh(context.Background()))
	return srv, rs, newCacheVerifier(t, rs, clock)
}

func cacheJWKS(tb testing.TB, keys ...*kitKey) []byte {
	tb.Helper()
	jwks := make([]map[string]any, len(keys))
	for i, k := range keys {
		jwks[i] = k.jwk(tb)
	}
	return kitJWKS(tb, jwks...)
}

func TestTokenCacheKeyRemoved(t *testing.T) {
	clock := newKitClock()
	a, b := newKitKey(t, "cache-a", "RS256"), newKitKey(t, "cache-b", "ES256")
	srv, rs, v := newCacheRemote(t, clock, a, b)
	tok := a.sign(t, cacheClaims(clock.Now(), time.Hour))
	_, err := v.Verify(context.Background(), tok)
	require.NoError(t, err)
	require.Equal(t, 1, cacheLen(v))

	srv.set(cacheJWKS(t, b)) // a leaves the set
	clock.Advance(rksMin)    // let Keys refetch for the unknown kid
	require.NoError(t, rs.Refresh(context.Background()))
	_, err = v.Verify(context.Background(), tok)
	assert.ErrorIs(t, err, ErrUnknownKey)
	assert.Equal(t, 0, cacheLen(v), "the entry is dropped")
}

func TestTokenCacheKeyRotatedUnderSameKID(t *testing.T) {
	clock := newKitClock()
	old := newKitKey(t, "cache-rot", "RS256")
	srv, rs, v := newCacheRemote(t, clock, old)
	tok := old.sign(t, cacheClaims(clock.Now(), time.Hour))
	_, err := v.Verify(context.Background(), tok)
	require.NoError(t, err)

	fresh := newKitKey(t, "cache-rot-new", "RS256")
	fresh.kid = old.kid // new material, same kid
	srv.set(cacheJWKS(t, fresh))
	require.NoError(t, rs.Refresh(context.Background()))
	_, err = v.Verify(context.Background(), tok)
	assert.ErrorIs(t, err, ErrSignatureInvalid)
}

func TestTokenCacheSameKeyRefetched(t *testing.T) {
	clock := newKitClock()
	k := newKitKey(t, "cache-same", "EdDSA")
	_, rs, v := newCacheRemote(t, clock, k)
	tok := k.sign(t, cacheClaims(clock.Now(), time.Hour))
	first, err := v.Verify(context.Background(), tok)
	require.NoError(t, err)
	require.NoError(t, rs.Refresh(context.Background())) // same document: the same *PublicKey is kept
	got, err := v.Verify(context.Background(), tok)
	require.NoError(t, err)
	assert.Same(t, first, got, "still a cache hit")
}

func TestTokenCacheKeySetExpired(t *testing.T) {
	clock := newKitClock()
	k := newKitKey(t, "cache-ttl", "RS256")
	srv, _, v := newCacheRemote(t, clock, k)
	tok := k.sign(t, cacheClaims(clock.Now(), 4*time.Hour))
	_, err := v.Verify(context.Background(), tok)
	require.NoError(t, err)
	srv.status.Store(500) // the issuer goes down
	clock.Advance(rksTTL + time.Second)
	_, err = v.Verify(context.Background(), tok)
	assert.ErrorIs(t, err, ErrKeysUnavailable, "a key set older than CacheTTL serves no hit either")
}

// mutableKeySet is a custom KeySet whose keys can be replaced.
type mutableKeySet struct {
	mu    sync.Mutex
	keys  []*PublicKey
	calls int
}

func (m *mutableKeySet) Keys(_ context.Context, kid string) ([]*PublicKey, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls++
	var out []*PublicKey
	for _, k := range m.keys {
		if kid == "" || k.KeyID() == kid {
			out = append(out, k)
		}
	}
	return out, nil
}

func (m *mutableKeySet) set(keys ...*PublicKey) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.keys = keys
}

func TestTokenCacheCustomKeySet(t *testing.T) {
	clock := newKitClock()
	k := newKitKey(t, "cache-custom", "ES256")
	pk := mustNewPublicKey(t, k)
	ks := &mutableKeySet{keys: []*PublicKey{pk}}
	v := newCacheVerifier(t, ks, clock)
	tok := k.sign(t, cacheClaims(clock.Now(), time.Hour))
	first, err := v.Verify(context.Background(), tok)
	require.NoError(t, err)
	got, err := v.Verify(context.Background(), tok)
	require.NoError(t, err)
	assert.Same(t, first, got)
	assert.Equal(t, 2, ks.calls, "a hit asks a custom key set again")

	ks.set()
	_, err = v.Verify(context.Background(), tok)
	assert.ErrorIs(t, err, ErrUnknownKey)
}

func TestTokenCacheIsPerVerifier(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(*Config)
		wantErr error
	}{
		{"audience", func(c *Config) { c.Audiences = []string{"https://other.example.com"} }, ErrAudienceMismatch},
		{"issuer", func(c *Config) { c.Issuer = "https://other.example.com/" }, ErrIssuerMismatch},
		{"required claims", func(c *Config) { c.RequiredClaims = []string{"jti"} }, ErrRequiredClaimMissing},
		{"algorithms", func(c *Config) { c.Algorithms = []string{"ES256"} }, ErrUnsupportedAlgorithm},
		{"token types", func(c *Config) { c.TokenTypes = []string{"JWT"} }, ErrUnsupportedTokenType},
	}
	clock := newKitClock()
	k := newKitKey(t, "cache-per", "RS256")
	keys := NewStaticKeySet(mustNewPublicKey(t, k))
	tok := k.sign(t, cacheClaims(clock.Now(), time.Hour))
	lenient := newCacheVerifier(t, keys, clock)
	_, err := lenient.Verify(context.Background(), tok)
	require.NoError(t, err)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			strict := newCacheVerifier(t, keys, clock, tt.mutate)
			_, err := strict.Verify(context.Background(), tok)
			assert.ErrorIs(t, err, tt.wantErr)
			_, err = lenient.Verify(context.Background(), tok)
			assert.NoError(t, err)
		})
	}
}

func TestTokenCacheSkipsTokensWithoutKID(t *testing.T) {
	clock := newKitClock()
	k := newKitKey(t, "", "RS256")
	v := newCacheVerifier(t, NewStaticKeySet(mustNewPublicKey(t, k)), clock)
	tok := k.sign(t, cacheClaims(clock.Now(), time.Hour))
	first, err := v.Verify(context.Background(), tok)
	require.NoError(t, err)
	got, err := v.Verify(context.Background(), tok)
	require.NoError(t, err)
	assert.NotSame(t, first, got)
	assert.Equal(t, 0, cacheLen(v))
}

func TestTokenCacheRefusedTokensAreNotCached(t *testing.T) {
	clock := newKitClock()
	k := newKitKey(t, "cache-rs", "RS256")
	v := newCacheVerifier(t, NewStaticKeySet(mustNewPublicKey(t, k)), clock)
	claims := cacheClaims(clock.Now(), time.Hour)
	claims["aud"] = "https://other.example.com"
	_, err := v.Verify(context.Background(), k.sign(t, claims))
	require.ErrorIs(t, err, ErrAudienceMismatch)
	tok := k.sign(t, cacheClaims(clock.Now(), time.Hour))
	_, err = v.Verify(context.Background(), tok[:len(tok)-4]+"AAAA")
	require.ErrorIs(t, err, ErrSignatureInvalid)
	assert.Equal(t, 0, cacheLen(v))
}

func TestTokenCacheBounds(t *testing.T) {
	tests := []struct {
		name       string
		entries    int
		bytes      int64
		tokens     int
		maxEntries int
	}{
		{"entries", 3, 0, 10, 3},
		{"bytes", 0, minCacheBytes, 200, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newKitClock()
			k := newKitKey(t, "cache-ed", "EdDSA")
			v := newCacheVerifier(t, NewStaticKeySet(mustNewPublicKey(t, k)), clock, func(c *Config) {
				c.TokenCacheEntries, c.TokenCacheBytes = tt.entries, tt.bytes
			})
			for i := range tt.tokens {
				claims := cacheClaims(clock.Now(), time.Hour)
				claims["jti"] = fmt.Sprintf("token-%d-%s", i, strings.Repeat("x", 200))
				_, err := v.Verify(context.Background(), k.sign(t, claims))
				require.NoError(t, err)
				clock.Advance(time.Millisecond)
			}
			if tt.maxEntries > 0 {
				assert.Equal(t, tt.maxEntries, cacheLen(v))
			}
			require.Len(t, v.cache.shards, 1, "a small cache has one shard")
			sh := &v.cache.shards[0]
			sh.mu.RLock()
			defer sh.mu.RUnlock()
			assert.LessOrEqual(t, sh.bytes, sh.maxBytes)
			var sum int64
			for _, e := range sh.entries {
				sum += e.size
			}
			assert.Equal(t, sum, sh.bytes, "the byte count follows the entries")
		})
	}
}

func TestTokenCacheEvictsLeastRecentlyUsed(t *testing.T) {
	clock := newKitClock()
	k := newKitKey(t, "cache-ed", "EdDSA")
	v := newCacheVerifier(t, NewStaticKeySet(mustNewPublicKey(t, k)), clock,
		func(c *Config) { c.TokenCacheEntries = 2 })
	tokens := make([]string, 3)
	for i := range tokens {
		claims := cacheClaims(clock.Now(), time.Hour)
		claims["jti"] = fmt.Sprint(i)
		tokens[i] = k.sign(t, claims)
	}
	ctx := context.Background()
	hot, err := v.Verify(ctx, tokens[0])
	require.NoError(t, err)
	clock.Advance(time.Second)
	_, err = v.Verify(ctx, tokens[1])
	require.NoError(t, err)
	clock.Advance(time.Second)
	again, err := v.Verify(ctx, tokens[0]) // tokens[0] is now the most recently used
	require.NoError(t, err)
	require.Same(t, hot, again)
	clock.Advance(time.Second)
	_, err = v.Verify(ctx, tokens[2])
	require.NoError(t, err)
	again, err = v.Verify(ctx, tokens[0])
	require.NoError(t, err)
	assert.Same(t, hot, again, "the least recently used entry (tokens[1]) was evicted")
}

// The token may be a view into a buffer the adapter reuses (Fiber): the
// cache must keep its own copy.
func TestTokenCacheCopiesTheToken(t *testing.T) {
	clock := newKitClock()
	k := newKitKey(t, "cache-rs", "RS256")
	v := newCacheVerifier(t, NewStaticKeySet(mustNewPublicKey(t, k)), clock)
	tok := k.sign(t, cacheClaims(clock.Now(), time.Hour))
	buf := []byte(tok)
	view := unsafe.String(unsafe.SliceData(buf), len(buf))
	first, err := v.Verify(context.Background(), view)
	require.NoError(t, err)
	for i := range buf {
		buf[i] = 'A' // the request buffer is reused
	}
	_, err = v.Verify(context.Background(), view)
	assert.Error(t, err)
	got, err := v.Verify(context.Background(), tok)
	require.NoError(t, err)
	assert.Same(t, first, got)
}

func TestTokenCacheHitAllocations(t *testing.T) {
	clock := newKitClock()
	k := newKitKey(t, "cache-rs", "RS256")
	v := newCacheVerifier(t, NewStaticKeySet(mustNewPublicKey(t, k)), clock)
	tok := k.sign(t, cacheClaims(clock.Now(), time.Hour))
	ctx := context.Background()
	_, err := v.Verify(ctx, tok)
	require.NoError(t, err)
	allocs := testing.AllocsPerRun(100, func() { _, _ = v.Verify(ctx, tok) })
	assert.LessOrEqual(t, allocs, 2.0)
}

func TestTokenCacheConcurrent(t *testing.T) {
	noLeaks(t)
	clock := newKitClock()
	k := newKitKey(t, "cache-ed", "EdDSA")
	v := newCacheVerifier(t, NewStaticKeySet(mustNewPublicKey(t, k)), clock,
		func(c *Config) { c.TokenCacheEntries = 4 })
	tokens := make([]string, 8)
	for i := range tokens {
		claims := cacheClaims(clock.Now(), time.Hour)
		claims["jti"] = fmt.Sprint(i)
		tokens[i] = k.sign(t, claims)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 200 {
				c, err := v.Verify(context.Background(), tokens[(g+i)%len(tokens)])
				if assert.NoError(t, err) {
					assert.Equal(t, "alice", c.Subject())
				}
			}
		})
	}
	wg.Wait()
	assert.LessOrEqual(t, cacheLen(v), 4)
}

func TestTokenCacheConfig(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(*Config)
		wantErr string // "" when valid
	}{
		{"defaults", func(*Config) {}, ""},
		{"off", func(c *Config) { c.TokenCacheEntries = -1; c.TokenCacheBytes = -5 }, ""},
		{"entries negative", func(c *Config) { c.TokenCacheEntries = -2 }, "TokenCacheEntries"},
		{"entries too many", func(c *Config) { c.TokenCacheEntries = maxCacheEntries + 1 }, "TokenCacheEntries"},
		{"bytes too small", func(c *Config) { c.TokenCacheBytes = 1024 }, "TokenCacheBytes"},
		{"bytes too large", func(c *Config) { c.TokenCacheBytes = maxCacheBytes + 1 }, "TokenCacheBytes"},
		{"max age negative", func(c *Config) { c.TokenCacheMaxAge = -time.Second }, "TokenCacheMaxAge"},
		{"max age too long", func(c *Config) { c.TokenCacheMaxAge = 25 * time.Hour }, "TokenCacheMaxAge"},
		{"all set", func(c *Config) {
			c.TokenCacheEntries, c.TokenCacheBytes, c.TokenCacheMaxAge = 5, 1<<20, time.Hour
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := Config{Audiences: []string{cacheAud}, KeySet: NewStaticKeySet()}
			tt.mutate(&cfg)
			_, err := NewVerifier(cfg)
			if tt.wantErr == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, ErrConfig)
			assert.ErrorContains(t, err, "Config."+tt.wantErr)
		})
	}
}

// TestCacheSkipsTokensWithoutKid: the key that verifies a kid-less token
// depends on the order of the set, which a hit would not re-check, so such
// tokens are never cached (the key itself has a kid here).
func TestCacheSkipsTokensWithoutKid(t *testing.T) {
	k := newKitKey(t, "k1", "RS256")
	pk, err := NewPublicKey("k1", "RS256", k.signer.Public())
	require.NoError(t, err)
	clock := newKitClock()
	v, err := NewVerifier(Config{Audiences: []string{"api://res"}, KeySet: NewStaticKeySet(pk), Now: clock.Now})
	require.NoError(t, err)
	t.Cleanup(func() { _ = v.Close() })
	tok := k.signWith(t, map[string]any{"alg": "RS256"}, map[string]any{
		"aud": "api://res", "sub": "alice", "exp": clock.Now().Add(time.Hour).Unix(),
	})
	for range 2 {
		_, err := v.Verify(context.Background(), tok)
		require.NoError(t, err)
	}
	assert.Zero(t, cacheLen(v))
}

// fallbackKeySet is a custom KeySet that answers an unknown kid with its
// kid-less keys (a common pattern for single-key issuers).
type fallbackKeySet struct {
	mu      sync.Mutex
	byKID   map[string][]*PublicKey
	kidless []*PublicKey
}

func (s *fallbackKeySet) Keys(_ context.Context, kid string) ([]*PublicKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if kid == "" {
		out := slices.Clone(s.kidless)
		for _, ks := range s.byKID {
			out = append(out, ks...)
		}
		return out, nil
	}
	if ks, ok := s.byKID[kid]; ok {
		return ks, nil
	}
	return s.kidless, nil
}

// A token with a kid that a custom KeySet verified with a key of no kid is
// not cached: once the issuer publishes a key under that kid, a fresh
// verification refuses the token, and so must the cache.
func TestCacheKidOfKeyMustBeKidOfToken(t *testing.T) {
	clk := newKitClock()
	signer := newKitKey(t, "", "RS256")
	pub, err := NewPublicKey("", "RS256", signer.signer.Public())
	require.NoError(t, err)
	ks := &fallbackKeySet{byKID: map[string][]*PublicKey{}, kidless: []*PublicKey{pub}}
	newV := func(entries int) *Verifier {
		v, err := NewVerifier(Config{Issuer: "https://iss.example", Audiences: []string{"api"}, KeySet: ks, Now: clk.Now,
			TokenCacheEntries: entries, Logger: slog.New(slog.DiscardHandler)})
		require.NoError(t, err)
		t.Cleanup(func() { _ = v.Close() })
		return v
	}
	v := newV(0)
	tok := signer.signWith(t, map[string]any{"alg": "RS256", "kid": "abc"}, map[string]any{
		"iss": "https://iss.example", "aud": "api", "sub": "s", "exp": clk.Now().Add(time.Hour).Unix(),
	})
	_, err = v.Verify(context.Background(), tok)
	require.NoError(t, err)

	rotated := newKitKey(t, "abc", "RS256")
	rotatedPub, err := NewPublicKey("abc", "RS256", rotated.signer.Public())
	require.NoError(t, err)
	ks.mu.Lock()
	ks.byKID["abc"] = []*PublicKey{rotatedPub}
	ks.mu.Unlock()

	_, fresh := newV(-1).Verify(context.Background(), tok)
	require.ErrorIs(t, fresh, ErrSignatureInvalid, "a fresh verification refuses")
	_, err = v.Verify(context.Background(), tok)
	assert.ErrorIs(t, err, ErrSignatureInvalid, "the cache makes the decision a fresh verification would make")
}

// The default cache is sharded; tokens spread over the shards, and every
// bound holds per shard.
func TestTokenCacheShards(t *testing.T) {
	for _, tt := range []struct {
		entries int
		bytes   int64
		shards  int
	}{
		{0, 0, 32}, // the defaults: 10000 entries, 16 MiB
		{100, 0, 1}, {1000, 0, 4}, {1_000_000, 4 << 30, 64}, {1_000_000, 1 << 20, 2},
	} {
		s := cacheSettings{entries: orDefault(tt.entries, defaultTokenCacheEntries), bytes: orDefault(tt.bytes, defaultTokenCacheBytes)}
		c := newTokenCache(s, 0)
		assert.Len(t, c.shards, tt.shards, "%+v", tt)
		for i := range c.shards {
			assert.Equal(t, s.entries/tt.shards, c.shards[i].maxEntries)
		}
	}
	c := newTokenCache(cacheSettings{entries: defaultTokenCacheEntries, bytes: defaultTokenCacheBytes}, 0)
	k := newKitKey(t, "cache-ed", "EdDSA")
	used := map[*cacheShard]int{}
	for i := range 640 {
		claims := cacheClaims(time.Now(), time.Hour)
		claims["jti"] = fmt.Sprint(i)
		used[c.shard(k.sign(t, claims))]++
	}
	assert.Len(t, used, 32, "tokens reach every shard")
	for sh, n := range used {
		assert.Less(t, n, 60, "no shard takes a large share (%p)", sh)
	}
}
