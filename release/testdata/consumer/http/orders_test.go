package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/axiomsgo/axioms/authtest"
	"github.com/axiomsgo/axioms/core"
)

// TestOrders is every HTTP consumer's test (release-check copies it into
// each consumer without a test of its own): GET /orders of newRouter needs
// a token with orders:read.
func TestOrders(t *testing.T) {
	iss := authtest.NewTestIssuer(t, authtest.WithAlgorithm("ES256"))
	v, err := core.NewVerifier(iss.Config())
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	srv := httptest.NewServer(newRouter(v))
	defer srv.Close()

	for _, tc := range []struct {
		name, token string
		status      int
	}{
		{"no token", "", http.StatusUnauthorized},
		{"scope missing", iss.MustToken(t, "alice"), http.StatusForbidden},
		{"scope granted", iss.MustToken(t, "alice", authtest.Scopes("orders:read")), http.StatusOK},
	} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/orders", nil)
		if tc.token != "" {
			req.Header.Set("Authorization", "Bearer "+tc.token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s: status %d, want %d", tc.name, resp.StatusCode, tc.status)
		}
		if tc.status == http.StatusUnauthorized && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s: challenge %q", tc.name, resp.Header.Get("WWW-Authenticate"))
		}
	}
}
