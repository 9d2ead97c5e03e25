package core

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestIntrospectionActiveToken(t *testing.T) {
	clock := newKitClock()
	as := newKitAS(t, IntrospectionAuthBasic, clock.Now)
	const token = "ory_at_Z2l2ZW4gYW5kIHJldm9rZWQ.c2lnbmF0dXJl"
	as.answer(token, activeClaims(clock.Now(), map[string]any{"roles": []string{"editor"}}))
	v := kitIntrospectionVerifier(t, as, clock, nil, nil)

	c, err := v.Verify(t.Context(), token)
	require.NoError(t, err)
	assert.Equal(t, "alice", c.Subject())
	assert.Equal(t, kitASIssuer, c.Issuer())
	assert.Equal(t, []string{kitASAudience}, c.Audience())
	assert.Equal(t, []string{"read:data", "openid"}, c.Scopes(), "scope is a space-separated string (RFC 7662 §2.2)")
	assert.True(t, c.HasRole("editor"))
	assert.Equal(t, clock.Now().Add(time.Hour).Unix(), c.ExpiresAt().Unix())
	clientID, _ := c.GetString("client_id")
	assert.Equal(t, "web-app", clientID)
	assert.Equal(t, 1, as.callsOf(token))

	t.Run("policies and the context accessors", func(t *testing.T) {
		g := NewGuard(v, GuardOptions{})
		creds := Credentials{Authorization: []string{"Bearer " + token}}
		ctx, err := g.Authenticate(t.Context(), http.MethodGet, creds)
		require.NoError(t, err)
		got, ok := ClaimsFromContext(ctx)
		require.True(t, ok)
		assert.Equal(t, "alice", got.Subject())
		raw, ok := TokenFromContext(ctx)
		assert.True(t, ok)
		assert.Equal(t, token, raw, "the token as sent, though the cache holds none")
		require.NoError(t, g.Authorize(ctx, http.MethodGet, AnyScope("read:data")))
		err = g.Authorize(ctx, http.MethodGet, AllScopes("write:data"))
		require.ErrorIs(t, err, ErrInsufficientScope)
		assert.Equal(t, 403, g.Response(err, false, "api.example.com").Status)

		_, err = v.Check(t.Context(), http.MethodGet, creds, AnyRole("admin"))
		assert.ErrorIs(t, err, ErrRoleDenied)
	})
	t.Run("a JWT is still verified locally", func(t *testing.T) {
		key := newKitKey(t, "intro-local", "ES256")
		as := newKitAS(t, IntrospectionAuthBasic, clock.Now)
		v := kitIntrospectionVerifier(t, as, clock, key, nil)
		jwt := key.sign(t, map[string]any{"iss": kitASIssuer, "aud": kitASAudience, "sub": "bob",
			"exp": clock.Now().Add(time.Hour).Unix()})
		c, err := v.Verify(t.Context(), jwt)
		require.NoError(t, err)
		assert.Equal(t, "bob", c.Subject())
		assert.Zero(t, as.total.Load(), "no introspection of a JWT")
	})
}

// TestIntrospectionRefusals: every rule of behaviour.md §8 and §3 on an
// answer, and every answer that cannot be judged (503).
func TestIntrospectionRefusals(t *testing.T) {
	clock := newKitClock()
	now := clock.Now()
	as := newKitAS(t, IntrospectionAuthBasic, clock.Now)
	v := kitIntrospectionVerifier(t, as, clock, nil, nil)
	lenient := kitIntrospectionVerifier(t, as, clock, nil, func(c *Config) { c.Introspection.AllowMissingAudience = true })
	for _, tc := range []struct {
		name    string
		raw     string // the answer
		wantErr error  // nil: accepted
		lenient bool   // accepted with AllowMissingAudience
	}{
		{"inactive", `{"active":false}`, ErrTokenInactive, false},
		{"inactive with claims", `{"active":false,"sub":"x","aud":"` + kitASAudience + `"}`, ErrTokenInactive, false},
		{"exp in the past", kitJSON(t, activeClaims(now, map[string]any{"exp": now.Add(-time.Second).Unix()})), ErrTokenExpired, false},
		{"nbf in the future", kitJSON(t, activeClaims(now, map[string]any{"nbf": now.Add(time.Hour).Unix()})), ErrTokenNotYetValid, false},
		{"iat in the future", kitJSON(t, activeClaims(now, map[string]any{"iat": now.Add(time.Hour).Unix()})), ErrTokenIssuedInFuture, false},
		{"another issuer", kitJSON(t, activeClaims(now, map[string]any{"iss": "https://evil.example.com"})), ErrIssuerMismatch, false},
		{"no iss: the endpoint's issuer", kitJSON(t, activeClaims(now, map[string]any{"iss": nil})), nil, true},
		{"another audience", kitJSON(t, activeClaims(now, map[string]any{"aud": "https://other.example.com"})), ErrAudienceMismatch, false},
		{"no aud", kitJSON(t, activeClaims(now, map[string]any{"aud": nil})), ErrAudienceMismatch, true},
		{"empty aud (Hydra)", kitJSON(t, activeClaims(now, map[string]any{"aud": []string{}})), ErrAudienceMismatch, true},
		{"aud array", kitJSON(t, activeClaims(now, map[string]any{"aud": []string{"x", kitASAudience}})), nil, true},
		{"no exp", kitJSON(t, activeClaims(now, map[string]any{"exp": nil})), nil, true},
		{"exp a string", kitJSON(t, activeClaims(now, map[string]any{"exp": "1900000000"})), ErrClaimsMalformed, false},
		{"sub not a string", kitJSON(t, activeClaims(now, map[string]any{"sub": 5})), ErrClaimsMalformed, false},
		{"cnf as bearer", kitJSON(t, activeClaims(now, map[string]any{"cnf": map[string]string{"jkt": "abc"}})), ErrTokenBound, false},
		{"a Hydra refresh token", kitJSON(t, activeClaims(now, map[string]any{"token_use": "refresh_token"})), ErrUnsupportedTokenType, false},
		{"a Hydra access token", kitJSON(t, activeClaims(now, map[string]any{"token_use": "access_token"})), nil, true},
		{"a Keycloak refresh token", kitJSON(t, activeClaims(now, map[string]any{"typ": "Refresh"})), ErrUnsupportedTokenType, false},
		{"a Keycloak ID token", kitJSON(t, activeClaims(now, map[string]any{"typ": "ID"})), ErrUnsupportedTokenType, false},
		{"a Keycloak access token", kitJSON(t, activeClaims(now, map[string]any{"typ": "Bearer"})), nil, true},
		{"active missing", `{"sub":"alice"}`, ErrKeysUnavailable, false},
		{"active a string", `{"active":"true"}`, ErrKeysUnavailable, false},
		{"duplicate members", `{"active":true,"active":false}`, ErrKeysUnavailable, false},
		{"duplicate aud", `{"active":true,"aud":"x","aud":"` + kitASAudience + `"}`, ErrKeysUnavailable, false},
		{"not JSON", `<html>Bad gateway</html>`, ErrKeysUnavailable, false},
		{"an array", `[{"active":true}]`, ErrKeysUnavailable, false},
		{"trailing data", `{"active":true} {}`, ErrKeysUnavailable, false},
		{"oversized", `{"active":true,"x":"` + strings.Repeat("a", defaultIntrospectionBytes) + `"}`, ErrKeysUnavailable, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			token := "opaque-" + strings.NewReplacer(" ", "-", "(", "", ")", "", ":", "", "'", "").Replace(tc.name)
			as.answerRaw(token, tc.raw)
			lenientWant := tc.wantErr
			if tc.lenient {
				lenientWant = nil
			}
			for _, w := range []struct {
				v    *Verifier
				want error
			}{{v, tc.wantErr}, {lenient, lenientWant}} {
				c, err := w.v.Verify(t.Context(), token)
				if w.want == nil {
					require.NoError(t, err)
					assert.Equal(t, kitASIssuer, c.Issuer())
					continue
				}
				require.ErrorIs(t, err, w.want)
				assert.Nil(t, c)
				r := w.v.ErrorResponse(err)
				if errors.Is(w.want, ErrKeysUnavailable) {
					assert.Equal(t, 503, r.Status)
					assert.Equal(t, "1", r.RetryAfter)
					assert.Contains(t, string(r.Body), "token introspection unavailable")
				} else {
					assert.Equal(t, 401, r.Status)
					assert.Contains(t, r.WWWAuthenticate, `error="invalid_token"`)
				}
			}
		})
	}
}

func TestIntrospectionRouting(t *testing.T) {
	clock := newKitClock()
	as := newKitAS(t, IntrospectionAuthBasic, clock.Now)
	v := kitIntrospectionVerifier(t, as, clock, nil, nil)
	for _, tc := range []struct {
		name, token string
		wantErr     error
	}{
		{"too large", strings.Repeat("a", defaultMaxTokenBytes+1), ErrTokenTooLarge},
		{"not b64token", "opaque token", ErrBearerSyntax},
		{"empty", "", ErrEmptyBearer},
		{"a JWS without keys to verify it", "eyJhbGciOiJFUzI1NiJ9.e30.c2ln", ErrUnknownKey},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := v.Verify(t.Context(), tc.token)
			assert.ErrorIs(t, err, tc.wantErr)
		})
	}
	assert.Zero(t, as.total.Load(), "none of them reached the endpoint")

	t.Run("without introspection an opaque token is malformed", func(t *testing.T) {
		key := newKitKey(t, "intro-off", "ES256")
		pk, err := NewPublicKey(key.kid, key.alg, key.signer.Public())
		require.NoError(t, err)
		off, err := NewVerifier(Config{Audiences: []string{kitASAudience}, Issuer: kitASIssuer, KeySet: NewStaticKeySet(pk)})
		require.NoError(t, err)
		defer off.Close()
		_, err = off.Verify(t.Context(), "ory_at_abc.def")
		assert.ErrorIs(t, err, ErrTokenMalformed)
	})
}

// TestIntrospectionClientAuthentication: each method as a real
// authorization server checks it.
func TestIntrospectionClientAuthentication(t *testing.T) {
	clock := newKitClock()
	for _, tc := range []struct {
		name   string
		method IntrospectionAuthMethod
		alg    string // private_key_jwt
	}{
		{"client_secret_basic", IntrospectionAuthBasic, ""},
		{"client_secret_post", IntrospectionAuthPost, ""},
		{"private_key_jwt ES256", IntrospectionAuthPrivateKeyJWT, "ES256"},
		{"private_key_jwt ES384", IntrospectionAuthPrivateKeyJWT, "ES384"},
		{"private_key_jwt RS256", IntrospectionAuthPrivateKeyJWT, "RS256"},
		{"private_key_jwt PS256", IntrospectionAuthPrivateKeyJWT, "PS256"},
		{"private_key_jwt EdDSA", IntrospectionAuthPrivateKeyJWT, "EdDSA"},
		{"none", IntrospectionAuthNone, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			as := newKitAS(t, tc.method, clock.Now)
			v := kitIntrospectionVerifier(t, as, clock, nil, func(c *Config) {
				c.Introspection.AuthMethod = tc.method
				switch tc.method {
				case IntrospectionAuthPrivateKeyJWT:
					k := newKitKey(t, "client", tc.alg)
					as.setClientKey(k.signer.Public())
					c.Introspection.ClientSecret = ""
					c.Introspection.Signer, c.Introspection.SignerKeyID = k.signer, kitClientKeyID
					if tc.alg == "PS256" {
						c.Introspection.SignerAlgorithm = "PS256"
					}
				case IntrospectionAuthNone:
					c.Introspection.ClientID, c.Introspection.ClientSecret = "", ""
				}
			})
			as.answer("tok-1", activeClaims(clock.Now(), nil))
			c, err := v.Verify(t.Context(), "tok-1")
			require.NoError(t, err, "the endpoint accepted the client authentication")
			assert.Equal(t, "alice", c.Subject())
		})
	}
}

// TestIntrospectionWrongCredentials: the endpoint refuses the client: 503
// for the clients, one Error line for the operator, and Ready says
// misconfigured.
func TestIntrospectionWrongCredentials(t *testing.T) {
	clock := newKitClock()
	as := newKitAS(t, IntrospectionAuthBasic, clock.Now)
	as.setSecret("another secret")
	var logs logLines
	v := kitIntrospectionVerifier(t, as, clock, nil, func(c *Config) { c.Logger = logs.logger() })
	for i := range 5 {
		_, err := v.Verify(t.Context(), "tok-"+string(rune('a'+i)))
		require.ErrorIs(t, err, ErrKeysUnavailable)
		assert.Equal(t, 503, v.ErrorResponse(err).Status)
	}
	errorsLogged := logs.lines("axioms: introspection misconfigured")
	require.Len(t, errorsLogged, 1, "once per change, not per request")
	assert.Equal(t, "ERROR", errorsLogged[0]["level"])
	assert.Equal(t, "status 401", errorsLogged[0]["reason"])
	assert.Contains(t, errorsLogged[0]["fix"], "AXIOMS_INTROSPECTION_CLIENT_SECRET")
	assert.NotContains(t, logs.buf.String(), kitSecret, "the secret is never logged")
	assert.NotContains(t, logs.buf.String(), "tok-a", "nor a token")

	err := v.Ready(t.Context())
	require.ErrorIs(t, err, ErrKeysUnavailable)
	assert.ErrorIs(t, err, ErrKeySetMisconfigured)

	as.setSecret(kitSecret)
	as.answer("tok-z", activeClaims(clock.Now(), nil))
	_, err = v.Verify(t.Context(), "tok-z")
	require.NoError(t, err, "fixed at the authorization server: the next request works")
	assert.NoError(t, v.Ready(t.Context()))
	assert.Len(t, logs.lines("axioms: introspection endpoint answering again"), 1)
}

// TestIntrospectionOutage: an endpoint down, failing, slow or redirecting
// gives 503 with Retry-After within Timeout, never an acceptance; nothing
// of it is cached.
func TestIntrospectionOutage(t *testing.T) {
	clock := newKitClock()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := "http://" + ln.Addr().String() + "/introspect"
	require.NoError(t, ln.Close())

	for _, tc := range []struct {
		name  string
		setup func(as *kitAS, c *Config)
		fix   bool // a misconfiguration (Error level)
	}{
		{"connection refused", func(_ *kitAS, c *Config) { c.Introspection.URL = closed }, false},
		{"500", func(as *kitAS, _ *Config) { as.status.Store(500) }, false},
		{"503", func(as *kitAS, _ *Config) { as.status.Store(503) }, false},
		{"429", func(as *kitAS, _ *Config) { as.status.Store(429) }, false},
		{"400", func(as *kitAS, _ *Config) { as.status.Store(400) }, true},
		{"slow", func(as *kitAS, c *Config) { as.hold(); c.Introspection.Timeout = 200 * time.Millisecond }, false},
		{"redirect", func(as *kitAS, _ *Config) { to := as.URL + "/elsewhere"; as.redirect.Store(&to) }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			as := newKitAS(t, IntrospectionAuthBasic, clock.Now)
			as.answer("tok", activeClaims(clock.Now(), nil))
			var logs logLines
			v := kitIntrospectionVerifier(t, as, clock, nil, func(c *Config) {
				c.Logger = logs.logger()
				tc.setup(as, c)
			})
			start := time.Now()
			c, err := v.Verify(t.Context(), "tok")
			assert.Less(t, time.Since(start), 5*time.Second, "bounded by Timeout")
			require.ErrorIs(t, err, ErrKeysUnavailable)
			assert.Nil(t, c)
			var e *Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, "token introspection unavailable", e.Description())
			assert.Equal(t, time.Second, e.RetryAfter())
			assert.Error(t, v.Ready(t.Context()))
			if tc.fix {
				assert.NotEmpty(t, logs.lines("axioms: introspection misconfigured"))
			} else {
				assert.NotEmpty(t, logs.lines("axioms: introspection failed"))
			}

			if tc.name == "connection refused" {
				return
			}
			as.status.Store(0)
			as.redirect.Store(nil)
			as.release()
			_, err = v.Verify(t.Context(), "tok")
			assert.NoError(t, err, "a failure is not cached: the next request asks again")
		})
	}
}

// TestIntrospectionReady: Ready waits for an answer of the endpoint (the
// probe at start: no request is needed), and reports it down.
func TestIntrospectionReady(t *testing.T) {
	clock := newKitClock()
	as := newKitAS(t, IntrospectionAuthBasic, clock.Now)
	as.hold()
	v := kitIntrospectionVerifier(t, as, clock, nil, nil)
	err := v.Ready(t.Context())
	require.ErrorIs(t, err, ErrKeysUnavailable)
	assert.ErrorIs(t, err, errNotAnswered)
	assert.NotErrorIs(t, err, ErrKeySetMisconfigured)

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	assert.ErrorIs(t, v.WaitReady(ctx), context.Canceled)

	as.release()
	waitAnswered(t, v)
	assert.NoError(t, v.Ready(t.Context()))
	assert.Equal(t, int64(1), as.probes.Load(), "one probe, at start")
	assert.Zero(t, as.total.Load())

	as.status.Store(502)
	_, err = v.Verify(t.Context(), "tok")
	require.ErrorIs(t, err, ErrKeysUnavailable)
	assert.Error(t, v.Ready(t.Context()), "the last request failed")
	as.status.Store(0)
	clock.Advance(minProbeInterval)
	waitAnswered(t, v)
	assert.NoError(t, v.Ready(t.Context()), "a probe found it answering again")
}

// TestIntrospectionReadyOrder: Ready reports the result of the request
// started last, not of the one that ended last: a slow failure never
// hides a later answer.
func TestIntrospectionReadyOrder(t *testing.T) {
	clock := newKitClock()
	as := newKitAS(t, IntrospectionAuthBasic, clock.Now)
	v := kitIntrospectionVerifier(t, as, clock, nil, nil)
	waitAnswered(t, v)
	old := "old"
	as.gateOnly.Store(&old)
	as.hold()
	as.mu.Lock()
	as.codes[old] = http.StatusBadGateway
	as.mu.Unlock()
	done := make(chan error, 1)
	go func() {
		_, err := v.Verify(context.Background(), old)
		done <- err
	}()
	for as.callsOf(old) == 0 { // the slow request reached the endpoint
		runtime.Gosched()
	}
	as.answer("new", activeClaims(clock.Now(), nil))
	_, err := v.Verify(t.Context(), "new")
	require.NoError(t, err)
	as.release()
	require.ErrorIs(t, <-done, ErrKeysUnavailable)
	assert.NoError(t, v.Ready(t.Context()), "the slow failure started before the answer")
}

// TestIntrospectionOnly: with neither issuer nor key set, every token is
// introspected, a JWT included, and iss is not checked.
func TestIntrospectionOnly(t *testing.T) {
	clock := newKitClock()
	as := newKitAS(t, IntrospectionAuthBasic, clock.Now)
	v := kitIntrospectionVerifier(t, as, clock, nil, func(c *Config) { c.Issuer, c.KeySet = "", nil })
	key := newKitKey(t, "intro-only", "ES256")
	jwt := key.sign(t, map[string]any{"sub": "carol"})
	as.answer(jwt, activeClaims(clock.Now(), map[string]any{"sub": "carol", "iss": "https://any.example.com"}))
	c, err := v.Verify(t.Context(), jwt)
	require.NoError(t, err)
	assert.Equal(t, "carol", c.Subject())
	assert.Equal(t, "https://any.example.com", c.Issuer())
	assert.Equal(t, 1, as.callsOf(jwt))
	assert.NoError(t, v.Ready(t.Context()) /* or the probe's answer */, "no key set to wait for")
	assert.Empty(t, v.ProtectedResource().AuthorizationServers)
}

// TestIntrospectJWTs: a JWT is verified locally, then introspected, so
// that its revocation is seen; a forged one costs no request.
func TestIntrospectJWTs(t *testing.T) {
	clock := newKitClock()
	key := newKitKey(t, "intro-jwt", "ES256")
	as := newKitAS(t, IntrospectionAuthBasic, clock.Now)
	v := kitIntrospectionVerifier(t, as, clock, key, func(c *Config) { c.Introspection.IntrospectJWTs = true })
	jwt := key.sign(t, map[string]any{"iss": kitASIssuer, "aud": kitASAudience, "sub": "dave", "roles": []string{"admin"},
		"exp": clock.Now().Add(time.Hour).Unix()})
	as.answer(jwt, map[string]any{"sub": "dave", "exp": clock.Now().Add(time.Hour).Unix()})

	c, err := v.Verify(t.Context(), jwt)
	require.NoError(t, err)
	assert.True(t, c.HasRole("admin"), "the JWT's claims, not the answer's")
	_, err = v.Verify(t.Context(), jwt)
	require.NoError(t, err)
	assert.Equal(t, 1, as.callsOf(jwt), "cached")

	forged := jwt[:strings.LastIndexByte(jwt, '.')+1] + "AAAA"
	_, err = v.Verify(t.Context(), forged)
	assert.ErrorIs(t, err, ErrSignatureInvalid)
	assert.Zero(t, as.callsOf(forged), "refused locally")

	as.revoke(jwt)
	clock.Advance(defaultIntrospectionTTL)
	_, err = v.Verify(t.Context(), jwt)
	assert.ErrorIs(t, err, ErrTokenInactive, "revocation seen after the TTL")
	assert.Equal(t, 2, as.callsOf(jwt))

	t.Run("the answer's exp ends the entry", func(t *testing.T) {
		jwt := key.sign(t, map[string]any{"iss": kitASIssuer, "aud": kitASAudience, "sub": "erin",
			"exp": clock.Now().Add(time.Hour).Unix()})
		as.answer(jwt, map[string]any{"exp": clock.Now().Add(10 * time.Second).Unix()})
		_, err := v.Verify(t.Context(), jwt)
		require.NoError(t, err)
		clock.Advance(10 * time.Second)
		_, err = v.Verify(t.Context(), jwt)
		require.NoError(t, err, "the endpoint says active still")
		assert.Equal(t, 2, as.callsOf(jwt), "asked again at the answer's exp")
	})
	t.Run("a key removed ends the entry", func(t *testing.T) {
		other := newKitKey(t, "intro-jwt-2", "ES256")
		pk1, err := NewPublicKey(key.kid, key.alg, key.signer.Public())
		require.NoError(t, err)
		pk2, err := NewPublicKey(other.kid, other.alg, other.signer.Public())
		require.NoError(t, err)
		ks := &swappableKeySet{}
		ks.keys.Store(&[]*PublicKey{pk1, pk2})
		v := kitIntrospectionVerifier(t, as, clock, nil, func(c *Config) { c.KeySet = ks; c.Introspection.IntrospectJWTs = true })
		jwt := key.sign(t, map[string]any{"iss": kitASIssuer, "aud": kitASAudience, "sub": "frank",
			"exp": clock.Now().Add(time.Hour).Unix()})
		as.answer(jwt, nil)
		_, err = v.Verify(t.Context(), jwt)
		require.NoError(t, err)
		ks.keys.Store(&[]*PublicKey{pk2})
		_, err = v.Verify(t.Context(), jwt)
		assert.ErrorIs(t, err, ErrUnknownKey, "keys that left the set stop verifying at once")
	})
}

// swappableKeySet is a custom KeySet whose keys the test replaces.
type swappableKeySet struct{ keys atomic.Pointer[[]*PublicKey] }

func (s *swappableKeySet) Keys(_ context.Context, kid string) ([]*PublicKey, error) {
	var out []*PublicKey
	for _, k := range *s.keys.Load() {
		if kid == "" || k.key.KID == kid {
			out = append(out, k)
		}
	}
	return out, nil
}

// TestIntrospectionBinding: cnf of an answer binds the token as cnf of a
// JWT does (the same check): x5t#S256 needs that client certificate.
func TestIntrospectionBinding(t *testing.T) {
	clock := newKitClock()
	as := newKitAS(t, IntrospectionAuthBasic, clock.Now)
	v := kitIntrospectionVerifier(t, as, clock, nil, nil)
	cert := selfSignedDER(t)
	as.answer("bound", activeClaims(clock.Now(), map[string]any{"cnf": map[string]string{"x5t#S256": certThumbprint(cert)}}))
	creds := Credentials{Authorization: []string{"Bearer bound"}}
	_, err := v.Check(t.Context(), http.MethodGet, creds, nil)
	assert.ErrorIs(t, err, ErrCertificateBinding)
	creds.ClientCertificate = cert
	c, err := v.Check(t.Context(), http.MethodGet, creds, nil)
	require.NoError(t, err)
	assert.Equal(t, "alice", c.Subject())
	creds.ClientCertificate = selfSignedDER(t)
	_, err = v.Check(t.Context(), http.MethodGet, creds, nil)
	assert.ErrorIs(t, err, ErrCertificateBinding, "a cache hit checks the binding again")
}

func selfSignedDER(tb testing.TB) []byte {
	tb.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(tb, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "client"},
		NotBefore: time.Unix(1_700_000_000, 0), NotAfter: time.Unix(1_900_000_000, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	require.NoError(tb, err)
	return der
}

// TestIntrospectionSeveralIssuers: the answer's iss selects the issuer
// whose rules apply; an answer without iss needs Introspection.Issuer.
func TestIntrospectionSeveralIssuers(t *testing.T) {
	clock := newKitClock()
	as := newKitAS(t, IntrospectionAuthBasic, clock.Now)
	const other = "https://other.example.com"
	build := func(issuer string) *Verifier {
		return kitIntrospectionVerifier(t, as, clock, nil, func(c *Config) {
			c.Issuer, c.Audiences, c.KeySet = "", nil, nil
			c.Issuers = []IssuerConfig{
				{Issuer: kitASIssuer, Audiences: []string{kitASAudience}, KeySet: NewStaticKeySet()},
				{Issuer: other, Audiences: []string{"https://other-api.example.com"}, KeySet: NewStaticKeySet()},
			}
			c.Introspection.Issuer = issuer
		})
	}
	v := build("")
	now := clock.Now()
	as.answer("a", activeClaims(now, nil))
	as.answer("b", activeClaims(now, map[string]any{"iss": other, "aud": "https://other-api.example.com"}))
	as.answer("c", activeClaims(now, map[string]any{"iss": other}))
	as.answer("d", activeClaims(now, map[string]any{"iss": "https://unlisted.example.com"}))
	as.answer("e", activeClaims(now, map[string]any{"iss": nil}))
	for token, want := range map[string]error{"a": nil, "b": nil, "c": ErrAudienceMismatch, "d": ErrIssuerMismatch, "e": ErrIssuerMismatch} {
		_, err := v.Verify(t.Context(), token)
		if want == nil {
			assert.NoError(t, err, token)
		} else {
			assert.ErrorIs(t, err, want, token)
		}
	}
	named := build(other)
	c, err := named.Verify(t.Context(), "e")
	assert.ErrorIs(t, err, ErrAudienceMismatch, "judged by the rules of Introspection.Issuer")
	assert.Nil(t, c)
	as.answer("f", activeClaims(now, map[string]any{"iss": nil, "aud": "https://other-api.example.com"}))
	c, err = named.Verify(t.Context(), "f")
	require.NoError(t, err)
	assert.Equal(t, other, c.Issuer())
}

// TestIntrospectionObserved: an introspection is a Fetch of its own kind;
// verifications report a cache hit as Cached; the Observer never sees a
// token.
func TestIntrospectionObserved(t *testing.T) {
	clock := newKitClock()
	as := newKitAS(t, IntrospectionAuthBasic, clock.Now)
	as.answer("tok", activeClaims(clock.Now(), nil))
	type fetch struct {
		kind, issuer string
		status       int
		err          bool
	}
	fetches := make(chan fetch, 10)
	var verifications []Verification
	obs := &Observer{
		Fetch: func(_ context.Context, f Fetch) { fetches <- fetch{f.Kind, f.Issuer, f.Status, f.Err != nil} },
		Verify: func(ctx context.Context) (context.Context, func(Verification)) {
			return ctx, func(r Verification) { verifications = append(verifications, r) }
		},
	}
	v := kitIntrospectionVerifier(t, as, clock, nil, func(c *Config) { c.Observer = obs })
	waitAnswered(t, v)
	assert.Equal(t, fetch{FetchIntrospection, kitASIssuer, 200, false}, <-fetches, "the probe")
	for range 2 {
		_, err := v.Verify(t.Context(), "tok")
		require.NoError(t, err)
	}
	_, err := v.Verify(t.Context(), "unknown")
	require.ErrorIs(t, err, ErrTokenInactive)
	assert.Equal(t, fetch{FetchIntrospection, kitASIssuer, 200, false}, <-fetches)
	assert.Equal(t, fetch{FetchIntrospection, kitASIssuer, 200, false}, <-fetches, "an inactive answer is an answer")
	assert.Empty(t, fetches)
	require.Len(t, verifications, 3)
	assert.Equal(t, Verification{Issuer: kitASIssuer}, verifications[0])
	assert.Equal(t, Verification{Cached: true, Issuer: kitASIssuer}, verifications[1])
	assert.ErrorIs(t, verifications[2].Err, ErrTokenInactive)
}

// TestIntrospectionRefusalLog: refusals of answers are logged at debug
// level like those of JWTs, naming what was expected.
func TestIntrospectionRefusalLog(t *testing.T) {
	clock := newKitClock()
	as := newKitAS(t, IntrospectionAuthBasic, clock.Now)
	var logs logLines
	v := kitIntrospectionVerifier(t, as, clock, nil, func(c *Config) { c.Logger = logs.logger() })
	as.answer("tok", activeClaims(clock.Now(), map[string]any{"aud": "https://other.example.com"}))
	_, err := v.Verify(t.Context(), "tok")
	require.ErrorIs(t, err, ErrAudienceMismatch)
	lines := logs.lines("axioms: token refused")
	require.Len(t, lines, 1)
	assert.Equal(t, []any{"https://other.example.com"}, lines[0]["aud"])
	assert.Equal(t, []any{kitASAudience}, lines[0]["expected_aud"])
}

// FuzzIntrospectionAnswer: no answer makes the judging panic, and an
// accepted one always names the trusted issuer, a configured audience and
// valid times; every other outcome is an invalid token.
func FuzzIntrospectionAnswer(f *testing.F) {
	now := time.Unix(1_800_000_000, 0)
	for _, seed := range []string{
		kitJSON(f, activeClaims(now, nil)),
		kitJSON(f, activeClaims(now, map[string]any{"iss": nil, "aud": []string{"a", kitASAudience}, "cnf": map[string]any{}})),
		`{"active":true,"aud":"` + kitASAudience + `","exp":1800000100.5,"nbf":1,"token_use":"access_token"}`,
		`{"active":false}`, `{"active":true,"active":true}`, `{"active":true,"iss":"` + kitASIssuer + `","aud":["\u0000"]}`,
	} {
		f.Add([]byte(seed))
	}
	v, err := NewVerifier(Config{Audiences: []string{kitASAudience}, Issuer: kitASIssuer, KeySet: NewStaticKeySet(),
		Now: func() time.Time { return now }, Logger: slog.New(slog.DiscardHandler),
		Introspection: IntrospectionConfig{URL: "http://127.0.0.1:1/introspect"}})
	require.NoError(f, err)
	f.Cleanup(func() { _ = v.Close() })
	f.Fuzz(func(t *testing.T, raw []byte) {
		c, active, err := parseAnswer(raw)
		if err != nil || !active {
			return
		}
		r := v.judgeAnswer(c)
		if r.err != nil {
			require.ErrorIs(t, r.err, ErrInvalidToken)
			return
		}
		require.Equal(t, kitASIssuer, r.claims.Issuer())
		require.True(t, audienceAccepted(r.claims, &v.only.rules))
		require.NoError(t, timesValid(r.claims, now, 0))
	})
}
