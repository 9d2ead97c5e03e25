package grpcauth_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/axiomsgo/axioms/authtest"
	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/grpcauth"
)

// The gRPC conformance suite: the rows of the HTTP suite
// (adapters/conformance) where gRPC has the concept — the credential rules
// (behaviour contract §2), the RFC 6750 errors as gRPC statuses (§4),
// policies per method, claims in the handler's context for unary and
// streaming RPCs, RFC 9728 resource_metadata (§6), keys unavailable, and
// the adapter contract at its edges (error hooks, skipped RPCs, no
// interceptor, construction) — against real gRPC servers on loopback TCP
// with real keys and a loopback JWKS. The probe service is in
// probe_test.go.

// publicURL is the public URL of the main server's RFC 9728 metadata.
const publicURL = "https://api.example.test/base"

// personas are the tokens the suite mints, as in the HTTP suite.
var personas = map[string][]authtest.TokenOption{
	"reader": {authtest.Scopes("read:data")},
	"writer": {authtest.Scopes("write:data", "openid")},
	"admin":  {authtest.Roles("admin", "superuser")},
	"editor": {authtest.Scopes("openid"), authtest.Roles("editor"), authtest.Permissions("resource:write")},
	"alice":  nil,
	"owner":  {authtest.Roles("admin")},
	// For the And policy of Strict: one rule missing each.
	"strictnoscope": {authtest.Roles("editor"), authtest.Permissions("resource:write")},
	"strictnoperm":  {authtest.Scopes("profile"), authtest.Roles("editor")},
}

type suite struct {
	iss    *authtest.Issuer
	tokens map[string]string
	conn   *grpc.ClientConn // the main server: probe options, metadata with publicURL
}

// as returns the authorization values of a persona ("" for none).
func (s *suite) as(persona string) []string {
	if persona == "" {
		return nil
	}
	return bearer(s.tokens[persona])
}

func TestConformance(t *testing.T) {
	iss := authtest.NewTestIssuer(t)
	s := &suite{iss: iss, tokens: map[string]string{}}
	for name, opts := range personas {
		s.tokens[name] = iss.MustToken(t, name, opts...)
	}
	v := quietVerifier(t, iss.Config())
	s.conn = serveTCP(t, newServer(v, probeOptions(grpcauth.WithResourceMetadata(metadataFor(t, v, publicURL)))))

	t.Run("§2 credentials", s.credentials)
	t.Run("token extractor", s.extractor)
	t.Run("§4 errors", s.errorRules)
	t.Run("policies", s.policies)
	t.Run("claims in the context", s.claims)
	t.Run("§6 resource metadata", s.resourceMetadata)
	t.Run("keys unavailable", s.keysUnavailable)
	t.Run("edges", s.edges)
	t.Run("concurrent calls", s.concurrent)
}

// quietVerifier builds a verifier for cfg without logs, closed with tb.
func quietVerifier(tb testing.TB, cfg core.Config) *core.Verifier {
	tb.Helper()
	cfg.Logger = discard
	v, err := core.NewVerifier(cfg)
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = v.Close() })
	return v
}

func metadataFor(tb testing.TB, v *core.Verifier, public string) *core.ResourceMetadata {
	tb.Helper()
	m, err := core.NewResourceMetadata(v.ProtectedResource(), public)
	require.NoError(tb, err)
	return m
}

// do calls method on the main server (a stream for Watch and Chat) and
// checks that no token text is echoed.
func (s *suite) do(t testing.TB, method string, authorization []string) answer {
	t.Helper()
	return doAt(t, s.conn, method, authorization)
}

func doAt(t testing.TB, conn *grpc.ClientConn, method string, authorization []string) answer {
	t.Helper()
	var a answer
	if method == mWatch || method == mChat {
		a = callStream(t, conn, method, authorization, "a", "b")
	} else {
		a = call(t, conn, method, authorization)
	}
	checkNoEcho(t, authorization, a)
	return a
}

// checkNoEcho fails when token text sent appears in the status message or
// the response metadata (behaviour contract §4).
func checkNoEcho(t testing.TB, authorization []string, a answer) {
	t.Helper()
	var seen strings.Builder
	seen.WriteString(a.status.Message())
	for _, md := range []metadata.MD{a.header, a.trailer} {
		for k, vals := range md {
			seen.WriteString("\n" + k + ": " + strings.Join(vals, ", "))
		}
	}
	for _, v := range authorization {
		for _, field := range strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == '.' }) {
			if len(field) >= 8 && !strings.EqualFold(field, "bearer") {
				assert.NotContains(t, seen.String(), field, "token text echoed")
			}
		}
	}
}

func expectOK(t testing.TB, a answer, values ...string) {
	t.Helper()
	require.Equal(t, codes.OK, a.status.Code(), "answer: %s", a)
	assert.Equal(t, values, a.values)
	assert.Empty(t, a.header.Get("www-authenticate"), "no challenge on success")
}

// Challenge expectations for expectError's scope argument.
const (
	noScope      = ""  // the challenge must not carry scope
	scopeIgnored = "?" // not checked
)

// challenge checks the one www-authenticate value of a refusal (realm
// "api", resource_metadata = metadataURL or none) and returns its
// parameters.
func challenge(t testing.TB, a answer, metadataURL string) map[string]string {
	t.Helper()
	vals := a.header.Get("www-authenticate")
	require.Len(t, vals, 1, "exactly one www-authenticate in the header metadata; answer: %s", a)
	assert.Empty(t, a.trailer.Get("www-authenticate"), "the challenge is header metadata")
	params, err := parseChallenge(vals[0])
	require.NoError(t, err)
	assert.Equal(t, "api", params["realm"], "realm")
	if metadataURL == "" {
		assert.NotContains(t, params, "resource_metadata", "no resource_metadata; answer: %s", a)
	} else {
		assert.Equal(t, metadataURL, params["resource_metadata"], "resource_metadata (RFC 9728 §5.1)")
	}
	return params
}

// mainMetadata is the resource_metadata of the main server's challenges.
var mainMetadata = publicURL + core.ProtectedResourcePath

// expectNoCredentials checks Unauthenticated with a challenge of realm,
// resource_metadata and, when given, the scope of the RPC's policy only
// (RFC 6750 §3.1: no error attribute).
func expectNoCredentials(t testing.TB, a answer, metadataURL string, scope ...string) {
	t.Helper()
	require.Equal(t, codes.Unauthenticated, a.status.Code(), "answer: %s", a)
	assert.Equal(t, "authentication required", a.status.Message())
	want := map[string]string{"realm": "api"}
	if metadataURL != "" {
		want["resource_metadata"] = metadataURL
	}
	if len(scope) > 0 && scope[0] != "" {
		want["scope"] = scope[0]
	}
	assert.Equal(t, want, challenge(t, a, metadataURL), "no error attribute without credentials")
}

// expectError checks a refusal: the code, the RFC 6750 error in the
// challenge, the message equal to its error_description (and to desc when
// given), and the scope attribute.
func expectError(t testing.TB, a answer, code codes.Code, rfcError, desc, scope, metadataURL string) {
	t.Helper()
	require.Equal(t, code, a.status.Code(), "answer: %s", a)
	params := challenge(t, a, metadataURL)
	assert.Equal(t, rfcError, params["error"], "challenge error; answer: %s", a)
	assert.NotEmpty(t, a.status.Message())
	assert.Equal(t, params["error_description"], a.status.Message(), "message = error_description")
	if desc != "" {
		assert.Equal(t, desc, a.status.Message())
	}
	switch scope {
	case scopeIgnored:
	case noScope:
		assert.NotContains(t, params, "scope", "only scope rules name scopes")
	default:
		assert.Equal(t, scope, params["scope"], "challenge scope")
	}
}

func (s *suite) credentials(t *testing.T) {
	reader := s.tokens["reader"]
	t.Run("no authorization metadata", func(t *testing.T) {
		expectNoCredentials(t, s.do(t, mMe, nil), mainMetadata)
	})
	t.Run("Basic scheme is no credentials", func(t *testing.T) {
		expectNoCredentials(t, s.do(t, mMe, auth("Basic YWxpY2U6c2VjcmV0")), mainMetadata)
	})
	t.Run("Bearer-like scheme is no credentials", func(t *testing.T) {
		expectNoCredentials(t, s.do(t, mMe, auth("Bearerx "+reader)), mainMetadata)
	})
	for _, scheme := range []string{"bearer", "BEARER", "bEaReR"} {
		t.Run("scheme "+scheme+" is case-insensitive", func(t *testing.T) {
			expectOK(t, s.do(t, mMe, auth(scheme+" "+reader)), "reader")
		})
	}
	t.Run("several spaces after Bearer", func(t *testing.T) {
		expectOK(t, s.do(t, mMe, auth("Bearer   "+reader)), "reader")
	})
	// (grpc-go clients refuse non-printable metadata values, so the
	// non-ASCII row of the HTTP suite has no counterpart here.)
	for _, tc := range []struct{ name, auth string }{
		{"Bearer alone", "Bearer"},
		{"Bearer empty", "Bearer "},
		{"b64token bad character", "Bearer ab@cd"},
		{"b64token inner space", "Bearer abc def"},
		{"b64token inner padding", "Bearer ab=cd"},
		{"not a JWS", "Bearer abc.def.ghi"},
		{"token with trailing junk", "Bearer " + reader + ",x"},
		{"token over 16 KiB", "Bearer " + strings.Repeat("a", 16<<10+1)},
	} {
		t.Run(tc.name+" is an invalid token", func(t *testing.T) {
			expectError(t, s.do(t, mMe, auth(tc.auth)), codes.Unauthenticated, "invalid_token", "", noScope, mainMetadata)
		})
	}
	t.Run("two authorization values are an invalid request", func(t *testing.T) {
		a := s.do(t, mMe, auth("Bearer "+reader, "Bearer "+reader))
		expectError(t, a, codes.InvalidArgument, "invalid_request", "multiple credentials", noScope, mainMetadata)
	})
	t.Run("Basic and Bearer values are an invalid request", func(t *testing.T) {
		a := s.do(t, mMe, auth("Basic YWxpY2U6c2VjcmV0", "Bearer "+reader))
		expectError(t, a, codes.InvalidArgument, "invalid_request", "", noScope, mainMetadata)
	})
	t.Run("a skipped RPC does not read the metadata", func(t *testing.T) {
		for _, a := range [][]string{nil, auth("garbage"), auth("Bearer"), auth("Bearer ab@cd"), auth("Bearer x", "Bearer y")} {
			expectOK(t, s.do(t, mPublic, a), "ok")
		}
	})
	t.Run("an anonymous RPC", func(t *testing.T) {
		expectOK(t, s.do(t, mOptional, nil), "")
		expectOK(t, s.do(t, mOptional, auth("Basic YWxpY2U6c2VjcmV0")), "")
		expectOK(t, s.do(t, mOptional, s.as("reader")), "reader")
		expectError(t, s.do(t, mOptional, auth("Bearer abc.def.ghi")), codes.Unauthenticated, "invalid_token", "", noScope, mainMetadata)
		expectError(t, s.do(t, mOptional, auth("Bearer a", "Bearer b")), codes.InvalidArgument, "invalid_request", "", noScope, mainMetadata)
	})
	t.Run("anonymous method names are exact", func(t *testing.T) {
		// The probe server routes no such method; this server answers
		// every unknown method through the stream interceptor.
		v := quietVerifier(t, s.iss.Config())
		upper := strings.ToUpper(mOptional)
		srv := grpc.NewServer(
			grpc.ChainStreamInterceptor(grpcauth.StreamServerInterceptor(v, grpcauth.WithAnonymousMethods(mOptional))),
			grpc.UnknownServiceHandler(func(any, grpc.ServerStream) error { return nil }))
		conn := serveTCP(t, srv)
		expectNoCredentials(t, callStream(t, conn, upper, nil), "")
		assert.Equal(t, codes.OK, callStream(t, conn, mOptional, nil).status.Code(), "the exact name is anonymous")
	})
	t.Run("gRPC has no safe methods", func(t *testing.T) {
		cfg := s.iss.Config()
		cfg.SafeMethods = []string{"OPTIONS", "GET", "POST", "PRI"}
		v := quietVerifier(t, cfg)
		conn := serveBufconn(t, newServer(v, probeOptions()))
		expectNoCredentials(t, call(t, conn, mMe, nil), "")
		expectNoCredentials(t, callStream(t, conn, mWatch, nil), "")
	})
}

func (s *suite) errorRules(t *testing.T) {
	foreign := authtest.NewTestIssuer(t, authtest.WithAlgorithm("ES256"), authtest.WithAudience(s.iss.Audience()))
	mint := func(opts ...authtest.TokenOption) string {
		return s.iss.MustToken(t, "reader", append([]authtest.TokenOption{authtest.Scopes("read:data")}, opts...)...)
	}
	invalid := []struct{ name, token, desc string }{
		{"expired token", mint(authtest.ExpiresIn(-time.Minute)), "token expired"},
		{"not yet valid", mint(authtest.Claim("nbf", time.Now().Add(time.Hour).Unix())), "token not yet valid"},
		{"wrong audience", mint(authtest.Audience("api://someone-else")), "audience not accepted"},
		{"wrong issuer claim", mint(authtest.Claim("iss", foreign.URL())), ""},
		{"token of another issuer (forged)", foreign.MustToken(t, "reader", authtest.Scopes("read:data")), ""},
		{"bad signature", tamperSignature(t, mint()), "signature invalid"},
		{"alg none", mint(authtest.Header("alg", "none")), ""},
		{"alg HS256", mint(authtest.Header("alg", "HS256")), ""},
		{"unknown kid", mint(authtest.Header("kid", "no-such-key")), ""},
		{"typ not accepted", mint(authtest.Header("typ", "id_token+jwt")), ""},
		{"no exp", mint(authtest.Claim("exp", nil)), ""},
		{"two parts", strings.Join(strings.Split(mint(), ".")[:2], "."), ""},
	}
	for _, method := range []string{mMe, mRead, mOptional, mWatch, mChat} {
		for _, tc := range invalid {
			t.Run(tc.name+" on "+method, func(t *testing.T) {
				expectError(t, s.do(t, method, bearer(tc.token)), codes.Unauthenticated, "invalid_token", tc.desc, noScope, mainMetadata)
			})
		}
	}
	t.Run("the same token passes where its scope is enough", func(t *testing.T) {
		expectOK(t, s.do(t, mRead, bearer(mint())), "reader")
	})
}

func tamperSignature(t testing.TB, token string) string {
	t.Helper()
	i := strings.LastIndexByte(token, '.')
	sig, err := base64.RawURLEncoding.DecodeString(token[i+1:])
	require.NoError(t, err)
	sig[len(sig)/2] ^= 0x01
	return token[:i+1] + base64.RawURLEncoding.EncodeToString(sig)
}

func (s *suite) policies(t *testing.T) {
	for _, tc := range []struct {
		method, persona string
		code            codes.Code
		scope           string // for PermissionDenied
	}{
		{mRead, "reader", codes.OK, ""},
		{mRead, "writer", codes.PermissionDenied, "read:data admin"},
		{mRead, "", codes.Unauthenticated, ""},
		{mWrite, "writer", codes.OK, ""},
		{mWrite, "reader", codes.PermissionDenied, "write:data openid"},
		{mAdmin, "admin", codes.OK, ""},
		{mAdmin, "reader", codes.PermissionDenied, noScope},
		{mStrict, "editor", codes.OK, ""},
		{mStrict, "strictnoscope", codes.PermissionDenied, "openid profile"},
		{mStrict, "strictnoperm", codes.PermissionDenied, noScope},
		{mMe, "alice", codes.OK, ""},
		{mOwner, "owner", codes.OK, ""},
		{mOwner, "alice", codes.PermissionDenied, noScope},
		{mOwner, "", codes.Unauthenticated, ""},
		// Not in the map, and no default: refused.
		{mUnlisted, "admin", codes.PermissionDenied, noScope},
		{mUnlisted, "", codes.Unauthenticated, ""},
		// Anonymous with a policy entry: the entry decides.
		{mOptScope, "reader", codes.OK, ""},
		{mOptScope, "writer", codes.PermissionDenied, "read:data"},
		{mOptScope, "", codes.Unauthenticated, "read:data"}, // the scope of the RPC's policy
		// Skipped, with Authorize in the handler: as without a token.
		{mPubOwner, "owner", codes.Unauthenticated, ""},
	} {
		t.Run(tc.method+"/"+tc.persona, func(t *testing.T) {
			a := s.do(t, tc.method, s.as(tc.persona))
			switch tc.code {
			case codes.OK:
				expectOK(t, a, tc.persona)
			case codes.Unauthenticated:
				expectNoCredentials(t, a, mainMetadata, tc.scope)
			default:
				expectError(t, a, tc.code, "insufficient_scope", "", tc.scope, mainMetadata)
			}
		})
	}
	t.Run("an unlisted method is refused as not permitted", func(t *testing.T) {
		expectError(t, s.do(t, mUnlisted, s.as("reader")), codes.PermissionDenied, "insufficient_scope", "method not permitted", noScope, mainMetadata)
	})
	t.Run("the default policy", func(t *testing.T) {
		v := quietVerifier(t, s.iss.Config())
		conn := serveTCP(t, newServer(v, probeOptions(grpcauth.WithDefaultPolicy(core.AnyScope("read:data")))))
		expectOK(t, doAt(t, conn, mUnlisted, s.as("reader")), "reader")
		expectError(t, doAt(t, conn, mUnlisted, s.as("writer")), codes.PermissionDenied, "insufficient_scope", "", "read:data", "")
		expectNoCredentials(t, doAt(t, conn, mUnlisted, nil), "")
		expectOK(t, doAt(t, conn, mAdmin, s.as("admin")), "admin")
		// The default never applies to an anonymous method.
		expectOK(t, doAt(t, conn, mOptional, nil), "")
		expectOK(t, doAt(t, conn, mOptional, s.as("writer")), "writer")
	})
	t.Run("without a policy map every RPC needs a valid token", func(t *testing.T) {
		v := quietVerifier(t, s.iss.Config())
		conn := serveTCP(t, newServer(v, []grpcauth.Option{}))
		for _, m := range []string{mUnlisted, mRead, mOptional, mPublic, mWatch} {
			a := doAt(t, conn, m, s.as("alice"))
			require.Equal(t, codes.OK, a.status.Code(), "%s: %s", m, a)
			expectNoCredentials(t, doAt(t, conn, m, nil), "")
		}
	})
}

func (s *suite) claims(t *testing.T) {
	t.Run("unary: core's accessors in the handler's context", func(t *testing.T) {
		sum := sha256.Sum256([]byte(s.tokens["reader"]))
		expectOK(t, s.do(t, mContext, s.as("reader")), "reader "+hex.EncodeToString(sum[:]))
	})
	t.Run("server stream", func(t *testing.T) {
		expectOK(t, s.do(t, mWatch, s.as("reader")), "reader", "reader")
		expectNoCredentials(t, s.do(t, mWatch, nil), mainMetadata)
		expectError(t, s.do(t, mWatch, s.as("writer")), codes.PermissionDenied, "insufficient_scope", "", "read:data", mainMetadata)
	})
	t.Run("bidirectional stream with Authorize", func(t *testing.T) {
		expectOK(t, s.do(t, mChat, s.as("owner")), "owner:a", "owner:b")
		expectError(t, s.do(t, mChat, s.as("alice")), codes.PermissionDenied, "insufficient_scope", "not the resource owner", noScope, mainMetadata)
		expectNoCredentials(t, s.do(t, mChat, nil), mainMetadata)
	})
	t.Run("without an interceptor: Unauthenticated, default realm, no metadata", func(t *testing.T) {
		conn := serveTCP(t, newServer(nil, nil))
		for _, persona := range []string{"", "owner"} {
			expectNoCredentials(t, doAt(t, conn, mOwner, s.as(persona)), "")
			expectNoCredentials(t, doAt(t, conn, mChat, s.as(persona)), "")
		}
	})
}

func (s *suite) resourceMetadata(t *testing.T) {
	t.Run("every challenge names the public URL's document", func(t *testing.T) {
		// The rows above check it on every refusal of the main server.
		expectNoCredentials(t, s.do(t, mMe, nil), mainMetadata)
	})
	t.Run("without a public URL there is no parameter", func(t *testing.T) {
		v := quietVerifier(t, s.iss.Config())
		conn := serveTCP(t, newServer(v, probeOptions(grpcauth.WithResourceMetadata(metadataFor(t, v, "")))))
		expectNoCredentials(t, doAt(t, conn, mMe, nil), "")
		expectError(t, doAt(t, conn, mRead, s.as("writer")), codes.PermissionDenied, "insufficient_scope", "", scopeIgnored, "")
	})
}

// keysUnavailable serves the probe with a verifier whose JWKS URL is a
// closed loopback port: no token can be judged, so a call with one is
// Unavailable with retry-after, never Unauthenticated or Internal.
func (s *suite) keysUnavailable(t *testing.T) {
	cfg := s.iss.Config()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	cfg.JWKSURL = "http://" + ln.Addr().String() + "/.well-known/jwks.json"
	require.NoError(t, ln.Close())
	v := quietVerifier(t, cfg)
	conn := serveTCP(t, newServer(v, probeOptions()))
	for _, m := range []string{mMe, mRead, mOptional, mWatch} {
		t.Run(m+" with a token is Unavailable", func(t *testing.T) {
			a := doAt(t, conn, m, s.as("reader"))
			require.Equal(t, codes.Unavailable, a.status.Code(), "answer: %s", a)
			assert.Equal(t, "signing keys unavailable", a.status.Message())
			require.Len(t, a.header.Get("retry-after"), 1)
			secs, err := strconv.Atoi(a.header.Get("retry-after")[0])
			assert.NoError(t, err, "retry-after is delay-seconds")
			assert.Positive(t, secs)
			assert.Empty(t, a.header.Get("www-authenticate"), "Unavailable is not a challenge")
		})
	}
	t.Run("without credentials still Unauthenticated", func(t *testing.T) {
		expectNoCredentials(t, doAt(t, conn, mMe, nil), "")
	})
	t.Run("anonymous and skipped RPCs still pass", func(t *testing.T) {
		expectOK(t, doAt(t, conn, mOptional, nil), "")
		expectOK(t, doAt(t, conn, mPublic, nil), "ok")
	})
}

// Hooks of the edge servers, as the HTTP suite's.
type hook int

const (
	noHook     hook = iota
	observe         // sets x-observed to the category, answers nothing: the standard answer follows
	add             // sets x-added, then returns WriteError: the standard answer
	replace         // answers FailedPrecondition "teapot" itself: it stands, alone
	dropServer      // sets x-dropped, answers Internal: dropped with its metadata
	dropPlain       // sets x-dropped, answers a plain error (Unknown): dropped likewise
)

var hookName = map[hook]string{noHook: "no hook", observe: "observing", add: "adding", replace: "replacing",
	dropServer: "server error", dropPlain: "plain error"}

func category(err error) string {
	switch {
	case errors.Is(err, core.ErrNoCredentials):
		return "no_credentials"
	case errors.Is(err, core.ErrInvalidRequest):
		return "invalid_request"
	case errors.Is(err, core.ErrInsufficientScope):
		return "insufficient_scope"
	case errors.Is(err, core.ErrKeysUnavailable):
		return "unavailable"
	}
	return "invalid_token"
}

func (h hook) handler() func(context.Context, error) error {
	return func(ctx context.Context, err error) error {
		switch h {
		case observe:
			_ = grpc.SetHeader(ctx, metadata.Pairs("x-observed", category(err)))
		case add:
			_ = grpc.SetHeader(ctx, metadata.Pairs("x-added", "1"))
			_ = grpc.SetTrailer(ctx, metadata.Pairs("x-added", "trailer"))
			return grpcauth.WriteError(ctx, err)
		case replace:
			return status.Error(codes.FailedPrecondition, "teapot")
		case dropServer:
			_ = grpc.SetHeader(ctx, metadata.Pairs("x-dropped", "1"))
			_ = grpc.SetTrailer(ctx, metadata.Pairs("x-dropped", "1"))
			return status.Error(codes.Internal, "teapot")
		case dropPlain:
			_ = grpc.SendHeader(ctx, metadata.Pairs("x-dropped", "1"))
			return errors.New("teapot")
		}
		return nil
	}
}

func (s *suite) edges(t *testing.T) {
	t.Run("construction", func(t *testing.T) {
		v := quietVerifier(t, s.iss.Config())
		assert.Panics(t, func() { grpcauth.UnaryServerInterceptor(nil) }, "a nil verifier panics when the interceptor is built")
		assert.Panics(t, func() { grpcauth.StreamServerInterceptor(nil) })
		assert.NotPanics(t, func() {
			opts := []grpcauth.Option{nil, grpcauth.WithSkipper(nil), grpcauth.WithErrorHandler(nil), grpcauth.WithResourceMetadata(nil),
				grpcauth.WithPolicies(nil), grpcauth.WithDefaultPolicy(nil), grpcauth.WithAnonymousMethods(), grpcauth.WithTokenExtractor(nil)}
			grpcauth.UnaryServerInterceptor(v, opts...)
			grpcauth.StreamServerInterceptor(v, opts...)
		}, "nil options and options given nil keep their defaults")
	})
	for _, h := range []hook{noHook, observe, add, replace, dropServer, dropPlain} {
		t.Run(hookName[h], func(t *testing.T) {
			v := quietVerifier(t, s.iss.Config())
			opts := probeOptions(grpcauth.WithResourceMetadata(metadataFor(t, v, publicURL)))
			if h != noHook {
				opts = append(opts, grpcauth.WithErrorHandler(h.handler()))
			}
			e := edge{s: s, conn: serveTCP(t, newServer(v, opts)), hook: h}
			e.run(t)
		})
	}
}

type edge struct {
	s    *suite
	conn *grpc.ClientConn
	hook hook
}

func (e edge) run(t *testing.T) {
	s := e.s
	t.Run("interceptor refusals take the error path", func(t *testing.T) {
		e.refused(t, doAt(t, e.conn, mMe, nil), codes.Unauthenticated, "")
		e.refused(t, doAt(t, e.conn, mMe, auth("Bearer abc.def.ghi")), codes.Unauthenticated, "invalid_token")
		e.refused(t, doAt(t, e.conn, mMe, auth("Bearer a", "Bearer b")), codes.InvalidArgument, "invalid_request")
		e.refused(t, doAt(t, e.conn, mRead, s.as("writer")), codes.PermissionDenied, "insufficient_scope")
		e.refused(t, doAt(t, e.conn, mWatch, nil), codes.Unauthenticated, "")
		e.refused(t, doAt(t, e.conn, mWatch, s.as("writer")), codes.PermissionDenied, "insufficient_scope")
	})
	t.Run("Authorize refusals take the error path", func(t *testing.T) {
		e.refused(t, doAt(t, e.conn, mOwner, s.as("alice")), codes.PermissionDenied, "insufficient_scope")
		e.refused(t, doAt(t, e.conn, mChat, s.as("alice")), codes.PermissionDenied, "insufficient_scope")
		e.refused(t, doAt(t, e.conn, mPubOwner, s.as("owner")), codes.Unauthenticated, "")
	})
	t.Run("allowed calls run no hook", func(t *testing.T) {
		for _, a := range []answer{doAt(t, e.conn, mOwner, s.as("owner")), doAt(t, e.conn, mChat, s.as("owner"))} {
			require.Equal(t, codes.OK, a.status.Code(), "answer: %s", a)
			assert.Empty(t, a.header.Get("x-observed"))
			assert.Empty(t, a.header.Get("x-added"))
		}
	})
}

// refused checks a refusal behind the interceptor: the standard answer
// (rfcError "" for no credentials) with what the hook adds, or the hook's
// own answer.
func (e edge) refused(t testing.TB, a answer, code codes.Code, rfcError string) {
	t.Helper()
	switch e.hook {
	case replace:
		require.Equal(t, codes.FailedPrecondition, a.status.Code(), "the hook's own answer: %s", a)
		assert.Equal(t, "teapot", a.status.Message())
		assert.Empty(t, a.header.Get("www-authenticate"), "nothing is added to the hook's answer")
		return
	case observe:
		want := rfcError
		if want == "" {
			want = "no_credentials"
		}
		assert.Equal(t, []string{want}, a.header.Get("x-observed"), "the hook saw the refusal")
	case add:
		assert.Equal(t, []string{"1"}, a.header.Get("x-added"), "the hook's metadata is kept")
		assert.Equal(t, []string{"trailer"}, a.trailer.Get("x-added"), "the hook's trailer is kept")
	case dropServer, dropPlain:
		assert.Empty(t, a.header.Get("x-dropped"), "a dropped answer's metadata goes with it")
		assert.Empty(t, a.trailer.Get("x-dropped"), "a dropped answer's trailer goes with it")
	}
	if rfcError == "" {
		expectNoCredentials(t, a, mainMetadata)
		return
	}
	expectError(t, a, code, rfcError, "", scopeIgnored, mainMetadata)
}

// concurrent makes 50 calls at once over one connection, mixing personas
// and methods; each gets its own answer.
func (s *suite) concurrent(t *testing.T) {
	cases := []struct {
		method, persona string
		code            codes.Code
	}{
		{mRead, "reader", codes.OK}, {mRead, "writer", codes.PermissionDenied}, {mMe, "", codes.Unauthenticated},
		{mWatch, "reader", codes.OK}, {mAdmin, "admin", codes.OK}, {mChat, "owner", codes.OK}, {mOwner, "alice", codes.PermissionDenied},
	}
	var wg sync.WaitGroup
	for i := range 50 {
		tc := cases[i%len(cases)]
		wg.Go(func() {
			a := s.do(t, tc.method, s.as(tc.persona))
			assert.Equal(t, tc.code, a.status.Code(), "%s as %q: %s", tc.method, tc.persona, a)
			if tc.code == codes.OK {
				for _, v := range a.values {
					assert.True(t, strings.HasPrefix(v, tc.persona), "%s as %q answered %q", tc.method, tc.persona, v)
				}
			}
		})
	}
	wg.Wait()
}
