//go:build unix

package redisreplay

import (
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/axiomsgo/axioms/internal/redistest"
)

// A Redis that accepts connections but does not answer (stopped with
// SIGSTOP: a stalled host, a full network buffer) is an error within the
// timeout, not after the client's own read timeout.
func TestHungServerIsAnErrorWithinTheTimeout(t *testing.T) {
	srv := redistest.Start(t)
	s := newStore(t, srv.URL(0), WithTimeout(300*time.Millisecond))
	_, err := s.Claim(t.Context(), "warm", time.Now().Add(time.Minute)) // a pooled connection
	require.NoError(t, err)

	require.NoError(t, srv.Signal(syscall.SIGSTOP))
	t.Cleanup(func() { _ = srv.Signal(syscall.SIGCONT) })
	claimFails(t, s, "pooled connection")
	claimFails(t, s, "again")
}
