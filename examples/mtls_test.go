package examples_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axiomsgo/axioms/authtest"
)

// testCert is a certificate with its key, for TLS in the tests.
type testCert struct {
	tls  tls.Certificate
	leaf *x509.Certificate
}

// newCert makes a P-256 certificate for hosts (IP addresses), signed by
// parent (nil: self-signed; isCA makes it able to sign others).
func newCert(t *testing.T, name string, parent *testCert, isCA bool, hosts ...string) *testCert {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		IsCA:                  isCA || parent == nil,
	}
	for _, h := range hosts {
		tmpl.IPAddresses = append(tmpl.IPAddresses, net.ParseIP(h))
	}
	signer, signerKey := tmpl, key
	if parent != nil {
		signer, signerKey = parent.leaf, parent.tls.PrivateKey.(*ecdsa.PrivateKey)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signerKey)
	require.NoError(t, err)
	leaf, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return &testCert{tls: tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, leaf: leaf}
}

// thumbprint is the cnf x5t#S256 of c (RFC 8705 §3.1).
func (c *testCert) thumbprint() string {
	sum := sha256.Sum256(c.leaf.Raw)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// files writes c's certificate and key as PEM files in dir and returns
// their paths.
func (c *testCert) files(t *testing.T, dir, name string) (certFile, keyFile string) {
	t.Helper()
	keyDER, err := x509.MarshalPKCS8PrivateKey(c.tls.PrivateKey)
	require.NoError(t, err)
	certFile, keyFile = filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.leaf.Raw}), 0o600))
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600))
	return certFile, keyFile
}

// tlsClient is a client that trusts server and presents client (nil: no
// certificate).
func tlsClient(t *testing.T, server, client *testCert) *http.Client {
	t.Helper()
	roots := x509.NewCertPool()
	roots.AddCert(server.leaf)
	cfg := &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	if client != nil { // sent whatever CAs the server names (Certificates would send none then)
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &client.tls, nil }
	}
	tr := &http.Transport{TLSClientConfig: cfg}
	t.Cleanup(tr.CloseIdleConnections) // before the server stops (LIFO)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

// TestCertificateBoundTokens serves every example server over TLS
// (TLS_CERT, TLS_KEY) and checks behaviour.md §7's mTLS row (RFC 8705 §3,
// threat catalog L206-L210) over real TLS connections: a token bound to a
// client certificate (cnf x5t#S256) is accepted on a connection that
// presented that certificate, refused with another or none; a token
// without cnf needs none. With TLS_CLIENT_CA a certificate from another
// CA ends the handshake.
func TestCertificateBoundTokens(t *testing.T) {
	iss := authtest.NewTestIssuer(t)
	dir := t.TempDir()
	srvCert := newCert(t, "server", nil, false, "127.0.0.1")
	certFile, keyFile := srvCert.files(t, dir, "server")
	alice, mallory := newCert(t, "alice", nil, false), newCert(t, "mallory", nil, false)
	bound := iss.MustToken(t, "alice", authtest.Claim("cnf", map[string]any{"x5t#S256": alice.thumbprint()}))
	plain := iss.MustToken(t, "bob")
	env := []string{"AXIOMS_ISS_URL=" + iss.URL(), "AXIOMS_AUDIENCE=" + iss.Audience(),
		"TLS_CERT=" + certFile, "TLS_KEY=" + keyFile}

	for _, fw := range frameworks {
		t.Run(fw, func(t *testing.T) {
			t.Parallel()
			base := startServer(t, binary(t, fw), env).url
			require.True(t, strings.HasPrefix(base, "https://127.0.0.1:"), "the ready line names https: %s", base)
			withAlice, withMallory, without := tlsClient(t, srvCert, alice), tlsClient(t, srvCert, mallory), tlsClient(t, srvCert, nil)

			st, _, body := send(t, withAlice, http.MethodGet, base+"/me", bound)
			assert.Equal(t, http.StatusOK, st, "L206 the certificate the token is bound to: %s", body)
			assert.JSONEq(t, `{"sub":"alice"}`, body)
			for name, client := range map[string]*http.Client{"L207 another certificate": withMallory, "L208 no certificate": without} {
				st, h, body := send(t, client, http.MethodGet, base+"/me", bound)
				assert.Equal(t, http.StatusUnauthorized, st, "%s: %s", name, body)
				assert.Contains(t, h.Get("WWW-Authenticate"), `error="invalid_token"`, name)
			}
			st, _, body = send(t, without, http.MethodGet, base+"/me", plain)
			assert.Equal(t, http.StatusOK, st, "L210 a token without cnf, no certificate: %s", body)
			st, _, body = send(t, withMallory, http.MethodGet, base+"/me", plain)
			assert.Equal(t, http.StatusOK, st, "L210 a token without cnf, any certificate: %s", body)

			st, h, _ := send(t, without, http.MethodGet, base+"/me", "")
			assert.Equal(t, http.StatusUnauthorized, st)
			assert.Contains(t, h.Get("WWW-Authenticate"), `resource_metadata="`+base+`/.well-known/oauth-protected-resource"`,
				"the metadata URL has the https scheme of the connection")
		})
	}

	t.Run("TLS_CLIENT_CA", func(t *testing.T) {
		t.Parallel()
		ca := newCert(t, "client CA", nil, true)
		carol := newCert(t, "carol", ca, false)
		caFile, _ := ca.files(t, t.TempDir(), "ca")
		base := startServer(t, binary(t, "chi"), append(append([]string{}, env...), "TLS_CLIENT_CA="+caFile)).url
		token := iss.MustToken(t, "carol", authtest.Claim("cnf", map[string]any{"x5t#S256": carol.thumbprint()}))

		st, _, body := send(t, tlsClient(t, srvCert, carol), http.MethodGet, base+"/me", token)
		assert.Equal(t, http.StatusOK, st, "a certificate of the CA: %s", body)
		st, _, body = send(t, tlsClient(t, srvCert, nil), http.MethodGet, base+"/me", plain)
		assert.Equal(t, http.StatusOK, st, "no certificate is still a connection: %s", body)

		req, err := http.NewRequest(http.MethodGet, base+"/me", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+plain)
		resp, err := tlsClient(t, srvCert, alice).Do(req)
		if err == nil {
			_ = resp.Body.Close()
		}
		require.Error(t, err, "a self-signed certificate outside TLS_CLIENT_CA ends the handshake")
	})
}

// TestTLSSettings: a bad TLS setting stops the server with an error naming
// the variable; the gRPC example, which serves plain gRPC only, refuses
// any.
func TestTLSSettings(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := newCert(t, "server", nil, false, "127.0.0.1").files(t, dir, "server")
	notPEM := filepath.Join(dir, "ca.txt")
	require.NoError(t, os.WriteFile(notPEM, []byte("not a certificate"), 0o600))
	for _, tc := range []struct {
		name, bin string
		env       []string
		names     string
	}{
		{"TLS_CERT without TLS_KEY", "chi", []string{"TLS_CERT=" + certFile}, "TLS_KEY"},
		{"TLS_CLIENT_CA alone", "chi", []string{"TLS_CLIENT_CA=" + certFile}, "TLS_CERT"},
		{"missing key file", "chi", []string{"TLS_CERT=" + certFile, "TLS_KEY=" + filepath.Join(dir, "none.key")}, "TLS_KEY"},
		{"TLS_CLIENT_CA not PEM", "chi", []string{"TLS_CERT=" + certFile, "TLS_KEY=" + keyFile, "TLS_CLIENT_CA=" + notPEM}, "TLS_CLIENT_CA"},
		{"gRPC", "grpc", []string{"TLS_CERT=" + certFile, "TLS_KEY=" + keyFile}, "TLS_CERT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, err := runToExit(t, binary(t, tc.bin), tc.env)
			require.Error(t, err, "a bad setting stops the server: %s", out)
			assert.Contains(t, out, tc.names, "the error names the variable")
			assert.NotContains(t, out, "ready")
		})
	}
}
