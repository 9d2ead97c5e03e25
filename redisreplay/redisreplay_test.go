package redisreplay

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/internal/redistest"
)

func TestMain(m *testing.M) {
	redis.SetLogger(quietLogger{}) // the failed dials the outage tests cause on purpose
	goleak.VerifyTestMain(m)
}

type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}

// slack is what a loaded test machine may add to a timeout before an
// error is returned; the tests check that an outage is answered within
// the store's timeout plus slack, not after the client's own 3-5 s ones.
const slack = time.Second

// newStore returns a FromURL store, closed at cleanup.
func newStore(tb testing.TB, rawURL string, opts ...Option) *Store {
	tb.Helper()
	s, err := FromURL(rawURL, opts...)
	require.NoError(tb, err)
	tb.Cleanup(func() { assert.NoError(tb, s.Close()) })
	return s
}

// inspect returns a plain client of the database db of srv, to look at
// what a store wrote; closed at cleanup.
func inspect(tb testing.TB, srv *redistest.Server, db int) *redis.Client {
	tb.Helper()
	c := redis.NewClient(&redis.Options{Addr: srv.Addr(), DB: db})
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestClaim(t *testing.T) {
	srv := redistest.Start(t)
	s := newStore(t, srv.URL(0))
	ctx := context.Background()
	expires := time.Now().Add(90 * time.Second)

	first, err := s.Claim(ctx, "key-a", expires)
	require.NoError(t, err)
	assert.True(t, first, "first claim")
	first, err = s.Claim(ctx, "key-a", expires)
	require.NoError(t, err)
	assert.False(t, first, "replay")
	first, err = s.Claim(ctx, "key-b", time.Now().Add(50*time.Millisecond))
	require.NoError(t, err)
	assert.True(t, first, "another key")

	c := inspect(t, srv, 0)
	keys, err := c.Keys(ctx, "*").Result()
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{DefaultPrefix + "key-a", DefaultPrefix + "key-b"}, keys)
	assert.Equal(t, "1", c.Get(ctx, DefaultPrefix+"key-a").Val())
	ttl, err := c.PTTL(ctx, DefaultPrefix+"key-a").Result()
	require.NoError(t, err)
	assert.Greater(t, ttl, 80*time.Second, "the entry lives until its proof's window ends")
	assert.LessOrEqual(t, ttl, 90*time.Second)
	ttl, err = c.PTTL(ctx, DefaultPrefix+"key-b").Result()
	require.NoError(t, err)
	assert.Greater(t, ttl, time.Duration(0))
	assert.LessOrEqual(t, ttl, 50*time.Millisecond)
}

// Two Store values on one Redis are two replicas: a proof accepted by one
// is a replay at the other.
func TestClaimAcrossReplicas(t *testing.T) {
	srv := redistest.Start(t)
	a, b := newStore(t, srv.URL(0)), newStore(t, srv.URL(0))
	ctx := context.Background()
	expires := time.Now().Add(time.Minute)
	for _, step := range []struct {
		store *Store
		key   string
		want  bool
	}{
		{a, "proof-1", true}, {b, "proof-1", false}, {a, "proof-1", false},
		{b, "proof-2", true}, {a, "proof-2", false},
	} {
		first, err := step.store.Claim(ctx, step.key, expires)
		require.NoError(t, err)
		assert.Equal(t, step.want, first, "%s", step.key)
	}
}

func TestConcurrentClaimsHaveOneWinner(t *testing.T) {
	srv := redistest.Start(t)
	replicas := []*Store{newStore(t, srv.URL(0), WithTimeout(10*time.Second)), newStore(t, srv.URL(0), WithTimeout(10*time.Second))}
	var wins atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 100 {
		wg.Go(func() {
			<-start
			first, err := replicas[i%2].Claim(context.Background(), "contested", time.Now().Add(time.Minute))
			assert.NoError(t, err)
			if first {
				wins.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	assert.Equal(t, int32(1), wins.Load())
}

// A claim core.CheckReplayClaim refuses is an error before anything is
// sent: in particular, an expiry already past is never a silent true.
func TestInvalidClaimSendsNothing(t *testing.T) {
	srv := redistest.Start(t)
	s := newStore(t, srv.URL(0))
	for _, tc := range []struct {
		name    string
		key     string
		expires time.Time
	}{
		{"empty key", "", time.Now().Add(time.Minute)},
		{"key too long", strings.Repeat("k", core.MaxReplayKeyLength+1), time.Now().Add(time.Minute)},
		{"expired", "k", time.Now().Add(-time.Second)},
		{"zero time", "k", time.Time{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			first, err := s.Claim(context.Background(), tc.key, tc.expires)
			assert.ErrorIs(t, err, core.ErrInvalidReplayClaim)
			assert.False(t, first)
		})
	}
	n, err := inspect(t, srv, 0).DBSize(context.Background()).Result()
	require.NoError(t, err)
	assert.Zero(t, n)
}

// The prefix separates resource servers on one Redis; the URL's database
// is the one written.
func TestPrefixAndDatabase(t *testing.T) {
	srv := redistest.Start(t)
	a := newStore(t, srv.URL(3), WithPrefix("orders:"))
	b := newStore(t, srv.URL(3), WithPrefix("billing:"))
	expires := time.Now().Add(time.Minute)
	for _, s := range []*Store{a, b} {
		first, err := s.Claim(context.Background(), "same-key", expires)
		require.NoError(t, err)
		assert.True(t, first)
	}
	keys, err := inspect(t, srv, 3).Keys(context.Background(), "*").Result()
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"orders:same-key", "billing:same-key"}, keys)
	n, err := inspect(t, srv, 0).DBSize(context.Background()).Result()
	require.NoError(t, err)
	assert.Zero(t, n)
}

// claimFails asserts that a claim answers an error, not true, within the
// store's timeout (plus slack), and returns the error.
func claimFails(tb testing.TB, s *Store, key string) error {
	tb.Helper()
	start := time.Now()
	first, err := s.Claim(context.Background(), key, time.Now().Add(time.Minute))
	elapsed := time.Since(start)
	require.Error(tb, err)
	assert.False(tb, first)
	assert.Less(tb, elapsed, s.timeout+slack, "answered within the timeout")
	return err
}

func TestOutageIsAnError(t *testing.T) {
	srv := redistest.Start(t)
	s := newStore(t, srv.URL(0), WithTimeout(300*time.Millisecond))
	first, err := s.Claim(context.Background(), "before", time.Now().Add(time.Minute))
	require.NoError(t, err)
	require.True(t, first)

	srv.Kill(t)
	claimFails(t, s, "during")
	claimFails(t, s, "before")
}

func TestClosedPortIsAnError(t *testing.T) {
	s := newStore(t, "redis://127.0.0.1:"+itoa(redistest.FreePort(t))+"/0", WithTimeout(300*time.Millisecond))
	err := claimFails(t, s, "key")
	assert.ErrorIs(t, err, syscall.ECONNREFUSED)
}

func TestPasswordNeverInErrors(t *testing.T) {
	const password = "s3cret-Pa55word"
	srv := redistest.Start(t, "--requirepass", password)
	ctx := context.Background()
	for _, rawURL := range []string{"redis://:" + password + "@" + srv.Addr() + "/0", "redis://default:" + password + "@" + srv.Addr() + "/1"} {
		first, err := newStore(t, rawURL).Claim(ctx, "key", time.Now().Add(time.Minute))
		require.NoError(t, err, "the password is used")
		assert.True(t, first)
	}

	const wrong = "wr0ng-Pa55word"
	errs := map[string]error{
		"wrong password":    claimFails(t, newStore(t, "redis://:"+wrong+"@"+srv.Addr()+"/0"), "key"),
		"no password":       claimFails(t, newStore(t, srv.URL(0)), "key"),
		"closed port":       claimFails(t, newStore(t, "redis://user:"+wrong+"@127.0.0.1:"+itoa(redistest.FreePort(t))+"/0", WithTimeout(300*time.Millisecond)), "key"),
		"password for user": claimFails(t, newStore(t, "redis://nobody:"+password+"@"+srv.Addr()+"/0"), "key"),
	}
	for _, rawURL := range []string{
		"http://user:" + password + "@127.0.0.1:6379/0",
		"unix://user:" + password + "@/tmp/redis.sock",
		"redis://user:" + password + "@127.0.0.1:port/0",
		"redis://:" + password,
		"redis:user:" + password + "@127.0.0.1:6379/0",
		"redis://user:" + password + "@127.0.0.1:6379/db",
		"redis://user:" + password + "@127.0.0.1:6379/0/1",
		"redis://user:" + password + "@127.0.0.1:6379/0?dial_timeout=" + password,
		"redis://user:" + password + "@127.0.0.1:6379/0?unknown=1",
		"redis://user:" + password + "@127.0.0.1:6379/0\x7f",
		"rediss://user:" + password + "@127.0.0.1:6379/0?skip_verify=true",
	} {
		s, err := FromURL(rawURL)
		if !assert.Error(t, err, "%q", rawURL) {
			_ = s.Close()
			continue
		}
		errs[rawURL] = err
	}
	// A password of digits with a / that is not percent-encoded parses as
	// a port, then a path.
	const digits = "73571234"
	for _, rawURL := range []string{
		"redis://user:" + digits + "/x@127.0.0.1:6379/0",
		"redis://user:" + digits + "?x@127.0.0.1:6379/0",
		"redis://user:p@" + digits + "/0@127.0.0.1:6379/0",
	} {
		_, err := FromURL(rawURL)
		if assert.Error(t, err, "%q", rawURL) {
			assert.NotContains(t, err.Error(), digits, "%q", rawURL)
		}
	}
	for name, err := range errs {
		assert.NotContains(t, err.Error(), password, "%s", name)
		assert.NotContains(t, err.Error(), wrong, "%s", name)
	}
}

// The options a URL gives the client, and the ones FromURL adds.
func TestFromURLOptions(t *testing.T) {
	for _, tc := range []struct {
		url, addr, user, password string
		db                        int
		tls                       bool
	}{
		{"redis://127.0.0.1:6380/2", "127.0.0.1:6380", "", "", 2, false},
		{"redis://cache.internal", "cache.internal:6379", "", "", 0, false},
		{"redis://app:pw@cache.internal:6379/0", "cache.internal:6379", "app", "pw", 0, false},
		{"rediss://:pw@cache.internal:6380/1", "cache.internal:6380", "", "pw", 1, true},
	} {
		t.Run(tc.url, func(t *testing.T) {
			s, err := FromURL(tc.url)
			require.NoError(t, err)
			o := s.client.(*redis.Client).Options()
			assert.Equal(t, tc.addr, o.Addr)
			assert.Equal(t, tc.db, o.DB)
			assert.Equal(t, tc.user, o.Username)
			assert.Equal(t, tc.password, o.Password)
			if assert.Equal(t, tc.tls, o.TLSConfig != nil) && tc.tls {
				assert.Equal(t, "cache.internal", o.TLSConfig.ServerName)
				assert.False(t, o.TLSConfig.InsecureSkipVerify)
			}
			assert.True(t, o.ContextTimeoutEnabled, "socket reads and writes end at the Claim's deadline")
			assert.Equal(t, 1, o.DialerRetries)
			assert.Equal(t, DefaultPrefix, s.prefix)
			assert.Equal(t, DefaultTimeout, s.timeout)

			require.NoError(t, s.Close())
			assert.ErrorIs(t, s.client.Ping(context.Background()).Err(), redis.ErrClosed, "Close closes FromURL's client")
		})
	}
}

func TestNewValidates(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer c.Close()
	for name, tc := range map[string]struct {
		client redis.UniversalClient
		opts   []Option
		want   string
	}{
		"nil client":       {nil, nil, "client is nil"},
		"nil *Client":      {(*redis.Client)(nil), nil, "client is nil"},
		"zero timeout":     {c, []Option{WithTimeout(0)}, "must be positive"},
		"negative timeout": {c, []Option{WithTimeout(-time.Second)}, "must be positive"},
	} {
		t.Run(name, func(t *testing.T) {
			s, err := New(tc.client, tc.opts...)
			require.Error(t, err)
			assert.Nil(t, s)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	_, err := FromURL("redis://127.0.0.1:1/0", WithTimeout(0))
	assert.ErrorContains(t, err, "must be positive")

	s, err := New(c, nil, WithPrefix("p:"), WithTimeout(time.Second))
	require.NoError(t, err, "a nil option is ignored")
	assert.Equal(t, "p:", s.prefix)
	assert.Equal(t, time.Second, s.timeout)
}

// A Store of New claims through the caller's client and leaves it open.
func TestNewLeavesClientOpen(t *testing.T) {
	srv := redistest.Start(t)
	c := inspect(t, srv, 0)
	s, err := New(c)
	require.NoError(t, err)
	first, err := s.Claim(context.Background(), "key", time.Now().Add(time.Minute))
	require.NoError(t, err)
	assert.True(t, first)
	require.NoError(t, s.Close())
	assert.NoError(t, c.Ping(context.Background()).Err())
}

// BenchmarkClaim: one new proof a claim, one round trip to a redis-server
// on loopback, serial and from parallel goroutines.
func BenchmarkClaim(b *testing.B) {
	srv := redistest.Start(b)
	s := newStore(b, srv.URL(0))
	ctx := context.Background()
	var next atomic.Int64
	claim := func(b *testing.B) {
		key := "bench-" + itoa(int(next.Add(1)))
		if first, err := s.Claim(ctx, key, time.Now().Add(time.Minute)); err != nil || !first {
			b.Errorf("claim %s: %v %v", key, first, err)
		}
	}
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			claim(b)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				claim(b)
			}
		})
	})
}
