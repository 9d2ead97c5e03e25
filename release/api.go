package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/exp/apidiff"
	"golang.org/x/mod/semver"
	"golang.org/x/tools/go/packages"
)

// sharedInternal are the root module's internal packages that the adapter
// modules import (internal/redistest from their tests only: go test all
// builds a dependency's tests). A user may pair an adapter with a newer
// root module, so these must stay compatible like public API, with no way
// to declare a break: a change adds a name and keeps the old one.
var sharedInternal = []string{"internal/option", "internal/hookgate", "internal/httpreq", "internal/fastreq", "internal/redistest"}

// apiOf loads the API of module m in the checkout at tree: its packages,
// minus internal ones other than sharedInternal, type-checked in the
// checkout's workspace when it has one.
func apiOf(tree string, m mod) (*apidiff.Module, error) {
	work := filepath.Join(tree, "go.work")
	if _, err := os.Stat(work); err != nil {
		work = "off"
	}
	cfg := &packages.Config{
		Mode: packages.NeedName | packages.NeedTypes,
		Dir:  filepath.Join(tree, m.Dir),
		Env:  append(os.Environ(), "GOWORK="+work, "GOFLAGS="),
	}
	pkgs, err := packages.Load(cfg, "./...")
	if err != nil {
		return nil, err
	}
	if packages.PrintErrors(pkgs) > 0 {
		return nil, fmt.Errorf("%s: the packages do not type-check in %s", m.Name(), tree)
	}
	api := &apidiff.Module{Path: m.Path}
	for _, p := range pkgs {
		if rel := relPackage(m, p.PkgPath); isAPI(rel) {
			api.Packages = append(api.Packages, p.Types)
		}
	}
	return api, nil
}

// relPackage is path relative to m ("" for m's own package).
func relPackage(m mod, path string) string {
	return strings.TrimPrefix(strings.TrimPrefix(path, m.Path), "/")
}

// isAPI reports whether the package at rel (relative to its module) is
// API: not internal, unless the adapters share it.
func isAPI(rel string) bool {
	if slices.Contains(sharedInternal, rel) {
		return true
	}
	return rel != "internal" && !strings.HasPrefix(rel, "internal/") && !strings.Contains(rel, "/internal/") && !strings.HasSuffix(rel, "/internal")
}

// extract writes the tree of commit c into a new temporary directory.
func extract(r repo, c string) (string, error) {
	dir, err := os.MkdirTemp("", "release-baseline-")
	if err != nil {
		return "", err
	}
	cmd := exec.Command("sh", "-c", `git archive --format=tar "$1" | tar -x -C "$2"`, "sh", c, dir)
	cmd.Dir = r.root
	if out, err := cmd.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("extracting %s: %v: %s", c, err, out)
	}
	return dir, nil
}

// An apiChange is one apidiff message about a module, with the name a
// changelog entry declares it by.
type apiChange struct {
	message    string
	name       string // package.Object[.Member], e.g. core.Verifier.Check
	compatible bool
	internal   bool // in a sharedInternal package
}

// diffAPI compares the module's API at the two checkouts.
func diffAPI(m mod, oldTree, newTree string) ([]apiChange, error) {
	old, err := apiOf(oldTree, m)
	if err != nil {
		return nil, err
	}
	cur, err := apiOf(newTree, m)
	if err != nil {
		return nil, err
	}
	var out []apiChange
	for _, c := range apidiff.ModuleChanges(old, cur).Changes {
		name, rel := declaredName(m, c.Message)
		out = append(out, apiChange{c.Message, name, c.Compatible, slices.Contains(sharedInternal, rel)})
	}
	return out, nil
}

// declaredName turns an apidiff message into the name a changelog entry
// uses: the package's last path element, a dot and the object with its
// member path, receivers without the pointer ("./core.(*Verifier).Check:
// removed" is core.Verifier.Check). rel is the package relative to m.
func declaredName(m mod, msg string) (name, rel string) {
	subject, _, _ := strings.Cut(msg, ": ")
	if p, ok := strings.CutPrefix(subject, "package "); ok {
		rel = relPackage(m, p)
		return packageName(m, rel), rel
	}
	obj := subject
	if s, ok := strings.CutPrefix(subject, "./"); ok {
		rel, obj, _ = strings.Cut(s, ".") // our package paths hold no dots
	}
	if i := strings.IndexAny(obj, ", "); i >= 0 {
		obj = obj[:i]
	}
	obj = strings.NewReplacer("(*", "", "(", "", ")", "").Replace(obj)
	return packageName(m, rel) + "." + obj, rel
}

// packageName is the last element of m's package at rel.
func packageName(m mod, rel string) string {
	if rel == "" {
		return filepath.Base(m.Path)
	}
	return filepath.Base(rel)
}

// requiredBump checks that next is far enough from released for the
// changes: an incompatible change needs a new minor version in v0 (a new
// major from v1), an addition a new minor version, anything else a patch.
func requiredBump(released, next string, changes []apiChange) error {
	incompatible := slices.ContainsFunc(changes, func(c apiChange) bool { return !c.compatible })
	added := slices.ContainsFunc(changes, func(c apiChange) bool { return c.compatible })
	newMajor := semver.Major(next) != semver.Major(released)
	newMinor := newMajor || semver.MajorMinor(next) != semver.MajorMinor(released)
	switch {
	case incompatible && semver.Major(released) != "v0" && !newMajor:
		return fmt.Errorf("incompatible changes need a new major version after %s, not %s", released, next)
	case (incompatible || added) && !newMinor:
		return fmt.Errorf("the API changed: %s needs at least the next minor version after %s", next, released)
	}
	return nil
}
