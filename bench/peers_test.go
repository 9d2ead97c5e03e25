package bench

import (
	"context"
	"errors"
	"testing"
	"time"

	jwtmw "github.com/auth0/go-jwt-middleware/v3/validator"
	jose "github.com/go-jose/go-jose/v4"
	josejwt "github.com/go-jose/go-jose/v4/jwt"
	"github.com/golang-jwt/jwt/v5"
	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	jwxjwt "github.com/lestrrat-go/jwx/v3/jwt"
)

// A verifier checks one token the way its library's documentation shows:
// signature with a key chosen by kid, exp/nbf, iss and aud.
type verifier func(token string) error

// newGolangJWT is golang-jwt v5 with a kid → key map as its Keyfunc, the
// algorithm pinned, and iss, aud and exp required. Claims decode into
// jwt.MapClaims (the default).
func newGolangJWT(tb testing.TB, k *keyPair, size int) verifier {
	tb.Helper()
	keys := map[string]any{k.kid: k.pub}
	for _, kid := range fillerKIDs(size) {
		keys[kid] = k.pub
	}
	p, keyfunc := jwt.NewParser(golangJWTOptions(k.alg)...), kidKeyfunc(keys)
	return func(token string) error {
		_, err := p.Parse(token, keyfunc)
		return err
	}
}

// golangJWTOptions are the golang-jwt v5 parser options of every row built
// on golang-jwt that lets them be set: the algorithm pinned, iss, aud and
// exp required.
func golangJWTOptions(alg string) []jwt.ParserOption {
	return []jwt.ParserOption{jwt.WithValidMethods([]string{alg}), jwt.WithIssuer(issuer),
		jwt.WithAudience(audience), jwt.WithExpirationRequired()}
}

// kidKeyfunc is a golang-jwt Keyfunc that picks the key named by the
// token's kid in keys.
func kidKeyfunc(keys map[string]any) jwt.Keyfunc {
	return func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		if key, ok := keys[kid]; ok {
			return key, nil
		}
		return nil, errors.New("unknown kid")
	}
}

// goJoseClaims are the private claims go-jose decodes beside jwt.Claims.
type goJoseClaims struct {
	Scope string   `json:"scope"`
	Roles []string `json:"roles"`
}

// newGoJose is go-jose v4: ParseSigned with the algorithm pinned, Claims
// with a JSONWebKeySet (key chosen by kid), then Validate.
func newGoJose(tb testing.TB, k *keyPair) verifier {
	tb.Helper()
	set := &jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: k.pub, KeyID: k.kid, Algorithm: k.alg, Use: "sig"}}}
	algs := []jose.SignatureAlgorithm{jose.SignatureAlgorithm(k.alg)}
	return func(token string) error {
		t, err := josejwt.ParseSigned(token, algs)
		if err != nil {
			return err
		}
		var c josejwt.Claims
		var private goJoseClaims
		if err := t.Claims(set, &c, &private); err != nil {
			return err
		}
		return c.ValidateWithLeeway(josejwt.Expected{Issuer: issuer, AnyAudience: josejwt.Audience{audience}, Time: time.Now()}, 0)
	}
}

// jwxSet builds a jwx v3 key set of size keys (the real one last).
func jwxSet(tb testing.TB, k *keyPair, size int) jwk.Set {
	tb.Helper()
	set := jwk.NewSet()
	alg, ok := jwa.LookupSignatureAlgorithm(k.alg)
	if !ok {
		tb.Fatalf("jwx: no algorithm %s", k.alg)
	}
	for _, kid := range append(fillerKIDs(size), k.kid) {
		key, err := jwk.Import(k.pub)
		if err != nil {
			tb.Fatal(err)
		}
		for name, v := range map[string]any{jwk.KeyIDKey: kid, jwk.AlgorithmKey: alg, jwk.KeyUsageKey: "sig"} {
			if err := key.Set(name, v); err != nil {
				tb.Fatal(err)
			}
		}
		if err := set.AddKey(key); err != nil {
			tb.Fatal(err)
		}
	}
	return set
}

// newJWX is jwx v3 jwt.Parse with a key set, validation on, iss and aud.
func newJWX(tb testing.TB, k *keyPair, size int) verifier {
	tb.Helper()
	set := jwxSet(tb, k, size)
	return func(token string) error {
		_, err := jwxjwt.ParseString(token, jwxjwt.WithKeySet(set), jwxjwt.WithValidate(true),
			jwxjwt.WithIssuer(issuer), jwxjwt.WithAudience(audience))
		return err
	}
}

// newAuth0 is auth0 go-jwt-middleware v3's validator with a key func
// returning a jwx key set, as its JWKS provider does.
func newAuth0(tb testing.TB, k *keyPair) verifier {
	tb.Helper()
	set := jwxSet(tb, k, 1)
	v, err := jwtmw.New(
		jwtmw.WithKeyFunc(func(context.Context) (any, error) { return set, nil }),
		jwtmw.WithAlgorithm(jwtmw.SignatureAlgorithm(k.alg)),
		jwtmw.WithIssuer(issuer),
		jwtmw.WithAudience(audience),
	)
	if err != nil {
		tb.Fatal(err)
	}
	ctx := context.Background()
	return func(token string) error {
		_, err := v.ValidateToken(ctx, token)
		return err
	}
}
