// Package authtest is a development and test authorization server on
// loopback: it serves OIDC discovery and a JWKS, mints signed access tokens
// with chosen claims and algorithms, and rotates keys. Use it to test your
// own protected handlers without an account anywhere:
//
//	iss := authtest.NewTestIssuer(t)             // closed by t.Cleanup
//	v, err := core.NewVerifier(iss.Config())     // trusts iss
//	tok := iss.MustToken(t, "alice", authtest.Scopes("read:data"))
//	req.Header.Set("Authorization", "Bearer "+tok)
//
// Keys live in memory only and are generated fresh by every Issuer (RSA keys
// are 2048 bits; generating one takes a noticeable fraction of a second, so
// share an Issuer between the tests of a package where speed matters, or
// pick WithAlgorithm("ES256")). The issuer speaks plain http on loopback,
// which core accepts only for loopback hosts: it is for development and
// tests, never for production.
//
// What it does not do: there is no authorization or token endpoint, no
// client authentication and no refresh tokens; tokens are minted in process
// with Token.
package authtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/axiomsgo/axioms/core"
)

// DefaultAudience is the audience of an Issuer built without WithAudience.
const DefaultAudience = "api://default"

// Well-known paths served by an Issuer.
const (
	openIDConfigurationPath = "/.well-known/openid-configuration"       // OpenID Connect Discovery 1.0 §4
	oauthMetadataPath       = "/.well-known/oauth-authorization-server" // RFC 8414 §3
	jwksPath                = "/.well-known/jwks.json"
)

// Issuer is a running loopback issuer. It is safe for concurrent use.
type Issuer struct {
	url      string
	aud      string
	srv      *http.Server
	served   chan struct{} // closed when Serve has returned
	requests atomic.Int64

	mu        sync.RWMutex
	published []*signingKey // in publication order
	current   *signingKey   // signs new tokens; may have been retired

	closeOnce sync.Once
	closeErr  error
}

// Option configures NewIssuer.
type Option func(*issuerOptions)

type issuerOptions struct {
	addr string
	aud  string
	alg  string
}

// WithAddr sets the listen address (default "127.0.0.1:0", a free port).
// Only loopback addresses are accepted: a host of "localhost" or a loopback
// IP (127.0.0.0/8, ::1); anything else makes NewIssuer fail.
func WithAddr(addr string) Option { return func(o *issuerOptions) { o.addr = addr } }

// WithAudience sets the audience of minted tokens and of Config (default
// DefaultAudience). It must not be empty.
func WithAudience(aud string) Option { return func(o *issuerOptions) { o.aud = aud } }

// WithAlgorithm sets the algorithm of the first signing key (default RS256):
// RS256/384/512, PS256/384/512, ES256/384/512 or EdDSA.
func WithAlgorithm(alg string) Option { return func(o *issuerOptions) { o.alg = alg } }

// NewIssuer starts an issuer on loopback. It fails on a bad option or when
// the address cannot be listened on. Call Close when done.
func NewIssuer(opts ...Option) (*Issuer, error) {
	o := issuerOptions{addr: "127.0.0.1:0", aud: DefaultAudience, alg: "RS256"}
	for _, opt := range opts {
		opt(&o)
	}
	if err := checkLoopback(o.addr); err != nil {
		return nil, err
	}
	if o.aud == "" {
		return nil, errors.New("authtest: empty audience")
	}
	key, err := newSigningKey(o.alg)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return nil, fmt.Errorf("authtest: listen: %w", err)
	}
	i := &Issuer{
		url:       "http://" + ln.Addr().String(),
		aud:       o.aud,
		served:    make(chan struct{}),
		published: []*signingKey{key},
		current:   key,
	}
	i.srv = &http.Server{Handler: i.handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(i.served)
		_ = i.srv.Serve(ln) // returns http.ErrServerClosed after Close
	}()
	return i, nil
}

// checkLoopback accepts host:port where host is "localhost" or a loopback IP.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("authtest: address %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip, err := netip.ParseAddr(host); err == nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("authtest: address %q is not a loopback address", addr)
}

// NewTestIssuer starts an issuer for a test and closes it with t.Cleanup;
// it fails the test on error.
func NewTestIssuer(tb testing.TB, opts ...Option) *Issuer {
	tb.Helper()
	i, err := NewIssuer(opts...)
	if err != nil {
		tb.Fatalf("authtest: %v", err)
	}
	tb.Cleanup(func() { _ = i.Close() })
	return i
}

// URL is the issuer identifier (the "iss" of its tokens), e.g.
// http://127.0.0.1:41234.
func (i *Issuer) URL() string { return i.url }

// JWKSURL is the URL of its key set.
func (i *Issuer) JWKSURL() string { return i.url + jwksPath }

// Audience is the default audience of its tokens.
func (i *Issuer) Audience() string { return i.aud }

// Config returns a core.Config that trusts this issuer (Issuer, JWKSURL,
// Audiences), ready for core.NewVerifier. Every other field is left at its
// default; set Now, MinRefreshInterval and so on as a test needs.
func (i *Issuer) Config() core.Config {
	return core.Config{Issuer: i.URL(), JWKSURL: i.JWKSURL(), Audiences: []string{i.aud}}
}

// Rotate adds a new signing key with alg (published at once) and makes it
// the key new tokens are signed with; the old keys stay published until
// Retire. It returns the new key's kid (its RFC 7638 thumbprint).
func (i *Issuer) Rotate(alg string) (string, error) {
	key, err := newSigningKey(alg)
	if err != nil {
		return "", err
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	i.published = append(i.published, key)
	i.current = key
	return key.kid, nil
}

// Retire removes the key kid from the published key set. Retiring the
// current signing key does not change which key signs: later tokens carry a
// kid that is no longer published (useful to test unknown keys). An unknown
// kid is ignored.
func (i *Issuer) Retire(kid string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.published = slices.DeleteFunc(i.published, func(k *signingKey) bool { return k.kid == kid })
}

// KeyIDs returns the kids of the published keys, in publication order.
func (i *Issuer) KeyIDs() []string {
	i.mu.RLock()
	defer i.mu.RUnlock()
	ids := make([]string, len(i.published))
	for n, k := range i.published {
		ids[n] = k.kid
	}
	return ids
}

// Requests returns how many JWKS requests the issuer has served.
func (i *Issuer) Requests() int64 { return i.requests.Load() }

// Close stops the server, closing its connections, and waits until it has
// stopped. It is safe to call more than once.
func (i *Issuer) Close() error {
	i.closeOnce.Do(func() {
		i.closeErr = i.srv.Close()
		<-i.served
	})
	return i.closeErr
}

// handler serves discovery (OpenID Connect Discovery 1.0 §4, RFC 8414 §3)
// and the JWKS (RFC 7517 §5).
func (i *Issuer) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+openIDConfigurationPath, i.serveMetadata)
	mux.HandleFunc("GET "+oauthMetadataPath, i.serveMetadata)
	mux.HandleFunc("GET "+jwksPath, i.serveJWKS)
	return mux
}

// serveMetadata answers both discovery documents with the members both
// require. The algorithm list names every algorithm the issuer can sign
// with (Rotate may add a key of any of them), RS256 included as OpenID
// Connect Discovery 1.0 §3 demands.
func (i *Issuer) serveMetadata(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, "application/json", map[string]any{
		"issuer":                                i.url,
		"jwks_uri":                              i.JWKSURL(),
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": supportedAlgorithms(),
	})
}

// serveJWKS answers the published public keys, uncached, and counts the
// request.
func (i *Issuer) serveJWKS(w http.ResponseWriter, _ *http.Request) {
	i.requests.Add(1)
	i.mu.RLock()
	keys := make([]json.RawMessage, len(i.published))
	for n, k := range i.published {
		keys[n] = k.jwk
	}
	i.mu.RUnlock()
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, "application/jwk-set+json", map[string]any{"keys": keys})
}

func writeJSON(w http.ResponseWriter, contentType string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", contentType)
	_, _ = w.Write(b)
}

// signer returns the current signing key.
func (i *Issuer) signer() *signingKey {
	i.mu.RLock()
	defer i.mu.RUnlock()
	return i.current
}
