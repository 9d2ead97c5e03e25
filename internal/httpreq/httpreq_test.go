package httpreq_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/axiomsgo/axioms/authtest"
	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/internal/httpreq"
	"github.com/axiomsgo/axioms/internal/tokensrc"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// closeRecorder is a request body that records Close.
type closeRecorder struct {
	io.Reader
	closed bool
}

func (c *closeRecorder) Close() error { c.closed = true; return nil }

// TestAuthenticateFromFormBody: the returned request's body reads the
// bytes the form step read, and closing it closes the original; the
// request given is left as it was.
func TestAuthenticateFromFormBody(t *testing.T) {
	iss := authtest.NewTestIssuer(t)
	cfg := iss.Config()
	cfg.Logger = slog.New(slog.DiscardHandler)
	v, err := core.NewVerifier(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = v.Close() })
	g := core.NewGuard(v, core.GuardOptions{})
	src := &tokensrc.Sources[*http.Request]{Form: true}

	body := "title=" + strings.Repeat("x", 5000) + "&access_token=" + iss.MustToken(t, "alice")
	orig := &closeRecorder{Reader: strings.NewReader(body)}
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	r.Body, r.ContentLength = orig, -1
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	got, err := httpreq.AuthenticateFrom(g, r, false, src, r)
	require.NoError(t, err)
	c, ok := core.ClaimsFromContext(got.Context())
	require.True(t, ok)
	assert.Equal(t, "alice", c.Subject())
	assert.Same(t, orig, r.Body, "the request given keeps its body")
	require.NoError(t, got.ParseForm())
	assert.Equal(t, strings.Repeat("x", 5000), got.PostFormValue("title"), "the handler parses the form as sent")
	require.NoError(t, got.Body.Close())
	assert.True(t, orig.closed, "closing the new body closes the original")

	r = httptest.NewRequest(http.MethodPost, "/", strings.NewReader("access_token=%zz"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	got, err = httpreq.AuthenticateFrom(g, r, false, src, r)
	require.ErrorIs(t, err, core.ErrFormMalformed)
	assert.Same(t, g, core.GuardFromContext(got.Context()), "a refusal carries the Guard, for its answer")
	b, _ := io.ReadAll(got.Body)
	assert.Equal(t, "access_token=%zz", string(b), "the error path still reads the body as sent")
}

// BenchmarkAuthenticate compares the two steps on the hot path, a header
// token the verified-token cache holds: AuthenticateFrom without sources
// costs what Authenticate does, and the cookie and extractor sources,
// configured but not needed, add no allocation.
func BenchmarkAuthenticate(b *testing.B) {
	iss := authtest.NewTestIssuer(b)
	cfg := iss.Config()
	cfg.Logger = slog.New(slog.DiscardHandler)
	v, err := core.NewVerifier(cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = v.Close() })
	g := core.NewGuard(v, core.GuardOptions{})
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Authorization", "Bearer "+iss.MustToken(b, "alice"))
	r.Header.Set("Cookie", "theme=dark; at=stale.cookie.token; lang=en")
	none := &tokensrc.Sources[*http.Request]{}
	all := &tokensrc.Sources[*http.Request]{Cookie: "at", Form: true, // Query parses the URL: one map, as with Authenticate
		Extract: func(*http.Request) (string, error) { return "", nil }}
	for _, bc := range []struct {
		name string
		auth func() error
	}{
		{"Authenticate", func() error { _, err := httpreq.Authenticate(g, r, false, false); return err }},
		{"AuthenticateFrom/no-sources", func() error { _, err := httpreq.AuthenticateFrom(g, r, false, none, r); return err }},
		{"AuthenticateFrom/cookie-form-extractor", func() error { _, err := httpreq.AuthenticateFrom(g, r, false, all, r); return err }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			if err := bc.auth(); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := bc.auth(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
