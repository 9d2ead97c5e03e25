package main

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// declarations returns the names the changelog's Unreleased section
// declares as incompatible changes: every `backticked` name in a ###
// subsection whose heading says "incompatible".
func declarations(root string) (map[string]bool, error) {
	f, err := os.Open(filepath.Join(root, "CHANGELOG.md"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	names := map[string]bool{}
	code := regexp.MustCompile("`([^`]+)`")
	var unreleased, incompatible bool
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "## "):
			unreleased = strings.EqualFold(strings.TrimSpace(line[3:]), "unreleased")
			incompatible = false
		case strings.HasPrefix(line, "### "):
			incompatible = strings.Contains(strings.ToLower(line), "incompatible")
		case unreleased && incompatible:
			for _, m := range code.FindAllStringSubmatch(line, -1) {
				names[m[1]] = true
			}
		}
	}
	return names, sc.Err()
}

// declared reports whether name, or a name it is a member of, is declared.
func declared(names map[string]bool, name string) bool {
	for n := name; ; {
		if names[n] {
			return true
		}
		i := strings.LastIndexByte(n, '.')
		if i <= strings.IndexByte(n, '.') { // keep at least package.Object
			return false
		}
		n = n[:i]
	}
}
