package interop

// This file starts the MCP server of the MCP interop tests: the example
// server examples/mcp (behaviour.md §10), built once per test run and
// started per test as a process, configured as its documentation says.
//
// It runs as a binary rather than in process (mcpapp.New) because its
// router, examples/internal/mcpapp, is internal to the examples module and
// cannot be imported from this one; the binary is also what a user runs.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axiomsgo/axioms/core"
)

// The MCP endpoint of examples/mcp and its RFC 9728 metadata document at
// the path-inserted URL (RFC 9728 §3.1), where every challenge points.
const (
	mcpPath         = "/mcp"
	mcpMetadataPath = core.ProtectedResourcePath + mcpPath
)

// mcpScopes are the scopes of behaviour.md §10, as scopes_supported lists
// them (sorted).
var mcpScopes = []string{"mcp:admin", "mcp:prompts", "mcp:resources", "mcp:tools"}

// mcpServer is a running MCP server: base is its public URL, resource the
// URL of its MCP endpoint, which is also its audience and the resource of
// its metadata.
type mcpServer struct {
	base, resource string
}

// binDir holds the binaries the tests build (created by the first build),
// removed after the run.
var binDir string

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// buildMCP builds examples/mcp into binDir, once per run.
var buildMCP = sync.OnceValues(func() (string, error) {
	root, err := filepath.Abs("..")
	if err != nil {
		return "", err
	}
	if binDir, err = os.MkdirTemp("", "axioms-interop-"); err != nil {
		return "", err
	}
	bin := filepath.Join(binDir, "mcp")
	cmd := exec.Command("go", "build", "-o", bin, "./mcp")
	cmd.Dir = filepath.Join(root, "examples")
	// The examples module builds in the workspace, which serves this
	// checkout's modules (this module's tests run with GOWORK=off).
	cmd.Env = append(os.Environ(), "GOWORK="+filepath.Join(root, "go.work"))
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./mcp in %s: %v\n%s", cmd.Dir, err, out)
	}
	return bin, nil
})

// newMCPServer reserves a loopback address for examples/mcp, so that its
// URL (the resource the authorization server must know) exists before the
// server, which needs the authorization server's issuer.
func newMCPServer(t testing.TB) *mcpServer {
	t.Helper()
	base := fmt.Sprintf("http://127.0.0.1:%d", freePort(t))
	return &mcpServer{base: base, resource: base + mcpPath}
}

// startMCPServer builds examples/mcp (once per run) and starts it at
// s.base trusting issuer, as its documentation says: ADDR and PUBLIC_URL
// its address, AXIOMS_ISS_URL the issuer (the key set found by discovery),
// AXIOMS_AUDIENCE its endpoint's URL. It waits for the ready line, and when
// t ends stops the server with SIGTERM, which it must survive with a clean
// exit.
func startMCPServer(t testing.TB, s *mcpServer, issuer string) {
	t.Helper()
	bin, err := buildMCP()
	require.NoError(t, err)
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AXIOMS_") && !strings.HasPrefix(kv, "ADDR=") && !strings.HasPrefix(kv, "PUBLIC_URL=") {
			env = append(env, kv)
		}
	}
	cmd := exec.Command(bin)
	cmd.Env = append(env, "ADDR="+strings.TrimPrefix(s.base, "http://"), "PUBLIC_URL="+s.base,
		"AXIOMS_ISS_URL="+issuer, "AXIOMS_AUDIENCE="+s.resource)
	p := startProcess(t, "examples-mcp", cmd)
	t.Cleanup(func() { // before startProcess's cleanup, which finds it stopped
		p.stop()
		assert.NoError(t, p.waitErr, "examples/mcp exits cleanly on SIGTERM")
	})
	p.waitFor(t, "ready line", func() error {
		for line := range strings.Lines(p.logTail(40)) {
			if strings.HasSuffix(strings.TrimSpace(line), "ready: serving "+s.base) {
				return nil
			}
		}
		return errNotYet
	})
	assert.NotContains(t, p.logTail(40), "DEVELOPMENT ONLY", "an issuer is configured: no development issuer")
}
