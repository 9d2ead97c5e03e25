package core

import (
	"encoding/base64"
	"strings"
)

// ErrClientCertificateMalformed: the header a TLS-terminating proxy puts
// the client certificate in (WithClientCertificateHeader in the adapters)
// is present and is not one RFC 9440 Client-Cert value. An invalid
// request (400): the proxy, not the client, is misconfigured, and no
// certificate is guessed from it.
var ErrClientCertificateMalformed = newError(ErrInvalidRequest, "client certificate header malformed")

// maxClientCertHeaderBytes caps a client certificate header value before
// it is decoded: a leaf certificate is one to a few KiB.
const maxClientCertHeaderBytes = 32 << 10

// ClientCertificateFromHeader returns the DER of the client certificate
// that a TLS-terminating proxy passed in values, the values of one header
// field in the format of RFC 9440 §2.2 (Client-Cert): a single RFC 8941
// Byte Sequence, ":" then the certificate's DER in base64 (the standard
// alphabet of RFC 4648 §4, "=" padding optional) then ":", with optional
// whitespace around it. For example (shortened):
//
//	Client-Cert: :MIIBqDCCAU6gAwIBAgIBBzAKBggqhkjOPQQDAjA6MRswGQYDVQQK...:
//
// No value, an empty value and the empty byte sequence "::" (a proxy that
// interpolates an empty variable for a connection without a certificate)
// are no certificate: nil and no error. Two or more values (or two fields
// combined into one value), parameters (";a=b"), the base64url alphabet,
// PEM, a value over 32 KiB, or bytes that are not exactly one DER SEQUENCE
// are ErrClientCertificateMalformed. The certificate is not parsed or
// verified beyond that: verifying it is the proxy's job; core compares
// its SHA-256 thumbprint with a token's cnf x5t#S256 (RFC 8705 §3) and
// nothing else.
//
// The adapters call it only when configured to (WithClientCertificateHeader),
// and only for a request whose own connection presented no certificate:
// the header is trusted exactly as far as the proxy that sets it, which
// must remove the field from every request a client sends.
func ClientCertificateFromHeader(values []string) ([]byte, error) {
	switch len(values) {
	case 0:
		return nil, nil
	case 1:
	default:
		return nil, ErrClientCertificateMalformed
	}
	v := trimOWS(values[0])
	if v == "" || v == "::" {
		return nil, nil
	}
	if len(v) > maxClientCertHeaderBytes || len(v) < 2 || v[0] != ':' || v[len(v)-1] != ':' {
		return nil, ErrClientCertificateMalformed
	}
	enc := v[1 : len(v)-1]
	raw := strings.TrimRight(enc, "=")
	if pad := len(enc) - len(raw); pad > 2 || (pad > 0 && len(enc)%4 != 0) || !isBase64Std(raw) {
		return nil, ErrClientCertificateMalformed
	}
	der, err := base64.RawStdEncoding.DecodeString(raw)
	if err != nil || !isDERSequence(der) {
		return nil, ErrClientCertificateMalformed
	}
	return der, nil
}

// isBase64Std reports whether s holds only the characters of the
// standard base64 alphabet (RFC 4648 §4), without padding. Go's decoder
// would skip CR and LF; this refuses them.
func isBase64Std(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '+', c == '/':
		default:
			return false
		}
	}
	return true
}

// isDERSequence reports whether b is exactly one DER-encoded ASN.1
// SEQUENCE (X.690 §8.1, §10.1: a definite length in its shortest form),
// as every X.509 certificate is (RFC 5280 §4.1), and nothing after it.
// Its content is not looked at.
func isDERSequence(b []byte) bool {
	if len(b) < 2 || b[0] != 0x30 {
		return false
	}
	n, header := int(b[1]), 2
	if n&0x80 != 0 {
		k := n & 0x7f
		if k == 0 || k > 3 || len(b) < 2+k || b[2] == 0 { // indefinite, too long, or not minimal
			return false
		}
		n = 0
		for _, c := range b[2 : 2+k] {
			n = n<<8 | int(c)
		}
		if n < 0x80 { // the short form was required
			return false
		}
		header += k
	}
	return len(b)-header == n
}
