package exampleapi_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axiomsgo/axioms/adapters/exampleapi"
	"github.com/axiomsgo/axioms/core"
)

func TestErrorCode(t *testing.T) {
	for status, want := range map[int]string{
		400: "invalid_request",
		404: "not_found",
		405: "method_not_allowed",
		413: "request_entity_too_large",
		418: "im_a_teapot",
		500: "internal_server_error",
		599: "error",
	} {
		assert.Equal(t, want, exampleapi.ErrorCode(status), "status %d", status)
		assert.Equal(t, exampleapi.Reply{Status: status, Body: map[string]string{"error": want}}, exampleapi.Error(status))
	}
}

func TestStack(t *testing.T) {
	s := exampleapi.Stack[string]{Optional: "optional", Skipped: "skipped",
		Require: func(core.Policy) string { return "require" }}
	p := core.Authenticated()
	for _, tt := range []struct {
		rt   exampleapi.Route
		want []string
	}{
		{exampleapi.Route{Auth: exampleapi.Public}, nil},
		{exampleapi.Route{Auth: exampleapi.Token}, nil},
		{exampleapi.Route{Auth: exampleapi.Token, Policy: p}, []string{"require"}},
		{exampleapi.Route{Auth: exampleapi.Optional, Policy: p}, []string{"optional", "require"}},
		{exampleapi.Route{Auth: exampleapi.Skipped, Policy: p}, []string{"skipped", "require"}},
		{exampleapi.Route{Auth: exampleapi.Bare, Policy: p}, []string{"require"}},
	} {
		assert.Equal(t, tt.want, s.For(tt.rt), "auth %d", tt.rt.Auth)
	}
}

func TestUnauthenticated(t *testing.T) {
	skip := exampleapi.Unauthenticated(exampleapi.Routes(nil))
	for path, want := range map[string]bool{
		"/health": true, "/public": true, "/ready": true, "/optional": true, core.ProtectedResourcePath: true,
		"/me": false, "/api/any": false, "/articles/1": false, "/no-such-route": false, "/health/": false,
	} {
		assert.Equal(t, want, skip(path), path)
	}
}

// TestReady: GET /ready says whether the keys are missing because of an
// outage or of a configuration to fix, never why in detail.
func TestReady(t *testing.T) {
	const jwks = `{"keys":[{"kty":"EC","crv":"P-256","kid":"k1","use":"sig",` +
		`"x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}`
	for _, tt := range []struct {
		name   string
		h      http.HandlerFunc
		status int
		want   string
	}{
		{"keys", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(jwks)) }, http.StatusOK, "ready"},
		{"outage", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusBadGateway) },
			http.StatusServiceUnavailable, "unavailable"},
		{"key set URL answering 404", http.NotFound, http.StatusServiceUnavailable, "misconfigured"},
		{"no usable key", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(`{"keys":[]}`)) },
			http.StatusServiceUnavailable, "misconfigured"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.h)
			defer srv.Close()
			keys, err := core.NewRemoteKeySet(core.Config{JWKSURL: srv.URL, Logger: slog.New(slog.DiscardHandler)})
			require.NoError(t, err)
			defer keys.Close()
			_ = keys.Refresh(context.Background()) // the first fetch has ended
			v, err := core.NewVerifier(core.Config{Audiences: []string{"api"}, KeySet: keys, Logger: slog.New(slog.DiscardHandler)})
			require.NoError(t, err)
			defer v.Close()

			var ready exampleapi.Route
			for _, rt := range exampleapi.Routes(v) {
				if rt.Path == "/ready" {
					ready = rt
				}
			}
			reply := ready.Handle(exampleapi.Request{Context: context.Background()})
			assert.Equal(t, exampleapi.Reply{Status: tt.status, Body: map[string]string{"status": tt.want}}, reply)
		})
	}
}
