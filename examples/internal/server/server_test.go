package server_test

import (
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axiomsgo/axioms/examples/internal/server"
)

func TestBaseURL(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1:0": "http://127.0.0.1:",
		"0.0.0.0:0":   "http://localhost:",
		"[::1]:0":     "http://[::1]:",
	} {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Logf("%s: %v (skipped)", addr, err)
			continue
		}
		_, port, _ := net.SplitHostPort(ln.Addr().String())
		assert.Equal(t, want+port, server.BaseURL(ln))
		require.NoError(t, ln.Close())
	}
}
