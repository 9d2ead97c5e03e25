package main

import (
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/mod/modfile"
)

// checkWorkspace reports what would break the workspace or the consumers
// before either runs: every published module must be in go.work's use
// list (make test runs the tests of those only); every requirement of a workspace go.mod on one of
// the published modules must be mapped to its directory by go.work (the
// go command reads the go.mod of each required version, even of a module
// the workspace uses), and an adapter must require a version of the root
// module that the dry run publishes.
func checkWorkspace(root string, mods []mod, fail func(string, ...any)) error {
	data, err := os.ReadFile(filepath.Join(root, "go.work"))
	if err != nil {
		return err
	}
	work, err := modfile.ParseWork("go.work", data, nil)
	if err != nil {
		return err
	}
	dirOf := map[string]string{}
	for _, m := range mods {
		dirOf[m.Path] = filepath.Clean(m.Dir)
	}
	used := map[string]bool{}
	for _, u := range work.Use {
		used[filepath.Clean(u.Path)] = true
	}
	for _, m := range mods {
		if !used[filepath.Clean(m.Dir)] {
			fail("go.work does not use ./%s, so make test skips its tests: go work use ./%s", m.Dir, m.Dir)
		}
	}
	mapped := map[string]string{} // path@version -> directory
	for _, r := range work.Replace {
		mapped[r.Old.Path+"@"+r.Old.Version] = filepath.Clean(r.New.Path)
	}
	for _, u := range work.Use {
		gomod := filepath.Join(root, u.Path, "go.mod")
		data, err := os.ReadFile(gomod)
		if err != nil {
			return err
		}
		f, err := modfile.ParseLax(gomod, data, nil)
		if err != nil {
			return err
		}
		for _, r := range f.Require {
			dir, ours := dirOf[r.Mod.Path]
			if !ours {
				continue
			}
			if got := mapped[r.Mod.Path+"@"+r.Mod.Version]; got != dir {
				fail("go.work: %s requires %s %s, which go.work does not replace with ./%s: go work edit -replace=%s@%s=./%s",
					u.Path, r.Mod.Path, r.Mod.Version, dir, r.Mod.Path, r.Mod.Version, dir)
			}
			if err := checkRootRequirement(u.Path, r.Mod.Path, r.Mod.Version, mods); err != nil {
				fail("%v", err)
			}
		}
	}
	return nil
}

// checkRootRequirement: a module of ours may require another at its next
// or its released version only; anything else is a version no proxy has.
func checkRootRequirement(from, path, version string, mods []mod) error {
	for _, m := range mods {
		if m.Path == path && version != m.Next && version != m.Released {
			return fmt.Errorf("%s requires %s %s, which is neither its next version (%s) nor its release (%s)",
				from, path, version, m.Next, or(m.Released, "none"))
		}
	}
	return nil
}

func or(s, otherwise string) string {
	if s == "" {
		return otherwise
	}
	return s
}
