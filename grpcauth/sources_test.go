package grpcauth_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"

	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/grpcauth"
)

// The token extractor (WithTokenExtractor): the rows of the HTTP suite's
// "sources/extractor" where gRPC has the concept, on real gRPC servers.

// extractKey is the metadata the test extractor reads.
const extractKey = "x-test-token"

// errExtractor is the test extractor's error; its text must never reach
// the client.
var errExtractor = errors.New("session store 10.0.0.7 refused password hunter2")

// extractorProbe is a WithTokenExtractor function that reads extractKey
// ("fail" is errExtractor) and records the full methods it was called for.
type extractorProbe struct {
	mu      sync.Mutex
	methods []string
}

func (p *extractorProbe) extract(ctx context.Context, fullMethod string) (string, error) {
	p.mu.Lock()
	p.methods = append(p.methods, fullMethod)
	p.mu.Unlock()
	v := metadata.ValueFromIncomingContext(ctx, extractKey)
	switch {
	case len(v) == 0:
		return "", nil
	case v[0] == "fail":
		return "", errExtractor
	}
	return v[0], nil
}

// calls returns the full methods the extractor was called for since the
// last call, and forgets them.
func (p *extractorProbe) calls() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	m := p.methods
	p.methods = nil
	return m
}

func (s *suite) extractor(t *testing.T) {
	probe := &extractorProbe{}
	var mu sync.Mutex
	var seen []error
	hook := func(_ context.Context, err error) error {
		mu.Lock()
		seen = append(seen, err)
		mu.Unlock()
		return nil // the standard answer
	}
	v := quietVerifier(t, s.iss.Config())
	conn := serveTCP(t, newServer(v, probeOptions(grpcauth.WithTokenExtractor(probe.extract), grpcauth.WithErrorHandler(hook))))
	with := func(value string) context.Context {
		if value == "" {
			return t.Context()
		}
		return metadata.AppendToOutgoingContext(t.Context(), extractKey, value)
	}
	reader, writer := s.tokens["reader"], s.tokens["writer"]

	t.Run("the extractor's token is accepted", func(t *testing.T) {
		expectOK(t, callCtx(t, with(reader), conn, mMe, nil), "reader")
		assert.Equal(t, []string{mMe}, probe.calls(), "called once, with the full method")
		expectOK(t, callStreamCtx(t, with(reader), conn, mWatch, nil, "x"), "reader", "reader")
		assert.Equal(t, []string{mWatch}, probe.calls())
	})
	t.Run("no token from the extractor is no credentials", func(t *testing.T) {
		expectNoCredentials(t, callCtx(t, with(""), conn, mMe, nil), "")
		expectOK(t, callCtx(t, with(""), conn, mOptional, nil), "")
		probe.calls()
	})
	t.Run("an extractor error is an invalid request that does not leak its text", func(t *testing.T) {
		mu.Lock()
		seen = nil
		mu.Unlock()
		for _, method := range []string{mMe, mOptional, mWatch} {
			var a answer
			if method == mWatch {
				a = callStreamCtx(t, with("fail"), conn, method, nil, "x")
			} else {
				a = callCtx(t, with("fail"), conn, method, nil)
			}
			expectError(t, a, codes.InvalidArgument, "invalid_request", "token extraction failed", noScope, "")
			for _, word := range strings.Fields(errExtractor.Error()) {
				if len(word) > 4 {
					assert.NotContains(t, a.String(), word, "the extractor's error text reaches the client")
				}
			}
		}
		mu.Lock()
		defer mu.Unlock()
		if assert.Len(t, seen, 3, "the error handler sees every refusal") {
			for _, err := range seen {
				assert.ErrorIs(t, err, core.ErrExtractorFailed)
				assert.ErrorIs(t, err, errExtractor, "the error handler can classify the extractor's error")
			}
		}
		probe.calls()
	})
	t.Run("a bearer authorization value wins, even an invalid one", func(t *testing.T) {
		expectOK(t, callCtx(t, with("fail"), conn, mMe, bearer(reader)), "reader")
		expectOK(t, callCtx(t, with(writer), conn, mMe, bearer(reader)), "reader")
		expectError(t, callCtx(t, with(reader), conn, mMe, bearer("abc.def.ghi")), codes.Unauthenticated, "invalid_token", "", noScope, "")
		expectError(t, callCtx(t, with(reader), conn, mMe, auth("Bearer a", "Bearer b")), codes.InvalidArgument, "invalid_request",
			"multiple credentials", noScope, "")
		assert.Empty(t, probe.calls(), "the extractor is not called when the authorization metadata decides")
	})
	t.Run("another scheme leaves the extractor to decide", func(t *testing.T) {
		expectOK(t, callCtx(t, with(reader), conn, mMe, auth("Basic YWxpY2U6c2VjcmV0")), "reader")
		probe.calls()
	})
	t.Run("an extracted token is checked as an authorization token is", func(t *testing.T) {
		expectError(t, callCtx(t, with("abc.def.ghi"), conn, mMe, nil), codes.Unauthenticated, "invalid_token", "", noScope, "")
		expectError(t, callCtx(t, with("Bearer "+reader), conn, mMe, nil), codes.Unauthenticated, "invalid_token", "", noScope, "")
		expectError(t, callCtx(t, with(writer), conn, mRead, nil), codes.PermissionDenied, "insufficient_scope", "", "read:data admin", "")
		probe.calls()
	})
	t.Run("a skipped RPC does not call the extractor", func(t *testing.T) {
		expectOK(t, callCtx(t, with("fail"), conn, mPublic, nil), "ok")
		assert.Empty(t, probe.calls())
	})
}
