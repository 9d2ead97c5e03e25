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
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/axiomsgo/axioms/core"
)

// A service that should take no traffic before it can judge tokens waits
// for the keys at start, with a deadline, and tells a configuration to fix
// from an issuer that is down.
func ExampleVerifier_WaitReady() {
	// An issuer publishing its key set, on loopback for the example.
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	key, _ := jwk.Import(priv.Public())
	_ = key.Set(jwk.KeyIDKey, "key-1")
	set := jwk.NewSet()
	_ = set.AddKey(key)
	jwks, _ := json.Marshal(set)
	issuer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/jwk-set+json")
		_, _ = w.Write(jwks)
	}))
	defer issuer.Close()

	v, err := core.NewVerifier(core.Config{
		Audiences: []string{"https://api.example.com"},
		Issuer:    issuer.URL,
		JWKSURL:   issuer.URL + "/jwks.json",
		Logger:    slog.New(slog.DiscardHandler),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer v.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	switch err := v.WaitReady(ctx); {
	case errors.Is(err, core.ErrKeySetMisconfigured):
		fmt.Println("fix the configuration:", err) // the log says what to fix
	case err != nil:
		fmt.Println("issuer unreachable, starting anyway:", err) // requests get 503 until keys load
	default:
		fmt.Println("ready:", v.Ready(ctx) == nil)
	}
	// Output: ready: true
}
