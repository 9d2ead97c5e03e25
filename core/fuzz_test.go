package core

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/stretchr/testify/require"
)

// fzCategories are the error categories of the package; every error must
// match exactly one of them (errors.go).
var fzCategories = []error{ErrNoCredentials, ErrInvalidRequest, ErrInvalidToken, ErrInsufficientScope, ErrKeysUnavailable}

// fzCheckCategory fails unless err matches exactly one category and is an
// *Error (so ErrorResponse can map it without falling back).
func fzCheckCategory(t *testing.T, err error) {
	t.Helper()
	n := 0
	for _, c := range fzCategories {
		if errors.Is(err, c) {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("error %q matches %d categories, want exactly 1", err, n)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %q (%T) is not an *Error", err, err)
	}
}

// fzBearer is an independent reading of RFC 6750 §2.1 plus the documented
// leniencies of ExtractToken: optional whitespace around the field value,
// a case-insensitive scheme and one or more spaces before the b64token.
var fzBearer = regexp.MustCompile(`^[ \t]*(?i:bearer) +([A-Za-z0-9._~+/-]+=*)[ \t]*$`)

// fzB64Token is the b64token syntax of RFC 6750 §2.1.
var fzB64Token = regexp.MustCompile(`^[A-Za-z0-9._~+/-]+=*$`)

func FuzzExtractToken(f *testing.F) {
	tok := "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln"
	for _, s := range []struct {
		n    uint8
		a, b string
	}{
		{0, "", ""},
		{1, "Bearer " + tok, ""},
		{1, "bearer " + tok, ""},
		{1, "BEARER    " + tok + "  ", ""},
		{1, " \tBearer abc==\t ", ""},
		{1, "Bearer", ""},
		{1, "Bearer ", ""},
		{1, "Bearer\t" + tok, ""},
		{1, "Bearer  a b", ""},
		{1, "Bearerx abc", ""},
		{1, "Bearer-abc", ""},
		{1, "Basic dXNlcjpwYXNz", ""},
		{1, "DPoP " + tok, ""},
		{1, "Bearer =abc", ""},
		{1, "Bearer abc=def", ""},
		{1, "Bearer a\x00b", ""},
		{1, "Bearer a\r\nX-Injected: 1", ""},
		{1, "Bearer café", ""},
		{1, "Bearer " + strings.Repeat("A", 5000), ""},
		{1, "Bearer " + `{"payload":"Zm9v","signatures":[]}`, ""},
		{1, "ſearer abc", ""},
		{2, "Bearer a", "Bearer b"},
		{2, "Basic x", "Bearer " + tok},
		{2, "", ""},
	} {
		f.Add(s.n, s.a, s.b)
	}
	f.Fuzz(func(t *testing.T, n uint8, a, b string) {
		creds := Credentials{Authorization: []string{a, b}[:n%3]}
		token, err := extractToken(creds)
		if err != nil {
			fzCheckCategory(t, err)
			if token != "" {
				t.Fatalf("token %q returned with error %v", token, err)
			}
		}
		switch {
		case n%3 == 0:
			if !errors.Is(err, ErrNoCredentials) {
				t.Fatalf("no Authorization: got %v, want ErrNoCredentials", err)
			}
		case n%3 == 2:
			if !errors.Is(err, ErrInvalidRequest) {
				t.Fatalf("two Authorization values: got %v, want ErrInvalidRequest", err)
			}
		default:
			m := fzBearer.FindStringSubmatch(a)
			switch {
			case err == nil && m == nil:
				t.Fatalf("%q accepted as %q, but it is not a Bearer b64token", a, token)
			case err == nil && m[1] != token:
				t.Fatalf("%q: token %q, want %q", a, token, m[1])
			case err != nil && m != nil:
				t.Fatalf("%q refused (%v), but it is a Bearer b64token", a, err)
			}
		}
		if err == nil {
			if !fzB64Token.MatchString(token) || strings.ContainsAny(token, " \t") {
				t.Fatalf("token %q is not a b64token", token)
			}
		}
	})
}

// FuzzCredentialSources checks the order of the sources against the
// header alone: whenever the header decides (a token or a refusal), the
// cookies and the extractor change nothing and the extractor is not
// called; otherwise the cookies decide, then the extractor.
func FuzzCredentialSources(f *testing.F) {
	tok := "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln"
	f.Add("Bearer "+tok, uint8(1), "c.o.k", "", "x.y.z")
	f.Add("", uint8(1), "c.o.k", "", "x.y.z")
	f.Add("", uint8(2), "c.o.k", "d.o.k", "x.y.z")
	f.Add("Basic x", uint8(0), "", "", "x.y.z")
	f.Add("", uint8(1), "", "", "")
	f.Add("Bearer", uint8(1), "c.o.k", "", "")
	f.Fuzz(func(t *testing.T, header string, n uint8, c1, c2, extracted string) {
		var auth []string
		if header != "" {
			auth = []string{header}
		}
		cookies := []string{c1, c2}[:n%3]
		calls := 0
		creds := Credentials{Authorization: auth, Cookie: cookies,
			Extract: func() (string, error) { calls++; return extracted, nil }}
		token, err := extractToken(creds)
		if err != nil {
			fzCheckCategory(t, err)
		}
		alone, aloneErr := extractToken(Credentials{Authorization: auth})
		if !errors.Is(aloneErr, ErrNoCredentials) { // the header decides
			if token != alone || !errors.Is(err, aloneErr) || calls != 0 {
				t.Fatalf("header %q decides (%q, %v), got (%q, %v) with %d extractor calls", header, alone, aloneErr, token, err, calls)
			}
			return
		}
		want, wantErr := extractToken(Credentials{Cookie: cookies})
		if errors.Is(wantErr, ErrNoCredentials) {
			want, wantErr = extractToken(Credentials{Extract: func() (string, error) { return extracted, nil }})
		} else if calls != 0 {
			t.Fatalf("cookies %q decide, but the extractor was called", cookies)
		}
		if token != want || (wantErr == nil) != (err == nil) || (err != nil && !errors.Is(err, wantErr)) {
			t.Fatalf("got (%q, %v), want (%q, %v)", token, err, want, wantErr)
		}
		if calls > 1 {
			t.Fatalf("the extractor was called %d times", calls)
		}
	})
}

// fzIsB64URL reports whether s is non-empty and only base64url characters.
func fzIsB64URL(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func fzB64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func FuzzSplitAndHeader(f *testing.F) {
	headers := []string{
		`{"alg":"RS256","kid":"k1","typ":"at+jwt"}`,
		`{"alg":"ES256"}`,
		`{"alg":"none"}`,
		`{"alg":""}`,
		`{"alg":null}`,
		`{"alg":["RS256"]}`,
		`{"alg":"RS256","alg":"HS256"}`,
		`{"alg":"RS256","crit":["exp"],"exp":1}`,
		`{"alg":"RS256","crit":[]}`,
		`{"alg":"RS256","b64":false}`,
		`{"alg":"RS256","cty":"JWT"}`,
		`{"alg":"RS256","cty":"application/jwt"}`,
		`{"alg":"dir","enc":"A256GCM"}`,
		`{"alg":"RS256","kid":"../../etc/passwd"}`,
		`{"alg":"RS256","kid":"` + strings.Repeat("k", 300) + `"}`,
		`{"alg":"RS256","jwk":{"kty":"RSA"}}`,
		`{"alg":"RS\u0032256"}`,
		`{"alg":"RS256\u0000"}`,
		"\ufeff{\"alg\":\"RS256\"}",
		`{"alg":"RS256"} `,
		`{"alg":"RS256"}{}`,
		`[{"alg":"RS256"}]`,
		`"RS256"`,
		strings.Repeat("[", 1000),
		`{"alg":"\xff"}`,
	}
	for _, h := range headers {
		f.Add(fzB64(h) + "." + fzB64(`{"sub":"a"}`) + ".c2ln")
		f.Add(h)
	}
	for _, s := range []string{
		"", ".", "..", "...", "a.b", "a.b.c", "a.b.c.d", ".b.c", "a..c", "a.b.", "a=.b.c",
		"a+b.c.d", "a/b.c.d", "a b.c.d", "a.b.c\n", "é.b.c", strings.Repeat(".", 4096),
		"eyJhbGciOiJIUzI1NiJ9.AB.c2ln", "eyJhbGciOiJIUzI1NiJ9.AA.c2ln",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		parts, ok := splitCompact(s)
		if ok {
			if got := parts.encHeader + "." + parts.payload + "." + parts.signature; got != s {
				t.Fatalf("segments rejoin to %q, want %q", got, s)
			}
			if parts.signingInput != parts.encHeader+"."+parts.payload {
				t.Fatalf("signing input %q", parts.signingInput)
			}
			for _, seg := range []string{parts.encHeader, parts.payload, parts.signature} {
				if !fzIsB64URL(seg) {
					t.Fatalf("segment %q of %q is not base64url", seg, s)
				}
			}
			fzCheckHeader(t, parts.encHeader, len(parts.encHeader))
		} else if segs := strings.Split(s, "."); len(segs) == 3 &&
			fzIsB64URL(segs[0]) && fzIsB64URL(segs[1]) && fzIsB64URL(segs[2]) {
			t.Fatalf("splitCompact refused the well-formed %q", s)
		}
		// The input as a header segment, and as the header JSON itself.
		fzCheckHeader(t, s, len(s))
		fzCheckHeader(t, fzB64(s), len(s))
	})
}

// fzCheckHeader runs parseHeader on seg; inputLen is the length of the
// input it came from. An accepted header has an alg no longer than the
// input and a bounded kid; every refusal is an invalid token.
func fzCheckHeader(t *testing.T, seg string, inputLen int) {
	t.Helper()
	h, err := parseHeader(seg)
	if err != nil {
		if !errors.Is(err, ErrInvalidToken) {
			t.Fatalf("parseHeader(%q): %v is not an invalid token", seg, err)
		}
		fzCheckCategory(t, err)
		if h != (joseHeader{}) {
			t.Fatalf("parseHeader(%q) returned %+v with error %v", seg, h, err)
		}
		return
	}
	switch {
	case h.alg == "":
		t.Fatalf("parseHeader(%q) accepted an empty alg", seg)
	case len(h.alg) > inputLen:
		t.Fatalf("parseHeader(%q): alg of %d bytes from an input of %d", seg, len(h.alg), inputLen)
	case len(h.kid) > maxKIDBytes:
		t.Fatalf("parseHeader(%q): kid of %d bytes", seg, len(h.kid))
	}
}

func FuzzQuoteParam(f *testing.F) {
	for _, s := range []string{
		"", "api", `a"b`, `a\b`, `\"`, "a\r\nSet-Cookie: x=1", "tab\there", "\x00", "\x7f",
		"café", "\xff\xfe", `", error="invalid_token`, "read:items write:items", strings.Repeat(`"`, 64),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := quoteParam(s)
		if len(q) != len(s)+2 {
			t.Fatalf("quoteParam(%q) = %q: length %d, want %d", s, q, len(q), len(s)+2)
		}
		if q[0] != '"' || q[len(q)-1] != '"' {
			t.Fatalf("quoteParam(%q) = %q: not quoted", s, q)
		}
		for i := 1; i < len(q)-1; i++ {
			c := q[i]
			if !(c >= 0x20 && c <= 0x21 || c >= 0x23 && c <= 0x5b || c >= 0x5d && c <= 0x7e) {
				t.Fatalf("quoteParam(%q) = %q: byte %#x at %d outside RFC 6750 §3", s, q, c, i)
			}
			in := s[i-1]
			if inAllowed := in >= 0x20 && in <= 0x7e && in != '"' && in != '\\'; inAllowed && c != in || !inAllowed && c != '?' {
				t.Fatalf("quoteParam(%q) = %q: byte %d is %q, want it kept or replaced by '?'", s, q, i-1, c)
			}
		}
	})
}

// fzNow is the fixed clock of FuzzVerify.
var fzNow = time.Unix(1_800_000_000, 0)

// fzSigner is a signing key taken from a Wycheproof group, so that every
// fuzz worker process holds the same key and the seed tokens stay valid.
type fzSigner struct {
	kid, alg string
	priv     crypto.Signer
}

// fzWycheproofKey returns the private key of the first Wycheproof JWS group
// with that comment ("rs256", "es256").
func fzWycheproofKey(tb testing.TB, comment string) crypto.Signer {
	tb.Helper()
	file := wpLoad(tb, "json_web_signature_test.json")
	for _, g := range file.TestGroups {
		if g.Comment != comment {
			continue
		}
		k, err := jwk.ParseKey(g.Private)
		require.NoError(tb, err)
		switch comment[:2] {
		case "rs":
			var priv rsa.PrivateKey
			require.NoError(tb, jwk.Export(k, &priv))
			priv.Precompute()
			return &priv
		default:
			var priv ecdsa.PrivateKey
			require.NoError(tb, jwk.Export(k, &priv))
			return &priv
		}
	}
	tb.Fatalf("no Wycheproof group %q", comment)
	return nil
}

// fzVerifier is the Verifier of FuzzVerify: one RSA and one EC key, a fixed
// clock, and the signers that made the seeds.
func fzVerifier(tb testing.TB) (*Verifier, []fzSigner) {
	tb.Helper()
	signers := []fzSigner{
		{"fz-rsa", "RS256", fzWycheproofKey(tb, "rs256")},
		{"fz-ec", "ES256", fzWycheproofKey(tb, "es256")},
	}
	var keys []*PublicKey
	for _, s := range signers {
		k, err := NewPublicKey(s.kid, "", s.priv.Public())
		require.NoError(tb, err)
		keys = append(keys, k)
	}
	v, err := NewVerifier(Config{
		Audiences: []string{"https://api.example.com"},
		Issuer:    "https://issuer.example.com/",
		KeySet:    NewStaticKeySet(keys...),
		Now:       func() time.Time { return fzNow },
	})
	require.NoError(tb, err)
	return v, signers
}

// fzSign signs raw header and claims JSON with s under alg.
func fzSign(tb testing.TB, s fzSigner, alg, header, claims string) string {
	tb.Helper()
	input := fzB64(header) + "." + fzB64(claims)
	return input + "." + kitB64(kitSignBytes(tb, s.priv, alg, []byte(input)))
}

func FuzzVerify(f *testing.F) {
	v, signers := fzVerifier(f)
	exp, iat := fzNow.Unix()+3600, fzNow.Unix()-60
	good := `{"iss":"https://issuer.example.com/","sub":"alice","aud":"https://api.example.com",` +
		`"exp":` + fzItoa(exp) + `,"iat":` + fzItoa(iat) + `,"nbf":` + fzItoa(iat) + `,"scope":"read write","roles":["admin"]}`
	claims := []string{
		good,
		`{"iss":"https://issuer.example.com/","aud":["x","https://api.example.com"],"exp":` + fzItoa(exp) + `}`,
		`{"iss":"https://issuer.example.com/","aud":"https://api.example.com","exp":"` + fzItoa(exp) + `"}`,
		`{"iss":"https://issuer.example.com/","aud":"https://api.example.com","exp":1e400}`,
		`{"iss":"https://issuer.example.com/","aud":"https://api.example.com","exp":0}`,
		`{"iss":"https://issuer.example.com/","aud":"https://api.example.com","exp":` + fzItoa(iat) + `}`,
		`{"iss":"https://issuer.example.com/","aud":"https://api.example.com","exp":` + fzItoa(exp) + `,"sub":"alice","sub":"admin"}`,
		`{"iss":"https://issuer.example.com/","aud":"https://api.example.com","exp":` + fzItoa(exp) + `,"sub":"adm` + "\xff" + `in"}`,
		`{"iss":"https://issuer.example.com/","aud":"https://api.example.com","exp":` + fzItoa(exp) + `,"nbf":` + fzItoa(exp) + `}`,
		`{"aud":"https://api.example.com","exp":` + fzItoa(exp) + `,"x":` + strings.Repeat("[", 500) + strings.Repeat("]", 500) + `}`,
		`["not","an","object"]`,
		"\ufeff" + good,
		"",
	}
	for _, s := range signers {
		seed := fzSign(f, s, s.alg, `{"alg":"`+s.alg+`","kid":"`+s.kid+`","typ":"at+jwt"}`, good)
		_, err := v.Verify(context.Background(), seed)
		require.NoError(f, err, "the %s seed must verify, or the fuzzer never reaches the claims", s.alg)
		for _, c := range claims {
			f.Add(fzSign(f, s, s.alg, `{"alg":"`+s.alg+`","kid":"`+s.kid+`","typ":"at+jwt"}`, c))
		}
		f.Add(fzSign(f, s, s.alg, `{"alg":"`+s.alg+`"}`, good)) // no kid
		f.Add(fzSign(f, s, s.alg, `{"alg":"`+s.alg+`","kid":"`+s.kid+`","crit":["exp"]}`, good))
		f.Add(fzSign(f, s, s.alg, `{"alg":"`+s.alg+`","kid":"`+s.kid+`","b64":false}`, good))
		f.Add(fzSign(f, s, s.alg, `{"alg":"`+s.alg+`","kid":"`+s.kid+`","cty":"JWT"}`, good))
		f.Add(fzSign(f, s, s.alg, `{"alg":"`+s.alg+`","kid":"`+s.kid+`","typ":"dpop+jwt"}`, good))
		f.Add(fzSign(f, s, s.alg, `{"alg":"`+s.alg+`","kid":"`+s.kid+`","alg":"`+s.alg+`"}`, good))
	}
	rsaSigner := signers[0]
	f.Add(fzSign(f, rsaSigner, "PS256", `{"alg":"PS256","kid":"fz-rsa"}`, good))
	f.Add(fzSign(f, rsaSigner, "RS256", `{"alg":"RS512","kid":"fz-rsa"}`, good))
	f.Add(fzSign(f, rsaSigner, "RS256", `{"alg":"ES256","kid":"fz-rsa"}`, good))
	valid := fzSign(f, rsaSigner, "RS256", `{"alg":"RS256","kid":"fz-rsa"}`, good)
	hp := valid[:strings.LastIndexByte(valid, '.')]
	for _, s := range []string{
		hp + ".",                                          // empty signature
		hp + "." + kitB64(make([]byte, 256)),              // zero signature
		hp + "." + kitB64(make([]byte, 2048)),             // oversized signature
		valid + "." + "x",                                 // four segments
		valid + "=",                                       // padding
		strings.ReplaceAll(valid, "-", "+"),               // standard alphabet
		fzB64(`{"alg":"none"}`) + "." + fzB64(good) + ".", // alg none
		fzB64(`{"alg":"HS256","kid":"fz-rsa"}`) + "." + fzB64(good) + "." + kitB64(make([]byte, 32)),
		fzB64(`{"alg":"ES256","kid":"fz-ec"}`) + "." + fzB64(good) + "." + kitB64(make([]byte, 64)), // r=s=0
		fzB64(`{"alg":"RSA-OAEP","enc":"A256GCM"}`) + ".a.b.c.d",                                    // JWE
		`{"payload":"Zm9v","signatures":[{"protected":"eyJhbGciOiJSUzI1NiJ9","signature":"c2ln"}]}`,
		fzB64(`{"alg":"RS256","kid":"`+strings.Repeat("k", 300)+`"}`) + "." + fzB64(good) + ".c2ln",
		strings.Repeat("a.", 10000),
		strings.Repeat("A", 20000) + ".e30.c2ln",
		"", ".", "..",
	} {
		f.Add(s)
	}
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := v.Verify(ctx, tok)
		if err != nil {
			if !errors.Is(err, ErrInvalidToken) {
				t.Fatalf("Verify(%q): %v does not match ErrInvalidToken", tok, err)
			}
			fzCheckCategory(t, err)
			if c != nil {
				t.Fatalf("Verify(%q) returned claims with error %v", tok, err)
			}
			return
		}
		if c == nil || !c.ExpiresAt().After(fzNow) || c.Issuer() != "https://issuer.example.com/" {
			t.Fatalf("Verify(%q) accepted claims %v", tok, c)
		}
		if _, ok := splitCompact(tok); !ok {
			t.Fatalf("Verify accepted %q, which is not compact JWS", tok)
		}
	})
}

func fzItoa(n int64) string { return strconv.FormatInt(n, 10) }
