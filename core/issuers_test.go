package core

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// isClaims is a valid claim set of issuer iss for audience aud at now.
func isClaims(iss, aud string, now time.Time) map[string]any {
	return map[string]any{
		"iss": iss, "aud": aud, "sub": "alice", "client_id": "app",
		"iat": now.Unix() - 10, "exp": now.Unix() + 3600, "scope": "read",
	}
}

// isIssuer is a loopback issuer: a dvServer serving the OpenID Connect
// discovery document and the JWKS of its key at /keys.
type isIssuer struct {
	*dvServer
	key *kitKey
}

// newISIssuer starts an issuer whose key has kid (several issuers may use
// the same kid with different keys).
func newISIssuer(tb testing.TB, name, kid string) *isIssuer {
	tb.Helper()
	i := &isIssuer{dvServer: newDVServer(tb), key: newKitKey(tb, kid+"/"+name, "ES256")}
	i.key.kid = kid
	i.route("/.well-known/openid-configuration", dvJSON(tb, dvMetadata(i.URL, i.URL+"/keys")))
	i.route("/keys", dvJSON(tb, kitJWKS(tb, i.key.jwk(tb))))
	return i
}

// token signs claims of issuer iss with i's key.
func (i *isIssuer) token(tb testing.TB, iss, aud string, now time.Time) string {
	tb.Helper()
	return i.key.sign(tb, isClaims(iss, aud, now))
}

// isVerifier builds a Verifier from cfg with the test clock, closed at the
// end of the test.
func isVerifier(tb testing.TB, cfg Config, clk *kitClock) *Verifier {
	tb.Helper()
	cfg.Now = clk.Now
	cfg.MinRefreshInterval = rksMin
	v, err := NewVerifier(cfg)
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = v.Close() })
	return v
}

// isStarted reports which issuers of v have a key set created.
func isStarted(v *Verifier) []string {
	var out []string
	for _, iss := range issuersOf(v) {
		if v.byIssuer[iss].remote.Load() != nil {
			out = append(out, iss)
		}
	}
	return out
}

func TestIssuersTwoAccepted(t *testing.T) {
	noLeaks(t)
	a, b := newISIssuer(t, "a", "k1"), newISIssuer(t, "b", "k1")
	clk := newKitClock()
	v := isVerifier(t, Config{Audiences: []string{"api"}, Issuers: []IssuerConfig{{Issuer: a.URL}, {Issuer: b.URL}}}, clk)
	ctx := context.Background()

	assert.Equal(t, []string{a.URL, b.URL}, issuersOf(v))
	assert.Empty(t, isStarted(v), "key sets start on first use")
	assert.Zero(t, a.total.Load()+b.total.Load())

	c, err := v.Verify(ctx, a.token(t, a.URL, "api", clk.Now()))
	require.NoError(t, err)
	assert.Equal(t, a.URL, c.Issuer())
	assert.Equal(t, []string{"read"}, c.Scopes())
	assert.Equal(t, []string{a.URL}, isStarted(v))
	assert.Zero(t, b.total.Load(), "B is not contacted for A's token")

	c, err = v.Verify(ctx, b.token(t, b.URL, "api", clk.Now()))
	require.NoError(t, err)
	assert.Equal(t, b.URL, c.Issuer())
	assert.Equal(t, 1, a.hitsOf("/keys"))
	assert.Equal(t, 1, b.hitsOf("/keys"))
	assert.Equal(t, 1, b.hitsOf("/.well-known/openid-configuration"))
}

// TestIssuersKeyBoundToIssuer: C55 and J171 of threats.md; a key of issuer
// A never verifies a token that names issuer B.
func TestIssuersKeyBoundToIssuer(t *testing.T) {
	noLeaks(t)
	ctx := context.Background()

	t.Run("C55 same kid, other issuer's key", func(t *testing.T) {
		a, b := newISIssuer(t, "a", "k1"), newISIssuer(t, "b", "k1")
		clk := newKitClock()
		v := isVerifier(t, Config{Audiences: []string{"api"}, Issuers: []IssuerConfig{{Issuer: a.URL}, {Issuer: b.URL}}}, clk)
		_, err := v.Verify(ctx, a.token(t, a.URL, "api", clk.Now()))
		require.NoError(t, err, "precondition: A's keys loaded")
		_, err = v.Verify(ctx, a.token(t, b.URL, "api", clk.Now()))
		assert.ErrorIs(t, err, ErrSignatureInvalid)
		assert.Equal(t, 1, b.hitsOf("/keys"), "B's own keys were used")
	})

	t.Run("C55 kid only in the other issuer's set", func(t *testing.T) {
		a, b := newISIssuer(t, "a", "ka"), newISIssuer(t, "b", "kb")
		clk := newKitClock()
		v := isVerifier(t, Config{Audiences: []string{"api"}, Issuers: []IssuerConfig{{Issuer: a.URL}, {Issuer: b.URL}}}, clk)
		_, err := v.Verify(ctx, a.token(t, a.URL, "api", clk.Now()))
		require.NoError(t, err)
		_, err = v.Verify(ctx, a.token(t, b.URL, "api", clk.Now()))
		assert.ErrorIs(t, err, ErrUnknownKey)
	})

	t.Run("J171 shared JWKS URL", func(t *testing.T) {
		// Both issuers name the same JWKS URL, which held A's key when A
		// fetched it and B's key when B did: each issuer keeps its own set.
		a, b := newISIssuer(t, "a", "k1"), newISIssuer(t, "b", "k1")
		shared := newDVServer(t)
		shared.route("/jwks", dvJSON(t, kitJWKS(t, a.key.jwk(t))))
		clk := newKitClock()
		v := isVerifier(t, Config{Audiences: []string{"api"}, Issuers: []IssuerConfig{
			{Issuer: a.URL, JWKSURL: shared.URL + "/jwks"}, {Issuer: b.URL, JWKSURL: shared.URL + "/jwks"},
		}}, clk)
		tokA := a.token(t, a.URL, "api", clk.Now())
		_, err := v.Verify(ctx, tokA)
		require.NoError(t, err)

		shared.route("/jwks", dvJSON(t, kitJWKS(t, b.key.jwk(t))))
		_, err = v.Verify(ctx, a.token(t, b.URL, "api", clk.Now()))
		assert.ErrorIs(t, err, ErrSignatureInvalid, "A's key, fetched for A, does not verify B's tokens")
		_, err = v.Verify(ctx, b.token(t, b.URL, "api", clk.Now()))
		assert.NoError(t, err)
		_, err = v.Verify(ctx, tokA)
		assert.NoError(t, err, "A keeps its own set")
		assert.Equal(t, 2, shared.hitsOf("/jwks"), "one fetch per issuer")
		assert.Zero(t, a.total.Load()+b.total.Load(), "JWKSURL set: no discovery")
	})

	t.Run("a second iss after the signature is malformed claims", func(t *testing.T) {
		a := newISIssuer(t, "a", "k1")
		clk := newKitClock()
		v := isVerifier(t, Config{Audiences: []string{"api"}, Issuers: []IssuerConfig{{Issuer: a.URL}, {Issuer: "https://b.example"}}}, clk)
		tok := a.key.signRaw(t, "ES256", `{"alg":"ES256","kid":"k1"}`,
			`{"iss":"`+a.URL+`","aud":"api","exp":`+fmt.Sprint(clk.Now().Unix()+60)+`,"iss":"https://b.example"}`)
		_, err := v.Verify(ctx, tok)
		assert.ErrorIs(t, err, ErrClaimsMalformed, "signed by a, but two iss: refused after the signature")
	})
	t.Run("cached token follows its issuer's keys", func(t *testing.T) {
		a, b := newISIssuer(t, "a", "k1"), newISIssuer(t, "b", "k1")
		clk := newKitClock()
		v := isVerifier(t, Config{Audiences: []string{"api"}, Issuers: []IssuerConfig{{Issuer: a.URL}, {Issuer: b.URL}}}, clk)
		tokA := a.token(t, a.URL, "api", clk.Now())
		_, err := v.Verify(ctx, tokA)
		require.NoError(t, err)
		require.NotNil(t, v.cache.get(tokA), "precondition: cached")
		_, err = v.Verify(ctx, b.token(t, b.URL, "api", clk.Now()))
		require.NoError(t, err)

		// A rotates its key out; B still publishes a key with the same kid.
		other := newKitKey(t, "k1/a2", "ES256")
		other.kid = "k1"
		a.route("/keys", dvJSON(t, kitJWKS(t, other.jwk(t))))
		require.NoError(t, v.byIssuer[a.URL].remote.Load().Refresh(ctx))
		_, err = v.Verify(ctx, tokA)
		assert.ErrorIs(t, err, ErrSignatureInvalid, "the cache entry is bound to A's key")
	})
}

// TestIssuersUnknownIssuerNoRequest: F100 and J152 of threats.md; a token
// whose iss is not trusted is refused before any key lookup, with no
// request of any kind and no key set created.
func TestIssuersUnknownIssuerNoRequest(t *testing.T) {
	noLeaks(t)
	a := newISIssuer(t, "a", "k1")
	attacker := newISIssuer(t, "attacker", "k1")
	clk := newKitClock()
	v := isVerifier(t, Config{Audiences: []string{"api"}, Issuers: []IssuerConfig{{Issuer: a.URL}, {Issuer: "https://b.example"}}}, clk)
	now := clk.Now()
	withClaims := func(mutate func(map[string]any)) string {
		c := isClaims(a.URL, "api", now)
		mutate(c)
		return attacker.key.sign(t, c)
	}
	tests := []struct {
		name    string
		token   string
		wantErr error
	}{
		{"attacker's own issuer", attacker.token(t, attacker.URL, "api", now), ErrIssuerMismatch},
		{"trailing slash", withClaims(func(c map[string]any) { c["iss"] = a.URL + "/" }), ErrIssuerMismatch},
		{"other case", withClaims(func(c map[string]any) { c["iss"] = strings.ToUpper(a.URL) }), ErrIssuerMismatch},
		{"no iss", withClaims(func(c map[string]any) { delete(c, "iss") }), ErrIssuerMismatch},
		{"iss null", withClaims(func(c map[string]any) { c["iss"] = nil }), ErrIssuerMismatch},
		{"iss array", withClaims(func(c map[string]any) { c["iss"] = []string{a.URL} }), ErrIssuerMismatch},
		{"jku to the attacker", attacker.key.signWith(t, map[string]any{"alg": "ES256", "kid": "k1", "jku": attacker.URL + "/keys"},
			isClaims(attacker.URL, "api", now)), ErrIssuerMismatch},
		{"payload not JSON", attacker.key.signRaw(t, "ES256", `{"alg":"ES256","kid":"k1"}`, `iss`), ErrClaimsMalformed},
		{"payload an array", attacker.key.signRaw(t, "ES256", `{"alg":"ES256","kid":"k1"}`, `["`+a.URL+`"]`), ErrClaimsMalformed},
		{"duplicate iss", attacker.key.signRaw(t, "ES256", `{"alg":"ES256","kid":"k1"}`,
			`{"iss":"`+attacker.URL+`","iss":"`+a.URL+`","aud":"api","exp":`+fmt.Sprint(now.Unix()+60)+`}`), ErrIssuerMismatch}, // the first iss selects; the full parse would refuse the second
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := v.Verify(context.Background(), tt.token)
			require.ErrorIs(t, err, tt.wantErr)
			assert.ErrorIs(t, err, ErrInvalidToken)
			assert.Equal(t, http.StatusUnauthorized, v.ErrorResponse(err).Status)
		})
	}
	assert.Empty(t, isStarted(v), "no key set was created, so nothing can fetch in the background")
	assert.Zero(t, a.total.Load(), "no request to a trusted issuer")
	assert.Zero(t, attacker.total.Load(), "no request to the issuer a token names")
}

func TestIssuersTenantPattern(t *testing.T) {
	noLeaks(t)
	s := newDVServer(t)
	keys := map[string]*kitKey{}
	for _, tenant := range []string{"t1", "t2", "t3"} {
		k := newKitKey(t, "tenant-"+tenant, "ES256")
		keys[tenant] = k
		iss := s.URL + "/" + tenant + "/v2.0"
		s.route("/"+tenant+"/v2.0/.well-known/openid-configuration",
			dvJSON(t, dvMetadata(iss, s.URL+"/"+tenant+"/discovery/v2.0/keys")))
		s.route("/"+tenant+"/discovery/v2.0/keys", dvJSON(t, kitJWKS(t, k.jwk(t))))
	}
	clk := newKitClock()
	v := isVerifier(t, Config{Audiences: []string{"api"}, IssuerPatterns: []IssuerPattern{{
		Template: s.URL + "/{tenant}/v2.0", Tenants: []string{"t1", "t2"},
	}}}, clk)
	ctx := context.Background()
	assert.Equal(t, []string{s.URL + "/t1/v2.0", s.URL + "/t2/v2.0"}, issuersOf(v))

	c, err := v.Verify(ctx, keys["t1"].sign(t, isClaims(s.URL+"/t1/v2.0", "api", clk.Now())))
	require.NoError(t, err)
	assert.Equal(t, s.URL+"/t1/v2.0", c.Issuer())
	before := s.total.Load()

	_, err = v.Verify(ctx, keys["t3"].sign(t, isClaims(s.URL+"/t3/v2.0", "api", clk.Now())))
	assert.ErrorIs(t, err, ErrIssuerMismatch, "a tenant outside the allow-list")
	_, err = v.Verify(ctx, keys["t1"].sign(t, isClaims(s.URL+"/t2/v2.0", "api", clk.Now())))
	assert.ErrorIs(t, err, ErrUnknownKey, "t1's key does not verify t2's tokens")
	assert.Zero(t, s.hitsOf("/t3/v2.0/.well-known/openid-configuration"))
	assert.Zero(t, s.hitsOf("/t3/discovery/v2.0/keys"))
	assert.Equal(t, before+2, s.total.Load(), "only t2's discovery and keys")

	t.Run("JWKS URL template", func(t *testing.T) {
		v := isVerifier(t, Config{Audiences: []string{"api"}, IssuerPatterns: []IssuerPattern{{
			Template: s.URL + "/{tenant}/v2.0", Tenants: []string{"t2"}, JWKSURL: s.URL + "/{tenant}/discovery/v2.0/keys",
		}}}, clk)
		before := s.hitsOf("/t2/v2.0/.well-known/openid-configuration")
		_, err := v.Verify(ctx, keys["t2"].sign(t, isClaims(s.URL+"/t2/v2.0", "api", clk.Now())))
		require.NoError(t, err)
		assert.Equal(t, before, s.hitsOf("/t2/v2.0/.well-known/openid-configuration"), "no discovery")
	})
}

// TestIssuersOwnSettings: each issuer's audience and claim settings apply
// to its tokens; empty settings inherit the Config's.
func TestIssuersOwnSettings(t *testing.T) {
	ka, kb := newKitKey(t, "own-a", "ES256"), newKitKey(t, "own-b", "ES256")
	pa, err := NewPublicKey(ka.kid, ka.alg, ka.signer.Public())
	require.NoError(t, err)
	pb, err := NewPublicKey(kb.kid, kb.alg, kb.signer.Public())
	require.NoError(t, err)
	const issA, issB = "https://a.example", "https://b.example/"
	clk := newKitClock()
	v := isVerifier(t, Config{
		Audiences: []string{"api"}, RequiredClaims: []string{"client_id"},
		Issuers: []IssuerConfig{
			{Issuer: issA, KeySet: NewStaticKeySet(pa), Audiences: []string{"a-api"}, AudienceClaim: "azp",
				ScopeClaims: []string{"scp"}, RoleClaims: []string{"groups"}, RequiredClaims: []string{"jti"}},
			{Issuer: issB, KeySet: NewStaticKeySet(pb)},
		},
	}, clk)
	now := clk.Now()
	sign := func(k *kitKey, iss string, mutate func(map[string]any)) string {
		c := isClaims(iss, "api", now)
		c["scp"], c["groups"], c["roles"] = []string{"s1"}, "g1", "r1"
		mutate(c)
		return k.sign(t, c)
	}
	tests := []struct {
		name                string
		token               string
		wantErr             error
		wantScopes, wantRls []string
	}{
		{"A: top-level audience refused", sign(ka, issA, func(map[string]any) {}), ErrAudienceMismatch, nil, nil},
		{"A: own audience", sign(ka, issA, func(c map[string]any) { c["aud"], c["jti"] = "a-api", "1" }), nil, []string{"s1"}, []string{"g1"}},
		{"A: own audience claim", sign(ka, issA, func(c map[string]any) { delete(c, "aud"); c["azp"], c["jti"] = "a-api", "1" }), nil, []string{"s1"}, []string{"g1"}},
		{"A: own required claims", sign(ka, issA, func(c map[string]any) { c["aud"] = "a-api"; delete(c, "client_id") }), ErrRequiredClaimMissing, nil, nil},
		{"A: inherited required claims replaced", sign(ka, issA, func(c map[string]any) { c["aud"], c["jti"] = "a-api", "1"; delete(c, "client_id") }), nil, []string{"s1"}, []string{"g1"}},
		{"B: inherited audience", sign(kb, issB, func(map[string]any) {}), nil, []string{"read"}, []string{"r1"}},
		{"B: other audience", sign(kb, issB, func(c map[string]any) { c["aud"] = "a-api" }), ErrAudienceMismatch, nil, nil},
		{"B: inherited required claim", sign(kb, issB, func(c map[string]any) { delete(c, "client_id") }), ErrRequiredClaimMissing, nil, nil},
		{"B: no audience claim fallback", sign(kb, issB, func(c map[string]any) { delete(c, "aud"); c["azp"] = "api" }), ErrAudienceMismatch, nil, nil},
		{"B's key, A's iss", sign(kb, issA, func(c map[string]any) { c["aud"], c["jti"] = "a-api", "1" }), ErrUnknownKey, nil, nil},
		{"A: expired", sign(ka, issA, func(c map[string]any) { c["aud"], c["jti"], c["exp"] = "a-api", "1", now.Unix()-10 }), ErrTokenExpired, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := v.Verify(context.Background(), tt.token)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantScopes, c.Scopes())
			assert.Equal(t, tt.wantRls, c.Roles())
		})
	}
	assert.Equal(t, []string{"api", "a-api"}, audiencesOf(v))
}

// TestIssuersSignatureBeforeClaims: with several issuers, too, a bad
// signature is reported before any claim problem (threat 109).
func TestIssuersSignatureBeforeClaims(t *testing.T) {
	k, other := newKitKey(t, "sig-a", "ES256"), newKitKey(t, "sig-other", "ES256")
	other.kid = k.kid
	pk, err := NewPublicKey(k.kid, k.alg, k.signer.Public())
	require.NoError(t, err)
	clk := newKitClock()
	v := isVerifier(t, Config{Audiences: []string{"api"}, Issuers: []IssuerConfig{{Issuer: "https://a.example", KeySet: NewStaticKeySet(pk)}}}, clk)
	c := isClaims("https://a.example", "other-api", clk.Now())
	c["exp"] = clk.Now().Unix() - 100
	_, err = v.Verify(context.Background(), other.sign(t, c))
	assert.ErrorIs(t, err, ErrSignatureInvalid)
	_, err = v.Verify(context.Background(), k.sign(t, c))
	assert.ErrorIs(t, err, ErrTokenExpired)
}

// TestIssuersConcurrentFirstUse: many requests naming a new issuer at once
// create one key set, which discovers and fetches once.
func TestIssuersConcurrentFirstUse(t *testing.T) {
	noLeaks(t)
	a := newISIssuer(t, "a", "k1")
	clk := newKitClock()
	v := isVerifier(t, Config{Audiences: []string{"api"}, Issuers: []IssuerConfig{{Issuer: a.URL}, {Issuer: "https://b.example"}}}, clk)
	tok := a.token(t, a.URL, "api", clk.Now())
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for range 32 {
		wg.Go(func() {
			_, err := v.Verify(context.Background(), tok)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
	assert.Equal(t, 1, a.hitsOf("/.well-known/openid-configuration"))
	assert.Equal(t, 1, a.hitsOf("/keys"))
}

// TestIssuersCloseStopsLazyKeySets: Close stops every key set created on
// first use (goleak), and no key set is created afterwards.
func TestIssuersCloseStopsLazyKeySets(t *testing.T) {
	noLeaks(t)
	a, b, c := newISIssuer(t, "a", "k1"), newISIssuer(t, "b", "k1"), newISIssuer(t, "c", "k1")
	clk := newKitClock()
	cfg := Config{Audiences: []string{"api"}, Issuers: []IssuerConfig{{Issuer: a.URL}, {Issuer: b.URL}, {Issuer: c.URL}}}
	cfg.Now = clk.Now
	v, err := NewVerifier(cfg)
	require.NoError(t, err)
	ctx := context.Background()
	for _, i := range []*isIssuer{a, b} {
		_, err := v.Verify(ctx, i.token(t, i.URL, "api", clk.Now()))
		require.NoError(t, err)
	}
	require.Len(t, isStarted(v), 2)
	require.NoError(t, v.Close())
	require.NoError(t, v.Close(), "idempotent")

	_, err = v.Verify(ctx, c.token(t, c.URL, "api", clk.Now()))
	assert.ErrorIs(t, err, ErrKeysUnavailable)
	assert.Len(t, isStarted(v), 2)
	assert.Zero(t, c.total.Load())
	_, err = v.Verify(ctx, a.token(t, a.URL, "api", clk.Now()))
	assert.NoError(t, err, "a closed key set still answers from memory")
}

func TestIssuersSingleForm(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want []string
	}{
		{"issuer", Config{Issuer: "https://i.example/"}, []string{"https://i.example/"}},
		{"JWKS URL only", Config{JWKSURL: "https://k.example/keys"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Audiences, tt.cfg.KeySet = []string{"a", "b"}, fakeKeySet{}
			v, err := NewVerifier(tt.cfg)
			require.NoError(t, err)
			got := issuersOf(v)
			assert.Equal(t, tt.want, got)
			if len(got) > 0 {
				got[0] = "changed"
				assert.Equal(t, tt.want, issuersOf(v), "a copy")
			}
			assert.Equal(t, []string{"a", "b"}, audiencesOf(v))
		})
	}
}

func TestIssuersConfig(t *testing.T) {
	base := func() Config {
		return Config{Audiences: []string{"api"}, Issuers: []IssuerConfig{{Issuer: "https://a.example"}, {Issuer: "https://b.example"}}}
	}
	pattern := IssuerPattern{Template: "https://login.example.com/{tenant}/v2.0", Tenants: []string{"t1", "contoso.onmicrosoft.com"}}
	tests := []struct {
		name   string
		mutate func(*Config)
		field  string // "" = valid
		want   string
		parts  []string
	}{
		{"two issuers", func(*Config) {}, "", "", nil},
		{"own audiences only", func(c *Config) {
			c.Audiences = nil
			c.Issuers[0].Audiences, c.Issuers[1].Audiences = []string{"x"}, []string{"y"}
		}, "", "", nil},
		{"pattern only", func(c *Config) { c.Issuers, c.IssuerPatterns = nil, []IssuerPattern{pattern} }, "", "", nil},
		{"pattern and issuers", func(c *Config) { c.IssuerPatterns = []IssuerPattern{pattern} }, "", "", nil},
		{"one issuer in the list", func(c *Config) { c.Issuers = c.Issuers[:1] }, "", "", nil},
		{"loopback http", func(c *Config) { c.Issuers[0].Issuer = "http://127.0.0.1:9000/x" }, "", "", nil},
		{"JWKS URL ignored with KeySet", func(c *Config) { c.Issuers[0].KeySet, c.Issuers[0].JWKSURL = fakeKeySet{}, "http://x.example" }, "", "", nil},

		{"top-level issuer too", func(c *Config) { c.Issuer = "https://c.example" }, "Issuer, Issuers", "Config.Issuer", []string{"single-issuer"}},
		{"top-level JWKS URL", func(c *Config) { c.JWKSURL = "https://k.example/keys" }, "JWKSURL, Issuers",
			"AXIOMS_ISS_URL, AXIOMS_JWKS_URL", []string{"discovery"}},
		{"top-level key set", func(c *Config) { c.KeySet = fakeKeySet{} }, "KeySet, Issuers", "Config.KeySet", []string{"IssuerConfig.KeySet"}},
		{"empty issuer", func(c *Config) { c.Issuers[1].Issuer = "" }, "Issuers[1].Issuer", "Config.Issuers[1].Issuer", []string{"required"}},
		{"issuer plain http", func(c *Config) { c.Issuers[1].Issuer = "http://b.example" }, "Issuers[1].Issuer", "AXIOMS_ISS_URL", []string{"loopback"}},
		{"issuer with query", func(c *Config) { c.Issuers[0].Issuer = "https://a.example?x" }, "Issuers[0].Issuer", "AXIOMS_ISS_URL", []string{"query"}},
		{"JWKS URL plain http", func(c *Config) { c.Issuers[0].JWKSURL = "http://k.example/keys" }, "Issuers[0].JWKSURL", "Config.Issuers[0].JWKSURL", []string{"loopback"}},
		{"duplicate", func(c *Config) { c.Issuers[1].Issuer = "https://a.example" }, "Issuers", "AXIOMS_ISS_URL", []string{"listed twice"}},
		{"duplicate through a pattern", func(c *Config) {
			c.Issuers[1].Issuer = "https://login.example.com/t1/v2.0"
			c.IssuerPatterns = []IssuerPattern{pattern}
		}, "Issuers", "AXIOMS_ISS_URL", []string{"listed twice"}},
		{"no audience anywhere", func(c *Config) { c.Audiences = nil; c.Issuers[0].Audiences = []string{"x"} },
			"Issuers[1].Audiences", "AXIOMS_AUDIENCE", []string{"at least one audience"}},
		{"blank own audiences", func(c *Config) { c.Issuers[0].Audiences = []string{" ", ""} }, "Issuers[0].Audiences", "Config.Issuers[0].Audiences", []string{"no entries"}},
		{"spaced scope claim", func(c *Config) { c.Issuers[0].ScopeClaims = []string{"scope scp"} }, "Issuers[0].ScopeClaims", "Config.Issuers[0].ScopeClaims", []string{"commas"}},
		{"bad audience claim", func(c *Config) { c.Issuers[1].AudienceClaim = "client id" }, "Issuers[1].AudienceClaim", "Config.Issuers[1].AudienceClaim", []string{"plain claim name"}},

		{"pattern without placeholder", func(c *Config) {
			c.IssuerPatterns = []IssuerPattern{{Template: "https://login.example.com/common/v2.0", Tenants: []string{"t1"}}}
		}, "IssuerPatterns[0].Template", "Config.IssuerPatterns[0].Template", []string{"exactly once"}},
		{"pattern placeholder twice", func(c *Config) {
			c.IssuerPatterns = []IssuerPattern{{Template: "https://{tenant}.example.com/{tenant}", Tenants: []string{"t1"}}}
		}, "IssuerPatterns[0].Template", "Config.IssuerPatterns[0].Template", []string{"exactly once"}},
		{"pattern without tenants", func(c *Config) {
			c.IssuerPatterns = []IssuerPattern{{Template: pattern.Template}}
		}, "IssuerPatterns[0].Tenants", "Config.IssuerPatterns[0].Tenants", []string{"allow-list"}},
		{"pattern tenant with slash", func(c *Config) {
			c.IssuerPatterns = []IssuerPattern{{Template: pattern.Template, Tenants: []string{"t1", "evil.example/x"}}}
		}, "IssuerPatterns[0].Tenants", "Config.IssuerPatterns[0].Tenants", []string{"entry 2"}},
		{"pattern empty tenant", func(c *Config) {
			c.IssuerPatterns = []IssuerPattern{{Template: pattern.Template, Tenants: []string{""}}}
		}, "IssuerPatterns[0].Tenants", "Config.IssuerPatterns[0].Tenants", []string{"entry 1"}},
		{"pattern tenant with placeholder chars", func(c *Config) {
			c.IssuerPatterns = []IssuerPattern{{Template: pattern.Template, Tenants: []string{"{tenant}"}}}
		}, "IssuerPatterns[0].Tenants", "Config.IssuerPatterns[0].Tenants", nil},
		{"pattern plain http", func(c *Config) {
			c.IssuerPatterns = []IssuerPattern{{Template: "http://login.example.com/{tenant}", Tenants: []string{"t1"}}}
		}, "IssuerPatterns[0].Template", "Config.IssuerPatterns[0].Template", []string{"loopback"}},
		{"pattern JWKS URL twice", func(c *Config) {
			c.IssuerPatterns = []IssuerPattern{{Template: pattern.Template, Tenants: []string{"t1"}, JWKSURL: "https://k.example/{tenant}/{tenant}"}}
		}, "IssuerPatterns[0].JWKSURL", "Config.IssuerPatterns[0].JWKSURL", []string{"at most once"}},
		{"pattern needs top-level audiences", func(c *Config) {
			c.Audiences, c.Issuers = nil, nil
			c.IssuerPatterns = []IssuerPattern{pattern}
		}, "Audiences", "AXIOMS_AUDIENCE", []string{"IssuerPatterns"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := base()
			tt.mutate(&c)
			v, err := NewVerifier(c)
			if tt.field == "" {
				require.NoError(t, err)
				assert.Empty(t, isStarted(v))
				require.NoError(t, v.Close())
				return
			}
			requireConfigError(t, err, tt.field, tt.want, tt.parts...)
		})
	}
}

func TestIssuersFromEnv(t *testing.T) {
	t.Run("several", func(t *testing.T) {
		got, err := ConfigFromLookup(mapLookup(map[string]string{
			envAudience: "api, api2", envIssURL: " https://a.example/ , ,http://127.0.0.1:9000/realms/x,https://c.example",
		}))
		require.NoError(t, err)
		assert.Equal(t, Config{Audiences: []string{"api", "api2"}, Issuers: []IssuerConfig{
			{Issuer: "https://a.example/"}, {Issuer: "http://127.0.0.1:9000/realms/x"}, {Issuer: "https://c.example"},
		}}, got)
		v, err := NewVerifier(got)
		require.NoError(t, err)
		t.Cleanup(func() { _ = v.Close() })
		assert.Equal(t, []string{"https://a.example/", "http://127.0.0.1:9000/realms/x", "https://c.example"}, issuersOf(v))
		for _, iss := range issuersOf(v) {
			assert.Equal(t, []string{"api", "api2"}, v.byIssuer[iss].rules.audiences, "AXIOMS_AUDIENCE applies to all")
			assert.Empty(t, v.byIssuer[iss].jwksURL, "discovery")
		}
		assert.Empty(t, isStarted(v))
	})
	t.Run("one with a trailing comma", func(t *testing.T) {
		got, err := ConfigFromLookup(mapLookup(map[string]string{envAudience: "api", envIssURL: "https://a.example,"}))
		require.NoError(t, err)
		assert.Equal(t, Config{Audiences: []string{"api"}, Issuer: "https://a.example"}, got)
	})
	errs := []struct {
		name  string
		env   map[string]string
		field string
		want  string
		parts []string
	}{
		{"JWKS URL with several issuers", map[string]string{envAudience: "api", envIssURL: "https://a.example,https://b.example",
			envJWKSURL: "https://a.example/keys"}, "JWKSURL, Issuers", envIssURL + ", " + envJWKSURL, nil},
		{"only commas", map[string]string{envAudience: "api", envIssURL: ", ,"}, "Issuer", envIssURL, []string{"no issuer"}},
		{"duplicate", map[string]string{envAudience: "api", envIssURL: "https://a.example,https://a.example"}, "Issuers", envIssURL, []string{"listed twice"}},
		{"second not https", map[string]string{envAudience: "api", envIssURL: "https://a.example,http://b.example"}, "Issuers[1].Issuer", envIssURL, []string{"loopback"}},
		{"no audience", map[string]string{envIssURL: "https://a.example,https://b.example"}, "Issuers[0].Audiences", envAudience, nil},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ConfigFromLookup(mapLookup(tt.env))
			requireConfigError(t, err, tt.field, tt.want, tt.parts...)
			assert.Equal(t, Config{}, got)
		})
	}
}

// BenchmarkVerifyIssuers measures the form with several issuers (10
// issuers, static key sets, no token cache) beside the single-issuer
// BenchmarkVerify/ES256.
func BenchmarkVerifyIssuers(b *testing.B) {
	k := newKitKey(b, "bn-ES256", "ES256")
	pk, err := NewPublicKey(k.kid, k.alg, k.signer.Public())
	require.NoError(b, err)
	cfg := Config{Audiences: []string{bnAudience}, Now: func() time.Time { return bnNow }, TokenCacheEntries: -1}
	for i := range 9 {
		cfg.Issuers = append(cfg.Issuers, IssuerConfig{Issuer: fmt.Sprintf("https://other%d.example.com/", i), KeySet: NewStaticKeySet(pk)})
	}
	cfg.Issuers = append(cfg.Issuers, IssuerConfig{Issuer: bnIssuer, KeySet: NewStaticKeySet(pk)})
	v, err := NewVerifier(cfg)
	require.NoError(b, err)
	tok := k.sign(b, bnClaims(nil))
	ctx := context.Background()
	_, err = v.Verify(ctx, tok)
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzVerifyIssuers fuzzes the form with several issuers, where the payload
// is parsed before the signature: every token is accepted only for a
// trusted issuer with that issuer's key, or refused as an invalid token.
func FuzzVerifyIssuers(f *testing.F) {
	const issA, issB = "https://a.example.com/", "https://b.example.com/"
	_, signers := fzVerifier(f) // fz-rsa for A, fz-ec for B
	set := func(s fzSigner) KeySet {
		k, err := NewPublicKey(s.kid, "", s.priv.Public())
		require.NoError(f, err)
		return NewStaticKeySet(k)
	}
	v, err := NewVerifier(Config{
		Audiences: []string{"api"}, Now: func() time.Time { return fzNow },
		Issuers: []IssuerConfig{{Issuer: issA, KeySet: set(signers[0])}, {Issuer: issB, KeySet: set(signers[1])}},
	})
	require.NoError(f, err)
	exp := fzItoa(fzNow.Unix() + 3600)
	claims := func(iss string) string { return `{"iss":"` + iss + `","aud":"api","exp":` + exp + `}` }
	for i, s := range signers {
		hdr := `{"alg":"` + s.alg + `","kid":"` + s.kid + `"}`
		own, other := []string{issA, issB}[i], []string{issB, issA}[i]
		good := fzSign(f, s, s.alg, hdr, claims(own))
		_, err := v.Verify(context.Background(), good)
		require.NoError(f, err, "the seed must verify")
		f.Add(good)
		f.Add(fzSign(f, s, s.alg, hdr, claims(other)))
		f.Add(fzSign(f, s, s.alg, hdr, claims("https://evil.example/")))
		f.Add(fzSign(f, s, s.alg, hdr, `{"iss":"`+own+`","iss":"`+other+`","aud":"api","exp":`+exp+`}`))
		f.Add(fzSign(f, s, s.alg, hdr, `{"iss":["`+own+`"],"aud":"api","exp":`+exp+`}`))
		f.Add(fzSign(f, s, s.alg, `{"alg":"`+s.alg+`"}`, claims(own)))
	}
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := v.Verify(ctx, tok)
		if err != nil {
			if !errors.Is(err, ErrInvalidToken) || c != nil {
				t.Fatalf("Verify(%q): %v, %v", tok, c, err)
			}
			fzCheckCategory(t, err)
			return
		}
		if c.Issuer() != issA && c.Issuer() != issB {
			t.Fatalf("Verify(%q) accepted issuer %q", tok, c.Issuer())
		}
		h, herr := parseHeader(tok[:strings.IndexByte(tok, '.')])
		want := map[string]string{issA: "fz-rsa", issB: "fz-ec"}[c.Issuer()]
		if herr != nil || (h.kid != "" && h.kid != want) {
			t.Fatalf("Verify(%q) accepted %s's token under kid %q", tok, c.Issuer(), h.kid)
		}
	})
}
