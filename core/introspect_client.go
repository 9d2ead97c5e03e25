package core

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/axiomsgo/axioms/core/internal/strictjson"
)

// errIntrospectionUnavailable is the answer to a request whose token could
// not be introspected: 503 with Retry-After, as when no key set is usable.
var errIntrospectionUnavailable = &Error{category: ErrKeysUnavailable, description: "token introspection unavailable",
	retryAfter: time.Second}

// errNotAnswered is the cause Ready gives before the endpoint first
// answered.
var errNotAnswered = errors.New("the introspection endpoint has not answered yet")

// fixAnswerIssuer is the fix of an endpoint that answers about a JWT of
// issuer with another iss: it is not that issuer's endpoint.
func fixAnswerIssuer(issuer string) string {
	return fmt.Sprintf("the endpoint that introspects the JWTs of %s answered for another issuer: set "+
		"Config.Introspection.URL (with IntrospectJWTs) or the Issuers[i].Introspection.URL of %s to the "+
		"introspection endpoint of that issuer's own authorization server", issuer, issuer)
}

// Fixes of introspection failures that a retry will not fix.
const (
	fixIntrospectionCredentials = "the introspection endpoint refuses this resource server's credentials (401 or 403): " +
		"check AXIOMS_INTROSPECTION_CLIENT_ID and AXIOMS_INTROSPECTION_CLIENT_SECRET (Config.Introspection, or " +
		"the Issuers[i].Introspection of the issuer this line names), and " +
		"that the authorization server lets this client introspect tokens with the configured AuthMethod"
	fixIntrospectionRequest = "the introspection endpoint refuses the request (a 4xx other than 401, 403, 408, 429): " +
		"check that AXIOMS_INTROSPECTION_URL is the server's introspection_endpoint (RFC 8414), and with " +
		"Introspection.IntrospectJWTs that the server introspects its JWT access tokens (node oidc-provider " +
		"answers 400 unsupported_token_type: leave IntrospectJWTs off)"
	fixIntrospectionRedirect = "the introspection endpoint redirects; redirects are never followed (the token and " +
		"the credentials would go elsewhere): set AXIOMS_INTROSPECTION_URL to the final URL"
	fixIntrospectionTooLarge = "the introspection answer is larger than Introspection.MaxResponseBytes (default 64 KiB): " +
		"raise it, or check AXIOMS_INTROSPECTION_URL"
)

// introspector calls one introspection endpoint for a Verifier: the
// hardened client, the answer cache with its single-flight table, and the
// endpoint's health for Ready. It is safe for concurrent use.
type introspector struct {
	s        *introspectionSettings
	entry    *issuerEntry  // the issuer of answers without iss (IntrospectionConfig.Issuer); nil: none
	signer   *answerSigner // checks signed answers (RFC 9701); nil: no issuer's keys to verify them
	client   *http.Client
	ownConn  *http.Transport // closed by close; nil with the caller's client
	now      func() time.Time
	leeway   time.Duration
	logger   *slog.Logger
	observer *Observer
	cache    *introCache // nil when CacheTTL is -1
	hashes   sync.Pool   // of *tokenHasher

	ctx    context.Context // cancelled by close
	cancel context.CancelFunc
	wg     sync.WaitGroup // calls and probes in flight

	mu     sync.Mutex // guards calls and closed
	calls  map[cacheKey]*introCall
	closed bool

	hmu       sync.Mutex // guards the health fields
	started   uint64     // requests started
	settledAt uint64     // the number (in start order) of the request whose result is recorded
	answered  bool       // the last request got a usable answer
	lastErr   error      // why not; nil before the first request
	logged    string     // the failure logged last, "" after an answer
	probing   bool
	lastProbe time.Time
	settled   chan struct{} // closed, and replaced, when a request ends (waitReady)
}

// tokenHasher computes cache keys: HMAC-SHA256 under the Verifier's
// random key, so that the cache holds no token and a dump of it gives
// none back.
type tokenHasher struct {
	h   hash.Hash
	sum [sha256.Size]byte
}

// newIntrospector starts the introspector of settings s, whose answers
// without iss are judged by the rules of entry (nil: refused) and whose
// signed answers are verified with entry's key set, which keySetOf gives;
// and its first readiness probe.
func newIntrospector(s *introspectionSettings, cfg *Config, entry *issuerEntry,
	keySetOf func(*issuerEntry) (KeySet, error)) *introspector {
	in := &introspector{s: s, entry: entry, signer: newAnswerSigner(s, cfg, entry, keySetOf), now: cfg.Now,
		leeway: cfg.Leeway, logger: cfg.Logger, observer: cfg.Observer, calls: make(map[cacheKey]*introCall),
		settled: make(chan struct{})}
	in.client, in.ownConn = newIntrospectionClient(s.client, s.timeout)
	if s.ttl > 0 {
		in.cache = newIntroCache(s.entries, s.bytes)
	}
	var key [32]byte
	_, _ = rand.Read(key[:]) // never fails (crypto/rand)
	in.hashes.New = func() any { return &tokenHasher{h: hmac.New(sha256.New, key[:])} }
	in.ctx, in.cancel = context.WithCancel(context.Background())
	in.probe()
	return in
}

// newIntrospectionClient copies the user's client (or builds one with a
// transport of its own) and applies the policy of introspection requests:
// a timeout, no cookie jar, no redirect followed.
func newIntrospectionClient(user *http.Client, timeout time.Duration) (*http.Client, *http.Transport) {
	c, own := newFetchClient(user, timeout)
	c.CheckRedirect = func(req *http.Request, _ []*http.Request) error {
		return misconfigured(fmt.Errorf("redirect to %s refused", req.URL.Redacted()), fixIntrospectionRedirect)
	}
	return c, own
}

// close cancels the requests in flight and waits for them to end.
func (in *introspector) close() {
	in.mu.Lock()
	in.closed = true
	in.mu.Unlock()
	in.cancel()
	in.wg.Wait()
	if in.ownConn != nil {
		in.ownConn.CloseIdleConnections()
	}
}

// key returns the cache key of token.
func (in *introspector) key(token string) cacheKey {
	th := in.hashes.Get().(*tokenHasher)
	th.h.Reset()
	th.h.Write(readOnlyBytes(token))
	k := cacheKey(th.h.Sum(th.sum[:0]))
	in.hashes.Put(th)
	return k
}

// goAsync runs f on a goroutine that close waits for; false after close.
func (in *introspector) goAsync(f func()) bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.closed {
		return false
	}
	in.wg.Add(1)
	go func() {
		defer in.wg.Done()
		f()
	}()
	return true
}

// call introspects token within ctx (bounded by Timeout by the caller)
// and returns the answer's members as unchecked claims and its active
// member, or an error matching ErrKeysUnavailable. Each call is reported
// to the Observer and settles the endpoint's health.
func (in *introspector) call(ctx context.Context, token, about string) (*Claims, bool, error) {
	in.hmu.Lock()
	in.started++
	n := in.started
	in.hmu.Unlock()
	start, sent := time.Now(), in.now()
	status, mediaType, body, err := in.post(ctx, token)
	var c *Claims
	var active bool
	if err == nil {
		c, active, err = in.readAnswer(ctx, mediaType, body, sent)
	}
	if err == nil && active && about != "" && c.readMembers() == nil && c.issuer != "" && c.issuer != about {
		err = misconfigured(fmt.Errorf("the answer about a JWT of %s names iss %q", about, sanitizeForLog(c.issuer)),
			fixAnswerIssuer(about))
	}
	in.observe(ctx, status, start, err)
	in.settle(n, err)
	if err != nil {
		return nil, false, &causedError{reason: errIntrospectionUnavailable, cause: err}
	}
	return c, active, nil
}

// post sends the introspection request of token (RFC 7662 §2.1; asking
// for a signed answer with SignedResponses, RFC 9701 §4) and returns the
// status, and the media type and body of a 200 answer, at most
// MaxResponseBytes.
func (in *introspector) post(ctx context.Context, token string) (int, string, []byte, error) {
	form := url.Values{"token": {token}, "token_type_hint": {"access_token"}}
	header := http.Header{}
	if err := in.s.auth.apply(form, header, in.now()); err != nil {
		return 0, "", nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, in.s.url, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, "", nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if in.s.signed {
		req.Header.Set("Accept", signedAnswerType)
	}
	resp, err := in.client.Do(req)
	if err != nil {
		return 0, "", nil, requestError(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10)) // lets the connection be reused
		return resp.StatusCode, "", nil, introspectionStatusError(resp.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, in.s.maxBytes+1))
	switch {
	case err != nil:
		return resp.StatusCode, "", nil, fmt.Errorf("reading the answer: %w", requestError(err))
	case int64(len(data)) > in.s.maxBytes:
		return resp.StatusCode, "", nil, misconfigured(fmt.Errorf("answer larger than %d bytes", in.s.maxBytes),
			fixIntrospectionTooLarge)
	}
	return resp.StatusCode, mediaTypeOf(resp.Header.Get("Content-Type")), data, nil
}

// introspectionStatusError is the error of a non-200 answer: a
// misconfiguration for 401, 403 and the other client errors a retry will
// not change, an outage otherwise.
func introspectionStatusError(code int) error {
	switch {
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return misconfigured(statusError(code), fixIntrospectionCredentials)
	case !transientStatus(code):
		return misconfigured(statusError(code), fixIntrospectionRequest)
	}
	return statusError(code)
}

// parseAnswer decodes an introspection answer (RFC 7662 §2.2): strict
// JSON (duplicate members refused), an object whose active member is a
// boolean. The members become claims whose rules are not applied yet.
func parseAnswer(data []byte) (*Claims, bool, error) { return parseAnswerText(string(data)) }

// parseAnswerText is parseAnswer of a text the claims may keep.
func parseAnswerText(raw string) (*Claims, bool, error) {
	b := &claimsBlock{Claims: Claims{raw: raw}}
	root, err := strictjson.ParseInto(raw, b.members[:], b.elems[:])
	switch {
	case errors.Is(err, strictjson.ErrDuplicateKey):
		return nil, false, errors.New("the answer has duplicate members")
	case err != nil || root.Kind() != strictjson.Object:
		return nil, false, errors.New("the answer is not a JSON object")
	}
	b.root = root
	active, ok := root.Get("active")
	if !ok || active.Kind() != strictjson.Bool {
		return nil, false, errors.New(`the answer has no boolean "active" (RFC 7662 §2.2)`)
	}
	return &b.Claims, active.Str() == "true", nil
}

// observe reports one request to the Observer, if any.
func (in *introspector) observe(ctx context.Context, status int, start time.Time, err error) {
	if in.observer == nil || in.observer.Fetch == nil {
		return
	}
	in.observer.Fetch(ctx, Fetch{Kind: FetchIntrospection, Issuer: in.s.issuer, URL: in.s.url, Status: status, Err: err,
		Duration: time.Since(start)})
}

// settle records the result of request number n for Ready, and logs a
// change: a misconfiguration at Error level with its fix, an outage at
// Warn level, each once until the failure changes (Debug when repeated),
// and the first answer after a failure at Info level. A result older than
// the one recorded (a request started before it, ending after it) is
// dropped, so that a slow request never hides what a later one found.
// Nothing is recorded while the Verifier closes.
func (in *introspector) settle(n uint64, err error) {
	if err != nil && in.ctx.Err() != nil {
		return
	}
	in.hmu.Lock()
	defer in.hmu.Unlock()
	if n < in.settledAt {
		return
	}
	in.settledAt = n
	in.answered, in.lastErr = err == nil, err
	close(in.settled)
	in.settled = make(chan struct{})
	if err == nil {
		if in.logged != "" {
			in.logger.Info("axioms: introspection endpoint answering again", in.logAttrs()...)
		}
		in.logged = ""
		return
	}
	attrs := in.logAttrs(slog.String("reason", err.Error()))
	switch fix := fixOf(err); {
	case err.Error() == in.logged:
		in.logger.Debug("axioms: introspection failed", attrs...)
	case fix != "":
		in.logger.Error("axioms: introspection misconfigured", append(attrs, slog.String("fix", fix))...)
	default:
		in.logger.Warn("axioms: introspection failed", attrs...)
	}
	in.logged = err.Error()
}

// logAttrs are the attributes of a log line about the endpoint: its URL,
// the issuer of an IssuerConfig.Introspection, then more.
func (in *introspector) logAttrs(more ...any) []any {
	attrs := []any{slog.String("url", in.s.url)}
	if in.s.perIssuer {
		attrs = append(attrs, slog.String("issuer", in.s.issuer))
	}
	return append(attrs, more...)
}

// ready is nil when the last request got an answer, else the error
// Verifier.Ready reports (matching ErrKeysUnavailable, and
// ErrKeySetMisconfigured for a failure a retry will not fix); then it
// starts a probe, when none runs and the last one is at least
// minProbeInterval old.
func (in *introspector) ready() error {
	in.hmu.Lock()
	answered, cause := in.answered, in.lastErr
	in.hmu.Unlock()
	if answered {
		return nil
	}
	in.probe()
	if cause == nil {
		cause = errNotAnswered
	}
	return &causedError{reason: errIntrospectionUnavailable, cause: cause}
}

// probe introspects a random token in the background, so that Ready sees
// the endpoint answer (an inactive answer is an answer) before any request
// came: at start, then when Ready finds no answer, at most once per
// minProbeInterval.
func (in *introspector) probe() {
	now := in.now()
	in.hmu.Lock()
	if in.probing || !in.lastProbe.IsZero() && now.Sub(in.lastProbe) < minProbeInterval {
		in.hmu.Unlock()
		return
	}
	in.probing, in.lastProbe = true, now
	in.hmu.Unlock()
	started := in.goAsync(func() {
		ctx, cancel := context.WithTimeout(in.ctx, in.s.timeout)
		defer cancel()
		var random [24]byte
		_, _ = rand.Read(random[:])
		_, _, _ = in.call(ctx, "axioms-readiness-probe."+b64.EncodeToString(random[:]), "")
		in.hmu.Lock()
		in.probing = false
		in.hmu.Unlock()
	})
	if !started {
		in.hmu.Lock()
		in.probing = false
		in.hmu.Unlock()
	}
}

// waitReady blocks until ready is nil, the Verifier closes, or ctx ends,
// probing as ready does; with ctx.Err() as well when ctx ended first.
func (in *introspector) waitReady(ctx context.Context) error {
	retry := time.NewTimer(minProbeInterval)
	defer retry.Stop()
	for {
		in.hmu.Lock()
		settled := in.settled
		in.hmu.Unlock()
		err := in.ready()
		if err == nil || in.ctx.Err() != nil {
			return err
		}
		retry.Reset(minProbeInterval)
		select {
		case <-settled:
		case <-retry.C:
		case <-ctx.Done():
			if err := in.ready(); err != nil {
				return fmt.Errorf("%w; waiting ended: %w", err, ctx.Err())
			}
			return nil
		}
	}
}
