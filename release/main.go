// Command release checks that the repository's modules can be published:
// it builds a file-based module proxy from the tagged state (the released
// versions and the next ones, as release/versions.txt lists them), installs
// every adapter from it in a fresh module, offline, as the README says, and
// compares each module's API with its last release. RELEASING.md explains
// the versioning scheme.
//
// Usage, from this directory:
//
//	go run . check [-out dir] [-strict]   the whole dry run (make release-check)
//	go run . proxy -dir dir               only write the dry-run proxy
//	go run . tags                         print the git tags of the next release
package main

import (
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("release: ")
	if len(os.Args) < 2 {
		log.Fatal("usage: release check|proxy|tags [flags]")
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	root := fs.String("root", "..", "the repository root")
	out := fs.String("out", "", "check: keep the consumers' go mod graph output here, one <adapter>.graph each")
	strict := fs.Bool("strict", false, "check: fail when a released version's commit is not in this checkout")
	dir := fs.String("dir", "", "proxy: the directory to write")
	_ = fs.Parse(os.Args[2:])
	abs, err := filepath.Abs(*root)
	if err != nil {
		log.Fatal(err)
	}
	r := openRepo(abs)
	if r.noGit {
		log.Print("WARNING not a git checkout: the next versions are made from the files as they are; released versions cannot be compared")
	}
	mods, err := readVersions(abs)
	if err != nil {
		log.Fatal(err)
	}
	switch os.Args[1] {
	case "check":
		err = check(r, mods, *out, *strict)
	case "proxy":
		err = proxyOnly(r, mods, *dir)
	case "tags":
		for _, m := range mods {
			fmt.Printf("git tag -a %s -m '%s %s'\n", m.Tag(m.Next), m.Path, m.Next)
		}
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		log.Fatal(err)
	}
}

func proxyOnly(r repo, mods []mod, dir string) error {
	if dir == "" {
		return errors.New("proxy: -dir is required")
	}
	pubs, err := releases(r, mods)
	if err != nil {
		return err
	}
	return writeProxy(r, dir, pubs)
}

// check is the whole dry run. Every failure is reported before it returns.
func check(r repo, mods []mod, out string, strict bool) error {
	tmp, err := os.MkdirTemp("", "release-check-")
	if err != nil {
		return err
	}
	defer removeAll(tmp)
	if out == "" {
		out = filepath.Join(tmp, "graphs")
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	pubs, err := releases(r, mods)
	if err != nil {
		return err
	}
	proxy := filepath.Join(tmp, "proxy")
	if err := writeProxy(r, proxy, pubs); err != nil {
		return err
	}
	for _, p := range pubs {
		log.Printf("proxy: %s@%s from %.12s", p.m.Path, p.v, p.rev)
	}
	var (
		mu     sync.Mutex
		failed []string
	)
	fail := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		msg := fmt.Sprintf(format, args...)
		log.Print("FAIL " + msg)
		failed = append(failed, msg)
	}
	if err := checkWorkspace(r.root, mods, fail); err != nil {
		return err
	}
	if err := checkConsumers(r, mods, proxy, tmp, out, fail); err != nil {
		return err
	}
	checkAPIs(r, mods, strict, fail)
	if len(failed) > 0 {
		return fmt.Errorf("%d problem(s):\n  %s", len(failed), strings.Join(failed, "\n  "))
	}
	log.Print("ok: every module can be released as release/versions.txt says")
	return nil
}
