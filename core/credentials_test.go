package core

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCredentialSources checks the order of the sources (Credentials): the
// explicit RFC 6750 methods first and strictly, then the cookie, then the
// custom extractor, each read only when everything before it gave nothing.
func TestCredentialSources(t *testing.T) {
	const tok, tok2 = "aaa.bbb.ccc", "ddd.eee.fff"
	secret := errors.New("session store at 10.0.0.7 refused: password=hunter2")
	extract := func(token string, err error) func() (string, error) {
		return func() (string, error) { return token, err }
	}
	for _, tc := range []struct {
		name    string
		creds   Credentials
		want    string
		wantErr error
		reason  error // a more precise reason than wantErr, when set
	}{
		{name: "header", creds: Credentials{Authorization: []string{"Bearer " + tok}}, want: tok},
		{name: "cookie alone", creds: Credentials{Cookie: []string{tok}}, want: tok},
		{name: "extractor alone", creds: Credentials{Extract: extract(tok, nil)}, want: tok},
		{name: "header wins over a cookie", creds: Credentials{Authorization: []string{"Bearer " + tok}, Cookie: []string{tok2}}, want: tok},
		{name: "header wins over two cookies", creds: Credentials{Authorization: []string{"Bearer " + tok}, Cookie: []string{tok2, tok2}}, want: tok},
		{name: "an invalid header still wins over a good cookie", creds: Credentials{Authorization: []string{"Bearer ab@cd"}, Cookie: []string{tok2}},
			wantErr: ErrInvalidToken, reason: ErrBearerSyntax},
		{name: "an empty Bearer header still wins over a cookie", creds: Credentials{Authorization: []string{"Bearer"}, Cookie: []string{tok2}},
			wantErr: ErrInvalidToken, reason: ErrEmptyBearer},
		{name: "two headers are refused whatever the cookie", creds: Credentials{Authorization: []string{"Bearer " + tok, "Bearer " + tok}, Cookie: []string{tok2}},
			wantErr: ErrInvalidRequest},
		{name: "query wins over a cookie", creds: Credentials{Query: []string{tok}, Cookie: []string{tok2}}, want: tok},
		{name: "form wins over a cookie", creds: Credentials{Form: []string{tok}, Cookie: []string{tok2}}, want: tok},
		{name: "header and form", creds: Credentials{Authorization: []string{"Bearer " + tok}, Form: []string{tok}}, wantErr: ErrInvalidRequest},
		{name: "query and form", creds: Credentials{Query: []string{tok}, Form: []string{tok}}, wantErr: ErrInvalidRequest},
		{name: "two form tokens", creds: Credentials{Form: []string{tok, tok}}, wantErr: ErrInvalidRequest},
		{name: "another scheme falls through to the cookie", creds: Credentials{Authorization: []string{"Basic dXNlcjpwYXNz"}, Cookie: []string{tok2}}, want: tok2},
		{name: "two cookies", creds: Credentials{Cookie: []string{tok, tok2}}, wantErr: ErrInvalidRequest},
		{name: "two cookies, one empty", creds: Credentials{Cookie: []string{"", tok2}}, wantErr: ErrInvalidRequest},
		{name: "an empty cookie is no cookie", creds: Credentials{Cookie: []string{""}}, wantErr: ErrNoCredentials},
		{name: "an empty cookie falls through to the extractor", creds: Credentials{Cookie: []string{""}, Extract: extract(tok, nil)}, want: tok},
		{name: "a cookie wins over the extractor", creds: Credentials{Cookie: []string{tok2}, Extract: extract(tok, nil)}, want: tok2},
		{name: "an extractor error", creds: Credentials{Extract: extract(tok, secret)}, wantErr: ErrInvalidRequest, reason: ErrExtractorFailed},
		{name: "an empty extractor result is no credentials", creds: Credentials{Extract: extract("", nil)}, wantErr: ErrNoCredentials},
		{name: "a cookie token is syntax-checked", creds: Credentials{Cookie: []string{"ab cd"}}, wantErr: ErrInvalidToken, reason: ErrBearerSyntax},
		{name: "an extracted token is syntax-checked", creds: Credentials{Extract: extract("Bearer "+tok, nil)}, wantErr: ErrInvalidToken, reason: ErrBearerSyntax},
		{name: "nothing", creds: Credentials{}, wantErr: ErrNoCredentials},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := extractToken(tc.creds)
			if tc.wantErr == nil {
				require.NoError(t, err)
				assert.Equal(t, tc.want, got)
				return
			}
			require.ErrorIs(t, err, tc.wantErr)
			assert.Empty(t, got)
			if tc.reason != nil {
				assert.ErrorIs(t, err, tc.reason)
			}
		})
	}
}

// TestExtractorCalledOnlyWhenNeeded: the extractor may be costly (a session
// lookup), so it runs at most once, and never when a token came from
// elsewhere or the request is already refused.
func TestExtractorCalledOnlyWhenNeeded(t *testing.T) {
	for _, tc := range []struct {
		name  string
		creds Credentials
		calls int
	}{
		{"header", Credentials{Authorization: []string{"Bearer a.b.c"}}, 0},
		{"bad header", Credentials{Authorization: []string{"Bearer"}}, 0},
		{"two headers", Credentials{Authorization: []string{"Bearer a", "Bearer b"}}, 0},
		{"query", Credentials{Query: []string{"a.b.c"}}, 0},
		{"cookie", Credentials{Cookie: []string{"a.b.c"}}, 0},
		{"two cookies", Credentials{Cookie: []string{"a", "b"}}, 0},
		{"other scheme", Credentials{Authorization: []string{"Basic x"}}, 1},
		{"nothing", Credentials{}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			tc.creds.Extract = func() (string, error) { calls++; return "", nil }
			_, _ = extractToken(tc.creds)
			assert.Equal(t, tc.calls, calls)
		})
	}
}

// TestExtractorErrorNeverReachesTheClient: the response to an extractor
// error is a 400 invalid_request with a fixed description, while the
// server's error handler still finds the extractor's error.
func TestExtractorErrorNeverReachesTheClient(t *testing.T) {
	secret := errors.New("session store at 10.0.0.7 refused: password=hunter2")
	_, err := extractToken(Credentials{Extract: func() (string, error) { return "", secret }})
	require.ErrorIs(t, err, ErrInvalidRequest)
	assert.ErrorIs(t, err, ErrExtractorFailed)
	assert.ErrorIs(t, err, secret, "the error handler can classify the extractor's error")
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "token extraction failed", e.Description())
	assert.Contains(t, err.Error(), "hunter2", "the server's log sees the cause")

	resp := errorResponse(err, defaultRealm, "", nil)
	assert.Equal(t, 400, resp.Status)
	assert.Equal(t, `Bearer realm="api", error="invalid_request", error_description="token extraction failed"`, resp.WWWAuthenticate)
	assert.JSONEq(t, `{"error":"invalid_request","error_description":"token extraction failed"}`, string(resp.Body))
	assert.NotContains(t, string(resp.Body)+resp.WWWAuthenticate, "10.0.0.7")
	fzCheckCategory(t, err)
}
