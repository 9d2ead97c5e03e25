package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// repo is the git repository the modules are released from. Without git
// (a checkout that is only files), the dry run publishes the next versions
// from the files as they are, and nothing released can be compared.
type repo struct {
	root  string
	noGit bool
}

// openRepo returns the repository at root, noting whether root is the top
// of a git work tree with its own .git directory: golang.org/x/mod makes
// zips from such a repository only, not from a linked worktree, which is
// then taken as files.
func openRepo(root string) repo {
	r := repo{root: root}
	top, err := r.git("rev-parse", "--show-toplevel")
	fi, statErr := os.Stat(filepath.Join(root, ".git"))
	r.noGit = err != nil || filepath.Clean(top) != filepath.Clean(root) || statErr != nil || !fi.IsDir()
	return r
}

// git runs git in the repository and returns its output without the
// surrounding white space.
func (r repo) git(args ...string) (string, error) {
	out, err := r.gitBytes(args...)
	return strings.TrimSpace(string(out)), err
}

// gitBytes runs git in the repository and returns its output as is.
func (r repo) gitBytes(args ...string) ([]byte, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = r.root
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return out.Bytes(), nil
}

// worktree returns a commit holding the working tree's tracked files as
// they are now, uncommitted edits included (git stash create, which
// changes nothing), or HEAD when there is nothing uncommitted. Untracked
// files are left out, as a release would leave them.
func (r repo) worktree() (string, error) {
	if c, err := r.git("stash", "create"); err != nil || c != "" {
		return c, err
	}
	return r.git("rev-parse", "HEAD")
}

// released returns the commit of m's released version: its tag if the
// checkout has it, else the commit versions.txt records, if present.
// ok is false when neither is in this checkout (a shallow clone, say).
func (r repo) released(m mod) (commit string, ok bool) {
	if m.Released == "" || r.noGit {
		return "", false
	}
	if c, err := r.git("rev-parse", "--verify", "--quiet", "refs/tags/"+m.Tag(m.Released)+"^{commit}"); err == nil && c != "" {
		if m.Commit != "" && !strings.HasPrefix(c, m.Commit) {
			return "", false
		}
		return c, true
	}
	if m.Commit == "" {
		return "", false
	}
	c, err := r.git("rev-parse", "--verify", "--quiet", m.Commit+"^{commit}")
	return c, err == nil && c != ""
}

// commitTime returns the committer date of c in RFC 3339 form.
func (r repo) commitTime(c string) (string, error) {
	return r.git("show", "-s", "--format=%cI", c)
}
