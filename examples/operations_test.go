package examples_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axiomsgo/axioms/authtest"
)

// decisionLine is one sample of axioms_auth_decisions_total.
var decisionLine = regexp.MustCompile(`^axioms_auth_decisions_total\{([^}]*)\} (\S+)$`)

var outcomeLabel = regexp.MustCompile(`(?:^|,)outcome="([^"]*)"`)

// decisions scrapes GET /metrics and sums axioms_auth_decisions_total by
// outcome.
func decisions(t *testing.T, client *http.Client, base string) map[string]float64 {
	t.Helper()
	resp, err := client.Get(base + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	body := string(data)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.True(t, strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain"), resp.Header.Get("Content-Type"))
	out := map[string]float64{}
	for _, line := range strings.Split(body, "\n") {
		m := decisionLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		o := outcomeLabel.FindStringSubmatch(m[1])
		require.NotNil(t, o, "an outcome label: %s", line)
		v, err := strconv.ParseFloat(m[2], 64)
		require.NoError(t, err)
		out[o[1]] += v
	}
	return out
}

func delta(before, after map[string]float64) map[string]float64 {
	d := map[string]float64{}
	for k, v := range after {
		if v != before[k] {
			d[k] = v - before[k]
		}
	}
	return d
}

// closedPort is a loopback URL on which nothing listens.
func closedPort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return "http://" + addr + "/jwks.json"
}

// TestMetrics checks behaviour.md §9 on every example server: with
// METRICS=true, GET /metrics (no authentication) counts each decision once
// under its outcome.
func TestMetrics(t *testing.T) {
	iss := authtest.NewTestIssuer(t)
	reader := iss.MustToken(t, "reader", authtest.Scopes("read:data"))
	env := []string{"METRICS=true", "AXIOMS_ISS_URL=" + iss.URL(), "AXIOMS_AUDIENCE=" + iss.Audience()}
	down := []string{"METRICS=true", "AXIOMS_ISS_URL=" + iss.URL(), "AXIOMS_AUDIENCE=" + iss.Audience(),
		"AXIOMS_JWKS_URL=" + closedPort(t)}
	for _, fw := range frameworks {
		t.Run(fw, func(t *testing.T) {
			t.Parallel()
			client := newClient(t)
			base := startServer(t, binary(t, fw), env).url
			before := decisions(t, client, base)

			st, _, _ := send(t, client, http.MethodGet, base+"/me", "")
			assert.Equal(t, http.StatusUnauthorized, st)
			st, _, _ = send(t, client, http.MethodGet, base+"/me", "not.a.token")
			assert.Equal(t, http.StatusUnauthorized, st)
			st, _, _ = send(t, client, http.MethodGet, base+"/me", reader)
			assert.Equal(t, http.StatusOK, st)
			st, _, _ = send(t, client, http.MethodGet, base+"/api/read", reader)
			assert.Equal(t, http.StatusOK, st)
			st, _, _ = send(t, client, http.MethodGet, base+"/admin/users", reader)
			assert.Equal(t, http.StatusForbidden, st)
			req, err := http.NewRequest(http.MethodGet, base+"/me", nil)
			require.NoError(t, err)
			req.Header.Add("Authorization", "Bearer "+reader)
			req.Header.Add("Authorization", "Bearer "+reader)
			resp, err := client.Do(req)
			require.NoError(t, err)
			_ = resp.Body.Close()
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
			st, _, _ = send(t, client, http.MethodGet, base+"/public", "")
			assert.Equal(t, http.StatusOK, st)

			assert.Equal(t, map[string]float64{"no_credentials": 1, "invalid_token": 1, "allowed": 2,
				"insufficient_scope": 1, "invalid_request": 1}, delta(before, decisions(t, client, base)),
				"one decision per request the middleware decided, none for /public or /metrics")

			offline := startServer(t, binary(t, fw), down).url
			before = decisions(t, client, offline)
			st, _, _ = send(t, client, http.MethodGet, offline+"/me", reader)
			assert.Equal(t, http.StatusServiceUnavailable, st)
			assert.Equal(t, map[string]float64{"unavailable": 1}, delta(before, decisions(t, client, offline)))
		})
	}
}

// TestNoMetricsByDefault: without METRICS=true there is no /metrics route
// (an unknown path of the authenticated router: 401 without a token).
func TestNoMetricsByDefault(t *testing.T) {
	iss := authtest.NewTestIssuer(t)
	client := newClient(t)
	base := startServer(t, binary(t, "chi"), []string{"AXIOMS_ISS_URL=" + iss.URL(), "AXIOMS_AUDIENCE=" + iss.Audience()}).url
	st, _, _ := send(t, client, http.MethodGet, base+"/metrics", "")
	assert.Equal(t, http.StatusUnauthorized, st)
}

// TestDotEnv: every example server reads a .env file in its working
// directory (quoted values included); the environment wins over the file,
// and an AXIOMS_* variable no one reads is named in a warning.
func TestDotEnv(t *testing.T) {
	iss := authtest.NewTestIssuer(t)
	token := iss.MustToken(t, "alice")
	for _, fw := range frameworks {
		t.Run(fw, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			dotenv := "# settings of the service\n" +
				"AXIOMS_ISS_URL=\"" + iss.URL() + "\"\n" +
				"export AXIOMS_AUDIENCE='" + iss.Audience() + "'\n" +
				"AXIOMS_ROLE_CLAIMS=roles\n" +
				"METRICS=true\n"
			require.NoError(t, os.WriteFile(filepath.Join(dir, ".env"), []byte(dotenv), 0o600))
			srv := startServerIn(t, binary(t, fw), dir, []string{"METRICS=false"})
			assert.NotContains(t, srv.banner, "DEVELOPMENT ONLY", "the issuer of .env is trusted")
			assert.Contains(t, srv.banner, "AXIOMS_ROLE_CLAIMS", "the typo is named")
			assert.Contains(t, srv.banner, "AXIOMS_ROLES_CLAIMS", "with the nearest known name")
			client := newClient(t)
			st, _, body := send(t, client, http.MethodGet, srv.url+"/me", token)
			assert.Equal(t, http.StatusOK, st, body)
			st, _, _ = send(t, client, http.MethodGet, srv.url+"/metrics", "")
			assert.Equal(t, http.StatusUnauthorized, st, "METRICS=false from the environment wins over the file")
		})
	}
	t.Run("a named ENV_FILE that does not exist stops the server", func(t *testing.T) {
		out, err := runToExit(t, binary(t, "chi"), []string{"ENV_FILE=" + filepath.Join(t.TempDir(), "missing.env")})
		require.Error(t, err)
		assert.Contains(t, out, "missing.env")
	})
}

// runToExit runs bin with env added to the clean environment, in a
// directory of its own, and returns its output once it exits (within
// readyTimeout).
func runToExit(t *testing.T, bin string, env []string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin)
	cmd.Dir = t.TempDir()
	cmd.Env = append(append(cleanEnv(), "ADDR=127.0.0.1:0"), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}
