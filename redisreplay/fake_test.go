package redisreplay

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeRedis is a loopback server speaking just enough RESP2 to answer
// every SET with setReply: what no real Redis answers to SET NX, to check
// that anything but OK or nil is an error.
func fakeRedis(tb testing.TB, setReply string) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Go(func() { serveFake(c, setReply) })
		}
	})
	tb.Cleanup(func() {
		_ = l.Close()
		mu.Lock()
		for _, c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return l.Addr().String()
}

// serveFake answers the commands of one connection: HELLO is unknown (the
// client falls back to RESP2), SET gets setReply, anything else +OK.
func serveFake(c net.Conn, setReply string) {
	r := bufio.NewReader(c)
	for {
		args, err := readCommand(r)
		if err != nil {
			return
		}
		reply := "+OK\r\n"
		switch strings.ToUpper(args[0]) {
		case "HELLO":
			reply = "-ERR unknown command 'HELLO'\r\n"
		case "SET":
			reply = setReply
		}
		if _, err := io.WriteString(c, reply); err != nil {
			return
		}
	}
}

// readCommand reads one RESP array of bulk strings.
func readCommand(r *bufio.Reader) ([]string, error) {
	n, err := readHeader(r, '*')
	if err != nil {
		return nil, err
	}
	args := make([]string, n)
	for i := range args {
		size, err := readHeader(r, '$')
		if err != nil {
			return nil, err
		}
		buf := make([]byte, size+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, err
		}
		args[i] = string(buf[:size])
	}
	if n == 0 {
		return nil, fmt.Errorf("empty command")
	}
	return args, nil
}

func readHeader(r *bufio.Reader, kind byte) (int, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return 0, err
	}
	if len(line) < 3 || line[0] != kind {
		return 0, fmt.Errorf("unexpected line %q", line)
	}
	return strconv.Atoi(strings.TrimSuffix(line[1:], "\r\n"))
}

func TestUnexpectedReplyIsAnError(t *testing.T) {
	for _, tc := range []struct {
		name, reply string
		want        bool
		wantErr     string
	}{
		{"OK", "+OK\r\n", true, ""},
		{"nil: the key exists", "$-1\r\n", false, ""},
		{"an error reply", "-ERR something\r\n", false, "ERR something"},
		{"read-only replica", "-READONLY You can't write against a read only replica.\r\n", false, "READONLY"},
		{"an integer", ":1\r\n", false, "unexpected reply"},
		{"another status", "+QUEUED\r\n", false, "unexpected reply"},
		{"a bulk string", "$1\r\n1\r\n", false, "unexpected reply"},
		{"an array", "*1\r\n$2\r\nOK\r\n", false, "unexpected reply"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t, "redis://"+fakeRedis(t, tc.reply)+"/0", WithTimeout(5*time.Second))
			first, err := s.Claim(context.Background(), "key", time.Now().Add(time.Minute))
			assert.Equal(t, tc.want, first)
			if tc.wantErr == "" {
				assert.NoError(t, err)
			} else {
				assert.ErrorContains(t, err, tc.wantErr)
			}
		})
	}
}
