package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
	"golang.org/x/mod/zip"
)

// A published version: module m at version v, made from commit rev.
type published struct {
	m   mod
	v   string
	rev string
}

// releases lists what the dry run publishes: each module's released version
// (when its commit is in this checkout) and its next version, made from the
// working tree.
func releases(r repo, mods []mod) ([]published, error) {
	tree := "" // no git: the files as they are
	if !r.noGit {
		var err error
		if tree, err = r.worktree(); err != nil {
			return nil, err
		}
	}
	var out []published
	for _, m := range mods {
		if c, ok := r.released(m); ok {
			out = append(out, published{m, m.Released, c})
		}
		out = append(out, published{m, m.Next, tree})
	}
	return out, nil
}

// writeProxy lays out dir as a GOPROXY (the go command's file:// protocol):
// for each version, its .info, its .mod and a zip made by golang.org/x/mod
// from the commit, and a list of the versions of each module.
func writeProxy(r repo, dir string, pubs []published) error {
	lists := map[string][]string{}
	for _, p := range pubs {
		if err := writeVersion(r, dir, p); err != nil {
			return fmt.Errorf("%s@%s: %w", p.m.Path, p.v, err)
		}
		lists[p.m.Path] = append(lists[p.m.Path], p.v)
	}
	for path, vs := range lists {
		slices.SortFunc(vs, semver.Compare)
		at, err := versionDir(dir, path)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(at, "list"), []byte(strings.Join(vs, "\n")+"\n"), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func writeVersion(r repo, dir string, p published) error {
	at, err := versionDir(dir, p.m.Path)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(at, 0o755); err != nil {
		return err
	}
	base := filepath.Join(at, p.v)
	z, err := os.Create(base + ".zip")
	if err != nil {
		return err
	}
	mv := module.Version{Path: p.m.Path, Version: p.v}
	if p.rev == "" {
		err = zip.CreateFromDir(z, mv, filepath.Join(r.root, p.m.Dir))
	} else {
		err = zip.CreateFromVCS(z, mv, r.root, p.rev, strings.TrimPrefix(p.m.Dir, "."))
	}
	if cerr := z.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	gomod, when, err := r.goModAndTime(p)
	if err != nil {
		return err
	}
	if err := os.WriteFile(base+".mod", gomod, 0o644); err != nil {
		return err
	}
	info, err := json.Marshal(struct{ Version, Time string }{p.v, when})
	if err != nil {
		return err
	}
	return os.WriteFile(base+".info", info, 0o644)
}

// versionDir is dir/<escaped module path>/@v.
func versionDir(dir, path string) (string, error) {
	esc, err := module.EscapePath(path)
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, filepath.FromSlash(esc), "@v"), nil
}

// goModAndTime returns p's go.mod and the time of its version: from the
// commit, or from the files and the present without git.
func (r repo) goModAndTime(p published) ([]byte, string, error) {
	if p.rev == "" {
		gomod, err := os.ReadFile(filepath.Join(r.root, p.m.Dir, "go.mod"))
		return gomod, time.Now().UTC().Format(time.RFC3339), err
	}
	gomod, err := r.gitBytes("show", p.rev+":"+filepath.ToSlash(filepath.Join(p.m.Dir, "go.mod")))
	if err != nil {
		return nil, "", err
	}
	when, err := r.commitTime(p.rev)
	return gomod, when, err
}
