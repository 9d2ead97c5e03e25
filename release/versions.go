package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/semver"
)

// A mod is one published module of the repository.
type mod struct {
	Dir      string // relative to the repository root; "." for the root module
	Path     string // module path, from its go.mod
	Next     string // the version the current tree is released as
	Released string // the last tagged version; "" before the first release
	Commit   string // the commit of Released; "" when unknown
}

// Tag is the git tag of version v of m: v for the root module, dir/v for a
// module in a subdirectory (the form the go command looks for).
func (m mod) Tag(v string) string {
	if m.Dir == "." {
		return v
	}
	return m.Dir + "/" + v
}

// Name is how reports call m.
func (m mod) Name() string {
	if m.Dir == "." {
		return "root module"
	}
	return m.Dir
}

// readVersions parses release/versions.txt and each listed go.mod.
func readVersions(root string) ([]mod, error) {
	f, err := os.Open(filepath.Join(root, "release", "versions.txt"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var mods []mod
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m, err := parseVersionLine(root, line)
		if err != nil {
			return nil, fmt.Errorf("versions.txt:%d: %w", n, err)
		}
		mods = append(mods, m)
	}
	return mods, sc.Err()
}

func parseVersionLine(root, line string) (mod, error) {
	fields := strings.Fields(line)
	if len(fields) != 4 {
		return mod{}, fmt.Errorf("want 4 fields (dir next released commit), got %d", len(fields))
	}
	m := mod{Dir: fields[0], Next: fields[1], Released: none(fields[2]), Commit: none(fields[3])}
	if !semver.IsValid(m.Next) || semver.Build(m.Next) != "" {
		return mod{}, fmt.Errorf("next version %q is not a semantic version", m.Next)
	}
	if m.Released != "" {
		if !semver.IsValid(m.Released) {
			return mod{}, fmt.Errorf("released version %q is not a semantic version", m.Released)
		}
		if semver.Compare(m.Next, m.Released) <= 0 {
			return mod{}, fmt.Errorf("%s: next %s must come after released %s", m.Dir, m.Next, m.Released)
		}
	}
	data, err := os.ReadFile(filepath.Join(root, m.Dir, "go.mod"))
	if err != nil {
		return mod{}, err
	}
	m.Path = modfile.ModulePath(data)
	if m.Path == "" {
		return mod{}, fmt.Errorf("%s/go.mod names no module", m.Dir)
	}
	if want := semver.Major(m.Next); want != "v0" && want != "v1" && !strings.HasSuffix(m.Path, "/"+want) {
		return mod{}, fmt.Errorf("%s: version %s needs the module path to end in /%s", m.Dir, m.Next, want)
	}
	return m, nil
}

func none(s string) string {
	if s == "-" {
		return ""
	}
	return s
}
