package core

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/axiomsgo/axioms/core/internal/strictjson"
)

// The verified-token cache (Config.TokenCacheEntries) answers a token that
// passed every check before without checking its signature again. A hit
// makes the decision a fresh verification would make, because everything
// that decision depends on is either fixed for the Verifier (the Config) or
// checked again on the hit:
//
//   - the token: the entry is keyed by the whole token, compared exactly;
//   - the key: the entry holds the *PublicKey that verified the signature
//     and the key set it came from (with several issuers, that of the
//     token's issuer, which the same token always selects again), and a hit
//     requires that key set to still return that very key for its kid (a
//     fresh verification would then verify with it and succeed);
//   - the time: exp, nbf and iat are checked again against Now, and the
//     entry is dropped at exp minus Leeway or TokenCacheMaxAge after it was
//     added, whichever comes first.
//
// Hits take a read lock only and allocate nothing; a miss costs one map
// lookup. Nothing runs in the background.

// cacheSample is how many entries one eviction looks at.
const cacheSample = 8

// maxEntryShare: an entry larger than 1/maxEntryShare of TokenCacheBytes
// is not cached.
const maxEntryShare = 8

// cacheEntryOverhead is the estimated fixed memory of one entry: the entry,
// the block that holds the Claims with the room of their tree (which
// treeSize counts only as far as it is used), and the map slot.
const cacheEntryOverhead = int64(unsafe.Sizeof(cacheEntry{}) + unsafe.Sizeof(claimsBlock{}) + 64)

// tokenCache maps whole tokens to the claims they verified to. It is
// split into shards, each with its own lock, map and share of the bounds,
// so that hits on many cores do not all take the same lock: a token's
// shard is chosen from its last bytes, signature bytes, which are uniform
// for every token that can be cached (only tokens that passed every check
// are added).
type tokenCache struct {
	shards []cacheShard // a power of two of them
	maxAge time.Duration
	leeway time.Duration
}

// cacheShard is one lock's worth of the cache, padded so that two shards
// never share a cache line.
type cacheShard struct {
	mu         sync.RWMutex
	entries    map[string]*cacheEntry
	bytes      int64 // estimated memory of entries
	maxEntries int
	maxBytes   int64
	_          [64]byte
}

// cacheEntry is one verified token. Only used changes after it is added.
type cacheEntry struct {
	claims  *Claims
	key     *PublicKey // the key that verified the signature
	keys    KeySet     // the key set it came from (its issuer's)
	expires time.Time  // min(exp - leeway, added + maxAge)
	size    int64      // estimated memory, token included
	used    atomic.Int64
}

// Shards: at most maxShards, and no fewer than 128 entries and 512 KiB per
// shard, so that small caches keep one exact LRU and entries of a few KiB
// still fit a shard's byte share.
const (
	maxShards       = 64
	minShardEntries = 128
	minShardBytes   = 512 << 10
)

func newTokenCache(s cacheSettings, leeway time.Duration) *tokenCache {
	n := 1
	for n*2 <= maxShards && s.entries/(n*2) >= minShardEntries && s.bytes/int64(n*2) >= minShardBytes {
		n *= 2
	}
	c := &tokenCache{shards: make([]cacheShard, n), maxAge: s.maxAge, leeway: leeway}
	for i := range c.shards {
		sh := &c.shards[i]
		sh.entries = make(map[string]*cacheEntry)
		sh.maxEntries, sh.maxBytes = s.entries/n, s.bytes/int64(n)
	}
	return c
}

// shard returns the shard of token, from its last 8 bytes.
func (c *tokenCache) shard(token string) *cacheShard {
	if len(c.shards) == 1 || len(token) < 8 {
		return &c.shards[0]
	}
	tail := token[len(token)-8:]
	var h uint64
	for i := 0; i < 8; i++ {
		h = h<<8 | uint64(tail[i])
	}
	h *= 0x9E3779B97F4A7C15 // Fibonacci hashing: the top bits mix every input bit
	return &c.shards[h>>(64-bits(len(c.shards)))]
}

// bits returns log2(n) for a power of two n.
func bits(n int) uint {
	b := uint(0)
	for n > 1 {
		n, b = n>>1, b+1
	}
	return b
}

// cachedClaims returns the claims of token when the cache holds it and the
// entry may be served now, else nil (and drops an entry that may not).
func (v *Verifier) cachedClaims(ctx context.Context, token string) *Claims {
	if v.cache == nil {
		return nil
	}
	e := v.cache.get(token)
	if e == nil {
		return nil
	}
	now := v.cfg.Now()
	if !now.Before(e.expires) || v.checkTimes(e.claims, now) != nil || !keyStillServed(ctx, e.keys, e.key) {
		v.cache.remove(token, e)
		return nil
	}
	e.touch(now)
	return e.claims
}

// keyLookup is implemented by the key sets of this package: the keys a
// Keys call would return for kid from memory, without any fetch, or nil
// when Keys would not answer from memory.
type keyLookup interface {
	cachedKeys(kid string) []*PublicKey
}

// keyStillServed reports whether the key set ks still returns k for its
// kid.
func keyStillServed(ctx context.Context, ks KeySet, k *PublicKey) bool {
	var keys []*PublicKey
	if l, ok := ks.(keyLookup); ok {
		keys = l.cachedKeys(k.key.KID)
	} else {
		var err error
		if keys, err = ks.Keys(ctx, k.key.KID); err != nil {
			return false
		}
	}
	return slices.Contains(keys, k)
}

// cachedKeys implements keyLookup: the keys of kid in a set younger than
// CacheTTL, as Keys answers without fetching.
func (r *RemoteKeySet) cachedKeys(kid string) []*PublicKey {
	s := r.snap.Load()
	if s == nil || !r.usable(s, r.now()) {
		return nil
	}
	return s.ix.lookup(kid)
}

// cachedKeys implements keyLookup.
func (s *StaticKeySet) cachedKeys(kid string) []*PublicKey { return s.ix.lookup(kid) }

// get returns the entry of token, or nil. token may be a view into a
// buffer the caller reuses: it is not retained.
func (c *tokenCache) get(token string) *cacheEntry {
	sh := c.shard(token)
	sh.mu.RLock()
	e := sh.entries[token]
	sh.mu.RUnlock()
	return e
}

// touch records a hit on e at now, at most once a second: LRU order needs
// no finer clock, and a hot token's entry is not written on every hit.
func (e *cacheEntry) touch(now time.Time) {
	if t := now.UnixNano(); t-e.used.Load() >= int64(time.Second) {
		e.used.Store(t)
	}
}

// add caches the claims of a token (claims.token, the key) that has just
// passed every check with key, taken from the key set keys (the token's
// issuer's), unless it cannot be served for long enough to matter. The
// caller (Verifier.remember) decides which tokens may be cached at all.
func (c *tokenCache) add(key *PublicKey, keys KeySet, claims *Claims, now time.Time) {
	token := claims.token
	expires := claims.expiry.Add(-c.leeway)
	if limit := now.Add(c.maxAge); limit.Before(expires) {
		expires = limit
	}
	if !now.Before(expires) {
		return
	}
	sh := c.shard(token)
	e := &cacheEntry{claims: claims, key: key, keys: keys, expires: expires, size: entrySize(token, claims)}
	if e.size > sh.maxBytes/maxEntryShare {
		return // one entry must not take a large share of the budget
	}
	e.used.Store(now.UnixNano())
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if _, ok := sh.entries[token]; ok {
		return // added concurrently
	}
	sh.dropExpired(now)
	for len(sh.entries) > 0 && (len(sh.entries) >= sh.maxEntries || sh.bytes+e.size > sh.maxBytes) {
		sh.evict(now)
	}
	sh.entries[token] = e
	sh.bytes += e.size
}

// remove drops the entry of token if it is still e.
func (c *tokenCache) remove(token string, e *cacheEntry) {
	sh := c.shard(token)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.entries[token] == e {
		sh.delete(token, e)
	}
}

func (sh *cacheShard) delete(token string, e *cacheEntry) {
	delete(sh.entries, token)
	sh.bytes -= e.size
}

// dropExpired drops the expired entries among a few sampled ones, so that
// expired entries also leave a shard that is not full. sh.mu is held.
func (sh *cacheShard) dropExpired(now time.Time) { dropExpiredSample(sh.entries, now, sh.delete) }

// evict drops one entry: an expired one among a few sampled entries, else
// the least recently used of them. sh.mu is held.
func (sh *cacheShard) evict(now time.Time) { evictSample(sh.entries, now, sh.delete) }

// sampledEntry is an entry of a cache evicted by sampling (the verified-
// token cache, the introspection cache): when it expires, and when it was
// last used.
type sampledEntry interface {
	expiry() time.Time
	lastUsed() int64
}

func (e *cacheEntry) expiry() time.Time { return e.expires }
func (e *cacheEntry) lastUsed() int64   { return e.used.Load() }

// dropExpiredSample drops, with del, the expired entries among
// cacheSample/2 entries of m (map order is random).
func dropExpiredSample[K comparable, E sampledEntry](m map[K]E, now time.Time, del func(K, E)) {
	n := 0
	for k, e := range m {
		if !now.Before(e.expiry()) {
			del(k, e)
		}
		if n++; n == cacheSample/2 {
			return
		}
	}
}

// evictSample drops, with del, one entry of m (not empty): the first
// expired one among cacheSample sampled entries, else the least recently
// used of them.
func evictSample[K comparable, E sampledEntry](m map[K]E, now time.Time, del func(K, E)) {
	var victim K
	var ve E
	found, n := false, 0
	for k, e := range m {
		if !now.Before(e.expiry()) {
			victim, ve, found = k, e, true
			break
		}
		if !found || e.lastUsed() < ve.lastUsed() {
			victim, ve, found = k, e, true
		}
		if n++; n == cacheSample {
			break
		}
	}
	if found {
		del(victim, ve)
	}
}

// entrySize estimates the memory of one entry: the token (the map key and
// Claims share it), the decoded payload with the header and signature
// segments, the parsed claim tree and the fixed structs.
func entrySize(token string, c *Claims) int64 {
	return cacheEntryOverhead + int64(len(token)+len(c.head)+len(c.tail)+len(c.raw)) + treeSize(&c.root)
}

// treeSize is the memory of the elements and members of a parsed JSON
// value (strings mostly alias the payload and are counted with it).
func treeSize(v *strictjson.Value) int64 {
	var n int64
	switch v.Kind() {
	case strictjson.Array:
		elems := v.Arr()
		n += int64(len(elems)) * int64(unsafe.Sizeof(strictjson.Value{}))
		for i := range elems {
			n += treeSize(&elems[i])
		}
	case strictjson.Object:
		members := v.Obj()
		n += int64(len(members)) * int64(unsafe.Sizeof(strictjson.Member{}))
		for i := range members {
			n += treeSize(&members[i].Value)
		}
	}
	return n
}
