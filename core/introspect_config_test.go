package core

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestIntrospectionConfigErrors: every bad setting is a *ConfigError from
// NewVerifier naming it (and its variable, when it has one).
func TestIntrospectionConfigErrors(t *testing.T) {
	ec := newKitKey(t, "cfg-ec", "ES256").signer
	rsa1024, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	p224, err := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	require.NoError(t, err)
	const url = "https://as.example.com/introspect"
	for _, tc := range []struct {
		name           string
		ic             IntrospectionConfig
		change         func(*Config)
		field, setting string
	}{
		{"plain http", IntrospectionConfig{URL: "http://as.example.com/introspect"}, nil, "Introspection.URL", envIntroURL},
		{"userinfo", IntrospectionConfig{URL: "https://u:p@as.example.com/introspect"}, nil, "Introspection.URL", envIntroURL},
		{"not a URL", IntrospectionConfig{URL: "as.example.com"}, nil, "Introspection.URL", envIntroURL},
		{"settings without URL", IntrospectionConfig{ClientID: "api", ClientSecret: "s"}, nil, "Introspection.URL", envIntroURL},
		{"secret without client ID", IntrospectionConfig{URL: url, ClientSecret: "s"}, nil, "Introspection.ClientID", envIntroClientID},
		{"client ID without secret", IntrospectionConfig{URL: url, ClientID: "api"}, nil, "Introspection.ClientSecret", envIntroSecret},
		{"unknown method", IntrospectionConfig{URL: url, ClientID: "api", ClientSecret: "s", AuthMethod: "tls_client_auth"}, nil,
			"Introspection.AuthMethod", ""},
		{"none with a secret", IntrospectionConfig{URL: url, ClientID: "api", ClientSecret: "s", AuthMethod: IntrospectionAuthNone}, nil,
			"Introspection.AuthMethod", ""},
		{"basic with a signer", IntrospectionConfig{URL: url, ClientID: "api", ClientSecret: "s", AuthMethod: IntrospectionAuthBasic,
			Signer: ec}, nil, "Introspection.Signer", ""},
		{"private_key_jwt without signer", IntrospectionConfig{URL: url, ClientID: "api", AuthMethod: IntrospectionAuthPrivateKeyJWT}, nil,
			"Introspection.Signer", ""},
		{"private_key_jwt with a nil signer", IntrospectionConfig{URL: url, ClientID: "api", Signer: (*ecdsa.PrivateKey)(nil),
			AuthMethod: IntrospectionAuthPrivateKeyJWT}, nil, "Introspection.Signer", ""},
		{"private_key_jwt with a short Ed25519 key", IntrospectionConfig{URL: url, ClientID: "api", Signer: ed25519.PrivateKey{1, 2, 3}},
			nil, "Introspection.Signer", ""},
		{"private_key_jwt with a signer that signs for another key", IntrospectionConfig{URL: url, ClientID: "api",
			Signer: mismatchedSigner{ec, newKitKey(t, "cfg-ec-2", "ES256").signer}}, nil, "Introspection.Signer", ""},
		{"private_key_jwt without client ID", IntrospectionConfig{URL: url, Signer: ec}, nil, "Introspection.ClientID", envIntroClientID},
		{"private_key_jwt with a secret", IntrospectionConfig{URL: url, ClientID: "api", ClientSecret: "s",
			AuthMethod: IntrospectionAuthPrivateKeyJWT, Signer: ec}, nil, "Introspection.ClientSecret", envIntroSecret},
		{"alg of another key type", IntrospectionConfig{URL: url, ClientID: "api", Signer: ec, SignerAlgorithm: "RS256"}, nil,
			"Introspection.SignerAlgorithm", ""},
		{"alg of another curve", IntrospectionConfig{URL: url, ClientID: "api", Signer: ec, SignerAlgorithm: "ES384"}, nil,
			"Introspection.SignerAlgorithm", ""},
		{"weak RSA key", IntrospectionConfig{URL: url, ClientID: "api", Signer: rsa1024}, nil, "Introspection.SignerAlgorithm", ""},
		{"P-224", IntrospectionConfig{URL: url, ClientID: "api", Signer: p224}, nil, "Introspection.SignerAlgorithm", ""},
		{"HMAC", IntrospectionConfig{URL: url, ClientID: "api", Signer: newKitKey(t, "cfg-rsa", "RS256").signer,
			SignerAlgorithm: "HS256"}, nil, "Introspection.SignerAlgorithm", ""},
		{"TTL too long", IntrospectionConfig{URL: url, CacheTTL: 2 * time.Hour}, nil, "Introspection.CacheTTL", envIntroCacheTTL},
		{"TTL too short", IntrospectionConfig{URL: url, CacheTTL: 500 * time.Millisecond}, nil, "Introspection.CacheTTL", envIntroCacheTTL},
		{"TTL negative", IntrospectionConfig{URL: url, CacheTTL: -2}, nil, "Introspection.CacheTTL", envIntroCacheTTL},
		{"timeout too long", IntrospectionConfig{URL: url, Timeout: 2 * time.Minute}, nil, "Introspection.Timeout", ""},
		{"answer cap too large", IntrospectionConfig{URL: url, MaxResponseBytes: 8 << 20}, nil, "Introspection.MaxResponseBytes", ""},
		{"cache entries", IntrospectionConfig{URL: url, CacheEntries: -5}, nil, "Introspection.CacheEntries", ""},
		{"cache bytes", IntrospectionConfig{URL: url, CacheBytes: 1024}, nil, "Introspection.CacheBytes", ""},
		{"issuer not trusted", IntrospectionConfig{URL: url, Issuer: "https://other.example.com"}, nil, "Introspection.Issuer", ""},
		{"IntrospectJWTs of which issuer", IntrospectionConfig{URL: url, IntrospectJWTs: true}, func(c *Config) {
			c.Issuer, c.KeySet = "", nil
			c.Issuers = []IssuerConfig{{Issuer: kitASIssuer}, {Issuer: "https://b.example.com"}}
		}, "Introspection.Issuer", ""},
		{"SignedResponses without an issuer", IntrospectionConfig{URL: url, SignedResponses: true}, func(c *Config) {
			c.Issuer = "" // a KeySet without issuer: no iss to check the answers' against
		}, "Introspection.SignedResponses", ""},
		{"SignedResponses with several issuers and none named", IntrospectionConfig{URL: url, SignedResponses: true}, func(c *Config) {
			c.Issuer, c.KeySet = "", nil
			c.Issuers = []IssuerConfig{{Issuer: kitASIssuer}, {Issuer: "https://b.example.com"}}
		}, "Introspection.SignedResponses", ""},
		{"SignedResponses with introspection only", IntrospectionConfig{URL: url, SignedResponses: true}, func(c *Config) {
			c.Issuer, c.KeySet = "", nil
		}, "Introspection.SignedResponses", ""},
		{"issuer endpoint without URL", IntrospectionConfig{}, issuerEndpoint(&IntrospectionConfig{ClientID: "api"}),
			"Issuers[1].Introspection.URL", ""},
		{"issuer endpoint over plain http", IntrospectionConfig{}, issuerEndpoint(&IntrospectionConfig{URL: "http://b.example.com/i"}),
			"Issuers[1].Introspection.URL", ""},
		{"issuer endpoint secret without client ID", IntrospectionConfig{},
			issuerEndpoint(&IntrospectionConfig{URL: url, ClientSecret: "s"}), "Issuers[1].Introspection.ClientID", ""},
		{"issuer endpoint TTL too long", IntrospectionConfig{},
			issuerEndpoint(&IntrospectionConfig{URL: url, CacheTTL: 2 * time.Hour}), "Issuers[1].Introspection.CacheTTL", ""},
		{"issuer endpoint of another issuer", IntrospectionConfig{},
			issuerEndpoint(&IntrospectionConfig{URL: url, Issuer: kitASIssuer}), "Issuers[1].Introspection.Issuer", ""},
		{"issuer endpoint allowing a missing aud", IntrospectionConfig{},
			issuerEndpoint(&IntrospectionConfig{URL: url, AllowMissingAudience: true}), "Issuers[1].Introspection.AllowMissingAudience", ""},
		{"two endpoints for one issuer's JWTs", IntrospectionConfig{URL: url, IntrospectJWTs: true, Issuer: "https://b.example.com"},
			issuerEndpoint(&IntrospectionConfig{URL: url}), "Introspection, Issuers[1].Introspection", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{Audiences: []string{kitASAudience}, Issuer: kitASIssuer, KeySet: NewStaticKeySet(),
				Introspection: tc.ic, Logger: slog.New(slog.DiscardHandler)}
			if tc.change != nil {
				tc.change(&cfg)
			}
			v, err := NewVerifier(cfg)
			require.ErrorIs(t, err, ErrConfig)
			assert.Nil(t, v)
			var ce *ConfigError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tc.field, ce.Field)
			assert.Equal(t, tc.setting, ce.Setting)
			assert.NotContains(t, err.Error(), "u:p@", "no credentials in errors")
		})
	}
}

// issuerEndpoint makes the Config trust kitASIssuer and
// https://b.example.com, the second with the introspection endpoint ic.
func issuerEndpoint(ic *IntrospectionConfig) func(*Config) {
	return func(c *Config) {
		c.Issuer, c.KeySet = "", nil
		c.Issuers = []IssuerConfig{{Issuer: kitASIssuer}, {Issuer: "https://b.example.com", Introspection: ic}}
	}
}

// mismatchedSigner signs with one key and shows the public key of another.
type mismatchedSigner struct{ sign, show crypto.Signer }

func (m mismatchedSigner) Public() crypto.PublicKey { return m.show.Public() }

func (m mismatchedSigner) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	return m.sign.Sign(r, digest, opts)
}

// TestIntrospectionConfigAccepted: introspection alone is a complete
// configuration; the defaults are those documented.
func TestIntrospectionConfigAccepted(t *testing.T) {
	v, err := NewVerifier(Config{Audiences: []string{kitASAudience}, Logger: slog.New(slog.DiscardHandler),
		Introspection: IntrospectionConfig{URL: "http://127.0.0.1:1/introspect"}})
	require.NoError(t, err)
	defer v.Close()
	s := v.intro.s
	assert.True(t, s.all, "no key source: every token is introspected")
	assert.Equal(t, IntrospectionAuthNone, s.auth.method)
	assert.Equal(t, time.Minute, s.ttl)
	assert.Equal(t, 10*time.Second, s.negTTL)
	assert.Equal(t, 5*time.Second, s.timeout)
	assert.Equal(t, int64(64<<10), s.maxBytes)
	assert.Equal(t, 10000, s.entries)
	assert.Equal(t, int64(16<<20), s.bytes)

	for _, tc := range []struct {
		signer crypto.Signer
		alg    string
		want   string
	}{
		{newKitKey(t, "cfg-rsa", "RS256").signer, "", "RS256"},
		{newKitKey(t, "cfg-rsa", "RS256").signer, "PS384", "PS384"},
		{newKitKey(t, "cfg-ec", "ES256").signer, "", "ES256"},
		{newKitKey(t, "cfg-p521", "ES512").signer, "", "ES512"},
		{newKitKey(t, "cfg-ed", "EdDSA").signer, "", "EdDSA"},
		{newKitKey(t, "cfg-ed", "EdDSA").signer, "Ed25519", "Ed25519"},
	} {
		v, err := NewVerifier(Config{Audiences: []string{kitASAudience}, Logger: slog.New(slog.DiscardHandler),
			Introspection: IntrospectionConfig{URL: "http://127.0.0.1:1/introspect", ClientID: "api", Signer: tc.signer,
				SignerAlgorithm: tc.alg, CacheTTL: -1}})
		require.NoError(t, err, tc.want)
		assert.Equal(t, IntrospectionAuthPrivateKeyJWT, v.intro.s.auth.method, "a Signer means private_key_jwt")
		assert.Equal(t, tc.want, v.intro.s.auth.alg)
		assert.Equal(t, "http://127.0.0.1:1/introspect", v.intro.s.auth.audience, "aud defaults to the endpoint")
		_ = v.Close()
	}
}

// TestIntrospectionFromEnv: the four variables of behaviour.md §8.
func TestIntrospectionFromEnv(t *testing.T) {
	base := map[string]string{"AXIOMS_AUDIENCE": kitASAudience}
	lookup := func(extra map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) {
			if v, ok := extra[k]; ok {
				return v, true
			}
			v, ok := base[k]
			return v, ok
		}
	}
	c, err := ConfigFromLookup(lookup(map[string]string{
		"AXIOMS_ISS_URL":                     kitASIssuer,
		"AXIOMS_INTROSPECTION_URL":           "https://as.example.com/oauth2/introspect",
		"AXIOMS_INTROSPECTION_CLIENT_ID":     "orders-api",
		"AXIOMS_INTROSPECTION_CLIENT_SECRET": "'s3cret'",
		"AXIOMS_INTROSPECTION_CACHE_TTL":     "90",
	}))
	require.NoError(t, err)
	assert.Equal(t, IntrospectionConfig{URL: "https://as.example.com/oauth2/introspect", ClientID: "orders-api",
		ClientSecret: "s3cret", CacheTTL: 90 * time.Second}, c.Introspection)

	for ttl, want := range map[string]time.Duration{"0": -1, "45s": 45 * time.Second, "": 0} {
		c, err := ConfigFromLookup(lookup(map[string]string{"AXIOMS_INTROSPECTION_URL": "http://localhost:4445/admin/oauth2/introspect",
			"AXIOMS_INTROSPECTION_CACHE_TTL": ttl}))
		require.NoError(t, err, "introspection alone is enough: %q", ttl)
		assert.Equal(t, want, c.Introspection.CacheTTL, "%q", ttl)
	}

	for _, tc := range []struct {
		env     map[string]string
		setting string
	}{
		{map[string]string{"AXIOMS_INTROSPECTION_URL": "http://as.example.com/introspect"}, envIntroURL},
		{map[string]string{"AXIOMS_INTROSPECTION_URL": "https://as.example.com/i", "AXIOMS_INTROSPECTION_CACHE_TTL": "2h"}, envIntroCacheTTL},
		{map[string]string{"AXIOMS_INTROSPECTION_URL": "https://as.example.com/i", "AXIOMS_INTROSPECTION_CACHE_TTL": "soon"}, envIntroCacheTTL},
		{map[string]string{"AXIOMS_INTROSPECTION_URL": "https://as.example.com/i", "AXIOMS_INTROSPECTION_CLIENT_ID": "api"}, envIntroSecret},
		{map[string]string{"AXIOMS_INTROSPECTION_CLIENT_ID": "api", "AXIOMS_ISS_URL": kitASIssuer}, envIntroURL},
	} {
		_, err := ConfigFromLookup(lookup(tc.env))
		var ce *ConfigError
		require.ErrorAs(t, err, &ce, "%v", tc.env)
		assert.Equal(t, tc.setting, ce.Setting, "%v", tc.env)
	}
}
