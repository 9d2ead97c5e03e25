package interop

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startTimeout bounds how long a server may take to become ready. Hydra is
// ready in about half a second and oidc-provider in about one; the margin is
// for a loaded CI machine.
const startTimeout = 60 * time.Second

// requireEnv returns the value of the environment variable name, which
// `make interop` sets. When it is missing the test fails under CI (CI set
// and not "false") or AXIOMS_INTEROP set, and is skipped otherwise.
func requireEnv(t testing.TB, name, what string) string {
	t.Helper()
	if v := os.Getenv(name); v != "" {
		return v
	}
	msg := fmt.Sprintf("%s is not set (%s); run `make interop`, which prepares it and sets %s", name, what, name)
	if ci := os.Getenv("CI"); ci != "" && ci != "false" && ci != "0" || os.Getenv("AXIOMS_INTEROP") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg + " — skipped because neither CI nor AXIOMS_INTEROP is set")
	return ""
}

// freePort returns a TCP port that was free on 127.0.0.1 a moment ago, for
// servers that must know their port before they start (Hydra puts it in its
// issuer). A server that loses the race fails to start and the test says so.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("no free port on 127.0.0.1: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// process is a server started by a test, with its output in a log file.
type process struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	exited  chan struct{} // closed when the process has ended
	waitErr error         // set before exited is closed
}

// startProcess starts cmd with stdout and stderr in a log file and kills it
// in t.Cleanup (SIGTERM, then SIGKILL after 5 s). When the test failed, the
// end of the log is printed.
func startProcess(t testing.TB, name string, cmd *exec.Cmd) *process {
	t.Helper()
	p := &process{name: name, cmd: cmd, logPath: filepath.Join(t.TempDir(), name+".log"), exited: make(chan struct{})}
	logFile, err := os.Create(p.logPath)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		t.Fatalf("%s could not be started: %v", name, err)
	}
	go func() {
		p.waitErr = cmd.Wait()
		logFile.Close()
		close(p.exited)
	}()
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			t.Logf("last lines of the %s log:\n%s", name, p.logTail(40))
		}
	})
	return p
}

func (p *process) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

// alive returns an error once the process has exited.
func (p *process) alive() error {
	select {
	case <-p.exited:
		return fmt.Errorf("%s exited early (%v); last lines of its log:\n%s", p.name, p.waitErr, p.logTail(40))
	default:
		return nil
	}
}

// logTail returns the last n lines of the log.
func (p *process) logTail(n int) string {
	data, err := os.ReadFile(p.logPath)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// logLine returns the first log line starting with prefix, without it.
func (p *process) logLine(prefix string) (string, bool) {
	f, err := os.Open(p.logPath)
	if err != nil {
		return "", false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), prefix); ok {
			return rest, true
		}
	}
	return "", false
}

// waitFor polls ready every 50 ms until it returns nil, failing the test
// when the process exits or startTimeout passes.
func (p *process) waitFor(t testing.TB, what string, ready func() error) {
	t.Helper()
	deadline := time.Now().Add(startTimeout)
	for {
		err := ready()
		if err == nil {
			return
		}
		if exitErr := p.alive(); exitErr != nil {
			t.Fatalf("%s never became ready (%s): %v", p.name, what, exitErr)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready after %s (%s: %v); last lines of its log:\n%s",
				p.name, startTimeout, what, err, p.logTail(40))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// eventually polls check every 100 ms until it returns nil or timeout
// passes, and returns how many attempts it took and the last error.
func eventually(timeout time.Duration, check func() error) (attempts int, err error) {
	deadline := time.Now().Add(timeout)
	for {
		attempts++
		if err = check(); err == nil || time.Now().After(deadline) {
			return attempts, err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

var errNotYet = errors.New("not yet")

func itoa(n int) string { return strconv.Itoa(n) }
