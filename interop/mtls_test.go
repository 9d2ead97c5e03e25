package interop

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axiomsgo/axioms/core"
)

// selfSigned makes a self-signed P-256 certificate for hosts (IP
// addresses), usable by a server and as a client certificate (RFC 8705
// §2.2).
func selfSigned(t testing.TB, name string, hosts ...string) tls.Certificate {
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
		IsCA:                  true,
	}
	for _, h := range hosts {
		tmpl.IPAddresses = append(tmpl.IPAddresses, net.ParseIP(h))
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	leaf, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
}

// pemFiles writes c's certificate and key as PEM files in a temporary
// directory.
func pemFiles(t testing.TB, c tls.Certificate) (certFile, keyFile string) {
	t.Helper()
	keyDER, err := x509.MarshalPKCS8PrivateKey(c.PrivateKey)
	require.NoError(t, err)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Leaf.Raw}), 0o600))
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600))
	return certFile, keyFile
}

// tlsClient trusts server and presents client (nil: no certificate),
// whatever CAs the server names.
func tlsClient(t testing.TB, server tls.Certificate, client *tls.Certificate) *http.Client {
	t.Helper()
	roots := x509.NewCertPool()
	roots.AddCert(server.Leaf)
	cfg := &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	if client != nil {
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return client, nil }
	}
	tr := &http.Transport{TLSClientConfig: cfg}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// x5tS256 is the cnf x5t#S256 of c (RFC 8705 §3.1).
func x5tS256(c tls.Certificate) string {
	sum := sha256.Sum256(c.Leaf.Raw)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// tlsToken asks op's token endpoint over c (with a client certificate or
// not) for a client_credentials token of client id (client_secret_basic),
// and returns the status, the token and the body.
func tlsToken(t testing.TB, op *oidcProvider, c *http.Client, id, secret, resource, scope string) (int, string, string) {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {scope}, "resource": {resource}}
	req, err := http.NewRequest(http.MethodPost, op.TokenEndpoint, strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var tr struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
	}
	_ = json.Unmarshal(data, &tr)
	if resp.StatusCode == http.StatusOK {
		assert.True(t, strings.EqualFold(tr.TokenType, "bearer"), "RFC 8705: a certificate-bound token is a bearer token: %q", tr.TokenType)
	}
	return resp.StatusCode, tr.AccessToken, string(data)
}

// TestOIDCProviderCertificateBound: node oidc-provider served over TLS
// (its mTLS feature, certificateBoundAccessTokens) issues a token bound to
// the client certificate of the token request's TLS connection (cnf
// x5t#S256), and every HTTP adapter, serving over TLS and asking for
// client certificates, accepts it only on a connection that presents that
// certificate (RFC 8705 §3; threat catalog L206-L208, L210).
func TestOIDCProviderCertificateBound(t *testing.T) {
	t.Parallel()
	serverCert := selfSigned(t, "interop server", "127.0.0.1")
	certFile, keyFile := pemFiles(t, serverCert)
	op := startOIDCProvider(t, "TLS_CERT="+certFile, "TLS_KEY="+keyFile)
	require.True(t, strings.HasPrefix(op.Issuer, "https://"), op.Issuer)
	require.NotEmpty(t, op.MTLSClientID, "the provider serves TLS: its mTLS client")

	alice, mallory := selfSigned(t, "alice"), selfSigned(t, "mallory")
	withAlice, withMallory, without := tlsClient(t, serverCert, &alice), tlsClient(t, serverCert, &mallory), tlsClient(t, serverCert, nil)

	status, token, body := tlsToken(t, op, withAlice, op.MTLSClientID, op.MTLSClientSecret, rsES256, "read:data")
	require.Equal(t, http.StatusOK, status, body)
	_, claims := jwtParts(t, token)
	assert.Equal(t, map[string]any{"x5t#S256": x5tS256(alice)}, claims["cnf"], "bound to the certificate of the token request")
	status, _, body = tlsToken(t, op, without, op.MTLSClientID, op.MTLSClientSecret, rsES256, "read:data")
	assert.Equal(t, http.StatusBadRequest, status, "no certificate, no certificate-bound token: %s", body)
	status, plain, body := tlsToken(t, op, without, op.ClientID, op.ClientSecret, rsES256, "read:data") // no cnf
	require.Equal(t, http.StatusOK, status, body)
	_, claims = jwtParts(t, plain)
	assert.Nil(t, claims["cnf"], "the other client's token is not bound")

	// The verifiers fetch the provider's keys over TLS too.
	cfg := core.Config{Issuer: op.Issuer, JWKSURL: op.JWKSURI, Audiences: []string{rsES256}, HTTPClient: without}
	apps := newHTTPApps(t, cfg, &tls.Config{
		Certificates: []tls.Certificate{serverCert},
		ClientAuth:   tls.RequestClientCert, // self-signed client certificates: the token's thumbprint decides
		MinVersion:   tls.VersionTLS12,
	})
	for _, a := range apps {
		t.Run(a.Name, func(t *testing.T) {
			require.True(t, strings.HasPrefix(a.URL, "https://"), a.URL)
			for _, tc := range []struct {
				name   string
				client *http.Client
				token  string
				status int
			}{
				{"L206 the bound certificate", withAlice, token, http.StatusOK},
				{"L207 another certificate", withMallory, token, http.StatusUnauthorized},
				{"L208 no certificate", without, token, http.StatusUnauthorized},
				{"L210 a token without cnf, no certificate", without, plain, http.StatusOK},
				{"L210 a token without cnf, a certificate", withMallory, plain, http.StatusOK},
			} {
				for _, path := range []string{"/me", "/api/read"} {
					req, err := http.NewRequest(http.MethodGet, a.URL+path, nil)
					require.NoError(t, err)
					req.Header.Set("Authorization", "Bearer "+tc.token)
					resp, err := tc.client.Do(req)
					require.NoError(t, err)
					data, _ := io.ReadAll(resp.Body)
					_ = resp.Body.Close()
					if !assert.Equal(t, tc.status, resp.StatusCode, "%s: GET %s: %s", tc.name, path, data) {
						continue
					}
					if tc.status == http.StatusUnauthorized {
						assert.Equal(t, "invalid_token", parseChallenge(t, resp.Header.Get("WWW-Authenticate"))["error"], tc.name)
					}
				}
			}
		})
	}
}
