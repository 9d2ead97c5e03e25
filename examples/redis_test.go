package examples_test

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// redisServer is a real redis-server on a loopback port, started for one
// test and killed at its cleanup (as in redisreplay's tests).
type redisServer struct{ addr string }

// url is the server's redis:// URL with database db.
func (s redisServer) url(db int) string { return fmt.Sprintf("redis://%s/%d", s.addr, db) }

// startRedis starts redis-server without persistence on a free loopback
// port and returns once it answers PING. Without redis-server on PATH the
// test fails in CI (CI=true: .ci/run installs it) and is skipped elsewhere.
func startRedis(tb testing.TB) redisServer {
	tb.Helper()
	path, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("redis-server is not on PATH: .ci/run installs it (apt-get install redis-server): %v", err)
		}
		tb.Skipf("redis-server is not on PATH (apt-get install redis-server): %v", err)
	}
	var lastErr error
	for range 5 { // another process may take the port between its choice and the start
		srv, err := tryStartRedis(tb, path, freePort(tb))
		if err == nil {
			return srv
		}
		lastErr = err
	}
	tb.Fatalf("redis-server did not start: %v", lastErr)
	return redisServer{}
}

func tryStartRedis(tb testing.TB, path string, port int) (redisServer, error) {
	srv := redisServer{addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port))}
	logPath := filepath.Join(tb.TempDir(), "redis.log")
	cmd := exec.Command(path, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--logfile", logPath, "--dir", tb.TempDir())
	if err := cmd.Start(); err != nil {
		return srv, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	tb.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		select {
		case err := <-exited:
			exited <- err // for the cleanup
			data, _ := os.ReadFile(logPath)
			return srv, fmt.Errorf("redis-server exited (%v): %s", err, data)
		default:
		}
		if pingRedis(srv.addr) == nil {
			return srv, nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return srv, fmt.Errorf("redis-server on %s did not answer PING within 10s", srv.addr)
}

// pingRedis sends PING over a fresh connection and expects +PONG.
func pingRedis(addr string) error {
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
	if line != "+PONG\r\n" {
		return fmt.Errorf("PING answered %q", line)
	}
	return nil
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
