package core

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The JWKS-at-scale simulation: 100 replicas of a service, each a real
// RemoteKeySet with its own test clock and a driven loop timer
// (loopDriver), fetch from one real loopback issuer over one simulated day
// (or a shorter span) after a deploy that starts them all at once. The issuer rotates its key
// once (it publishes a second key, as providers do before signing with
// it). Each replica's day runs as fast as its fetches allow, in parallel
// with the others: the issuer is a function of the simulated time each
// request carries, so the replicas do not need a common clock. The
// figures are logged and go in docs/operations.md.

const (
	simReplicas = 100
	simDay      = 24 * time.Hour
	// simRotation is when the issuer publishes its new key in a day: off
	// the hour, as a real rotation is.
	simRotation = 10*time.Hour + 17*time.Minute + 23*time.Second
	// simTimeHeader carries the replica's simulated time to the issuer.
	simTimeHeader = "X-Sim-Time"
)

// simFetch is one request the issuer saw.
type simFetch struct {
	replica int
	at      time.Duration // since the deploy
	status  int
	newKey  bool // the answer was a 200 with the rotated set
}

// simIssuer serves /r/{replica}/jwks.json: the key set before the
// rotation, then the rotated one; with validators and max-age unless
// plain, and then answering conditional requests with 304.
type simIssuer struct {
	start        time.Time
	rotation     time.Duration // since start
	plain        bool          // no ETag, Last-Modified nor Cache-Control (as the old client ignored them)
	cacheControl string        // when not plain
	before       []byte
	after        []byte

	mu      sync.Mutex
	fetches []simFetch
}

func (s *simIssuer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ns, err := strconv.ParseInt(r.Header.Get(simTimeHeader), 10, 64)
	replica, err2 := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/r/"), "/jwks.json"))
	if err != nil || err2 != nil {
		http.Error(w, "bad simulation request", http.StatusBadRequest)
		return
	}
	at := time.Unix(0, ns).Sub(s.start)
	doc, etag, modified := s.before, `"v1"`, s.start.Add(-simDay)
	if at >= s.rotation {
		doc, etag, modified = s.after, `W/"v2"`, s.start.Add(s.rotation)
	}
	status := http.StatusOK
	if !s.plain {
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", modified.UTC().Format(http.TimeFormat))
		w.Header().Set("Cache-Control", s.cacheControl)
		if inm := r.Header.Get("If-None-Match"); inm != "" && strings.TrimPrefix(inm, "W/") == strings.TrimPrefix(etag, "W/") {
			status = http.StatusNotModified
		}
	}
	s.mu.Lock()
	s.fetches = append(s.fetches, simFetch{replica: replica, at: at, status: status, newKey: status == http.StatusOK && at >= s.rotation})
	s.mu.Unlock()
	if status == http.StatusNotModified {
		w.WriteHeader(status)
		return
	}
	w.Header().Set("Content-Type", "application/jwk-set+json")
	_, _ = w.Write(doc)
}

// simTransport stamps each request with its replica's simulated time.
type simTransport struct {
	base http.RoundTripper
	now  func() time.Time
}

func (t simTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set(simTimeHeader, strconv.FormatInt(t.now().UnixNano(), 10))
	return t.base.RoundTrip(req)
}

// simScenario is one client behaviour against one issuer.
type simScenario struct {
	plain        bool // the issuer sends no validators nor caching headers
	noJitter     bool
	cacheControl string
	span         time.Duration // simulated; 0: simDay
	rotation     time.Duration // since the deploy; 0: simRotation
}

func (sc simScenario) spanOrDay() time.Duration    { return cmp.Or(sc.span, simDay) }
func (sc simScenario) rotationTime() time.Duration { return cmp.Or(sc.rotation, simRotation) }

// simFigures are the results of one simulated day.
type simFigures struct {
	perReplica     float64 // fetches on the issuer per replica per day (scaled when the span is shorter)
	full, notMod   int     // 200 and 304 answers
	deployHerd     int     // fetches in the first second (every replica starts at once)
	worstSecond    int     // most fetches in any one-second window after the first minute
	worstMinute    int     // the same over one minute
	rotationSecond int     // most downloads of the rotated set in any one second
	pickupMin      time.Duration
	pickupMedian   time.Duration
	pickupMax      time.Duration
}

func (f simFigures) String() string {
	return fmt.Sprintf("%.1f fetches/replica/day (%d full, %d 304); deploy herd %d/s; worst after it %d/s, %d/min; "+
		"rotation: %d downloads/s at worst, new key picked up after %s (min) / %s (median) / %s (max), spread %s",
		f.perReplica, f.full, f.notMod, f.deployHerd, f.worstSecond, f.worstMinute, f.rotationSecond,
		f.pickupMin, f.pickupMedian, f.pickupMax, f.pickupMax-f.pickupMin)
}

// runSimulation runs one simulated day of simReplicas replicas.
func runSimulation(t *testing.T, sc simScenario) simFigures {
	t.Helper()
	k1, k2 := newRKSKey(t, "ec", "sim-1"), newRKSKey(t, "ec", "sim-2")
	start := newKitClock().Now()
	issuer := &simIssuer{start: start, rotation: sc.rotationTime(), plain: sc.plain, cacheControl: sc.cacheControl,
		before: rksJWKS(t, k1), after: rksJWKS(t, k1, k2)}
	srv := httptest.NewServer(issuer)
	base := &http.Transport{MaxIdleConnsPerHost: simReplicas}
	t.Cleanup(func() {
		srv.Close()
		base.CloseIdleConnections()
	})

	replicas := make([]*RemoteKeySet, simReplicas)
	var wg sync.WaitGroup
	for i := range simReplicas {
		d := newLoopDriver(newKitClock())
		cfg := rksConfig(fmt.Sprintf("%s/r/%d/jwks.json", srv.URL, i), d.clk)
		cfg.RefreshInterval, cfg.MinRefreshInterval, cfg.CacheTTL, cfg.MaxAgeFloor = 0, 0, 0, 0 // the defaults
		cfg.HTTPClient = &http.Client{Transport: simTransport{base: base, now: d.clk.Now}}
		u := rand.New(rand.NewPCG(2026, uint64(i))).Float64
		if sc.noJitter {
			u = func() float64 { return 0 }
		}
		cfg.Now = d.clk.Now
		cfg = cfg.withDefaults()
		s := cfg.fetchSettings()
		s.newTimer, s.random = d.newTimer, u
		replicas[i] = newRemoteKeySet(s, cfg.JWKSURL, "")
		wg.Go(func() { simulateDay(t, d, start.Add(sc.spanOrDay())) })
	}
	wg.Wait()
	for _, r := range replicas {
		requireKey(t, r, k2)
		require.NoError(t, r.Close())
	}
	issuer.mu.Lock()
	defer issuer.mu.Unlock()
	return simFiguresOf(issuer.fetches, sc.spanOrDay(), sc.rotationTime())
}

// simulateDay fires a replica's loop timer at each time it asks for, until
// the end of the day.
func simulateDay(t *testing.T, d *loopDriver, end time.Time) {
	for {
		var delay time.Duration
		select {
		case delay = <-d.armed:
		case <-time.After(10 * time.Second):
			t.Error("a replica's loop did not arm its timer")
			return
		}
		if !d.clk.Now().Add(delay).Before(end) {
			return
		}
		d.fire(delay)
	}
}

// simFiguresOf computes the figures of the fetches of a span with a
// rotation.
func simFiguresOf(fetches []simFetch, span, rotation time.Duration) simFigures {
	var f simFigures
	f.perReplica = float64(len(fetches)) / simReplicas * float64(simDay) / float64(span)
	var times, rotated []time.Duration
	pickup := map[int]time.Duration{}
	for _, x := range fetches {
		switch x.status {
		case http.StatusOK:
			f.full++
		case http.StatusNotModified:
			f.notMod++
		}
		if x.at < time.Second {
			f.deployHerd++
		}
		if x.at >= time.Minute {
			times = append(times, x.at)
		}
		if x.newKey {
			rotated = append(rotated, x.at)
			if p, ok := pickup[x.replica]; !ok || x.at-rotation < p {
				pickup[x.replica] = x.at - rotation
			}
		}
	}
	f.worstSecond, f.worstMinute = worstWindow(times, time.Second), worstWindow(times, time.Minute)
	f.rotationSecond = worstWindow(rotated, time.Second)
	latencies := make([]time.Duration, 0, len(pickup))
	for _, p := range pickup {
		latencies = append(latencies, p)
	}
	slices.Sort(latencies)
	if n := len(latencies); n > 0 {
		f.pickupMin, f.pickupMedian, f.pickupMax = latencies[0], latencies[n/2], latencies[n-1]
	}
	return f
}

// worstWindow is the most times in any window [t, t+w).
func worstWindow(times []time.Duration, w time.Duration) int {
	times = slices.Clone(times)
	slices.Sort(times)
	best, lo := 0, 0
	for hi, t := range times {
		for times[lo] <= t-w {
			lo++
		}
		best = max(best, hi-lo+1)
	}
	return best
}

func TestWorstWindow(t *testing.T) {
	s := time.Second
	assert.Equal(t, 0, worstWindow(nil, s))
	assert.Equal(t, 3, worstWindow([]time.Duration{0, 500 * time.Millisecond, 999 * time.Millisecond, s}, s))
	assert.Equal(t, 2, worstWindow([]time.Duration{10 * s, 0, 10*s + 1}, s), "unsorted input")
}

// TestJWKSAtScale runs the simulation with the defaults (RefreshInterval
// 1h, MinRefreshInterval 30s, MaxAgeFloor 5m) for the new behaviour, over
// one day, against an issuer serving ETag, Last-Modified and a max-age
// longer than RefreshInterval (Entra ID answers max-age=86400, for
// example), so that RefreshInterval applies; and for the old behaviour, a
// fixed period and unconditional GETs, emulated by this code without
// jitter against an issuer without validators nor caching headers (which
// the old code ignored). The old schedule is the same every hour, so its
// run stops after 12 hours (past the rotation), and its fetches per day
// are scaled: every fetch of it is a full download, the costliest kind.
func TestJWKSAtScale(t *testing.T) {
	if testing.Short() {
		t.Skip("about 4000 loopback fetches")
	}
	noLeaks(t)
	old := runSimulation(t, simScenario{plain: true, noJitter: true, span: 12 * time.Hour})
	cur := runSimulation(t, simScenario{cacheControl: "public, max-age=86400"})
	t.Logf("old (fixed 1h period, unconditional): %s", old)
	t.Logf("new, issuer max-age=86400:            %s", cur)

	// The old behaviour: every replica fetches in the same second every
	// hour, a full download each time, and all pick up the new key at once.
	assert.Equal(t, 24.0, old.perReplica)
	assert.Equal(t, 0, old.notMod)
	assert.Equal(t, simReplicas, old.worstSecond, "the hourly herd")
	assert.Equal(t, simReplicas, old.worstMinute)
	assert.Equal(t, simReplicas, old.rotationSecond)
	assert.Equal(t, old.pickupMin, old.pickupMax, "no spread: every replica at the same instant")

	assert.Equal(t, simReplicas, cur.deployHerd, "the first fetch stays immediate")
	assert.Equal(t, 2*simReplicas, cur.full, "one download at start and one after the rotation, per replica")
	assert.GreaterOrEqual(t, float64(cur.notMod)/float64(cur.full+cur.notMod), 0.9, "the rest are 304s")
	assert.Greater(t, cur.perReplica, old.perReplica, "a period up to 20% early")
	assert.Less(t, cur.perReplica, 1.15*old.perReplica, "but at most about 11% more fetches on average")
	assert.LessOrEqual(t, cur.worstSecond, 5, "no herd after the deploy")
	assert.LessOrEqual(t, cur.worstMinute, 20)
	assert.LessOrEqual(t, cur.rotationSecond, 3, "the rotated set is downloaded a few at a time")
	assert.LessOrEqual(t, cur.pickupMax, time.Hour, "within RefreshInterval")
	assert.GreaterOrEqual(t, cur.pickupMax-cur.pickupMin, 30*time.Minute, "replicas are de-synchronised")
}

// TestJWKSAtScaleShortMaxAge: an issuer whose max-age (15 minutes) is
// shorter than RefreshInterval is refreshed at its pace, a few at a time.
// Two simulated hours around a rotation keep the test fast; fetches per
// day are scaled from them.
func TestJWKSAtScaleShortMaxAge(t *testing.T) {
	noLeaks(t)
	f := runSimulation(t, simScenario{cacheControl: "public, max-age=900", span: 2 * time.Hour,
		rotation: time.Hour + 17*time.Minute + 23*time.Second})
	t.Logf("new, issuer max-age=900 (2h scaled to a day): %s", f)
	assert.Equal(t, 2*simReplicas, f.full)
	assert.Greater(t, f.perReplica, 96.0, "every 15 minutes at most")
	assert.Less(t, f.perReplica, 96.0*1.15+12, "about 11% early on average (and the deploy)")
	assert.LessOrEqual(t, f.worstSecond, 6)
	assert.LessOrEqual(t, f.rotationSecond, 4)
	assert.LessOrEqual(t, f.pickupMax, 15*time.Minute, "within max-age")
	assert.GreaterOrEqual(t, f.pickupMax-f.pickupMin, 5*time.Minute, "replicas are de-synchronised")
}

// TestJWKSAtScaleFiguresOf checks the arithmetic of the figures.
func TestJWKSAtScaleFiguresOf(t *testing.T) {
	f := simFiguresOf([]simFetch{
		{0, 0, 200, false}, {1, 0, 200, false},
		{0, time.Hour, 304, false}, {1, time.Hour + 30*time.Second, 304, false},
		{0, simRotation + time.Minute, 200, true}, {1, simRotation + 2*time.Minute, 200, true},
		{1, simRotation + 3*time.Minute, 200, true},
	}, simDay, simRotation)
	assert.InDelta(t, 7.0/simReplicas, f.perReplica, 1e-9)
	assert.Equal(t, 5, f.full)
	assert.Equal(t, 2, f.notMod)
	assert.Equal(t, 2, f.deployHerd)
	assert.Equal(t, 1, f.worstSecond)
	assert.Equal(t, 2, f.worstMinute)
	assert.Equal(t, time.Minute, f.pickupMin)
	assert.Equal(t, 2*time.Minute, f.pickupMax)
}
