package core

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTroubleshootingMessagesExist keeps docs/troubleshooting.md honest:
// every message quoted in the first column of its tables is text the code
// answers or logs (a %q, %s, %d or %v in the code stands for "…").
func TestTroubleshootingMessagesExist(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "troubleshooting.md"))
	require.NoError(t, err)
	var code strings.Builder
	for _, dir := range []string{".", "../internal/httpreq"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		require.NoError(t, err)
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, err := os.ReadFile(f)
			require.NoError(t, err)
			code.Write(b)
		}
	}
	src := strings.NewReplacer(`%q`, `"…"`, `%s`, `…`, `%d`, `…`, `%v`, `…`, `\"`, `"`).Replace(code.String())
	quoted := regexp.MustCompile("`([^`]+)`")
	checked := 0
	for _, line := range strings.Split(string(doc), "\n") {
		if !strings.HasPrefix(line, "| ") || strings.HasPrefix(line, "|---") {
			continue
		}
		first := strings.SplitN(line[2:], " | ", 2)[0]
		for _, m := range quoted.FindAllStringSubmatch(first, -1) {
			msg := m[1]
			if strings.ContainsAny(msg[:1], "0123456789") { // a status code
				continue
			}
			checked++
			assert.True(t, strings.Contains(src, msg), "docs/troubleshooting.md quotes %q, which the code no longer says", msg)
		}
	}
	assert.Greater(t, checked, 25, "the tables were read")
}
