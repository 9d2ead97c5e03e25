package examples_test

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axiomsgo/axioms/authtest"
	"github.com/axiomsgo/axioms/core"
)

// The gRPC example (examples/grpc and its client, examples/grpc/client)
// is driven here as processes; grpcauth's own conformance suite covers the
// adapter.

const api = "/axioms.example.v1.API/"

// TestGRPCDevelopmentMode starts the gRPC server with no AXIOMS_* variable
// and runs the client command it prints for each persona.
func TestGRPCDevelopmentMode(t *testing.T) {
	t.Parallel()
	srv := startServer(t, binary(t, "grpc"), nil)
	assert.Contains(t, srv.banner, "DEVELOPMENT ONLY")
	assert.Contains(t, srv.banner, "Never use it in production")
	assert.NotContains(t, strings.ToLower(srv.banner), "ready", "one ready line only")
	cmds := parseClientCommands(t, srv.banner)
	require.ElementsMatch(t, []string{"reader", "writer", "admin", "editor"}, mapKeys(cmds), "one client command per persona:\n%s", srv.banner)

	allowed := map[string]string{"reader": "Read", "writer": "Write", "admin": "ListUsers", "editor": "Strict"}
	for persona, c := range cmds {
		assert.Equal(t, strings.TrimPrefix(srv.url, "http://"), c.addr, "%s: the command targets the server", persona)
		out := runClient(t, c.addr, c.token)
		assert.Contains(t, out, "/grpc.health.v1.Health/Check (public): SERVING\n")
		for _, want := range []string{
			"Hello as anonymous: OK (HTTP 200): hello, stranger",
			"Hello as token: OK (HTTP 200): hello, " + persona,
			"Me as anonymous: Unauthenticated (HTTP 401): authentication required; www-authenticate: Bearer realm=\"api\"\n",
			"Me as token: OK (HTTP 200): " + persona + "\n",
			allowed[persona] + " as token: OK (HTTP 200)",
		} {
			assert.Contains(t, out, api+want, "%s:\n%s", persona, out)
		}
	}
	out := runClient(t, cmds["reader"].addr, cmds["reader"].token)
	assert.Contains(t, out, api+`ListUsers as token: PermissionDenied (HTTP 403): insufficient role; www-authenticate: Bearer realm="api", error="insufficient_scope", error_description="insufficient role"`+"\n")
	assert.Contains(t, out, api+`Write as token: PermissionDenied (HTTP 403): insufficient scope; www-authenticate: Bearer realm="api", error="insufficient_scope", error_description="insufficient scope", scope="write:data openid"`+"\n")
	assert.Contains(t, out, api+"Watch as token: OK (HTTP 200): tick 1 for reader, tick 2 for reader, tick 3 for reader\n")
	assert.Contains(t, runClient(t, cmds["writer"].addr, cmds["writer"].token), api+"Watch as token: PermissionDenied (HTTP 403)")

	anonymous := runClient(t, cmds["reader"].addr, "")
	assert.NotContains(t, anonymous, "as token")
	assert.Equal(t, 1, strings.Count(anonymous, "OK (HTTP 200)"), "only Hello answers an anonymous call:\n%s", anonymous)
}

// TestGRPCConfigured runs the gRPC server against an issuer of the test,
// with PUBLIC_URL: no banner, every challenge names the metadata document,
// a token of the wrong audience is an invalid token.
func TestGRPCConfigured(t *testing.T) {
	t.Parallel()
	iss := authtest.NewTestIssuer(t)
	srv := startServer(t, binary(t, "grpc"), []string{
		"AXIOMS_ISS_URL=" + iss.URL(), "AXIOMS_JWKS_URL=" + iss.JWKSURL(), "AXIOMS_AUDIENCE=" + iss.Audience(),
		"PUBLIC_URL=https://api.example.test",
	})
	assert.NotContains(t, srv.banner, "DEVELOPMENT ONLY")
	addr := strings.TrimPrefix(srv.url, "http://")
	metadata := `resource_metadata="https://api.example.test` + core.ProtectedResourcePath + `"`

	out := runClient(t, addr, iss.MustToken(t, "admin", authtest.Roles("admin")))
	assert.Contains(t, out, api+`Me as anonymous: Unauthenticated (HTTP 401): authentication required; www-authenticate: Bearer realm="api", `+metadata+"\n")
	assert.Contains(t, out, api+"ListUsers as token: OK (HTTP 200)")
	assert.Contains(t, out, api+"Read as token: PermissionDenied (HTTP 403)")

	out = runClient(t, addr, iss.MustToken(t, "admin", authtest.Roles("admin"), authtest.Audience("api://other")))
	assert.Contains(t, out, api+`Me as token: Unauthenticated (HTTP 401): audience not accepted; www-authenticate: Bearer realm="api", error="invalid_token", error_description="audience not accepted", `+metadata+"\n")
	assert.Contains(t, out, api+"Hello as token: Unauthenticated (HTTP 401)", "present credentials are verified on an anonymous method")
}

// clientCommand is one printed client command.
type clientCommand struct{ addr, token string }

var clientLine = regexp.MustCompile(`^go run \./grpc/client -addr (\S+) -token ([A-Za-z0-9._~+/=-]+)$`)

// parseClientCommands returns the client commands of the banner by
// persona, the name on the "# persona (...)" line before each.
func parseClientCommands(t *testing.T, banner string) map[string]clientCommand {
	t.Helper()
	cmds := map[string]clientCommand{}
	persona := ""
	for line := range strings.Lines(banner) {
		line = strings.TrimSpace(line)
		if name, ok := strings.CutPrefix(line, "# "); ok {
			persona, _, _ = strings.Cut(name, " ")
		}
		if !strings.HasPrefix(line, "go run ") {
			continue
		}
		m := clientLine.FindStringSubmatch(line)
		require.NotNil(t, m, "client command: %s", line)
		cmds[persona] = clientCommand{addr: m[1], token: m[2]}
	}
	return cmds
}

func mapKeys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// clientBinary builds examples/grpc/client once per test run.
var clientBinary = sync.OnceValues(func() (string, error) {
	path := filepath.Join(binDir, "grpc-client")
	if out, err := exec.Command("go", "build", "-o", path, "./grpc/client").CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./grpc/client: %v\n%s", err, out)
	}
	return path, nil
})

// runClient runs the client against addr with token ("" for none) and
// returns its output.
func runClient(t *testing.T, addr, token string) string {
	t.Helper()
	bin, err := clientBinary()
	require.NoError(t, err)
	args := []string{"-addr", addr}
	if token != "" {
		args = append(args, "-token", token)
	}
	cmd := exec.CommandContext(t.Context(), bin, args...)
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "client: %s", out)
	return string(out)
}
