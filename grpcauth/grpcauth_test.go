package grpcauth_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/axiomsgo/axioms/authtest"
	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/grpcauth"
)

// The conformance suite (conformance_test.go) checks the adapter contract
// over TCP; these tests, over bufconn, cover what is particular to gRPC.

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var discard = slog.New(slog.DiscardHandler)

func newVerifier(tb testing.TB) (*authtest.Issuer, *core.Verifier) {
	tb.Helper()
	iss := authtest.NewTestIssuer(tb)
	return iss, quietVerifier(tb, iss.Config())
}

// WriteError maps core's answer to a status whose message is the fixed
// description; any other error is an invalid token, its text never shown.
func TestWriteError(t *testing.T) {
	for _, tc := range []struct {
		err  error
		code codes.Code
		msg  string
	}{
		{core.ErrNoCredentials, codes.Unauthenticated, "authentication required"},
		{core.ErrTokenExpired, codes.Unauthenticated, "token expired"},
		{core.ErrInvalidRequest, codes.InvalidArgument, "invalid request"},
		{core.ErrRoleDenied, codes.PermissionDenied, "insufficient role"},
		{core.ErrKeysUnavailable, codes.Unavailable, "signing keys unavailable"},
		{errors.New("db password=hunter2 refused"), codes.Unauthenticated, "token invalid"},
	} {
		t.Run(tc.msg, func(t *testing.T) {
			st := status.Convert(grpcauth.WriteError(t.Context(), tc.err)) // outside an RPC: no metadata
			assert.Equal(t, tc.code, st.Code())
			assert.Equal(t, tc.msg, st.Message())
			assert.Empty(t, st.Details())
		})
	}
}

// Policies, the default policy and Authorize see the RPC's full method
// name, in unary and streaming RPCs alike.
func TestPoliciesSeeTheFullMethodName(t *testing.T) {
	iss, v := newVerifier(t)
	var mu sync.Mutex
	var seen []string
	record := core.PolicyFunc(func(method string, _ *core.Claims) error {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, method)
		return nil
	})
	conn := serveBufconn(t, newServer(v, []grpcauth.Option{
		grpcauth.WithPolicies(map[string]core.Policy{mMe: record, mWatch: record}),
		grpcauth.WithDefaultPolicy(record),
	}))
	token := bearer(iss.MustToken(t, "owner"))
	for _, m := range []string{mMe, mUnlisted, mWatch, mOwner} {
		require.Equal(t, codes.OK, doAt(t, conn, m, token).status.Code(), m)
	}
	assert.Equal(t, []string{mMe, mUnlisted, mWatch, mOwner}, seen, "the Owner RPC is checked by the default before Authorize")
}

// A later WithPolicies adds to the map; the map is copied when the
// interceptor is built.
func TestWithPoliciesMergesAndCopies(t *testing.T) {
	iss, v := newVerifier(t)
	first := map[string]core.Policy{mRead: core.AnyScope("read:data")}
	opts := []grpcauth.Option{grpcauth.WithPolicies(first), grpcauth.WithPolicies(map[string]core.Policy{mAdmin: core.AnyRole("admin")})}
	conn := serveBufconn(t, newServer(v, opts))
	first[mUnlisted] = nil // too late: the interceptors have their copy
	reader := bearer(iss.MustToken(t, "reader", authtest.Scopes("read:data")))
	assert.Equal(t, codes.OK, call(t, conn, mRead, reader).status.Code())
	assert.Equal(t, codes.PermissionDenied, call(t, conn, mAdmin, reader).status.Code())
	assert.Equal(t, codes.PermissionDenied, call(t, conn, mUnlisted, reader).status.Code())
}

// The error handler sees the call's full method and the core error, for
// unary and streaming RPCs and for Authorize.
func TestErrorHandlerSeesTheCall(t *testing.T) {
	iss, v := newVerifier(t)
	type refusal struct {
		method string
		err    error
	}
	refusals := make(chan refusal, 1)
	conn := serveBufconn(t, newServer(v, probeOptions(grpcauth.WithErrorHandler(func(ctx context.Context, err error) error {
		m, _ := grpc.Method(ctx)
		refusals <- refusal{m, err}
		return nil
	}))))
	alice := bearer(iss.MustToken(t, "alice"))
	for _, tc := range []struct {
		method string
		auth   []string
		want   error
	}{
		{mMe, nil, core.ErrNoCredentials},
		{mRead, alice, core.ErrInsufficientScope},
		{mOwner, alice, core.ErrNotOwner},
		{mWatch, auth("Bearer abc.def.ghi"), core.ErrInvalidToken},
		{mChat, alice, core.ErrNotOwner},
	} {
		a := doAt(t, conn, tc.method, tc.auth)
		assert.NotEqual(t, codes.OK, a.status.Code())
		r := <-refusals
		assert.Equal(t, tc.method, r.method)
		assert.ErrorIs(t, r.err, tc.want)
	}
}

// A skipping interceptor inside another hides the outer one's claims.
func TestNestedSkipHidesClaims(t *testing.T) {
	iss, v := newVerifier(t)
	skipAll := grpcauth.WithSkipper(func(context.Context, string) bool { return true })
	srv := grpc.NewServer(grpc.ChainUnaryInterceptor(
		grpcauth.UnaryServerInterceptor(v),
		grpcauth.UnaryServerInterceptor(v, skipAll),
	))
	srv.RegisterService(probeService(), struct{}{})
	conn := serveBufconn(t, srv)
	owner := bearer(iss.MustToken(t, "owner"))
	expectOK(t, call(t, conn, mMe, owner), "")
	expectNoCredentials(t, call(t, conn, mOwner, owner), "")
	expectNoCredentials(t, call(t, conn, mOwner, nil), "")
}

// Other values of the stream's context stay visible to the handler.
func TestStreamContextKeepsTheCall(t *testing.T) {
	iss, v := newVerifier(t)
	conn := serveBufconn(t, newServer(v, probeOptions()))
	// Chat's Authorize reads the method from ss.Context(); Watch's handler
	// reads the claims from it.
	expectOK(t, callStream(t, conn, mChat, bearer(iss.MustToken(t, "owner")), "x"), "owner:x")
	expectOK(t, callStream(t, conn, mWatch, bearer(iss.MustToken(t, "r", authtest.Scopes("read:data"))), "x"), "r", "r")
}

// Authorize in a stream that has sent its headers puts the challenge in
// the trailer; the error handler's metadata follows it there.
func TestAuthorizeAfterTheHeaders(t *testing.T) {
	iss, v := newVerifier(t)
	observe := grpcauth.WithErrorHandler(func(ctx context.Context, err error) error {
		_ = grpc.SetHeader(ctx, metadata.Pairs("x-observed", "1"))
		return nil
	})
	conn := serveBufconn(t, newServer(v, probeOptions(observe)))
	a := callStream(t, conn, mLate, bearer(iss.MustToken(t, "alice")), "x")
	assert.Equal(t, []string{"alice"}, a.values)
	require.Equal(t, codes.PermissionDenied, a.status.Code(), "answer: %s", a)
	assert.Equal(t, "not the resource owner", a.status.Message())
	assert.Empty(t, a.header.Get("www-authenticate"), "the headers went out with the first message")
	assert.Equal(t, []string{`Bearer realm="api", error="insufficient_scope", error_description="not the resource owner"`}, a.trailer.Get("www-authenticate"))
	assert.Equal(t, []string{"1"}, a.trailer.Get("x-observed"))
	expectOK(t, callStream(t, conn, mLate, bearer(iss.MustToken(t, "owner")), "x"), "owner")
}

// WithPolicyFunc adds the computed policy to the static one, once per
// call; it never opens an RPC and is not asked about anonymous ones.
func TestWithPolicyFunc(t *testing.T) {
	iss, v := newVerifier(t)
	var calls atomic.Int32
	f := func(ctx context.Context, fullMethod string) core.Policy {
		calls.Add(1)
		md, _ := metadata.FromIncomingContext(ctx)
		switch op := md.Get("x-op"); {
		case len(op) == 0:
			return nil
		case op[0] == "open":
			return core.AllowAnonymous(core.ByMethod(nil), fullMethod)
		default:
			return core.And(core.AllScopes(op[0]), core.AllScopes("write:data"))
		}
	}
	conn := serveBufconn(t, newServer(v, probeOptions(grpcauth.WithPolicyFunc(f))))
	reader := bearer(iss.MustToken(t, "reader", authtest.Scopes("read:data")))
	both := bearer(iss.MustToken(t, "both", authtest.Scopes("read:data write:data")))
	withOp := func(op string) context.Context {
		return metadata.AppendToOutgoingContext(t.Context(), "x-op", op)
	}
	t.Run("nil policy: a valid token", func(t *testing.T) {
		assert.Equal(t, codes.OK, call(t, conn, mRead, reader).status.Code())
	})
	t.Run("allowed by both", func(t *testing.T) {
		assert.Equal(t, codes.OK, callCtx(t, withOp("read:data"), conn, mRead, both).status.Code())
	})
	t.Run("denied with every needed scope", func(t *testing.T) {
		a := callCtx(t, withOp("read:data"), conn, mRead, reader)
		expectError(t, a, codes.PermissionDenied, "insufficient_scope", "insufficient scope", "read:data write:data", "")
	})
	t.Run("the static policy still applies", func(t *testing.T) {
		a := callCtx(t, withOp("read:data"), conn, mAdmin, both)
		expectError(t, a, codes.PermissionDenied, "insufficient_scope", "insufficient role", noScope, "")
	})
	t.Run("AllowAnonymous opens nothing", func(t *testing.T) {
		expectNoCredentials(t, callCtx(t, withOp("open"), conn, mMe, nil), "")
	})
	calls.Store(0)
	t.Run("once per call, never for anonymous RPCs", func(t *testing.T) {
		require.Equal(t, codes.OK, call(t, conn, mMe, reader).status.Code())
		require.Equal(t, codes.OK, call(t, conn, mOptional, nil).status.Code())
		require.Equal(t, codes.OK, call(t, conn, mOptional, reader).status.Code())
		assert.Equal(t, int32(1), calls.Load())
	})
}
