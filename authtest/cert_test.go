package authtest_test

import (
	"context"
	"crypto/x509"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axiomsgo/axioms/authtest"
	"github.com/axiomsgo/axioms/core"
)

// A token BoundToCertificate is accepted with that certificate only.
func TestBoundToCertificate(t *testing.T) {
	iss := authtest.NewTestIssuer(t)
	v, err := core.NewVerifier(iss.Config())
	require.NoError(t, err)
	defer v.Close()
	cert, err := authtest.NewCertificate()
	require.NoError(t, err)
	other, err := authtest.NewCertificate()
	require.NoError(t, err)
	tok := iss.MustToken(t, "alice", authtest.BoundToCertificate(cert.Leaf.Raw))
	creds := func(der []byte) core.Credentials {
		return core.Credentials{Authorization: []string{"Bearer " + tok}, TLS: true, ClientCertificate: der}
	}
	c, err := v.Check(context.Background(), "GET", creds(cert.Leaf.Raw), nil)
	require.NoError(t, err)
	assert.Equal(t, "alice", c.Subject())
	_, err = v.Check(context.Background(), "GET", creds(other.Leaf.Raw), nil)
	require.ErrorIs(t, err, core.ErrCertificateBinding)
	_, err = v.Check(context.Background(), "GET", creds(nil), nil)
	require.ErrorIs(t, err, core.ErrCertificateBinding)
}

// A NewCertificate serves TLS for its hosts and verifies as its own root.
func TestNewCertificate(t *testing.T) {
	cert, err := authtest.NewCertificate("127.0.0.1", "api.example.test")
	require.NoError(t, err)
	roots := x509.NewCertPool()
	roots.AddCert(cert.Leaf)
	for _, host := range []string{"127.0.0.1", "api.example.test"} {
		_, err := cert.Leaf.Verify(x509.VerifyOptions{DNSName: host, Roots: roots,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
		assert.NoError(t, err, host)
	}
	_, err = cert.Leaf.Verify(x509.VerifyOptions{DNSName: "other.example", Roots: roots})
	assert.Error(t, err)
	_, err = cert.Leaf.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	assert.NoError(t, err, "a client certificate too")
}
