package interop

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axiomsgo/axioms/core"
)

// hydraAudience is the resource the Hydra clients may ask tokens for.
const hydraAudience = "https://api.interop.test"

// accessTokenSet is Hydra's key set for JWT access tokens.
const accessTokenSet = "hydra.jwt.access-token"

// hydra is one Ory Hydra started by a test (`hydra serve all --dev`) with an
// in-memory database and the jwt access token strategy.
type hydra struct {
	issuer string // the public URL, also the iss of its tokens
	admin  string
	proc   *process
}

// startHydra starts Hydra from HYDRA_BIN on two free loopback ports and
// waits until it is ready and its key sets exist.
func startHydra(t testing.TB) *hydra {
	t.Helper()
	bin := requireEnv(t, "HYDRA_BIN", "path to an Ory Hydra v2.3.0 binary built by scripts/hydra.sh")
	if info, err := os.Stat(bin); err != nil || info.IsDir() || info.Mode()&0o111 == 0 {
		t.Fatalf("HYDRA_BIN=%s is not an executable file (%v): run interop/scripts/hydra.sh", bin, err)
	}
	pub, adm := freePort(t), freePort(t)
	for adm == pub { // the OS may hand the same free port out twice
		adm = freePort(t)
	}
	h := &hydra{issuer: "http://127.0.0.1:" + itoa(pub), admin: "http://127.0.0.1:" + itoa(adm)}
	cmd := exec.Command(bin, "serve", "all", "--dev", "--sqa-opt-out")
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + t.TempDir(), // no user configuration leaks in
		"DSN=memory",
		"SERVE_PUBLIC_HOST=127.0.0.1", "SERVE_PUBLIC_PORT=" + itoa(pub),
		"SERVE_ADMIN_HOST=127.0.0.1", "SERVE_ADMIN_PORT=" + itoa(adm),
		"URLS_SELF_ISSUER=" + h.issuer,
		// The login and consent apps of the authorization code flow: never
		// reached, their redirects are read (see authorizationCode).
		"URLS_LOGIN=" + hydraLoginURL, "URLS_CONSENT=" + hydraConsentURL,
		"STRATEGIES_ACCESS_TOKEN=jwt",
		"SECRETS_SYSTEM=interop-system-secret-for-loopback-only-0123456789",
		"LOG_LEVEL=warn",
	}
	start := time.Now()
	h.proc = startProcess(t, "hydra", cmd)
	h.proc.waitFor(t, "GET /health/ready", func() error { return statusIs(h.admin+"/health/ready", http.StatusOK) })
	ready := time.Since(start)
	// The first JWKS request generates the RSA-4096 keys (a second or more).
	h.proc.waitFor(t, "GET /.well-known/jwks.json", func() error {
		return statusIs(h.issuer+"/.well-known/jwks.json", http.StatusOK)
	})
	t.Logf("hydra ready in %s, keys generated after %s", ready.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	return h
}

func statusIs(url string, want int) error {
	resp, err := client.Get(url)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != want {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

// createClient registers a client_credentials client through the admin API
// and returns its id and secret. strategy is its access_token_strategy
// ("jwt" or "opaque").
func (h *hydra) createClient(t testing.TB, strategy string) (id, secret string) {
	t.Helper()
	var out struct {
		ID     string `json:"client_id"`
		Secret string `json:"client_secret"`
	}
	doJSON(t, http.MethodPost, h.admin+"/admin/clients", map[string]any{
		"client_name":                "axioms-interop-" + strategy,
		"grant_types":                []string{"client_credentials"},
		"scope":                      "read:data write:data openid admin",
		"audience":                   []string{hydraAudience},
		"token_endpoint_auth_method": "client_secret_basic",
		"access_token_strategy":      strategy,
	}, &out, http.StatusCreated)
	require.NotEmpty(t, out.ID)
	require.NotEmpty(t, out.Secret)
	return out.ID, out.Secret
}

// token gets a client_credentials token; audience "" requests none.
func (h *hydra) token(t testing.TB, id, secret, scope, audience string) string {
	t.Helper()
	form := url.Values{"scope": {scope}}
	if audience != "" {
		form.Set("audience", audience)
	}
	return clientCredentials(t, h.issuer+"/oauth2/token", id, secret, form)
}

type jwk struct {
	Kid string `json:"kid"`
	Kty string `json:"kty"`
	Alg string `json:"alg"`
	Use string `json:"use"`
}

// jwks returns the public key set, as the verifiers fetch it.
func (h *hydra) jwks(t testing.TB) []jwk {
	t.Helper()
	var set struct{ Keys []jwk }
	getJSON(t, h.issuer+"/.well-known/jwks.json", &set)
	return set.Keys
}

func kids(keys []jwk) []string {
	var out []string
	for _, k := range keys {
		out = append(out, k.Kid)
	}
	return out
}

// hydraConfig is the verifier configuration for h: its issuer, the default
// JWKS URL ({issuer}/.well-known/jwks.json) and the default scope claims
// (scope, then scp).
func hydraConfig(h *hydra) core.Config {
	return core.Config{Issuer: h.issuer, Audiences: []string{hydraAudience}}
}

// TestHydra sends tokens of a real Ory Hydra v2.3.0 through each adapter.
func TestHydra(t *testing.T) {
	t.Parallel()
	h := startHydra(t)
	id, secret := h.createClient(t, "jwt")
	apps := newApps(t, hydraConfig(h))

	readTok := h.token(t, id, secret, "read:data", hydraAudience)
	writeTok := h.token(t, id, secret, "write:data openid", hydraAudience)
	adminTok := h.token(t, id, secret, "admin", hydraAudience)

	t.Run("token shape", func(t *testing.T) {
		header, claims := jwtParts(t, readTok)
		assert.Equal(t, "JWT", header["typ"], "typ")
		assert.Equal(t, "RS256", header["alg"], "alg")
		assert.NotEmpty(t, header["kid"], "kid")
		assert.Equal(t, []any{hydraAudience}, claims["aud"], "aud is an array")
		assert.Equal(t, []any{"read:data"}, claims["scp"], "scopes in an scp array")
		assert.NotContains(t, claims, "scope", "no scope string by default")
		assert.Equal(t, h.issuer, claims["iss"])
		assert.Equal(t, id, claims["sub"])
	})

	t.Run("JWKS holds the ID-token key too", func(t *testing.T) {
		header, _ := jwtParts(t, readTok)
		keys := kids(h.jwks(t))
		assert.GreaterOrEqual(t, len(keys), 2, "access-token and ID-token keys: %v", keys)
		assert.Contains(t, keys, header["kid"])
	})

	t.Run("scp array, aud array, any-of scopes", func(t *testing.T) {
		checkAll(t, apps, readTok,
			call{method: "GET", path: "/me", status: 200, sub: id},
			call{method: "GET", path: "/api/read", status: 200},
			call{method: "POST", path: "/api/write", status: 403, err: "insufficient_scope", scope: writeChallenge},
		)
	})

	t.Run("any-of by its second scope", func(t *testing.T) {
		checkAll(t, apps, adminTok,
			call{method: "GET", path: "/api/read", status: 200},
			call{method: "POST", path: "/api/write", status: 403, err: "insufficient_scope", scope: writeChallenge},
		)
	})

	t.Run("all-of scopes", func(t *testing.T) {
		checkAll(t, apps, writeTok,
			call{method: "POST", path: "/api/write", status: 200},
			call{method: "GET", path: "/api/read", status: 403, err: "insufficient_scope", scope: readChallenge},
		)
	})

	t.Run("no token, tampered token", func(t *testing.T) { checkRefusals(t, apps, readTok) })

	t.Run("aud [] refused", func(t *testing.T) {
		tok := h.token(t, id, secret, "read:data", "")
		_, claims := jwtParts(t, tok)
		require.Equal(t, []any{}, claims["aud"], "Hydra issues aud [] when no audience was requested")
		checkAll(t, apps, tok,
			call{method: "GET", path: "/me", status: 401, err: "invalid_token"},
			call{method: "GET", path: "/api/read", status: 401, err: "invalid_token"},
		)
	})

	t.Run("opaque ory_at_ token refused", func(t *testing.T) {
		oid, osecret := h.createClient(t, "opaque")
		tok := h.token(t, oid, osecret, "read:data", hydraAudience)
		require.True(t, strings.HasPrefix(tok, "ory_at_"), "opaque token %.10s...", tok)
		checkAll(t, apps, tok,
			call{method: "GET", path: "/me", status: 401, err: "invalid_token"},
			call{method: "GET", path: "/api/read", status: 401, err: "invalid_token"},
		)
	})
}

// TestHydraKeyRotation rotates Hydra's access-token key through its admin
// API while the apps run: a new ES256 key is created in
// hydra.jwt.access-token and the old RS256 kid deleted. Each app's verifier
// (MinRefreshInterval 1s, background refresh hourly) must pick the new key
// up through the unknown-kid refresh, with no restart, and stop accepting
// tokens of the deleted key as soon as it has fetched the new set.
func TestHydraKeyRotation(t *testing.T) {
	t.Parallel()
	h := startHydra(t)
	id, secret := h.createClient(t, "jwt")
	cfg := hydraConfig(h)
	cfg.MinRefreshInterval = time.Second
	cfg.RefreshInterval = time.Hour // only an unknown kid can cause the refetch
	apps := newApps(t, cfg)

	oldTok := h.token(t, id, secret, "read:data", hydraAudience)
	oldHeader, _ := jwtParts(t, oldTok)
	oldKid, _ := oldHeader["kid"].(string)
	require.Equal(t, "RS256", oldHeader["alg"])
	checkAll(t, apps, oldTok, call{method: "GET", path: "/api/read", status: 200})

	newKid := "interop-rotated-es256"
	doJSON(t, http.MethodPost, h.admin+"/admin/keys/"+accessTokenSet,
		map[string]string{"alg": "ES256", "use": "sig", "kid": newKid}, nil, http.StatusCreated)
	doJSON(t, http.MethodDelete, h.admin+"/admin/keys/"+accessTokenSet+"/"+oldKid, nil, nil, http.StatusNoContent)
	published := kids(h.jwks(t))
	require.Contains(t, published, newKid)
	require.NotContains(t, published, oldKid)

	newTok := h.token(t, id, secret, "read:data", hydraAudience)
	newHeader, _ := jwtParts(t, newTok)
	require.Equal(t, newKid, newHeader["kid"], "Hydra signs with the new key")
	require.Equal(t, "ES256", newHeader["alg"])

	for _, a := range apps {
		t.Run(a.name, func(t *testing.T) {
			start := time.Now()
			attempts, err := eventually(15*time.Second, func() error {
				got := a.send(t, "GET", "/api/read", newTok)
				switch {
				case got.status == http.StatusOK:
					return nil
				case got.status == http.StatusUnauthorized && got.challenge["error"] == "invalid_token":
					return errNotYet // refresh rate-limited: the kid is still unknown
				}
				return fmt.Errorf("unexpected answer %d %v", got.status, got.body)
			})
			require.NoError(t, err, "new key not picked up after %d attempts", attempts)
			t.Logf("new kid accepted after %d request(s), %s", attempts, time.Since(start).Round(time.Millisecond))
			call{method: "GET", path: "/api/read", status: 401, err: "invalid_token"}.check(t, a, oldTok)
			call{method: "GET", path: "/me", status: 200, sub: id}.check(t, a, newTok)
		})
	}
}
