package redisreplay_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/axiomsgo/axioms/redisreplay"
)

// Every replica of the resource server opens the same Redis, from the
// variable AXIOMS_DPOP_REPLAY_REDIS; a proof claimed on one is a replay on
// all of them.
func ExampleFromURL() {
	store, err := redisreplay.FromURL(os.Getenv("AXIOMS_DPOP_REPLAY_REDIS")) // redis://redis.internal:6379/0
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()

	first, err := store.Claim(context.Background(), "digest-of-the-proof", time.Now().Add(5*time.Minute))
	switch {
	case err != nil:
		log.Print(err) // refuse the request: 503
	case !first:
		log.Print("replayed proof") // refuse the request: 401 invalid_dpop_proof
	}
}

// FromURL refuses other schemes, and never shows the password in its
// errors.
func ExampleFromURL_scheme() {
	_, err := redisreplay.FromURL("http://app:secret@redis.internal:6379/0")
	fmt.Println(err)
	// Output:
	// redisreplay: Redis URL scheme "http": want redis:// or rediss://
}

// With a client of your own (a Cluster, Sentinel, or TLS settings of your
// own), turn on ContextTimeoutEnabled so that the store's timeout bounds
// its socket reads and writes too.
func ExampleNew() {
	client := redis.NewClusterClient(&redis.ClusterOptions{
		Addrs:                 []string{"redis-1.internal:6379", "redis-2.internal:6379"},
		ContextTimeoutEnabled: true,
	})
	defer client.Close()
	store, err := redisreplay.New(client, redisreplay.WithPrefix("orders-api:dpop:"), redisreplay.WithTimeout(200*time.Millisecond))
	if err != nil {
		log.Fatal(err)
	}
	_ = store // core.ReplayStore
}
