package otelauth_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/axiomsgo/axioms/adapters/httpauth"
	"github.com/axiomsgo/axioms/authtest"
	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/otelauth"
)

// The Observer goes into core.Config.Observer; every request the
// middleware decides is then counted by outcome. A real application gives
// its own meter provider (with a Prometheus or OTLP exporter), or none to
// use the global one.
func Example() {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())

	obs, err := otelauth.New(otelauth.WithMeterProvider(mp))
	if err != nil {
		log.Fatal(err)
	}
	iss, err := authtest.NewIssuer()
	if err != nil {
		log.Fatal(err)
	}
	defer iss.Close()
	cfg := iss.Config()
	cfg.Observer = obs
	v, err := core.NewVerifier(cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()
	srv := httptest.NewServer(httpauth.Middleware(v)(http.NotFoundHandler()))
	defer srv.Close()

	resp, err := http.Get(srv.URL) // no token
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		log.Fatal(err)
	}
	for _, m := range rm.ScopeMetrics[0].Metrics {
		if m.Name == "axioms.auth.decisions" {
			for _, p := range m.Data.(metricdata.Sum[int64]).DataPoints {
				outcome, _ := p.Attributes.Value("outcome")
				fmt.Println(m.Name, outcome.String(), p.Value)
			}
		}
	}
	// Output: axioms.auth.decisions no_credentials 1
}
