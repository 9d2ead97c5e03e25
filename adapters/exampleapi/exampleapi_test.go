package exampleapi_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

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
