// Package wycheproof gives the tests the Wycheproof test vectors
// (github.com/c2sp/wycheproof) without the root module requiring that
// module, which every user's module graph would then carry. The module in
// ./pin, never published, pins the version and its checksum; the go
// command downloads and verifies it on first use, like any dependency.
package wycheproof

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

const module = "github.com/c2sp/wycheproof"

var (
	once sync.Once
	dir  string
	err  error
)

// Vectors returns the vector files (the module's testvectors_v1
// directory), or fails tb when the go command cannot provide them.
func Vectors(tb testing.TB) fs.FS {
	tb.Helper()
	once.Do(func() { dir, err = download() })
	if err != nil {
		tb.Fatalf("wycheproof vectors: %v", err)
	}
	return os.DirFS(filepath.Join(dir, "testvectors_v1"))
}

// download asks the go command, in the pin module, for the pinned
// version's directory in the module cache.
func download() (string, error) {
	_, self, _, _ := runtime.Caller(0)
	cmd := exec.Command("go", "mod", "download", "-json", module)
	cmd.Dir = filepath.Join(filepath.Dir(self), "pin")
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=readonly")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", &downloadError{err, stderr.String()}
	}
	var m struct{ Dir, Error string }
	if err := json.Unmarshal(out, &m); err != nil {
		return "", err
	}
	if m.Error != "" || m.Dir == "" {
		return "", &downloadError{nil, m.Error}
	}
	return m.Dir, nil
}

type downloadError struct {
	err    error
	detail string
}

func (e *downloadError) Error() string {
	msg := "go mod download " + module
	if e.err != nil {
		msg += ": " + e.err.Error()
	}
	return msg + ": " + e.detail
}
