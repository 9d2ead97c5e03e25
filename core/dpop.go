package core

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/axiomsgo/axioms/core/internal/strictjson"
)

// Error categories of sender-constrained tokens (RFC 9449 §7.1, §12.2).
var (
	// ErrInvalidDPoPProof: the DPoP proof of a request is missing,
	// malformed, not valid for this request, or replayed. 401
	// invalid_dpop_proof with a DPoP challenge.
	ErrInvalidDPoPProof = errors.New("invalid DPoP proof")
	// ErrUseDPoPNonce: the resource server requires a nonce in DPoP proofs
	// and the proof has none, or a stale one. 401 use_dpop_nonce with a
	// fresh DPoP-Nonce header; the client retries with it (RFC 9449 §9).
	ErrUseDPoPNonce = errors.New("use DPoP nonce")
)

// Reasons of the sender constraint that are not about the proof.
var (
	// ErrCertificateBinding: the token is bound to a TLS client
	// certificate (cnf x5t#S256, RFC 8705 §3) and the request came without
	// that certificate. An invalid token.
	ErrCertificateBinding = newError(ErrInvalidToken, "certificate binding invalid")
	// ErrTokenNotBound: Config.SenderConstrained and the token has no
	// cnf: it is a plain bearer token, which anyone holding it can use.
	ErrTokenNotBound = newError(ErrInvalidToken, "sender-constrained token required")

	errNonceRequired     = newError(ErrUseDPoPNonce, "DPoP nonce required")
	errMultipleDPoP      = newError(ErrInvalidRequest, "multiple DPoP proofs")
	errReplayUnavailable = &Error{category: ErrKeysUnavailable, description: "DPoP replay check unavailable", retryAfter: time.Second}
)

// DPoPMode says which schemes a Verifier accepts (RFC 9449 §7).
type DPoPMode uint8

const (
	// DPoPOff: Bearer only; a DPoP-bound token (cnf.jkt) is refused.
	DPoPOff DPoPMode = iota
	// DPoPAllowed: Bearer for tokens without cnf.jkt, and DPoP.
	DPoPAllowed
	// DPoPRequired: DPoP only; a Bearer token is no usable credential.
	DPoPRequired
)

// String returns "off", "allowed" or "required".
func (m DPoPMode) String() string {
	switch m {
	case DPoPOff:
		return "off"
	case DPoPAllowed:
		return "allowed"
	case DPoPRequired:
		return "required"
	}
	return fmt.Sprintf("DPoPMode(%d)", uint8(m))
}

// ParseDPoPMode reads "off", "allowed" or "required" (AXIOMS_DPOP),
// case-insensitively.
func ParseDPoPMode(s string) (DPoPMode, error) {
	for _, m := range []DPoPMode{DPoPOff, DPoPAllowed, DPoPRequired} {
		if strings.EqualFold(strings.TrimSpace(s), m.String()) {
			return m, nil
		}
	}
	return DPoPOff, fmt.Errorf("%q is not off, allowed or required", s)
}

// Defaults and bounds of DPoPConfig.
const (
	defaultDPoPProofMaxAge  = 5 * time.Minute
	maxDPoPProofMaxAge      = 5 * time.Minute
	dpopFutureSkew          = time.Minute // iat may be this far ahead, plus Config.Leeway
	defaultDPoPNonceWindow  = 5 * time.Minute
	minDPoPNonceSecretBytes = 32
)

// defaultDPoPAlgorithms are the asymmetric algorithms a proof may use.
var defaultDPoPAlgorithms = []string{"ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "RS256", "RS384", "RS512", "EdDSA", "Ed25519"}

// DPoPConfig configures DPoP (RFC 9449) for a Verifier; the zero value is
// off. mTLS-bound tokens (RFC 8705 §3) need no setting: a token with cnf
// x5t#S256 is accepted exactly when the request's client certificate
// (Credentials.ClientCertificate) has that SHA-256 thumbprint.
type DPoPConfig struct {
	// Mode: DPoPOff (default), DPoPAllowed or DPoPRequired. Env:
	// AXIOMS_DPOP (off, allowed, required).
	Mode DPoPMode
	// Algorithms a proof may be signed with, compared exactly. Default:
	// ES256, ES384, ES512, PS256, PS384, PS512, RS256, RS384, RS512,
	// EdDSA, Ed25519; none and HMAC are refused. Challenges list them
	// (algs="...").
	Algorithms []string
	// ProofMaxAge: a proof whose iat is older (beyond Config.Leeway) is
	// refused; one more than a minute (plus Leeway) ahead too. Default and
	// maximum 5 minutes.
	ProofMaxAge time.Duration
	// ReplayStore remembers the proofs accepted, so that each is accepted
	// once. Default: a MemoryReplayStore of this Verifier (not shared
	// between replicas; package redisreplay shares one through Redis, env
	// AXIOMS_DPOP_REPLAY_REDIS in the example servers).
	ReplayStore ReplayStore
	// Nonce requires a server nonce in every proof (RFC 9449 §9): a proof
	// without one, or with a stale one, gets 401 use_dpop_nonce and a
	// fresh DPoP-Nonce header. Env: AXIOMS_DPOP_NONCE (true or false).
	Nonce bool
	// NonceSecret is the key nonces are authenticated with (at least 32
	// bytes). Replicas that share it accept each other's nonces and store
	// nothing. Default: a random key of this Verifier, so that behind a
	// load balancer a client may be asked for a new nonce by each replica.
	NonceSecret []byte
	// NonceWindow: a nonce is valid in the window it was issued in and the
	// next one. Default 5 minutes; between 10 seconds and 1 hour.
	NonceWindow time.Duration
	// PublicURL is the base URL clients reach the API at (such as
	// https://api.example.com behind a proxy; https, or http on loopback):
	// a proof's htu must equal it followed by the request path. Default:
	// the scheme of the connection and the Host header of each request
	// (Forwarded and X-Forwarded-* are never read).
	PublicURL string
}

// dpopSettings are the checked DPoPConfig of a Verifier; nil when off.
type dpopSettings struct {
	mode        DPoPMode
	algs        []string
	algsParam   string // algs="..." of challenges
	maxAge      time.Duration
	store       ReplayStore
	ownStore    bool
	nonces      *dpopNonces // nil without Nonce
	base        *url.URL    // PublicURL, nil without
	leeway      time.Duration
	replayLimit time.Duration // how long a proof is remembered after its iat
	headers     *proofHeaders // the checked headers of recent proofs
}

// resolveDPoP checks c.DPoP and returns its settings, nil when off.
func (c *Config) resolveDPoP() (*dpopSettings, error) {
	d := c.DPoP
	if d.Mode == DPoPOff {
		return nil, nil
	}
	if d.Mode > DPoPRequired {
		return nil, configErr("DPoP.Mode", "%s is not DPoPOff, DPoPAllowed or DPoPRequired", d.Mode)
	}
	s := &dpopSettings{mode: d.Mode, maxAge: orDefault(d.ProofMaxAge, defaultDPoPProofMaxAge), leeway: c.Leeway,
		headers: newProofHeaders()}
	s.algs = cleanList(d.Algorithms, defaultDPoPAlgorithms)
	if len(s.algs) == 0 {
		return nil, configErr("DPoP.Algorithms", "must not be empty (leave it nil for the default)")
	}
	for _, a := range s.algs {
		if !containsString(defaultDPoPAlgorithms, a) {
			return nil, configErr("DPoP.Algorithms", "%q is not an asymmetric algorithm of RFC 9449; allowed (exact spelling): %s",
				a, strings.Join(defaultDPoPAlgorithms, ", "))
		}
	}
	s.algsParam = strings.Join(s.algs, " ")
	if s.maxAge < 0 || s.maxAge > maxDPoPProofMaxAge {
		return nil, configErr("DPoP.ProofMaxAge", "%s is out of range: must be positive and at most %s",
			fmtDuration(s.maxAge), fmtDuration(maxDPoPProofMaxAge))
	}
	s.replayLimit = s.maxAge + s.leeway + time.Second
	if d.Nonce {
		window := orDefault(d.NonceWindow, defaultDPoPNonceWindow)
		if window < 10*time.Second || window > time.Hour {
			return nil, configErr("DPoP.NonceWindow", "%s is out of range: must be between 10s and 1h", fmtDuration(window))
		}
		if len(d.NonceSecret) > 0 && len(d.NonceSecret) < minDPoPNonceSecretBytes {
			return nil, configErr("DPoP.NonceSecret", "%d bytes is too short: at least %d", len(d.NonceSecret), minDPoPNonceSecretBytes)
		}
		s.nonces = newDPoPNonces(d.NonceSecret, window)
	}
	if d.PublicURL != "" {
		u, err := checkBaseURL(d.PublicURL)
		if err != nil {
			return nil, withSetting(configErr("DPoP.PublicURL", "%v", err), "PUBLIC_URL")
		}
		s.base = u
	}
	if s.store = d.ReplayStore; s.store == nil {
		store, err := NewMemoryReplayStore(MemoryReplayOptions{Now: c.Now})
		if err != nil {
			return nil, err
		}
		s.store, s.ownStore = store, true
	}
	return s, nil
}

// checkBaseURL checks a public base URL: https, or http on a loopback
// host; no userinfo, query or fragment. Its path has no trailing slash.
func checkBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, err
	}
	if err := checkURL(u); err != nil {
		return nil, err
	}
	if u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		return nil, fmt.Errorf("%q must not have a query or a fragment", u.Redacted())
	}
	u.Path, u.RawPath = strings.TrimRight(u.Path, "/"), strings.TrimRight(u.RawPath, "/")
	return u, nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// htu is the URL of a request for its proof's htu: PublicURL (or the
// connection's scheme and the Host header) followed by the request path,
// normalised; "" when there is no usable host.
func (d *dpopSettings) htu(c *Credentials) string {
	path := c.Path
	if path == "" || path[0] != '/' {
		path = "/" + path
	}
	if d.base != nil {
		return normalizeHTU(d.base.Scheme + "://" + d.base.Host + d.base.EscapedPath() + path)
	}
	if c.Host == "" || strings.ContainsAny(c.Host, "/?#@ \t") {
		return ""
	}
	scheme := "http"
	if c.TLS {
		scheme = "https"
	}
	return normalizeHTU(scheme + "://" + c.Host + path)
}

// parseDPoPAuthorization reports whether value is a DPoP Authorization
// value (RFC 9449 §7.1, scheme "DPoP", compared case-insensitively) and
// returns its token; err for a DPoP value without a token or with a tab.
func parseDPoPAuthorization(value string) (token string, isDPoP bool, err error) {
	value = trimOWS(value)
	const scheme = "dpop"
	if len(value) < len(scheme) || !asciiEqualFold(value[:len(scheme)], scheme) {
		return "", false, nil
	}
	rest := value[len(scheme):]
	switch {
	case rest == "":
		return "", true, ErrEmptyBearer
	case rest[0] == '\t':
		return "", true, ErrBearerSyntax
	case rest[0] != ' ':
		return "", false, nil
	}
	rest = strings.TrimLeft(rest, " ")
	if err := checkB64Token(rest); err != nil {
		return "", true, err
	}
	return rest, true, nil
}

// dpopError marks an error of a request that used the DPoP scheme: its
// answer puts the error on the DPoP challenge.
type dpopError struct{ err error }

func (e *dpopError) Error() string { return e.err.Error() }
func (e *dpopError) Unwrap() error { return e.err }

// onDPoP wraps err (nil stays nil) as an error of a DPoP request.
func onDPoP(err error) error {
	if err == nil {
		return nil
	}
	return &dpopError{err: err}
}

// authenticateDPoP is authenticate for a request with a DPoP
// Authorization value (RFC 9449 §4.3, §7.1): the proof first (one
// signature, no network), then the nonce, then the token with its
// binding to the proof's key, and last the replay store, so that only a
// proof of a request that passed every other check is remembered.
func (v *Verifier) authenticateDPoP(ctx context.Context, method, token string, c *Credentials) (*Claims, error) {
	d := v.dpop
	switch {
	case len(c.DPoP) == 0:
		return nil, v.refused(ctx, ErrDPoPProofMissing, nil, nil, nil)
	case len(c.DPoP) > 1:
		return nil, v.refused(ctx, errMultipleDPoP, nil, nil, nil)
	}
	now := v.cfg.Now()
	if c.HTTPMethod != "" {
		method = c.HTTPMethod
	}
	r := dpopRequest{method: method, htu: d.htu(c), token: token, now: now, algs: d.algs, headers: d.headers,
		notBefore: now.Add(-d.maxAge - d.leeway), notAfter: now.Add(dpopFutureSkew + d.leeway)}
	p, err := checkDPoPProof(c.DPoP[0], &r)
	if err != nil {
		return nil, v.refused(ctx, err, nil, nil, nil)
	}
	if d.nonces != nil && !d.nonces.valid(p.nonce, now) {
		return nil, v.refused(ctx, errNonceRequired, nil, nil, nil)
	}
	claims, err := v.verifyToken(ctx, token, false, binding{jkt: p.jkt, cert: c.ClientCertificate, dpop: true,
		required: v.cfg.SenderConstrained})
	if err != nil {
		return nil, err
	}
	first, err := d.store.Claim(ctx, dpopReplayKey(p.jkt, p.jti), p.iat.Add(d.replayLimit))
	switch {
	case err != nil:
		v.cfg.Logger.Warn("axioms: DPoP replay store failed", "reason", err.Error())
		return nil, errReplayUnavailable
	case !first:
		return nil, v.refused(ctx, ErrDPoPProofReplayed, nil, nil, nil)
	}
	return claims, nil
}

// dpopReplayKey is the replay store key of a proof: a digest of its key's
// thumbprint and its jti, so that neither is stored and two clients'
// identical jti values never collide.
func dpopReplayKey(jkt, jti string) string {
	h := sha256.New()
	h.Write([]byte(jkt))
	h.Write([]byte{0})
	h.Write([]byte(jti))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// binding is what a request proves possession of (RFC 7800 cnf).
type binding struct {
	jkt  string // the thumbprint of the verified DPoP proof's key; "" for a Bearer request
	cert []byte // the DER of the request's client certificate; nil without
	dpop bool   // the request used the DPoP scheme
	// required: only a sender-constrained token is accepted
	// (Config.SenderConstrained).
	required bool
}

// certThumbprint is x5t#S256 of a DER certificate (RFC 8705 §3.1).
func certThumbprint(der []byte) string {
	sum := sha256.Sum256(der)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// checkBinding checks the confirmation claim of c against what the
// request proved: cnf.jkt needs a DPoP request with that key (a bound
// token sent as Bearer is refused, RFC 9449 §7.2), cnf x5t#S256 needs the
// client certificate of that thumbprint (RFC 8705 §3), both must hold when
// both are present, and any other confirmation method is refused (it
// cannot be checked). A DPoP request needs a token with cnf.jkt.
func checkBinding(c *Claims, b binding) error {
	cnf := c.confirmation
	if cnf == nil {
		switch {
		case b.dpop:
			return ErrDPoPBinding
		case b.required:
			return ErrTokenNotBound
		}
		return nil
	}
	hasJKT := false
	members := cnf.Obj()
	if len(members) == 0 {
		return ErrTokenBound
	}
	for i := range members {
		m := &members[i]
		switch m.Key {
		case "jkt":
			hasJKT = true
			switch {
			case !b.dpop:
				return ErrTokenBound
			case m.Value.Kind() != strictjson.String || m.Value.Str() != b.jkt:
				return ErrDPoPBinding
			}
		case "x5t#S256":
			if b.cert == nil || m.Value.Kind() != strictjson.String || m.Value.Str() != certThumbprint(b.cert) {
				return ErrCertificateBinding
			}
		default:
			return ErrTokenBound
		}
	}
	if b.dpop && !hasJKT {
		return ErrDPoPBinding
	}
	return nil
}

// fapi2Algorithms are the algorithms FAPI 2.0 allows (Security Profile
// §5.4.1): PS256, ES256 and EdDSA over Ed25519.
var fapi2Algorithms = []string{"PS256", "ES256", "EdDSA", "Ed25519"}

// FAPI2 returns cfg under the FAPI 2.0 Security Profile's rules for
// resource servers: access tokens and DPoP proofs signed with PS256, ES256
// or EdDSA only; sender-constrained tokens only (SenderConstrained: DPoP,
// or mTLS with cnf x5t#S256; a plain bearer token is refused), read from
// the Authorization header only; DPoP accepted (DPoPAllowed unless cfg
// requires it already). The other settings of cfg are kept; set
// DPoP.Mode to DPoPRequired to refuse certificate-bound tokens too.
func FAPI2(cfg Config) Config {
	cfg.Algorithms = append([]string(nil), fapi2Algorithms...)
	cfg.DPoP.Algorithms = append([]string(nil), fapi2Algorithms...)
	if cfg.DPoP.Mode == DPoPOff {
		cfg.DPoP.Mode = DPoPAllowed
	}
	cfg.SenderConstrained = true
	return cfg
}

// keyBound reports whether c has a cnf.jkt: such a token is accepted only
// from a request of the DPoP scheme (checkBinding), so that a policy's
// refusal of it is answered on the DPoP challenge.
func (c *Claims) keyBound() bool {
	if c == nil || c.confirmation == nil {
		return false
	}
	members := c.confirmation.Obj()
	for i := range members {
		if members[i].Key == "jkt" {
			return true
		}
	}
	return false
}
