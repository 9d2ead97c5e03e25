package core

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recorder is an Observer that keeps every event.
type recorder struct {
	mu        sync.Mutex
	decisions []Decision
	verified  []Verification
	fetches   []Fetch
	spans     int // Verify calls whose context reached the end
}

type spanKey struct{}

func (r *recorder) observer() *Observer {
	return &Observer{
		Decision: func(_ context.Context, d Decision) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.decisions = append(r.decisions, d)
		},
		Verify: func(ctx context.Context) (context.Context, func(Verification)) {
			ctx = context.WithValue(ctx, spanKey{}, true)
			return ctx, func(v Verification) {
				r.mu.Lock()
				defer r.mu.Unlock()
				r.verified = append(r.verified, v)
				r.spans++
			}
		},
		Fetch: func(_ context.Context, f Fetch) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.fetches = append(r.fetches, f)
		},
	}
}

func (r *recorder) takeDecisions() []Decision {
	r.mu.Lock()
	defer r.mu.Unlock()
	d := r.decisions
	r.decisions = nil
	return d
}

type observed struct {
	rec   *recorder
	v     *Verifier
	g     *Guard
	key   *kitKey
	clock *kitClock
	logs  *bytes.Buffer
}

const obsIssuer, obsAudience = "https://issuer.example.com", "https://api.example.com"

func newObserved(t *testing.T) *observed {
	key := newKitKey(t, "k1", "RS256")
	srv := newKitJWKSServer(t, kitJWKS(t, key.jwk(t)))
	rec := &recorder{}
	logs := &bytes.Buffer{}
	clock := newKitClock()
	v, err := NewVerifier(Config{Issuer: obsIssuer, JWKSURL: srv.URL, Audiences: []string{obsAudience},
		Now: clock.Now, Observer: rec.observer(),
		Logger: slog.New(slog.NewJSONHandler(&lockedWriter{w: logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	require.NoError(t, err)
	t.Cleanup(func() { _ = v.Close() })
	require.NoError(t, obsRemote(v).Refresh(context.Background()))
	return &observed{rec: rec, v: v, g: NewGuard(v, GuardOptions{}), key: key, clock: clock, logs: logs}
}

// lockedWriter serialises writes of the log handler for -race.
type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (o *observed) token(t *testing.T, claims map[string]any) string {
	base := map[string]any{"iss": obsIssuer, "aud": obsAudience, "sub": "alice",
		"exp": o.clock.Now().Add(time.Hour).Unix(), "iat": o.clock.Now().Unix()}
	for k, v := range claims {
		if v == nil {
			delete(base, k)
		} else {
			base[k] = v
		}
	}
	return o.key.sign(t, base)
}

func bearer(tok string) Credentials { return Credentials{Authorization: []string{"Bearer " + tok}} }

func TestObserverOneDecisionPerRequest(t *testing.T) {
	o := newObserved(t)
	ctx := context.Background()
	good := o.token(t, map[string]any{"scope": "read"})

	t.Run("allowed once the request is done", func(t *testing.T) {
		rctx, err := o.g.Authenticate(ctx, http.MethodGet, bearer(good))
		require.NoError(t, err)
		require.NoError(t, o.g.Authorize(rctx, http.MethodGet, AnyScope("read")))
		assert.Empty(t, o.rec.takeDecisions(), "nothing before Done")
		o.g.Done(rctx)
		o.g.Done(rctx) // a second Done is not a second decision
		assert.Equal(t, []Decision{{Outcome: OutcomeAllowed, Issuer: obsIssuer}}, o.rec.takeDecisions())
	})
	t.Run("no credentials", func(t *testing.T) {
		rctx, err := o.g.Authenticate(ctx, http.MethodGet, Credentials{})
		require.Error(t, err)
		o.g.Done(rctx)
		assert.Equal(t, []Decision{{Outcome: OutcomeNoCredentials, Reason: "authentication required"}}, o.rec.takeDecisions())
	})
	t.Run("invalid token", func(t *testing.T) {
		expired := o.token(t, map[string]any{"exp": o.clock.Now().Add(-time.Hour).Unix(), "iat": o.clock.Now().Add(-2 * time.Hour).Unix()})
		_, err := o.g.Authenticate(ctx, http.MethodGet, bearer(expired))
		require.ErrorIs(t, err, ErrTokenExpired)
		assert.Equal(t, []Decision{{Outcome: OutcomeInvalidToken, Reason: "token expired"}}, o.rec.takeDecisions())
	})
	t.Run("invalid request", func(t *testing.T) {
		_, err := o.g.Authenticate(ctx, http.MethodGet, Credentials{Authorization: []string{"Bearer a", "Bearer b"}})
		require.ErrorIs(t, err, ErrInvalidRequest)
		got := o.rec.takeDecisions()
		require.Len(t, got, 1)
		assert.Equal(t, OutcomeInvalidRequest, got[0].Outcome)
	})
	t.Run("the first refusal of a policy, and no allowed after it", func(t *testing.T) {
		rctx, err := o.g.Authenticate(ctx, http.MethodGet, bearer(good))
		require.NoError(t, err)
		require.ErrorIs(t, o.g.Authorize(rctx, http.MethodGet, AnyRole("admin")), ErrInsufficientScope)
		require.ErrorIs(t, o.g.Authorize(rctx, http.MethodGet, AnyScope("write")), ErrInsufficientScope)
		o.g.Done(rctx)
		assert.Equal(t, []Decision{{Outcome: OutcomeInsufficientScope, Reason: "insufficient role", Issuer: obsIssuer}},
			o.rec.takeDecisions())
	})
	t.Run("a skipped request is no decision unless a policy refuses it", func(t *testing.T) {
		o.g.Done(o.g.Skip(ctx))
		assert.Empty(t, o.rec.takeDecisions())
		rctx := o.g.Skip(ctx)
		require.ErrorIs(t, o.g.Authorize(rctx, http.MethodGet, nil), ErrNoCredentials)
		o.g.Done(rctx)
		assert.Equal(t, []Decision{{Outcome: OutcomeNoCredentials, Reason: "authentication required"}}, o.rec.takeDecisions())
	})
	t.Run("another Guard's request is not reported as allowed", func(t *testing.T) {
		rctx, err := o.g.Authenticate(ctx, http.MethodGet, bearer(good))
		require.NoError(t, err)
		NewGuard(o.v, GuardOptions{}).Done(rctx)
		assert.Empty(t, o.rec.takeDecisions())
	})
	t.Run("refused by the adapter before Authenticate", func(t *testing.T) {
		rctx := o.g.Refuse(ctx, ErrFormTooLarge)
		o.g.Done(rctx)
		_, ok := ClaimsFromContext(rctx)
		assert.False(t, ok)
		assert.Same(t, o.g, GuardFromContext(rctx))
		got := o.rec.takeDecisions()
		require.Len(t, got, 1)
		assert.Equal(t, OutcomeInvalidRequest, got[0].Outcome)
	})
	t.Run("keys unavailable", func(t *testing.T) {
		assert.Equal(t, OutcomeUnavailable, OutcomeOf(keysUnavailable(time.Second)))
	})
}

func TestObserverVerify(t *testing.T) {
	o := newObserved(t)
	good := o.token(t, nil)
	for range 2 {
		_, err := o.v.Verify(context.Background(), good)
		require.NoError(t, err)
	}
	_, err := o.v.Verify(context.Background(), o.token(t, map[string]any{"aud": "https://other.example.com"}))
	require.ErrorIs(t, err, ErrAudienceMismatch)

	o.rec.mu.Lock()
	defer o.rec.mu.Unlock()
	require.Len(t, o.rec.verified, 3)
	assert.Equal(t, Verification{Issuer: obsIssuer}, o.rec.verified[0], "a cache miss")
	assert.Equal(t, Verification{Cached: true, Issuer: obsIssuer}, o.rec.verified[1], "then a hit")
	assert.Equal(t, ErrAudienceMismatch, o.rec.verified[2].Err)
	assert.Empty(t, o.rec.verified[2].Issuer, "no issuer for a refused token")
}

func TestObserverFetches(t *testing.T) {
	key := newKitKey(t, "k1", "ES256")
	jwks := newKitJWKSServer(t, kitJWKS(t, key.jwk(t)))
	var issuer string
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]string{"issuer": issuer, "jwks_uri": jwks.URL})
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	issuer = srv.URL
	rec := &recorder{}
	v, err := NewVerifier(Config{Issuer: issuer, Audiences: []string{"a"}, Observer: rec.observer(),
		Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	defer v.Close()
	require.NoError(t, obsRemote(v).Refresh(context.Background()))
	jwks.status.Store(http.StatusBadGateway)
	require.Error(t, obsRemote(v).Refresh(context.Background()))

	rec.mu.Lock()
	defer rec.mu.Unlock()
	require.Len(t, rec.fetches, 3)
	d, ok, bad := rec.fetches[0], rec.fetches[1], rec.fetches[2]
	assert.Equal(t, Fetch{Kind: FetchDiscovery, Issuer: issuer, URL: issuer + "/.well-known/openid-configuration", Status: 200}, withoutDuration(d))
	assert.Equal(t, Fetch{Kind: FetchKeySet, Issuer: issuer, URL: jwks.URL, Status: 200}, withoutDuration(ok))
	assert.Equal(t, FetchKeySet, bad.Kind)
	assert.Equal(t, http.StatusBadGateway, bad.Status)
	assert.Error(t, bad.Err)
	assert.Positive(t, ok.Duration)
}

func withoutDuration(f Fetch) Fetch { f.Duration = 0; return f }

func TestDebugLogOfRefusals(t *testing.T) {
	o := newObserved(t)
	ctx := context.Background()
	wrongAud := o.token(t, map[string]any{"aud": []string{"https://other.example.com", "x\ny"}})
	_, err := o.v.Verify(ctx, wrongAud)
	require.ErrorIs(t, err, ErrAudienceMismatch)
	wrongIss := o.token(t, map[string]any{"iss": obsIssuer + "/"})
	_, err = o.v.Verify(ctx, wrongIss)
	require.ErrorIs(t, err, ErrIssuerMismatch)
	rctx, err := o.g.Authenticate(ctx, http.MethodGet, bearer(o.token(t, nil)))
	require.NoError(t, err)
	require.Error(t, o.g.Authorize(rctx, http.MethodPost, AllScopes("write:data")))

	lines := strings.Split(strings.TrimSpace(o.logs.String()), "\n")
	var refusals []map[string]any
	for _, l := range lines {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m))
		if strings.HasSuffix(m["msg"].(string), "refused") {
			refusals = append(refusals, m)
		}
	}
	require.Len(t, refusals, 3, o.logs.String())
	aud, iss, scope := refusals[0], refusals[1], refusals[2]
	assert.Equal(t, "DEBUG", aud["level"])
	assert.Equal(t, "audience not accepted", aud["reason"])
	assert.Equal(t, []any{"https://other.example.com", "x?y"}, aud["aud"], "received, sanitized")
	assert.Equal(t, []any{obsAudience}, aud["expected_aud"])
	assert.Equal(t, obsIssuer+"/", iss["iss"])
	assert.Equal(t, []any{obsIssuer}, iss["expected_iss"])
	assert.Equal(t, "axioms: request refused", scope["msg"])
	assert.Equal(t, []any{"write:data"}, scope["needed_scopes"])
	for _, tok := range []string{wrongAud, wrongIss} {
		assert.NotContains(t, o.logs.String(), tok[strings.LastIndexByte(tok, '.')+1:], "never the token")
	}

	quiet := &bytes.Buffer{}
	v, err := NewVerifier(Config{Issuer: obsIssuer, KeySet: obsStatic(t, o.key), Audiences: []string{obsAudience},
		Now: o.clock.Now, Logger: slog.New(slog.NewTextHandler(quiet, nil))})
	require.NoError(t, err)
	_, err = v.Verify(ctx, wrongAud)
	require.Error(t, err)
	assert.Empty(t, quiet.String(), "nothing above debug level")
}

// obsRemote is the remote key set of a single-issuer Verifier.
func obsRemote(v *Verifier) *RemoteKeySet { return v.only.remote.Load() }

func obsStatic(t *testing.T, k *kitKey) KeySet {
	ks, err := ParseStaticKeySet(kitJWKS(t, k.jwk(t)))
	require.NoError(t, err)
	return ks
}

func TestParseStaticKeySetWithLogger(t *testing.T) {
	k := newKitKey(t, "k1", "ES256")
	hmac := map[string]any{"kty": "oct", "kid": "h", "k": "c2VjcmV0"}
	var buf bytes.Buffer
	ks, err := ParseStaticKeySetWith(kitJWKS(t, k.jwk(t), hmac), StaticKeySetOptions{Logger: slog.New(slog.NewTextHandler(&buf, nil))})
	require.NoError(t, err)
	keys, err := ks.Keys(context.Background(), "k1")
	require.NoError(t, err)
	assert.Len(t, keys, 1)
	assert.Contains(t, buf.String(), "kid=h", "the dropped key is logged to the given logger")
}
