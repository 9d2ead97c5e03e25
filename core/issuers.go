package core

import (
	"context"
	"errors"
	"sync/atomic"

	"github.com/axiomsgo/axioms/core/internal/strictjson"
)

// issuerEntry is one trusted issuer of a Verifier: the claim rules of its
// tokens and where its keys come from.
type issuerEntry struct {
	rules   issuerRules
	jwksURL string                       // "" = discovery from rules.issuer
	static  KeySet                       // the caller's KeySet, or nil
	remote  atomic.Pointer[RemoteKeySet] // created on first use, closed by Close
	noKeys  bool                         // no key source: its tokens are all introspected
	// intro, when set, introspects the JWTs of this issuer after their local
	// verification: IssuerConfig.Introspection's, or Config.Introspection's
	// with IntrospectJWTs for this issuer.
	intro *introspector
}

// issuerOf returns the entry whose keys and rules apply to t. In the
// single-issuer form it is the only entry, and the payload is not read
// before the signature. With several issuers the payload is decoded (once:
// decodeClaims uses it after the signature) and scanned for "iss" without
// building anything else: a token whose iss is absent, not a string or not
// trusted is refused with ErrIssuerMismatch, a payload that does not read
// as a JSON object up to its iss with ErrClaimsMalformed, both before any
// key lookup.
func (v *Verifier) issuerOf(t *jws) (*issuerEntry, error) {
	if v.only != nil {
		return v.only, nil
	}
	if err := t.decodeBody(); err != nil {
		return nil, err
	}
	iss, err := scanIssuer(t.body)
	if err != nil {
		return nil, err
	}
	e := v.byIssuer[iss]
	if e == nil {
		return nil, ErrIssuerMismatch
	}
	return e, nil
}

// scanIssuer reads the iss of a claim set with a strictjson.Scanner: one
// pass up to the first iss member, nothing built but iss. The rest of the
// payload is checked after the signature, by the full parse: a second iss
// there makes the claims malformed, so the first one can only select the
// keys a token is checked with, never let it through. A forged token thus
// costs a prefix of what a valid token with the same bytes costs.
func scanIssuer(payload string) (string, error) {
	sc, err := strictjson.NewScanner(payload)
	if err != nil {
		return "", ErrClaimsMalformed
	}
	for {
		more, err := sc.Next()
		switch {
		case err != nil:
			return "", ErrClaimsMalformed
		case !more:
			return "", ErrIssuerMismatch
		case sc.NameIs("iss"):
			iss, ok, err := sc.String() // an iss that is no string is skipped, never built
			switch {
			case err != nil:
				return "", ErrClaimsMalformed
			case !ok:
				return "", ErrIssuerMismatch
			}
			return iss, nil
		}
		if sc.Skip() != nil {
			return "", ErrClaimsMalformed
		}
	}
}

// keySetOf returns the key set of e, creating its RemoteKeySet on first use
// from settings checked by NewVerifier. After Close no key set is created
// (ErrKeysUnavailable).
func (v *Verifier) keySetOf(e *issuerEntry) (KeySet, error) {
	if e.static != nil {
		return e.static, nil
	}
	if e.noKeys {
		return nil, errKeysUnavailable
	}
	if r := e.remote.Load(); r != nil {
		return r, nil
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if r := e.remote.Load(); r != nil {
		return r, nil
	}
	if v.closed {
		return nil, errKeysUnavailable
	}
	r := newRemoteKeySet(v.fetch, e.jwksURL, e.rules.issuer)
	e.remote.Store(r)
	return r, nil
}

// Ready reports whether every trusted issuer has a usable key set, for a
// readiness probe: nil when each one does, else the error of the first
// that has none, matching ErrKeysUnavailable (its *Error tells, in
// RetryAfter, when the next fetch may be tried), and also
// ErrKeySetMisconfigured when that key set's last fetch failed in a way a
// retry will not fix (a discovery document naming another issuer, a key
// set URL answering 404, ...). It starts the key sets not created yet
// (several issuers), and waits for no fetch: a key set whose first fetch
// is still running is not ready. A custom KeySet is asked for its keys
// (kid "") with ctx. After Close, Ready fails.
//
// With introspection (Config.Introspection, IssuerConfig.Introspection),
// every endpoint must also have answered the last request sent to it (an
// answer of active: false counts): until each has, Ready returns an error
// matching ErrKeysUnavailable (and ErrKeySetMisconfigured when the
// endpoint refused this resource server's credentials, or another failure
// a retry will not fix), and starts a probe to each endpoint not
// answered, a request for a random token, at most once a second, in the
// background. The Verifier sends the first probe to each endpoint when it
// is built. With introspection only (no key source), no key set is asked.
func (v *Verifier) Ready(ctx context.Context) error {
	sets, err := v.keySets()
	if err != nil {
		return err
	}
	for _, ks := range sets {
		if r, ok := ks.(*RemoteKeySet); ok {
			err = r.ready()
		} else {
			_, err = ks.Keys(ctx, "")
		}
		if err != nil {
			return err
		}
	}
	for _, in := range v.intros { // each one asked, so that each one not answered is probed
		// A misconfiguration, which only a person can mend, is told before
		// an outage of another endpoint.
		if e := in.ready(); e != nil && (err == nil || errors.Is(e, ErrKeySetMisconfigured) && !errors.Is(err, ErrKeySetMisconfigured)) {
			err = e
		}
	}
	return err
}

// WaitReady blocks until every trusted issuer has a usable key set (Ready
// would return nil) or ctx ends, for a service that should take no traffic
// before it can judge tokens. It starts the key sets not created yet and
// waits for their fetch attempts without polling: the first fetch at
// start, then one attempt per MinRefreshInterval, as a request would
// cause. When ctx ends first, the error is Ready's (matching
// ErrKeysUnavailable, and ErrKeySetMisconfigured for a problem a retry
// will not fix) and matches ctx.Err() too.
//
// A misconfiguration does not end the wait early: the issuer may still be
// starting (a Keycloak realm not imported yet answers 404). Bound the wait
// with ctx; each new misconfiguration is logged at once, at Error level,
// with what to fix. A custom KeySet is asked once for its keys (kid "")
// with ctx. After Close, WaitReady fails at once. With introspection it
// also waits, probing as Ready does, until every endpoint answered.
func (v *Verifier) WaitReady(ctx context.Context) error {
	sets, err := v.keySets()
	if err != nil {
		return err
	}
	for _, ks := range sets {
		if r, ok := ks.(*RemoteKeySet); ok {
			err = r.waitReady(ctx)
		} else {
			_, err = ks.Keys(ctx, "")
		}
		if err != nil {
			return err
		}
	}
	for _, in := range v.intros {
		if err := in.waitReady(ctx); err != nil {
			return err
		}
	}
	return nil
}

// keySets returns the key set of every trusted issuer, in configuration
// order, creating those not created yet; ErrKeysUnavailable after Close.
func (v *Verifier) keySets() ([]KeySet, error) {
	v.mu.Lock()
	closed := v.closed
	v.mu.Unlock()
	if closed {
		return nil, errKeysUnavailable
	}
	sets := make([]KeySet, 0, len(v.entries))
	for _, e := range v.entries {
		if e.noKeys {
			continue
		}
		ks, err := v.keySetOf(e)
		if err != nil {
			return nil, err
		}
		sets = append(sets, ks)
	}
	return sets, nil
}
