package interop

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axiomsgo/axioms/core"
)

// rsJWTKeyID is the kid of the key of provider.mjs's private_key_jwt
// resource-server client.
const rsJWTKeyID = "interop-rs-jwt-es256"

// rsKey generates an ES256 key for the private_key_jwt client and returns
// it with its public JWK Set as JSON, for RS_JWKS: the provider holds the
// public key only.
func rsKey(t testing.TB) (*ecdsa.PrivateKey, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	pub, err := key.PublicKey.ECDH()
	require.NoError(t, err)
	point := pub.Bytes() // 0x04 || X || Y, 32 bytes each
	set, err := json.Marshal(map[string]any{"keys": []map[string]string{{
		"kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": rsJWTKeyID,
		"x": base64.RawURLEncoding.EncodeToString(point[1:33]),
		"y": base64.RawURLEncoding.EncodeToString(point[33:]),
	}}})
	require.NoError(t, err)
	return key, string(set)
}

// opaqueToken gets a client_credentials access token for the resource
// server of opaque tokens.
func (op *oidcProvider) opaqueToken(t testing.TB, scope string) string {
	t.Helper()
	return op.token(t, rsOpaque, scope)
}

// introspect asks the introspection endpoint about token directly, as
// client id (client_secret_basic), and returns the status and the JSON
// answer.
func (op *oidcProvider) introspect(t testing.TB, id, secret, token string) (int, map[string]any) {
	t.Helper()
	return postBasic(t, op.IntrospectionEndpoint, id, secret, url.Values{"token": {token}})
}

// revoke revokes token at the RFC 7009 endpoint, as the client it was
// issued to.
func (op *oidcProvider) revoke(t testing.TB, token string) {
	t.Helper()
	status, body := postBasic(t, op.RevocationEndpoint, op.ClientID, op.ClientSecret,
		url.Values{"token": {token}, "token_type_hint": {"access_token"}})
	require.Equal(t, http.StatusOK, status, "revocation: %v", body)
}

// postBasic posts form to u, authenticating as id with client_secret_basic,
// and returns the status and the JSON body (nil when empty).
func postBasic(t testing.TB, u, id, secret string, form url.Values) (int, map[string]any) {
	t.Helper()
	status, _, data := postClientForm(t, u, id, secret, form)
	var body map[string]any
	if len(data) > 0 {
		require.NoError(t, json.Unmarshal(data, &body), "POST %s: %s", u, data)
	}
	return status, body
}

// introspectionProxy is a reverse proxy in front of an authorization
// server that counts the requests to its introspection endpoint, so that a
// test can tell which tokens were introspected and which were verified
// locally.
type introspectionProxy struct {
	url   string // the introspection endpoint through the proxy
	count atomic.Int64
}

// newIntrospectionProxy proxies the server at base (scheme and host) and
// counts the requests to its introspection endpoint at endpoint (a URL on
// base, or a path).
func newIntrospectionProxy(t testing.TB, base, endpoint string) *introspectionProxy {
	t.Helper()
	target, err := url.Parse(base)
	require.NoError(t, err)
	ep, err := url.Parse(endpoint)
	require.NoError(t, err)
	p := &introspectionProxy{}
	proxy := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) { r.SetURL(target) }}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == ep.Path {
			p.count.Add(1)
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	p.url = srv.URL + ep.Path
	return p
}

// introspectionApps starts every adapter's app as newApps does, each named
// label/<adapter>, and returns their verifiers too.
func introspectionApps(t testing.TB, label string, cfg core.Config) ([]app, []*core.Verifier) {
	t.Helper()
	apps := make([]app, 0, len(adapters))
	verifiers := make([]*core.Verifier, 0, len(adapters))
	for _, a := range adapters {
		v := newVerifier(t, cfg)
		apps = append(apps, app{label + "/" + a.name, a.serve(t, v)})
		verifiers = append(verifiers, v)
	}
	return apps, verifiers
}

// waitAnswered waits until each verifier is ready: its keys fetched, and
// the introspection endpoint's first answer (to the probe every verifier
// sends at start) in.
func waitAnswered(t testing.TB, verifiers []*core.Verifier) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	for _, v := range verifiers {
		require.NoError(t, v.WaitReady(ctx))
	}
}

// waitRefused polls a until token is refused as an invalid token on GET
// /api/read, and returns how long after since that was.
func waitRefused(t *testing.T, a app, token string, since time.Time) time.Duration {
	t.Helper()
	attempts, err := eventually(15*time.Second, func() error {
		switch got := a.send(t, http.MethodGet, "/api/read", token); {
		case got.status == http.StatusUnauthorized && got.challenge["error"] == "invalid_token":
			return nil
		case got.status == http.StatusOK:
			return errNotYet // the cached answer still stands
		default:
			return fmt.Errorf("unexpected answer %d %v", got.status, got.body)
		}
	})
	require.NoError(t, err, "%s: revoked token still accepted after %d attempts", a.name, attempts)
	return time.Since(since)
}

// checkUnavailable sends token to every route of every app: each answers
// 503 with Retry-After and no challenge, core's answer to a token that
// cannot be judged, never 200 and never 401.
func checkUnavailable(t *testing.T, apps []app, token string) {
	t.Helper()
	for _, a := range apps {
		for _, rt := range routes {
			t.Run(a.name+"/"+rt.method+" "+rt.path, func(t *testing.T) {
				got := a.send(t, rt.method, rt.path, token)
				assert.Equal(t, http.StatusServiceUnavailable, got.status, "status (body %v)", got.body)
				assert.Nil(t, got.challenge, "no challenge")
				assert.Equal(t, "1", got.retryAfter, "Retry-After")
				assert.Equal(t, "token introspection unavailable", got.description)
				if got.body != nil {
					assert.Equal(t, "temporarily_unavailable", got.body["error"])
				}
			})
		}
	}
}

// misconfiguredLogs returns the records of logs at level and above, and
// how many of them are the "introspection misconfigured" line.
func misconfiguredLogs(logs *logRecorder, level slog.Level) (records []logRecord, misconfigured int) {
	logs.mu.Lock()
	defer logs.mu.Unlock()
	for _, r := range logs.records {
		if r.level < level {
			continue
		}
		records = append(records, r)
		if r.msg == "axioms: introspection misconfigured" {
			misconfigured++
		}
	}
	return records, misconfigured
}

// TestOIDCProviderIntrospection sends opaque access tokens of a real node
// oidc-provider through each adapter, checked by RFC 7662 introspection at
// its endpoint with both client authentications it offers a resource
// server here (client_secret_basic, private_key_jwt), with its JWTs still
// verified locally, a revocation picked up within the cache TTL, and
// credentials it refuses answered 503. oidc-provider introspects no JWT
// (400 unsupported_token_type), so IntrospectJWTs cannot be used with it.
// No refresh or ID token is tried: the client_credentials grant, the only
// one provider.mjs serves, issues neither.
func TestOIDCProviderIntrospection(t *testing.T) {
	t.Parallel()
	key, jwks := rsKey(t)
	op := startOIDCProvider(t, "RS_JWKS="+jwks)
	require.Equal(t, rsOpaque, op.OpaqueResource)
	require.NotEmpty(t, op.IntrospectionEndpoint)
	require.NotEmpty(t, op.RSJWTClientID, "the private_key_jwt client exists with RS_JWKS")
	proxy := newIntrospectionProxy(t, op.Issuer, op.IntrospectionEndpoint)

	// The resource server accepts the opaque tokens' audience, and the RS256
	// resource's for the JWTs that are verified locally.
	opConfig := func(in core.IntrospectionConfig) core.Config {
		return core.Config{Issuer: op.Issuer, JWKSURL: op.JWKSURI, Audiences: []string{rsOpaque, rsRS256}, Introspection: in}
	}
	basic := core.IntrospectionConfig{URL: proxy.url, ClientID: op.RSClientID, ClientSecret: op.RSClientSecret}
	// The client_secret_basic apps run the oidc-provider-opaque recipe of
	// docs/providers.md, its example values replaced by this provider's.
	recipe := recipeConfig(t, "oidc-provider-opaque")
	require.Equal(t, core.IntrospectionConfig{URL: recipe.Issuer + "/token/introspection", ClientID: "orders-api", ClientSecret: "change-me"},
		recipe.Introspection, "the recipe: the endpoint and client_secret_basic credentials, the default TTL")
	require.Equal(t, recipe.Issuer+"/token/introspection", strings.Replace(op.IntrospectionEndpoint, op.Issuer, recipe.Issuer, 1),
		"the provider's endpoint is where the recipe says")
	recipe.Issuer, recipe.JWKSURL, recipe.Audiences = op.Issuer, op.JWKSURI, []string{rsOpaque, rsRS256}
	recipe.Introspection.URL, recipe.Introspection.ClientID, recipe.Introspection.ClientSecret = basic.URL, basic.ClientID, basic.ClientSecret
	require.Equal(t, opConfig(basic), recipe)
	privateKeyJWT := core.IntrospectionConfig{
		URL: proxy.url, ClientID: op.RSJWTClientID,
		AuthMethod: core.IntrospectionAuthPrivateKeyJWT, Signer: key, SignerKeyID: rsJWTKeyID,
		// oidc-provider takes as the assertion's aud its issuer, its token
		// endpoint or the URL of the endpoint called (its
		// clientJwtAuthExpectedAudience); behind the proxy the default, URL,
		// is the proxy's, which it refuses ("assertion audience" below), so
		// the issuer is named.
		AssertionAudience: op.Issuer,
	}
	basicApps, basicVerifiers := introspectionApps(t, "basic", opConfig(basic))
	jwtApps, jwtVerifiers := introspectionApps(t, "private_key_jwt", opConfig(privateKeyJWT))
	apps := append(basicApps, jwtApps...)
	waitAnswered(t, append(basicVerifiers, jwtVerifiers...))

	readTok := op.opaqueToken(t, "read:data")
	writeTok := op.opaqueToken(t, "write:data openid")
	jwt := op.token(t, rsRS256, "read:data")

	t.Run("token and answer shape", func(t *testing.T) {
		require.Regexp(t, `^[A-Za-z0-9_-]{43}$`, readTok, "opaque: 43 base64url characters, no dot, so not a compact JWS")
		status, got := op.introspect(t, op.RSClientID, op.RSClientSecret, readTok)
		require.Equal(t, http.StatusOK, status, "%v", got)
		assert.Equal(t, true, got["active"])
		assert.Equal(t, "read:data", got["scope"], "scope is a space-separated string")
		assert.Equal(t, op.ClientID, got["client_id"])
		assert.Equal(t, op.ClientID, got["sub"], "sub (provider.mjs adds it: client_credentials answers have none)")
		assert.Equal(t, op.Issuer, got["iss"])
		assert.Equal(t, rsOpaque, got["aud"], "aud is a string")
		assert.Equal(t, "Bearer", got["token_type"])
		exp, _ := got["exp"].(float64)
		iat, _ := got["iat"].(float64)
		assert.InDelta(t, 300, exp-iat, 0, "exp - iat: the resource server's 5-minute TTL")

		status, got = op.introspect(t, op.ClientID, op.ClientSecret, readTok)
		require.Equal(t, http.StatusOK, status)
		assert.Equal(t, map[string]any{"active": false}, got, "allowedPolicy: the token's own client may not introspect it")
		status, got = op.introspect(t, op.RSClientID, op.RSClientSecret, jwt)
		assert.Equal(t, http.StatusBadRequest, status, "oidc-provider introspects no JWT")
		assert.Equal(t, "unsupported_token_type", got["error"])
	})

	t.Run("any-of, all-of, sub", func(t *testing.T) {
		checkAll(t, apps, readTok,
			call{method: "GET", path: "/me", status: 200, sub: op.ClientID},
			call{method: "GET", path: "/api/read", status: 200},
			call{method: "POST", path: "/api/write", status: 403, err: "insufficient_scope", scope: writeChallenge},
		)
		checkAll(t, apps, writeTok,
			call{method: "GET", path: "/me", status: 200, sub: op.ClientID},
			call{method: "POST", path: "/api/write", status: 200},
			call{method: "GET", path: "/api/read", status: 403, err: "insufficient_scope", scope: readChallenge},
		)
	})

	t.Run("one introspection per token and app", func(t *testing.T) {
		before := proxy.count.Load()
		checkAll(t, apps, readTok, call{method: "GET", path: "/api/read", status: 200})
		assert.Zero(t, proxy.count.Load()-before, "the answers of the previous subtest are reused")
		tok := op.opaqueToken(t, "read:data")
		for range 3 {
			checkAll(t, apps, tok, call{method: "GET", path: "/me", status: 200, sub: op.ClientID})
		}
		assert.EqualValues(t, len(apps), proxy.count.Load()-before, "a new token: one request per app for 3 calls each")
	})

	t.Run("no token, unknown and altered opaque tokens", func(t *testing.T) {
		checkAll(t, apps, "", everyRoute(http.StatusUnauthorized, "")...)
		checkAll(t, apps, strings.Repeat("A", 43), everyRoute(http.StatusUnauthorized, "invalid_token")...)
		last := "A"
		if strings.HasSuffix(readTok, "A") {
			last = "B"
		}
		checkAll(t, apps, readTok[:len(readTok)-1]+last, everyRoute(http.StatusUnauthorized, "invalid_token")...)
	})

	t.Run("JWT of the same provider verified locally", func(t *testing.T) {
		before := proxy.count.Load()
		checkAll(t, apps, jwt,
			call{method: "GET", path: "/me", status: 200, sub: op.ClientID},
			call{method: "GET", path: "/api/read", status: 200},
			call{method: "POST", path: "/api/write", status: 403, err: "insufficient_scope", scope: writeChallenge},
		)
		checkRefusals(t, apps, jwt)
		assert.Zero(t, proxy.count.Load()-before, "no JWT is introspected")
	})

	t.Run("revocation seen within the cache TTL", func(t *testing.T) {
		const ttl = time.Second
		basicTTL, jwtTTL := basic, privateKeyJWT
		basicTTL.URL, jwtTTL.URL = op.IntrospectionEndpoint, op.IntrospectionEndpoint
		basicTTL.CacheTTL, jwtTTL.CacheTTL = ttl, ttl
		ttlApps, _ := introspectionApps(t, "basic", opConfig(basicTTL))
		more, _ := introspectionApps(t, "private_key_jwt", opConfig(jwtTTL))
		ttlApps = append(ttlApps, more...)
		tok := op.opaqueToken(t, "read:data")
		checkAll(t, ttlApps, tok, call{method: "GET", path: "/api/read", status: 200})
		op.revoke(t, tok)
		revoked := time.Now()
		_, got := op.introspect(t, op.RSClientID, op.RSClientSecret, tok)
		require.Equal(t, false, got["active"], "revoked at the provider")
		for _, a := range ttlApps {
			took := waitRefused(t, a, tok, revoked)
			t.Logf("%s: revoked token refused %s after its revocation (cache TTL %s)", a.name, took.Round(time.Millisecond), ttl)
		}
	})

	t.Run("assertion audience", func(t *testing.T) {
		tok := op.opaqueToken(t, "read:data")
		for _, tc := range []struct {
			name, url, aud string
			accepted       bool
		}{
			{"default: the endpoint's URL", op.IntrospectionEndpoint, "", true},
			{"the issuer", op.IntrospectionEndpoint, op.Issuer, true},
			{"the token endpoint", op.IntrospectionEndpoint, op.TokenEndpoint, true},
			{"default behind a proxy: the proxy's URL", proxy.url, "", false},
			{"another audience", op.IntrospectionEndpoint, "https://elsewhere.interop.test", false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				in := privateKeyJWT
				in.URL, in.AssertionAudience = tc.url, tc.aud
				logs := &logRecorder{}
				cfg := opConfig(in)
				cfg.Logger = slog.New(logs)
				c, err := newVerifier(t, cfg).Verify(context.Background(), tok)
				records, misconfigured := misconfiguredLogs(logs, slog.LevelWarn)
				if tc.accepted {
					require.NoError(t, err)
					assert.Equal(t, op.ClientID, c.Subject())
					assert.Empty(t, records)
					return
				}
				assert.ErrorIs(t, err, core.ErrKeysUnavailable)
				assert.ErrorIs(t, err, core.ErrKeySetMisconfigured, "401 from the endpoint: a retry will not fix it")
				assert.Equal(t, 1, misconfigured, "%v", records)
			})
		}
	})

	t.Run("answer's aud checked", func(t *testing.T) {
		cfg := opConfig(basic)
		cfg.Introspection.URL = op.IntrospectionEndpoint
		cfg.Audiences = []string{rsRS256}
		_, err := newVerifier(t, cfg).Verify(context.Background(), readTok)
		assert.ErrorIs(t, err, core.ErrInvalidToken, "aud %s is not an audience of this resource server", rsOpaque)
	})

	t.Run("IntrospectJWTs: oidc-provider refuses JWTs", func(t *testing.T) {
		cfg := opConfig(basic)
		cfg.Introspection.URL = op.IntrospectionEndpoint
		cfg.Introspection.IntrospectJWTs = true
		cfg.Logger = slog.New(&logRecorder{}) // the Error line is checked below, for 401
		_, err := newVerifier(t, cfg).Verify(context.Background(), jwt)
		assert.ErrorIs(t, err, core.ErrKeysUnavailable, "400 unsupported_token_type: the JWT cannot be judged")
		assert.ErrorIs(t, err, core.ErrKeySetMisconfigured)
	})

	t.Run("refused credentials answer 503", func(t *testing.T) {
		otherKey, _ := rsKey(t)
		for _, tc := range []struct {
			name string
			in   core.IntrospectionConfig
		}{
			{"wrong client secret", core.IntrospectionConfig{ClientID: op.RSClientID, ClientSecret: "wrong"}},
			{"unknown private key", core.IntrospectionConfig{ClientID: op.RSJWTClientID, Signer: otherKey, SignerKeyID: rsJWTKeyID}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				logs := &logRecorder{}
				tc.in.URL = op.IntrospectionEndpoint
				cfg := opConfig(tc.in)
				cfg.Logger = slog.New(logs)
				badApps, verifiers := introspectionApps(t, strings.ReplaceAll(tc.name, " ", "-"), cfg)
				// Ready says "unavailable" until the endpoint's first answer
				// (the 401 to the probe at start) is in, then "misconfigured".
				for i, v := range verifiers {
					var last error
					attempts, err := eventually(15*time.Second, func() error {
						last = v.Ready(context.Background())
						if errors.Is(last, core.ErrKeySetMisconfigured) {
							return nil
						}
						return fmt.Errorf("Ready: %v", last)
					})
					require.NoError(t, err, "%s: after %d attempts", badApps[i].name, attempts)
					assert.ErrorIs(t, last, core.ErrKeysUnavailable)
				}
				checkUnavailable(t, badApps, op.opaqueToken(t, "read:data"))
				checkAll(t, badApps, jwt, call{method: "GET", path: "/me", status: 200, sub: op.ClientID})

				records, misconfigured := misconfiguredLogs(logs, slog.LevelWarn)
				assert.Equal(t, len(verifiers), misconfigured, "one Error line per verifier, at its first failure: %v", records)
				assert.Len(t, records, misconfigured, "nothing else at Warn or above")
				for _, r := range records {
					assert.Equal(t, slog.LevelError, r.level)
					assert.Equal(t, op.IntrospectionEndpoint, r.attrs["url"])
					assert.Contains(t, r.attrs["reason"], "401")
					assert.Contains(t, r.attrs["fix"], "AXIOMS_INTROSPECTION_CLIENT_SECRET")
				}
			})
		}
	})
}
