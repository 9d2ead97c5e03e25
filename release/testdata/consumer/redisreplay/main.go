// Command app is what a user of redisreplay writes first: the store of
// the DPoP proofs a resource server has accepted, shared by its replicas
// through the Redis that AXIOMS_DPOP_REPLAY_REDIS names. release-check
// builds and tests it in a fresh module against the dry-run module proxy.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/redisreplay"
)

// newStore returns the replay store of url and its Close.
func newStore(url string) (core.ReplayStore, func() error, error) {
	s, err := redisreplay.FromURL(url, redisreplay.WithPrefix("orders-api:dpop:"))
	if err != nil {
		return nil, nil, err
	}
	return s, s.Close, nil
}

// isNew claims the proof with identifier jti and reports whether it is
// seen for the first time; false with an error when the store cannot
// tell (the request is then refused too).
func isNew(ctx context.Context, store core.ReplayStore, jti string) (bool, error) {
	sum := sha256.Sum256([]byte(jti))
	return store.Claim(ctx, base64.RawURLEncoding.EncodeToString(sum[:]), time.Now().Add(5*time.Minute))
}

func main() {
	store, closeStore, err := newStore(os.Getenv("AXIOMS_DPOP_REPLAY_REDIS"))
	if err != nil {
		log.Fatal(err)
	}
	defer closeStore()
	fresh, err := isNew(context.Background(), store, "e1j3V_bKic8-LAEB")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("first time:", fresh)
}
