package server

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"strings"
)

// The variables of the optional TLS listener.
const (
	EnvTLSCert     = "TLS_CERT"      // PEM file: the server's certificate chain
	EnvTLSKey      = "TLS_KEY"       // PEM file: its private key
	EnvTLSClientCA = "TLS_CLIENT_CA" // PEM file: the CAs client certificates must chain to (optional)
)

// tlsListener is a listener that serves TLS (BaseURL says https).
type tlsListener struct{ net.Listener }

// tlsFromEnv returns the TLS configuration of TLS_CERT and TLS_KEY (both
// or neither; nil for neither: plain HTTP). The server asks every client
// for a certificate and accepts a connection without one: a token bound
// to a certificate (cnf x5t#S256, RFC 8705 §3) is then refused, a plain
// one accepted. With TLS_CLIENT_CA a certificate that does not chain to
// one of its CAs ends the handshake; without it any certificate is taken
// (the self-signed case of RFC 8705 §2.2): the binding is the
// certificate's SHA-256 thumbprint, and the handshake proves the client
// holds its private key. Errors name the variable.
func tlsFromEnv() (*tls.Config, error) {
	certFile, keyFile := strings.TrimSpace(os.Getenv(EnvTLSCert)), strings.TrimSpace(os.Getenv(EnvTLSKey))
	caFile := strings.TrimSpace(os.Getenv(EnvTLSClientCA))
	switch {
	case certFile == "" && keyFile == "" && caFile == "":
		return nil, nil
	case certFile == "" || keyFile == "":
		return nil, fmt.Errorf("%s and %s: set both (or neither, for plain HTTP)", EnvTLSCert, EnvTLSKey)
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("%s, %s: %w", EnvTLSCert, EnvTLSKey, err)
	}
	cfg := &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{cert},
		ClientAuth:   tls.RequestClientCert,
		NextProtos:   []string{"http/1.1"},
	}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", EnvTLSClientCA, err)
		}
		cfg.ClientCAs = x509.NewCertPool()
		if !cfg.ClientCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s: %s holds no PEM certificate", EnvTLSClientCA, caFile)
		}
		cfg.ClientAuth = tls.VerifyClientCertIfGiven
	}
	return cfg, nil
}

// RefuseTLS returns an error naming TLS_CERT, TLS_KEY or TLS_CLIENT_CA
// when one is set, for a server that serves plain connections only (the
// gRPC example, whose TLS would need gRPC's transport credentials). Call it
// from the server's ConfigFunc, which runs after the .env file is read.
func RefuseTLS() error {
	for _, name := range []string{EnvTLSCert, EnvTLSKey, EnvTLSClientCA} {
		if strings.TrimSpace(os.Getenv(name)) != "" {
			return fmt.Errorf("%s: this server serves plain connections only (terminate TLS in front of it)", name)
		}
	}
	return nil
}
