package core

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"time"
)

// introspectionSettings are the checked IntrospectionConfig of a
// Verifier (Config.Introspection), or of one of its issuers
// (IssuerConfig.Introspection); nil when off.
type introspectionSettings struct {
	name       string // where it is configured: "Introspection" or "Issuers[i].Introspection"
	url        string
	auth       clientAuth
	issuer     string // the issuer answers without iss are taken from; "" = none (or the only, unchecked one)
	perIssuer  bool   // IssuerConfig.Introspection: the JWTs of issuer only
	jwts       bool   // IntrospectJWTs (Config.Introspection only: perIssuer implies it)
	all        bool   // no key source: every token is introspected
	allowNoAud bool
	signed     bool          // SignedResponses
	ttl        time.Duration // < 0: no cache
	negTTL     time.Duration
	entries    int
	bytes      int64
	timeout    time.Duration
	maxBytes   int64
	client     *http.Client // the caller's, or nil
}

// clientAuth is the checked client authentication of introspection
// requests.
type clientAuth struct {
	method   IntrospectionAuthMethod
	clientID string
	secret   string // client_secret_post
	basic    string // the Authorization value of client_secret_basic
	// private_key_jwt
	signer    crypto.Signer
	alg       string
	hash      crypto.Hash // 0 for EdDSA
	header    string      // the encoded protected header and its dot
	audience  string
	ecdsaSize int // bytes of r and of s for ES*, 0 otherwise
}

// hasKeySource reports whether c (defaults applied) has a place to find
// signing keys in the single-issuer form: Issuer, JWKSURL or KeySet.
func (c *Config) hasKeySource() bool {
	return c.Issuer != "" || c.JWKSURL != "" || c.KeySet != nil || c.severalIssuers()
}

// resolveIntrospection checks c.Introspection against the trusted issuers
// of c and returns its settings, nil when off.
func (c *Config) resolveIntrospection(issuers []IssuerConfig) (*introspectionSettings, error) {
	ic := c.Introspection
	if ic.URL == "" {
		if !reflect.ValueOf(ic).IsZero() {
			return nil, configErr("Introspection.URL", "required: the other Introspection settings are set")
		}
		return nil, nil
	}
	s, err := ic.endpoint("Introspection")
	if err != nil {
		return nil, err
	}
	s.jwts, s.all, s.allowNoAud = ic.IntrospectJWTs, !c.hasKeySource(), ic.AllowMissingAudience
	if s.issuer, err = ic.trustedIssuer(c, issuers); err != nil {
		return nil, err
	}
	if s.signed && s.issuer == "" {
		return nil, configErr("Introspection.SignedResponses", "requires an issuer (Introspection.Issuer, or "+
			"Config.Issuer: AXIOMS_ISS_URL) whose key set verifies the signed answers and which their iss names")
	}
	return s, nil
}

// resolveIssuerIntrospection checks the IssuerConfig.Introspection of
// issuer number i (Config.Issuers[i]) and returns its settings, nil when
// unset. top is the checked Config.Introspection, or nil.
func resolveIssuerIntrospection(i int, ic IssuerConfig, top *introspectionSettings) (*introspectionSettings, error) {
	if ic.Introspection == nil {
		return nil, nil
	}
	name := fmt.Sprintf("Issuers[%d].Introspection", i)
	in := *ic.Introspection
	switch {
	case in.URL == "":
		return nil, configErr(name+".URL", "required: Introspection is set (leave it nil for no introspection)")
	case in.Issuer != "" && in.Issuer != ic.Issuer:
		return nil, configErr(name+".Issuer", "%q is not the issuer it belongs to, %q: leave it empty (an issuer's "+
			"endpoint answers for that issuer's JWTs only)", in.Issuer, ic.Issuer)
	case in.AllowMissingAudience:
		return nil, configErr(name+".AllowMissingAudience", "not for an issuer's endpoint: its JWTs have been "+
			"checked for an audience before they are introspected")
	case top != nil && top.jwts && top.issuer == ic.Issuer:
		return nil, &ConfigError{Field: "Introspection, " + name, Reason: fmt.Sprintf("two introspection endpoints "+
			"for the JWTs of %q: Config.Introspection introspects them (IntrospectJWTs with that Issuer); unset "+
			"Introspection.IntrospectJWTs, or leave %s nil", ic.Issuer, name)}
	}
	s, err := in.endpoint(name)
	if err != nil {
		return nil, err
	}
	s.issuer, s.perIssuer = ic.Issuer, true
	return s, nil
}

// endpoint checks the URL, client authentication and bounds of ic, named
// name ("Introspection", or "Issuers[i].Introspection") in errors.
func (ic *IntrospectionConfig) endpoint(name string) (*introspectionSettings, error) {
	if err := checkEndpoint(name+".URL", ic.URL, true); err != nil {
		return nil, err
	}
	s := &introspectionSettings{name: name, url: ic.URL, signed: ic.SignedResponses, client: ic.HTTPClient}
	var err error
	if s.auth, err = ic.clientAuth(name); err != nil {
		return nil, err
	}
	if err := s.bounds(name, *ic); err != nil {
		return nil, err
	}
	return s, nil
}

// trustedIssuer returns the issuer whose authorization server answers at
// the endpoint: Issuer, which must be trusted, else Config.Issuer in the
// single-issuer form.
func (ic *IntrospectionConfig) trustedIssuer(c *Config, issuers []IssuerConfig) (string, error) {
	if ic.Issuer == "" {
		if c.severalIssuers() && ic.IntrospectJWTs {
			return "", configErr("Introspection.Issuer", "required with IntrospectJWTs and several issuers: "+
				"name the issuer whose JWTs the endpoint answers for")
		}
		return c.Issuer, nil
	}
	if !slices.ContainsFunc(issuers, func(i IssuerConfig) bool { return i.Issuer == ic.Issuer }) {
		return "", configErr("Introspection.Issuer", "%q is not a trusted issuer (Config.Issuer or Config.Issuers)", ic.Issuer)
	}
	return ic.Issuer, nil
}

// bounds fills and checks the cache, timeout and size settings of s.
func (s *introspectionSettings) bounds(name string, ic IntrospectionConfig) error {
	s.ttl = orDefault(ic.CacheTTL, defaultIntrospectionTTL)
	if s.ttl != -1 {
		if err := checkDuration(name+".CacheTTL", s.ttl, time.Second, maxIntrospectionTTL,
			" (or -1 to turn the cache off)"); err != nil {
			return err
		}
	}
	s.negTTL = min(s.ttl, negativeIntrospectionTTL)
	s.entries = orDefault(ic.CacheEntries, defaultIntrospectionEntries)
	s.bytes = orDefault(ic.CacheBytes, defaultIntrospectionCacheSize)
	s.timeout = orDefault(ic.Timeout, defaultIntrospectionTimeout)
	s.maxBytes = orDefault(ic.MaxResponseBytes, defaultIntrospectionBytes)
	checks := []error{
		checkRange(name+".CacheEntries", int64(s.entries), 1, maxCacheEntries, ""),
		checkRange(name+".CacheBytes", s.bytes, minCacheBytes, maxCacheBytes, " bytes (64 KiB to 4 GiB)"),
		checkDuration(name+".Timeout", s.timeout, 1, fetchTimeoutMax, ""),
		checkRange(name+".MaxResponseBytes", s.maxBytes, 1, maxIntrospectionBytes, " bytes (4 MiB)"),
	}
	for _, err := range checks {
		if err != nil {
			return err
		}
	}
	return nil
}

// clientAuth checks the client authentication settings of ic, named name
// in errors.
func (ic *IntrospectionConfig) clientAuth(name string) (clientAuth, error) {
	a := clientAuth{method: ic.AuthMethod, clientID: ic.ClientID}
	if a.method == "" {
		switch {
		case ic.Signer != nil:
			a.method = IntrospectionAuthPrivateKeyJWT
		case ic.ClientID != "" || ic.ClientSecret != "":
			a.method = IntrospectionAuthBasic
		default:
			a.method = IntrospectionAuthNone
		}
	}
	switch a.method {
	case IntrospectionAuthNone:
		if ic.ClientSecret != "" || ic.Signer != nil {
			return a, configErr(name+".AuthMethod", "is none, yet a client secret or a signer is set")
		}
		return a, nil
	case IntrospectionAuthBasic, IntrospectionAuthPost, IntrospectionAuthPrivateKeyJWT:
	default:
		return a, configErr(name+".AuthMethod", "%q is not %s, %s, %s or %s", a.method, IntrospectionAuthBasic,
			IntrospectionAuthPost, IntrospectionAuthPrivateKeyJWT, IntrospectionAuthNone)
	}
	if ic.ClientID == "" {
		return a, configErr(name+".ClientID", "required with AuthMethod %s", a.method)
	}
	if a.method == IntrospectionAuthPrivateKeyJWT {
		return ic.assertionAuth(name, a)
	}
	if ic.ClientSecret == "" {
		return a, configErr(name+".ClientSecret", "required with AuthMethod %s", a.method)
	}
	if ic.Signer != nil {
		return a, configErr(name+".Signer", "is set, yet AuthMethod is %s: set AuthMethod to %s", a.method,
			IntrospectionAuthPrivateKeyJWT)
	}
	a.secret = ic.ClientSecret
	// RFC 6749 §2.3.1: the client identifier and password are encoded with
	// application/x-www-form-urlencoded before Basic's base64.
	a.basic = "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(ic.ClientID)+":"+url.QueryEscape(ic.ClientSecret)))
	return a, nil
}

// assertionAuth checks the private_key_jwt settings of ic into a.
func (ic *IntrospectionConfig) assertionAuth(name string, a clientAuth) (clientAuth, error) {
	switch {
	case isNil(ic.Signer):
		return a, configErr(name+".Signer", "required with AuthMethod %s", a.method)
	case ic.ClientSecret != "":
		return a, configErr(name+".ClientSecret", "is set, yet AuthMethod is %s, which signs with Signer", a.method)
	}
	pub, err := publicOf(ic.Signer)
	if err != nil {
		return a, configErr(name+".Signer", "%v", err)
	}
	alg, hash, size, err := assertionAlgorithm(pub, ic.SignerAlgorithm)
	if err != nil {
		return a, configErr(name+".SignerAlgorithm", "%v", err)
	}
	a.signer, a.alg, a.hash, a.ecdsaSize = ic.Signer, alg, hash, size
	a.audience = orDefault(ic.AssertionAudience, ic.URL)
	header := map[string]string{"alg": alg, "typ": "JWT"}
	if ic.SignerKeyID != "" {
		header["kid"] = ic.SignerKeyID
	}
	a.header = b64.EncodeToString(mustJSON(header)) + "."
	if err := a.selfTest(pub); err != nil {
		return a, configErr(name+".Signer", "%v", err)
	}
	return a, nil
}

// selfTest signs one assertion and verifies it with pub, so that a signer
// that cannot sign, or whose signatures its own public key does not
// verify, is an error when the Verifier is built, not at the first
// request.
func (a *clientAuth) selfTest(pub crypto.PublicKey) error {
	jwt, err := a.assertion(time.Now())
	if err != nil {
		return err
	}
	pk, err := NewPublicKey("", a.alg, pub)
	if err != nil {
		return err
	}
	t, _ := splitCompact(jwt)
	sig, err := b64.DecodeString(t.signature)
	if err != nil || !pk.key.Verify(a.alg, t.signingInput, sig) {
		return errors.New("a client assertion it signed does not verify with its public key")
	}
	return nil
}

// isNil reports whether x is nil, or a nil pointer, slice, map, func or
// channel in an interface.
func isNil(x any) bool {
	if x == nil {
		return true
	}
	switch v := reflect.ValueOf(x); v.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Func, reflect.Chan:
		return v.IsNil()
	}
	return false
}

// publicOf returns the signer's public key; a signer whose Public panics
// (an ed25519.PrivateKey of the wrong length) is an error.
func publicOf(s crypto.Signer) (pub crypto.PublicKey, err error) {
	defer func() {
		if recover() != nil {
			pub, err = nil, errors.New("its Public method panicked: not a usable private key")
		}
	}()
	return s.Public(), nil
}

// assertionAlgorithm checks alg (default by key type) against the public
// key of a client assertion signer and returns it with its hash and, for
// ECDSA, the byte size of r and s.
func assertionAlgorithm(pub crypto.PublicKey, alg string) (string, crypto.Hash, int, error) {
	hashOf := map[string]crypto.Hash{"256": crypto.SHA256, "384": crypto.SHA384, "512": crypto.SHA512}
	switch k := pub.(type) {
	case *rsa.PublicKey:
		alg = orDefault(alg, "RS256")
		if k.N.BitLen() < 2048 {
			return "", 0, 0, fmt.Errorf("the RSA key has %d bits: at least 2048 (RFC 7518 §3.3)", k.N.BitLen())
		}
		if slices.Contains([]string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}, alg) {
			return alg, hashOf[alg[2:]], 0, nil
		}
	case *ecdsa.PublicKey:
		want := map[elliptic.Curve]string{elliptic.P256(): "ES256", elliptic.P384(): "ES384", elliptic.P521(): "ES512"}[k.Curve]
		if want == "" {
			return "", 0, 0, fmt.Errorf("the ECDSA curve %s is not P-256, P-384 or P-521", k.Curve.Params().Name)
		}
		if alg = orDefault(alg, want); alg == want {
			return alg, hashOf[alg[2:]], (k.Curve.Params().BitSize + 7) / 8, nil
		}
	case ed25519.PublicKey:
		if alg = orDefault(alg, "EdDSA"); alg == "EdDSA" || alg == "Ed25519" {
			return alg, 0, 0, nil
		}
	default:
		return "", 0, 0, fmt.Errorf("the signer's key is a %T: want RSA, ECDSA or Ed25519", pub)
	}
	return "", 0, 0, fmt.Errorf("%q does not fit the signer's %T", alg, pub)
}
