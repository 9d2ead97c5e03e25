package grpcauth_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/axiomsgo/axioms/authtest"
	"github.com/axiomsgo/axioms/core"
)

// TestDecisions: one decision per RPC, as every HTTP adapter reports it
// (adapters/conformance "decisions"): the interceptor's refusal, the first
// refusal of Authorize in the handler, or allowed once the handler has
// returned; none for a skipped RPC that nothing refused.
func TestDecisions(t *testing.T) {
	var mu sync.Mutex
	var got []string
	take := func() []string {
		mu.Lock()
		defer mu.Unlock()
		g := got
		got = nil
		return g
	}
	s := newDecisionSuite(t, &core.Observer{Decision: func(_ context.Context, d core.Decision) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, d.Outcome)
	}})
	for _, tc := range []struct {
		method, persona string
		want            []string
	}{
		{mRead, "reader", []string{"allowed"}},
		{mRead, "writer", []string{"insufficient_scope"}},
		{mRead, "", []string{"no_credentials"}},
		{mOwner, "alice", []string{"insufficient_scope"}},
		{mOwner, "owner", []string{"allowed"}},
		{mPublic, "", nil},
		{mWatch, "reader", []string{"allowed"}},
		{mWatch, "alice", []string{"insufficient_scope"}},
	} {
		t.Run(tc.method+"/"+tc.persona, func(t *testing.T) {
			take()
			s.do(t, tc.method, s.as(tc.persona))
			assert.Equal(t, tc.want, take())
		})
	}
}

// newDecisionSuite is a suite whose server's verifier reports to obs.
func newDecisionSuite(t *testing.T, obs *core.Observer) *suite {
	iss := authtest.NewTestIssuer(t)
	s := &suite{iss: iss, tokens: map[string]string{}}
	for name, opts := range personas {
		s.tokens[name] = iss.MustToken(t, name, opts...)
	}
	cfg := iss.Config()
	cfg.Observer = obs
	s.conn = serveTCP(t, newServer(quietVerifier(t, cfg), probeOptions()))
	return s
}
