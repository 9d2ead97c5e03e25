package conformance

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axiomsgo/axioms/adapters/exampleapi"
	"github.com/axiomsgo/axioms/core"
)

// decisionLog is a core.Observer that keeps the decisions it is told.
type decisionLog struct {
	mu  sync.Mutex
	got []string // outcome, or outcome/reason for a refusal
}

func (d *decisionLog) observer() *core.Observer {
	return &core.Observer{Decision: func(_ context.Context, dec core.Decision) {
		d.mu.Lock()
		defer d.mu.Unlock()
		entry := dec.Outcome
		if dec.Reason != "" {
			entry += "/" + dec.Reason
		}
		d.got = append(d.got, entry)
	}}
}

func (d *decisionLog) take() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	got := d.got
	d.got = nil
	return got
}

// decisions checks that the adapter reports exactly one decision per
// request it decided (core.Observer.Decision), the same in every adapter:
// the Middleware's refusal, the first refusal of Require or Authorize, or
// "allowed" once the handlers have returned; none for a public or skipped
// route that nothing refused.
func (s *suite) decisions(t *testing.T) {
	log := &decisionLog{}
	cfg := s.iss.Config()
	cfg.Observer = log.observer()
	v := newVerifier(t, cfg)
	m, err := core.NewResourceMetadata(v.ProtectedResource(), "")
	require.NoError(t, err)
	base := s.h.Serve(t, v, m, exampleapi.Routes(v), NoHook)
	s.publicURL[base] = ""
	as := func(name string) []string { return bearer(s.tokens[name]) }
	rows := []struct {
		name string
		rq   request
		want []string
	}{
		{"public route", request{method: http.MethodGet, path: "/public"}, nil},
		{"no credentials", request{method: http.MethodGet, path: "/me"},
			[]string{"no_credentials/authentication required"}},
		{"malformed token", request{method: http.MethodGet, path: "/me", auth: []string{"Bearer not-a-jwt"}},
			[]string{"invalid_token/token malformed"}},
		{"two Authorization headers", request{method: http.MethodGet, path: "/me", auth: append(as("alice"), as("bob")...)},
			[]string{"invalid_request/multiple credentials"}},
		{"valid token", request{method: http.MethodGet, path: "/me", auth: as("alice")}, []string{"allowed"}},
		{"anonymous GET of an optional route", request{method: http.MethodGet, path: "/optional"}, []string{"allowed"}},
		{"Require refuses", request{method: http.MethodGet, path: "/admin/users", auth: as("reader")},
			[]string{"insufficient_scope/insufficient role"}},
		{"Require allows", request{method: http.MethodGet, path: "/api/read", auth: as("reader")}, []string{"allowed"}},
		{"Authorize refuses in the handler", request{method: http.MethodPatch, path: "/articles/missing", auth: as("bob")},
			[]string{"allowed"}}, // 404 before any ownership check: the request was allowed
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			log.take()
			s.doAt(t, base, row.rq)
			assert.Equal(t, row.want, log.take())
		})
	}
	t.Run("owner check refuses", func(t *testing.T) {
		created := expectItem(t, s.doAt(t, base, request{method: http.MethodPost, path: "/articles", auth: as("alice"), body: `{"title":"t"}`}), http.StatusCreated)
		log.take()
		resp := s.doAt(t, base, request{method: http.MethodDelete, path: "/articles/" + created.ID, auth: as("bob")})
		require.Equal(t, http.StatusForbidden, resp.status)
		assert.Equal(t, []string{"insufficient_scope/not the resource owner"}, log.take())
	})
}
