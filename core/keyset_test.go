package core

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"log/slog"
	"math/big"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axiomsgo/axioms/core/internal/jwkset"
)

// ksClaims are valid claims for the tests of this file at now.
func ksClaims(now time.Time) map[string]any {
	return map[string]any{"iss": "https://issuer.example", "aud": "api", "sub": "alice", "exp": now.Add(time.Hour).Unix()}
}

// ksVerifier is a Verifier over a fixed key set, with the Config changed by
// mutate.
func ksVerifier(tb testing.TB, ks KeySet, clk *kitClock, mutate func(*Config)) *Verifier {
	tb.Helper()
	cfg := Config{
		Audiences: []string{"api"}, Issuer: "https://issuer.example", KeySet: ks,
		Now: clk.Now, Logger: slog.New(slog.DiscardHandler),
	}
	if mutate != nil {
		mutate(&cfg)
	}
	v, err := NewVerifier(cfg)
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = v.Close() })
	return v
}

// TestEd25519AlgorithmName checks RFC 9864 "Ed25519" next to RFC 8037
// "EdDSA" end to end: in the token header, in the JWK's alg (both
// directions) and in Config.Algorithms, which compares names exactly.
func TestEd25519AlgorithmName(t *testing.T) {
	ed := newKitKey(t, "ed-name", "EdDSA")
	rsaKey := newKitKey(t, "rsa-name", "RS256")
	jwk := func(kid, alg string) map[string]any {
		m := (&kitKey{kid: kid, alg: alg, signer: ed.signer}).jwk(t)
		if alg == "" {
			delete(m, "alg")
		}
		return m
	}
	ks, err := ParseStaticKeySet(kitJWKS(t, jwk("jwk-eddsa", "EdDSA"), jwk("jwk-ed25519", "Ed25519"),
		jwk("jwk-none", ""), rsaKey.jwk(t)))
	require.NoError(t, err)
	clk := newKitClock()
	def := ksVerifier(t, ks, clk, nil)
	onlyEdDSA := ksVerifier(t, ks, clk, func(c *Config) { c.Algorithms = []string{"EdDSA"} })
	onlyEd25519 := ksVerifier(t, ks, clk, func(c *Config) { c.Algorithms = []string{"Ed25519"} })

	tests := []struct {
		name     string
		v        *Verifier
		kid      string
		tokenAlg string
		wantErr  error
	}{
		{"JWK EdDSA, token EdDSA", def, "jwk-eddsa", "EdDSA", nil},
		{"JWK EdDSA, token Ed25519", def, "jwk-eddsa", "Ed25519", nil},
		{"JWK Ed25519, token EdDSA", def, "jwk-ed25519", "EdDSA", nil},
		{"JWK Ed25519, token Ed25519", def, "jwk-ed25519", "Ed25519", nil},
		{"JWK without alg, token Ed25519", def, "jwk-none", "Ed25519", nil},
		{"allow-list Ed25519 only, token Ed25519", onlyEd25519, "jwk-eddsa", "Ed25519", nil},
		{"allow-list Ed25519 only, token EdDSA", onlyEd25519, "jwk-ed25519", "EdDSA", ErrUnsupportedAlgorithm},
		{"allow-list EdDSA only, token Ed25519", onlyEdDSA, "jwk-eddsa", "Ed25519", ErrUnsupportedAlgorithm},
		{"token Ed25519 on an RSA key", def, "rsa-name", "Ed25519", ErrUnsupportedAlgorithm},
		{"token ed25519 (case)", def, "jwk-ed25519", "ed25519", ErrUnsupportedAlgorithm},
		{"token Ed448", def, "jwk-ed25519", "Ed448", ErrUnsupportedAlgorithm},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hdr := map[string]any{"alg": tc.tokenAlg, "kid": tc.kid, "typ": "at+jwt"}
			tok := ed.signRaw(t, "EdDSA", kitJSON(t, hdr), kitJSON(t, ksClaims(clk.Now())))
			c, err := tc.v.Verify(context.Background(), tok)
			if tc.wantErr != nil {
				assert.ErrorIs(t, err, tc.wantErr)
				assert.Nil(t, c)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "alice", c.Subject())
		})
	}
}

// remoteVerifier is a Verifier over the JWKS server srv (a real
// RemoteKeySet), with the Config changed by mutate.
func remoteVerifier(tb testing.TB, srv *kitJWKSServer, clk *kitClock, mutate func(*Config)) *Verifier {
	tb.Helper()
	return ksVerifier(tb, nil, clk, func(c *Config) {
		c.KeySet, c.JWKSURL = nil, srv.URL
		if mutate != nil {
			mutate(c)
		}
	})
}

// TestRefetchKeepsKeyIdentity: a refetch that returns the same key material
// keeps the *PublicKey objects, so every verified-token cache entry stays
// valid. A forged token with an unknown kid therefore costs one rate-limited
// fetch, never the cache.
func TestRefetchKeepsKeyIdentity(t *testing.T) {
	k := newKitKey(t, "ident-1", "ES256")
	other := newKitKey(t, "ident-2", "ES256")
	srv := newKitJWKSServer(t, kitJWKS(t, k.jwk(t), other.jwk(t)))
	clk := newKitClock()
	v := remoteVerifier(t, srv, clk, nil)

	tokens := make([]string, 200)
	first := make([]*Claims, len(tokens))
	for i := range tokens {
		claims := ksClaims(clk.Now())
		claims["jti"] = fmt.Sprint(i)
		tokens[i] = k.sign(t, claims)
		c, err := v.Verify(context.Background(), tokens[i])
		require.NoError(t, err)
		first[i] = c
	}
	for i, tok := range tokens {
		c, err := v.Verify(context.Background(), tok)
		require.NoError(t, err)
		require.Same(t, first[i], c, "precondition: token %d is a cache hit", i)
	}
	require.Equal(t, int64(1), srv.requests.Load())

	clk.Advance(defaultMinRefreshInterval)
	forged := (&kitKey{kid: "unknown", alg: "ES256", signer: k.signer}).sign(t, ksClaims(clk.Now()))
	_, err := v.Verify(context.Background(), forged)
	require.ErrorIs(t, err, ErrUnknownKey)
	require.Equal(t, int64(2), srv.requests.Load(), "precondition: the unknown kid refetched the same JWKS")

	for i, tok := range tokens {
		c, err := v.Verify(context.Background(), tok)
		require.NoError(t, err)
		assert.Same(t, first[i], c, "token %d is still a cache hit after the refetch", i)
	}

	clk.Advance(defaultMinRefreshInterval)
	forged = (&kitKey{kid: k.kid, alg: "ES256", signer: other.signer}).sign(t, ksClaims(clk.Now()))
	_, err = v.Verify(context.Background(), forged)
	require.ErrorIs(t, err, ErrSignatureInvalid)
	require.Equal(t, int64(3), srv.requests.Load(), "precondition: the known kid with a bad signature refetched")
	for i, tok := range tokens {
		c, err := v.Verify(context.Background(), tok)
		require.NoError(t, err)
		assert.Same(t, first[i], c, "token %d is still a cache hit after the second refetch", i)
	}
}

// TestKeepIdentity checks which keys of a new set keepIdentity replaces by
// those of the previous set.
func TestKeepIdentity(t *testing.T) {
	a, b := newKitKey(t, "keep-a", "ES256"), newKitKey(t, "keep-b", "ES256")
	pk := func(kid, alg string, k *kitKey) *PublicKey {
		p, err := NewPublicKey(kid, alg, k.signer.Public())
		require.NoError(t, err)
		return p
	}
	prevA, prevNoKid, prevDup := pk("a", "ES256", a), pk("", "ES256", a), pk("dup", "", a)
	prev := newKeyIndex([]*PublicKey{prevA, prevNoKid, prevDup})
	tests := []struct {
		name string
		key  *PublicKey
		want *PublicKey // nil: the new key is kept
	}{
		{"same kid, alg and key", pk("a", "ES256", a), prevA},
		{"same key without kid", pk("", "ES256", a), prevNoKid},
		{"other key material under the same kid", pk("a", "ES256", b), nil},
		{"other alg", pk("a", "", a), nil},
		{"other kid", pk("c", "ES256", a), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := prev.keepIdentity([]*PublicKey{tc.key})
			want := tc.want
			if want == nil {
				want = tc.key
			}
			assert.Same(t, want, got[0])
		})
	}
	t.Run("a previous key is reused once", func(t *testing.T) {
		d1, d2 := pk("dup", "", a), pk("dup", "", a)
		got := prev.keepIdentity([]*PublicKey{d1, d2})
		assert.Same(t, prevDup, got[0])
		assert.Same(t, d2, got[1])
	})
	t.Run("no previous set", func(t *testing.T) {
		k := pk("a", "ES256", a)
		assert.Same(t, k, (*keyIndex)(nil).keepIdentity([]*PublicKey{k})[0])
	})
}

// TestKeyReplacedUnderSameKID: an issuer that replaces a key under the same
// kid is followed like one that adds a kid: the first token of the new key
// refetches (rate-limited) and verifies; tokens of the old key then fail.
func TestKeyReplacedUnderSameKID(t *testing.T) {
	tests := []struct {
		name     string
		old, new *kitKey
	}{
		{"new key material", newKitKey(t, "repl-old", "ES256"), newKitKey(t, "repl-new", "ES256")},
		{"new key type and alg", newKitKey(t, "repl-old-rsa", "RS256"), newKitKey(t, "repl-new-ed", "Ed25519")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			const kid = "same-kid"
			oldKey := &kitKey{kid: kid, alg: tc.old.alg, signer: tc.old.signer}
			newKey := &kitKey{kid: kid, alg: tc.new.alg, signer: tc.new.signer}
			srv := newKitJWKSServer(t, kitJWKS(t, oldKey.jwk(t)))
			clk := newKitClock()
			v := remoteVerifier(t, srv, clk, nil)
			_, err := v.Verify(context.Background(), oldKey.sign(t, ksClaims(clk.Now())))
			require.NoError(t, err)

			srv.set(kitJWKS(t, newKey.jwk(t)))
			_, err = v.Verify(context.Background(), newKey.sign(t, ksClaims(clk.Now())))
			require.Error(t, err, "within MinRefreshInterval of the start-up fetch, no refetch")
			assert.Equal(t, int64(1), srv.requests.Load())

			clk.Advance(defaultMinRefreshInterval)
			c, err := v.Verify(context.Background(), newKey.sign(t, ksClaims(clk.Now())))
			require.NoError(t, err, "one refetch finds the replaced key")
			assert.Equal(t, "alice", c.Subject())
			assert.Equal(t, int64(2), srv.requests.Load())

			_, err = v.Verify(context.Background(), oldKey.sign(t, ksClaims(clk.Now())))
			assert.Error(t, err, "the old key no longer verifies")
			assert.Equal(t, int64(2), srv.requests.Load(), "and costs no fetch within MinRefreshInterval")
		})
	}
}

// TestForgedKnownKIDStorm: tokens that name a known kid but carry a bad
// signature refetch at most once per MinRefreshInterval, however many.
func TestForgedKnownKIDStorm(t *testing.T) {
	k := newKitKey(t, "storm-known", "ES256")
	attacker := &kitKey{kid: k.kid, alg: "ES256", signer: newKitKey(t, "storm-attacker", "ES256").signer}
	srv := newKitJWKSServer(t, kitJWKS(t, k.jwk(t)))
	clk := newKitClock()
	v := remoteVerifier(t, srv, clk, nil)
	valid := k.sign(t, ksClaims(clk.Now()))
	_, err := v.Verify(context.Background(), valid)
	require.NoError(t, err)

	storm := func() {
		var wg sync.WaitGroup
		for range 200 {
			wg.Go(func() {
				_, err := v.Verify(context.Background(), attacker.sign(t, ksClaims(clk.Now())))
				assert.ErrorIs(t, err, ErrSignatureInvalid)
			})
		}
		wg.Wait()
	}
	storm()
	assert.Equal(t, int64(1), srv.requests.Load(), "the start-up fetch counts against the rate limit")

	clk.Advance(defaultMinRefreshInterval)
	storm()
	assert.Equal(t, int64(2), srv.requests.Load(), "one fetch for 200 forged tokens")
	storm()
	assert.Equal(t, int64(2), srv.requests.Load())

	clk.Advance(defaultMinRefreshInterval - time.Nanosecond)
	storm()
	assert.Equal(t, int64(2), srv.requests.Load(), "not before MinRefreshInterval")
	clk.Advance(time.Nanosecond)
	storm()
	assert.Equal(t, int64(3), srv.requests.Load(), "exactly one more")

	c, err := v.Verify(context.Background(), valid)
	require.NoError(t, err)
	assert.Equal(t, "alice", c.Subject())
}

// countingKeySet is a custom KeySet that counts its Keys calls.
type countingKeySet struct {
	KeySet
	calls atomic.Int64
}

func (c *countingKeySet) Keys(ctx context.Context, kid string) ([]*PublicKey, error) {
	c.calls.Add(1)
	return c.KeySet.Keys(ctx, kid)
}

// TestForgedKnownKIDStaticKeySet: key sets that cannot refetch (StaticKeySet,
// custom KeySets) are asked once and the bad signature stands.
func TestForgedKnownKIDStaticKeySet(t *testing.T) {
	k := newKitKey(t, "static-known", "ES256")
	attacker := &kitKey{kid: k.kid, alg: "ES256", signer: newKitKey(t, "static-attacker", "ES256").signer}
	static, err := ParseStaticKeySet(kitJWKS(t, k.jwk(t)))
	require.NoError(t, err)
	ks := &countingKeySet{KeySet: static}
	clk := newKitClock()
	v := ksVerifier(t, ks, clk, func(c *Config) { c.TokenCacheEntries = -1 })
	_, err = v.Verify(context.Background(), attacker.sign(t, ksClaims(clk.Now())))
	assert.ErrorIs(t, err, ErrSignatureInvalid)
	assert.Equal(t, int64(1), ks.calls.Load())
}

// ksModulus returns a random odd number of exactly bits bits: an RSA
// modulus for key hygiene, which never factors it.
func ksModulus(tb testing.TB, bits int) *big.Int {
	tb.Helper()
	b := make([]byte, (bits+7)/8)
	_, err := rand.Read(b)
	require.NoError(tb, err)
	n := new(big.Int).SetBytes(b)
	for i := bits; i < len(b)*8; i++ {
		n.SetBit(n, i, 0)
	}
	return n.SetBit(n, bits-1, 1).SetBit(n, 0, 1)
}

// ksRSAJWK is a public RSA JWK with a random modulus of bits bits.
func ksRSAJWK(tb testing.TB, kid string, bits int) map[string]any {
	tb.Helper()
	return map[string]any{"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256", "n": kitB64(ksModulus(tb, bits).Bytes()), "e": "AQAB"}
}

// TestMaxRSABits: RSA keys above Config.MaxRSABits (default 4096) are
// dropped from remote and static key sets; the rest of the set is kept.
func TestMaxRSABits(t *testing.T) {
	doc := kitJWKS(t, ksRSAJWK(t, "rsa-2048", 2048), ksRSAJWK(t, "rsa-4096", 4096),
		ksRSAJWK(t, "rsa-4104", 4104), ksRSAJWK(t, "rsa-8192", 8192))
	tests := []struct {
		name string
		max  int // Config.MaxRSABits
		want []string
	}{
		{"default", 0, []string{"rsa-2048", "rsa-4096"}},
		{"2048", 2048, []string{"rsa-2048"}},
		{"8192", 8192, []string{"rsa-2048", "rsa-4096", "rsa-4104", "rsa-8192"}},
	}
	for _, tc := range tests {
		t.Run("remote "+tc.name, func(t *testing.T) {
			srv := newKitJWKSServer(t, doc)
			cfg := rksConfig(srv.URL, newKitClock())
			cfg.MaxRSABits = tc.max
			r := newRKS(t, cfg)
			all, err := r.Keys(context.Background(), "")
			require.NoError(t, err)
			assert.Equal(t, tc.want, keyIDs(all))
		})
	}
	t.Run("static", func(t *testing.T) {
		ks, err := ParseStaticKeySet(doc)
		require.NoError(t, err)
		all, err := ks.Keys(context.Background(), "")
		require.NoError(t, err)
		assert.Equal(t, []string{"rsa-2048", "rsa-4096"}, keyIDs(all), "the default cap")
	})
}

// keyIDs lists the kids of keys, in order.
func keyIDs(keys []*PublicKey) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k.KeyID()
	}
	return out
}

// TestNewPublicKeyRSABounds: keys built in code may have up to 8192 bits,
// the ceiling of Config.MaxRSABits rather than its default.
func TestNewPublicKeyRSABounds(t *testing.T) {
	for _, tc := range []struct {
		bits int
		ok   bool
	}{{2047, false}, {2048, true}, {4097, true}, {8192, true}, {8193, false}} {
		t.Run(fmt.Sprint(tc.bits), func(t *testing.T) {
			k, err := NewPublicKey("k", "RS256", &rsa.PublicKey{N: ksModulus(t, tc.bits), E: 65537})
			if tc.ok {
				require.NoError(t, err)
				assert.Equal(t, "k", k.KeyID())
				return
			}
			assert.Error(t, err)
			assert.Nil(t, k)
		})
	}
}

// recordHandler is a slog.Handler that keeps the records it handles.
type recordHandler struct {
	mu      sync.Mutex
	records []slog.Record
}

func (h *recordHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *recordHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *recordHandler) WithGroup(string) slog.Handler            { return h }

func (h *recordHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.records = append(h.records, r.Clone())
	return nil
}

// dropped counts the "JWKS key dropped" warnings by kid.
func (h *recordHandler) dropped() map[string]int {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string]int{}
	for _, r := range h.records {
		if r.Level != slog.LevelWarn || r.Message != "axioms: JWKS key dropped" {
			continue
		}
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "kid" {
				out[a.Value.String()]++
			}
			return true
		})
	}
	return out
}

// TestDroppedKeysLoggedOnce: refreshes of a JWKS with unusable keys log
// each dropped key once, not at every refresh; a dropped key that leaves
// and comes back is logged again.
func TestDroppedKeysLoggedOnce(t *testing.T) {
	good := newKitKey(t, "drop-good", "ES256")
	enc := good.jwk(t)
	enc["kid"], enc["use"] = "drop-enc", "enc"
	pq := map[string]any{"kty": "AKP", "kid": "drop-akp", "alg": "ML-DSA-44", "pub": "AAAA"}
	huge := ksRSAJWK(t, "drop-rsa-8192", 8192)
	full := kitJWKS(t, good.jwk(t), enc, pq, huge)
	srv := newKitJWKSServer(t, full)
	var logs recordHandler
	cfg := rksConfig(srv.URL, newKitClock())
	cfg.Logger = slog.New(&logs)
	r := newRKS(t, cfg)
	_, err := r.Keys(context.Background(), good.kid)
	require.NoError(t, err)
	for range 3 {
		require.NoError(t, r.Refresh(context.Background()))
	}
	require.Equal(t, int64(4), srv.requests.Load(), "precondition: the start-up fetch and three refreshes")
	assert.Equal(t, map[string]int{"drop-enc": 1, "drop-akp": 1, "drop-rsa-8192": 1}, logs.dropped())

	srv.set(kitJWKS(t, good.jwk(t), pq, huge)) // the encryption key leaves
	require.NoError(t, r.Refresh(context.Background()))
	srv.set(full) // and comes back
	require.NoError(t, r.Refresh(context.Background()))
	require.NoError(t, r.Refresh(context.Background()))
	assert.Equal(t, map[string]int{"drop-enc": 2, "drop-akp": 1, "drop-rsa-8192": 1}, logs.dropped())
}

// TestDropLogBounded: a parse remembers at most maxDropMemory dropped keys;
// the others are logged at every parse.
func TestDropLogBounded(t *testing.T) {
	var logs recordHandler
	l := &dropLog{logger: slog.New(&logs)}
	var dropped []jwkset.Dropped
	for i := range maxDropMemory + 2 {
		dropped = append(dropped, jwkset.Dropped{KID: fmt.Sprint("k", i), Reason: "encryption key"})
	}
	l.report("test", dropped)
	l.report("test", dropped)
	assert.Len(t, l.last, maxDropMemory)
	counts := logs.dropped()
	assert.Equal(t, 1, counts["k0"])
	assert.Equal(t, 1, counts[fmt.Sprint("k", maxDropMemory-1)])
	assert.Equal(t, 2, counts[fmt.Sprint("k", maxDropMemory)], "not remembered")
	assert.Equal(t, 2, counts[fmt.Sprint("k", maxDropMemory+1)])
}
