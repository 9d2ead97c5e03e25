package core_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jwt"

	"github.com/axiomsgo/axioms/core"
)

func ExampleClaims_Decode() {
	// A verifier trusting one key, and a token signed with it (see
	// ExampleNewVerifier for the steps).
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pub, _ := core.NewPublicKey("key-1", "ES256", priv.Public())
	v, err := core.NewVerifier(core.Config{
		Audiences: []string{"https://api.example.com"},
		Issuer:    "https://issuer.example.com/",
		KeySet:    core.NewStaticKeySet(pub),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer v.Close()
	signingKey, _ := jwk.Import(priv)
	_ = signingKey.Set(jwk.KeyIDKey, "key-1")
	tok, _ := jwt.NewBuilder().
		Issuer("https://issuer.example.com/").
		Audience([]string{"https://api.example.com"}).
		Subject("alice").
		Expiration(time.Now().Add(time.Hour)).
		Claim("scope", "read:data").
		Claim("SCOPE", "admin").
		Claim("tenant", "acme").
		Claim("org", map[string]any{"id": "o-1", "units": []string{"sales", "support"}}).
		Build()
	signed, _ := jwt.Sign(tok, jwt.WithKey(jwa.ES256(), signingKey))

	claims, err := v.Verify(context.Background(), string(signed))
	if err != nil {
		fmt.Println(err)
		return
	}

	// Custom claims, typed. Names match exactly: "SCOPE" is another claim,
	// which fills nothing here, as Scopes ignores it.
	var custom struct {
		Scope  string `json:"scope"`
		Tenant string `json:"tenant"`
		Org    struct {
			ID    string   `json:"id"`
			Units []string `json:"units"`
		} `json:"org"`
	}
	if err := claims.Decode(&custom); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("scope:", custom.Scope, claims.Scopes())
	fmt.Println("tenant:", custom.Tenant)
	fmt.Println("org:", custom.Org.ID, custom.Org.Units)
	// Output:
	// scope: read:data [read:data]
	// tenant: acme
	// org: o-1 [sales support]
}
