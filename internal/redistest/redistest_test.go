package redistest

import (
	"bufio"
	"fmt"
	"net"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// conn is a raw RESP connection to a server: commands as inline lines,
// answers read line by line.
type conn struct {
	net.Conn
	r *bufio.Reader
}

func dial(tb testing.TB, addr string) conn {
	tb.Helper()
	c, err := net.DialTimeout("tcp", addr, time.Second)
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = c.Close() })
	require.NoError(tb, c.SetDeadline(time.Now().Add(5*time.Second)))
	return conn{c, bufio.NewReader(c)}
}

// do sends one inline command and returns the first line of its answer.
func (c conn) do(tb testing.TB, command string) string {
	tb.Helper()
	_, err := c.Write([]byte(command + "\r\n"))
	require.NoError(tb, err)
	line, err := c.r.ReadString('\n')
	require.NoError(tb, err)
	return line
}

// answer sends one inline command and returns the first n lines of its
// answer, without their CRLF.
func (c conn) answer(tb testing.TB, command string, n int) []string {
	tb.Helper()
	lines := []string{strings.TrimSuffix(c.do(tb, command), "\r\n")}
	for len(lines) < n {
		line, err := c.r.ReadString('\n')
		require.NoError(tb, err)
		lines = append(lines, strings.TrimSuffix(line, "\r\n"))
	}
	return lines
}

func TestStartAnswersCommands(t *testing.T) {
	srv := Start(t)
	host, port, err := net.SplitHostPort(srv.Addr())
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1", host)
	assert.Equal(t, "redis://127.0.0.1:"+port+"/3", srv.URL(3))

	c := dial(t, srv.Addr())
	assert.Equal(t, "+PONG\r\n", c.do(t, "PING"))
	assert.Equal(t, "+OK\r\n", c.do(t, "SET greeting hello"))
	assert.Equal(t, []string{"$5", "hello"}, c.answer(t, "GET greeting", 2))
	assert.Equal(t, []string{"*2", "$4", "save", "$0", ""}, c.answer(t, "CONFIG GET save", 5), "no snapshots")
	assert.Equal(t, []string{"*2", "$10", "appendonly", "$2", "no"}, c.answer(t, "CONFIG GET appendonly", 5), "no append-only file")
}

func TestStartPassesArguments(t *testing.T) {
	srv := Start(t, "--requirepass", "s3cret")
	c := dial(t, srv.Addr())
	assert.Contains(t, c.do(t, "PING"), "-NOAUTH", "the password is required")
	assert.Equal(t, "+OK\r\n", c.do(t, "AUTH s3cret"))
	assert.Equal(t, "+PONG\r\n", c.do(t, "PING"))
}

func TestKillEndsTheServer(t *testing.T) {
	srv := Start(t)
	srv.Kill(t)
	require.NotNil(t, srv.cmd.ProcessState, "Kill waited for the exit")
	_, err := net.DialTimeout("tcp", srv.Addr(), time.Second)
	assert.Error(t, err, "nothing listens after Kill")
}

func TestCleanupWaitsForTheExit(t *testing.T) {
	var srv *Server
	t.Run("start", func(t *testing.T) { srv = Start(t) })
	require.NotNil(t, srv)
	require.NotNil(t, srv.cmd.ProcessState, "the cleanup waited for the exit")
	assert.False(t, srv.cmd.ProcessState.Success(), "killed: %v", srv.cmd.ProcessState)
	_, err := net.DialTimeout("tcp", srv.Addr(), time.Second)
	assert.Error(t, err, "nothing listens after the cleanup")
}

// A server that cannot listen exits at once: start says why, with its
// log, and Start tries another port.
func TestStartOnATakenPort(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	accepting := make(chan struct{})
	go func() { // hang up on start's PINGs at once
		defer close(accepting)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()
	defer func() { _ = l.Close(); <-accepting }()

	srv, err := start(t, binary(t), port, nil)
	assert.Nil(t, srv)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "redis-server exited")
	assert.Contains(t, err.Error(), strconv.Itoa(port), "the log names the port it could not take")
}

// endingTB records how a test was ended and ends the goroutine, as
// testing.T's Skipf and Fatalf do.
type endingTB struct {
	testing.TB
	how, msg string
}

func (e *endingTB) Skipf(format string, args ...any)  { e.end("skip", format, args) }
func (e *endingTB) Fatalf(format string, args ...any) { e.end("fatal", format, args) }

func (e *endingTB) end(how, format string, args []any) {
	e.how, e.msg = how, fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestWithoutRedisServer(t *testing.T) {
	for _, tc := range []struct{ ci, want string }{{"true", "fatal"}, {"", "skip"}, {"false", "skip"}} {
		t.Run("CI="+tc.ci, func(t *testing.T) {
			t.Setenv("PATH", t.TempDir())
			t.Setenv("CI", tc.ci)
			tb := &endingTB{TB: t}
			done := make(chan struct{})
			go func() {
				defer close(done)
				Start(tb)
				tb.how = "returned"
			}()
			<-done
			assert.Equal(t, tc.want, tb.how)
			assert.Contains(t, tb.msg, "redis-server is not on PATH")
			assert.Contains(t, tb.msg, "apt-get install redis-server")
		})
	}
}

func TestFreePort(t *testing.T) {
	port := FreePort(t)
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	require.NoError(t, err, "the port can be listened on")
	require.NoError(t, l.Close())
}
