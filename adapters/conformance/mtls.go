package conformance

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axiomsgo/axioms/adapters/exampleapi"
	"github.com/axiomsgo/axioms/authtest"
	"github.com/axiomsgo/axioms/core"
)

// CertHeader is the header the suite names in WithClientCertificateHeader
// (ServeTLS's certHeader): RFC 9440's Client-Cert.
const CertHeader = "Client-Cert"

// mtlsRun is the mTLS part of a run (RFC 8705 §3, the behaviour contract
// §7, the threat catalog's section L): the server certificate its TLS
// clients trust, two client certificates and the tokens bound to them.
type mtlsRun struct {
	s          *suite
	server     tls.Certificate
	a, b       tls.Certificate // client certificates
	boundA     string          // sub "mtls", cnf x5t#S256 of a
	boundB     string          // sub "mtls", cnf x5t#S256 of b
	noneClient *http.Client    // TLS, no client certificate
	aClient    *http.Client    // TLS with a
	bClient    *http.Client    // TLS with b
}

// mtls checks certificate-bound tokens over real TLS connections, and the
// certificate header of WithClientCertificateHeader, on ServeTLS servers.
func (s *suite) mtls(t *testing.T) {
	require.NotNil(t, s.h.ServeTLS, "conformance: set Harness.ServeTLS: every HTTP adapter reads the TLS client certificate")
	require.NotNil(t, s.h.ConstructCertHeader, "conformance: set Harness.ConstructCertHeader with Harness.ServeTLS")
	m := &mtlsRun{s: s, server: newCert(t, "127.0.0.1"), a: newCert(t), b: newCert(t)}
	m.boundA = s.iss.MustToken(t, "mtls", authtest.BoundToCertificate(m.a.Leaf.Raw))
	m.boundB = s.iss.MustToken(t, "mtls", authtest.BoundToCertificate(m.b.Leaf.Raw))
	m.noneClient, m.aClient, m.bClient = m.client(t), m.client(t, m.a), m.client(t, m.b)

	t.Run("construction", m.construction)
	t.Run("TLS", m.tlsRows)
	t.Run("TLS and DPoP", m.dpopRows)
	t.Run("certificate header", m.headerRows)
	t.Run("certificate header over TLS", m.precedenceRows)
}

func newCert(t *testing.T, hosts ...string) tls.Certificate {
	t.Helper()
	c, err := authtest.NewCertificate(hosts...)
	require.NoError(t, err)
	return c
}

// serverTLS is the TLS configuration of the suite's TLS servers: their
// certificate, and a client certificate requested but not verified
// against any CA (RFC 8705 §2.2, self-signed certificates: the handshake
// proves the key; the token's thumbprint decides).
func (m *mtlsRun) serverTLS() *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{m.server}, ClientAuth: tls.RequestClientCert, MinVersion: tls.VersionTLS12}
}

// client returns an HTTP client trusting the suite's server certificate
// and presenting certs; its connections are closed with t.Cleanup.
func (m *mtlsRun) client(t *testing.T, certs ...tls.Certificate) *http.Client {
	roots := x509.NewCertPool()
	roots.AddCert(m.server.Leaf)
	tr := &http.Transport{DisableCompression: true,
		TLSClientConfig: &tls.Config{RootCAs: roots, Certificates: certs, MinVersion: tls.VersionTLS12}}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// start serves exampleapi.Routes through ServeTLS with a verifier of the
// suite's issuer and DPoP settings dc, over TLS with the suite's server
// configuration (plain HTTP without tlsOn) and the certificate header
// certHeader ("": none).
func (m *mtlsRun) start(t *testing.T, dc core.DPoPConfig, tlsOn bool, certHeader string) string {
	t.Helper()
	cfg := m.s.iss.Config()
	if dc.Mode != core.DPoPOff {
		dc.Algorithms = dpopAlgs
	}
	cfg.DPoP = dc
	v := newVerifier(t, cfg)
	md, err := core.NewResourceMetadata(v.ProtectedResource(), "")
	require.NoError(t, err)
	var tc *tls.Config
	if tlsOn {
		tc = m.serverTLS()
	}
	base := m.s.h.ServeTLS(t, v, md, exampleapi.Routes(v), tc, certHeader)
	if tlsOn {
		require.Regexp(t, `^https://`, base, "ServeTLS serves TLS when given a configuration")
	}
	m.s.publicURL[base] = ""
	return base
}

// get sends GET path with rq's other fields to base.
func (m *mtlsRun) get(t testing.TB, base, path string, rq request) response {
	t.Helper()
	rq.method, rq.path = http.MethodGet, path
	return m.s.doAt(t, base, rq)
}

// clientCert is the value of RFC 9440's Client-Cert header for c.
func clientCert(c tls.Certificate) string {
	return ":" + base64.StdEncoding.EncodeToString(c.Leaf.Raw) + ":"
}

func (m *mtlsRun) construction(t *testing.T) {
	v := newVerifier(t, m.s.iss.Config())
	for _, name := range []string{"", "Client Cert", "Client-Cert:", "a;b", "x\r\n"} {
		assert.Panics(t, func() { m.s.h.ConstructCertHeader(v, name) }, "WithClientCertificateHeader(%q) panics when the Middleware is built", name)
	}
	for _, name := range []string{CertHeader, "x-ssl-client-cert"} {
		assert.NotPanics(t, func() { m.s.h.ConstructCertHeader(v, name) }, "WithClientCertificateHeader(%q)", name)
	}
}

// tlsRows: certificate-bound tokens over TLS (DPoP off, no header).
func (m *mtlsRun) tlsRows(t *testing.T) {
	base := m.start(t, core.DPoPConfig{}, true, "")
	invalid := func(t *testing.T, resp response) {
		t.Helper()
		expectError(t, resp, http.StatusUnauthorized, "invalid_token", "certificate binding invalid", noScope)
	}
	t.Run("L206 the certificate of the token's cnf x5t#S256 is accepted", func(t *testing.T) {
		expectSub(t, m.get(t, base, "/me", request{client: m.aClient, auth: bearer(m.boundA)}), "mtls")
		expectSub(t, m.get(t, base, "/me", request{client: m.bClient, auth: bearer(m.boundB)}), "mtls")
	})
	t.Run("L207 another certificate is an invalid token", func(t *testing.T) {
		invalid(t, m.get(t, base, "/me", request{client: m.bClient, auth: bearer(m.boundA)}))
		invalid(t, m.get(t, base, "/me", request{client: m.aClient, auth: bearer(m.boundB)}))
	})
	t.Run("L208 no certificate is an invalid token", func(t *testing.T) {
		invalid(t, m.get(t, base, "/me", request{client: m.noneClient, auth: bearer(m.boundA)}))
	})
	t.Run("L209 a thumbprint in another encoding or of another hash", func(t *testing.T) {
		der := m.a.Leaf.Raw
		sum := sha256.Sum256(der)
		sha1Sum := sha1.Sum(der)
		for name, cnf := range map[string]map[string]any{
			"hex":               {"x5t#S256": hex.EncodeToString(sum[:])},
			"padded":            {"x5t#S256": base64.URLEncoding.EncodeToString(sum[:])},
			"standard base64":   {"x5t#S256": base64.StdEncoding.EncodeToString(sum[:])},
			"SHA-1 x5t":         {"x5t": base64.RawURLEncoding.EncodeToString(sha1Sum[:])},
			"of the public key": {"x5t#S256": base64.RawURLEncoding.EncodeToString(sha256Of(m.a.Leaf.RawSubjectPublicKeyInfo))},
			"not a string":      {"x5t#S256": 1},
			"an empty cnf":      {},
		} {
			t.Run(name, func(t *testing.T) {
				tok := m.s.iss.MustToken(t, "mtls", authtest.Claim("cnf", cnf))
				resp := m.get(t, base, "/me", request{client: m.aClient, auth: bearer(tok)})
				expectError(t, resp, http.StatusUnauthorized, "invalid_token", "", noScope)
			})
		}
	})
	t.Run("L210 a token without cnf is accepted with or without a certificate", func(t *testing.T) {
		for _, c := range []*http.Client{m.aClient, m.noneClient} {
			expectSub(t, m.get(t, base, "/me", request{client: c, auth: m.s.as("reader")}), "reader")
		}
	})
	t.Run("L211 a certificate header from the client is ignored", func(t *testing.T) {
		// Over TLS without a client certificate, and on the suite's plain HTTP server.
		for _, target := range []struct {
			base   string
			client *http.Client
		}{{base, m.noneClient}, {m.s.base, nil}} {
			for name, value := range spoofedHeaders(m.a) {
				resp := m.get(t, target.base, "/me", request{client: target.client, auth: bearer(m.boundA), header: http.Header{name: {value}}})
				invalid(t, resp)
			}
		}
	})
	t.Run("every challenge names the TLS URL of the metadata", func(t *testing.T) {
		resp := m.get(t, base, "/me", request{client: m.noneClient})
		require.Regexp(t, `^https://`, resp.metadata)
		expectNoCredentials(t, resp)
	})
}

// spoofedHeaders are the headers proxies put a client certificate in,
// each carrying c.
func spoofedHeaders(c tls.Certificate) map[string]string {
	pemText := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Leaf.Raw}))
	escaped := url.QueryEscape(pemText)
	return map[string]string{
		CertHeader:                clientCert(c),
		"X-Client-Cert":           escaped,
		"X-Ssl-Client-Cert":       escaped,
		"Ssl-Client-Cert":         base64.StdEncoding.EncodeToString(c.Leaf.Raw),
		"X-Forwarded-Client-Cert": `Hash=` + hex.EncodeToString(sha256Of(c.Leaf.Raw)) + `;Cert="` + escaped + `"`,
		"X-Amzn-Mtls-Clientcert":  escaped,
	}
}

func sha256Of(b []byte) []byte {
	sum := sha256.Sum256(b)
	return sum[:]
}

// dpopRows: DPoP over TLS (htu is https) and a token bound to a key and a
// certificate at once.
func (m *mtlsRun) dpopRows(t *testing.T) {
	base := m.start(t, core.DPoPConfig{Mode: core.DPoPAllowed}, true, "")
	d := dpopServer{dpopRun: &dpopRun{s: m.s}, base: base, mode: core.DPoPAllowed}
	var err error
	d.client, err = authtest.NewDPoPClient()
	require.NoError(t, err)
	key := m.s.iss.MustToken(t, "dpop", authtest.BoundTo(d.client))
	both := m.s.iss.MustToken(t, "both", authtest.Claim("cnf", map[string]any{
		"jkt": d.client.Thumbprint(), "x5t#S256": base64.RawURLEncoding.EncodeToString(sha256Of(m.a.Leaf.Raw))}))
	send := func(t *testing.T, c *http.Client, scheme, token, htu string) response {
		t.Helper()
		rq := request{client: c, path: "/me", auth: []string{scheme + " " + token}}
		if scheme == "Bearer" {
			return d.do(t, rq)
		}
		return d.do(t, rq, d.proof(t, http.MethodGet, htu, token))
	}
	t.Run("K187 over TLS, htu is https", func(t *testing.T) {
		expectSub(t, send(t, m.noneClient, "DPoP", key, base+"/me"), "dpop")
		u, err := url.Parse(base)
		require.NoError(t, err)
		resp := send(t, m.noneClient, "DPoP", key, "http://"+u.Host+"/me")
		d.expectChallenges(t, resp, http.StatusUnauthorized, onDPoP, "invalid_dpop_proof", "DPoP proof URL mismatch")
	})
	t.Run("L212 a token bound to a key and a certificate needs both", func(t *testing.T) {
		expectSub(t, send(t, m.aClient, "DPoP", both, base+"/me"), "both")
		d.expectChallenges(t, send(t, m.noneClient, "DPoP", both, base+"/me"), http.StatusUnauthorized, onDPoP, "invalid_token", "certificate binding invalid")
		d.expectChallenges(t, send(t, m.bClient, "DPoP", both, base+"/me"), http.StatusUnauthorized, onDPoP, "invalid_token", "certificate binding invalid")
		d.expectChallenges(t, send(t, m.aClient, "Bearer", both, ""), http.StatusUnauthorized, onBearer, "invalid_token", "")
	})
	t.Run("L206 a certificate-bound token as Bearer beside DPoP", func(t *testing.T) {
		expectSub(t, send(t, m.aClient, "Bearer", m.boundA, ""), "mtls")
		d.expectChallenges(t, send(t, m.bClient, "Bearer", m.boundA, ""), http.StatusUnauthorized, onBearer, "invalid_token", "certificate binding invalid")
	})
}

// headerRows: the certificate header of WithClientCertificateHeader, on a
// plain HTTP server as behind a TLS-terminating proxy.
func (m *mtlsRun) headerRows(t *testing.T) {
	base := m.start(t, core.DPoPConfig{}, false, CertHeader)
	with := func(token string, values ...string) request {
		rq := request{auth: bearer(token), header: http.Header{}}
		if values != nil {
			rq.header[CertHeader] = values
		}
		return rq
	}
	invalid := func(t *testing.T, resp response) {
		t.Helper()
		expectError(t, resp, http.StatusUnauthorized, "invalid_token", "certificate binding invalid", noScope)
	}
	malformed := func(t *testing.T, resp response) {
		t.Helper()
		expectError(t, resp, http.StatusBadRequest, "invalid_request", "client certificate header malformed", noScope)
	}
	t.Run("L206 the header's certificate is accepted", func(t *testing.T) {
		expectSub(t, m.get(t, base, "/me", with(m.boundA, clientCert(m.a))), "mtls")
		expectSub(t, m.get(t, base, "/me", with(m.boundB, clientCert(m.b))), "mtls")
		unpadded := ":" + base64.RawStdEncoding.EncodeToString(m.a.Leaf.Raw) + ":"
		expectSub(t, m.get(t, base, "/me", with(m.boundA, unpadded)), "mtls")
	})
	t.Run("the header name is case-insensitive", func(t *testing.T) {
		rq := request{auth: bearer(m.boundA), header: http.Header{"client-cert": {clientCert(m.a)}}}
		expectSub(t, m.get(t, base, "/me", rq), "mtls")
	})
	t.Run("L207 another certificate in the header is an invalid token", func(t *testing.T) {
		invalid(t, m.get(t, base, "/me", with(m.boundA, clientCert(m.b))))
	})
	t.Run("L208 no header, an empty one or an empty byte sequence is no certificate", func(t *testing.T) {
		for _, values := range [][]string{nil, {""}, {"::"}} {
			invalid(t, m.get(t, base, "/me", with(m.boundA, values...)))
			expectSub(t, m.get(t, base, "/me", with(m.s.tokens["reader"], values...)), "reader")
		}
	})
	t.Run("L211 only the header named in code is read", func(t *testing.T) {
		for name, value := range spoofedHeaders(m.a) {
			if name != CertHeader {
				invalid(t, m.get(t, base, "/me", request{auth: bearer(m.boundA), header: http.Header{name: {value}}}))
			}
		}
	})
	t.Run("a malformed header is an invalid request whatever the token", func(t *testing.T) {
		der := base64.StdEncoding.EncodeToString(m.a.Leaf.Raw)
		bad := [][]string{
			{der},                              // no colons
			{clientCert(m.a) + ";a=1"},         // parameters
			{clientCert(m.a), clientCert(m.a)}, // two values
			{clientCert(m.a) + ", " + clientCert(m.b)},
			{":" + base64.RawURLEncoding.EncodeToString(m.a.Leaf.Raw) + "x:"},
			{url.QueryEscape(string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: m.a.Leaf.Raw})))},
			{":AAAA:"}, // not a certificate
		}
		for _, values := range bad {
			malformed(t, m.get(t, base, "/me", with(m.boundA, values...)))
			malformed(t, m.get(t, base, "/me", with(m.s.tokens["reader"], values...)))
			rq := with("", values...)
			rq.auth = nil
			malformed(t, m.get(t, base, "/me", rq))
			malformed(t, m.get(t, base, "/optional", rq))
		}
	})
	t.Run("a skipped route does not read the header", func(t *testing.T) {
		resp := m.get(t, base, "/health", request{header: http.Header{CertHeader: {":AAAA:"}}})
		expectJSON(t, resp, http.StatusOK)
	})
}

// precedenceRows: with a certificate header configured on a TLS server,
// the connection's certificate wins; the header is read only for
// connections without one.
func (m *mtlsRun) precedenceRows(t *testing.T) {
	base := m.start(t, core.DPoPConfig{}, true, CertHeader)
	with := func(c *http.Client, token, value string) request {
		return request{client: c, auth: bearer(token), header: http.Header{CertHeader: {value}}}
	}
	t.Run("the connection's certificate wins over the header", func(t *testing.T) {
		expectSub(t, m.get(t, base, "/me", with(m.aClient, m.boundA, clientCert(m.b))), "mtls")
		resp := m.get(t, base, "/me", with(m.aClient, m.boundB, clientCert(m.b)))
		expectError(t, resp, http.StatusUnauthorized, "invalid_token", "certificate binding invalid", noScope)
	})
	t.Run("with a connection certificate the header is not read", func(t *testing.T) {
		expectSub(t, m.get(t, base, "/me", with(m.aClient, m.boundA, ":AAAA:")), "mtls")
	})
	t.Run("a TLS connection without a certificate: the header", func(t *testing.T) {
		expectSub(t, m.get(t, base, "/me", with(m.noneClient, m.boundA, clientCert(m.a))), "mtls")
		expectError(t, m.get(t, base, "/me", with(m.noneClient, m.boundA, ":AAAA:")), http.StatusBadRequest, "invalid_request", "", noScope)
	})
}
