package core_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jwt"

	"github.com/axiomsgo/axioms/core"
)

func ExampleNewVerifier() {
	// The issuer's signing key, and the JWKS document it publishes. In
	// production set Config.Issuer (and JWKSURL if needed) instead of
	// KeySet: the verifier then fetches and refreshes the JWKS itself.
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	signingKey, _ := jwk.Import(priv)
	_ = signingKey.Set(jwk.KeyIDKey, "key-1")
	publicKey, _ := signingKey.PublicKey()
	_ = publicKey.Set(jwk.AlgorithmKey, jwa.ES256())
	_ = publicKey.Set(jwk.KeyUsageKey, "sig")
	set := jwk.NewSet()
	_ = set.AddKey(publicKey)
	jwks, _ := json.Marshal(set)

	keys, err := core.ParseStaticKeySet(jwks)
	if err != nil {
		fmt.Println(err)
		return
	}
	v, err := core.NewVerifier(core.Config{
		Audiences: []string{"https://api.example.com"},
		Issuer:    "https://issuer.example.com/",
		KeySet:    keys,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer v.Close()

	// An access token as the issuer mints it.
	tok, _ := jwt.NewBuilder().
		Issuer("https://issuer.example.com/").
		Audience([]string{"https://api.example.com"}).
		Subject("alice").
		Expiration(time.Now().Add(time.Hour)).
		Claim("scope", "read:data write:data").
		Build()
	signed, _ := jwt.Sign(tok, jwt.WithKey(jwa.ES256(), signingKey))

	claims, err := v.Verify(context.Background(), string(signed))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("subject:", claims.Subject())
	fmt.Println("scopes:", claims.Scopes())
	// Output:
	// subject: alice
	// scopes: [read:data write:data]
}

// exampleVerifier returns a Verifier trusting a fresh key, and a function
// minting tokens with that key for subject alice and the given scopes (see
// ExampleNewVerifier for the steps).
func exampleVerifier() (*core.Verifier, func(scope string) string) {
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pub, _ := core.NewPublicKey("key-1", "ES256", priv.Public())
	v, err := core.NewVerifier(core.Config{
		Audiences: []string{"https://api.example.com"},
		Issuer:    "https://issuer.example.com/",
		KeySet:    core.NewStaticKeySet(pub),
	})
	if err != nil {
		panic(err)
	}
	signingKey, _ := jwk.Import(priv)
	_ = signingKey.Set(jwk.KeyIDKey, "key-1")
	sign := func(scope string) string {
		tok, _ := jwt.NewBuilder().
			Issuer("https://issuer.example.com/").
			Audience([]string{"https://api.example.com"}).
			Subject("alice").
			Expiration(time.Now().Add(time.Hour)).
			Claim("scope", scope).
			Build()
		signed, _ := jwt.Sign(tok, jwt.WithKey(jwa.ES256(), signingKey))
		return string(signed)
	}
	return v, sign
}

func ExampleAnyScope() {
	v, sign := exampleVerifier()
	defer v.Close()

	// GET /api/read needs read:data or admin.
	readData := core.AnyScope("read:data", "admin")
	for _, scope := range []string{"read:data", "profile"} {
		creds := core.Credentials{Authorization: []string{"Bearer " + sign(scope)}}
		if _, err := v.Check(context.Background(), http.MethodGet, creds, readData); err != nil {
			resp := v.ErrorResponse(err)
			fmt.Println(scope+":", resp.Status, resp.WWWAuthenticate)
			continue
		}
		fmt.Println(scope + ": allowed")
	}
	// Output:
	// read:data: allowed
	// profile: 403 Bearer realm="api", error="insufficient_scope", error_description="insufficient scope", scope="read:data admin"
}

func ExampleVerifier_Check() {
	v, sign := exampleVerifier()
	defer v.Close()

	// A plain net/http handler for POST /api/write, which needs both scopes.
	policy := core.AllScopes("write:data", "openid")
	handler := func(w http.ResponseWriter, r *http.Request) {
		creds := core.Credentials{Authorization: r.Header.Values("Authorization")}
		claims, err := v.Check(r.Context(), r.Method, creds, policy)
		if err != nil {
			resp := v.ErrorResponse(err)
			if resp.WWWAuthenticate != "" {
				w.Header().Set("WWW-Authenticate", resp.WWWAuthenticate)
			}
			if resp.RetryAfter != "" {
				w.Header().Set("Retry-After", resp.RetryAfter)
			}
			w.Header().Set("Content-Type", core.ContentType)
			w.WriteHeader(resp.Status)
			_, _ = w.Write(resp.Body)
			return
		}
		fmt.Fprintf(w, "hello %s", claims.Subject())
	}

	r := httptest.NewRequest(http.MethodPost, "/api/write", nil)
	r.Header.Set("Authorization", "Bearer "+sign("read:data openid"))
	w := httptest.NewRecorder()
	handler(w, r)
	fmt.Println(w.Code)
	fmt.Println(w.Header().Get("WWW-Authenticate"))
	fmt.Println(w.Body.String())
	// Output:
	// 403
	// Bearer realm="api", error="insufficient_scope", error_description="insufficient scope", scope="write:data openid"
	// {"error":"insufficient_scope","error_description":"insufficient scope"}
}

// The decision every adapter's Middleware makes, and its answers: safe and
// anonymous methods pass the middleware without credentials, but a policy
// is never met without a verified token.
func ExampleGuard() {
	keys := core.NewStaticKeySet() // no keys: this example verifies no token
	v, err := core.NewVerifier(core.Config{
		Audiences: []string{"api"},
		Issuer:    "https://issuer.example.com",
		KeySet:    keys, // in production: the issuer's JWKS, fetched by the verifier
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer v.Close()
	g := core.NewGuard(v, core.GuardOptions{AnonymousMethods: []string{"GET"}})
	ctx := context.Background()

	_, err = g.Authenticate(ctx, "POST", core.Credentials{}) // no Authorization header
	resp := g.Response(err, false, "api.example.com")
	fmt.Println(errors.Is(err, core.ErrNoCredentials), resp.Status, resp.WWWAuthenticate)
	fmt.Println(string(resp.Body))

	reqCtx, err := g.Authenticate(ctx, "GET", core.Credentials{}) // an anonymous GET passes...
	_, hasClaims := core.ClaimsFromContext(reqCtx)
	fmt.Println(hasClaims, err)
	err = g.Authorize(reqCtx, "GET", core.AnyScope("read:data")) // ...but meets no policy
	fmt.Println(g.Response(err, false, "api.example.com").Status)
	// Output:
	// true 401 Bearer realm="api"
	// {"error":"unauthorized","error_description":"authentication required"}
	// false <nil>
	// 401
}
