// Package server holds what the example servers share besides their
// routers: the listen address, the verifier (or a development issuer), the
// public URL of the RFC 9728 metadata, the ready line and graceful
// shutdown.
package server

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/examples/internal/devissuer"
	"github.com/axiomsgo/axioms/redisreplay"
)

// DefaultAddr is the listen address when ADDR is unset.
const DefaultAddr = "127.0.0.1:8080"

// ShutdownTimeout bounds the graceful shutdown after SIGINT or SIGTERM.
const ShutdownTimeout = 10 * time.Second

// Listen listens on ADDR (default DefaultAddr). ADDR=127.0.0.1:0 picks a
// free port; BaseURL tells which. With TLS_CERT and TLS_KEY set it serves
// TLS, asking clients for a certificate (see tlsFromEnv); otherwise plain
// HTTP.
func Listen() (net.Listener, error) {
	tlsConfig, err := tlsFromEnv()
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cmp.Or(os.Getenv("ADDR"), DefaultAddr))
	if err != nil || tlsConfig == nil {
		return ln, err
	}
	return tlsListener{tls.NewListener(ln, tlsConfig)}, nil
}

// BaseURL is the URL clients reach ln at, such as http://127.0.0.1:8080
// (https:// when Listen serves TLS). An unspecified host (ADDR=":8080")
// is shown as localhost.
func BaseURL(ln net.Listener) string {
	addr := ln.Addr().String()
	if host, port, err := net.SplitHostPort(addr); err == nil {
		if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
			addr = net.JoinHostPort("localhost", port)
		}
	}
	if _, ok := ln.(tlsListener); ok {
		return "https://" + addr
	}
	return "http://" + addr
}

// ResourceMetadata is v's default RFC 9728 metadata (resource: the first
// audience; authorization_servers: the issuers; bearer_methods_supported:
// header), published at PUBLIC_URL + core.ProtectedResourcePath when
// PUBLIC_URL is set (https, or http on loopback: the URL clients reach the
// server at, such as https://api.example.com behind a proxy), else at the
// scheme and Host each request arrived with. A bad PUBLIC_URL is an error
// naming it.
func ResourceMetadata(v *core.Verifier) (*core.ResourceMetadata, error) {
	m, err := core.NewResourceMetadata(v.ProtectedResource(), strings.TrimSpace(os.Getenv("PUBLIC_URL")))
	if err != nil {
		return nil, fmt.Errorf("PUBLIC_URL: %w", err)
	}
	return m, nil
}

// Run serves on ln with serve, logs the one ready line
// ("ready: serving http://host:port"), and on SIGINT or SIGTERM shuts down
// with shutdown, waiting at most ShutdownTimeout for requests in flight. A
// second signal stops the process at once. It returns serve's error when
// serving fails, shutdown's when shutting down does.
func Run(ln net.Listener, serve func(net.Listener) error, shutdown func(context.Context) error) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- serve(ln) }()
	log.Printf("ready: serving %s", BaseURL(ln))

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", cmp.Or(err, errors.New("stopped")))
	case <-ctx.Done():
	}
	stop()
	log.Print("shutting down")
	ctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	if err := shutdown(ctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// App is what every example server builds before its routes.
type App struct {
	Listener net.Listener
	Verifier *core.Verifier
	Metadata *core.ResourceMetadata
	stopDev  func()
	metrics  *metrics           // METRICS=true; nil otherwise
	replay   *redisreplay.Store // AXIOMS_DPOP_REPLAY_REDIS; nil otherwise
}

// Setup reads a .env file (LoadDotEnv), listens on ADDR, builds the
// verifier from the AXIOMS_* variables (core.ConfigFromEnv, then
// core.NewVerifier; with no issuer configured, it trusts a development
// issuer and prints curl commands to stderr) with DPoP's PUBLIC_URL and
// AXIOMS_DPOP_REPLAY_REDIS (senderConstraint), and the RFC 9728 metadata
// from PUBLIC_URL. Close releases what it started.
func Setup() (*App, error) { return SetupWith(devissuer.ConfigFromEnv) }

// ConfigFunc returns the Config of a server reached at baseURL, writing
// the development banner, if any, to w: devissuer.ConfigFromEnv, or a
// variant with another banner.
type ConfigFunc func(baseURL string, w io.Writer) (cfg core.Config, stop func(), err error)

// SetupWith is Setup with config in place of devissuer.ConfigFromEnv.
func SetupWith(config ConfigFunc) (*App, error) {
	if err := LoadDotEnv(); err != nil {
		return nil, err
	}
	ln, err := Listen()
	if err != nil {
		return nil, err
	}
	app := &App{Listener: ln, stopDev: func() {}}
	if err := app.build(config); err != nil {
		app.Close()
		return nil, err
	}
	return app, nil
}

func (a *App) build(config ConfigFunc) error {
	cfg, stopDev, err := config(BaseURL(a.Listener), os.Stderr)
	if err != nil {
		return err
	}
	a.stopDev = stopDev
	if a.metrics, err = metricsFromEnv(); err != nil {
		return err
	}
	if a.metrics != nil {
		cfg.Observer = a.metrics.observer
	}
	if err := a.senderConstraint(&cfg); err != nil {
		return err
	}
	if a.Verifier, err = core.NewVerifier(cfg); err != nil {
		return err
	}
	a.Metadata, err = ResourceMetadata(a.Verifier)
	return err
}

// Close stops the verifier's key refresh and the development issuer,
// closes the Redis client of the replay store, and closes the listener if
// the server never took it over.
func (a *App) Close() {
	if a.Verifier != nil {
		_ = a.Verifier.Close()
	}
	if a.replay != nil {
		_ = a.replay.Close()
	}
	a.stopDev()
	if a.metrics != nil {
		_ = a.metrics.provider.Shutdown(context.Background())
	}
	_ = a.Listener.Close()
}

// Main is the main function of every example server: Setup, then serve
// what build returns (its serve and graceful-shutdown functions) with Run;
// a failure is logged and exits with status 1.
func Main(build func(*App) (serve func(net.Listener) error, shutdown func(context.Context) error)) {
	MainWith(devissuer.ConfigFromEnv, build)
}

// MainWith is Main with config in place of devissuer.ConfigFromEnv.
func MainWith(config ConfigFunc, build func(*App) (serve func(net.Listener) error, shutdown func(context.Context) error)) {
	app, err := SetupWith(config) // ADDR, AXIOMS_* (or a development issuer), PUBLIC_URL
	if err == nil {
		serve, shutdown := build(app)
		err = Run(app.Listener, serve, shutdown)
		app.Close()
	}
	if err != nil {
		log.Fatal(err)
	}
}
