package otelauth_test

import (
	"context"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/axiomsgo/axioms/authtest"
	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/otelauth"
)

// BenchmarkDecision is one request's decision on a verified-token cache
// hit (Guard.Authenticate, then Done), without an observer, with otelauth
// recording metrics, and with metrics and a sampled span in a traced
// request.
func BenchmarkDecision(b *testing.B) {
	iss := authtest.NewTestIssuer(b)
	token := iss.MustToken(b, "alice")
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()))
	b.Cleanup(func() { _ = mp.Shutdown(context.Background()); _ = tp.Shutdown(context.Background()) })
	metricsOnly, err := otelauth.New(otelauth.WithMeterProvider(mp))
	if err != nil {
		b.Fatal(err)
	}
	traced, err := otelauth.New(otelauth.WithMeterProvider(mp), otelauth.WithTracerProvider(tp))
	if err != nil {
		b.Fatal(err)
	}
	creds := core.Credentials{Authorization: []string{"Bearer " + token}}
	traceCtx, parent := tp.Tracer("request").Start(context.Background(), "request") // as otelhttp does
	defer parent.End()
	for _, bc := range []struct {
		name string
		obs  *core.Observer
		ctx  context.Context
	}{{"none", nil, context.Background()}, {"metrics", metricsOnly, context.Background()}, {"metrics+trace", traced, traceCtx}} {
		b.Run(bc.name, func(b *testing.B) {
			cfg := iss.Config()
			cfg.Observer = bc.obs
			v, err := core.NewVerifier(cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer v.Close()
			g := core.NewGuard(v, core.GuardOptions{})
			ctx := bc.ctx
			if _, err := g.Authenticate(ctx, "GET", creds); err != nil { // warm the key set and the cache
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				rctx, err := g.Authenticate(ctx, "GET", creds)
				if err != nil {
					b.Fatal(err)
				}
				g.Done(rctx)
			}
		})
	}
}
