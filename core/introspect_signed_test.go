package core

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Signed introspection answers (RFC 9701) from kitAS, verified with the
// issuer's key set served by a real JWKS endpoint on loopback.

// signedKit is an endpoint signing its answers with key, the JWKS endpoint
// of its issuer (serving key), and a Verifier asking for signed answers.
type signedKit struct {
	clock *kitClock
	as    *kitAS
	key   *kitKey
	jwks  *kitJWKSServer
	logs  *logLines
	v     *Verifier
}

func newSignedKit(t *testing.T, alg string, change func(*Config)) *signedKit {
	t.Helper()
	k := &signedKit{clock: newKitClock(), key: newKitKey(t, "as-"+alg, alg), logs: &logLines{}}
	k.as = newKitAS(t, IntrospectionAuthBasic, k.clock.Now)
	k.as.sign(kitSigning{key: k.key})
	k.jwks = newKitJWKSServer(t, kitJWKS(t, k.key.jwk(t)))
	k.v = kitIntrospectionVerifier(t, k.as, k.clock, nil, func(c *Config) {
		c.KeySet, c.JWKSURL = nil, k.jwks.URL
		c.Logger = k.logs.logger()
		c.Introspection.SignedResponses = true
		if change != nil {
			change(c)
		}
	})
	return k
}

func TestIntrospectionSignedAnswer(t *testing.T) {
	for _, alg := range []string{"ES256", "RS256", "PS256", "EdDSA"} {
		t.Run(alg, func(t *testing.T) {
			k := newSignedKit(t, alg, nil)
			const token = "opaque-signed-1"
			k.as.answer(token, activeClaims(k.clock.Now(), map[string]any{"roles": []string{"editor"}}))
			c, err := k.v.Verify(t.Context(), token)
			require.NoError(t, err)
			assert.Equal(t, "alice", c.Subject())
			assert.Equal(t, kitASIssuer, c.Issuer())
			assert.Equal(t, []string{kitASAudience}, c.Audience(), "the claims are token_introspection's, not the JWT's")
			assert.Equal(t, []string{"read:data", "openid"}, c.Scopes())
			assert.True(t, c.HasRole("editor"))
			assert.Equal(t, k.clock.Now().Add(time.Hour).Unix(), c.ExpiresAt().Unix())
			assert.Equal(t, "application/token-introspection+jwt", *k.as.accept.Load(), "RFC 9701 §4")

			_, err = k.v.Verify(t.Context(), token)
			require.NoError(t, err)
			assert.Equal(t, 1, k.as.callsOf(token), "cached as a plain answer is")
			assert.Empty(t, k.logs.lines("axioms: introspection misconfigured"))
		})
	}
}

// TestIntrospectionSignedAnswerRefused: every rule of a signed answer
// broken is the endpoint's failure (503, logged at Error level with a
// fix), never an acceptance.
func TestIntrospectionSignedAnswerRefused(t *testing.T) {
	hs256 := func(k *kitKey) func(header, claims map[string]any) string {
		return func(header, claims map[string]any) string { // the public key as an HMAC secret
			der, err := x509.MarshalPKIXPublicKey(k.signer.Public())
			if err != nil {
				panic(err)
			}
			secret := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
			header["alg"] = "HS256"
			input := kitB64(mustJSON(header)) + "." + kitB64(mustJSON(claims))
			mac := hmac.New(sha256.New, secret)
			mac.Write([]byte(input))
			return input + "." + kitB64(mac.Sum(nil))
		}
	}
	unsigned := func(sig string) func(header, claims map[string]any) string {
		return func(header, claims map[string]any) string {
			header["alg"] = "none"
			return kitB64(mustJSON(header)) + "." + kitB64(mustJSON(claims)) + "." + sig
		}
	}
	jwe := func(header, claims map[string]any) string {
		h := kitB64([]byte(`{"alg":"RSA-OAEP-256","enc":"A256GCM","cty":"JWT","kid":"rs-enc"}`))
		return h + ".ZW5jcnlwdGVkLWtleQ.aXYxMjM0NTY3ODkw.Y2lwaGVydGV4dA.dGFnMTIzNDU2Nzg5MDEy"
	}
	for _, tc := range []struct {
		name    string
		signing func(k *signedKit) kitSigning
		reason  string // in the logged reason
	}{
		{"plain JSON when signed was asked for", func(k *signedKit) kitSigning {
			return kitSigning{key: k.key, contentType: "application/json", encode: func(_, c map[string]any) string {
				return string(c["token_introspection"].(json.RawMessage))
			}}
		}, "the answer is not signed"},
		{"typ JWT", func(k *signedKit) kitSigning {
			return kitSigning{key: k.key, edit: func(h, _ map[string]any) { h["typ"] = "JWT" }}
		}, "typ"},
		{"typ at+jwt", func(k *signedKit) kitSigning {
			return kitSigning{key: k.key, edit: func(h, _ map[string]any) { h["typ"] = "at+jwt" }}
		}, "typ"},
		{"no typ", func(k *signedKit) kitSigning {
			return kitSigning{key: k.key, edit: func(h, _ map[string]any) { delete(h, "typ") }}
		}, "typ"},
		{"another issuer", func(k *signedKit) kitSigning {
			return kitSigning{key: k.key, issuer: "https://evil.example.com"}
		}, "iss"},
		{"no iss", func(k *signedKit) kitSigning {
			return kitSigning{key: k.key, edit: func(_, c map[string]any) { delete(c, "iss") }}
		}, "iss"},
		{"another audience", func(k *signedKit) kitSigning {
			return kitSigning{key: k.key, edit: func(_, c map[string]any) { c["aud"] = "another-resource-server" }}
		}, "aud"},
		{"no aud", func(k *signedKit) kitSigning {
			return kitSigning{key: k.key, edit: func(_, c map[string]any) { delete(c, "aud") }}
		}, "aud"},
		{"no iat", func(k *signedKit) kitSigning {
			return kitSigning{key: k.key, edit: func(_, c map[string]any) { delete(c, "iat") }}
		}, "no iat"},
		{"stale iat", func(k *signedKit) kitSigning {
			return kitSigning{key: k.key, edit: func(_, c map[string]any) { c["iat"] = k.clock.Now().Add(-time.Minute).Unix() }}
		}, "older than the request"},
		{"iat in the future", func(k *signedKit) kitSigning {
			return kitSigning{key: k.key, edit: func(_, c map[string]any) { c["iat"] = k.clock.Now().Add(time.Minute).Unix() }}
		}, "not valid now"},
		{"iat a string", func(k *signedKit) kitSigning {
			return kitSigning{key: k.key, edit: func(_, c map[string]any) { c["iat"] = "1800000000" }}
		}, "malformed"},
		{"expired", func(k *signedKit) kitSigning {
			return kitSigning{key: k.key, edit: func(_, c map[string]any) { c["exp"] = k.clock.Now().Add(-time.Minute).Unix() }}
		}, "not valid now"},
		{"alg none", func(k *signedKit) kitSigning { return kitSigning{key: k.key, encode: unsigned("")} }, "not a compact JWS"},
		{"alg none with a signature", func(k *signedKit) kitSigning { return kitSigning{key: k.key, encode: unsigned("c2ln")} },
			`alg "none"`},
		{"HS256 with the public key as secret", func(k *signedKit) kitSigning {
			return kitSigning{key: k.key, encode: hs256(k.key)}
		}, `alg "HS256"`},
		{"alg of another key type", func(k *signedKit) kitSigning {
			rs := newKitKey(t, k.key.kid, "RS256") // RS256 under the EC key's kid
			return kitSigning{key: rs}
		}, "does not fit"},
		{"signed by another key under the kid", func(k *signedKit) kitSigning {
			return kitSigning{key: newKitKey(t, k.key.kid+"/impostor", "ES256"), edit: func(h, _ map[string]any) { h["kid"] = k.key.kid }}
		}, "does not verify"},
		{"unknown kid", func(k *signedKit) kitSigning {
			return kitSigning{key: newKitKey(t, "as-unknown", "ES256")}
		}, "does not verify"},
		{"a JWE", func(k *signedKit) kitSigning { return kitSigning{key: k.key, encode: jwe} }, "encrypted"},
		{"crit", func(k *signedKit) kitSigning {
			return kitSigning{key: k.key, edit: func(h, _ map[string]any) { h["crit"] = []string{"exp"} }}
		}, "header"},
		{"nested JWT", func(k *signedKit) kitSigning {
			return kitSigning{key: k.key, edit: func(h, _ map[string]any) { h["cty"] = "JWT" }}
		}, "header"},
		{"no token_introspection", func(k *signedKit) kitSigning {
			return kitSigning{key: k.key, edit: func(_, c map[string]any) { delete(c, "token_introspection") }}
		}, "token_introspection"},
		{"token_introspection a string", func(k *signedKit) kitSigning {
			return kitSigning{key: k.key, edit: func(_, c map[string]any) { c["token_introspection"] = `{"active":true}` }}
		}, "token_introspection"},
		{"token_introspection twice", func(k *signedKit) kitSigning {
			return kitSigning{key: k.key, encode: func(h, c map[string]any) string {
				payload := strings.Replace(string(mustJSON(c)), `"token_introspection":`,
					`"token_introspection":{"active":false},"token_introspection":`, 1)
				return k.key.signRaw(t, k.key.alg, string(mustJSON(h)), payload)
			}}
		}, "malformed"},
		{"token_introspection with duplicate members", func(k *signedKit) kitSigning {
			return kitSigning{key: k.key, edit: func(_, c map[string]any) {
				c["token_introspection"] = json.RawMessage(`{"active":true,"aud":"x","aud":"` + kitASAudience + `"}`)
			}}
		}, "malformed"}, // refused with the JWT's claims, duplicates being refused at any depth
		{"token_introspection with no boolean active", func(k *signedKit) kitSigning {
			return kitSigning{key: k.key, edit: func(_, c map[string]any) { c["token_introspection"] = json.RawMessage(`{"active":"true"}`) }}
		}, `boolean "active"`}, // as a plain answer: an outage
		{"not a JWT", func(k *signedKit) kitSigning {
			return kitSigning{key: k.key, encode: func(_, c map[string]any) string {
				return string(c["token_introspection"].(json.RawMessage))
			}}
		}, "not a compact JWS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := newSignedKit(t, "ES256", nil)
			waitAnswered(t, k.v) // the probe, signed as it should be
			k.as.sign(tc.signing(k))
			fetches := k.jwks.requests.Load()
			k.clock.Advance(time.Minute) // an unknown kid may refresh the key set
			k.as.answer("tok", activeClaims(k.clock.Now(), nil))
			for range 3 {
				c, err := k.v.Verify(t.Context(), "tok")
				require.ErrorIs(t, err, ErrKeysUnavailable)
				assert.NotErrorIs(t, err, ErrInvalidToken, "the endpoint's failure, not the client's")
				assert.Nil(t, c)
				r := k.v.ErrorResponse(err)
				assert.Equal(t, 503, r.Status)
				assert.Equal(t, "1", r.RetryAfter)
				assert.Contains(t, string(r.Body), "token introspection unavailable")
			}
			assert.Equal(t, 3, k.as.callsOf("tok"), "a failure is never cached")
			err := k.v.Ready(t.Context())
			require.ErrorIs(t, err, ErrKeysUnavailable)
			if outage := strings.Contains(tc.reason, "active"); outage { // the RFC 7662 object itself: as for a plain answer
				assert.NotErrorIs(t, err, ErrKeySetMisconfigured)
				logged := k.logs.lines("axioms: introspection failed")
				require.NotEmpty(t, logged)
				assert.Equal(t, "WARN", logged[0]["level"])
				assert.Contains(t, logged[0]["reason"], tc.reason)
				for _, l := range logged[1:] {
					assert.Equal(t, "DEBUG", l["level"], "once at Warn level, not per request")
				}
			} else {
				assert.ErrorIs(t, err, ErrKeySetMisconfigured)
				logged := k.logs.lines("axioms: introspection misconfigured")
				require.Len(t, logged, 1, "once, not per request")
				assert.Contains(t, logged[0]["reason"], tc.reason)
				assert.NotEmpty(t, logged[0]["fix"])
			}
			if strings.Contains(tc.name, "kid") {
				assert.Equal(t, fetches+1, k.jwks.requests.Load(), "the key set was refreshed once before the refusal")
			}

			k.as.sign(kitSigning{key: k.key})
			_, err = k.v.Verify(t.Context(), "tok")
			require.NoError(t, err, "fixed at the authorization server: the next request works")
			assert.NoError(t, k.v.Ready(t.Context()))
		})
	}
}

// TestIntrospectionSignedAnswerAccepted: what RFC 9701 and RFC 7515 allow
// that the default answer does not show.
func TestIntrospectionSignedAnswerAccepted(t *testing.T) {
	for _, tc := range []struct {
		name   string
		edit   func(k *signedKit, header, claims map[string]any)
		ctype  string
		leeway time.Duration
	}{
		{"typ with application/", func(_ *signedKit, h, _ map[string]any) { h["typ"] = "application/token-introspection+jwt" }, "", 0},
		{"typ in upper case", func(_ *signedKit, h, _ map[string]any) { h["typ"] = "Token-Introspection+JWT" }, "", 0},
		{"Content-Type in upper case", nil, "Application/Token-Introspection+JWT", 0},
		{"aud an array with the client ID", func(_ *signedKit, _, c map[string]any) { c["aud"] = []string{"x", kitClientID} }, "", 0},
		{"aud the resource's URI (Authlete)", func(_ *signedKit, _, c map[string]any) { c["aud"] = kitASAudience }, "", 0},
		{"iat 4s ahead with no leeway", func(k *signedKit, _, c map[string]any) { c["iat"] = k.clock.Now().Add(4 * time.Second).Unix() }, "", 0},
		{"iat 4s before the request", func(k *signedKit, _, c map[string]any) { c["iat"] = k.clock.Now().Add(-4 * time.Second).Unix() }, "", 0},
		{"iat within the leeway", func(k *signedKit, _, c map[string]any) { c["iat"] = k.clock.Now().Add(-30 * time.Second).Unix() }, "", time.Minute},
		{"exp and sub at the top (SHOULD NOT, RFC 9701 §5)", func(k *signedKit, _, c map[string]any) {
			c["exp"], c["sub"] = k.clock.Now().Add(time.Minute).Unix(), "someone-else"
		}, "", 0},
		{"a kid the key set learns on refresh", nil, "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := newSignedKit(t, "ES256", func(c *Config) { c.Leeway = tc.leeway })
			waitAnswered(t, k.v)
			k.clock.Advance(time.Minute) // past MinRefreshInterval
			sg := kitSigning{key: k.key, contentType: tc.ctype}
			if tc.edit != nil {
				sg.edit = func(h, c map[string]any) { tc.edit(k, h, c) }
			}
			if tc.name == "a kid the key set learns on refresh" { // the authorization server rotated its key
				rotated := newKitKey(t, "as-rotated", "ES256")
				k.jwks.set(kitJWKS(t, k.key.jwk(t), rotated.jwk(t)))
				sg.key = rotated
			}
			k.as.sign(sg)
			k.as.answer("tok", activeClaims(k.clock.Now(), nil))
			c, err := k.v.Verify(t.Context(), "tok")
			require.NoError(t, err)
			assert.Equal(t, "alice", c.Subject(), "the sub of token_introspection")
			assert.Empty(t, k.logs.lines("axioms: introspection misconfigured"))
		})
	}
}

func TestIntrospectionSignedAnswerInactive(t *testing.T) {
	k := newSignedKit(t, "ES256", nil)
	c, err := k.v.Verify(t.Context(), "unknown-or-revoked")
	require.ErrorIs(t, err, ErrTokenInactive)
	assert.Nil(t, c)
	assert.Equal(t, 401, k.v.ErrorResponse(err).Status)

	k.as.answer("tok", activeClaims(k.clock.Now(), map[string]any{"aud": "https://other.example.com"}))
	_, err = k.v.Verify(t.Context(), "tok")
	assert.ErrorIs(t, err, ErrAudienceMismatch, "token_introspection is judged as a plain answer")
}

// TestIntrospectionContentTypeSwitch: what the answer's Content-Type
// decides, with and without SignedResponses: a signed answer is verified
// whenever one comes, a plain one is refused only when a signed one was
// asked for.
func TestIntrospectionContentTypeSwitch(t *testing.T) {
	for _, tc := range []struct {
		name       string
		signed     bool // SignedResponses
		answer     string
		noIssuer   bool // introspection only: no issuer's keys
		wantErr    error
		wantFix    string
		wantAccept string
	}{
		{"plain asked, plain answered", false, "plain", false, nil, "", "application/json"},
		{"plain asked, signed answered", false, "signed", false, nil, "", "application/json"},
		{"plain asked, forged answered", false, "forged", false, ErrKeysUnavailable, "key set of", "application/json"},
		{"plain asked, signed answered, no keys", false, "signed", true, ErrKeysUnavailable, "AXIOMS_ISS_URL", "application/json"},
		{"plain asked, plain answered, no keys", false, "plain", true, nil, "", "application/json"},
		{"signed asked, signed answered", true, "signed", false, nil, "", signedAnswerType},
		{"signed asked, plain answered", true, "plain", false, ErrKeysUnavailable, "SignedResponses", signedAnswerType},
		{"signed asked, forged answered", true, "forged", false, ErrKeysUnavailable, "key set of", signedAnswerType},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := newKitClock()
			key := newKitKey(t, "as-switch", "ES256")
			jwks := newKitJWKSServer(t, kitJWKS(t, key.jwk(t)))
			as := newKitAS(t, IntrospectionAuthBasic, clock.Now)
			switch tc.answer {
			case "signed":
				as.sign(kitSigning{key: key, always: true})
			case "forged":
				as.sign(kitSigning{key: newKitKey(t, "as-forger", "ES256"), always: true,
					edit: func(h, _ map[string]any) { h["kid"] = key.kid }})
			}
			var logs logLines
			v := kitIntrospectionVerifier(t, as, clock, nil, func(c *Config) {
				c.KeySet, c.JWKSURL, c.Logger = nil, jwks.URL, logs.logger()
				c.Introspection.SignedResponses = tc.signed
				if tc.noIssuer {
					c.Issuer, c.JWKSURL = "", ""
				}
			})
			as.answer("tok", activeClaims(clock.Now(), nil))
			c, err := v.Verify(t.Context(), "tok")
			assert.Equal(t, tc.wantAccept, *as.accept.Load())
			if tc.wantErr == nil {
				require.NoError(t, err)
				assert.Equal(t, "alice", c.Subject())
				return
			}
			require.ErrorIs(t, err, tc.wantErr)
			assert.Equal(t, 503, v.ErrorResponse(err).Status)
			logged := logs.lines("axioms: introspection misconfigured")
			require.NotEmpty(t, logged)
			assert.Contains(t, logged[0]["fix"], tc.wantFix)
		})
	}
}

// TestIntrospectionSignedAnswerKeysUnavailable: a signed answer that cannot
// be verified because the issuer's key set is down is an outage (Warn), not
// a misconfiguration.
func TestIntrospectionSignedAnswerKeysUnavailable(t *testing.T) {
	clock := newKitClock()
	key := newKitKey(t, "as-down", "ES256")
	jwks := newKitJWKSServer(t, kitJWKS(t, key.jwk(t)))
	jwks.status.Store(503)
	as := newKitAS(t, IntrospectionAuthBasic, clock.Now)
	as.sign(kitSigning{key: key})
	var logs logLines
	v := kitIntrospectionVerifier(t, as, clock, nil, func(c *Config) {
		c.KeySet, c.JWKSURL, c.Logger = nil, jwks.URL, logs.logger()
		c.Introspection.SignedResponses = true
	})
	as.answer("tok", activeClaims(clock.Now(), nil))
	_, err := v.Verify(t.Context(), "tok")
	require.ErrorIs(t, err, ErrKeysUnavailable)
	assert.NotErrorIs(t, err, ErrKeySetMisconfigured)
	assert.Empty(t, logs.lines("axioms: introspection misconfigured"))
	failed := logs.lines("axioms: introspection failed")
	require.NotEmpty(t, failed)
	assert.Contains(t, failed[len(failed)-1]["reason"], "keys of "+kitASIssuer+" are unavailable")

	jwks.status.Store(0)
	clock.Advance(time.Minute) // past MinRefreshInterval
	_, err = v.Verify(t.Context(), "tok")
	assert.NoError(t, err, "the key set is back: the answer verifies")
}

// TestIntrospectionSignedAnswerAlgorithms: Config.Algorithms applies to the
// answers as to the tokens, even when the issuer's key would verify it.
func TestIntrospectionSignedAnswerAlgorithms(t *testing.T) {
	k := newSignedKit(t, "PS256", func(c *Config) { c.Algorithms = []string{"ES256", "RS256"} })
	k.as.answer("tok", activeClaims(k.clock.Now(), nil))
	_, err := k.v.Verify(t.Context(), "tok")
	require.ErrorIs(t, err, ErrKeysUnavailable)
	logged := k.logs.lines("axioms: introspection misconfigured")
	require.NotEmpty(t, logged)
	assert.Contains(t, logged[0]["reason"], `alg "PS256" is refused`)
	assert.Contains(t, logged[0]["fix"], "Config.Algorithms")
}

// FuzzSignedAnswer: no signed answer makes its verification panic, one
// that is not signed by the issuer's key is never accepted, and an
// accepted one always has the typ, iss, aud and iat RFC 9701 §5 asks
// for, and a token_introspection object.
func FuzzSignedAnswer(f *testing.F) {
	now := time.Unix(1_800_000_000, 0)
	key := newKitKey(f, "fz-as", "ES256")
	header := `{"alg":"ES256","kid":"fz-as","typ":"token-introspection+jwt"}`
	payload := kitJSON(f, map[string]any{"iss": kitASIssuer, "aud": kitClientID, "iat": now.Unix(),
		"token_introspection": activeClaims(now, nil)})
	for _, seed := range []struct {
		header, payload string
		raw             bool
	}{
		{header, payload, false},
		{`{"alg":"ES256","kid":"fz-as","typ":"application/Token-Introspection+JWT"}`, payload, false},
		{`{"alg":"ES256","kid":"fz-as","typ":"JWT"}`, payload, false},
		{`{"alg":"ES256","kid":"fz-as","typ":"token-introspection+jwt","crit":["x"]}`, payload, false},
		{header, `{"iss":"` + kitASIssuer + `","aud":["x","` + kitClientID + `"],"iat":1800000000,"token_introspection":{"active":false}}`, false},
		{header, `{"iss":"` + kitASIssuer + `","aud":"` + kitClientID + `","iat":1799999000,"token_introspection":{"active":true}}`, false},
		{header, `{"iss":"` + kitASIssuer + `","iss":"x","aud":"` + kitClientID + `","iat":1800000000,"token_introspection":{}}`, false},
		{header, `{"iss":"` + kitASIssuer + `","aud":"` + kitClientID + `","iat":1800000000,"token_introspection":"{}"}`, false},
		{key.signRaw(f, "ES256", header, payload), "", true},
		{"eyJhbGciOiJub25lIn0.e30.", "", true},
		{"a.b.c.d.e", "", true},
	} {
		f.Add(seed.header, seed.payload, seed.raw)
	}
	pk, err := NewPublicKey(key.kid, key.alg, key.signer.Public())
	require.NoError(f, err)
	v, err := NewVerifier(Config{Audiences: []string{kitASAudience}, Issuer: kitASIssuer, KeySet: NewStaticKeySet(pk),
		Now: func() time.Time { return now }, Logger: slog.New(slog.DiscardHandler),
		Introspection: IntrospectionConfig{URL: "http://127.0.0.1:1/introspect", ClientID: kitClientID,
			ClientSecret: kitSecret, SignedResponses: true}})
	require.NoError(f, err)
	f.Cleanup(func() { _ = v.Close() })
	f.Fuzz(func(t *testing.T, header, payload string, raw bool) {
		body := header
		if !raw {
			body = key.signRaw(t, "ES256", header, payload)
		}
		inner, err := v.intro.verifyAnswer(context.Background(), []byte(body), now)
		if err != nil {
			require.ErrorIs(t, err, ErrKeySetMisconfigured, "every refusal says what to fix")
			return
		}
		parts := strings.Split(strings.TrimSpace(body), ".")
		require.Len(t, parts, 3)
		rawHeader, err := b64.DecodeString(parts[0])
		require.NoError(t, err)
		rawPayload, err := b64.DecodeString(parts[1])
		require.NoError(t, err)
		header, payload = string(rawHeader), string(rawPayload)
		var h struct{ Typ string }
		require.NoError(t, json.Unmarshal([]byte(header), &h))
		require.True(t, mediaTypeIs(h.Typ, signedAnswerTyp), "typ %q", h.Typ)
		var c struct {
			Iss string
			Aud any
			Iat float64
		}
		require.NoError(t, json.Unmarshal([]byte(payload), &c))
		require.Equal(t, kitASIssuer, c.Iss)
		require.Contains(t, fmt.Sprint(c.Aud), kitClientID)
		require.InDelta(t, float64(now.Unix()), c.Iat, float64(minAnswerSkew/time.Second)+1)
		require.True(t, json.Valid([]byte(inner)) && inner[0] == '{', "token_introspection is an object")
	})
}
