package examples_test

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axiomsgo/axioms/adapters/conformance"
	"github.com/axiomsgo/axioms/authtest"
	"github.com/axiomsgo/axioms/core"
)

// frameworks are the example servers, one directory each.
var frameworks = []string{"echo", "fiber", "chi", "echo5", "fiber3", "gin"}

const (
	readyTimeout = 20 * time.Second // from start to the ready line
	stopTimeout  = 15 * time.Second // from SIGTERM to exit (the servers allow 10s)
)

// binDir holds the binaries, built once per test run.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "axioms-examples-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// TestConformance drives each example server, built and run as a process,
// through the whole adapter conformance suite (behaviour.md §2, §4, §5 and
// the RFC 9728 part of §6, with and without PUBLIC_URL), and its router, in
// this process, through the edge rows of the adapter contract.
func TestConformance(t *testing.T) {
	for _, fw := range frameworks {
		t.Run(fw, func(t *testing.T) {
			t.Parallel()
			bin := binary(t, fw)
			start := time.Now()
			conformance.Run(t, conformance.Harness{
				ServeEnv: func(tb testing.TB, env []string) string {
					srv := startServer(tb, bin, env)
					assert.NotContains(tb, srv.banner, "DEVELOPMENT ONLY", "an issuer is configured: no development issuer")
					return srv.url
				},
				Serve:               inProcess[fw].serve,
				Construct:           inProcess[fw].construct,
				ServeSources:        inProcess[fw].sources,
				ConstructCookie:     inProcess[fw].constructCookie,
				ServeTLS:            inProcess[fw].serveTLS,
				ConstructCertHeader: inProcess[fw].constructCertHeader,
			})
			t.Logf("conformance suite against the %s binary: %v", fw, time.Since(start).Round(time.Millisecond))
		})
	}
}

// TestDevelopmentMode starts each server with no AXIOMS_* variable and
// replays the curl commands it prints.
func TestDevelopmentMode(t *testing.T) {
	for _, fw := range frameworks {
		t.Run(fw, func(t *testing.T) {
			t.Parallel()
			srv := startServer(t, binary(t, fw), nil)
			client := newClient(t)
			assert.Contains(t, srv.banner, "DEVELOPMENT ONLY")
			assert.Contains(t, srv.banner, "Never use it in production")
			assert.NotContains(t, strings.ToLower(srv.banner), "ready", "one ready line only")

			cmds := parseCurls(t, srv.banner)
			require.ElementsMatch(t, []string{"reader", "writer", "admin", "editor"}, keys(cmds), "one curl command per persona:\n%s", srv.banner)
			for persona, c := range cmds {
				assert.True(t, strings.HasPrefix(c.url, srv.url+"/"), "%s: %s targets the server", persona, c.url)
				status, _, body := send(t, client, c.method, c.url, c.token)
				assert.Equal(t, http.StatusOK, status, "%s: %s %s: %s", persona, c.method, c.url, body)
			}

			status, _, body := send(t, client, http.MethodGet, srv.url+"/me", cmds["reader"].token)
			assert.Equal(t, http.StatusOK, status)
			assert.JSONEq(t, `{"sub":"reader"}`, body)

			status, header, body := send(t, client, http.MethodGet, srv.url+"/admin/users", cmds["reader"].token)
			assert.Equal(t, http.StatusForbidden, status, "the reader may not list users: %s", body)
			assert.Contains(t, header.Get("WWW-Authenticate"), `error="insufficient_scope"`)

			status, header, _ = send(t, client, http.MethodGet, srv.url+"/api/read", "")
			assert.Equal(t, http.StatusUnauthorized, status, "no token")
			metadataURL := srv.url + core.ProtectedResourcePath
			assert.Equal(t, `Bearer realm="api", resource_metadata="`+metadataURL+`"`, header.Get("WWW-Authenticate"),
				"RFC 9728: derived from the request without PUBLIC_URL")

			status, _, body = send(t, client, http.MethodGet, metadataURL, "")
			assert.Equal(t, http.StatusOK, status, "the metadata document is public")
			var doc core.ProtectedResource
			require.NoError(t, json.Unmarshal([]byte(body), &doc), body)
			assert.Equal(t, authtest.DefaultAudience, doc.Resource)
			if assert.Len(t, doc.AuthorizationServers, 1) {
				assert.Contains(t, srv.banner, "issuer   "+doc.AuthorizationServers[0]+"\n", "the development issuer")
			}
			assert.Equal(t, []string{"header"}, doc.BearerMethodsSupported)

			offTable(t, client, srv.url, cmds)
		})
	}
	t.Run("AXIOMS_AUDIENCE", func(t *testing.T) {
		t.Parallel()
		srv := startServer(t, binary(t, "chi"), []string{"AXIOMS_AUDIENCE=api://mine", "AXIOMS_LEEWAY=30"})
		assert.Contains(t, srv.banner, "audience api://mine")
		c := parseCurls(t, srv.banner)["reader"]
		status, _, body := send(t, newClient(t), c.method, c.url, c.token)
		assert.Equal(t, http.StatusOK, status, body)
	})
	for _, tc := range []struct{ name, env, names string }{
		{"bad setting in development mode", "AXIOMS_LEEWAY=forever", "AXIOMS_LEEWAY"},
		{"issuer without audience", "AXIOMS_ISS_URL=https://issuer.example", "AXIOMS_AUDIENCE"},
		{"plain http PUBLIC_URL", "PUBLIC_URL=http://api.example.com", "PUBLIC_URL"},
		{"PUBLIC_URL without scheme", "PUBLIC_URL=api.example.com", "PUBLIC_URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(t.Context(), readyTimeout)
			defer cancel()
			cmd := exec.CommandContext(ctx, binary(t, "chi"))
			cmd.Env = append(cleanEnv(), "ADDR=127.0.0.1:0", tc.env)
			out, err := cmd.CombinedOutput()
			assert.Error(t, err, "a bad AXIOMS_* setting stops the server at start")
			assert.Contains(t, string(out), tc.names, "the error names the variable")
			assert.NotContains(t, string(out), "ready")
		})
	}
}

// offTable checks that the three servers also agree beyond the rows of
// behaviour.md §5: a token is checked before routing (401 first), unknown
// paths and methods answer {"error": ...} JSON, a body is JSON whatever its
// Content-Type.
func offTable(t *testing.T, client *http.Client, base string, cmds map[string]curl) {
	for _, tc := range []struct {
		method, path, persona, body string
		status                      int
		want                        string // the JSON body, when not empty
	}{
		{"GET", "/no-such-route", "", "", 401, ""},
		{"GET", "/no-such-route", "reader", "", 404, `{"error":"not_found"}`},
		{"GET", "/me/", "reader", "", 404, `{"error":"not_found"}`},
		{"GET", "/articles/1/x", "reader", "", 404, `{"error":"not_found"}`},
		{"GET", "/articles/", "reader", "", 404, `{"error":"not_found"}`},
		{"POST", "/articles/", "reader", `{"title":"x"}`, 404, `{"error":"not_found"}`},
		{"GET", "/books/", "reader", "", 404, `{"error":"not_found"}`},
		{"DELETE", "/books/", "reader", "", 404, `{"error":"not_found"}`},
		{"DELETE", "/admin/users/", "reader", "", 404, `{"error":"not_found"}`},
		{"PUT", "/api/read", "", "", 401, ""},
		{"PUT", "/api/read", "reader", "", 405, `{"error":"method_not_allowed"}`},
		{"PUT", "/api/items", "editor", "", 405, `{"error":"method_not_allowed"}`},
		{"POST", "/books/1", "reader", "", 405, `{"error":"method_not_allowed"}`},
		{"POST", "/health", "", "", 405, `{"error":"method_not_allowed"}`},
		{"POST", "/articles", "reader", `{"title":5}`, 400, `{"error":"invalid_request"}`},
		{"POST", "/articles", "reader", `null`, 400, `{"error":"invalid_request"}`},
		{"POST", "/articles", "reader", `{"title":"curl -d"}`, 201, ""}, // sent as a form by send, like curl -d
	} {
		t.Run(strings.TrimSpace(tc.method+" "+tc.path+"/"+cmp.Or(tc.persona, "anonymous")+" "+tc.body), func(t *testing.T) {
			status, _, body := sendBody(t, client, tc.method, base+tc.path, cmds[tc.persona].token, tc.body)
			assert.Equal(t, tc.status, status, body)
			if tc.want != "" {
				assert.JSONEq(t, tc.want, body)
			}
		})
	}
}

// binary builds the example server fw once per test run and returns its
// path.
func binary(t *testing.T, fw string) string {
	t.Helper()
	b, _ := builds.LoadOrStore(fw, &build{})
	bd := b.(*build)
	bd.once.Do(func() {
		bd.path = filepath.Join(binDir, fw)
		out, err := exec.Command("go", "build", "-o", bd.path, "./"+fw).CombinedOutput()
		if err != nil {
			bd.err = fmt.Errorf("go build ./%s: %v\n%s", fw, err, out)
		}
	})
	require.NoError(t, bd.err)
	return bd.path
}

var builds sync.Map // framework → *build

type build struct {
	once sync.Once
	path string
	err  error
}

// server is a running example server.
type server struct {
	url    string // from the ready line
	banner string // the output before the ready line
}

var readyLine = regexp.MustCompile(`ready.*(https?://[^\s/]+)`)

// startServer runs bin with ADDR=127.0.0.1:0 and env added to the test's
// environment (less its AXIOMS_*, ADDR, PUBLIC_URL, METRICS, ENV_FILE and
// TLS_* variables), in a working directory of its own (no .env), waits for
// its ready line and stops it with SIGTERM when tb ends, failing tb unless
// it exits cleanly.
func startServer(tb testing.TB, bin string, env []string) server {
	tb.Helper()
	return startServerIn(tb, bin, tb.TempDir(), env)
}

// startServerIn is startServer in working directory dir (where the server
// looks for a .env file).
func startServerIn(tb testing.TB, bin, dir string, env []string) server {
	tb.Helper()
	cmd := exec.Command(bin)
	cmd.Dir = dir
	cmd.Env = append(append(cleanEnv(), "ADDR=127.0.0.1:0"), env...)
	r, w, err := os.Pipe()
	require.NoError(tb, err)
	cmd.Stdout, cmd.Stderr = w, w
	require.NoError(tb, cmd.Start())
	_ = w.Close()

	p := &process{cmd: cmd, exited: make(chan struct{}), ready: make(chan server, 1)}
	go p.read(r)
	go func() { p.err = cmd.Wait(); close(p.exited) }()
	tb.Cleanup(func() { p.stop(tb) })

	select {
	case srv := <-p.ready:
		return srv
	case <-p.exited:
		tb.Fatalf("%s exited before it was ready: %v\n%s", bin, p.err, p.output())
	case <-time.After(readyTimeout):
		tb.Fatalf("%s not ready within %v:\n%s", bin, readyTimeout, p.output())
	}
	return server{}
}

func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AXIOMS_") && !strings.HasPrefix(kv, "ADDR=") && !strings.HasPrefix(kv, "PUBLIC_URL=") &&
			!strings.HasPrefix(kv, "METRICS=") && !strings.HasPrefix(kv, "ENV_FILE=") && !strings.HasPrefix(kv, "TLS_") {
			env = append(env, kv)
		}
	}
	return env
}

// process is a started server; its output is read until it exits.
type process struct {
	cmd    *exec.Cmd
	exited chan struct{}
	err    error // of Wait, once exited is closed
	ready  chan server

	mu  sync.Mutex
	out []string
}

// read keeps every line of output and reports the first ready line.
func (p *process) read(r io.ReadCloser) {
	defer r.Close()
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	found := false
	for sc.Scan() {
		line := sc.Text()
		p.mu.Lock()
		p.out = append(p.out, line)
		before := strings.Join(p.out[:len(p.out)-1], "\n")
		p.mu.Unlock()
		if m := readyLine.FindStringSubmatch(line); m != nil && !found {
			found = true
			p.ready <- server{url: m[1], banner: before}
		}
	}
}

func (p *process) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.out, "\n")
}

// stop sends SIGTERM and waits for a clean exit (graceful shutdown).
func (p *process) stop(tb testing.TB) {
	select {
	case <-p.exited:
		return // already reported, or reported by the test
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
		assert.NoError(tb, p.err, "exit after SIGTERM; output:\n%s", p.output())
	case <-time.After(stopTimeout):
		_ = p.cmd.Process.Kill()
		<-p.exited
		tb.Errorf("no exit within %v of SIGTERM; output:\n%s", stopTimeout, p.output())
	}
}

// curl is one printed curl command; proof is its DPoP proof, "" for a
// bearer token.
type curl struct{ method, url, token, proof string }

var curlLine = regexp.MustCompile(`^curl -i(?: -X ([A-Z]+))? (http://\S+) -H 'Authorization: Bearer ([A-Za-z0-9._~+/=-]+)'$`)

// parseCurls returns the curl commands of the banner by persona, the name
// on the "# persona (...)" line before each.
func parseCurls(t *testing.T, banner string) map[string]curl {
	t.Helper()
	cmds := map[string]curl{}
	persona := ""
	for line := range strings.Lines(banner) {
		line = strings.TrimSpace(line)
		if name, ok := strings.CutPrefix(line, "# "); ok {
			persona, _, _ = strings.Cut(name, " ")
		}
		if !strings.HasPrefix(line, "curl ") {
			continue
		}
		m := curlLine.FindStringSubmatch(line)
		require.NotNil(t, m, "curl command: %s", line)
		method := m[1]
		if method == "" {
			method = http.MethodGet
		}
		cmds[persona] = curl{method: method, url: m[2], token: m[3]}
	}
	return cmds
}

func keys(m map[string]curl) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func newClient(t *testing.T) *http.Client {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections) // before the server stops (LIFO)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

// send makes one request, with a bearer token unless it is empty.
func send(t *testing.T, client *http.Client, method, url, token string) (int, http.Header, string) {
	t.Helper()
	return sendBody(t, client, method, url, token, "")
}

// sendBody is send with a body, sent as curl -d sends it (a form type).
func sendBody(t *testing.T, client *http.Client, method, url, token, body string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return do(t, client, req)
}

// do sends req and returns the status, the headers and the body, which
// must be JSON when not empty.
func do(t *testing.T, client *http.Client, req *http.Request) (int, http.Header, string) {
	t.Helper()
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	if len(data) > 0 {
		assert.True(t, json.Valid(data), "JSON body: %s", data)
	}
	return resp.StatusCode, resp.Header, string(data)
}
