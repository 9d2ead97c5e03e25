package redisreplay

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// redisServer is a real redis-server on a loopback port, started for one
// test and killed at its cleanup.
type redisServer struct {
	addr   string
	cmd    *exec.Cmd
	exited chan error // the result of Wait, put back by whoever takes it
}

// redisServerPath returns the path of redis-server. Without one, a test
// fails in CI (CI=true: .ci/run installs it) and is skipped elsewhere.
func redisServerPath(tb testing.TB) string {
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

// startRedis starts redis-server on a free loopback port with no
// persistence and the extra arguments args, and returns once it answers
// PING.
func startRedis(tb testing.TB, args ...string) *redisServer {
	tb.Helper()
	path := redisServerPath(tb)
	var lastErr error
	for range 5 { // another process may take the port between its choice and the start
		srv, err := tryStartRedis(tb, path, freePort(tb), args)
		if err == nil {
			return srv
		}
		lastErr = err
	}
	tb.Fatalf("redis-server did not start: %v", lastErr)
	return nil
}

func tryStartRedis(tb testing.TB, path string, port int, args []string) (*redisServer, error) {
	logPath := filepath.Join(tb.TempDir(), "redis.log")
	srv := &redisServer{addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port))}
	argv := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--logfile", logPath, "--dir", tb.TempDir()}, args...)
	srv.cmd = exec.Command(path, argv...)
	if err := srv.cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- srv.cmd.Wait() }()
	tb.Cleanup(func() {
		_ = srv.cmd.Process.Kill()
		<-exited
	})
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		select {
		case err := <-exited:
			exited <- err // for the cleanup
			data, _ := os.ReadFile(logPath)
			return nil, fmt.Errorf("redis-server exited (%v): %s", err, data)
		default:
		}
		if pingRaw(srv.addr) == nil {
			srv.exited = exited
			return srv, nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil, fmt.Errorf("redis-server on %s did not answer PING within 10s", srv.addr)
}

// pingRaw sends PING over a fresh connection and expects +PONG (or the
// NOAUTH error of a server with a password: it is up).
func pingRaw(addr string) error {
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

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// kill ends the server (SIGKILL) and waits until it has exited.
func (s *redisServer) kill(tb testing.TB) {
	tb.Helper()
	require.NoError(tb, s.cmd.Process.Kill())
	err := <-s.exited
	s.exited <- err // for the cleanup
}

// url returns the server's redis:// URL with database db.
func (s *redisServer) url(db int) string { return fmt.Sprintf("redis://%s/%d", s.addr, db) }

// inspect returns a plain client of the server's database db, to look at
// what the store wrote; closed at cleanup.
func (s *redisServer) inspect(tb testing.TB, db int, password string) *redis.Client {
	tb.Helper()
	c := redis.NewClient(&redis.Options{Addr: s.addr, DB: db, Password: password})
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

func itoa(n int) string { return strconv.Itoa(n) }
