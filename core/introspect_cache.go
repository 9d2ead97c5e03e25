package core

import (
	"context"
	"encoding/binary"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// The introspection cache keeps the decisions on introspected tokens
// (IntrospectionConfig.CacheTTL) so that a hot token costs one request per
// TTL, never one per use, without outliving what the endpoint said:
//
//   - an accepted token's entry ends at the earliest of CacheTTL after
//     the answer, the token's exp (the answer's, and the JWT's with
//     IntrospectJWTs), and, for a JWT, the removal of its key from the key
//     set; exp, nbf and iat are checked again against Now on each hit;
//   - a refusal (active: false, or a rule broken) is kept for the shorter
//     of CacheTTL and 10 seconds, so that a token activated late or a
//     fixed setting is seen soon; a failure (no usable answer) is never
//     kept;
//   - entries are keyed by HMAC-SHA256 of the token under a random key of
//     the Verifier and hold no token, so that the cache gives no usable
//     token back;
//   - bounded by entries and estimated bytes; when full, an expired or the
//     least recently used of a few sampled entries is dropped.
//
// One request is in flight per token: concurrent callers of a token not
// cached wait for the same call (each no longer than its own ctx allows),
// which runs on a goroutine of its own bounded by Timeout, so that a
// caller that gives up never fails the others.

// cacheKey is HMAC-SHA256 of a token.
type cacheKey [32]byte

// introResult is the decision on one introspected token.
type introResult struct {
	claims *Claims // accepted: the token's claims, holding no token
	err    error   // else why not (ErrInvalidToken, or ErrKeysUnavailable: not cached)
	// For the refusal logs: the issuer whose rules applied, the answer's
	// claims as far as they were read.
	entry   *issuerEntry
	refused *Claims
	// until, when set, ends an accepted entry before the claims' exp (the
	// answer's exp of a JWT); key and keys, when set, are the key that
	// verified a JWT and its key set: the entry ends when the set stops
	// serving it. noStore: not cached at all.
	until   time.Time
	key     *PublicKey
	keys    KeySet
	noStore bool
}

// introCall is one request in flight, which callers wait for.
type introCall struct {
	done    chan struct{}
	res     introResult  // set before done is closed
	waiters atomic.Int32 // callers waiting for it, the first included
}

// decide returns the decision on the token of key: from the cache, or
// else from fill, run once for all concurrent callers on a goroutine of
// its own with a copy of token and a context that keeps ctx's values but
// ends only at Timeout or at close. cached reports a cache hit.
func (in *introspector) decide(ctx context.Context, key cacheKey, token string,
	fill func(ctx context.Context, token string) introResult) (res introResult, cached bool) {
	if r, ok := in.cached(ctx, key); ok {
		return r, true
	}
	in.mu.Lock()
	c := in.calls[key]
	if c == nil {
		if r, ok := in.cached(ctx, key); ok { // a call ended since the lookup above
			in.mu.Unlock()
			return r, true
		}
		if in.closed {
			in.mu.Unlock()
			return introResult{err: errIntrospectionUnavailable}, false
		}
		c = &introCall{done: make(chan struct{})}
		in.calls[key] = c
		in.wg.Add(1)
		go in.run(ctx, c, key, token, fill)
	}
	c.waiters.Add(1)
	in.mu.Unlock()
	select {
	case <-c.done:
		return c.res, false
	case <-ctx.Done():
		return introResult{err: &causedError{reason: errIntrospectionUnavailable, cause: ctx.Err()}}, false
	}
}

// run performs the call c, caches its result and wakes its waiters.
func (in *introspector) run(ctx context.Context, c *introCall, key cacheKey, token string,
	fill func(ctx context.Context, token string) introResult) {
	defer in.wg.Done()
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), in.s.timeout)
	stop := context.AfterFunc(in.ctx, cancel)
	res := fill(cctx, strings.Clone(token)) // token may alias the caller's buffer
	stop()
	cancel()
	in.store(key, &res)
	in.mu.Lock()
	delete(in.calls, key)
	in.mu.Unlock()
	c.res = res
	close(c.done)
}

// cached returns the cached decision on key, if one may be served now.
func (in *introspector) cached(ctx context.Context, key cacheKey) (introResult, bool) {
	if in.cache == nil {
		return introResult{}, false
	}
	e := in.cache.get(key)
	if e == nil {
		return introResult{}, false
	}
	now := in.now()
	if !now.Before(e.expires) || e.claims != nil && timesValid(e.claims, now, in.leeway) != nil ||
		e.key != nil && !keyStillServed(ctx, e.keys, e.key) {
		in.cache.remove(key, e)
		return introResult{}, false
	}
	e.touch(now)
	return introResult{claims: e.claims, err: e.err}, true
}

// store caches res, unless it is a failure or may not be kept.
func (in *introspector) store(key cacheKey, res *introResult) {
	if in.cache == nil || res.noStore || errors.Is(res.err, ErrKeysUnavailable) {
		return
	}
	now := in.now()
	e := &introEntry{claims: res.claims, err: res.err, key: res.key, keys: res.keys}
	switch {
	case res.err != nil:
		e.expires = now.Add(in.s.negTTL)
	default:
		e.expires = now.Add(in.s.ttl)
		if x := res.claims.expiry; !x.IsZero() && x.Before(e.expires) {
			e.expires = x
		}
		if !res.until.IsZero() && res.until.Before(e.expires) {
			e.expires = res.until
		}
		e.size = int64(len(res.claims.raw)) + treeSize(&res.claims.root)
	}
	if now.Before(e.expires) {
		e.size += introEntryOverhead
		in.cache.add(key, e, now)
	}
}

// introEntry is one cached decision. Only used changes after it is added.
type introEntry struct {
	claims  *Claims // accepted; nil for a refusal
	err     error
	key     *PublicKey // a JWT's verifying key, or nil
	keys    KeySet
	expires time.Time
	size    int64
	used    atomic.Int64
}

// introEntryOverhead is the estimated fixed memory of one entry: the
// entry, the claims block and the map slot.
const introEntryOverhead = int64(unsafe.Sizeof(introEntry{}) + unsafe.Sizeof(claimsBlock{}) + 64)

// touch records a hit at now, at most once a second.
func (e *introEntry) touch(now time.Time) {
	if t := now.UnixNano(); t-e.used.Load() >= int64(time.Second) {
		e.used.Store(t)
	}
}

// introCache maps cache keys to decisions, split into shards with a lock
// each (chosen by the key's first bytes, which are uniform).
type introCache struct {
	shards []introShard // a power of two of them
	shift  uint
}

type introShard struct {
	mu         sync.RWMutex
	entries    map[cacheKey]*introEntry
	bytes      int64
	maxEntries int
	maxBytes   int64
	_          [64]byte
}

func newIntroCache(entries int, bytes int64) *introCache {
	n := 1
	for n*2 <= maxShards && entries/(n*2) >= minShardEntries && bytes/int64(n*2) >= minShardBytes {
		n *= 2
	}
	c := &introCache{shards: make([]introShard, n), shift: 64 - bits(n)}
	for i := range c.shards {
		sh := &c.shards[i]
		sh.entries = make(map[cacheKey]*introEntry)
		sh.maxEntries, sh.maxBytes = entries/n, bytes/int64(n)
	}
	return c
}

func (c *introCache) shard(k cacheKey) *introShard {
	if len(c.shards) == 1 {
		return &c.shards[0]
	}
	return &c.shards[binary.BigEndian.Uint64(k[:8])>>c.shift]
}

func (c *introCache) get(k cacheKey) *introEntry {
	sh := c.shard(k)
	sh.mu.RLock()
	e := sh.entries[k]
	sh.mu.RUnlock()
	return e
}

// add caches e under k (replacing an entry there), making room first.
func (c *introCache) add(k cacheKey, e *introEntry, now time.Time) {
	sh := c.shard(k)
	if e.size > sh.maxBytes/maxEntryShare {
		return
	}
	e.used.Store(now.UnixNano())
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if old := sh.entries[k]; old != nil {
		sh.delete(k, old)
	}
	sh.dropExpired(now)
	for len(sh.entries) > 0 && (len(sh.entries) >= sh.maxEntries || sh.bytes+e.size > sh.maxBytes) {
		sh.evict(now)
	}
	sh.entries[k] = e
	sh.bytes += e.size
}

// remove drops the entry of k if it is still e.
func (c *introCache) remove(k cacheKey, e *introEntry) {
	sh := c.shard(k)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.entries[k] == e {
		sh.delete(k, e)
	}
}

// len returns the number of entries (tests).
func (c *introCache) len() int {
	n := 0
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.RLock()
		n += len(sh.entries)
		sh.mu.RUnlock()
	}
	return n
}

func (sh *introShard) delete(k cacheKey, e *introEntry) {
	delete(sh.entries, k)
	sh.bytes -= e.size
}

// dropExpired drops the expired entries among a few sampled ones.
func (sh *introShard) dropExpired(now time.Time) { dropExpiredSample(sh.entries, now, sh.delete) }

// evict drops an expired entry among a few sampled ones, else the least
// recently used of them.
func (sh *introShard) evict(now time.Time) { evictSample(sh.entries, now, sh.delete) }

func (e *introEntry) expiry() time.Time { return e.expires }
func (e *introEntry) lastUsed() int64   { return e.used.Load() }
