package core

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// loopDriver drives the background loop of a RemoteKeySet with the test
// clock: every delay the loop arms its timer with is reported on armed,
// and fire moves the clock and fires the timer, so that a test sees each
// scheduling decision and never waits for real time.
type loopDriver struct {
	clk   *kitClock
	armed chan time.Duration
	timer *driverTimer // set by the loop before its first arm
}

type driverTimer struct {
	d *loopDriver
	c chan time.Time
}

func newLoopDriver(clk *kitClock) *loopDriver {
	return &loopDriver{clk: clk, armed: make(chan time.Duration, 64)}
}

func (d *loopDriver) newTimer(delay time.Duration) loopTimer {
	d.timer = &driverTimer{d: d, c: make(chan time.Time, 1)}
	d.armed <- delay
	return d.timer
}

func (t *driverTimer) C() <-chan time.Time { return t.c }

func (t *driverTimer) Reset(delay time.Duration) {
	select {
	case <-t.c: // a fire not received: dropped, as time.Timer.Reset does
	default:
	}
	t.d.armed <- delay
}

func (t *driverTimer) Stop() {}

// next waits for the loop to arm its timer and returns the delay.
func (d *loopDriver) next(tb testing.TB) time.Duration {
	tb.Helper()
	select {
	case delay := <-d.armed:
		return delay
	case <-time.After(5 * time.Second):
		tb.Fatal("the loop did not arm its timer")
		return 0
	}
}

// fire moves the clock by delay and fires the loop's timer; the loop then
// fetches (if due) and arms its timer again (see next).
func (d *loopDriver) fire(delay time.Duration) {
	d.clk.Advance(delay)
	d.timer.c <- d.clk.Now()
}

// newDrivenRKS builds a RemoteKeySet whose loop d drives, with a jitter
// source that always draws u; closed at the end of the test.
func newDrivenRKS(tb testing.TB, cfg Config, d *loopDriver, u float64) *RemoteKeySet {
	tb.Helper()
	cfg.Now = d.clk.Now
	cfg = cfg.withDefaults()
	require.NoError(tb, cfg.validateFetching())
	s := cfg.fetchSettings()
	s.newTimer, s.random = d.newTimer, func() float64 { return u }
	r := newRemoteKeySet(s, cfg.JWKSURL, cfg.Issuer)
	tb.Cleanup(func() { _ = r.Close() })
	return r
}

// condIssuer serves a key set with validators and caching headers, and
// answers conditional requests as RFC 9110 §13.2.2 says: If-None-Match
// (weak comparison) first, else If-Modified-Since.
type condIssuer struct {
	mu           sync.Mutex
	doc          []byte
	etag         string
	lastModified time.Time
	cacheControl string
	notModified  int // 304 answers
	full         int // 200 answers
}

func (c *condIssuer) set(doc []byte, etag string, lastModified time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.doc, c.etag, c.lastModified = doc, etag, lastModified
}

func (c *condIssuer) setCacheControl(v string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cacheControl = v
}

func (c *condIssuer) counts() (full, notModified int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.full, c.notModified
}

func (c *condIssuer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	h := w.Header()
	if c.etag != "" {
		h.Set("ETag", c.etag)
	}
	if !c.lastModified.IsZero() {
		h.Set("Last-Modified", c.lastModified.UTC().Format(http.TimeFormat))
	}
	if c.cacheControl != "" {
		h.Set("Cache-Control", c.cacheControl)
	}
	if c.unchanged(r) {
		c.notModified++
		w.WriteHeader(http.StatusNotModified)
		return
	}
	c.full++
	h.Set("Content-Type", "application/jwk-set+json")
	_, _ = w.Write(c.doc)
}

func (c *condIssuer) unchanged(r *http.Request) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		return c.etag != "" && strings.TrimPrefix(inm, "W/") == strings.TrimPrefix(c.etag, "W/")
	}
	ims, err := http.ParseTime(r.Header.Get("If-Modified-Since"))
	return err == nil && !c.lastModified.IsZero() && !c.lastModified.Truncate(time.Second).After(ims)
}

// fetchLog records the Observer's Fetch events.
type fetchLog struct {
	mu     sync.Mutex
	events []Fetch
}

func (l *fetchLog) observer() *Observer {
	return &Observer{Fetch: func(_ context.Context, f Fetch) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.events = append(l.events, f)
	}}
}

func (l *fetchLog) all() []Fetch {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Fetch(nil), l.events...)
}

func TestRemoteKeySetConditionalRefresh(t *testing.T) {
	noLeaks(t)
	k1, k2 := newRKSKey(t, "ec", "cond-1"), newRKSKey(t, "ec", "cond-2")
	clk := newKitClock()
	lm := clk.Now().Add(-24 * time.Hour)
	issuer := &condIssuer{}
	issuer.set(rksJWKS(t, k1), `W/"v1"`, lm)
	issuer.setCacheControl("public, max-age=600")
	srv := newRKSServer(t, issuer.ServeHTTP)
	var fetches fetchLog
	cfg := rksConfig(srv.URL, clk)
	cfg.Observer = fetches.observer()
	d := newLoopDriver(clk)
	r := newDrivenRKS(t, cfg, d, 0.5)

	require.Equal(t, time.Duration(0), d.next(t), "the first fetch at once")
	d.fire(0)
	assert.Equal(t, 9*time.Minute, d.next(t), "max-age 600s, 10% early (u = 0.5 of the 20% jitter)")
	requireKey(t, r, k1)
	first, _ := r.Keys(context.Background(), k1.kid)
	first0 := r.snap.Load().fetchedAt

	d.fire(9 * time.Minute)
	assert.Equal(t, 9*time.Minute, d.next(t))
	h := srv.seenHeaders()
	require.Len(t, h, 2)
	assert.Empty(t, h[0].Get("If-None-Match"), "the first request is unconditional")
	assert.Empty(t, h[0].Get("If-Modified-Since"))
	assert.Equal(t, `W/"v1"`, h[1].Get("If-None-Match"), "the weak ETag is sent back")
	assert.Equal(t, lm.UTC().Format(http.TimeFormat), h[1].Get("If-Modified-Since"))
	full, notModified := issuer.counts()
	assert.Equal(t, 1, full)
	assert.Equal(t, 1, notModified)
	again, _ := r.Keys(context.Background(), k1.kid)
	assert.Same(t, first[0], again[0], "a 304 keeps the set as it is")
	assert.Equal(t, first0.Add(9*time.Minute), r.snap.Load().fetchedAt, "a 304 restarts the age of the set")

	// The set stays usable CacheTTL after the 304, not after the 200.
	clk.Advance(rksTTL)
	requireKey(t, r, k1)
	assert.Equal(t, int64(2), srv.requests(), "a usable set answers without fetching")

	// A new set: the conditional request gets a 200.
	issuer.set(rksJWKS(t, k1, k2), `"v2"`, clk.Now())
	d.fire(0)
	d.next(t)
	requireKey(t, r, k2)
	assert.Equal(t, `W/"v1"`, srv.seenHeaders()[2].Get("If-None-Match"))
	d.fire(9 * time.Minute)
	d.next(t)
	assert.Equal(t, `"v2"`, srv.seenHeaders()[3].Get("If-None-Match"), "the validators of the new set")

	var statuses []int
	for _, f := range fetches.all() {
		assert.Equal(t, FetchKeySet, f.Kind)
		assert.NoError(t, f.Err)
		statuses = append(statuses, f.Status)
	}
	assert.Equal(t, []int{200, 304, 200, 304}, statuses, "a 304 is reported with its status and no error")
}

func TestRemoteKeySetIfModifiedSinceOnly(t *testing.T) {
	k := newRKSKey(t, "ec", "ims-1")
	clk := newKitClock()
	issuer := &condIssuer{}
	issuer.set(rksJWKS(t, k), "", clk.Now().Add(-time.Hour))
	srv := newRKSServer(t, issuer.ServeHTTP)
	r := newRKS(t, rksConfig(srv.URL, clk))
	srv.waitRequests(t, 1)
	requireKey(t, r, k)

	require.NoError(t, r.Refresh(context.Background()))
	h := srv.seenHeaders()[1]
	assert.Empty(t, h.Get("If-None-Match"))
	assert.NotEmpty(t, h.Get("If-Modified-Since"))
	full, notModified := issuer.counts()
	assert.Equal(t, [2]int{1, 1}, [2]int{full, notModified})
	requireKey(t, r, k)
}

// TestRemoteKeySetValidatorsDropped: validators come only from a 200 whose
// body was accepted; a refused body makes the next request unconditional.
func TestRemoteKeySetValidatorsDropped(t *testing.T) {
	k := newRKSKey(t, "ec", "drop-1")
	good := rksJWKS(t, k)
	withETag := func(etag string, body []byte) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("ETag", etag)
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(body)
		}
	}
	cases := map[string]http.HandlerFunc{
		"not a key set":   withETag(`"bad"`, []byte(`{"keys":[`)),
		"no usable key":   withETag(`"bad"`, []byte(`{"keys":[]}`)),
		"larger than cap": withETag(`"bad"`, append(good, make([]byte, 8192)...)),
	}
	for name, bad := range cases {
		t.Run(name, func(t *testing.T) {
			srv := newRKSServer(t, withETag(`"v1"`, good))
			cfg := rksConfig(srv.URL, newKitClock())
			cfg.MaxJWKSBytes = 4096
			r := newRKS(t, cfg)
			srv.waitRequests(t, 1)
			requireKey(t, r, k)

			srv.serve(bad)
			require.Error(t, r.Refresh(context.Background()))
			assert.Equal(t, `"v1"`, srv.seenHeaders()[1].Get("If-None-Match"))
			srv.serve(withETag(`"v3"`, good))
			require.NoError(t, r.Refresh(context.Background()))
			assert.Empty(t, srv.seenHeaders()[2].Get("If-None-Match"), "unconditional after a refused body")
			require.NoError(t, r.Refresh(context.Background()))
			assert.Equal(t, `"v3"`, srv.seenHeaders()[3].Get("If-None-Match"))
		})
	}
	t.Run("kept across an outage", func(t *testing.T) {
		srv := newRKSServer(t, withETag(`"v1"`, good))
		r := newRKS(t, rksConfig(srv.URL, newKitClock()))
		srv.waitRequests(t, 1)
		requireKey(t, r, k)
		srv.serve(serveStatus(http.StatusBadGateway, "text/plain", ""))
		require.Error(t, r.Refresh(context.Background()))
		srv.serve(withETag(`"v1"`, good))
		require.NoError(t, r.Refresh(context.Background()))
		assert.Equal(t, `"v1"`, srv.seenHeaders()[2].Get("If-None-Match"), "a 502 says nothing about the set")
	})
	t.Run("no-store", func(t *testing.T) {
		srv := newRKSServer(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cache-Control", "no-store")
			withETag(`"v1"`, good)(w, r)
		})
		r := newRKS(t, rksConfig(srv.URL, newKitClock()))
		srv.waitRequests(t, 1)
		requireKey(t, r, k)
		require.NoError(t, r.Refresh(context.Background()))
		assert.Empty(t, srv.seenHeaders()[1].Get("If-None-Match"), "no-store: nothing of the answer is kept")
	})
	t.Run("absurd validators ignored", func(t *testing.T) {
		srv := newRKSServer(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Last-Modified", "not a date")
			withETag(`"`+strings.Repeat("x", 4096)+`"`, good)(w, r)
		})
		r := newRKS(t, rksConfig(srv.URL, newKitClock()))
		srv.waitRequests(t, 1)
		requireKey(t, r, k)
		require.NoError(t, r.Refresh(context.Background()))
		h := srv.seenHeaders()[1]
		assert.Empty(t, h.Get("If-None-Match"))
		assert.Empty(t, h.Get("If-Modified-Since"))
	})
	t.Run("unsolicited 304 is a failure", func(t *testing.T) {
		srv := newRKSServer(t, serveStatus(http.StatusNotModified, "", ""))
		r := newRKS(t, rksConfig(srv.URL, newKitClock()))
		srv.waitRequests(t, 1)
		err := r.Refresh(context.Background())
		require.Error(t, err)
		assert.Contains(t, err.Error(), "status 304")
		requireUnavailable(t, r, k.kid)
	})
}

// TestRemoteKeySetValidatorsFollowTheURL: a discovery that finds another
// key set URL sends no validators of the old one.
func TestRemoteKeySetValidatorsFollowTheURL(t *testing.T) {
	k, jwks := dvKey(t)
	s := newDVServer(t)
	var mu sync.Mutex
	jwksPath := "/keys1"
	s.route("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		p := jwksPath
		mu.Unlock()
		dvJSON(t, dvMetadata(s.URL, s.URL+p))(w, r)
	})
	var seen []string // If-None-Match of each key set request
	keys := func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.URL.Path+" "+r.Header.Get("If-None-Match"))
		mu.Unlock()
		w.Header().Set("ETag", `"`+strings.TrimPrefix(r.URL.Path, "/")+`"`)
		dvJSON(t, jwks)(w, r)
	}
	s.route("/keys1", keys)
	s.route("/keys2", keys)
	r := newRKS(t, dvConfig(s.URL, newKitClock(), nil))
	dvKeysOK(t, r, k) // the first fetch, at start
	require.NoError(t, r.Refresh(context.Background()))

	s.route("/keys1", dvStatus(http.StatusBadGateway)) // a failed fetch: the next one discovers again
	require.Error(t, r.Refresh(context.Background()))
	mu.Lock()
	jwksPath = "/keys2"
	mu.Unlock()
	require.NoError(t, r.Refresh(context.Background()))
	require.NoError(t, r.Refresh(context.Background()))
	dvKeysOK(t, r, k)

	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{"/keys1 ", "/keys1 \"keys1\"", "/keys2 ", "/keys2 \"keys2\""}, seen)
}

// TestRemoteKeySetSchedule: each scheduling decision of the loop, seen
// through the driven timer, with the jitter source fixed at u = 0.5 (10%
// early, or 10% late for a retry).
func TestRemoteKeySetSchedule(t *testing.T) {
	noLeaks(t)
	k := newRKSKey(t, "ec", "sched-1")
	doc := rksJWKS(t, k)
	withCC := func(cc string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if cc != "" {
				w.Header().Set("Cache-Control", cc)
			}
			serveDoc(doc)(w, r)
		}
	}
	const ri = time.Hour // rksConfig: RefreshInterval 1h, MinRefreshInterval 30s, MaxAgeFloor 5m
	tests := []struct {
		name string
		h    http.HandlerFunc
		want time.Duration
	}{
		{"no caching headers: RefreshInterval", withCC(""), 54 * time.Minute},
		{"max-age within bounds", withCC("max-age=1200"), 18 * time.Minute},
		{"max-age below MaxAgeFloor", withCC("public, max-age=15"), 4*time.Minute + 30*time.Second},
		{"max-age above RefreshInterval", withCC("max-age=86400"), 54 * time.Minute},
		{"no-cache: MaxAgeFloor", withCC("no-cache"), 4*time.Minute + 30*time.Second},
		{"Expires", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Date", "Tue, 01 Dec 2026 10:00:00 GMT")
			w.Header().Set("Expires", "Tue, 01 Dec 2026 10:20:00 GMT")
			serveDoc(doc)(w, r)
		}, 18 * time.Minute},
		{"a failure: MinRefreshInterval, 10% late", serveStatus(http.StatusBadGateway, "text/plain", ""), 33 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newRKSServer(t, tt.h)
			d := newLoopDriver(newKitClock())
			newDrivenRKS(t, rksConfig(srv.URL, d.clk), d, 0.5)
			require.Equal(t, time.Duration(0), d.next(t))
			d.fire(0)
			assert.Equal(t, tt.want, d.next(t))
			assert.Equal(t, int64(1), srv.requests())
		})
	}
	t.Run("a 304 without caching headers keeps the last max-age", func(t *testing.T) {
		issuer := &condIssuer{}
		issuer.set(doc, `"v1"`, time.Time{})
		issuer.setCacheControl("max-age=1200")
		srv := newRKSServer(t, issuer.ServeHTTP)
		d := newLoopDriver(newKitClock())
		newDrivenRKS(t, rksConfig(srv.URL, d.clk), d, 0.5)
		d.next(t)
		d.fire(0)
		require.Equal(t, 18*time.Minute, d.next(t))
		issuer.setCacheControl("")
		d.fire(18 * time.Minute)
		assert.Equal(t, 18*time.Minute, d.next(t))
		_, notModified := issuer.counts()
		assert.Equal(t, 1, notModified)
	})
	t.Run("recovery after failures: back to the periodic refresh", func(t *testing.T) {
		srv := newRKSServer(t, serveStatus(http.StatusServiceUnavailable, "text/plain", ""))
		d := newLoopDriver(newKitClock())
		r := newDrivenRKS(t, rksConfig(srv.URL, d.clk), d, 0.5)
		d.next(t)
		d.fire(0)
		require.Equal(t, 33*time.Second, d.next(t))
		d.fire(33 * time.Second)
		require.Equal(t, 33*time.Second, d.next(t))
		srv.serve(serveDoc(doc))
		d.fire(33 * time.Second)
		assert.Equal(t, ri-6*time.Minute, d.next(t))
		requireKey(t, r, k)
		assert.Equal(t, int64(3), srv.requests())
	})
	t.Run("an on-demand fetch does not move the periodic one", func(t *testing.T) {
		srv := newRKSServer(t, serveDoc(doc))
		d := newLoopDriver(newKitClock())
		r := newDrivenRKS(t, rksConfig(srv.URL, d.clk), d, 0.5)
		d.next(t)
		d.fire(0)
		require.Equal(t, 54*time.Minute, d.next(t))
		d.clk.Advance(10 * time.Minute)
		srv.serve(serveStatus(http.StatusBadGateway, "text/plain", ""))
		requireNoKey(t, r, "unknown") // an on-demand fetch, which fails
		assert.Equal(t, 44*time.Minute, d.next(t), "still due 54m after the good fetch")
	})
}
