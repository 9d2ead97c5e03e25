package interop

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axiomsgo/axioms/core"
)

// The login and consent apps Hydra redirects the browser to in the
// authorization code flow. Nothing listens there: authorizationCode reads
// each redirect and accepts the request through the admin API instead.
const (
	hydraLoginURL   = "http://127.0.0.1:9/login"
	hydraConsentURL = "http://127.0.0.1:9/consent"
	hydraRedirect   = "http://127.0.0.1:9/callback"
)

// createCodeClient registers a client of the authorization code flow
// (with refresh tokens) whose access tokens are opaque.
func (h *hydra) createCodeClient(t testing.TB) (id, secret string) {
	t.Helper()
	var out struct {
		ID     string `json:"client_id"`
		Secret string `json:"client_secret"`
	}
	doJSON(t, http.MethodPost, h.admin+"/admin/clients", map[string]any{
		"client_name":                "axioms-interop-code",
		"grant_types":                []string{"authorization_code", "refresh_token"},
		"response_types":             []string{"code"},
		"redirect_uris":              []string{hydraRedirect},
		"scope":                      "openid offline_access read:data write:data",
		"audience":                   []string{hydraAudience},
		"token_endpoint_auth_method": "client_secret_basic",
		"access_token_strategy":      "opaque",
	}, &out, http.StatusCreated)
	return out.ID, out.Secret
}

// codeTokens are the tokens of one authorization code exchange.
type codeTokens struct {
	Access  string `json:"access_token"`
	Refresh string `json:"refresh_token"`
	ID      string `json:"id_token"`
}

// authorizationCode runs the authorization code flow (RFC 6749 §4.1) for
// the user subject as a browser would, with Hydra's login and consent
// requests accepted through its admin API, and exchanges the code.
func (h *hydra) authorizationCode(t testing.TB, id, secret, subject string, scopes []string) codeTokens {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	browser := &http.Client{
		Timeout: 30 * time.Second,
		Jar:     jar, // Hydra's CSRF cookies
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse // each redirect is read, not followed
		},
	}
	// redirect GETs u and returns where it redirects to.
	redirect := func(u string) *url.URL {
		t.Helper()
		resp, err := browser.Get(u)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.Contains(t, []int{http.StatusFound, http.StatusSeeOther}, resp.StatusCode, "GET %s: %s", u, body)
		loc, err := resp.Location()
		require.NoError(t, err)
		return loc
	}
	// accept accepts the login or consent request challenge and returns
	// where the browser goes next.
	accept := func(kind, challenge string, body any) string {
		t.Helper()
		var out struct {
			RedirectTo string `json:"redirect_to"`
		}
		doJSON(t, http.MethodPut, h.admin+"/admin/oauth2/auth/requests/"+kind+"/accept?"+
			url.Values{kind + "_challenge": {challenge}}.Encode(), body, &out, http.StatusOK)
		require.NotEmpty(t, out.RedirectTo)
		return out.RedirectTo
	}

	state := make([]byte, 16)
	_, _ = rand.Read(state)
	auth := h.issuer + "/oauth2/auth?" + url.Values{
		"response_type": {"code"}, "client_id": {id}, "redirect_uri": {hydraRedirect},
		"scope": {strings.Join(scopes, " ")}, "state": {hex.EncodeToString(state)},
		"audience": {hydraAudience},
	}.Encode()
	login := redirect(auth)
	require.Equal(t, hydraLoginURL, login.Scheme+"://"+login.Host+login.Path)
	next := accept("login", login.Query().Get("login_challenge"), map[string]any{"subject": subject})
	consent := redirect(next)
	require.Equal(t, hydraConsentURL, consent.Scheme+"://"+consent.Host+consent.Path)
	next = accept("consent", consent.Query().Get("consent_challenge"), map[string]any{
		"grant_scope": scopes, "grant_access_token_audience": []string{hydraAudience},
	})
	callback := redirect(next)
	require.Equal(t, hex.EncodeToString(state), callback.Query().Get("state"))
	code := callback.Query().Get("code")
	require.NotEmpty(t, code, "callback %s", callback)

	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {hydraRedirect}}
	status, _, data := postClientForm(t, h.issuer+"/oauth2/token", id, secret, form)
	require.Equal(t, http.StatusOK, status, "code exchange: %s", data)
	var out codeTokens
	require.NoError(t, json.Unmarshal(data, &out))
	return out
}

// revoke revokes token at Hydra's RFC 7009 endpoint, as its client.
func (h *hydra) revoke(t testing.TB, id, secret, token string) {
	t.Helper()
	status, _, data := postClientForm(t, h.issuer+"/oauth2/revoke", id, secret, url.Values{"token": {token}})
	require.Equal(t, http.StatusOK, status, "revocation: %s", data)
}

// introspect asks Hydra's admin endpoint about token directly.
func (h *hydra) introspect(t testing.TB, token string) map[string]any {
	t.Helper()
	resp, err := client.PostForm(h.admin+"/admin/oauth2/introspect", url.Values{"token": {token}})
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return out
}

// hydraOpaqueConfig is the hydra-opaque recipe of docs/providers.md for h,
// with introspection at u (Hydra's admin endpoint, or a proxy of it) and a
// cache TTL (0: the recipe's default).
func hydraOpaqueConfig(t testing.TB, h *hydra, u string, ttl time.Duration) core.Config {
	t.Helper()
	cfg := recipeConfig(t, "hydra-opaque")
	require.Equal(t, core.IntrospectionConfig{URL: "http://127.0.0.1:4445/admin/oauth2/introspect"}, cfg.Introspection,
		"the recipe sets the endpoint alone: no client authentication, the default TTL")
	cfg.Issuer, cfg.Audiences = h.issuer, []string{hydraAudience}
	cfg.Introspection.URL, cfg.Introspection.CacheTTL = u, ttl
	return cfg
}

// TestHydraOpaque sends Hydra's opaque ory_at_ access tokens through each
// adapter, checked by introspection at Hydra's admin endpoint, with JWTs of
// the same Hydra still verified locally.
func TestHydraOpaque(t *testing.T) {
	t.Parallel()
	h := startHydra(t)
	proxy := newIntrospectionProxy(t, h.admin, "/admin/oauth2/introspect")
	oid, osecret := h.createClient(t, "opaque")
	jid, jsecret := h.createClient(t, "jwt")

	readTok := h.token(t, oid, osecret, "read:data", hydraAudience)
	writeTok := h.token(t, oid, osecret, "write:data openid", hydraAudience)
	adminTok := h.token(t, oid, osecret, "admin", hydraAudience)

	t.Run("token and answer shape", func(t *testing.T) {
		require.True(t, strings.HasPrefix(readTok, "ory_at_"), "opaque token %.10s...", readTok)
		require.Equal(t, 1, strings.Count(readTok, "."), "not a compact JWS")
		got := h.introspect(t, readTok)
		assert.Equal(t, true, got["active"])
		assert.Equal(t, "read:data", got["scope"], "scope is a space-separated string")
		assert.Equal(t, []any{hydraAudience}, got["aud"])
		assert.Equal(t, h.issuer, got["iss"])
		assert.Equal(t, oid, got["sub"])
		assert.Equal(t, "access_token", got["token_use"])
	})

	// Default cache TTL: a token is introspected once per app.
	apps := newApps(t, hydraOpaqueConfig(t, h, proxy.url, 0))

	t.Run("any-of, all-of, sub", func(t *testing.T) {
		checkAll(t, apps, readTok,
			call{method: "GET", path: "/me", status: 200, sub: oid},
			call{method: "GET", path: "/api/read", status: 200},
			call{method: "POST", path: "/api/write", status: 403, err: "insufficient_scope", scope: writeChallenge},
		)
		checkAll(t, apps, adminTok, call{method: "GET", path: "/api/read", status: 200})
		checkAll(t, apps, writeTok,
			call{method: "POST", path: "/api/write", status: 200},
			call{method: "GET", path: "/api/read", status: 403, err: "insufficient_scope", scope: readChallenge},
		)
	})

	t.Run("one introspection per token and app", func(t *testing.T) {
		before := proxy.count.Load()
		checkAll(t, apps, readTok, call{method: "GET", path: "/api/read", status: 200})
		assert.Zero(t, proxy.count.Load()-before, "answers of the first subtest are reused")
		tok := h.token(t, oid, osecret, "read:data", hydraAudience)
		for range 3 {
			checkAll(t, apps, tok, call{method: "GET", path: "/me", status: 200, sub: oid})
		}
		assert.EqualValues(t, len(apps), proxy.count.Load()-before, "a new token: one request per app for 3 calls each")
	})

	t.Run("JWT of the same Hydra verified locally", func(t *testing.T) {
		jwt := h.token(t, jid, jsecret, "read:data", hydraAudience)
		before := proxy.count.Load()
		checkAll(t, apps, jwt,
			call{method: "GET", path: "/me", status: 200, sub: jid},
			call{method: "GET", path: "/api/read", status: 200},
		)
		checkRefusals(t, apps, jwt)
		assert.Zero(t, proxy.count.Load()-before, "no JWT is introspected")
	})

	t.Run("unknown and altered opaque tokens", func(t *testing.T) {
		checkAll(t, apps, "ory_at_"+strings.Repeat("A", 43)+"."+strings.Repeat("B", 43), everyRoute(http.StatusUnauthorized, "invalid_token")...)
		altered := readTok[:len(readTok)-1] + map[bool]string{true: "B", false: "A"}[strings.HasSuffix(readTok, "A")]
		checkAll(t, apps, altered, everyRoute(http.StatusUnauthorized, "invalid_token")...)
	})

	t.Run("aud [] refused", func(t *testing.T) {
		tok := h.token(t, oid, osecret, "read:data", "")
		require.Equal(t, []any{}, h.introspect(t, tok)["aud"], "Hydra answers aud [] when no audience was requested")
		checkAll(t, apps, tok, everyRoute(http.StatusUnauthorized, "invalid_token")...)
	})

	t.Run("authorization code: user token accepted, refresh and ID tokens refused", func(t *testing.T) {
		cid, csecret := h.createCodeClient(t)
		toks := h.authorizationCode(t, cid, csecret, "alice@interop.test", []string{"openid", "offline_access", "read:data"})
		require.True(t, strings.HasPrefix(toks.Access, "ory_at_"))
		require.True(t, strings.HasPrefix(toks.Refresh, "ory_rt_"), "refresh token %.10s...", toks.Refresh)
		require.Equal(t, "refresh_token", h.introspect(t, toks.Refresh)["token_use"])
		checkAll(t, apps, toks.Access,
			call{method: "GET", path: "/me", status: 200, sub: "alice@interop.test"},
			call{method: "GET", path: "/api/read", status: 200},
		)
		checkAll(t, apps, toks.Refresh, everyRoute(http.StatusUnauthorized, "invalid_token")...)
		for _, a := range apps { // refused for what it is, not for its claims
			assert.Contains(t, a.send(t, "GET", "/me", toks.Refresh).description, "token type not accepted", a.name)
		}
		// The ID token is a JWT, verified locally: its aud is the client.
		_, idClaims := jwtParts(t, toks.ID)
		require.Equal(t, []any{cid}, idClaims["aud"])
		checkAll(t, apps, toks.ID, everyRoute(http.StatusUnauthorized, "invalid_token")...)
	})

	t.Run("revocation seen within the cache TTL", func(t *testing.T) {
		const ttl = time.Second
		ttlApps := newApps(t, hydraOpaqueConfig(t, h, proxy.url, ttl))
		tok := h.token(t, oid, osecret, "read:data", hydraAudience)
		checkAll(t, ttlApps, tok, call{method: "GET", path: "/api/read", status: 200})
		h.revoke(t, oid, osecret, tok)
		revoked := time.Now()
		require.Equal(t, false, h.introspect(t, tok)["active"])
		for _, a := range ttlApps {
			took := waitRefused(t, a, tok, revoked)
			t.Logf("%s: revoked token refused %s after its revocation (cache TTL %s)", a.name, took.Round(time.Millisecond), ttl)
		}
	})

	t.Run("IntrospectJWTs: a revoked JWT refused", func(t *testing.T) {
		cfg := hydraOpaqueConfig(t, h, proxy.url, time.Second)
		cfg.Introspection.IntrospectJWTs = true
		jwtApps := newApps(t, cfg)
		jwt := h.token(t, jid, jsecret, "read:data", hydraAudience)
		before := proxy.count.Load()
		checkAll(t, jwtApps, jwt, call{method: "GET", path: "/me", status: 200, sub: jid})
		assert.EqualValues(t, len(jwtApps), proxy.count.Load()-before, "each app introspects the JWT once")
		checkAll(t, jwtApps, tamper(t, jwt), everyRoute(http.StatusUnauthorized, "invalid_token")...)
		assert.EqualValues(t, len(jwtApps), proxy.count.Load()-before, "a forged JWT costs no request")
		h.revoke(t, jid, jsecret, jwt)
		revoked := time.Now()
		require.Equal(t, false, h.introspect(t, jwt)["active"])
		for _, a := range jwtApps {
			took := waitRefused(t, a, jwt, revoked)
			t.Logf("%s: revoked JWT refused %s after its revocation", a.name, took.Round(time.Millisecond))
		}
	})
}
