package otelauth_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.uber.org/goleak"

	"github.com/axiomsgo/axioms/adapters/httpauth"
	"github.com/axiomsgo/axioms/authtest"
	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/otelauth"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type env struct {
	iss    *authtest.Issuer
	reader *sdkmetric.ManualReader
	spans  *tracetest.SpanRecorder
	srv    *httptest.Server
}

// newEnv serves /me (a valid token) and /admin (role admin) through
// httpauth, with a verifier observed by otelauth.
func newEnv(t *testing.T) *env {
	e := &env{iss: authtest.NewTestIssuer(t), reader: sdkmetric.NewManualReader(), spans: tracetest.NewSpanRecorder()}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(e.reader))
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(e.spans))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()); _ = tp.Shutdown(context.Background()) })
	obs, err := otelauth.New(otelauth.WithMeterProvider(mp), otelauth.WithTracerProvider(tp))
	require.NoError(t, err)
	cfg := e.iss.Config()
	cfg.Observer = obs
	v, err := core.NewVerifier(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = v.Close() })
	mux := http.NewServeMux()
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	mux.Handle("/me", ok)
	mux.Handle("/admin", httpauth.Require(core.AnyRole("admin"))(ok))
	// A span per request, as otelhttp starts one: axioms.verify is its child.
	traced := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx, span := tp.Tracer("test").Start(r.Context(), "request")
			defer span.End()
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
	e.srv = httptest.NewServer(traced(httpauth.Middleware(v)(mux)))
	t.Cleanup(e.srv.Close)
	return e
}

func (e *env) get(t *testing.T, path, token string) int {
	req, err := http.NewRequest(http.MethodGet, e.srv.URL+path, nil)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := e.srv.Client().Do(req)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode
}

func (e *env) collect(t *testing.T) map[string]metricdata.Metrics {
	var rm metricdata.ResourceMetrics
	require.NoError(t, e.reader.Collect(context.Background(), &rm))
	out := map[string]metricdata.Metrics{}
	for _, sm := range rm.ScopeMetrics {
		assert.Equal(t, otelauth.ScopeName, sm.Scope.Name)
		for _, m := range sm.Metrics {
			out[m.Name] = m
		}
	}
	return out
}

// counts sums a counter's points by the value of attribute key, and
// key2 when given ("a|b").
func counts(t *testing.T, m metricdata.Metrics, keys ...attribute.Key) map[string]int64 {
	sum, ok := m.Data.(metricdata.Sum[int64])
	require.True(t, ok, "%s is an int64 sum", m.Name)
	assert.True(t, sum.IsMonotonic)
	out := map[string]int64{}
	for _, p := range sum.DataPoints {
		label := ""
		for i, k := range keys {
			v, _ := p.Attributes.Value(k)
			if i > 0 {
				label += "|"
			}
			label += v.String()
		}
		out[label] += p.Value
	}
	return out
}

func TestDecisionsAndVerifications(t *testing.T) {
	e := newEnv(t)
	alice := e.iss.MustToken(t, "alice")
	admin := e.iss.MustToken(t, "root", authtest.Roles("admin"))

	assert.Equal(t, 401, e.get(t, "/me", ""))
	assert.Equal(t, 200, e.get(t, "/me", alice))
	assert.Equal(t, 200, e.get(t, "/me", alice)) // from the verified-token cache
	assert.Equal(t, 403, e.get(t, "/admin", alice))
	assert.Equal(t, 200, e.get(t, "/admin", admin))
	assert.Equal(t, 401, e.get(t, "/me", "e30.e30.e30"))

	ms := e.collect(t)
	assert.Equal(t, map[string]int64{
		"no_credentials|authentication required": 1,
		"allowed|":                               3,
		"insufficient_scope|insufficient role":   1,
		"invalid_token|algorithm not allowed":    1,
	}, counts(t, ms["axioms.auth.decisions"], "outcome", "reason"))
	assert.Equal(t, "{decision}", ms["axioms.auth.decisions"].Unit)

	h, ok := ms["axioms.verification.duration"].Data.(metricdata.Histogram[float64])
	require.True(t, ok)
	byCached := map[string]uint64{}
	for _, p := range h.DataPoints {
		c, _ := p.Attributes.Value("cached")
		o, _ := p.Attributes.Value("outcome")
		byCached[c.String()+"|"+o.String()] += p.Count
	}
	// alice verified once then cached twice (the 403 too), admin once, the forged token refused.
	assert.Equal(t, map[string]uint64{"false|allowed": 2, "true|allowed": 2, "false|invalid_token": 1}, byCached)

	var verifySpans int
	for _, s := range e.spans.Ended() {
		if s.Name() == "request" {
			outcome := map[string]bool{}
			for _, kv := range s.Attributes() {
				outcome[kv.Value.String()] = kv.Key == "axioms.auth.outcome"
			}
			assert.Len(t, outcome, 1, "the request span carries the decision")
			continue
		}
		verifySpans++
		assert.Equal(t, "axioms.verify", s.Name())
		assert.True(t, s.Parent().IsValid(), "a child of the request's span")
		for _, kv := range s.Attributes() {
			assert.NotContains(t, kv.Value.String(), alice[:20], "no attribute holds the token")
		}
	}
	assert.Equal(t, 5, verifySpans, "one span per verification")
}

func TestFetchesAndKeySetAge(t *testing.T) {
	e := newEnv(t)
	assert.Equal(t, 200, e.get(t, "/me", e.iss.MustToken(t, "alice")))
	ms := e.collect(t)
	got := counts(t, ms["axioms.jwks.fetches"], "kind", "result", "http.response.status_code")
	assert.Equal(t, int64(1), got["jwks|success|200"], "%v", got)

	g, ok := ms["axioms.jwks.age"].Data.(metricdata.Gauge[float64])
	require.True(t, ok)
	require.Len(t, g.DataPoints, 1)
	issuer, _ := g.DataPoints[0].Attributes.Value("issuer")
	assert.Equal(t, e.iss.URL(), issuer.String())
	assert.GreaterOrEqual(t, g.DataPoints[0].Value, 0.0)
	assert.Less(t, g.DataPoints[0].Value, 60.0)
}
