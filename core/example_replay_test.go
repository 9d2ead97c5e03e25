package core_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/axiomsgo/axioms/core"
)

// A ReplayStore answers whether a DPoP proof is new: the first Claim of a
// key records it, a second one within its lifetime is a replay. Keys are
// digests, here base64url(SHA-256) of a proof's jti.
func ExampleMemoryReplayStore() {
	store, err := core.NewMemoryReplayStore(core.MemoryReplayOptions{})
	if err != nil {
		log.Fatal(err)
	}
	sum := sha256.Sum256([]byte("jti of the proof"))
	key := base64.RawURLEncoding.EncodeToString(sum[:])
	expires := time.Now().Add(5 * time.Minute) // when its iat leaves the window

	first, err := store.Claim(context.Background(), key, expires)
	fmt.Println("first:", first, err)
	first, err = store.Claim(context.Background(), key, expires)
	fmt.Println("replayed:", first, err)
	// Output:
	// first: true <nil>
	// replayed: false <nil>
}

// A store full of proofs that have not expired refuses new ones with an
// error, and the request is answered 503: forgetting a proof to make room
// would let it be replayed.
func ExampleMemoryReplayStore_full() {
	store, err := core.NewMemoryReplayStore(core.MemoryReplayOptions{MaxEntries: 1})
	if err != nil {
		log.Fatal(err)
	}
	expires := time.Now().Add(5 * time.Minute)
	_, _ = store.Claim(context.Background(), "key-1", expires)
	first, err := store.Claim(context.Background(), "key-2", expires)
	fmt.Println(first, errors.Is(err, core.ErrReplayStoreFull))
	first, err = store.Claim(context.Background(), "key-1", expires)
	fmt.Println("replay of key-1:", first, err)
	// Output:
	// false true
	// replay of key-1: false <nil>
}
