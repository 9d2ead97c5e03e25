package core_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"

	"github.com/axiomsgo/axioms/core"
)

// An authorization server that issues opaque access tokens (Ory Hydra's
// ory_at_…) and JWTs: the opaque ones are introspected (RFC 7662), the
// JWTs verified locally, and both meet the same policies.
func ExampleIntrospectionConfig() {
	// The authorization server, on loopback for the example: its key set and
	// its introspection endpoint, which knows one active token.
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	key, _ := jwk.Import(priv.Public())
	_ = key.Set(jwk.KeyIDKey, "key-1")
	set := jwk.NewSet()
	_ = set.AddKey(key)
	jwks, _ := json.Marshal(set)
	var issuer string
	mux := http.NewServeMux()
	mux.HandleFunc("GET /jwks.json", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(jwks) })
	mux.HandleFunc("POST /oauth2/introspect", func(w http.ResponseWriter, r *http.Request) {
		if id, secret, _ := r.BasicAuth(); id != "orders-api" || secret != "s3cret" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		answer := map[string]any{"active": false}
		if r.PostFormValue("token") == "ory_at_aGVsbG8.d29ybGQ" {
			answer = map[string]any{"active": true, "iss": issuer, "sub": "alice", "aud": []string{"https://api.example.com"},
				"scope": "orders:read openid", "client_id": "web", "exp": time.Now().Add(time.Hour).Unix()}
		}
		_ = json.NewEncoder(w).Encode(answer)
	})
	as := httptest.NewServer(mux)
	defer as.Close()
	issuer = as.URL

	v, err := core.NewVerifier(core.Config{
		Audiences: []string{"https://api.example.com"},
		Issuer:    issuer,
		JWKSURL:   issuer + "/jwks.json",
		Introspection: core.IntrospectionConfig{
			URL:          issuer + "/oauth2/introspect",
			ClientID:     "orders-api", // client_secret_basic by default
			ClientSecret: "s3cret",
			CacheTTL:     30 * time.Second, // a revoked token is refused within 30s
		},
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer v.Close()

	c, err := v.Check(context.Background(), http.MethodGet,
		core.Credentials{Authorization: []string{"Bearer ory_at_aGVsbG8.d29ybGQ"}}, core.AnyScope("orders:read"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Subject(), c.Scopes())

	_, err = v.Verify(context.Background(), "ory_at_cmV2b2tlZA.c2ln")
	fmt.Println(errors.Is(err, core.ErrTokenInactive), v.ErrorResponse(err).Status)
	// Output:
	// alice [orders:read openid]
	// true 401
}

// An authorization server that signs its introspection answers (RFC 9701,
// node oidc-provider's features.jwtIntrospection): with SignedResponses
// the Verifier asks for them and takes no other, and checks each one with
// the issuer's key set (typ, iss, aud, iat) before it reads the answer
// inside, which is then judged as a plain one.
func ExampleIntrospectionConfig_signedResponses() {
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	key, _ := jwk.Import(priv.Public())
	_ = key.Set(jwk.KeyIDKey, "as-key-1")
	set := jwk.NewSet()
	_ = set.AddKey(key)
	jwks, _ := json.Marshal(set)
	var issuer string
	mux := http.NewServeMux()
	mux.HandleFunc("GET /jwks.json", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(jwks) })
	mux.HandleFunc("POST /oauth2/introspect", func(w http.ResponseWriter, r *http.Request) {
		answer := map[string]any{"active": false}
		if r.PostFormValue("token") == "opaque-token-1" {
			answer = map[string]any{"active": true, "iss": issuer, "sub": "alice", "aud": "https://api.example.com",
				"scope": "orders:read", "exp": time.Now().Add(time.Hour).Unix()}
		}
		if r.Header.Get("Accept") != "application/token-introspection+jwt" {
			_ = json.NewEncoder(w).Encode(answer)
			return
		}
		// RFC 9701 §5: the answer in token_introspection, aud the client ID.
		payload, _ := json.Marshal(map[string]any{"iss": issuer, "aud": "orders-api", "iat": time.Now().Unix(),
			"token_introspection": answer})
		header := jws.NewHeaders()
		_ = header.Set(jws.TypeKey, "token-introspection+jwt")
		_ = header.Set(jws.KeyIDKey, "as-key-1")
		jwt, _ := jws.Sign(payload, jws.WithKey(jwa.ES256(), priv, jws.WithProtectedHeaders(header)))
		w.Header().Set("Content-Type", "application/token-introspection+jwt")
		_, _ = w.Write(jwt)
	})
	as := httptest.NewServer(mux)
	defer as.Close()
	issuer = as.URL

	v, err := core.NewVerifier(core.Config{
		Audiences: []string{"https://api.example.com"},
		Issuer:    issuer, // its key set verifies the answers
		JWKSURL:   issuer + "/jwks.json",
		Introspection: core.IntrospectionConfig{
			URL:             issuer + "/oauth2/introspect",
			ClientID:        "orders-api",
			ClientSecret:    "s3cret",
			SignedResponses: true, // a plain JSON answer is refused (503)
		},
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer v.Close()

	c, err := v.Verify(context.Background(), "opaque-token-1")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Subject(), c.Scopes())
	_, err = v.Verify(context.Background(), "opaque-revoked")
	fmt.Println(errors.Is(err, core.ErrTokenInactive))
	// Output:
	// alice [orders:read]
	// true
}

// Two issuers in one Verifier: the JWTs of one (an authorization server
// that revokes them, such as Ory Hydra) are introspected at its own
// endpoint after their local verification; those of the other stay local.
// An opaque token is sent to no issuer's endpoint.
func ExampleIssuerConfig_introspection() {
	sign := func(priv *ecdsa.PrivateKey, kid string, claims map[string]any) string {
		payload, _ := json.Marshal(claims)
		header := jws.NewHeaders()
		_ = header.Set(jws.KeyIDKey, kid)
		jwt, _ := jws.Sign(payload, jws.WithKey(jwa.ES256(), priv, jws.WithProtectedHeaders(header)))
		return string(jwt)
	}
	keyA, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	keyB, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pkA, _ := core.NewPublicKey("a-1", "ES256", keyA.Public())
	pkB, _ := core.NewPublicKey("b-1", "ES256", keyB.Public())

	// Issuer A's introspection endpoint, on loopback for the example.
	var mu sync.Mutex
	revoked, requests := map[string]bool{}, 0 // guarded by mu
	as := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id, secret, _ := r.BasicAuth(); id != "orders-api" || secret != "s3cret" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		token := r.PostFormValue("token")
		mu.Lock()
		defer mu.Unlock()
		if !strings.HasPrefix(token, "axioms-readiness-probe.") { // the probe Ready needs
			requests++
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"active": !revoked[token]})
	}))
	defer as.Close()

	const issuerA, issuerB = "https://a.example.com", "https://b.example.com"
	v, err := core.NewVerifier(core.Config{
		Audiences: []string{"https://api.example.com"},
		Issuers: []core.IssuerConfig{
			{Issuer: issuerA, KeySet: core.NewStaticKeySet(pkA), Introspection: &core.IntrospectionConfig{
				URL:          as.URL + "/oauth2/introspect",
				ClientID:     "orders-api",
				ClientSecret: "s3cret",
				CacheTTL:     -1, // for the example: every use is introspected
			}},
			{Issuer: issuerB, KeySet: core.NewStaticKeySet(pkB)}, // verified locally only
		},
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer v.Close()
	claims := func(iss, sub string) map[string]any {
		return map[string]any{"iss": iss, "sub": sub, "aud": "https://api.example.com",
			"exp": time.Now().Add(time.Hour).Unix()}
	}
	count := func() int {
		mu.Lock()
		defer mu.Unlock()
		return requests
	}
	ctx := context.Background()

	jwtA := sign(keyA, "a-1", claims(issuerA, "alice"))
	c, err := v.Verify(ctx, jwtA)
	fmt.Println(c.Subject(), err, count())
	mu.Lock()
	revoked[jwtA] = true // at the authorization server
	mu.Unlock()
	_, err = v.Verify(ctx, jwtA)
	fmt.Println(errors.Is(err, core.ErrTokenInactive), count())

	c, err = v.Verify(ctx, sign(keyB, "b-1", claims(issuerB, "bob")))
	fmt.Println(c.Subject(), err, count())

	_, err = v.Verify(ctx, "ory_at_aGVsbG8.d29ybGQ") // not sent to A: it names no issuer
	fmt.Println(errors.Is(err, core.ErrTokenMalformed), count())
	// Output:
	// alice <nil> 1
	// true 2
	// bob <nil> 2
	// true 2
}
