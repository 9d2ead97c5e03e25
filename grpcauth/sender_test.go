package grpcauth_test

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"net"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"github.com/axiomsgo/axioms/authtest"
	"github.com/axiomsgo/axioms/core"
)

// Sender-constrained tokens over gRPC, on real servers on loopback TCP:
// tokens bound to the TLS client certificate of the peer's connection
// (RFC 8705 §3; the threat catalog's rows L206-L212) over real TLS, and
// DPoP (RFC 9449; rows K176-K202 where gRPC has them) with authtest's
// DPoP client: the proof in the dpop metadata, htm POST, htu the scheme,
// the :authority and the full method name.

// senderEnv is one run: the issuer, the server certificate the clients
// trust, two client certificates, and a DPoP client.
type senderEnv struct {
	iss    *authtest.Issuer
	server tls.Certificate
	a, b   tls.Certificate
	dpop   *authtest.DPoPClient
}

func newSenderEnv(t *testing.T) *senderEnv {
	e := &senderEnv{iss: authtest.NewTestIssuer(t)}
	var err error
	for _, c := range []*tls.Certificate{&e.server, &e.a, &e.b} {
		*c, err = authtest.NewCertificate("127.0.0.1")
		require.NoError(t, err)
	}
	e.dpop, err = authtest.NewDPoPClient()
	require.NoError(t, err)
	return e
}

// dpopAlgs are the proof algorithms of the DPoP servers: algs="ES256 PS256".
var dpopAlgs = []string{"ES256", "PS256"}

// tlsServer serves the probe service over TLS (a client certificate
// requested, not verified against any CA: RFC 8705 §2.2) with a verifier
// of dc, and returns its address.
func (e *senderEnv) tlsServer(t *testing.T, dc core.DPoPConfig) string {
	return e.serve(t, dc, grpc.Creds(credentials.NewTLS(&tls.Config{
		Certificates: []tls.Certificate{e.server}, ClientAuth: tls.RequestClientCert, MinVersion: tls.VersionTLS12})))
}

// serve serves the probe service with a verifier of dc and the server
// options sopts on a loopback port until t ends, and returns its address.
func (e *senderEnv) serve(t *testing.T, dc core.DPoPConfig, sopts ...grpc.ServerOption) string {
	cfg := e.iss.Config()
	if dc.Mode != core.DPoPOff {
		dc.Algorithms = dpopAlgs
	}
	cfg.DPoP = dc
	srv := newServer(quietVerifier(t, cfg), probeOptions(), sopts...)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := make(chan struct{})
	go func() { defer close(served); _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Stop(); <-served })
	return ln.Addr().String()
}

// dial returns a client of addr over TLS, trusting the server
// certificate and presenting certs; nil certs and insecure: plain h2c.
func (e *senderEnv) dial(t *testing.T, addr string, secure bool, certs ...tls.Certificate) *grpc.ClientConn {
	creds := grpc.WithTransportCredentials(insecure.NewCredentials())
	if secure {
		roots := x509.NewCertPool()
		roots.AddCert(e.server.Leaf)
		creds = grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{RootCAs: roots, Certificates: certs, MinVersion: tls.VersionTLS12}))
	}
	conn, err := grpc.NewClient(addr, creds)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// withMetadata is ctx with the outgoing metadata pairs kv.
func withMetadata(ctx context.Context, kv ...string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, kv...)
}

// refused checks a refusal: the code, the whole www-authenticate value and
// the message, core's error description.
func refused(t testing.TB, a answer, code codes.Code, challenge, msg string) {
	t.Helper()
	require.Equal(t, code, a.status.Code(), "answer: %s", a)
	assert.Equal(t, []string{challenge}, a.header.Get("www-authenticate"), "answer: %s", a)
	if msg != "" {
		assert.Equal(t, msg, a.status.Message())
	}
}

const certInvalid = `Bearer realm="api", error="invalid_token", error_description="certificate binding invalid"`

func TestCertificateBoundTokens(t *testing.T) {
	e := newSenderEnv(t)
	addr := e.tlsServer(t, core.DPoPConfig{})
	none, withA, withB := e.dial(t, addr, true), e.dial(t, addr, true, e.a), e.dial(t, addr, true, e.b)
	boundA := e.iss.MustToken(t, "mtls", authtest.BoundToCertificate(e.a.Leaf.Raw), authtest.Scopes("read:data"))
	reader := e.iss.MustToken(t, "reader", authtest.Scopes("read:data"))
	t.Run("L206 the certificate of the token's cnf x5t#S256 is accepted", func(t *testing.T) {
		expectOK(t, call(t, withA, mMe, bearer(boundA)), "mtls")
		expectOK(t, callStream(t, withA, mWatch, bearer(boundA), "a"), "mtls", "mtls")
	})
	t.Run("L207 another certificate is Unauthenticated", func(t *testing.T) {
		refused(t, call(t, withB, mMe, bearer(boundA)), codes.Unauthenticated, certInvalid, "certificate binding invalid")
		refused(t, callStream(t, withB, mWatch, bearer(boundA), "a"), codes.Unauthenticated, certInvalid, "")
	})
	t.Run("L208 no certificate is Unauthenticated", func(t *testing.T) {
		refused(t, call(t, none, mMe, bearer(boundA)), codes.Unauthenticated, certInvalid, "certificate binding invalid")
	})
	t.Run("L210 a token without cnf is accepted with or without a certificate", func(t *testing.T) {
		expectOK(t, call(t, withA, mMe, bearer(reader)), "reader")
		expectOK(t, call(t, none, mMe, bearer(reader)), "reader")
	})
	t.Run("L211 a certificate in metadata is ignored", func(t *testing.T) {
		der := base64.StdEncoding.EncodeToString(e.a.Leaf.Raw)
		plain := e.dial(t, e.serve(t, core.DPoPConfig{}), false)
		for _, conn := range []*grpc.ClientConn{none, plain} {
			for _, key := range []string{"client-cert", "x-client-cert", "x-forwarded-client-cert", "ssl-client-cert"} {
				ctx := withMetadata(t.Context(), key, ":"+der+":")
				refused(t, callCtx(t, ctx, conn, mMe, bearer(boundA)), codes.Unauthenticated, certInvalid, "certificate binding invalid")
			}
		}
	})
}

// dpopCall makes one call of method with Authorization: DPoP token and
// the dpop metadata proofs.
func dpopCall(t testing.TB, conn *grpc.ClientConn, method, token string, proofs ...string) answer {
	t.Helper()
	ctx := t.Context()
	for _, p := range proofs {
		ctx = withMetadata(ctx, "dpop", p)
	}
	if method == mWatch || method == mChat {
		return callStreamCtx(t, ctx, conn, method, []string{"DPoP " + token}, "a")
	}
	return callCtx(t, ctx, conn, method, []string{"DPoP " + token})
}

func (e *senderEnv) proof(t testing.TB, method, htu, token string, opts ...authtest.ProofOption) string {
	t.Helper()
	p, err := e.dpop.Proof(method, htu, token, opts...)
	require.NoError(t, err)
	return p
}

// The challenges of a DPoPAllowed server without resource metadata, with
// the error on the DPoP or the Bearer one (RFC 9449 §7.1).
func onDPoP(code, desc string) string {
	return `Bearer realm="api", DPoP realm="api", algs="ES256 PS256", error="` + code + `", error_description="` + desc + `"`
}

func onBearer(code, desc string) string {
	return `Bearer realm="api", error="` + code + `", error_description="` + desc + `", DPoP realm="api", algs="ES256 PS256"`
}

func TestDPoP(t *testing.T) {
	e := newSenderEnv(t)
	addr := e.tlsServer(t, core.DPoPConfig{Mode: core.DPoPAllowed})
	conn, withA := e.dial(t, addr, true), e.dial(t, addr, true, e.a)
	bound := e.iss.MustToken(t, "dpop", authtest.BoundTo(e.dpop), authtest.Scopes("read:data"))
	htu := func(method string) string { return "https://" + addr + method }
	t.Run("K176 a call with a valid proof is accepted", func(t *testing.T) {
		expectOK(t, dpopCall(t, conn, mMe, bound, e.proof(t, "POST", htu(mMe), bound)), "dpop")
		expectOK(t, dpopCall(t, conn, mRead, bound, e.proof(t, "POST", htu(mRead), bound)), "dpop")
		expectOK(t, dpopCall(t, conn, mWatch, bound, e.proof(t, "POST", htu(mWatch), bound)), "dpop", "dpop")
	})
	t.Run("K176 the scheme is case-insensitive", func(t *testing.T) {
		for _, scheme := range []string{"dpop ", "DPOP  ", " DPoP "} {
			ctx := withMetadata(t.Context(), "dpop", e.proof(t, "POST", htu(mMe), bound))
			expectOK(t, callCtx(t, ctx, conn, mMe, []string{scheme + bound}), "dpop")
		}
	})
	t.Run("an anonymous RPC verifies the DPoP credentials present", func(t *testing.T) {
		expectOK(t, dpopCall(t, conn, mOptional, bound, e.proof(t, "POST", htu(mOptional), bound)), "dpop")
		refused(t, dpopCall(t, conn, mOptional, bound), codes.Unauthenticated, onDPoP("invalid_dpop_proof", "DPoP proof missing"), "")
	})
	t.Run("K193 a replayed proof is refused", func(t *testing.T) {
		p := e.proof(t, "POST", htu(mMe), bound)
		expectOK(t, dpopCall(t, conn, mMe, bound, p), "dpop")
		refused(t, dpopCall(t, conn, mMe, bound, p), codes.Unauthenticated, onDPoP("invalid_dpop_proof", "DPoP proof replayed"), "DPoP proof replayed")
	})
	t.Run("K186 htm is POST", func(t *testing.T) {
		for _, htm := range []string{"GET", "post", mMe} {
			refused(t, dpopCall(t, conn, mMe, bound, e.proof(t, htm, htu(mMe), bound)), codes.Unauthenticated,
				onDPoP("invalid_dpop_proof", "DPoP proof method mismatch"), "")
		}
	})
	t.Run("K187 htu of another scheme, authority or method", func(t *testing.T) {
		for _, u := range []string{"http://" + addr + mMe, "https://localhost" + addr[strings.LastIndexByte(addr, ':'):] + mMe, htu(mRead), htu("")} {
			refused(t, dpopCall(t, conn, mMe, bound, e.proof(t, "POST", u, bound)), codes.Unauthenticated,
				onDPoP("invalid_dpop_proof", "DPoP proof URL mismatch"), "")
		}
	})
	t.Run("K178 DPoP without a proof", func(t *testing.T) {
		refused(t, dpopCall(t, conn, mMe, bound), codes.Unauthenticated, onDPoP("invalid_dpop_proof", "DPoP proof missing"), "DPoP proof missing")
	})
	t.Run("K179 two proofs are InvalidArgument", func(t *testing.T) {
		a := dpopCall(t, conn, mMe, bound, e.proof(t, "POST", htu(mMe), bound), e.proof(t, "POST", htu(mMe), bound))
		refused(t, a, codes.InvalidArgument, onDPoP("invalid_request", "multiple DPoP proofs"), "")
	})
	t.Run("K177 a DPoP-bound token sent as Bearer", func(t *testing.T) {
		ctx := withMetadata(t.Context(), "dpop", e.proof(t, "POST", htu(mMe), bound))
		refused(t, callCtx(t, ctx, conn, mMe, bearer(bound)), codes.Unauthenticated, onBearer("invalid_token", "proof of possession required"), "")
	})
	t.Run("K197 a token without cnf sent as DPoP", func(t *testing.T) {
		reader := e.iss.MustToken(t, "reader")
		refused(t, dpopCall(t, conn, mMe, reader, e.proof(t, "POST", htu(mMe), reader)), codes.Unauthenticated,
			onDPoP("invalid_token", "DPoP key binding invalid"), "")
	})
	t.Run("K202 no credentials: both challenges", func(t *testing.T) {
		refused(t, call(t, conn, mMe, nil), codes.Unauthenticated, `Bearer realm="api", DPoP realm="api", algs="ES256 PS256"`, "authentication required")
	})
	t.Run("a policy not met is PermissionDenied on the DPoP challenge", func(t *testing.T) {
		a := dpopCall(t, conn, mAdmin, bound, e.proof(t, "POST", htu(mAdmin), bound))
		refused(t, a, codes.PermissionDenied, onDPoP("insufficient_scope", "insufficient role"), "")
	})
	t.Run("L212 a token bound to a key and a certificate needs both", func(t *testing.T) {
		both := e.iss.MustToken(t, "both", authtest.Claim("cnf", map[string]any{"jkt": e.dpop.Thumbprint(),
			"x5t#S256": thumbprint(e.a.Leaf.Raw)}))
		expectOK(t, dpopCall(t, withA, mMe, both, e.proof(t, "POST", htu(mMe), both)), "both")
		refused(t, dpopCall(t, conn, mMe, both, e.proof(t, "POST", htu(mMe), both)), codes.Unauthenticated,
			onDPoP("invalid_token", "certificate binding invalid"), "")
	})
}

// thumbprint is the x5t#S256 of a DER certificate (RFC 8705 §3.1).
func thumbprint(der []byte) string {
	sum := sha256.Sum256(der)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// DPoP on an h2c server (htu http://) with nonces and DPoP required.
func TestDPoPNonceOverH2C(t *testing.T) {
	e := newSenderEnv(t)
	addr := e.serve(t, core.DPoPConfig{Mode: core.DPoPRequired, Nonce: true})
	conn := e.dial(t, addr, false)
	bound := e.iss.MustToken(t, "dpop", authtest.BoundTo(e.dpop))
	htu := "http://" + addr + mMe
	t.Run("K199 a proof without a nonce gets use_dpop_nonce and one dpop-nonce; the retry is accepted", func(t *testing.T) {
		a := dpopCall(t, conn, mMe, bound, e.proof(t, "POST", htu, bound))
		refused(t, a, codes.Unauthenticated, `DPoP realm="api", algs="ES256 PS256", error="use_dpop_nonce", error_description="DPoP nonce required"`, "DPoP nonce required")
		nonces := a.header.Get("dpop-nonce")
		require.Len(t, nonces, 1, "K201 exactly one dpop-nonce")
		expectOK(t, dpopCall(t, conn, mMe, bound, e.proof(t, "POST", htu, bound, authtest.ProofNonce(nonces[0]))), "dpop")
	})
	t.Run("required: a Bearer token is no usable credential", func(t *testing.T) {
		a := call(t, conn, mMe, bearer(e.iss.MustToken(t, "reader")))
		refused(t, a, codes.Unauthenticated, `DPoP realm="api", algs="ES256 PS256"`, "authentication required")
		assert.Empty(t, a.header.Get("dpop-nonce"))
	})
}

// With a public URL, htu is the public URL and the full method name,
// whatever the :authority.
func TestDPoPPublicURL(t *testing.T) {
	e := newSenderEnv(t)
	const public = "https://api.example.test/base"
	addr := e.serve(t, core.DPoPConfig{Mode: core.DPoPAllowed, PublicURL: public})
	conn := e.dial(t, addr, false)
	bound := e.iss.MustToken(t, "dpop", authtest.BoundTo(e.dpop))
	expectOK(t, dpopCall(t, conn, mMe, bound, e.proof(t, "POST", public+mMe, bound)), "dpop")
	refused(t, dpopCall(t, conn, mMe, bound, e.proof(t, "POST", "http://"+addr+mMe, bound)), codes.Unauthenticated,
		onDPoP("invalid_dpop_proof", "DPoP proof URL mismatch"), "")
}
