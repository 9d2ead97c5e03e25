package server

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/axiomsgo/axioms/adapters/exampleapi"
	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/otelauth"
)

// MetricsPath is where a server started with METRICS=true serves its
// metrics, without authentication, in the Prometheus text format.
const MetricsPath = "/metrics"

// metrics is what METRICS=true adds: the verifier's observer (otelauth)
// recording into an OpenTelemetry meter provider that the Prometheus
// exporter reads, in a registry of its own.
type metrics struct {
	registry *prometheus.Registry
	provider *sdkmetric.MeterProvider
	observer *core.Observer
}

// metricsFromEnv returns the metrics of METRICS=true (any value
// strconv.ParseBool reads; unset or false: nil), or an error naming METRICS.
func metricsFromEnv() (*metrics, error) {
	raw := strings.TrimSpace(os.Getenv("METRICS"))
	if raw == "" {
		return nil, nil
	}
	on, err := strconv.ParseBool(raw)
	if err != nil {
		return nil, fmt.Errorf("METRICS: %q is not a boolean (true or false)", raw)
	}
	if !on {
		return nil, nil
	}
	reg := prometheus.NewRegistry()
	exporter, err := otelprom.New(otelprom.WithRegisterer(reg))
	if err != nil {
		return nil, fmt.Errorf("METRICS: %w", err)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter))
	obs, err := otelauth.New(otelauth.WithMeterProvider(mp))
	if err != nil {
		_ = mp.Shutdown(context.Background())
		return nil, fmt.Errorf("METRICS: %w", err)
	}
	return &metrics{registry: reg, provider: mp, observer: obs}, nil
}

// reply is GET /metrics: the registry in the Prometheus text format.
func (m *metrics) reply(exampleapi.Request) exampleapi.Reply {
	families, err := m.registry.Gather()
	if err != nil {
		return exampleapi.Error(http.StatusInternalServerError)
	}
	format := expfmt.NewFormat(expfmt.TypeTextPlain)
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, format)
	for _, f := range families {
		if err := enc.Encode(f); err != nil {
			return exampleapi.Error(http.StatusInternalServerError)
		}
	}
	return exampleapi.Reply{Status: http.StatusOK, Raw: buf.String(), ContentType: string(format)}
}

// Routes is the example API of the behaviour contract for the App's
// verifier (exampleapi.Routes), with GET /metrics when METRICS=true.
func (a *App) Routes() []exampleapi.Route {
	routes := exampleapi.Routes(a.Verifier)
	if a.metrics != nil {
		routes = append(routes, exampleapi.Route{Method: http.MethodGet, Path: MetricsPath, Auth: exampleapi.Public,
			Handle: a.metrics.reply})
	}
	return routes
}

// WithMetrics returns h serving GET /metrics too when METRICS=true (h
// itself otherwise), for a server whose routes are not a table.
func (a *App) WithMetrics(h http.Handler) http.Handler {
	if a.metrics == nil {
		return h
	}
	mux := http.NewServeMux()
	mux.Handle("GET "+MetricsPath, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		exampleapi.WriteReply(w, a.metrics.reply(exampleapi.Request{Method: r.Method, Context: r.Context()}))
	}))
	mux.Handle("/", h)
	return mux
}
