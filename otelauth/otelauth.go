// Package otelauth reports what an axioms Verifier and its middleware do
// as OpenTelemetry metrics and traces: give the *core.Observer that New
// returns to core.Config.Observer. It uses the OpenTelemetry API only; the
// application chooses the SDK and the exporters (Prometheus, OTLP, ...).
//
// Metrics (OpenTelemetry names; a Prometheus exporter turns dots into
// underscores and adds the unit and _total suffixes, so the first is
// axioms_auth_decisions_total):
//
//   - axioms.auth.decisions (counter, {decision}): one per request the
//     middleware decided, with outcome ("allowed", "no_credentials",
//     "invalid_request", "invalid_token", "insufficient_scope",
//     "insufficient_user_authentication", "unavailable") and, for a
//     refusal, reason (the fixed error_description, such as
//     "token expired"; see core.Decision).
//   - axioms.verification.duration (histogram, s): each token
//     verification, with cached (true when the verified-token cache
//     answered: the count by cached is the cache hit ratio) and outcome.
//   - axioms.jwks.fetches (counter, {fetch}) and axioms.jwks.fetch.duration
//     (histogram, s): each HTTP request for a key set or a discovery
//     document, with kind ("jwks", "discovery"), result ("success",
//     "not_modified", "failure"), http.response.status_code when there was
//     an answer, and issuer.
//   - axioms.jwks.age (gauge, s): per issuer (or key set URL without one),
//     the time since its key set was last received or confirmed (304).
//
// Traces: a span "axioms.verify" (internal) per verification of a traced
// request (one whose context carries a span, from otelhttp or otelgrpc), with
// axioms.cached, axioms.outcome, axioms.reason and axioms.issuer; its
// status is Error only when keys were unavailable (a refused token is the
// client's error, not the server's). The decision is also set, as
// axioms.auth.outcome, on the span of the request (from otelhttp or
// otelgrpc), when one is recording.
//
// No attribute ever holds a token, a key or a claim other than the issuer
// of a verified token, and every attribute value comes from a bounded set.
package otelauth

import (
	"context"
	"errors"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/axiomsgo/axioms/core"
)

// ScopeName is the instrumentation scope of the meter and the tracer.
const ScopeName = "github.com/axiomsgo/axioms/otelauth"

// Option configures New.
type Option func(*settings)

type settings struct {
	mp metric.MeterProvider
	tp trace.TracerProvider
}

// WithMeterProvider records the metrics with mp. Default: the global one
// (otel.GetMeterProvider).
func WithMeterProvider(mp metric.MeterProvider) Option { return func(s *settings) { s.mp = mp } }

// WithTracerProvider records the spans with tp. Default: the global one
// (otel.GetTracerProvider).
func WithTracerProvider(tp trace.TracerProvider) Option { return func(s *settings) { s.tp = tp } }

// durationBuckets span a verified-token cache hit (well under a
// microsecond) to a verification that waited for a key set fetch.
var durationBuckets = []float64{1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4,
	1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 5e-2, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// New returns an Observer for core.Config.Observer that records the
// metrics and spans of the package documentation. It fails only when an
// instrument cannot be created.
func New(opts ...Option) (*core.Observer, error) {
	s := settings{}
	for _, o := range opts {
		o(&s)
	}
	if s.mp == nil {
		s.mp = otel.GetMeterProvider()
	}
	if s.tp == nil {
		s.tp = otel.GetTracerProvider()
	}
	ins, err := newInstruments(s.mp.Meter(ScopeName))
	if err != nil {
		return nil, err
	}
	ins.tracer = s.tp.Tracer(ScopeName)
	return &core.Observer{Decision: ins.decision, Verify: ins.verify, Fetch: ins.fetch}, nil
}

type instruments struct {
	tracer        trace.Tracer
	decisions     metric.Int64Counter
	verifications metric.Float64Histogram
	fetches       metric.Int64Counter
	fetchDuration metric.Float64Histogram

	startOpts []trace.SpanStartOption

	setsMu sync.RWMutex
	sets   map[setKey]*attrs // built once per key: the values are bounded

	mu       sync.Mutex
	received map[string]time.Time // last key set received or confirmed, by issuer or URL
}

func newInstruments(m metric.Meter) (*instruments, error) {
	ins := &instruments{received: map[string]time.Time{}, sets: map[setKey]*attrs{},
		startOpts: []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindInternal)}}
	var errs [5]error
	ins.decisions, errs[0] = m.Int64Counter("axioms.auth.decisions", metric.WithUnit("{decision}"),
		metric.WithDescription("Requests decided by the axioms middleware, by outcome and reason."))
	ins.verifications, errs[1] = m.Float64Histogram("axioms.verification.duration", metric.WithUnit("s"),
		metric.WithDescription("Token verifications, by cached and outcome."),
		metric.WithExplicitBucketBoundaries(durationBuckets...))
	ins.fetches, errs[2] = m.Int64Counter("axioms.jwks.fetches", metric.WithUnit("{fetch}"),
		metric.WithDescription("HTTP requests for key sets and discovery documents, by kind and result."))
	ins.fetchDuration, errs[3] = m.Float64Histogram("axioms.jwks.fetch.duration", metric.WithUnit("s"),
		metric.WithDescription("Duration of the HTTP requests for key sets and discovery documents."),
		metric.WithExplicitBucketBoundaries(durationBuckets...))
	_, errs[4] = m.Float64ObservableGauge("axioms.jwks.age", metric.WithUnit("s"),
		metric.WithDescription("Time since each issuer's key set was last received or confirmed."),
		metric.WithFloat64Callback(ins.observeAge))
	if err := errors.Join(errs[:]...); err != nil {
		return nil, err
	}
	return ins, nil
}

// setKey identifies one attribute set of one instrument.
type setKey struct {
	metric  byte // 'd'ecisions, 'v'erifications, 'f'etches
	a, b, c string
	status  int
	cached  bool
}

// attrs is one attribute set as the options of Add and Record, built once
// so that a measurement allocates nothing of its own.
type attrs struct {
	add []metric.AddOption
	rec []metric.RecordOption
}

// set returns the attribute set of key, built by kvs once.
func (ins *instruments) set(key setKey, kvs func() []attribute.KeyValue) *attrs {
	ins.setsMu.RLock()
	a, ok := ins.sets[key]
	ins.setsMu.RUnlock()
	if ok {
		return a
	}
	o := metric.WithAttributeSet(attribute.NewSet(kvs()...))
	a = &attrs{add: []metric.AddOption{o}, rec: []metric.RecordOption{o}}
	ins.setsMu.Lock()
	ins.sets[key] = a
	ins.setsMu.Unlock()
	return a
}

func (ins *instruments) decision(ctx context.Context, d core.Decision) {
	ins.decisions.Add(ctx, 1, ins.set(setKey{metric: 'd', a: d.Outcome, b: d.Reason}, func() []attribute.KeyValue {
		kvs := []attribute.KeyValue{attribute.String("outcome", d.Outcome)}
		if d.Reason != "" {
			kvs = append(kvs, attribute.String("reason", d.Reason))
		}
		return kvs
	}).add...)
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		span.SetAttributes(attribute.String("axioms.auth.outcome", d.Outcome))
	}
}

// verify starts the measurement of one verification, and its span when
// the request is traced (a valid span context in ctx: an orphan span per
// request would be noise, and costs allocations even with no SDK).
func (ins *instruments) verify(ctx context.Context) (context.Context, func(core.Verification)) {
	start := time.Now()
	var span trace.Span
	if trace.SpanContextFromContext(ctx).IsValid() {
		ctx, span = ins.tracer.Start(ctx, "axioms.verify", ins.startOpts...)
	}
	return ctx, func(v core.Verification) {
		outcome := core.OutcomeOf(v.Err)
		ins.verifications.Record(ctx, time.Since(start).Seconds(), ins.set(setKey{metric: 'v', a: outcome, cached: v.Cached},
			func() []attribute.KeyValue {
				return []attribute.KeyValue{attribute.Bool("cached", v.Cached), attribute.String("outcome", outcome)}
			}).rec...)
		if span == nil {
			return
		}
		if span.IsRecording() {
			span.SetAttributes(attribute.Bool("axioms.cached", v.Cached), attribute.String("axioms.outcome", outcome))
			if v.Issuer != "" {
				span.SetAttributes(attribute.String("axioms.issuer", v.Issuer))
			}
			if v.Err != nil {
				span.SetAttributes(attribute.String("axioms.reason", reasonOf(v.Err)))
			}
			if outcome == core.OutcomeUnavailable {
				span.SetStatus(codes.Error, "signing keys unavailable")
			}
		}
		span.End()
	}
}

func (ins *instruments) fetch(ctx context.Context, f core.Fetch) {
	result := "success"
	switch {
	case f.Err != nil:
		result = "failure"
	case f.Status == 304:
		result = "not_modified"
	}
	source := f.Issuer
	if source == "" {
		source = f.URL
	}
	a := ins.set(setKey{metric: 'f', a: f.Kind, b: result, c: f.Issuer, status: f.Status}, func() []attribute.KeyValue {
		kvs := []attribute.KeyValue{attribute.String("kind", f.Kind), attribute.String("result", result),
			attribute.String("issuer", f.Issuer)}
		if f.Status > 0 {
			kvs = append(kvs, attribute.Int("http.response.status_code", f.Status))
		}
		return kvs
	})
	ins.fetches.Add(ctx, 1, a.add...)
	ins.fetchDuration.Record(ctx, f.Duration.Seconds(), a.rec...)
	if f.Kind == core.FetchKeySet && f.Err == nil {
		ins.mu.Lock()
		ins.received[source] = time.Now()
		ins.mu.Unlock()
	}
}

func (ins *instruments) observeAge(_ context.Context, o metric.Float64Observer) error {
	ins.mu.Lock()
	defer ins.mu.Unlock()
	for source, at := range ins.received {
		o.Observe(time.Since(at).Seconds(), metric.WithAttributes(attribute.String("issuer", source)))
	}
	return nil
}

// reasonOf is the fixed description of a core error.
func reasonOf(err error) string {
	var e *core.Error
	if errors.As(err, &e) {
		return e.Description()
	}
	return core.OutcomeOf(err)
}
