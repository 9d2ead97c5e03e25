package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// A consumer is a fresh module outside the repository that installs one
// adapter from the dry-run proxy the way the README says and builds and
// tests a small app with it, offline.
type consumer struct {
	repoRoot string
	proxy    string // the dry-run proxy directory
	modcache string // a module cache of its own, so dry-run zips never reach the user's
	hostMods string // the machine's module download cache, served as a second proxy
	out      string // where the module graphs go
}

// env is the consumer's environment: no workspace, only file:// proxies
// (no network), no checksum database (the dry-run modules are on none),
// and go.mod updated as the build needs.
func (c consumer) env() []string {
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, "GO") && !strings.HasPrefix(kv, "GOCACHE=") && !strings.HasPrefix(kv, "GOROOT=") && !strings.HasPrefix(kv, "GOPATH=")
	})
	return append(env,
		"GOWORK=off",
		"GOPROXY=file://"+filepath.ToSlash(c.proxy)+",file://"+filepath.ToSlash(c.hostMods),
		"GOFLAGS=-mod=mod",
		"GOSUMDB=off",
		"GONOSUMDB=", "GOPRIVATE=", "GONOPROXY=",
		"GOTOOLCHAIN=local",
		"GOMODCACHE="+c.modcache,
	)
}

// run runs a shell command line in dir with the consumer's environment.
func (c consumer) run(dir, line string) (string, error) {
	cmd := exec.Command("sh", "-c", line)
	cmd.Dir = dir
	cmd.Env = c.env()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil {
		err = fmt.Errorf("%s (in %s): %v\n%s", line, dir, err, out.String())
	}
	return out.String(), err
}

// check installs adapter m with the README's own go get line, adds the
// app of release/testdata/consumer/<dir>, builds, vets and tests it, and
// writes `go mod graph` to out/<label>.graph, returning how many modules
// it names. pins are further go get arguments (module@version) run after
// the README's line.
func (c consumer) check(m mod, label string, pins ...string) (int, error) {
	line, err := readmeGoGet(c.repoRoot, m.Path)
	if err != nil {
		return 0, err
	}
	dir, err := os.MkdirTemp("", "consumer-"+m.Dir+"-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	steps := []string{"go mod init example.com/" + m.Dir + "app", line}
	if len(pins) > 0 {
		steps = append(steps, "go get "+strings.Join(pins, " "))
	}
	for _, s := range steps {
		if _, err := c.run(dir, s); err != nil {
			return 0, err
		}
	}
	if err := copyApp(filepath.Join(c.repoRoot, "release", "testdata", "consumer"), m.Dir, dir); err != nil {
		return 0, err
	}
	for _, s := range []string{"go build ./...", "go vet ./...", "go test -count=1 ./..."} {
		if _, err := c.run(dir, s); err != nil {
			return 0, err
		}
	}
	graph, err := c.run(dir, "go mod graph")
	if err != nil {
		return 0, err
	}
	return countModules(graph), os.WriteFile(filepath.Join(c.out, label+".graph"), []byte(graph), 0o644)
}

// countModules counts the modules a `go mod graph` output requires, each
// path once whatever its versions (the go and toolchain lines left out).
func countModules(graph string) int {
	paths := map[string]bool{}
	for _, line := range strings.Split(graph, "\n") {
		if f := strings.Fields(line); len(f) == 2 {
			path, _, _ := strings.Cut(f[1], "@")
			if path != "go" && path != "toolchain" {
				paths[path] = true
			}
		}
	}
	return len(paths)
}

// readmeGoGet returns the README's install line for the module at path: a
// line that is `go get <path>`, possibly followed by a comment.
func readmeGoGet(root, path string) (string, error) {
	f, err := os.Open(filepath.Join(root, "README.md"))
	if err != nil {
		return "", err
	}
	defer f.Close()
	want := regexp.MustCompile(`^go get ` + regexp.QuoteMeta(path) + `(\s+#.*)?$`)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); want.MatchString(line) {
			return line, nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	return "", fmt.Errorf("README.md has no install line `go get %s`", path)
}

// copyApp copies the app of adapter dir (consumers/<dir>/*.go) into the
// consumer module. An app without a test of its own gets the shared HTTP
// test (consumers/http/*_test.go), which calls its newRouter.
func copyApp(consumers, dir, to string) error {
	files, err := filepath.Glob(filepath.Join(consumers, dir, "*.go"))
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("no consumer app in %s: every published adapter needs one", filepath.Join(consumers, dir))
	}
	if tests, _ := filepath.Glob(filepath.Join(consumers, dir, "*_test.go")); len(tests) == 0 {
		shared, err := filepath.Glob(filepath.Join(consumers, "http", "*_test.go"))
		if err != nil {
			return err
		}
		files = append(files, shared...)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(to, filepath.Base(f)), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
