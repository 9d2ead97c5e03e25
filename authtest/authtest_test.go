package authtest_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/axiomsgo/axioms/authtest"
	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/internal/testclock"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var allAlgorithms = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

// newVerifier builds a verifier for cfg, closed with t.Cleanup, that logs
// nothing.
func newVerifier(tb testing.TB, cfg core.Config) *core.Verifier {
	tb.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	v, err := core.NewVerifier(cfg)
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = v.Close() })
	return v
}

// decodePart decodes part n (0 header, 1 payload) of a compact JWS.
func decodePart(tb testing.TB, token string, n int) map[string]any {
	tb.Helper()
	parts := strings.Split(token, ".")
	require.Len(tb, parts, 3)
	b, err := base64.RawURLEncoding.DecodeString(parts[n])
	require.NoError(tb, err)
	var m map[string]any
	require.NoError(tb, json.Unmarshal(b, &m))
	return m
}

func TestTokenVerifiesForEveryAlgorithm(t *testing.T) {
	for _, alg := range allAlgorithms {
		t.Run(alg, func(t *testing.T) {
			t.Parallel()
			iss := authtest.NewTestIssuer(t, authtest.WithAlgorithm(alg))
			v := newVerifier(t, iss.Config())
			tok := iss.MustToken(t, "alice", authtest.Scopes("read:data"))

			claims, err := v.Verify(context.Background(), tok)
			require.NoError(t, err)
			assert.Equal(t, "alice", claims.Subject())
			assert.Equal(t, iss.URL(), claims.Issuer())
			assert.Equal(t, []string{authtest.DefaultAudience}, claims.Audience())
			assert.Equal(t, []string{"read:data"}, claims.Scopes())
			assert.WithinDuration(t, time.Now().Add(time.Hour), claims.ExpiresAt(), 5*time.Second)
			assert.WithinDuration(t, time.Now(), claims.IssuedAt(), 5*time.Second)
			assert.WithinDuration(t, time.Now(), claims.NotBefore(), 5*time.Second)
			cid, _ := claims.GetString("client_id")
			assert.Equal(t, authtest.ClientID, cid)
			jti, _ := claims.GetString("jti")
			assert.NotEmpty(t, jti)

			hdr := decodePart(t, tok, 0)
			assert.Equal(t, map[string]any{"alg": alg, "kid": iss.KeyIDs()[0], "typ": "at+jwt"}, hdr)
		})
	}
}

func TestTokensAreDistinct(t *testing.T) {
	iss := authtest.NewTestIssuer(t, authtest.WithAlgorithm("ES256"))
	a, b := decodePart(t, iss.MustToken(t, "alice"), 1), decodePart(t, iss.MustToken(t, "alice"), 1)
	assert.NotEqual(t, a["jti"], b["jti"])
}

func TestRotateAndRetire(t *testing.T) {
	ctx := context.Background()
	iss := authtest.NewTestIssuer(t, authtest.WithAlgorithm("ES256"))
	clock := testclock.New(time.Now()) // MinRefreshInterval passes without sleeping
	cfg := iss.Config()
	cfg.Now = clock.Now
	v := newVerifier(t, cfg)
	oldKID := iss.KeyIDs()[0]

	oldTok := iss.MustToken(t, "alice")
	_, err := v.Verify(ctx, oldTok)
	require.NoError(t, err)
	require.EqualValues(t, 1, iss.Requests())

	newKID, err := iss.Rotate("EdDSA")
	require.NoError(t, err)
	assert.NotEqual(t, oldKID, newKID)
	assert.Equal(t, []string{oldKID, newKID}, iss.KeyIDs())
	newTok := iss.MustToken(t, "bob")
	assert.Equal(t, newKID, decodePart(t, newTok, 0)["kid"])
	assert.Equal(t, "EdDSA", decodePart(t, newTok, 0)["alg"])

	// Within MinRefreshInterval of the first fetch the unknown kid causes no
	// fetch; after it, one fetch finds the new key.
	_, err = v.Verify(ctx, newTok)
	require.ErrorIs(t, err, core.ErrUnknownKey)
	assert.EqualValues(t, 1, iss.Requests())
	clock.Advance(30*time.Second + time.Second)
	claims, err := v.Verify(ctx, newTok)
	require.NoError(t, err)
	assert.Equal(t, "bob", claims.Subject())
	assert.EqualValues(t, 2, iss.Requests())
	_, err = v.Verify(ctx, oldTok)
	require.NoError(t, err, "the old key stays published until Retire")

	// Retire the old key; the next refresh (caused by an unknown kid) drops
	// it, and its tokens stop verifying at once.
	iss.Retire(oldKID)
	assert.Equal(t, []string{newKID}, iss.KeyIDs())
	clock.Advance(30*time.Second + time.Second)
	_, err = v.Verify(ctx, iss.MustToken(t, "carol", authtest.Header("kid", "unknown")))
	require.ErrorIs(t, err, core.ErrUnknownKey)
	assert.EqualValues(t, 3, iss.Requests())
	_, err = v.Verify(ctx, oldTok)
	require.ErrorIs(t, err, core.ErrUnknownKey)
	_, err = v.Verify(ctx, newTok)
	require.NoError(t, err)
}

func TestRetireCurrentKey(t *testing.T) {
	iss := authtest.NewTestIssuer(t, authtest.WithAlgorithm("ES256"))
	first := iss.KeyIDs()[0]
	second, err := iss.Rotate("ES256")
	require.NoError(t, err)
	iss.Retire(second)
	iss.Retire("no-such-kid")
	assert.Equal(t, []string{first}, iss.KeyIDs())

	// The retired key still signs: its tokens name a kid nobody publishes.
	v := newVerifier(t, iss.Config())
	tok := iss.MustToken(t, "alice")
	assert.Equal(t, second, decodePart(t, tok, 0)["kid"])
	_, err = v.Verify(context.Background(), tok)
	assert.ErrorIs(t, err, core.ErrUnknownKey)

	// With no key published at all, a fresh verifier has no usable key set.
	iss.Retire(first)
	assert.Empty(t, iss.KeyIDs())
	_, err = newVerifier(t, iss.Config()).Verify(context.Background(), tok)
	assert.ErrorIs(t, err, core.ErrKeysUnavailable)
}

func TestTokenOptions(t *testing.T) {
	iss := authtest.NewTestIssuer(t, authtest.WithAlgorithm("ES256"))
	cfg := iss.Config()
	cfg.Audiences = append(cfg.Audiences, "api://other")
	v := newVerifier(t, cfg)

	tests := []struct {
		name    string
		opts    []authtest.TokenOption
		wantErr error
		check   func(t *testing.T, c *core.Claims, header, payload map[string]any)
	}{
		{name: "defaults", check: func(t *testing.T, c *core.Claims, h, p map[string]any) {
			assert.Nil(t, c.Scopes())
			assert.Nil(t, c.Roles())
			assert.Nil(t, c.Permissions())
			assert.ElementsMatch(t, []string{"iss", "sub", "aud", "iat", "nbf", "exp", "jti", "client_id"}, keys(p))
		}},
		{name: "Scopes", opts: []authtest.TokenOption{authtest.Scopes("openid", "read:data")},
			check: func(t *testing.T, c *core.Claims, _, p map[string]any) {
				assert.Equal(t, "openid read:data", p["scope"])
				assert.Equal(t, []string{"openid", "read:data"}, c.Scopes())
			}},
		{name: "Roles", opts: []authtest.TokenOption{authtest.Roles("admin", "superuser")},
			check: func(t *testing.T, c *core.Claims, _, p map[string]any) {
				assert.Equal(t, []any{"admin", "superuser"}, p["roles"])
				assert.Equal(t, []string{"admin", "superuser"}, c.Roles())
			}},
		{name: "Permissions", opts: []authtest.TokenOption{authtest.Permissions("items:read")},
			check: func(t *testing.T, c *core.Claims, _, p map[string]any) {
				assert.Equal(t, []any{"items:read"}, p["permissions"])
				assert.True(t, c.HasPermission("items:read"))
			}},
		{name: "Audience one", opts: []authtest.TokenOption{authtest.Audience("api://other")},
			check: func(t *testing.T, c *core.Claims, _, p map[string]any) {
				assert.Equal(t, "api://other", p["aud"])
			}},
		{name: "Audience several", opts: []authtest.TokenOption{authtest.Audience("api://x", "api://other")},
			check: func(t *testing.T, c *core.Claims, _, p map[string]any) {
				assert.Equal(t, []any{"api://x", "api://other"}, p["aud"])
				assert.Equal(t, []string{"api://x", "api://other"}, c.Audience())
			}},
		{name: "Audience wrong", opts: []authtest.TokenOption{authtest.Audience("api://x")}, wantErr: core.ErrAudienceMismatch},
		{name: "Audience none", opts: []authtest.TokenOption{authtest.Audience()}, wantErr: core.ErrAudienceMismatch},
		{name: "ExpiresIn later", opts: []authtest.TokenOption{authtest.ExpiresIn(2 * time.Hour)},
			check: func(t *testing.T, c *core.Claims, _, _ map[string]any) {
				assert.WithinDuration(t, time.Now().Add(2*time.Hour), c.ExpiresAt(), 5*time.Second)
			}},
		{name: "ExpiresIn negative", opts: []authtest.TokenOption{authtest.ExpiresIn(-time.Minute)}, wantErr: core.ErrTokenExpired},
		{name: "Claim set", opts: []authtest.TokenOption{authtest.Claim("tenant", "acme"), authtest.Claim("realm_access", map[string]any{"roles": []string{"x"}})},
			check: func(t *testing.T, c *core.Claims, _, _ map[string]any) {
				tenant, _ := c.GetString("tenant")
				assert.Equal(t, "acme", tenant)
				roles, ok := c.Get("realm_access.roles")
				assert.True(t, ok)
				assert.Equal(t, []any{"x"}, roles)
			}},
		{name: "Claim replaces", opts: []authtest.TokenOption{authtest.Claim("sub", "bob")},
			check: func(t *testing.T, c *core.Claims, _, _ map[string]any) { assert.Equal(t, "bob", c.Subject()) }},
		{name: "Claim removes", opts: []authtest.TokenOption{authtest.Claim("jti", nil), authtest.Claim("nbf", nil)},
			check: func(t *testing.T, c *core.Claims, _, p map[string]any) {
				assert.NotContains(t, p, "jti")
				assert.NotContains(t, p, "nbf")
				assert.True(t, c.NotBefore().IsZero())
			}},
		{name: "Claim removes exp", opts: []authtest.TokenOption{authtest.Claim("exp", nil)}, wantErr: core.ErrRequiredClaimMissing},
		{name: "Claim wrong issuer", opts: []authtest.TokenOption{authtest.Claim("iss", "http://127.0.0.1:1")}, wantErr: core.ErrIssuerMismatch},
		{name: "later option wins", opts: []authtest.TokenOption{authtest.Scopes("a"), authtest.Claim("scope", nil)},
			check: func(t *testing.T, c *core.Claims, _, p map[string]any) { assert.NotContains(t, p, "scope") }},
		{name: "Header set", opts: []authtest.TokenOption{authtest.Header("typ", "JWT"), authtest.Header("x-test", "1")},
			check: func(t *testing.T, _ *core.Claims, h, _ map[string]any) {
				assert.Equal(t, "JWT", h["typ"])
				assert.Equal(t, "1", h["x-test"])
			}},
		{name: "Header removes typ", opts: []authtest.TokenOption{authtest.Header("typ", nil)},
			check: func(t *testing.T, _ *core.Claims, h, _ map[string]any) { assert.NotContains(t, h, "typ") }},
		{name: "Header removes kid", opts: []authtest.TokenOption{authtest.Header("kid", nil)},
			check: func(t *testing.T, _ *core.Claims, h, _ map[string]any) { assert.NotContains(t, h, "kid") }},
		{name: "Header typ refused", opts: []authtest.TokenOption{authtest.Header("typ", "dpop+jwt")}, wantErr: core.ErrUnsupportedTokenType},
		{name: "Header alg changes only the header", opts: []authtest.TokenOption{authtest.Header("alg", "ES384")}, wantErr: core.ErrUnsupportedAlgorithm},
		{name: "Header alg none", opts: []authtest.TokenOption{authtest.Header("alg", "none")}, wantErr: core.ErrUnsupportedAlgorithm},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := iss.Token("alice", tt.opts...)
			require.NoError(t, err)
			claims, err := v.Verify(context.Background(), tok)
			if tt.wantErr != nil {
				assert.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			tt.check(t, claims, decodePart(t, tok, 0), decodePart(t, tok, 1))
		})
	}
}

func TestTokenUnencodableClaim(t *testing.T) {
	iss := authtest.NewTestIssuer(t, authtest.WithAlgorithm("ES256"))
	_, err := iss.Token("alice", authtest.Claim("bad", make(chan int)))
	assert.Error(t, err)
	_, err = iss.Token("alice", authtest.Header("bad", func() {}))
	assert.Error(t, err)
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// get fetches url with a client whose connections are closed afterwards.
func get(t *testing.T, method, url string) (*http.Response, []byte) {
	t.Helper()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	req, err := http.NewRequest(method, url, nil)
	require.NoError(t, err)
	resp, err := (&http.Client{Transport: tr}).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, body
}

func TestDiscoveryDocuments(t *testing.T) {
	iss := authtest.NewTestIssuer(t, authtest.WithAlgorithm("ES256"))
	for _, path := range []string{"/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"} {
		t.Run(path, func(t *testing.T) {
			resp, body := get(t, http.MethodGet, iss.URL()+path)
			require.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
			var doc map[string]any
			require.NoError(t, json.Unmarshal(body, &doc))
			assert.Equal(t, iss.URL(), doc["issuer"])
			assert.Equal(t, iss.JWKSURL(), doc["jwks_uri"])
			assert.Equal(t, []any{"code"}, doc["response_types_supported"])
			assert.Equal(t, []any{"public"}, doc["subject_types_supported"])
			assert.Contains(t, doc["id_token_signing_alg_values_supported"], "RS256")
		})
	}
	assert.Zero(t, iss.Requests(), "discovery is not counted as a JWKS request")
}

func TestJWKSDocument(t *testing.T) {
	iss := authtest.NewTestIssuer(t, authtest.WithAlgorithm("ES256"))
	_, err := iss.Rotate("EdDSA")
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(iss.JWKSURL(), iss.URL()+"/"))

	resp, body := get(t, http.MethodGet, iss.JWKSURL())
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	assert.Equal(t, "application/jwk-set+json", resp.Header.Get("Content-Type"))
	var doc struct {
		Keys []map[string]any `json:"keys"`
	}
	require.NoError(t, json.Unmarshal(body, &doc))
	require.Len(t, doc.Keys, 2)
	for n, want := range []struct{ kty, alg string }{{"EC", "ES256"}, {"OKP", "EdDSA"}} {
		k := doc.Keys[n]
		assert.Equal(t, iss.KeyIDs()[n], k["kid"])
		assert.Equal(t, want.kty, k["kty"])
		assert.Equal(t, want.alg, k["alg"])
		assert.Equal(t, "sig", k["use"])
		assert.NotContains(t, k, "d", "no private key material")
	}
	assert.EqualValues(t, 1, iss.Requests())

	// The published set parses as a static key set with the same hygiene
	// as a remote one.
	ks, err := core.ParseStaticKeySet(body)
	require.NoError(t, err)
	got, err := ks.Keys(context.Background(), "")
	require.NoError(t, err)
	assert.Len(t, got, 2)

	resp, _ = get(t, http.MethodPost, iss.JWKSURL())
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	resp, _ = get(t, http.MethodGet, iss.URL()+"/token")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.EqualValues(t, 1, iss.Requests(), "only served JWKS requests are counted")
}

func TestRSAKeysAre2048Bits(t *testing.T) {
	iss := authtest.NewTestIssuer(t, authtest.WithAlgorithm("PS256"))
	_, body := get(t, http.MethodGet, iss.JWKSURL())
	var doc struct {
		Keys []struct {
			N string `json:"n"`
		} `json:"keys"`
	}
	require.NoError(t, json.Unmarshal(body, &doc))
	require.Len(t, doc.Keys, 1)
	n, err := base64.RawURLEncoding.DecodeString(doc.Keys[0].N)
	require.NoError(t, err)
	assert.Len(t, n, 256)
}

func TestNewIssuerOptions(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:0", "localhost:0"} {
		iss, err := authtest.NewIssuer(authtest.WithAddr(addr), authtest.WithAlgorithm("EdDSA"), authtest.WithAudience("api://x"))
		require.NoError(t, err, addr)
		assert.True(t, strings.HasPrefix(iss.URL(), "http://"), iss.URL())
		assert.Equal(t, "api://x", iss.Audience())
		assert.Equal(t, core.Config{Issuer: iss.URL(), JWKSURL: iss.JWKSURL(), Audiences: []string{"api://x"}}, iss.Config())
		require.NoError(t, iss.Close())
		require.NoError(t, iss.Close(), "Close is idempotent")
	}
	for name, opt := range map[string]authtest.Option{
		"all interfaces":       authtest.WithAddr(":0"),
		"unspecified":          authtest.WithAddr("0.0.0.0:0"),
		"public address":       authtest.WithAddr("192.0.2.1:0"),
		"host name":            authtest.WithAddr("example.com:80"),
		"no port":              authtest.WithAddr("127.0.0.1"),
		"empty audience":       authtest.WithAudience(""),
		"HMAC":                 authtest.WithAlgorithm("HS256"),
		"none":                 authtest.WithAlgorithm("none"),
		"lower-case algorithm": authtest.WithAlgorithm("rs256"),
	} {
		iss, err := authtest.NewIssuer(opt)
		assert.Error(t, err, name)
		assert.Nil(t, iss, name)
	}
	iss := authtest.NewTestIssuer(t, authtest.WithAlgorithm("ES256"))
	_, err := iss.Rotate("HS256")
	assert.Error(t, err)
}

func TestNewTestIssuerClosesWithCleanup(t *testing.T) {
	var url string
	t.Run("inner", func(t *testing.T) {
		url = authtest.NewTestIssuer(t, authtest.WithAlgorithm("ES256")).JWKSURL()
	})
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	_, err := (&http.Client{Transport: tr}).Get(url)
	assert.Error(t, err, "the issuer is closed after its test")
}

func TestCloseLeavesNothingRunning(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	iss, err := authtest.NewIssuer(authtest.WithAlgorithm("ES256"))
	require.NoError(t, err)
	cfg := iss.Config()
	cfg.Logger = slog.New(slog.DiscardHandler)
	v, err := core.NewVerifier(cfg)
	require.NoError(t, err)
	_, err = v.Verify(context.Background(), iss.MustToken(t, "alice"))
	require.NoError(t, err)
	_, _ = get(t, http.MethodGet, iss.URL()+"/.well-known/openid-configuration")
	require.NoError(t, v.Close())
	require.NoError(t, iss.Close())
}

func TestConcurrentUse(t *testing.T) {
	iss := authtest.NewTestIssuer(t, authtest.WithAlgorithm("ES256"))
	v := newVerifier(t, iss.Config())
	var wg sync.WaitGroup
	for n := range 20 {
		wg.Go(func() {
			switch n % 4 {
			case 0:
				kid, err := iss.Rotate("EdDSA")
				assert.NoError(t, err)
				iss.Retire(kid)
			case 1:
				_ = iss.KeyIDs()
				_ = iss.Requests()
			default:
				tok, err := iss.Token("alice", authtest.Scopes("a"))
				assert.NoError(t, err)
				_, _ = v.Verify(context.Background(), tok) // the signing key may just have been retired
			}
		})
	}
	wg.Wait()
}
