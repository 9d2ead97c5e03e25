package core

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/axiomsgo/axioms/internal/testclock"
)

var replayEpoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// replayKey returns a key as core makes them: base64url(SHA-256(s)).
func replayKey(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// newTestReplayStore returns a store of max entries on a manual clock.
func newTestReplayStore(tb testing.TB, max int) (*MemoryReplayStore, *testclock.Clock) {
	tb.Helper()
	clock := testclock.New(replayEpoch)
	s, err := NewMemoryReplayStore(MemoryReplayOptions{MaxEntries: max, Now: clock.Now})
	require.NoError(tb, err)
	return s, clock
}

// checkReplayInvariants asserts that the count of held entries, the key
// sets and the heaps agree, and that every heap is ordered.
func checkReplayInvariants(tb testing.TB, s *MemoryReplayStore) {
	tb.Helper()
	total := 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		assert.Len(tb, sh.heap, len(sh.keys), "shard %d", i)
		for j, e := range sh.heap {
			_, ok := sh.keys[e.key]
			assert.True(tb, ok, "shard %d: heap entry not in the key set", i)
			if j > 0 {
				assert.LessOrEqual(tb, sh.heap[(j-1)/2].expires, e.expires, "shard %d: heap order at %d", i, j)
			}
		}
		total += len(sh.keys)
		sh.mu.Unlock()
	}
	assert.Equal(tb, int64(total), s.held.Load())
	assert.LessOrEqual(tb, s.held.Load(), s.max)
}

func TestMemoryReplayStoreClaim(t *testing.T) {
	s, clock := newTestReplayStore(t, 0)
	ctx := context.Background()
	a, b := replayKey("a"), replayKey("b")
	expires := replayEpoch.Add(time.Minute)

	first, err := s.Claim(ctx, a, expires)
	require.NoError(t, err)
	assert.True(t, first, "first claim")
	first, err = s.Claim(ctx, a, expires)
	require.NoError(t, err)
	assert.False(t, first, "replay")
	first, err = s.Claim(ctx, a, expires.Add(time.Hour))
	require.NoError(t, err)
	assert.False(t, first, "a replay with another expiry is a replay")
	first, err = s.Claim(ctx, b, expires)
	require.NoError(t, err)
	assert.True(t, first, "another key")

	clock.Advance(time.Minute - time.Nanosecond)
	first, err = s.Claim(ctx, a, expires.Add(time.Minute))
	require.NoError(t, err)
	assert.False(t, first, "a nanosecond before it expires")

	clock.Advance(time.Nanosecond)
	first, err = s.Claim(ctx, a, expires.Add(time.Minute))
	require.NoError(t, err)
	assert.True(t, first, "at its expiry the entry is gone and the key may be claimed again")
	first, err = s.Claim(ctx, a, expires.Add(time.Minute))
	require.NoError(t, err)
	assert.False(t, first, "claimed again, then replayed")
	checkReplayInvariants(t, s)
	// b expired too: a claim drops the expired entries of its own shard
	// (the others' only when the store is full), and the seed is random.
	want := int64(2)
	if s.shard(a) == s.shard(b) {
		want = 1
	}
	assert.Equal(t, want, s.held.Load(), "a, and b unless a's claim dropped it")
}

func TestMemoryReplayStoreCopiesKey(t *testing.T) {
	s, _ := newTestReplayStore(t, 0)
	buf := []byte(replayKey("a"))
	view := unsafe.String(unsafe.SliceData(buf), len(buf)) // a key in a buffer the caller reuses
	first, err := s.Claim(context.Background(), view, replayEpoch.Add(time.Minute))
	require.NoError(t, err)
	require.True(t, first)
	copy(buf, replayKey("b"))
	first, err = s.Claim(context.Background(), replayKey("a"), replayEpoch.Add(time.Minute))
	require.NoError(t, err)
	assert.False(t, first, "the stored key is a copy")
}

func TestMemoryReplayStoreInvalidClaim(t *testing.T) {
	s, _ := newTestReplayStore(t, 0)
	later := replayEpoch.Add(time.Minute)
	for _, tc := range []struct {
		name    string
		key     string
		expires time.Time
		wantErr error
	}{
		{"43-byte digest", replayKey("x"), later, nil},
		{"longest key", strings.Repeat("k", MaxReplayKeyLength), later, nil},
		{"one byte", "k", later, nil},
		{"empty key", "", later, ErrInvalidReplayClaim},
		{"key one byte too long", strings.Repeat("k", MaxReplayKeyLength+1), later, ErrInvalidReplayClaim},
		{"raw jti of a kilobyte", strings.Repeat("j", 1024), later, ErrInvalidReplayClaim},
		{"expires now", replayKey("now"), replayEpoch, ErrInvalidReplayClaim},
		{"expired", replayKey("past"), replayEpoch.Add(-time.Second), ErrInvalidReplayClaim},
		{"zero time", replayKey("zero"), time.Time{}, ErrInvalidReplayClaim},
	} {
		t.Run(tc.name, func(t *testing.T) {
			first, err := s.Claim(context.Background(), tc.key, tc.expires)
			assert.ErrorIs(t, err, tc.wantErr)
			assert.Equal(t, tc.wantErr == nil, first, "true only when recorded")
			assert.ErrorIs(t, CheckReplayClaim(tc.key, tc.expires, replayEpoch), tc.wantErr)
		})
	}
	checkReplayInvariants(t, s)
	assert.Equal(t, int64(3), s.held.Load(), "refused claims record nothing")
}

func TestNewMemoryReplayStoreOptions(t *testing.T) {
	for _, tc := range []struct {
		max     int
		want    int64
		wantErr error
	}{
		{0, DefaultReplayEntries, nil},
		{1, 1, nil},
		{MaxReplayEntries, MaxReplayEntries, nil},
		{-1, 0, ErrConfig},
		{MaxReplayEntries + 1, 0, ErrConfig},
	} {
		t.Run(strconv.Itoa(tc.max), func(t *testing.T) {
			s, err := NewMemoryReplayStore(MemoryReplayOptions{MaxEntries: tc.max})
			require.ErrorIs(t, err, tc.wantErr)
			if tc.wantErr != nil {
				assert.Nil(t, s)
				assert.Contains(t, err.Error(), "MaxEntries")
				return
			}
			assert.Equal(t, tc.want, s.max)
			first, err := s.Claim(context.Background(), replayKey("a"), time.Now().Add(time.Minute))
			require.NoError(t, err, "the default clock is time.Now")
			assert.True(t, first)
		})
	}
}

// A full store refuses new proofs with ErrReplayStoreFull and never
// forgets a live one to make room; replays are still recognised, and room
// comes back as entries expire.
func TestMemoryReplayStoreFull(t *testing.T) {
	s, clock := newTestReplayStore(t, 3)
	ctx := context.Background()
	for i := range 3 {
		first, err := s.Claim(ctx, replayKey(strconv.Itoa(i)), replayEpoch.Add(time.Duration(i+1)*time.Minute))
		require.NoError(t, err)
		require.True(t, first)
	}
	first, err := s.Claim(ctx, replayKey("new"), replayEpoch.Add(time.Minute))
	assert.ErrorIs(t, err, ErrReplayStoreFull)
	assert.False(t, first)
	for i := range 3 {
		first, err := s.Claim(ctx, replayKey(strconv.Itoa(i)), replayEpoch.Add(time.Hour))
		require.NoError(t, err, "a replay is answered even when full")
		assert.False(t, first, "entry %d was kept", i)
	}

	clock.Advance(time.Minute) // entry 0 expires
	first, err = s.Claim(ctx, replayKey("new"), replayEpoch.Add(time.Hour))
	require.NoError(t, err)
	assert.True(t, first)
	_, err = s.Claim(ctx, replayKey("newer"), replayEpoch.Add(time.Hour))
	assert.ErrorIs(t, err, ErrReplayStoreFull)
	checkReplayInvariants(t, s)
}

// keysInOtherShards returns n keys, each in a shard other than those of
// the keys of avoid and of each other.
func keysInOtherShards(s *MemoryReplayStore, n int, avoid ...string) []string {
	used := map[*replayShard]bool{}
	for _, k := range avoid {
		used[s.shard(k)] = true
	}
	var keys []string
	for i := 0; len(keys) < n; i++ {
		k := replayKey("other" + strconv.Itoa(i))
		if sh := s.shard(k); !used[sh] {
			used[sh] = true
			keys = append(keys, k)
		}
	}
	return keys
}

// The bound is global: entries that expired in other shards make room for
// a claim in this one, although no claim has touched their shards since.
func TestMemoryReplayStoreFullDropsOtherShards(t *testing.T) {
	s, clock := newTestReplayStore(t, 4)
	ctx := context.Background()
	old := keysInOtherShards(s, 4)
	for _, k := range old {
		first, err := s.Claim(ctx, k, replayEpoch.Add(time.Second))
		require.NoError(t, err)
		require.True(t, first)
	}
	clock.Advance(time.Second)
	for _, k := range keysInOtherShards(s, 4, old...) {
		first, err := s.Claim(ctx, k, replayEpoch.Add(time.Hour))
		require.NoError(t, err)
		assert.True(t, first)
	}
	checkReplayInvariants(t, s)
	assert.Equal(t, int64(4), s.held.Load())
}

// A random sequence of claims and clock steps, against a model: a map
// from key to expiry, where a claim is first when the key has no
// unexpired entry, and refused as full when MaxEntries entries are
// unexpired.
func TestMemoryReplayStoreModel(t *testing.T) {
	for _, max := range []int{1, 5, 40, 1000} {
		t.Run(strconv.Itoa(max), func(t *testing.T) {
			s, clock := newTestReplayStore(t, max)
			rng := rand.New(rand.NewPCG(uint64(max), 7))
			model := map[string]time.Time{}
			for step := range 5000 {
				if rng.IntN(8) == 0 {
					clock.Advance(time.Duration(rng.IntN(3000)) * time.Millisecond)
				}
				now := clock.Now()
				for k, exp := range model {
					if !exp.After(now) {
						delete(model, k)
					}
				}
				key := replayKey(strconv.Itoa(rng.IntN(60)))
				expires := now.Add(time.Duration(1+rng.IntN(10_000)) * time.Millisecond)
				_, live := model[key]
				wantFull := !live && len(model) >= max

				first, err := s.Claim(context.Background(), key, expires)
				if wantFull {
					require.ErrorIs(t, err, ErrReplayStoreFull, "step %d", step)
					require.False(t, first)
					continue
				}
				require.NoError(t, err, "step %d", step)
				require.Equal(t, !live, first, "step %d", step)
				if !live {
					model[key] = expires
				}
			}
			checkReplayInvariants(t, s)
		})
	}
}

// Of 100 concurrent claims of one key exactly one wins, and concurrent
// claims of many keys from many goroutines keep the store consistent
// (run with -race). Nothing is left running.
func TestMemoryReplayStoreConcurrent(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	s, clock := newTestReplayStore(t, 500)
	ctx := context.Background()

	var wins atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 100 {
		wg.Go(func() {
			<-start
			first, err := s.Claim(ctx, replayKey("once"), replayEpoch.Add(time.Minute))
			assert.NoError(t, err)
			if first {
				wins.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	assert.Equal(t, int32(1), wins.Load())

	for g := range 8 {
		wg.Go(func() {
			for i := range 2000 {
				if g == 0 && i%100 == 0 {
					clock.Advance(time.Second)
				}
				_, err := s.Claim(ctx, replayKey(fmt.Sprint(g, "/", i%300)), clock.Now().Add(3*time.Second))
				if err != nil {
					assert.ErrorIs(t, err, ErrReplayStoreFull)
				}
			}
		})
	}
	wg.Wait()
	checkReplayInvariants(t, s)
}

// BenchmarkMemoryReplayStoreClaim: "first" claims a new key each time,
// with entries that expire after 50,000 claims, so the store drops one
// entry for each one it adds (its steady state); "replay" claims a key it
// holds. The clock is a counter that moves 100ns a reading: time.Now,
// which the real store calls once a Claim, is left out (25-70 ns
// depending on the machine's clock source).
func BenchmarkMemoryReplayStoreClaim(b *testing.B) {
	keys := make([]string, 1<<18)
	for i := range keys {
		keys[i] = replayKey(strconv.Itoa(i))
	}
	ctx := context.Background()
	run := func(b *testing.B, parallel bool, claim func(s *MemoryReplayStore, i int, now time.Time)) {
		var tick atomic.Int64
		s, err := NewMemoryReplayStore(MemoryReplayOptions{Now: func() time.Time {
			return replayEpoch.Add(time.Duration(tick.Add(100)))
		}})
		require.NoError(b, err)
		var next atomic.Int64
		b.ReportAllocs()
		b.ResetTimer()
		if !parallel {
			for i := 0; b.Loop(); i++ {
				claim(s, i, replayEpoch.Add(time.Duration(tick.Load())))
			}
			return
		}
		b.RunParallel(func(pb *testing.PB) {
			i := int(next.Add(1)) * 65536 // each goroutine its own run of keys
			for pb.Next() {
				claim(s, i, replayEpoch.Add(time.Duration(tick.Load())))
				i++
			}
		})
	}
	first := func(s *MemoryReplayStore, i int, now time.Time) {
		// Keys repeat every 262,144 claims, long after their entry
		// expired. In parallel, a goroutine that waits 50,000 claims
		// between reading the clock and claiming is refused a claim that
		// expired: rare, and not a failure of the store.
		_, err := s.Claim(ctx, keys[i%len(keys)], now.Add(5*time.Millisecond))
		if err != nil && !errors.Is(err, ErrInvalidReplayClaim) {
			b.Error(err)
		}
	}
	replay := func(s *MemoryReplayStore, i int, _ time.Time) {
		if _, err := s.Claim(ctx, keys[i%64], replayEpoch.Add(1000*time.Hour)); err != nil {
			b.Error(err)
		}
	}
	b.Run("first", func(b *testing.B) { run(b, false, first) })
	b.Run("replay", func(b *testing.B) { run(b, false, replay) })
	b.Run("first-parallel", func(b *testing.B) { run(b, true, first) })
	b.Run("replay-parallel", func(b *testing.B) { run(b, true, replay) })
}
