package core

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/axiomsgo/axioms/core/internal/jwkset"
)

const (
	// maxRedirects is the most redirects one key set fetch follows.
	maxRedirects = 3
	// minLoopDelay keeps the background loop from spinning if the clock
	// misbehaves.
	minLoopDelay = 10 * time.Millisecond
)

var errKeySetClosed = errors.New("core: remote key set closed")

// RemoteKeySet is a KeySet fetched from an issuer's JWKS URL (RFC 7517 §5)
// and kept fresh. It is safe for concurrent use. Without a JWKSURL, it finds
// the URL by discovery from the Issuer, as Config.JWKSURL describes, as part
// of its first fetch and again on the first fetch after a failed one.
//
// One background goroutine fetches the set at construction and then
// periodically: after RefreshInterval, or sooner when the key set answer
// says it goes stale sooner (Cache-Control max-age, no-cache or no-store,
// or Expires; RFC 9111 §4.2.1), but never sooner than MaxAgeFloor; each
// period comes up to 20% early at random, so that replicas started
// together do not keep fetching together. After a failed fetch it retries
// after MinRefreshInterval plus up to 20%. A refresh is a conditional
// request (If-None-Match, If-Modified-Since; RFC 9110 §13.1) when the last
// accepted answer from that URL had an ETag or a Last-Modified; a 304
// answer keeps the set and counts as a successful fetch.
//
// Keys refetches on demand when a kid is unknown or no usable set is held,
// and so does a Verifier when the keys of a token's known kid do not verify
// it (a key replaced under the same kid). One fetch is in flight at a time,
// shared by all waiters, and at most one fetch attempt (on demand or
// background, successful or not) is made per MinRefreshInterval. A successful fetch replaces the whole set (a key
// whose kid, alg and public key are unchanged stays the same *PublicKey, so
// the tokens it verified stay in the verified-token cache); a failed one
// keeps the last good set until CacheTTL after it was fetched or last
// confirmed by a 304. While no
// usable set is held, Keys returns an error matching ErrKeysUnavailable whose
// *Error (errors.As) tells, in RetryAfter, when the next fetch is allowed;
// it also matches ErrKeySetMisconfigured when the last fetch failed in a
// way a retry will not fix.
//
// Fetches send no cookies and no credentials, follow at most 3 redirects,
// each to https:// (or http:// on a loopback host, unless an earlier hop was
// https), and read at most MaxJWKSBytes; each request (a discovery document
// or the key set) is bounded by FetchTimeout. The URL is taken from the
// Config, or from the discovery document of the configured issuer; nothing
// in a token ever selects where keys come from.
//
// Call Close to stop the background goroutine.
type RemoteKeySet struct {
	url      string // JWKSURL, checked: no userinfo; "" = discovery from issuer
	issuer   string // Issuer, for discovery
	found    string // JWKS URL found by discovery; "" until found, and after a failed fetch (loop goroutine only)
	client   *http.Client
	ownConn  *http.Transport // transport we created, closed by Close; nil otherwise
	now      func() time.Time
	logger   *slog.Logger
	observer *Observer
	drops    dropLog // logs dropped keys once (loop goroutine only)

	// Loop goroutine only: what the last fetches learnt.
	foundIn   string     // discovery document that gave found; "" for the fallback URL
	cond      validators // of the last accepted 200 answer; dropped when a 200 body is refused
	fresh     freshness  // of the last good answer, kept by a 304 that carries none
	refreshAt time.Time  // when the next periodic fetch is due; zero before the first good one
	misconfig string     // the misconfiguration logged last, "" after a good fetch

	refreshInterval time.Duration
	cacheTTL        time.Duration
	minInterval     time.Duration
	maxAgeFloor     time.Duration
	random          func() float64                // jitter source, uniform in [0, 1)
	newTimer        func(time.Duration) loopTimer // the loop's timer
	fetchTimeout    time.Duration
	maxBytes        int64
	maxKeys         int
	maxRSABits      int

	snap atomic.Pointer[snapshot] // last good set; nil until the first success

	mu          sync.Mutex
	inflight    *fetchCall    // the fetch pending or running, nil when none
	attempted   bool          // whether lastAttempt is set
	lastAttempt time.Time     // start of the latest fetch attempt (cfg.Now)
	lastErr     error         // result of the latest fetch attempt
	retryAt     time.Time     // when the loop retries after the latest attempt, if it failed
	settled     chan struct{} // closed, and replaced, when a fetch attempt ends (WaitReady)
	closed      bool

	trigger   chan struct{} // wakes the loop for an on-demand fetch
	ctx       context.Context
	cancel    context.CancelFunc
	done      chan struct{} // closed when the loop has exited
	closeOnce sync.Once
}

// snapshot is one immutable fetched key set.
type snapshot struct {
	ix        *keyIndex
	fetchedAt time.Time
}

// fetchCall is one fetch attempt that callers wait for.
type fetchCall struct {
	done chan struct{}
	err  error // set before done is closed
}

// NewRemoteKeySet builds the key set NewVerifier would build from cfg: it
// uses JWKSURL (default: discovery from Issuer), RefreshInterval,
// CacheTTL, MinRefreshInterval, MaxAgeFloor, FetchTimeout, MaxJWKSBytes,
// MaxKeys, MaxRSABits, HTTPClient, Now, Logger and Observer, with their
// documented defaults.
// It fails only on a bad setting (for example an http:// URL on a
// non-loopback host); it never waits for the network and succeeds while the
// issuer is down. The first fetch starts at once in the background.
func NewRemoteKeySet(cfg Config) (*RemoteKeySet, error) {
	cfg = cfg.withDefaults()
	if err := cfg.checkKeySource(); err != nil {
		return nil, err
	}
	if err := cfg.validateFetching(); err != nil {
		return nil, err
	}
	return newRemoteKeySet(cfg.fetchSettings(), cfg.JWKSURL, cfg.Issuer), nil
}

// newRemoteKeySet starts a key set for jwksURL (or, when it is empty, for
// discovery from issuer) with checked settings.
func newRemoteKeySet(s fetchSettings, jwksURL, issuer string) *RemoteKeySet {
	r := &RemoteKeySet{
		url:             jwksURL,
		issuer:          issuer,
		now:             s.now,
		logger:          s.logger,
		observer:        s.observer,
		drops:           dropLog{logger: s.logger},
		refreshInterval: s.refreshInterval,
		cacheTTL:        s.cacheTTL,
		minInterval:     s.minInterval,
		maxAgeFloor:     s.maxAgeFloor,
		random:          s.random,
		newTimer:        s.newTimer,
		fetchTimeout:    s.timeout,
		maxBytes:        s.maxBytes,
		maxKeys:         s.maxKeys,
		maxRSABits:      s.maxRSABits,
		settled:         make(chan struct{}),
		trigger:         make(chan struct{}, 1),
		done:            make(chan struct{}),
	}
	if r.random == nil {
		r.random = defaultRandom
	}
	if r.newTimer == nil {
		r.newTimer = newStdTimer
	}
	r.client, r.ownConn = newFetchClient(s.client, s.timeout)
	r.ctx, r.cancel = context.WithCancel(context.Background())
	go r.run()
	return r
}

// newFetchClient copies the user's client (or builds one with a dedicated
// transport) and applies our policy: a timeout, no cookie jar, and our
// redirect check. The user's client is not modified.
func newFetchClient(user *http.Client, timeout time.Duration) (*http.Client, *http.Transport) {
	c := &http.Client{}
	var own *http.Transport
	if user != nil {
		*c = *user
	} else if dt, ok := http.DefaultTransport.(*http.Transport); ok {
		own = dt.Clone()
		own.ResponseHeaderTimeout = timeout
		c.Transport = own
	}
	if c.Timeout <= 0 {
		c.Timeout = timeout
	}
	c.Jar = nil
	c.CheckRedirect = checkRedirect
	return c, own
}

// checkRedirect allows at most maxRedirects redirects, each to a URL that
// passes checkURL, and never from https to http. A refused redirect is a
// misconfiguration.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > maxRedirects {
		return misconfigured(fmt.Errorf("more than %d redirects", maxRedirects), fixRedirect)
	}
	if err := checkURL(req.URL); err != nil {
		return misconfigured(fmt.Errorf("redirect refused: %w", err), fixRedirect)
	}
	if !strings.EqualFold(req.URL.Scheme, "https") {
		for _, prev := range via {
			if strings.EqualFold(prev.URL.Scheme, "https") {
				return misconfigured(fmt.Errorf("redirect refused: https to http downgrade (%s)", req.URL.Redacted()), fixRedirect)
			}
		}
	}
	return nil
}

// Keys implements KeySet. A kid found in a set fetched less than CacheTTL ago
// is answered from memory (no lock, no allocation). Otherwise Keys waits for
// a fetch (rate-limited, see RemoteKeySet) or until ctx is done, then
// answers from the current set: nil, nil for a kid that is still unknown, or
// an error matching ErrKeysUnavailable when no set younger than CacheTTL is
// held, or when ctx ends while waiting (then it also matches ctx.Err()).
// A kid longer than 256 bytes is never looked up (nil, nil).
func (r *RemoteKeySet) Keys(ctx context.Context, kid string) ([]*PublicKey, error) {
	if len(kid) > maxKIDBytes {
		return nil, nil
	}
	if s := r.snap.Load(); s != nil && r.usable(s, r.now()) {
		if keys := s.ix.lookup(kid); len(keys) > 0 {
			return keys, nil
		}
	}
	return r.refreshKeys(ctx, kid)
}

// refreshKeys implements keyRefresher: it waits for a fetch if one is in
// flight or allowed (rate-limited, see RemoteKeySet) or until ctx is done,
// then answers as Keys does from the current set. The Verifier calls it
// when a token's kid is known but its keys do not verify the token, so that
// a key replaced under the same kid is found like an unknown kid.
func (r *RemoteKeySet) refreshKeys(ctx context.Context, kid string) ([]*PublicKey, error) {
	if c := r.fetchIfAllowed(); c != nil {
		select {
		case <-c.done:
		case <-ctx.Done():
			return nil, r.unavailable(ctx.Err())
		}
	}
	if err := r.ready(); err != nil {
		return nil, err
	}
	return r.snap.Load().ix.lookup(kid), nil
}

// Refresh fetches the key set now and reports the result. It is an operator
// action: it ignores MinRefreshInterval, but joins a fetch already in flight
// rather than starting a second one, and it counts as an attempt for the
// rate limit of Keys. A failed refresh keeps the last good set. Refresh
// returns early with ctx.Err() when ctx ends, and fails after Close.
func (r *RemoteKeySet) Refresh(ctx context.Context) error {
	c := r.fetchNow()
	if c == nil {
		return errKeySetClosed
	}
	select {
	case <-c.done:
		return c.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops the background refresh, cancelling a fetch in flight, and
// waits for it to end. Keys keeps answering from the last fetched set (until
// it is older than CacheTTL) but never fetches again. Close is idempotent
// and always returns nil.
func (r *RemoteKeySet) Close() error {
	r.closeOnce.Do(func() {
		r.mu.Lock()
		r.closed = true
		r.mu.Unlock()
		r.cancel()
	})
	<-r.done
	if r.ownConn != nil {
		r.ownConn.CloseIdleConnections()
	}
	return nil
}

// usable reports whether s may still be used at now.
func (r *RemoteKeySet) usable(s *snapshot, now time.Time) bool {
	return now.Sub(s.fetchedAt) <= r.cacheTTL
}

// fetchNow returns the fetch to wait for: the one in flight, else a new
// one, whatever the rate limit; nil after Close. The background loop runs
// it.
func (r *RemoteKeySet) fetchNow() *fetchCall { return r.startFetch(false) }

// fetchIfAllowed is fetchNow within the rate limit: nil when the last
// attempt was less than MinRefreshInterval ago and no fetch is in flight.
func (r *RemoteKeySet) fetchIfAllowed() *fetchCall { return r.startFetch(true) }

func (r *RemoteKeySet) startFetch(rateLimited bool) *fetchCall {
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	if r.inflight != nil {
		return r.inflight
	}
	if rateLimited && r.attempted && now.Sub(r.lastAttempt) < r.minInterval {
		return nil
	}
	r.inflight = &fetchCall{done: make(chan struct{})}
	r.attempted, r.lastAttempt = true, now
	select {
	case r.trigger <- struct{}{}:
	default: // the loop is already woken
	}
	return r.inflight
}

// run is the background loop: it performs every fetch, periodic or on
// demand, until Close.
func (r *RemoteKeySet) run() {
	defer close(r.done)
	defer r.shutdown()
	timer := r.newTimer(0) // first fetch at once
	defer timer.Stop()
	for {
		select {
		case <-r.ctx.Done():
			return
		case <-r.trigger:
		case <-timer.C():
			r.fetchIfAllowed()
			select {
			case <-r.trigger: // the wake-up that fetch sent; runPending runs it below
			default:
			}
		}
		if r.ctx.Err() != nil {
			return
		}
		r.runPending()
		timer.Reset(r.untilDue())
	}
}

// runPending performs the pending fetch, if any, and wakes its waiters.
func (r *RemoteKeySet) runPending() {
	r.mu.Lock()
	c := r.inflight
	r.mu.Unlock()
	if c == nil {
		return
	}
	err := r.fetch()
	r.mu.Lock()
	r.inflight, r.lastErr = nil, err
	if err != nil {
		r.retryAt = r.lastAttempt.Add(retryDelay(r.minInterval, r.random()))
	}
	close(r.settled)
	r.settled = make(chan struct{})
	r.mu.Unlock()
	c.err = err
	close(c.done)
}

// shutdown fails a fetch that was requested but will never run, and wakes
// WaitReady.
func (r *RemoteKeySet) shutdown() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	close(r.settled)
	if c := r.inflight; c != nil {
		r.inflight = nil
		c.err = errKeySetClosed
		close(c.done)
	}
}

// untilDue returns how long the loop sleeps before its next fetch: until
// the periodic refresh the last good fetch scheduled (refreshDelay), but
// never before MinRefreshInterval after the last attempt, nor, after a
// failure, before its retry time (retryDelay).
func (r *RemoteKeySet) untilDue() time.Duration {
	now := r.now()
	r.mu.Lock()
	due := r.lastAttempt.Add(r.minInterval)
	if r.lastErr != nil {
		due = r.retryAt
	}
	attempted := r.attempted
	r.mu.Unlock()
	if !attempted {
		return minLoopDelay
	}
	if r.refreshAt.After(due) {
		due = r.refreshAt
	}
	return max(due.Sub(now), minLoopDelay)
}

// fetch performs one fetch (after discovery, when the JWKS URL is not known)
// and, on success, installs the new set, in which every key equal to one of
// the previous set is that previous *PublicKey (keepIdentity), or, on a
// 304, the same set again with its age restarted. Failures are logged; the
// last good set is kept. A failed fetch makes the next one discover again.
func (r *RemoteKeySet) fetch() error {
	jwksURL, err := r.jwksURL()
	if err != nil {
		err = fmt.Errorf("core: discovery for %s: %w", r.issuer, err)
		r.logFailure("axioms: discovery failed", "", err)
		return err
	}
	ans, err := r.download(jwksURL)
	if err != nil {
		r.found = ""
		err = fmt.Errorf("core: JWKS fetch %s: %w", jwksURL, err)
		r.logFailure("axioms: JWKS fetch failed", jwksURL, err)
		return err
	}
	r.install(ans)
	r.misconfig = ""
	r.logger.Debug("axioms: JWKS fetched", slog.String("url", jwksURL), slog.Int("keys", len(r.snap.Load().ix.all)),
		slog.Bool("not_modified", ans.notModified), slog.Time("next", r.refreshAt))
	return nil
}

// install makes the answer of a good fetch the current set, and schedules
// the next periodic fetch.
func (r *RemoteKeySet) install(ans keySetAnswer) {
	now := r.now()
	prev := r.snap.Load()
	var prevIx *keyIndex
	if prev != nil {
		prevIx = prev.ix
	}
	ix := prevIx
	if ans.notModified {
		if !ans.fresh.known { // a 304 without caching headers: the stored ones still apply
			ans.fresh = r.fresh
		}
		if ans.fresh.noStore {
			r.cond = validators{}
		}
	} else {
		ix, r.cond = newKeyIndex(prevIx.keepIdentity(ans.keys)), ans.cond
	}
	r.fresh = ans.fresh
	r.refreshAt = now.Add(refreshDelay(ans.fresh, r.maxAgeFloor, r.refreshInterval, r.random()))
	r.snap.Store(&snapshot{ix: ix, fetchedAt: now})
}

// logFailure logs a failed fetch (not while shutting down): a
// misconfiguration at Error level with its fix, once until it changes or
// a fetch succeeds (at Debug level when repeated); an outage at Warn
// level.
func (r *RemoteKeySet) logFailure(msg, jwksURL string, err error) {
	if r.ctx.Err() != nil {
		return
	}
	attrs := []any{slog.String("issuer", r.issuer)}
	if jwksURL != "" {
		attrs = append(attrs, slog.String("url", jwksURL))
	}
	attrs = append(attrs, slog.String("reason", err.Error()))
	fix := fixOf(err)
	switch {
	case fix == "":
		r.logger.Warn(msg, attrs...)
	case err.Error() == r.misconfig:
		r.logger.Debug(msg, attrs...)
	default:
		r.misconfig = err.Error()
		r.logger.Error("axioms: key set misconfigured", append(attrs, slog.String("fix", fix))...)
	}
}

// jwksURL returns the configured JWKS URL, else the one discovery found,
// discovering it first when needed.
func (r *RemoteKeySet) jwksURL() (string, error) {
	if r.url != "" {
		return r.url, nil
	}
	if r.found == "" {
		u, err := r.discover()
		if err != nil {
			return "", err
		}
		r.found = u
	}
	return r.found, nil
}

// jwksAccept is the Accept header of key set requests (RFC 7517 §8.5).
const jwksAccept = "application/jwk-set+json, application/json"

// keySetAnswer is a key set fetch that succeeded: keys, or a 304 that
// confirms the set held.
type keySetAnswer struct {
	keys        []*PublicKey // nil for a 304
	notModified bool
	cond        validators // of a 200; none under no-store
	fresh       freshness
}

// download GETs the key set, conditionally when the last accepted answer
// from jwksURL had validators, and parses a 200 into at least one usable
// key. A 200 whose body is refused drops the validators, so that the next
// request is unconditional. An answer that a retry will not change is a
// misconfiguration.
func (r *RemoteKeySet) download(jwksURL string) (ans keySetAnswer, err error) {
	start := time.Now()
	resp, err := r.get(jwksURL, jwksAccept, r.cond.forURL(jwksURL))
	defer func() { r.observeFetch(FetchKeySet, jwksURL, resp.status, start, err) }()
	if resp.status == http.StatusOK && err != nil { // body unread or too large
		r.cond = validators{}
	}
	switch {
	case err != nil && resp.status != 0 && !transientStatus(resp.status):
		return ans, misconfigured(err, r.fixKeySetURL(fmt.Sprintf("answers status %d", resp.status)))
	case err != nil:
		return ans, err
	}
	ans.fresh = freshnessOf(resp.header, r.now())
	if resp.status == http.StatusNotModified {
		if r.snap.Load() == nil { // never: validators come with a set
			return keySetAnswer{}, statusError(resp.status)
		}
		ans.notModified = true
		return ans, nil
	}
	if ans.keys, err = r.parse(resp.body, jwksURL); err == nil && len(ans.keys) == 0 {
		err = misconfigured(errors.New("no usable keys"), fixNoUsableKey)
	}
	if err != nil {
		r.cond = validators{}
		if fixOf(err) == "" {
			err = misconfigured(err, r.fixKeySetURL("does not serve a JWK Set this verifier accepts (RFC 7517 §5; "+
				"at most Config.MaxKeys keys)"))
		}
		return keySetAnswer{}, err
	}
	if !ans.fresh.noStore {
		ans.cond = validatorsOf(jwksURL, resp.header)
	}
	return ans, nil
}

// fetchAnswer is an HTTP answer to a fetch.
type fetchAnswer struct {
	status int // 0 without an answer
	header http.Header
	body   []byte // of a 200
}

// get GETs u with the hardened client, within FetchTimeout, conditionally
// when cond holds validators, and returns the answer: the body of a 200,
// at most MaxJWKSBytes, or a 304 when the request was conditional. Another
// status is a statusError; a body over MaxJWKSBytes a misconfiguration.
func (r *RemoteKeySet) get(u, accept string, cond validators) (fetchAnswer, error) {
	ctx, cancel := context.WithTimeout(r.ctx, r.fetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fetchAnswer{}, err
	}
	req.Header.Set("Accept", accept)
	cond.apply(req)
	resp, err := r.client.Do(req)
	if err != nil {
		return fetchAnswer{}, requestError(err)
	}
	defer resp.Body.Close()
	ans := fetchAnswer{status: resp.StatusCode, header: resp.Header}
	switch {
	case resp.StatusCode == http.StatusNotModified && !cond.none():
		return ans, nil
	case resp.StatusCode != http.StatusOK:
		return ans, statusError(resp.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, r.maxBytes+1))
	if err != nil {
		return ans, fmt.Errorf("reading body: %w", requestError(err))
	}
	if int64(len(data)) > r.maxBytes {
		return ans, misconfigured(fmt.Errorf("body larger than %d bytes", r.maxBytes), fixTooLarge)
	}
	ans.body = data
	return ans, nil
}

// parse parses a key set document; a panic in the parser becomes an error
// so that a hostile document cannot stop the process.
func (r *RemoteKeySet) parse(data []byte, source string) (keys []*PublicKey, err error) {
	defer func() {
		if p := recover(); p != nil {
			keys, err = nil, fmt.Errorf("parsing: internal error: %v", p)
		}
	}()
	keys, err = parseKeys(data, jwkset.Limits{MaxKeys: r.maxKeys, MaxRSABits: r.maxRSABits}, &r.drops, source)
	if err != nil {
		return nil, fmt.Errorf("parsing: %w", err)
	}
	return keys, nil
}

// requestError strips the URL that net/http adds to its errors (the JWKS
// URL is logged separately; a refused redirect names its target itself).
func requestError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// unavailable builds the ErrKeysUnavailable error of Keys: it matches
// ErrKeysUnavailable, errors.As finds the *Error carrying the Retry-After
// hint, and cause (the last fetch error or ctx.Err(), may be nil) stays
// reachable for logs and errors.Is.
func (r *RemoteKeySet) unavailable(cause error) error {
	e := keysUnavailable(r.retryAfter())
	if cause == nil {
		return e
	}
	return &unavailableError{err: e, cause: cause}
}

// retryAfter returns the time until the next fetch attempt is allowed (0
// while a fetch is running); keysUnavailable rounds it for Retry-After.
func (r *RemoteKeySet) retryAfter() time.Duration {
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.inflight != nil || !r.attempted {
		return 0
	}
	return r.lastAttempt.Add(r.minInterval).Sub(now)
}

// ready is nil when the set holds keys younger than CacheTTL, else the
// ErrKeysUnavailable error Keys would return; it never fetches.
func (r *RemoteKeySet) ready() error {
	if s := r.snap.Load(); s != nil && r.usable(s, r.now()) {
		return nil
	}
	r.mu.Lock()
	cause := r.lastErr
	r.mu.Unlock()
	return r.unavailable(cause)
}

// waitReady blocks until ready is nil, the key set is closed, or ctx ends,
// and returns ready's answer, with ctx.Err() as well when ctx ended first.
// It never polls: it waits for the end of each fetch attempt, starting one
// whenever the rate limit allows (as Keys does), else waiting for the
// background loop's next one.
func (r *RemoteKeySet) waitReady(ctx context.Context) error {
	for {
		r.mu.Lock()
		settled, closed := r.settled, r.closed
		r.mu.Unlock()
		err := r.ready()
		if err == nil || closed {
			return err
		}
		r.fetchIfAllowed()
		select {
		case <-settled:
		case <-ctx.Done():
			if err := r.ready(); err != nil {
				return fmt.Errorf("%w; waiting ended: %w", err, ctx.Err())
			}
			return nil
		}
	}
}

// unavailableError is a keys-unavailable *Error with its cause.
type unavailableError struct {
	err   *Error
	cause error
}

func (e *unavailableError) Error() string { return ErrKeysUnavailable.Error() + ": " + e.cause.Error() }

func (e *unavailableError) Unwrap() []error { return []error{e.err, e.cause} }
