// Package server holds what the three example servers share besides their
// routes: the listen address, the public URL of the RFC 9728 metadata, the
// ready line, graceful shutdown and the shape of plain error answers.
package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/axiomsgo/axioms/core"
)

// DefaultAddr is the listen address when ADDR is unset.
const DefaultAddr = "127.0.0.1:8080"

// ShutdownTimeout bounds the graceful shutdown after SIGINT or SIGTERM.
const ShutdownTimeout = 10 * time.Second

// Listen listens on ADDR (default DefaultAddr). ADDR=127.0.0.1:0 picks a
// free port; BaseURL tells which.
func Listen() (net.Listener, error) {
	return net.Listen("tcp", cmp.Or(os.Getenv("ADDR"), DefaultAddr))
}

// BaseURL is the URL clients reach ln at, such as http://127.0.0.1:8080.
// An unspecified host (ADDR=":8080") is shown as localhost.
func BaseURL(ln net.Listener) string {
	addr := ln.Addr().String()
	if host, port, err := net.SplitHostPort(addr); err == nil {
		if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
			addr = net.JoinHostPort("localhost", port)
		}
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

// ErrorCode is the "error" member of the JSON body of a plain HTTP error
// ({"error": "not_found"}), the shape every error of these servers has:
// 400 invalid_request (RFC 6750 §3.1), otherwise the status text in snake
// case (404 not_found, 405 method_not_allowed, 413 request_entity_too_large).
func ErrorCode(status int) string {
	if status == http.StatusBadRequest {
		return "invalid_request"
	}
	text := cmp.Or(http.StatusText(status), "error")
	return strings.ToLower(strings.NewReplacer(" ", "_", "-", "_", "'", "").Replace(text))
}
