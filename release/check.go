package main

import (
	"io/fs"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// checkConsumers installs every adapter from the proxy in a fresh module,
// at its next version; and, where an adapter and the root module have
// both been released before, the released adapter with the root module's
// next version (a user who upgrades core and keeps the adapter).
func checkConsumers(r repo, mods []mod, proxy, tmp, out string, fail func(string, ...any)) error {
	hostMods, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		return err
	}
	c := consumer{
		repoRoot: r.root,
		proxy:    proxy,
		modcache: filepath.Join(tmp, "modcache"),
		hostMods: filepath.Join(strings.TrimSpace(string(hostMods)), "cache", "download"),
		out:      out,
	}
	var wg sync.WaitGroup
	slots := make(chan struct{}, parallelConsumers)
	for _, m := range mods[1:] {
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			c.checkAdapter(r, mods[0], m, fail)
		})
	}
	wg.Wait()
	return nil
}

// parallelConsumers is how many consumer modules build at once.
const parallelConsumers = 2

func (c consumer) checkAdapter(r repo, rootMod, m mod, fail func(string, ...any)) {
	n, err := c.check(m, m.Dir)
	if err != nil {
		fail("%s: a fresh module cannot use it: %v", m.Name(), err)
		return
	}
	log.Printf("consumer: %s@%s installed, built and tested; its module graph holds %d modules", m.Path, m.Next, n)
	if _, ok := r.released(m); !ok || rootMod.Released == "" {
		return
	}
	pins := []string{m.Path + "@" + m.Released, rootMod.Path + "@" + rootMod.Next}
	if _, err := c.check(m, m.Dir+"-released", pins...); err != nil {
		fail("%s@%s does not build with %s@%s: %v", m.Dir, m.Released, rootMod.Path, rootMod.Next, err)
		return
	}
	log.Printf("consumer: %s@%s built and tested with %s@%s", m.Path, m.Released, rootMod.Path, rootMod.Next)
}

// checkAPIs compares every released module's API with its release.
func checkAPIs(r repo, mods []mod, strict bool, fail func(string, ...any)) {
	names, err := declarations(r.root)
	if err != nil {
		fail("CHANGELOG.md: %v", err)
		return
	}
	for _, m := range mods {
		if m.Released == "" {
			log.Printf("api: %s: first release (%s), nothing to compare", m.Name(), m.Next)
			continue
		}
		commit, ok := r.released(m)
		if !ok {
			msg := "api: %s: the commit of %s is not in this checkout (no tag %s, no commit %s); clone with tags and history to compare"
			if strict {
				fail(msg, m.Name(), m.Released, m.Tag(m.Released), m.Commit)
			} else {
				log.Printf("WARNING "+msg, m.Name(), m.Released, m.Tag(m.Released), m.Commit)
			}
			continue
		}
		checkAPI(r, m, commit, names, fail)
	}
}

func checkAPI(r repo, m mod, commit string, names map[string]bool, fail func(string, ...any)) {
	old, err := extract(r, commit)
	if err != nil {
		fail("api: %s: %v", m.Name(), err)
		return
	}
	defer os.RemoveAll(old)
	changes, err := diffAPI(m, old, r.root)
	if err != nil {
		fail("api: %s: %v", m.Name(), err)
		return
	}
	for _, c := range changes {
		switch {
		case c.compatible:
			log.Printf("api: %s: compatible: %s", m.Name(), c.message)
		case c.internal:
			fail("api: %s: %s (package shared with the adapter modules: it must stay compatible; add a name instead)", m.Name(), c.message)
		case !declared(names, c.name):
			fail("api: %s: incompatible and not in CHANGELOG.md (Unreleased, an \"incompatible\" subsection naming `%s`): %s", m.Name(), c.name, c.message)
		default:
			log.Printf("api: %s: incompatible, declared as `%s`: %s", m.Name(), c.name, c.message)
		}
	}
	if len(changes) == 0 {
		log.Printf("api: %s: no change since %s", m.Name(), m.Released)
	}
	if err := requiredBump(m.Released, m.Next, changes); err != nil {
		fail("api: %s: %v (set its next version in release/versions.txt)", m.Name(), err)
	}
}

// removeAll removes dir, module cache included (the go command makes its
// files read-only).
func removeAll(dir string) {
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			_ = os.Chmod(path, 0o755)
		}
		return nil
	})
	_ = os.RemoveAll(dir)
}
