package core

import (
	"bytes"
	"context"
	"crypto"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The introspection tests run against kitAS, a real RFC 7662 endpoint on
// loopback that authenticates its client as a real authorization server
// does, answers per token, and counts its calls.

const (
	kitASIssuer    = "https://as.example.com"
	kitASAudience  = "https://api.example.com"
	kitClientID    = "resource server:1" // form-urlencoding matters (RFC 6749 §2.3.1)
	kitSecret      = "s3cr%t+/=é"
	kitClientKeyID = "client-key-1"
)

// kitAS is the loopback introspection endpoint.
type kitAS struct {
	*httptest.Server
	tb     testing.TB
	now    func() time.Time
	method IntrospectionAuthMethod

	mu      sync.Mutex
	pub     crypto.PublicKey // private_key_jwt
	secret  string
	answers map[string]string // token → raw JSON answer; unknown: {"active":false}
	calls   map[string]int    // per token, probes excluded
	codes   map[string]int    // a status answered for one token

	total    atomic.Int64 // calls, probes excluded
	probes   atomic.Int64
	status   atomic.Int32           // a forced status; 0: none
	raw      atomic.Pointer[string] // a forced answer body for every token
	gate     atomic.Pointer[chan struct{}]
	gateOnly atomic.Pointer[string] // the gate holds this token's calls only
	redirect atomic.Pointer[string]
	signing  atomic.Pointer[kitSigning] // signed answers (RFC 9701); nil: plain JSON only
	accept   atomic.Pointer[string]     // the Accept header of the last call
}

// kitSigning makes the endpoint sign its answers (RFC 9701 §5) as node
// oidc-provider does for a client registered with
// introspection_signed_response_alg: a JWT {iss, aud: the client ID, iat,
// token_introspection} with typ token-introspection+jwt, signed by key,
// when the request asks for it (Accept), or for every request with always.
type kitSigning struct {
	key    *kitKey
	issuer string // iss; "" = kitASIssuer
	always bool
	// edit changes the header and the claims before they are signed; encode,
	// when set, replaces the signature (forgeries, JWE).
	edit   func(header, claims map[string]any)
	encode func(header, claims map[string]any) string
	// contentType replaces the Content-Type of the answer.
	contentType string
}

// sign makes the endpoint sign its answers with sg.
func (as *kitAS) sign(sg kitSigning) { as.signing.Store(&sg) }

// signed returns the JWT of answer (raw JSON), signed as sg says at now.
// It runs on the endpoint's goroutines: tb only marks helpers, the
// algorithms used never fail.
func (sg *kitSigning) signed(tb testing.TB, answer string, now time.Time) (string, error) {
	header := map[string]any{"alg": sg.key.alg, "typ": "token-introspection+jwt", "kid": sg.key.kid}
	claims := map[string]any{"iss": orDefault(sg.issuer, kitASIssuer), "aud": kitClientID, "iat": now.Unix(),
		"token_introspection": json.RawMessage(answer)}
	if sg.edit != nil {
		sg.edit(header, claims)
	}
	if sg.encode != nil {
		return sg.encode(header, claims), nil
	}
	h, err := json.Marshal(header)
	if err != nil {
		return "", err
	}
	c, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	alg, _ := header["alg"].(string)
	return sg.key.signRaw(tb, alg, string(h), string(c)), nil
}

// newKitAS starts an endpoint expecting method with kitClientID and
// kitSecret (or, for private_key_jwt, an assertion verifiable with pub).
func newKitAS(tb testing.TB, method IntrospectionAuthMethod, now func() time.Time) *kitAS {
	tb.Helper()
	as := &kitAS{tb: tb, now: now, method: method, secret: kitSecret,
		answers: map[string]string{}, calls: map[string]int{}, codes: map[string]int{}}
	as.Server = httptest.NewServer(http.HandlerFunc(as.serve))
	tb.Cleanup(func() {
		if g := as.gate.Load(); g != nil {
			as.release()
		}
		as.Close()
	})
	return as
}

// answer sets the answer for token: claims with "active" added (true
// unless claims set it).
func (as *kitAS) answer(token string, claims map[string]any) {
	m := map[string]any{"active": true}
	for k, v := range claims {
		m[k] = v
	}
	as.answerRaw(token, kitJSON(as.tb, m))
}

func (as *kitAS) answerRaw(token, raw string) {
	as.mu.Lock()
	defer as.mu.Unlock()
	as.answers[token] = raw
}

// setSecret changes the client secret the endpoint expects.
func (as *kitAS) setSecret(secret string) {
	as.mu.Lock()
	defer as.mu.Unlock()
	as.secret = secret
}

// setClientKey sets the public key of private_key_jwt assertions.
func (as *kitAS) setClientKey(pub crypto.PublicKey) {
	as.mu.Lock()
	defer as.mu.Unlock()
	as.pub = pub
}

// revoke makes the endpoint answer inactive for token.
func (as *kitAS) revoke(token string) {
	as.mu.Lock()
	defer as.mu.Unlock()
	delete(as.answers, token)
}

func (as *kitAS) callsOf(token string) int {
	as.mu.Lock()
	defer as.mu.Unlock()
	return as.calls[token]
}

// hold makes every call wait until release.
func (as *kitAS) hold() {
	g := make(chan struct{})
	as.gate.Store(&g)
}

func (as *kitAS) release() {
	if g := as.gate.Swap(nil); g != nil {
		close(*g)
	}
}

// activeClaims are the claims of an active answer for the test issuer.
func activeClaims(now time.Time, extra map[string]any) map[string]any {
	c := map[string]any{
		"active": true, "iss": kitASIssuer, "aud": kitASAudience, "sub": "alice", "client_id": "web-app",
		"scope": "read:data openid", "exp": now.Add(time.Hour).Unix(), "iat": now.Add(-time.Minute).Unix(),
		"token_type": "Bearer",
	}
	for k, v := range extra {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

func (as *kitAS) serve(w http.ResponseWriter, r *http.Request) {
	if to := as.redirect.Load(); to != nil {
		http.Redirect(w, r, *to, http.StatusTemporaryRedirect)
		return
	}
	if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") ||
		r.ParseForm() != nil || len(r.URL.RawQuery) > 0 {
		http.Error(w, `{"error":"invalid_request"}`, http.StatusBadRequest)
		return
	}
	token := r.PostForm.Get("token")
	accept := r.Header.Get("Accept")
	as.accept.Store(&accept)
	if strings.HasPrefix(token, "axioms-readiness-probe.") {
		as.probes.Add(1)
	} else {
		as.total.Add(1)
		as.mu.Lock()
		as.calls[token]++
		as.mu.Unlock()
	}
	if g := as.gate.Load(); g != nil {
		if only := as.gateOnly.Load(); only == nil || *only == token {
			select {
			case <-*g:
			case <-r.Context().Done():
				return
			}
		}
	}
	if !as.authenticated(r) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"error":"invalid_client"}`)
		return
	}
	as.mu.Lock()
	code := as.codes[token]
	as.mu.Unlock()
	if st := as.status.Load(); st != 0 || code != 0 {
		w.WriteHeader(max(int(st), code))
		return
	}
	body := `{"active":false}`
	if raw := as.raw.Load(); raw != nil {
		body = *raw
	} else {
		as.mu.Lock()
		if a, ok := as.answers[token]; ok {
			body = a
		}
		as.mu.Unlock()
	}
	if sg := as.signing.Load(); sg != nil && (sg.always || accept == "application/token-introspection+jwt") {
		jwt, err := sg.signed(as.tb, body, as.now())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", orDefault(sg.contentType, "application/token-introspection+jwt; charset=utf-8"))
		_, _ = io.WriteString(w, jwt)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, body)
}

// authenticated checks the client authentication of r as the server
// requires it, and records what was sent.
func (as *kitAS) authenticated(r *http.Request) bool {
	id, secret, basic := r.BasicAuth()
	f := r.PostForm
	as.mu.Lock()
	want, pub := as.secret, as.pub
	as.mu.Unlock()
	switch as.method {
	case IntrospectionAuthBasic:
		uid, err1 := url.QueryUnescape(id)
		usecret, err2 := url.QueryUnescape(secret)
		return basic && err1 == nil && err2 == nil && uid == kitClientID && usecret == want && f.Get("client_secret") == ""
	case IntrospectionAuthPost:
		return !basic && f.Get("client_id") == kitClientID && f.Get("client_secret") == want
	case IntrospectionAuthPrivateKeyJWT:
		return !basic && f.Get("client_assertion_type") == clientAssertionType && as.assertionValid(f.Get("client_assertion"), pub, r)
	case IntrospectionAuthNone:
		return !basic && r.Header.Get("Authorization") == "" && f.Get("client_secret") == "" && f.Get("client_assertion") == ""
	}
	return false
}

// assertionValid verifies a client assertion as RFC 7523 §3 asks: the
// signature with the client's registered key, iss = sub = client_id, aud
// this endpoint, a jti, and a short exp.
func (as *kitAS) assertionValid(jwt string, pub crypto.PublicKey, r *http.Request) bool {
	pk, err := NewPublicKey(kitClientKeyID, "", pub)
	if err != nil {
		return false
	}
	v, err := NewVerifier(Config{Audiences: []string{as.URL + r.URL.Path}, KeySet: NewStaticKeySet(pk),
		Now: as.now, Logger: slog.New(slog.DiscardHandler), TokenCacheEntries: -1})
	if err != nil {
		return false
	}
	defer v.Close()
	c, err := v.Verify(r.Context(), jwt)
	if err != nil {
		return false
	}
	jti, _ := c.GetString("jti")
	iss, _ := c.GetString("iss")
	return iss == kitClientID && c.Subject() == kitClientID && jti != "" && r.PostForm.Get("client_id") == kitClientID &&
		c.ExpiresAt().Sub(c.IssuedAt()) == time.Minute
}

// kitIntrospectionVerifier builds a Verifier trusting kitASIssuer with
// local JWTs signed by key (nil: no key) and introspection at as with
// basic authentication, on clock; change edits the Config first.
func kitIntrospectionVerifier(tb testing.TB, as *kitAS, clock *kitClock, key *kitKey, change func(*Config)) *Verifier {
	tb.Helper()
	cfg := Config{
		Audiences: []string{kitASAudience},
		Issuer:    kitASIssuer,
		Now:       clock.Now,
		Logger:    slog.New(slog.DiscardHandler),
		Introspection: IntrospectionConfig{
			URL: as.URL + "/oauth2/introspect", ClientID: kitClientID, ClientSecret: kitSecret,
		},
	}
	cfg.KeySet = NewStaticKeySet() // no network beyond the endpoint
	if key != nil {
		pk, err := NewPublicKey(key.kid, key.alg, key.signer.Public())
		require.NoError(tb, err)
		cfg.KeySet = NewStaticKeySet(pk)
	}
	if change != nil {
		change(&cfg)
	}
	v, err := NewVerifier(cfg)
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = v.Close() })
	return v
}

// logLines is a slog handler recording its lines, safe for concurrent use.
type logLines struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logLines) logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func (l *logLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// lines returns the logged lines whose msg is msg.
func (l *logLines) lines(msg string) []map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(l.buf.String()), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

// waitAnswered blocks until v's introspection endpoint has answered (the
// probe sent when v was built), so that tests count calls from a known
// state.
func waitAnswered(tb testing.TB, v *Verifier) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(tb, v.WaitReady(ctx))
}

// kitBIssuer is the second issuer of the per-issuer tests, whose JWTs are
// verified locally only.
const kitBIssuer = "https://b.example.com"

// kitIssuers is a Verifier trusting two issuers, each with its own
// signing key: kitASIssuer (A), whose JWTs asA introspects
// (IssuerConfig.Introspection, basic authentication), and kitBIssuer (B),
// verified locally; top, when set, is Config.Introspection.
type kitIssuers struct {
	v          *Verifier
	keyA, keyB *kitKey
	asA, top   *kitAS
	clock      *kitClock
}

// newKitIssuers starts asA and top (with top set) and builds the Verifier;
// change edits the Config first. A's key set holds keyA and extra.
func newKitIssuers(tb testing.TB, top bool, change func(*Config), extra ...*kitKey) *kitIssuers {
	tb.Helper()
	k := &kitIssuers{clock: newKitClock(), keyA: newKitKey(tb, "issuer-a", "ES256"), keyB: newKitKey(tb, "issuer-b", "ES256")}
	k.asA = newKitAS(tb, IntrospectionAuthBasic, k.clock.Now)
	keySet := func(keys ...*kitKey) KeySet {
		var pks []*PublicKey
		for _, key := range keys {
			pk, err := NewPublicKey(key.kid, key.alg, key.signer.Public())
			require.NoError(tb, err)
			pks = append(pks, pk)
		}
		return NewStaticKeySet(pks...)
	}
	cfg := Config{
		Now:    k.clock.Now,
		Logger: slog.New(slog.DiscardHandler),
		Issuers: []IssuerConfig{
			{Issuer: kitASIssuer, Audiences: []string{kitASAudience}, KeySet: keySet(append([]*kitKey{k.keyA}, extra...)...),
				Introspection: &IntrospectionConfig{URL: k.asA.URL + "/a/introspect", ClientID: kitClientID, ClientSecret: kitSecret}},
			{Issuer: kitBIssuer, Audiences: []string{kitASAudience}, KeySet: keySet(k.keyB)},
		},
	}
	if top {
		k.top = newKitAS(tb, IntrospectionAuthBasic, k.clock.Now)
		cfg.Introspection = IntrospectionConfig{URL: k.top.URL + "/top/introspect", ClientID: kitClientID,
			ClientSecret: kitSecret, Issuer: kitBIssuer}
	}
	if change != nil {
		change(&cfg)
	}
	v, err := NewVerifier(cfg)
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = v.Close() })
	k.v = v
	return k
}

// jwt signs a JWT of issuer (kitASIssuer with keyA, kitBIssuer with keyB)
// for subject, valid for an hour.
func (k *kitIssuers) jwt(tb testing.TB, issuer, subject string) string {
	tb.Helper()
	key := k.keyA
	if issuer == kitBIssuer {
		key = k.keyB
	}
	return key.sign(tb, map[string]any{"iss": issuer, "aud": kitASAudience, "sub": subject, "scope": "read:data",
		"exp": k.clock.Now().Add(time.Hour).Unix()})
}

// requests is the number of requests each endpoint got for tokens, probes
// excluded: A's, then the top-level one's (0 without one).
func (k *kitIssuers) requests() (a, top int64) {
	if k.top != nil {
		top = k.top.total.Load()
	}
	return k.asA.total.Load(), top
}
