package main

import (
	"context"
	"net"
	"strings"
	"testing"
)

// No Redis here: the URL is checked at start, and a Redis that cannot be
// reached answers an error, never a proof seen for the first time.
func TestStore(t *testing.T) {
	if _, _, err := newStore("http://app:secret@127.0.0.1:6379/0"); err == nil || strings.Contains(err.Error(), "secret") {
		t.Fatalf("an http URL: %v", err)
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // a closed loopback port
	store, closeStore, err := newStore("redis://app:secret@" + addr + "/0")
	if err != nil {
		t.Fatal(err)
	}
	defer closeStore()
	fresh, err := isNew(context.Background(), store, "jti")
	if err == nil || fresh || strings.Contains(err.Error(), "secret") {
		t.Fatalf("a closed port: first time %v, error %v", fresh, err)
	}
}
