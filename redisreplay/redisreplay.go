// Package redisreplay is a core.ReplayStore in Redis, so that replicas of
// a resource server behind a load balancer share the DPoP proofs (RFC 9449
// §11.1) they have accepted: a proof replayed to any of them is refused.
//
// A claim is one command, SET key 1 NX PX <ms>: Redis records the key
// only when it is absent, atomically, so of concurrent claims of a proof
// on any number of replicas exactly one succeeds; the entry expires by
// itself when the proof's acceptance window ends. The lifetime is sent as
// a duration (PX), measured from when Redis records it, rather than as an
// instant (PXAT): an instant would be judged by Redis's clock, and a
// Redis clock ahead of this host's would drop entries early, or at once,
// and let their replays through.
//
// A Redis outage, a timeout or an unexpected reply is an error, answered
// within the store's timeout (WithTimeout); the caller then refuses the
// request (503). Claim never reports a proof as new unless Redis recorded
// it.
//
// Redis 2.6.12 or later; the store works on one node, a Sentinel-managed
// primary or a Cluster (a key is one slot). What is NOT protected: a
// Redis that loses writes (a failover to a replica that had not received
// them, or a restart without persistence) forgets the proofs it had
// recorded, which may then be replayed within their window.
package redisreplay

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/axiomsgo/axioms/core"
)

// Defaults of the options.
const (
	// DefaultPrefix is put before every key, so that the store's keys are
	// apart from the application's in a shared Redis.
	DefaultPrefix = "axioms:dpop:"
	// DefaultTimeout bounds each Claim, the Redis round trip included.
	DefaultTimeout = 500 * time.Millisecond
)

// Store is a core.ReplayStore in Redis. It is safe for concurrent use.
type Store struct {
	client  redis.UniversalClient
	prefix  string
	timeout time.Duration
	owned   bool // made by FromURL: Close closes it
}

var _ core.ReplayStore = (*Store)(nil)

// settings are what the options set.
type settings struct {
	prefix  string
	timeout time.Duration
}

// Option configures New and FromURL.
type Option func(*settings)

// WithPrefix sets the string put before every key in Redis (default
// DefaultPrefix). Replicas that share proofs must use the same prefix;
// resource servers that must not share them (two audiences on one Redis)
// use different ones.
func WithPrefix(prefix string) Option { return func(s *settings) { s.prefix = prefix } }

// WithTimeout bounds each Claim (default DefaultTimeout): a Redis that
// does not answer in time makes Claim return an error, and the request is
// refused rather than kept waiting. It must be positive. A client given
// to New bounds its socket reads and writes by the timeout only with
// redis.Options.ContextTimeoutEnabled; otherwise its own ReadTimeout and
// WriteTimeout (5 s by default) apply to them.
func WithTimeout(d time.Duration) Option { return func(s *settings) { s.timeout = d } }

// New returns a Store that claims keys through client, which stays the
// caller's: Close does not close it. It returns an error when client is
// nil or an option is invalid.
func New(client redis.UniversalClient, opts ...Option) (*Store, error) {
	if v := reflect.ValueOf(client); client == nil || (v.Kind() == reflect.Pointer && v.IsNil()) {
		return nil, errors.New("redisreplay: New: the Redis client is nil")
	}
	s := settings{prefix: DefaultPrefix, timeout: DefaultTimeout}
	for _, o := range opts {
		if o != nil {
			o(&s)
		}
	}
	if s.timeout <= 0 {
		return nil, fmt.Errorf("redisreplay: WithTimeout(%s): the timeout must be positive", s.timeout)
	}
	return &Store{client: client, prefix: s.prefix, timeout: s.timeout}, nil
}

// FromURL returns a Store on a client of its own for the Redis at rawURL,
// redis://[user:password@]host:port/db or rediss:// for TLS (with the
// query options of redis.ParseURL); Close closes the client. No
// connection is made before the first Claim. The client bounds every
// socket read and write by the Claim's timeout and dials once per
// attempt.
//
// Its errors never show the URL's password. It refuses other schemes, a
// URL without a host, and the skip_verify option: certificate checks of a
// rediss:// URL cannot be turned off through configuration (build the
// client yourself and use New for that).
func FromURL(rawURL string, opts ...Option) (*Store, error) {
	o, err := parseURL(rawURL)
	if err != nil {
		return nil, err
	}
	o.ContextTimeoutEnabled = true
	o.DialerRetries = 1
	client := redis.NewClient(o)
	s, err := New(client, opts...)
	if err != nil {
		_ = client.Close()
		return nil, err
	}
	s.owned = true
	return s, nil
}

// parseURL checks rawURL and returns its client options.
func parseURL(rawURL string) (*redis.Options, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Error quotes the whole URL, password included.
		return nil, errors.New("redisreplay: the Redis URL is not a URL (not shown: it may hold a password)")
	}
	switch {
	case u.Scheme != "redis" && u.Scheme != "rediss":
		return nil, fmt.Errorf("redisreplay: Redis URL scheme %q: want redis:// or rediss://", u.Scheme)
	case u.Opaque != "" || u.Host == "":
		return nil, errors.New("redisreplay: the Redis URL has no host: want redis://[user:password@]host:port/db")
	case strings.Contains(rawURL, "@") && (u.User == nil || strings.Contains(u.Path+u.RawQuery+u.Fragment, "@")):
		// A password with a / or ? that is not percent-encoded ends the
		// host early: its pieces would be taken for host, path or query.
		return nil, errors.New("redisreplay: the Redis URL has an @ after its host (not shown): percent-encode the user name and password")
	case u.Query().Has("skip_verify"):
		return nil, errors.New("redisreplay: the Redis URL sets skip_verify: certificate checks cannot be turned off through a URL")
	}
	o, err := redis.ParseURL(rawURL)
	if err != nil {
		// redis.ParseURL complains about the path or the query, which
		// could repeat the password too.
		msg := err.Error()
		if pw, ok := u.User.Password(); ok && pw != "" {
			msg = strings.ReplaceAll(msg, pw, "xxxxx")
		}
		return nil, fmt.Errorf("redisreplay: Redis URL: %s", msg)
	}
	return o, nil
}

// Claim implements core.ReplayStore with SET prefix+key 1 NX PX <ms>,
// the lifetime left until expires, rounded up to the millisecond. It
// returns true only when Redis answered OK (the key is recorded), false
// when it answered nil (the key exists: a replay), and an error for
// anything else: a claim core.CheckReplayClaim refuses
// (core.ErrInvalidReplayClaim), a connection failure, the timeout, a Redis
// error reply or an unexpected reply.
func (s *Store) Claim(ctx context.Context, key string, expires time.Time) (bool, error) {
	now := time.Now()
	if err := core.CheckReplayClaim(key, expires, now); err != nil {
		return false, err
	}
	ttl := (expires.Sub(now) + time.Millisecond - 1) / time.Millisecond
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	reply, err := s.client.Do(ctx, "set", s.prefix+key, "1", "nx", "px", int64(ttl)).Result()
	switch {
	case errors.Is(err, redis.Nil):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("redisreplay: claim: %w", err)
	case reply != "OK":
		return false, fmt.Errorf("redisreplay: claim: unexpected reply %v (%T) to SET NX", reply, reply)
	}
	return true, nil
}

// Close closes the client FromURL made; for a Store of New, it does
// nothing (the client is the caller's).
func (s *Store) Close() error {
	if !s.owned {
		return nil
	}
	return s.client.Close()
}
