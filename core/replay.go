package core

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ReplayStore remembers the DPoP proofs (RFC 9449 §11.1) a resource server
// has accepted, so that a proof is accepted once: a proof captured on the
// way (from a log, a proxy, a browser extension) cannot be sent again
// within its lifetime, and a proof replayed to another replica sharing the
// store is refused there too. A store only has to remember a proof for as
// long as its iat is still inside the acceptance window; after that, the
// iat check refuses the proof anyway.
//
// NewMemoryReplayStore is the in-process default; package
// github.com/axiomsgo/axioms/redisreplay shares the store between replicas
// through Redis. Implementations must be safe for concurrent use.
type ReplayStore interface {
	// Claim records key until expires and reports whether this call
	// recorded it (true) or it was already recorded and not yet expired
	// (false: a replay). Of concurrent Claims of one key, exactly one
	// reports true.
	//
	// key is an opaque, fixed-length string (core passes a digest, never
	// the raw jti), of 1 to MaxReplayKeyLength bytes; an implementation
	// may retain it. expires must be after now: CheckReplayClaim states
	// the rules, and a claim that breaks them is an error matching
	// ErrInvalidReplayClaim, never a silent true.
	//
	// An error means the store could not tell; the caller then refuses
	// the request (503), never accepts it. An implementation returns
	// true only when it has recorded key.
	Claim(ctx context.Context, key string, expires time.Time) (first bool, err error)
}

// MaxReplayKeyLength is the longest key a ReplayStore accepts, in bytes:
// keys are digests (a base64url SHA-256 is 43 bytes), so a longer one is a
// caller's mistake, and refusing it bounds the memory of an entry.
const MaxReplayKeyLength = 128

// Errors of replay stores, matched with errors.Is. Both make the request
// answer 503: the store cannot tell whether the proof is a replay.
var (
	// ErrReplayStoreFull: a MemoryReplayStore holds MaxEntries proofs that
	// have not expired. It never makes room by forgetting one of them: the
	// proof forgotten could then be replayed.
	ErrReplayStoreFull = errors.New("replay store full")
	// ErrInvalidReplayClaim: Claim was called with a key or an expiry that
	// CheckReplayClaim refuses.
	ErrInvalidReplayClaim = errors.New("invalid replay claim")
)

// CheckReplayClaim returns nil when a ReplayStore may record key until
// expires at time now, else an error matching ErrInvalidReplayClaim: key
// is empty or longer than MaxReplayKeyLength, or expires is not after now
// (an entry that is expired as it is recorded would let the replay
// through). Implementations of ReplayStore call it first, with their own
// clock.
func CheckReplayClaim(key string, expires, now time.Time) error {
	switch {
	case key == "":
		return fmt.Errorf("%w: empty key", ErrInvalidReplayClaim)
	case len(key) > MaxReplayKeyLength:
		return fmt.Errorf("%w: key of %d bytes, more than %d", ErrInvalidReplayClaim, len(key), MaxReplayKeyLength)
	case !expires.After(now):
		return fmt.Errorf("%w: expiry %s is not after now (%s)", ErrInvalidReplayClaim,
			expires.UTC().Format(time.RFC3339Nano), now.UTC().Format(time.RFC3339Nano))
	}
	return nil
}

// Bounds of MemoryReplayOptions.MaxEntries.
const (
	// DefaultReplayEntries is the default MaxEntries: 300 new proofs a
	// second, each remembered for 5 minutes, fill it. An entry takes
	// about 110 bytes with a 43-byte key, so a full default store about
	// 11 MB.
	DefaultReplayEntries = 100_000
	// MaxReplayEntries is the largest MaxEntries, about 1.1 GB when full.
	MaxReplayEntries = 10_000_000
)

// MemoryReplayOptions configures NewMemoryReplayStore. The zero value is
// the default.
type MemoryReplayOptions struct {
	// MaxEntries bounds how many proofs the store remembers at once
	// (default DefaultReplayEntries, at most MaxReplayEntries). When that
	// many have not expired, Claim returns ErrReplayStoreFull until some
	// expire: a flood of valid proofs makes requests fail, never lets a
	// replay through.
	MaxEntries int
	// Now is the clock that decides when an entry has expired (default
	// time.Now); give it the clock the proofs' iat is checked with
	// (Config.Now), so that an entry outlives the window of its proof.
	Now func() time.Time
}

// MemoryReplayStore is a ReplayStore in this process's memory: bounded,
// safe for concurrent use, and with nothing running in the background.
// Its entries are not shared: behind a load balancer, each replica
// refuses only the replays it sees itself (package redisreplay shares
// them).
//
// Expired entries are dropped by the Claims that come after them, in
// order of expiry, so each entry costs O(log n) once to add and once to
// drop. An entry is never dropped before it expires. Memory grows with
// the peak number of live entries, up to MaxEntries.
type MemoryReplayStore struct {
	shards [replayShards]replayShard
	seed   maphash.Seed
	now    func() time.Time
	max    int64
	held   atomic.Int64 // entries in all shards, at most max
}

// replayShards: claims of different keys take different locks. A fixed
// count keeps the bound global (held) while 32 locks spread the claims of
// many cores.
const replayShards = 32

// replayShard is one lock's worth of the store: the live keys and a
// min-heap of the same entries by expiry. After drop, every key in the set
// is unexpired, so membership alone answers a Claim. Padded so that two
// shards never share a cache line.
type replayShard struct {
	mu   sync.Mutex
	keys map[string]struct{}
	heap []replayEntry
	_    [64]byte
}

// replayEntry is a key and the time it expires, in Unix nanoseconds.
type replayEntry struct {
	expires int64
	key     string
}

// NewMemoryReplayStore returns an empty MemoryReplayStore, or an error
// matching ErrConfig when o.MaxEntries is negative or more than
// MaxReplayEntries.
func NewMemoryReplayStore(o MemoryReplayOptions) (*MemoryReplayStore, error) {
	switch {
	case o.MaxEntries < 0 || o.MaxEntries > MaxReplayEntries:
		return nil, fmt.Errorf("core: %w: MemoryReplayOptions.MaxEntries %d: want 0 (the default, %d) to %d", ErrConfig, o.MaxEntries, DefaultReplayEntries, MaxReplayEntries)
	case o.MaxEntries == 0:
		o.MaxEntries = DefaultReplayEntries
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &MemoryReplayStore{seed: maphash.MakeSeed(), now: o.Now, max: int64(o.MaxEntries)}
	for i := range s.shards {
		s.shards[i].keys = make(map[string]struct{})
	}
	return s, nil
}

// Claim implements ReplayStore. It returns an error only for a claim
// CheckReplayClaim refuses (ErrInvalidReplayClaim) and when MaxEntries
// unexpired entries leave no room (ErrReplayStoreFull). It never blocks on
// I/O and does not use ctx. key is copied.
func (s *MemoryReplayStore) Claim(_ context.Context, key string, expires time.Time) (bool, error) {
	now := s.now()
	if err := CheckReplayClaim(key, expires, now); err != nil {
		return false, err
	}
	sh := s.shard(key)
	first, err := s.claim(sh, key, expires.UnixNano(), now.UnixNano())
	if errors.Is(err, ErrReplayStoreFull) {
		// The expired entries of the other shards still count; drop them
		// (one lock at a time, never two) and try once more.
		for i := range s.shards {
			s.shards[i].lockAndDrop(s, now.UnixNano())
		}
		first, err = s.claim(sh, key, expires.UnixNano(), now.UnixNano())
	}
	return first, err
}

// shard returns the shard of key. The seed is the store's own, so that
// which keys share a lock cannot be chosen from outside.
func (s *MemoryReplayStore) shard(key string) *replayShard {
	return &s.shards[maphash.String(s.seed, key)%replayShards]
}

// claim is Claim in shard sh, with times in Unix nanoseconds.
func (s *MemoryReplayStore) claim(sh *replayShard, key string, expires, now int64) (bool, error) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.drop(s, now)
	if _, seen := sh.keys[key]; seen {
		return false, nil
	}
	if !s.reserve() {
		return false, fmt.Errorf("%w: %d proofs remembered, none expired yet", ErrReplayStoreFull, s.max)
	}
	key = strings.Clone(key) // the caller's key may be a view into a buffer it reuses
	sh.keys[key] = struct{}{}
	sh.push(replayEntry{expires: expires, key: key})
	return true, nil
}

// reserve takes one of the max places, or reports that none is free.
func (s *MemoryReplayStore) reserve() bool {
	for {
		n := s.held.Load()
		if n >= s.max {
			return false
		}
		if s.held.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// lockAndDrop drops the expired entries of sh under its lock.
func (sh *replayShard) lockAndDrop(s *MemoryReplayStore, now int64) {
	sh.mu.Lock()
	sh.drop(s, now)
	sh.mu.Unlock()
}

// drop removes every entry that has expired at now (expires <= now),
// earliest first, and frees its place. The caller holds sh.mu.
func (sh *replayShard) drop(s *MemoryReplayStore, now int64) {
	n := 0
	for len(sh.heap) > 0 && sh.heap[0].expires <= now {
		delete(sh.keys, sh.pop().key)
		n++
	}
	if n > 0 {
		s.held.Add(int64(-n))
	}
}

// push adds e to the heap.
func (sh *replayShard) push(e replayEntry) {
	h := append(sh.heap, e)
	for i := len(h) - 1; i > 0; {
		parent := (i - 1) / 2
		if h[parent].expires <= h[i].expires {
			break
		}
		h[parent], h[i] = h[i], h[parent]
		i = parent
	}
	sh.heap = h
}

// pop removes and returns the entry that expires first.
func (sh *replayShard) pop() replayEntry {
	h := sh.heap
	top, last := h[0], len(h)-1
	h[0] = h[last]
	h[last] = replayEntry{} // no reference to the key stays in the backing array
	h = h[:last]
	for i := 0; ; {
		least, l, r := i, 2*i+1, 2*i+2
		if l < len(h) && h[l].expires < h[least].expires {
			least = l
		}
		if r < len(h) && h[r].expires < h[least].expires {
			least = r
		}
		if least == i {
			break
		}
		h[i], h[least] = h[least], h[i]
		i = least
	}
	sh.heap = h
	return top
}
