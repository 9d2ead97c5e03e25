package core

import (
	"encoding/base64"
	"encoding/pem"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestClientCertificateFromHeader(t *testing.T) {
	// An ECDSA certificate's length varies with its signature: take one
	// whose base64 needs padding and uses + or /, which the cases need.
	der := clientCert(t, "client")
	for i := 0; i < 50 && (len(der)%3 == 0 || !strings.ContainsAny(base64.StdEncoding.EncodeToString(der), "+/")); i++ {
		der = clientCert(t, "client")
	}
	std := base64.StdEncoding.EncodeToString(der)
	raw := base64.RawStdEncoding.EncodeToString(der)
	require.NotEqual(t, std, raw, "the fixture needs padding to test it")
	pemText := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	for _, tc := range []struct {
		name   string
		values []string
		want   []byte
	}{
		{"RFC 9440 byte sequence", []string{":" + std + ":"}, der},
		{"without padding (RFC 8941 §4.2.7)", []string{":" + raw + ":"}, der},
		{"whitespace around", []string{" \t:" + std + ": "}, der},
		{"no header", nil, nil},
		{"an empty value", []string{""}, nil},
		{"an empty byte sequence", []string{"::"}, nil},
		{"whitespace only", []string{"  "}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ClientCertificateFromHeader(tc.values)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
	urlSafe := strings.NewReplacer("+", "-", "/", "_").Replace(std)
	require.NotEqual(t, std, urlSafe, "the fixture needs + or / to test the base64url alphabet")
	long := append([]byte{0x30, 0x82, 0x01, 0x00}, make([]byte, 256)...) // a 256-byte SEQUENCE: valid
	_, err := ClientCertificateFromHeader([]string{":" + base64.StdEncoding.EncodeToString(long) + ":"})
	require.NoError(t, err, "the long form of the length")
	for name, values := range map[string][]string{
		"two values":                   {":" + std + ":", ":" + std + ":"},
		"two values in one field":      {":" + std + ":, :" + std + ":"},
		"no colons":                    {std},
		"an opening colon only":        {":" + std},
		"a closing colon only":         {std + ":"},
		"a single colon":               {":"},
		"parameters":                   {":" + std + ":;a=1"},
		"the base64url alphabet":       {":" + urlSafe + ":"},
		"PEM":                          {pemText},
		"PEM between colons":           {":" + pemText + ":"},
		"a line break inside":          {":" + std[:10] + "\r\n" + std[10:] + ":"},
		"a space inside":               {":" + std[:10] + " " + std[10:] + ":"},
		"too much padding":             {":" + raw + "===:"},
		"padding of a wrong length":    {":" + std + "=:"},
		"padding in the middle":        {":" + std[:8] + "=" + std[8:] + ":"},
		"a length base64 cannot have":  {":" + raw[:len(raw)-len(raw)%4] + "A:"},
		"not DER":                      {":AAAA:"},
		"DER that is no SEQUENCE":      {":" + base64.StdEncoding.EncodeToString([]byte{0x04, 0x01, 0x00}) + ":"},
		"bytes after the certificate":  {":" + base64.StdEncoding.EncodeToString(append(der, 0)) + ":"},
		"a truncated certificate":      {":" + base64.StdEncoding.EncodeToString(der[:len(der)-1]) + ":"},
		"an indefinite length":         {":" + base64.StdEncoding.EncodeToString([]byte{0x30, 0x80, 0x00, 0x00}) + ":"},
		"a length not in its shortest": {":" + base64.StdEncoding.EncodeToString([]byte{0x30, 0x81, 0x01, 0x00}) + ":"},
		"a length with a leading zero": {":" + base64.StdEncoding.EncodeToString(append([]byte{0x30, 0x82, 0x00, 0x81}, make([]byte, 0x81)...)) + ":"},
		"over 32 KiB":                  {":" + strings.Repeat("A", 32<<10) + ":"},
		"the value of another format":  {"Hash=abc;Cert=\"-----BEGIN%20CERTIFICATE-----\""},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := ClientCertificateFromHeader(values)
			require.ErrorIs(t, err, ErrClientCertificateMalformed)
			require.ErrorIs(t, err, ErrInvalidRequest)
			assert.Nil(t, got)
		})
	}
}

// The answer to a malformed header is a plain invalid request that names
// nothing of the header.
func TestClientCertificateMalformedAnswer(t *testing.T) {
	r := errorResponse(ErrClientCertificateMalformed, "api", "", nil)
	assert.Equal(t, 400, r.Status)
	assert.Equal(t, `Bearer realm="api", error="invalid_request", error_description="client certificate header malformed"`, r.WWWAuthenticate)
}

func FuzzClientCertificateFromHeader(f *testing.F) {
	for _, s := range []string{":MIIBAA==:", "::", ":AAAA:", ":MIIB:", "", ":MA==:", ":MAA=:", ":MAB=:", " :MAA: "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		got, err := ClientCertificateFromHeader([]string{v})
		if err != nil {
			assert.Nil(t, got)
			return
		}
		if got == nil {
			return
		}
		assert.True(t, isDERSequence(got))
		inner := strings.TrimRight(strings.Trim(trimOWS(v), ":"), "=")
		want, err := base64.RawStdEncoding.DecodeString(inner)
		require.NoError(t, err)
		assert.Equal(t, want, got, "the bytes of the value's base64")
	})
}
