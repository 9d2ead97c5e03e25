package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/module"
	"golang.org/x/mod/zip"
)

func TestDeclaredName(t *testing.T) {
	root := mod{Dir: ".", Path: "github.com/axiomsgo/axioms"}
	chi := mod{Dir: "chiauth", Path: "github.com/axiomsgo/axioms/chiauth"}
	for _, tc := range []struct {
		m         mod
		msg, name string
		rel       string
	}{
		{root, "./core.(*Verifier).Check: removed", "core.Verifier.Check", "core"},
		{root, "./core.Config.MaxRSABits: removed", "core.Config.MaxRSABits", "core"},
		{root, "./adapters/httpauth.WriteError: changed from func(a) to func(b)", "httpauth.WriteError", "adapters/httpauth"},
		{root, "./core.KeySet.Keys: added", "core.KeySet.Keys", "core"},
		{root, "./core.Verifier, method set of *Verifier: removed Foo", "core.Verifier", "core"},
		{root, "package github.com/axiomsgo/axioms/adapters: removed", "adapters", "adapters"},
		{root, "./internal/option.Apply: changed from x to y", "option.Apply", "internal/option"},
		{chi, "Middleware: changed from x to y", "chiauth.Middleware", ""},
		{chi, "(*T).M: removed", "chiauth.T.M", ""},
	} {
		name, rel := declaredName(tc.m, tc.msg)
		if name != tc.name || rel != tc.rel {
			t.Errorf("declaredName(%q) = %q, %q; want %q, %q", tc.msg, name, rel, tc.name, tc.rel)
		}
	}
}

func TestDeclared(t *testing.T) {
	names := map[string]bool{"core.Verifier": true, "httpauth.WriteError": true, "adapters": true}
	for name, want := range map[string]bool{
		"core.Verifier":          true,
		"core.Verifier.Check":    true, // a member of a declared type
		"core.Config":            false,
		"core.VerifierOptions":   false, // a prefix of the name, not a parent
		"httpauth.WriteError":    true,
		"httpauth.WriteErrorNow": false,
		"adapters":               true,
		"core":                   false,
	} {
		if got := declared(names, name); got != want {
			t.Errorf("declared(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestRequiredBump(t *testing.T) {
	removed := []apiChange{{compatible: false}}
	added := []apiChange{{compatible: true}}
	for _, tc := range []struct {
		released, next string
		changes        []apiChange
		ok             bool
	}{
		{"v0.1.0", "v0.1.1", nil, true},
		{"v0.1.0", "v0.1.1", added, false},
		{"v0.1.0", "v0.2.0", added, true},
		{"v0.1.0", "v0.1.1", removed, false},
		{"v0.1.0", "v0.2.0", removed, true},
		{"v1.2.0", "v1.3.0", removed, false},
		{"v1.2.0", "v2.0.0", removed, true},
		{"v1.2.0", "v1.3.0", added, true},
	} {
		if err := requiredBump(tc.released, tc.next, tc.changes); (err == nil) != tc.ok {
			t.Errorf("requiredBump(%s, %s, %v) = %v, want ok=%v", tc.released, tc.next, tc.changes, err, tc.ok)
		}
	}
}

func TestDeclarations(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "CHANGELOG.md", "# Changelog\n\n## Unreleased\n\n### Added\n- `core.New`\n\n"+
		"### Changed (incompatible)\n- `core.Old` now takes a context; `httpauth.WriteError` too.\n\n"+
		"## v0.1.0\n\n### Incompatible\n- `core.Gone`\n")
	names, err := declarations(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 2 || !names["core.Old"] || !names["httpauth.WriteError"] {
		t.Errorf("declarations = %v, want core.Old and httpauth.WriteError only", names)
	}
}

// A repository with one module, released as v0.1.0 and tagged, then
// changed: the dry run must publish both versions and the API check must
// refuse a removal the changelog does not declare, or a version that does
// not move far enough.
func TestCheckAPIAgainstTag(t *testing.T) {
	r, mods := newRepo(t)
	write(t, r.root, "p/p.go", "package p\n\nfunc A() {}\n\nfunc B() {}\n")
	commit(t, r, "v0.1.0")
	gitRun(t, r, "tag", "v0.1.0")
	write(t, r.root, "p/p.go", "package p\n\nfunc A() {}\n")
	mods[0].Released, mods[0].Next = "v0.1.0", "v0.1.1"

	if failures := apiFailures(t, r, mods); len(failures) != 2 ||
		!strings.Contains(failures[0], "not in CHANGELOG.md") || !strings.Contains(failures[0], "`p.B`") ||
		!strings.Contains(failures[1], "minor version") {
		t.Fatalf("undeclared removal: failures = %q", failures)
	}
	write(t, r.root, "CHANGELOG.md", "## Unreleased\n\n### Incompatible\n- `p.B` removed.\n")
	if failures := apiFailures(t, r, mods); len(failures) != 1 || !strings.Contains(failures[0], "minor version") {
		t.Fatalf("declared removal, patch version: failures = %q", failures)
	}
	mods[0].Next = "v0.2.0"
	if failures := apiFailures(t, r, mods); len(failures) != 0 {
		t.Fatalf("declared removal, minor version: failures = %q", failures)
	}
}

// The tag is missing (a clone without tags): the commit versions.txt
// records is the baseline.
func TestCheckAPIAgainstRecordedCommit(t *testing.T) {
	r, mods := newRepo(t)
	write(t, r.root, "p/p.go", "package p\n\nfunc A() {}\n")
	c := commit(t, r, "v0.1.0")
	write(t, r.root, "p/p.go", "package p\n\nfunc A(int) {}\n")
	mods[0].Released, mods[0].Commit, mods[0].Next = "v0.1.0", c[:12], "v0.2.0"
	if failures := apiFailures(t, r, mods); len(failures) != 1 || !strings.Contains(failures[0], "`p.A`") {
		t.Fatalf("failures = %q", failures)
	}
	mods[0].Commit = "0123456789ab" // not in this repository
	if failures := apiFailures(t, r, mods); len(failures) != 0 {
		t.Fatalf("no baseline, not strict: failures = %q", failures)
	}
	var failures []string
	checkAPIs(r, mods, true, func(f string, a ...any) { failures = append(failures, f) })
	if len(failures) != 1 {
		t.Fatalf("no baseline, strict: failures = %q", failures)
	}
}

// The proxy holds a valid zip per version, made from the tag and from the
// working tree, and a consumer offline gets the next one by default.
func TestProxyServesReleasedAndNext(t *testing.T) {
	r, mods := newRepo(t)
	write(t, r.root, "p/p.go", "package p\n\nconst V = 1\n")
	commit(t, r, "v0.1.0")
	gitRun(t, r, "tag", "v0.1.0")
	write(t, r.root, "p/p.go", "package p\n\nconst V = 2\n") // uncommitted
	mods[0].Released, mods[0].Next = "v0.1.0", "v0.2.0"
	pubs, err := releases(r, mods)
	if err != nil {
		t.Fatal(err)
	}
	proxy := t.TempDir()
	if err := writeProxy(r, proxy, pubs); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"v0.1.0", "v0.2.0"} {
		zipFile := filepath.Join(proxy, "example.com", "m", "@v", v+".zip")
		if _, err := zip.CheckZip(module.Version{Path: "example.com/m", Version: v}, zipFile); err != nil {
			t.Errorf("%s: %v", v, err)
		}
	}
	app := t.TempDir()
	write(t, app, "go.mod", "module example.com/app\n\ngo 1.26\n")
	write(t, app, "main.go", "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/m/p\"\n)\n\nfunc main() { fmt.Print(p.V) }\n")
	c := consumer{proxy: proxy, modcache: filepath.Join(t.TempDir(), "mod"), hostMods: t.TempDir()}
	t.Cleanup(func() { removeAll(c.modcache) })
	for line, want := range map[string]string{"go get example.com/m": "", "go run .": "2", "go get example.com/m@v0.1.0 && go run .": "1"} {
		out, err := c.run(app, line)
		if err != nil {
			t.Fatal(err)
		}
		if want != "" && !strings.HasSuffix(out, want) {
			t.Errorf("%s: output %q, want it to end in %q", line, out, want)
		}
	}
}

func apiFailures(t *testing.T, r repo, mods []mod) []string {
	t.Helper()
	names, err := declarations(r.root)
	if err != nil {
		t.Fatal(err)
	}
	var failures []string
	fail := func(f string, a ...any) { failures = append(failures, fmt.Sprintf(f, a...)) }
	for _, m := range mods {
		if c, ok := r.released(m); ok {
			checkAPI(r, m, c, names, fail)
		} else {
			checkAPIs(r, []mod{m}, false, fail)
		}
	}
	return failures
}

// newRepo makes a git repository holding module example.com/m.
func newRepo(t *testing.T) (repo, []mod) {
	t.Helper()
	r := repo{root: t.TempDir()}
	gitRun(t, r, "init", "-q")
	gitRun(t, r, "config", "user.email", "test@example.com")
	gitRun(t, r, "config", "user.name", "test")
	write(t, r.root, "go.mod", "module example.com/m\n\ngo 1.26\n")
	write(t, r.root, "CHANGELOG.md", "# Changelog\n\n## Unreleased\n")
	return r, []mod{{Dir: ".", Path: "example.com/m"}}
}

func commit(t *testing.T, r repo, msg string) string {
	t.Helper()
	gitRun(t, r, "add", "-A")
	gitRun(t, r, "commit", "-q", "-m", msg)
	c, err := r.git("rev-parse", "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func gitRun(t *testing.T, r repo, args ...string) {
	t.Helper()
	if _, err := r.git(args...); err != nil {
		t.Fatal(err)
	}
}

func write(t *testing.T, dir, name, content string) {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCountModules(t *testing.T) {
	graph := "example.com/app github.com/a/b@v1.0.0\nexample.com/app go@1.26\n" +
		"github.com/a/b@v1.0.0 github.com/c/d@v0.1.0\ngithub.com/a/b@v1.0.0 github.com/c/d@v0.2.0\n" +
		"github.com/c/d@v0.2.0 toolchain@go1.26.1\n"
	if n := countModules(graph); n != 2 {
		t.Errorf("countModules = %d, want 2 (github.com/a/b, github.com/c/d)", n)
	}
}

// The workspace check names a published module go.work does not use, and
// a requirement on one of ours that go.work does not map to its directory
// or that no proxy has.
func TestCheckWorkspace(t *testing.T) {
	root := t.TempDir()
	write(t, root, "go.mod", "module example.com/m\n\ngo 1.26\n")
	write(t, root, "a/go.mod", "module example.com/m/a\n\ngo 1.26\n\nrequire example.com/m v0.2.0\n")
	write(t, root, "b/go.mod", "module example.com/m/b\n\ngo 1.26\n\nrequire example.com/m v0.9.0\n")
	write(t, root, "go.work", "go 1.26\n\nuse (\n\t.\n\t./a\n\t./b\n)\n\nreplace example.com/m v0.2.0 => ./\n")
	mods := []mod{
		{Dir: ".", Path: "example.com/m", Next: "v0.2.0", Released: "v0.1.0"},
		{Dir: "a", Path: "example.com/m/a", Next: "v0.1.0"},
		{Dir: "b", Path: "example.com/m/b", Next: "v0.1.0"},
		{Dir: "c", Path: "example.com/m/c", Next: "v0.1.0"},
	}
	var failures []string
	if err := checkWorkspace(root, mods, func(f string, a ...any) { failures = append(failures, fmt.Sprintf(f, a...)) }); err != nil {
		t.Fatal(err)
	}
	want := []string{"does not use ./c", "b requires example.com/m v0.9.0, which go.work does not replace", "b requires example.com/m v0.9.0, which is neither"}
	if len(failures) != len(want) {
		t.Fatalf("failures = %q, want %d", failures, len(want))
	}
	for i, w := range want {
		if !strings.Contains(failures[i], w) {
			t.Errorf("failure %d = %q, want it to contain %q", i, failures[i], w)
		}
	}
}

// Without git (a checkout that is only files) the next version is zipped
// from the directory, and nothing released is compared.
func TestProxyWithoutGit(t *testing.T) {
	root := t.TempDir()
	write(t, root, "go.mod", "module example.com/m\n\ngo 1.26\n")
	write(t, root, "p/p.go", "package p\n\nconst V = 3\n")
	r := openRepo(root)
	if !r.noGit {
		t.Fatal("a plain directory is taken for a git checkout")
	}
	mods := []mod{{Dir: ".", Path: "example.com/m", Next: "v0.2.0", Released: "v0.1.0", Commit: "0123456789ab"}}
	pubs, err := releases(r, mods)
	if err != nil {
		t.Fatal(err)
	}
	if len(pubs) != 1 || pubs[0].v != "v0.2.0" {
		t.Fatalf("published %v, want the next version only", pubs)
	}
	proxy := t.TempDir()
	if err := writeProxy(r, proxy, pubs); err != nil {
		t.Fatal(err)
	}
	zipFile := filepath.Join(proxy, "example.com", "m", "@v", "v0.2.0.zip")
	if _, err := zip.CheckZip(module.Version{Path: "example.com/m", Version: "v0.2.0"}, zipFile); err != nil {
		t.Error(err)
	}
}

// An app without a test of its own gets the shared HTTP test; one with a
// test keeps only its own.
func TestCopyApp(t *testing.T) {
	consumers := t.TempDir()
	write(t, consumers, "http/orders_test.go", "package main\n")
	write(t, consumers, "a/main.go", "package main\n")
	write(t, consumers, "b/main.go", "package main\n")
	write(t, consumers, "b/main_test.go", "package main\n")
	for dir, want := range map[string][]string{"a": {"main.go", "orders_test.go"}, "b": {"main.go", "main_test.go"}} {
		to := t.TempDir()
		if err := copyApp(consumers, dir, to); err != nil {
			t.Fatal(err)
		}
		got, _ := filepath.Glob(filepath.Join(to, "*"))
		for i := range got {
			got[i] = filepath.Base(got[i])
		}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s: copied %v, want %v", dir, got, want)
		}
	}
	if err := copyApp(consumers, "missing", t.TempDir()); err == nil {
		t.Error("an adapter without an app is not refused")
	}
}
