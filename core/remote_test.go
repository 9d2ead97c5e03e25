package core

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// Test intervals: the background loop fetches once at start and then sleeps
// for an hour, so every later fetch is one the test caused.
const (
	rksMin = 30 * time.Second
	rksTTL = 2 * time.Hour
)

// kitClock is the shared injectable test clock (testkit_test.go).

// rksKey is a public key with its kid.
type rksKey struct {
	kid string
	pub crypto.PublicKey
}

var (
	rksPubMu sync.Mutex
	rksPubs  = map[string]crypto.PublicKey{}
)

// newRKSKey returns a fresh public key of kind "rsa" (2048), "ec" (P-256)
// or "ed" (Ed25519), generated once per kid.
func newRKSKey(tb testing.TB, kind, kid string) rksKey {
	tb.Helper()
	rksPubMu.Lock()
	defer rksPubMu.Unlock()
	if pub, ok := rksPubs[kid]; ok {
		return rksKey{kid: kid, pub: pub}
	}
	var pub crypto.PublicKey
	switch kind {
	case "rsa":
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		require.NoError(tb, err)
		pub = &k.PublicKey
	case "ec":
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		require.NoError(tb, err)
		pub = &k.PublicKey
	case "ed":
		p, _, err := ed25519.GenerateKey(rand.Reader)
		require.NoError(tb, err)
		pub = p
	default:
		tb.Fatalf("unknown key kind %q", kind)
	}
	rksPubs[kid] = pub
	return rksKey{kid: kid, pub: pub}
}

// rksJWK renders one public JWK (use "sig") as a JSON object.
func rksJWK(tb testing.TB, k rksKey) map[string]any {
	tb.Helper()
	key, err := jwk.Import(k.pub)
	require.NoError(tb, err)
	require.NoError(tb, key.Set(jwk.KeyIDKey, k.kid))
	require.NoError(tb, key.Set(jwk.KeyUsageKey, "sig"))
	b, err := json.Marshal(key)
	require.NoError(tb, err)
	var m map[string]any
	require.NoError(tb, json.Unmarshal(b, &m))
	return m
}

// rksJWKS renders a JWKS document of keys.
func rksJWKS(tb testing.TB, keys ...rksKey) []byte {
	tb.Helper()
	jwks := make([]any, len(keys))
	for i, k := range keys {
		jwks[i] = rksJWK(tb, k)
	}
	b, err := json.Marshal(map[string]any{"keys": jwks})
	require.NoError(tb, err)
	return b
}

// rksServer is a JWKS endpoint whose behaviour can be switched; it counts
// requests and records their headers.
type rksServer struct {
	*httptest.Server
	behaviour atomic.Pointer[http.HandlerFunc]
	count     atomic.Int64
	hits      chan struct{}
	mu        sync.Mutex
	headers   []http.Header // of every request, in arrival order
	arrivals  []time.Time
}

func newRKSServer(tb testing.TB, h http.HandlerFunc) *rksServer {
	tb.Helper()
	s := &rksServer{hits: make(chan struct{}, 10000)}
	s.serve(h)
	s.Server = httptest.NewServer(http.HandlerFunc(s.handle))
	tb.Cleanup(s.Close)
	return s
}

func newRKSTLSServer(tb testing.TB, h http.HandlerFunc) *rksServer {
	tb.Helper()
	s := &rksServer{hits: make(chan struct{}, 10000)}
	s.serve(h)
	s.Server = httptest.NewTLSServer(http.HandlerFunc(s.handle))
	tb.Cleanup(s.Close)
	return s
}

func (s *rksServer) handle(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.headers = append(s.headers, r.Header.Clone())
	s.arrivals = append(s.arrivals, time.Now())
	s.mu.Unlock()
	s.count.Add(1)
	select {
	case s.hits <- struct{}{}:
	default:
	}
	(*s.behaviour.Load())(w, r)
}

func (s *rksServer) serve(h http.HandlerFunc) { s.behaviour.Store(&h) }

func (s *rksServer) requests() int64 { return s.count.Load() }

// waitRequests waits until the server has received n requests.
func (s *rksServer) waitRequests(tb testing.TB, n int64) {
	tb.Helper()
	timeout := time.After(5 * time.Second)
	for s.count.Load() < n {
		select {
		case <-s.hits:
		case <-timeout:
			tb.Fatalf("server got %d requests, want %d", s.count.Load(), n)
		}
	}
}

func (s *rksServer) seenHeaders() []http.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]http.Header(nil), s.headers...)
}

func (s *rksServer) arrivalTimes() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.arrivals...)
}

// Behaviours.

func serveDoc(doc []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/jwk-set+json")
		_, _ = w.Write(doc)
	}
}

func serveStatus(code int, contentType, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(code)
		_, _ = io.WriteString(w, body)
	}
}

func serveRedirect(to string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, to, http.StatusFound)
	}
}

// serveBlocked never answers until the client gives up or release closes.
func serveBlocked(release <-chan struct{}) http.HandlerFunc {
	return func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}
}

// rksConfig is the Config of most tests: a fake clock, an hour between
// background fetches, 30s between on-demand ones, a 2h cache TTL.
func rksConfig(jwksURL string, clk *kitClock) Config {
	return Config{
		JWKSURL:            jwksURL,
		Now:                clk.Now,
		RefreshInterval:    time.Hour,
		MinRefreshInterval: rksMin,
		CacheTTL:           rksTTL,
		Logger:             slog.New(slog.DiscardHandler),
	}
}

// newRKS builds a RemoteKeySet closed at the end of the test.
func newRKS(tb testing.TB, cfg Config) *RemoteKeySet {
	tb.Helper()
	r, err := NewRemoteKeySet(cfg)
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = r.Close() })
	return r
}

// noLeaks checks, after every other cleanup of the test, that no goroutine
// started by the test is still running. Call it first.
func noLeaks(tb testing.TB) {
	tb.Helper()
	opt := goleak.IgnoreCurrent()
	tb.Cleanup(func() { goleak.VerifyNone(tb, opt) })
}

// requireKey asserts that Keys(kid) returns exactly one key with that kid.
func requireKey(tb testing.TB, r *RemoteKeySet, k rksKey) {
	tb.Helper()
	keys, err := r.Keys(context.Background(), k.kid)
	require.NoError(tb, err)
	require.Len(tb, keys, 1, "kid %q", k.kid)
	assert.Equal(tb, k.kid, keys[0].KeyID())
	assert.True(tb, keys[0].Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(k.pub))
}

// requireNoKey asserts that Keys(kid) returns nil, nil.
func requireNoKey(tb testing.TB, r *RemoteKeySet, kid string) {
	tb.Helper()
	keys, err := r.Keys(context.Background(), kid)
	require.NoError(tb, err)
	require.Empty(tb, keys, "kid %q", kid)
}

// requireUnavailable asserts an ErrKeysUnavailable error and returns its
// Retry-After.
func requireUnavailable(tb testing.TB, r *RemoteKeySet, kid string) time.Duration {
	tb.Helper()
	keys, err := r.Keys(context.Background(), kid)
	require.ErrorIs(tb, err, ErrKeysUnavailable)
	require.Nil(tb, keys)
	var e *Error
	require.ErrorAs(tb, err, &e)
	assert.Equal(tb, "signing keys unavailable", e.Description())
	assert.GreaterOrEqual(tb, e.RetryAfter(), time.Second)
	assert.Equal(tb, e.RetryAfter().Truncate(time.Second), e.RetryAfter(), "whole seconds")
	return e.RetryAfter()
}

func TestRemoteKeySetInitialLoad(t *testing.T) {
	rk, ek, dk := newRKSKey(t, "rsa", "rsa-1"), newRKSKey(t, "ec", "ec-1"), newRKSKey(t, "ed", "ed-1")
	srv := newRKSServer(t, serveDoc(rksJWKS(t, rk, ek, dk)))
	r := newRKS(t, rksConfig(srv.URL, newKitClock()))
	srv.waitRequests(t, 1)

	for _, k := range []rksKey{rk, ek, dk} {
		requireKey(t, r, k)
	}
	all, err := r.Keys(context.Background(), "")
	require.NoError(t, err)
	assert.Len(t, all, 3, `kid "" returns every key`)
	assert.Equal(t, int64(1), srv.requests(), "cache hits do not fetch")

	h := srv.seenHeaders()[0]
	assert.Equal(t, "application/jwk-set+json, application/json", h.Get("Accept"))
	assert.Empty(t, h.Get("Authorization"))
	assert.Empty(t, h.Get("Cookie"))
}

func TestRemoteKeySetRotation(t *testing.T) {
	// J158 new kid appears → one refresh → found; F110/J175 a kid that left
	// the set stops verifying at once.
	oldKey, newKey := newRKSKey(t, "ec", "rot-old"), newRKSKey(t, "ec", "rot-new")
	srv := newRKSServer(t, serveDoc(rksJWKS(t, oldKey)))
	clk := newKitClock()
	r := newRKS(t, rksConfig(srv.URL, clk))
	srv.waitRequests(t, 1)
	requireKey(t, r, oldKey)

	srv.serve(serveDoc(rksJWKS(t, newKey)))
	requireNoKey(t, r, newKey.kid) // within MinRefreshInterval of the first fetch
	assert.Equal(t, int64(1), srv.requests(), "rate-limited")

	clk.Advance(rksMin)
	requireKey(t, r, newKey) // J158: one refresh, found
	assert.Equal(t, int64(2), srv.requests())

	requireNoKey(t, r, oldKey.kid) // F110, J175: gone at once
	assert.Equal(t, int64(2), srv.requests(), "no second fetch within MinRefreshInterval")
}

func TestRemoteKeySetUnknownKidStorm(t *testing.T) {
	// I146/J157: random kids → at most one fetch per MinRefreshInterval.
	k := newRKSKey(t, "ec", "storm-1")
	srv := newRKSServer(t, serveDoc(rksJWKS(t, k)))
	clk := newKitClock()
	r := newRKS(t, rksConfig(srv.URL, clk))
	srv.waitRequests(t, 1)
	requireKey(t, r, k)

	storm := func(round int) {
		var wg sync.WaitGroup
		for i := range 200 {
			wg.Go(func() {
				keys, err := r.Keys(context.Background(), fmt.Sprintf("random-%d-%d", round, i))
				assert.NoError(t, err)
				assert.Nil(t, keys)
			})
		}
		wg.Wait()
	}
	storm(0)
	assert.Equal(t, int64(1), srv.requests(), "the start-up fetch counts against the rate limit")

	clk.Advance(rksMin)
	storm(1)
	assert.Equal(t, int64(2), srv.requests(), "one fetch for 200 unknown kids")
	storm(2)
	assert.Equal(t, int64(2), srv.requests())

	clk.Advance(rksMin - time.Nanosecond)
	storm(3)
	assert.Equal(t, int64(2), srv.requests(), "not before MinRefreshInterval")
	clk.Advance(time.Nanosecond)
	storm(4)
	assert.Equal(t, int64(3), srv.requests(), "exactly one more")
	requireKey(t, r, k)
}

func TestRemoteKeySetIssuerDownAfterLoad(t *testing.T) {
	// J155: stale-if-error until CacheTTL, then ErrKeysUnavailable.
	k := newRKSKey(t, "rsa", "down-1")
	srv := newRKSServer(t, serveDoc(rksJWKS(t, k)))
	clk := newKitClock()
	r := newRKS(t, rksConfig(srv.URL, clk))
	srv.waitRequests(t, 1)
	requireKey(t, r, k)

	srv.serve(serveStatus(http.StatusInternalServerError, "text/plain", "boom"))
	clk.Advance(time.Hour + time.Minute)
	requireNoKey(t, r, "unknown") // refetch fails, last good set kept
	assert.Equal(t, int64(2), srv.requests())
	requireKey(t, r, k)
	assert.Error(t, r.Refresh(context.Background()))
	assert.Equal(t, int64(3), srv.requests())

	clk.Advance(rksTTL - time.Hour - time.Minute) // exactly CacheTTL after the fetch
	requireKey(t, r, k)
	assert.Equal(t, int64(3), srv.requests(), "a usable set is answered without fetching")

	clk.Advance(time.Nanosecond)
	assert.Equal(t, rksMin, requireUnavailable(t, r, k.kid))
	assert.Equal(t, int64(4), srv.requests(), "one attempt once the set expired")
	clk.Advance(10 * time.Second)
	assert.Equal(t, 20*time.Second, requireUnavailable(t, r, k.kid))
	assert.Equal(t, int64(4), srv.requests())

	srv.serve(serveDoc(rksJWKS(t, k)))
	clk.Advance(20 * time.Second)
	requireKey(t, r, k) // recovers on the next allowed attempt
	assert.Equal(t, int64(5), srv.requests())
}

func TestRemoteKeySetIssuerDownAtStart(t *testing.T) {
	// J156: construction succeeds; ErrKeysUnavailable and one attempt per
	// MinRefreshInterval until keys load.
	noLeaks(t)
	k := newRKSKey(t, "ec", "start-1")
	srv := newRKSServer(t, serveStatus(http.StatusServiceUnavailable, "text/plain", "down"))
	clk := newKitClock()
	r := newRKS(t, rksConfig(srv.URL, clk))
	srv.waitRequests(t, 1)

	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			_, err := r.Keys(context.Background(), k.kid)
			assert.ErrorIs(t, err, ErrKeysUnavailable)
		})
	}
	wg.Wait()
	assert.Equal(t, int64(1), srv.requests())
	assert.Equal(t, rksMin, requireUnavailable(t, r, k.kid))

	clk.Advance(rksMin - 500*time.Millisecond)
	assert.Equal(t, time.Second, requireUnavailable(t, r, ""), "rounded up, at least 1s")
	assert.Equal(t, int64(1), srv.requests())

	clk.Advance(500 * time.Millisecond)
	requireUnavailable(t, r, k.kid)
	assert.Equal(t, int64(2), srv.requests(), "exactly one attempt per MinRefreshInterval")

	srv.serve(serveDoc(rksJWKS(t, k)))
	clk.Advance(rksMin)
	requireKey(t, r, k)
	assert.Equal(t, int64(3), srv.requests())
}

func TestRemoteKeySetUnreachableAtStart(t *testing.T) {
	// J156: nothing listens at the URL; construction neither blocks nor fails.
	noLeaks(t)
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()

	start := time.Now()
	r, err := NewRemoteKeySet(rksConfig(deadURL+"/jwks", newKitClock()))
	require.NoError(t, err)
	assert.Less(t, time.Since(start), 100*time.Millisecond)
	requireUnavailable(t, r, "any")
	require.NoError(t, r.Close())
}

func TestRemoteKeySetBadResponses(t *testing.T) {
	// J155: every failure keeps the last good set; without one, the answer is
	// ErrKeysUnavailable, never an unknown key.
	k := newRKSKey(t, "ec", "bad-1")
	good := serveDoc(rksJWKS(t, k))
	cases := []struct {
		name string
		h    http.HandlerFunc
	}{
		{"500", serveStatus(http.StatusInternalServerError, "application/json", `{"keys":[]}`)},
		{"404", serveStatus(http.StatusNotFound, "text/plain", "not found")},
		{"204", serveStatus(http.StatusNoContent, "application/json", "")},
		{"HTML", serveStatus(http.StatusOK, "text/html", "<html><body>login</body></html>")},
		{"invalid JSON", serveStatus(http.StatusOK, "application/json", `{"keys":[`)},
		{"keys not an array", serveStatus(http.StatusOK, "application/json", `{"keys":{}}`)},
		{"empty body", serveStatus(http.StatusOK, "application/json", "")},
		{"JSON null", serveStatus(http.StatusOK, "application/json", "null")},
	}
	for _, tc := range cases {
		t.Run(tc.name+" after a good load", func(t *testing.T) {
			srv := newRKSServer(t, good)
			clk := newKitClock()
			r := newRKS(t, rksConfig(srv.URL, clk))
			srv.waitRequests(t, 1)
			requireKey(t, r, k)

			srv.serve(tc.h)
			require.Error(t, r.Refresh(context.Background()))
			clk.Advance(rksMin)
			requireNoKey(t, r, "rotated?")
			assert.Equal(t, int64(3), srv.requests())
			requireKey(t, r, k)
		})
		t.Run(tc.name+" from the start", func(t *testing.T) {
			srv := newRKSServer(t, tc.h)
			r := newRKS(t, rksConfig(srv.URL, newKitClock()))
			srv.waitRequests(t, 1)
			requireUnavailable(t, r, k.kid)
			assert.Equal(t, int64(1), srv.requests())
		})
	}
}

func TestRemoteKeySetSlowJWKS(t *testing.T) {
	// J154: a fetch that never answers ends at FetchTimeout; waiters give up
	// with their own context.
	noLeaks(t)
	release := make(chan struct{})
	srv := newRKSServer(t, serveBlocked(release))
	t.Cleanup(func() { close(release) })
	cfg := rksConfig(srv.URL, newKitClock())
	cfg.FetchTimeout = 200 * time.Millisecond
	start := time.Now()
	r := newRKS(t, cfg)
	srv.waitRequests(t, 1)

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := r.Keys(ctx, "k")
	require.ErrorIs(t, err, ErrKeysUnavailable, "a waiter whose context ends")
	require.ErrorIs(t, err, context.DeadlineExceeded)
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, time.Second, e.RetryAfter(), "a fetch is in flight")

	requireUnavailable(t, r, "k")
	elapsed := time.Since(start)
	assert.GreaterOrEqual(t, elapsed, 150*time.Millisecond)
	assert.Less(t, elapsed, time.Second)
	assert.Equal(t, int64(1), srv.requests())
}

func TestRemoteKeySetOversizedBody(t *testing.T) {
	// J153: the body is read up to MaxJWKSBytes and refused beyond it.
	k := newRKSKey(t, "ec", "big-1")
	doc := rksJWKS(t, k)
	const limit = 4096
	padded := func(n int) []byte { return append(bytes.Repeat([]byte(" "), n-len(doc)), doc...) }

	srv := newRKSServer(t, serveDoc(padded(limit)))
	clk := newKitClock()
	cfg := rksConfig(srv.URL, clk)
	cfg.MaxJWKSBytes = limit
	r := newRKS(t, cfg)
	srv.waitRequests(t, 1)
	requireKey(t, r, k) // exactly at the limit: accepted

	srv.serve(serveDoc(padded(limit + 1)))
	err := r.Refresh(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "larger than 4096 bytes")

	srv.serve(func(w http.ResponseWriter, _ *http.Request) { // 100 MB, streamed
		chunk := bytes.Repeat([]byte(" "), 1<<20)
		for range 100 {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	require.Error(t, r.Refresh(context.Background()))
	requireKey(t, r, k) // last good set kept
}

func TestRemoteKeySetTooManyKeys(t *testing.T) {
	// J167: a set with more than MaxKeys keys is refused as a whole.
	keys := []rksKey{newRKSKey(t, "ec", "many-1"), newRKSKey(t, "ec", "many-2"), newRKSKey(t, "ec", "many-3")}
	srv := newRKSServer(t, serveDoc(rksJWKS(t, keys...)))
	clk := newKitClock()
	cfg := rksConfig(srv.URL, clk)
	cfg.MaxKeys = 2
	r := newRKS(t, cfg)
	srv.waitRequests(t, 1)
	requireUnavailable(t, r, keys[0].kid)

	srv.serve(serveDoc(rksJWKS(t, keys[:2]...)))
	clk.Advance(rksMin)
	requireKey(t, r, keys[0])
	requireNoKey(t, r, keys[2].kid)
}

func TestRemoteKeySetZeroUsableKeys(t *testing.T) {
	// A document whose every key is dropped is a failed fetch: the last good
	// set stays, and a warning names the URL.
	k := newRKSKey(t, "ec", "zero-1")
	encKey := rksJWK(t, newRKSKey(t, "ec", "zero-enc"))
	encKey["use"] = "enc"
	unusable, err := json.Marshal(map[string]any{"keys": []any{
		encKey,
		map[string]any{"kty": "oct", "kid": "zero-oct", "k": "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"},
	}})
	require.NoError(t, err)

	for name, doc := range map[string][]byte{"all dropped": unusable, "empty": []byte(`{"keys":[]}`)} {
		t.Run(name, func(t *testing.T) {
			srv := newRKSServer(t, serveDoc(rksJWKS(t, k)))
			var logs rksLog
			cfg := rksConfig(srv.URL, newKitClock())
			cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			r := newRKS(t, cfg)
			srv.waitRequests(t, 1)
			requireKey(t, r, k)

			srv.serve(serveDoc(doc))
			err := r.Refresh(context.Background())
			require.Error(t, err)
			assert.Contains(t, err.Error(), "no usable keys")
			requireKey(t, r, k)
			out := logs.String()
			assert.Contains(t, out, "level=ERROR")
			assert.Contains(t, out, "key set misconfigured")
			assert.Contains(t, out, "no key this verifier can use")
			assert.Contains(t, out, srv.URL)
			assert.ErrorIs(t, err, ErrKeySetMisconfigured)
		})
	}
}

// rksLog is a log sink safe for concurrent use.
type rksLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *rksLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *rksLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func TestRemoteKeySetRedirects(t *testing.T) {
	// J151: at most 3 redirects, each to https or loopback http, never from
	// https down to http.
	k := newRKSKey(t, "ec", "redir-1")
	doc := rksJWKS(t, k)
	hops := func(n int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			var i int
			if _, err := fmt.Sscanf(r.URL.Path, "/hop/%d", &i); err != nil || i >= n {
				serveDoc(doc)(w, r)
				return
			}
			http.Redirect(w, r, fmt.Sprintf("/hop/%d", i+1), http.StatusFound)
		}
	}

	t.Run("3 loopback http hops followed", func(t *testing.T) {
		srv := newRKSServer(t, hops(3))
		r := newRKS(t, rksConfig(srv.URL+"/hop/0", newKitClock()))
		srv.waitRequests(t, 4)
		requireKey(t, r, k)
	})
	t.Run("4 hops refused", func(t *testing.T) {
		srv := newRKSServer(t, hops(4))
		r := newRKS(t, rksConfig(srv.URL+"/hop/0", newKitClock()))
		srv.waitRequests(t, 4)
		requireUnavailable(t, r, k.kid)
		assert.Equal(t, int64(4), srv.requests(), "the 4th redirect is not followed")
	})
	t.Run("to http non-loopback refused", func(t *testing.T) {
		srv := newRKSServer(t, serveRedirect("http://169.254.169.254/latest/meta-data/"))
		r := newRKS(t, rksConfig(srv.URL, newKitClock()))
		srv.waitRequests(t, 1)
		requireUnavailable(t, r, k.kid)
		err := r.Refresh(context.Background())
		require.Error(t, err)
		assert.Contains(t, err.Error(), "redirect refused")
	})
	t.Run("https to https followed", func(t *testing.T) {
		srv := newRKSTLSServer(t, hops(1))
		cfg := rksConfig(srv.URL+"/hop/0", newKitClock())
		cfg.HTTPClient = srv.Client()
		r := newRKS(t, cfg)
		srv.waitRequests(t, 2)
		requireKey(t, r, k)
	})
	t.Run("https to loopback http downgrade refused", func(t *testing.T) {
		plain := newRKSServer(t, serveDoc(doc))
		srv := newRKSTLSServer(t, serveRedirect(plain.URL+"/jwks"))
		cfg := rksConfig(srv.URL, newKitClock())
		cfg.HTTPClient = srv.Client()
		r := newRKS(t, cfg)
		srv.waitRequests(t, 1)
		requireUnavailable(t, r, k.kid)
		err := r.Refresh(context.Background())
		require.Error(t, err)
		assert.Contains(t, err.Error(), "downgrade")
		assert.Zero(t, plain.requests(), "the http target is never contacted")
	})
}

func TestRemoteKeySetNoCookies(t *testing.T) {
	// J173: no cookies, even when the caller's client has a jar and the
	// server sets one across a redirect.
	k := newRKSKey(t, "ec", "cookie-1")
	doc := rksJWKS(t, k)
	srv := newRKSServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "from-server", Path: "/"})
		if r.URL.Path != "/keys" {
			http.Redirect(w, r, "/keys", http.StatusFound)
			return
		}
		serveDoc(doc)(w, r)
	})
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	u, err := url.Parse(srv.URL)
	require.NoError(t, err)
	jar.SetCookies(u, []*http.Cookie{{Name: "preset", Value: "secret", Path: "/"}})
	userRedirect := func(*http.Request, []*http.Request) error { return nil }
	user := &http.Client{Jar: jar, CheckRedirect: userRedirect}

	cfg := rksConfig(srv.URL+"/jwks", newKitClock())
	cfg.HTTPClient = user
	r := newRKS(t, cfg)
	srv.waitRequests(t, 2)
	requireKey(t, r, k)
	require.NoError(t, r.Refresh(context.Background()))

	for i, h := range srv.seenHeaders() {
		assert.Empty(t, h.Values("Cookie"), "request %d", i)
		assert.Empty(t, h.Values("Authorization"), "request %d", i)
	}
	assert.Same(t, jar, user.Jar, "the caller's client is not modified")
	assert.NotNil(t, user.CheckRedirect)
	assert.Zero(t, user.Timeout)
}

func TestRemoteKeySetConfigRefused(t *testing.T) {
	// J149: a JWKS URL that is not https (or loopback http) is a
	// construction error, and no goroutine is left behind.
	noLeaks(t)
	for _, u := range []string{
		"http://example.com/jwks.json",
		"http://10.0.0.1/jwks.json",
		"ftp://127.0.0.1/jwks.json",
		"https://user:pass@example.com/jwks.json",
		"/relative/jwks.json",
	} {
		t.Run(u, func(t *testing.T) {
			r, err := NewRemoteKeySet(Config{JWKSURL: u})
			require.ErrorIs(t, err, ErrConfig)
			assert.Nil(t, r)
		})
	}
	t.Run("KeySet does not excuse a missing JWKSURL", func(t *testing.T) {
		_, err := NewRemoteKeySet(Config{KeySet: NewStaticKeySet()})
		require.ErrorIs(t, err, ErrConfig)
	})
	t.Run("bad interval", func(t *testing.T) {
		_, err := NewRemoteKeySet(Config{JWKSURL: "https://example.com/jwks", MinRefreshInterval: time.Millisecond})
		require.ErrorIs(t, err, ErrConfig)
	})
}

func TestRemoteKeySetLongKid(t *testing.T) {
	// I144: a kid over 256 bytes is never looked up and never fetches.
	k := newRKSKey(t, "ec", strings.Repeat("k", 256))
	srv := newRKSServer(t, serveDoc(rksJWKS(t, k)))
	clk := newKitClock()
	r := newRKS(t, rksConfig(srv.URL, clk))
	srv.waitRequests(t, 1)
	requireKey(t, r, k) // 256 bytes: looked up

	clk.Advance(rksMin)
	requireNoKey(t, r, strings.Repeat("k", 257))
	requireNoKey(t, r, strings.Repeat("x", 64<<10))
	assert.Equal(t, int64(1), srv.requests())
}

func TestRemoteKeySetRefresh(t *testing.T) {
	// Refresh ignores MinRefreshInterval but joins a fetch in flight.
	a, b := newRKSKey(t, "ec", "refresh-a"), newRKSKey(t, "ed", "refresh-b")
	srv := newRKSServer(t, serveDoc(rksJWKS(t, a)))
	r := newRKS(t, rksConfig(srv.URL, newKitClock()))
	srv.waitRequests(t, 1)
	requireKey(t, r, a)

	srv.serve(serveDoc(rksJWKS(t, b)))
	require.NoError(t, r.Refresh(context.Background()))
	assert.Equal(t, int64(2), srv.requests(), "not rate-limited")
	requireKey(t, r, b)
	requireNoKey(t, r, a.kid)

	release := make(chan struct{})
	docA := rksJWKS(t, a)
	srv.serve(func(w http.ResponseWriter, req *http.Request) {
		serveBlocked(release)(w, req)
		serveDoc(docA)(w, req)
	})
	first := make(chan error, 1)
	go func() { first <- r.Refresh(context.Background()) }()
	srv.waitRequests(t, 3)
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	for range 5 {
		assert.ErrorIs(t, r.Refresh(canceled), context.Canceled)
	}
	close(release)
	require.NoError(t, <-first)
	assert.Equal(t, int64(3), srv.requests(), "joined the fetch in flight")
	requireKey(t, r, a)
}

func TestRemoteKeySetClose(t *testing.T) {
	noLeaks(t)
	t.Run("stops the loop", func(t *testing.T) {
		k := newRKSKey(t, "ec", "close-1")
		srv := newRKSServer(t, serveDoc(rksJWKS(t, k)))
		clk := newKitClock()
		r, err := NewRemoteKeySet(rksConfig(srv.URL, clk))
		require.NoError(t, err)
		srv.waitRequests(t, 1)
		requireKey(t, r, k)

		require.NoError(t, r.Close())
		require.NoError(t, r.Close(), "idempotent")
		requireKey(t, r, k) // the last set keeps answering
		clk.Advance(rksMin)
		requireNoKey(t, r, "unknown")
		assert.ErrorIs(t, r.Refresh(context.Background()), errKeySetClosed)
		assert.Equal(t, int64(1), srv.requests(), "no fetch after Close")
		clk.Advance(rksTTL)
		requireUnavailable(t, r, k.kid)
	})
	t.Run("cancels a fetch in flight", func(t *testing.T) {
		release := make(chan struct{})
		defer close(release)
		srv := newRKSServer(t, serveBlocked(release))
		cfg := rksConfig(srv.URL, newKitClock())
		cfg.FetchTimeout = time.Minute
		r, err := NewRemoteKeySet(cfg)
		require.NoError(t, err)
		srv.waitRequests(t, 1)
		waiter := make(chan error, 1)
		go func() { _, err := r.Keys(context.Background(), "k"); waiter <- err }()

		start := time.Now()
		require.NoError(t, r.Close())
		assert.Less(t, time.Since(start), time.Second)
		assert.ErrorIs(t, <-waiter, ErrKeysUnavailable)
	})
	t.Run("concurrent Close", func(t *testing.T) {
		srv := newRKSServer(t, serveDoc(rksJWKS(t, newRKSKey(t, "ec", "close-2"))))
		r, err := NewRemoteKeySet(rksConfig(srv.URL, newKitClock()))
		require.NoError(t, err)
		var wg sync.WaitGroup
		for range 10 {
			wg.Go(func() { assert.NoError(t, r.Close()) })
		}
		wg.Wait()
	})
}

func TestRemoteKeySetConcurrentRefresh(t *testing.T) {
	// J172: Keys during refreshes, under -race: every answer is consistent.
	a, b := newRKSKey(t, "ec", "race-a"), newRKSKey(t, "ed", "race-b")
	docA, docB := rksJWKS(t, a), rksJWKS(t, a, b)
	srv := newRKSServer(t, serveDoc(docA))
	clk := newKitClock()
	r := newRKS(t, rksConfig(srv.URL, clk))
	srv.waitRequests(t, 1)

	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := range 8 {
		kids := []string{a.kid, b.kid, "", fmt.Sprintf("unknown-%d", i)}
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				for _, kid := range kids {
					keys, err := r.Keys(context.Background(), kid)
					if !assert.NoError(t, err) {
						return
					}
					for _, key := range keys {
						if kid != "" && key.KeyID() != kid {
							t.Errorf("Keys(%q) returned kid %q", kid, key.KeyID())
							return
						}
					}
				}
			}
		})
	}
	for i := range 50 {
		if i%2 == 0 {
			srv.serve(serveDoc(docB))
		} else {
			srv.serve(serveDoc(docA))
		}
		assert.NoError(t, r.Refresh(context.Background()))
		clk.Advance(rksMin)
	}
	close(stop)
	wg.Wait()
	requireKey(t, r, a)
}

func TestRemoteKeySetCacheHitAllocs(t *testing.T) {
	k := newRKSKey(t, "rsa", "alloc-1")
	srv := newRKSServer(t, serveDoc(rksJWKS(t, k)))
	r := newRKS(t, rksConfig(srv.URL, newKitClock()))
	srv.waitRequests(t, 1)
	requireKey(t, r, k)
	ctx := context.Background()
	allocs := testing.AllocsPerRun(1000, func() {
		if keys, _ := r.Keys(ctx, k.kid); len(keys) != 1 {
			panic("cache miss")
		}
	})
	assert.Zero(t, allocs)
}

func TestRemoteKeySetBackgroundLoop(t *testing.T) {
	// The loop retries MinRefreshInterval after a failure, then resumes
	// RefreshInterval (no jitter here: TestRemoteKeySetSchedule has it).
	// Real clock and the smallest allowed intervals (1s): the test waits
	// for the server to see requests, never for a sleep.
	if testing.Short() {
		t.Skip("takes about 2.5s")
	}
	noLeaks(t)
	k := newRKSKey(t, "ec", "loop-1")
	var served atomic.Int64
	doc := rksJWKS(t, k)
	srv := newRKSServer(t, func(w http.ResponseWriter, r *http.Request) {
		if served.Add(1) == 1 {
			serveStatus(http.StatusBadGateway, "text/plain", "")(w, r)
			return
		}
		serveDoc(doc)(w, r)
	})
	cfg := rksConfig(srv.URL, newKitClock())
	cfg.Now = nil // time.Now: the loop's timers and decisions share one clock
	cfg.RefreshInterval = 1500 * time.Millisecond
	cfg.MinRefreshInterval = time.Second
	cfg = cfg.withDefaults()
	s := cfg.fetchSettings()
	s.random = func() float64 { return 0 } // no jitter: exact periods
	r := newRemoteKeySet(s, cfg.JWKSURL, "")
	t.Cleanup(func() { _ = r.Close() })
	srv.waitRequests(t, 3)
	requireKey(t, r, k)
	require.NoError(t, r.Close())

	times := srv.arrivalTimes()
	retry, period := times[1].Sub(times[0]), times[2].Sub(times[1])
	assert.GreaterOrEqual(t, retry, 900*time.Millisecond, "retry after MinRefreshInterval, not sooner")
	assert.Less(t, retry, 1500*time.Millisecond, "sooner than RefreshInterval")
	assert.GreaterOrEqual(t, period, 1400*time.Millisecond, "then the normal period")
}

func TestRemoteKeySetUnavailableError(t *testing.T) {
	cause := errors.New("status 500")
	r := &RemoteKeySet{now: time.Now}
	err := r.unavailable(cause)
	assert.ErrorIs(t, err, ErrKeysUnavailable)
	assert.ErrorIs(t, err, cause)
	assert.Equal(t, "signing keys unavailable: status 500", err.Error())
	resp := errorResponse(err, "api", "", nil)
	assert.Equal(t, http.StatusServiceUnavailable, resp.Status)
	assert.Equal(t, "1", resp.RetryAfter)
}
