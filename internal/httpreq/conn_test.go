package httpreq

import (
	"crypto/tls"
	"crypto/x509"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The credentials every request has are views of the request: reading
// them allocates nothing (but unescaping a percent-encoded path to check
// it), so the cache-hit path keeps its allocations.
func TestConnCredentialsAllocatesNothing(t *testing.T) {
	r := httptest.NewRequest("GET", "https://api.example.com/a/b?q=1", nil)
	r.Header.Set("Authorization", "DPoP tok")
	r.Header.Set("DPoP", "proof")
	r.TLS = &tls.ConnectionState{PeerCertificates: []*x509.Certificate{{Raw: []byte{0x30, 0x00}}}}
	c := connCredentials(r)
	assert.Equal(t, []string{"DPoP tok"}, c.Authorization)
	assert.Equal(t, []string{"proof"}, c.DPoP)
	assert.True(t, c.TLS)
	assert.Equal(t, "api.example.com", c.Host)
	assert.Equal(t, "/a/b", c.Path)
	assert.Equal(t, []byte{0x30, 0x00}, c.ClientCertificate)
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = connCredentials(r) }))
}
