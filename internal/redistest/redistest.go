// Package redistest starts a real redis-server on a loopback port for a
// test, for the tests of every module of this repository that need one
// (redisreplay's, the example servers'). It speaks no Redis beyond PING
// and imports no Redis client.
//
// The tests of other modules import it, so it is shared like the
// adapters' internal packages: add names, never change or remove one.
package redistest

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Server is a redis-server started by [Start] for one test and killed at
// its cleanup.
type Server struct {
	addr   string
	cmd    *exec.Cmd
	exited chan error // the result of Wait, put back by whoever takes it
}

// starts is how many ports Start tries: another process may take a free
// port between its choice and the server's start.
const starts = 5

// readyWithin bounds how long a started server may take to answer PING.
const readyWithin = 10 * time.Second

// Start starts redis-server on a free 127.0.0.1 port, with no persistence
// (--save "", --appendonly no), its log and working directory in
// temporary directories of tb, and then the extra arguments args (such as
// "--requirepass", "secret"); it returns once the server answers PING
// (PONG, or NOAUTH from a server with a password). The server is killed
// at tb's cleanup, which waits until it has exited.
//
// redis-server is looked up on PATH. Without it the test fails when the
// environment has CI=true (CI installs it) and is skipped otherwise. A
// server that exits (its port taken meanwhile) or stays silent for 10s is
// tried again on another port, 5 times in all; then the test fails with
// the last reason, the server's log when it exited.
func Start(tb testing.TB, args ...string) *Server {
	tb.Helper()
	path := binary(tb)
	var lastErr error
	for range starts {
		srv, err := start(tb, path, FreePort(tb), args)
		if err == nil {
			return srv
		}
		lastErr = err
	}
	tb.Fatalf("redis-server did not start: %v", lastErr)
	return nil
}

// binary returns the path of redis-server, or ends the test: failed in
// CI, skipped elsewhere.
func binary(tb testing.TB) string {
	tb.Helper()
	path, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("redis-server is not on PATH: .ci/run installs it (apt-get install redis-server): %v", err)
		}
		tb.Skipf("redis-server is not on PATH (apt-get install redis-server): %v", err)
	}
	return path
}

// start starts one server on port and waits until it answers PING, it
// exits or readyWithin passes.
func start(tb testing.TB, path string, port int, args []string) (*Server, error) {
	logPath := filepath.Join(tb.TempDir(), "redis.log")
	argv := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--logfile", logPath, "--dir", tb.TempDir()}, args...)
	srv := &Server{addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), cmd: exec.Command(path, argv...)}
	if err := srv.cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- srv.cmd.Wait() }()
	tb.Cleanup(func() {
		_ = srv.cmd.Process.Kill()
		<-exited
	})
	for deadline := time.Now().Add(readyWithin); time.Now().Before(deadline); {
		select {
		case err := <-exited:
			exited <- err // for the cleanup
			data, _ := os.ReadFile(logPath)
			return nil, fmt.Errorf("redis-server exited (%v): %s", err, data)
		default:
		}
		if ping(srv.addr) == nil {
			srv.exited = exited
			return srv, nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	_ = srv.cmd.Process.Kill() // not left running while the next attempt starts another
	exited <- <-exited         // waited for, and kept for the cleanup
	return nil, fmt.Errorf("redis-server on %s did not answer PING within %v", srv.addr, readyWithin)
}

// ping sends PING over a fresh connection and expects +PONG, or the
// NOAUTH error of a server with a password: it is up.
func ping(addr string) error {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(time.Second))
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" && !strings.HasPrefix(line, "-NOAUTH") {
		return fmt.Errorf("PING answered %q", line)
	}
	return nil
}

// Addr returns the server's host:port (127.0.0.1 and its port).
func (s *Server) Addr() string { return s.addr }

// URL returns the server's redis:// URL with database db, without
// credentials: "redis://127.0.0.1:port/db".
func (s *Server) URL(db int) string { return fmt.Sprintf("redis://%s/%d", s.addr, db) }

// Kill ends the server with SIGKILL and waits until it has exited, for
// tests of a Redis outage. The cleanup then has nothing left to do.
func (s *Server) Kill(tb testing.TB) {
	tb.Helper()
	if err := s.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) { // done: it died already
		tb.Fatalf("killing redis-server: %v", err)
	}
	err := <-s.exited
	s.exited <- err // for the cleanup
}

// Signal sends sig to the server's process, as SIGSTOP and SIGCONT to
// stall a server that keeps its connections open. A test that stops the
// server need not continue it: the cleanup's SIGKILL ends a stopped
// process too.
func (s *Server) Signal(sig os.Signal) error { return s.cmd.Process.Signal(sig) }

// FreePort returns a 127.0.0.1 TCP port that was free a moment ago: for a
// server to listen on, or for the address of a Redis that is down.
func FreePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("choosing a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
