package core

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"log/slog"
	"slices"

	"github.com/axiomsgo/axioms/core/internal/jwkset"
)

// KeySet supplies the keys that verify token signatures. It is the extension
// point for custom key sources; RemoteKeySet and StaticKeySet implement it.
// Implementations must be safe for concurrent use.
type KeySet interface {
	// Keys returns the keys whose key ID is kid, or every key when kid is
	// "". A remote set may refresh itself (rate-limited) when kid is
	// unknown. It returns an error matching ErrKeysUnavailable when no usable
	// key set exists at all; an unknown kid is not an error (nil, nil). The
	// caller must not modify the returned slice.
	Keys(ctx context.Context, kid string) ([]*PublicKey, error)
}

// keyRefresher is implemented by key sets that refetch on demand
// (RemoteKeySet). refreshKeys refetches the set, under the same limits as
// Keys for an unknown kid, and returns the keys of kid afterwards, or at
// once the current ones when no fetch is allowed. Its errors are those of
// Keys. StaticKeySet and custom key sets do not implement it.
type keyRefresher interface {
	refreshKeys(ctx context.Context, kid string) ([]*PublicKey, error)
}

// retryRefreshed handles a token whose kid is known but whose signature
// (or alg) the keys of that kid, old, do not fit: the issuer may have
// replaced the key under the same kid. A key set that can refetch
// (keyRefresher) refetches, under the rate limit of an unknown kid, and the
// token is tried once more if the keys of its kid changed; otherwise err
// stands. A forged token with a known kid thus costs at most one
// rate-limited fetch and one more signature check.
func retryRefreshed(ctx context.Context, ks KeySet, t jws, old []*PublicKey, sig []byte, err error) (*PublicKey, error) {
	r, ok := ks.(keyRefresher)
	if !ok || !(errors.Is(err, ErrSignatureInvalid) || errors.Is(err, ErrUnsupportedAlgorithm)) {
		return nil, err
	}
	keys, rerr := r.refreshKeys(ctx, t.header.kid)
	switch {
	case rerr != nil:
		return nil, rerr
	case slices.Equal(keys, old):
		return nil, err // no fetch was allowed, or the same keys came back
	}
	return verifyWithKeys(keys, t, sig)
}

// PublicKey is one verification key, converted to its standard-library form
// once, when its key set loads. Its algorithm is bound: a key whose JWK
// carries "alg" verifies only that algorithm (RFC 8725 §3.1), "EdDSA" and
// "Ed25519" (RFC 9864) counting as one, as Config.Algorithms explains.
type PublicKey struct {
	key jwkset.Key
}

// NewPublicKey builds a PublicKey from a *rsa.PublicKey, *ecdsa.PublicKey or
// ed25519.PublicKey. alg may be "" to allow every algorithm that fits the
// key type. Weak keys are refused (RSA under 2048 or over 8192 bits, curves
// other than P-256/P-384/P-521, points not on the curve).
//
// The RSA bound is the ceiling of Config.MaxRSABits, not its default of 4096
// bits: a key built in code is chosen by the program, not taken from a
// document fetched over the network, and no Config applies to it.
func NewPublicKey(kid, alg string, pub crypto.PublicKey) (*PublicKey, error) {
	k, err := jwkset.New(kid, alg, pub)
	if err != nil {
		return nil, fmt.Errorf("core: public key %q: %w", kid, err)
	}
	return &PublicKey{key: *k}, nil
}

// KeyID returns the key's kid ("" when it has none).
func (k *PublicKey) KeyID() string { return k.key.KID }

// Algorithm returns the key's own alg, or "" when it has none.
func (k *PublicKey) Algorithm() string { return k.key.Alg }

// Public returns the standard-library public key.
func (k *PublicKey) Public() crypto.PublicKey { return k.key.Public }

// keyIndex is an immutable lookup structure over a set of keys.
type keyIndex struct {
	all   []*PublicKey
	byKID map[string][]*PublicKey
}

func newKeyIndex(keys []*PublicKey) *keyIndex {
	ix := &keyIndex{all: keys, byKID: make(map[string][]*PublicKey, len(keys))}
	for _, k := range keys {
		if k.key.KID != "" {
			ix.byKID[k.key.KID] = append(ix.byKID[k.key.KID], k)
		}
	}
	return ix
}

func (ix *keyIndex) lookup(kid string) []*PublicKey {
	if kid == "" {
		return ix.all
	}
	return ix.byKID[kid]
}

// maxIdentityScan bounds how many keys of the previous set, of one kid, a
// new key is compared with by keepIdentity.
const maxIdentityScan = 8

// keepIdentity returns keys (a freshly parsed set) with every key that ix
// (the previous set, may be nil) already holds replaced by the previous
// *PublicKey: same kid, alg and key type and an equal public key. A refetch
// of unchanged key material thus keeps the very keys the verified-token
// cache holds, and keeps its entries valid. Each previous key is reused at
// most once. keys is modified in place and returned.
func (ix *keyIndex) keepIdentity(keys []*PublicKey) []*PublicKey {
	if ix == nil {
		return keys
	}
	reused := make(map[*PublicKey]bool, len(keys))
	for i, k := range keys {
		if old := ix.sameKey(k, reused); old != nil {
			keys[i], reused[old] = old, true
		}
	}
	return keys
}

// sameKey returns a key of ix equal to k and not in reused, or nil.
func (ix *keyIndex) sameKey(k *PublicKey, reused map[*PublicKey]bool) *PublicKey {
	candidates := ix.all
	if k.key.KID != "" {
		candidates = ix.byKID[k.key.KID]
	}
	scanned := 0
	for _, old := range candidates {
		if old.key.KID != k.key.KID {
			continue // a key with kid, while k has none
		}
		if !reused[old] && old.key.Equal(&k.key) {
			return old
		}
		if scanned++; scanned == maxIdentityScan {
			break
		}
	}
	return nil
}

// parseKeys turns a JWKS document into keys, reporting the dropped keys to
// drops.
func parseKeys(data []byte, lim jwkset.Limits, drops *dropLog, source string) ([]*PublicKey, error) {
	raw, dropped, err := jwkset.Parse(data, lim)
	if err != nil {
		return nil, err
	}
	drops.report(source, dropped)
	keys := make([]*PublicKey, len(raw))
	for i, k := range raw {
		keys[i] = &PublicKey{key: *k}
	}
	return keys, nil
}

// maxDropMemory bounds how many dropped keys a dropLog remembers.
const maxDropMemory = 256

// dropLog logs, at WARN, the keys that the parses of one key set drop, each
// once rather than at every refresh: a key dropped for the same reason
// under the same kid at the previous parse is not logged again. A key that
// leaves the set and comes back is logged again, and so are the dropped
// keys beyond the first maxDropMemory of a parse, which are not remembered.
// It is not safe for concurrent use (a RemoteKeySet parses in its
// background goroutine only).
type dropLog struct {
	logger *slog.Logger
	last   map[droppedKey]bool // the dropped keys of the previous parse
}

// droppedKey identifies a dropped key for dropLog.
type droppedKey struct{ kid, reason string }

// report logs the dropped keys of one parse that the previous parse did not
// drop, and remembers them for the next parse.
func (l *dropLog) report(source string, dropped []jwkset.Dropped) {
	seen := make(map[droppedKey]bool, min(len(dropped), maxDropMemory))
	for _, d := range dropped {
		k := droppedKey{kid: sanitizeForLog(d.KID), reason: d.Reason}
		if !l.last[k] {
			l.logger.Warn("axioms: JWKS key dropped", slog.String("source", source),
				slog.String("kid", k.kid), slog.String("reason", k.reason))
		}
		if len(seen) < maxDropMemory {
			seen[k] = true
		}
	}
	l.last = seen
}

// sanitizeForLog bounds a value taken from a key set before it is logged.
func sanitizeForLog(s string) string { return sanitizeBounded(s, 64) }

// sanitizeBounded is sanitizeForLog with a bound of n bytes.
func sanitizeBounded(s string, n int) string {
	out := make([]byte, 0, min(len(s), n))
	for i := 0; i < len(s) && len(out) < n; i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e {
			c = '?'
		}
		out = append(out, c)
	}
	return string(out)
}

// staticLimits are the limits of ParseStaticKeySet: the Config defaults.
var staticLimits = jwkset.Limits{MaxKeys: defaultMaxKeys, MaxRSABits: defaultMaxRSABits}

// StaticKeySet is a fixed KeySet, for tests and custom setups. It is safe for
// concurrent use.
type StaticKeySet struct {
	ix *keyIndex
}

// NewStaticKeySet returns a key set holding keys.
func NewStaticKeySet(keys ...*PublicKey) *StaticKeySet {
	return &StaticKeySet{ix: newKeyIndex(append([]*PublicKey(nil), keys...))}
}

// ParseStaticKeySet parses JWKS JSON ({"keys":[...]}) into a StaticKeySet,
// applying the same key hygiene as a remote key set with the default
// Config.MaxKeys and Config.MaxRSABits (100 keys, 4096 bits): unusable keys
// (unknown kty, use other than sig, private or symmetric keys, RSA under
// 2048 or over 4096 bits, bad curves, alg/kty mismatches) are dropped and
// logged to slog.Default. It fails when no usable key remains. It is
// ParseStaticKeySetWith with no options.
func ParseStaticKeySet(jwks []byte) (*StaticKeySet, error) {
	return ParseStaticKeySetWith(jwks, StaticKeySetOptions{})
}

// StaticKeySetOptions are the settings of ParseStaticKeySetWith.
type StaticKeySetOptions struct {
	// Logger receives the dropped keys, one line each. Default
	// slog.Default().
	Logger *slog.Logger
}

// ParseStaticKeySetWith is ParseStaticKeySet with options: the dropped
// keys are logged to o.Logger.
func ParseStaticKeySetWith(jwks []byte, o StaticKeySetOptions) (*StaticKeySet, error) {
	logger := o.Logger
	if logger == nil {
		logger = slog.Default()
	}
	keys, err := parseKeys(jwks, staticLimits, &dropLog{logger: logger}, "static")
	if err != nil {
		return nil, fmt.Errorf("core: static key set: %w", err)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("core: static key set: no usable keys")
	}
	return &StaticKeySet{ix: newKeyIndex(keys)}, nil
}

// Keys implements KeySet.
func (s *StaticKeySet) Keys(_ context.Context, kid string) ([]*PublicKey, error) {
	return s.ix.lookup(kid), nil
}
