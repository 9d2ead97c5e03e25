package core

import (
	"log/slog"
	"net/http"
	"time"
)

// Defaults of Config. Each is used when the matching field is left zero.
const (
	defaultRealm              = "api"
	defaultRefreshInterval    = time.Hour
	defaultCacheTTL           = 2 * time.Hour
	defaultMinRefreshInterval = 30 * time.Second
	defaultMaxAgeFloor        = 5 * time.Minute
	defaultFetchTimeout       = 10 * time.Second
	defaultMaxTokenBytes      = 16 << 10 // 16 KiB
	defaultMaxJWKSBytes       = 1 << 20  // 1 MiB
	defaultMaxKeys            = 100
	defaultMaxRSABits         = 4096
	// Defaults of the verified-token cache (Config.TokenCacheEntries,
	// TokenCacheBytes, TokenCacheMaxAge).
	defaultTokenCacheEntries = 10000
	defaultTokenCacheBytes   = 16 << 20 // 16 MiB
	defaultTokenCacheMaxAge  = 5 * time.Minute
	// maxLeeway is the largest clock skew a Config accepts (RFC 7519 §4.1.4:
	// "usually no more than a few minutes").
	maxLeeway = 5 * time.Minute
)

// Default lists. They are returned as fresh copies by the functions below so
// that no caller can change them.
var (
	defaultAlgorithms  = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"}
	defaultTokenTypes  = []string{"JWT", "at+jwt"}
	defaultScopeClaims = []string{"scope", "scp"}
	defaultRoleClaims  = []string{"roles"}
	defaultPermClaims  = []string{"permissions"}
	defaultSafeMethods = []string{http.MethodOptions}
)

// Config configures a Verifier. The zero value of every optional field means
// its documented default; NewVerifier validates the whole Config and returns
// an error naming the first bad setting. ConfigFromEnv fills a Config from
// the AXIOMS_* environment variables.
type Config struct {
	// Audiences are the accepted "aud" values; a token is accepted when its
	// aud (string or array) contains any of them (RFC 7519 §4.1.3, exact,
	// case-sensitive). Required. Env: AXIOMS_AUDIENCE (comma-separated).
	Audiences []string

	// AudienceClaim, when set (for example "client_id" for Amazon Cognito
	// access tokens, which carry no aud), names a string claim that is
	// compared with Audiences when the token has no "aud" claim. A token that
	// has "aud" is always judged by aud alone. Off by default.
	AudienceClaim string

	// Issuer is the exact expected "iss" (RFC 9068 §4: no normalisation) of
	// the single-issuer form. When empty (and Issuers and IssuerPatterns
	// are empty too), iss is NOT checked: any issuer whose tokens the key
	// set verifies is accepted, and NewVerifier logs a warning. Env:
	// AXIOMS_ISS_URL, or
	// https://{AXIOMS_DOMAIN}. Plain http:// is refused unless the host is a
	// loopback address. To trust several issuers, leave it empty and use
	// Issuers or IssuerPatterns.
	Issuer string

	// JWKSURL is where the issuer's key set is fetched. Must be https://, or
	// http:// on a loopback host. Ignored when KeySet is set.
	// Env: AXIOMS_JWKS_URL.
	//
	// When empty, the key set finds it by discovery, as
	// part of its first fetch and again on the first fetch after a failed
	// one: GET {Issuer}/.well-known/openid-configuration (OpenID Connect
	// Discovery 1.0 §4); if that answers 404 or 410, the RFC 8414 §3
	// document /.well-known/oauth-authorization-server, inserted between the
	// host and the path of an issuer that has one. The first document that
	// exists decides: its "issuer" must equal Issuer exactly (RFC 8414 §3.3)
	// and its "jwks_uri" must pass the rules above, otherwise the issuer has
	// no usable keys (ErrKeysUnavailable, logged) and nothing else is tried.
	// Only when neither document exists (404 or 410) is the axioms default
	// {Issuer without trailing slashes}/.well-known/jwks.json used. Any other
	// failure (network error, 5xx, timeout, oversized document) is a failed
	// fetch, retried after MinRefreshInterval. Discovery documents are
	// fetched like key sets: FetchTimeout, MaxJWKSBytes, the same redirect
	// and cookie rules.
	JWKSURL string

	// Issuers, when set, makes a Verifier that trusts several issuers, each
	// with its own key set and its own audience and claim settings (empty
	// settings of an IssuerConfig inherit those of this Config). The
	// unverified "iss" of a token only selects which issuer's keys and
	// settings apply: a token whose iss is not listed is refused
	// (ErrIssuerMismatch) before any key lookup or network request, and a
	// key of one issuer never verifies a token naming another, even when
	// they share a JWKS URL (RFC 8725 §3.8). Key sets are created on first
	// use. Issuer, JWKSURL and KeySet must then be empty.
	// Env: AXIOMS_ISS_URL with several comma-separated issuers.
	Issuers []IssuerConfig

	// IssuerPatterns adds, like Issuers, one issuer for each allowed tenant
	// of a template (multi-tenant identity providers). The expanded issuers
	// inherit every setting of this Config. They come after Issuers in
	// Verifier.Issuers.
	IssuerPatterns []IssuerPattern

	// KeySet, when set, replaces the remote key set built from JWKSURL (for
	// example a StaticKeySet, or a custom implementation). The Verifier does
	// not close a KeySet it did not create. With several issuers, set
	// IssuerConfig.KeySet instead. A nil pointer or func held in the
	// interface (such as a nil *StaticKeySet) is refused.
	KeySet KeySet

	// Algorithms is the allow-list of JWS algorithms, compared exactly with
	// the token's "alg" header. Default: RS256, RS384, RS512, PS256, PS384,
	// PS512, ES256, ES384, ES512, EdDSA, Ed25519. "none" and the HMAC
	// algorithms (HS*) are refused: a resource server holds no shared
	// secrets.
	//
	// "Ed25519" (RFC 9864) and "EdDSA" (RFC 8037 §3.1, deprecated by RFC
	// 9864) both mean EdDSA over an Ed25519 key; Ed448 is not supported. Each
	// name is allow-listed on its own, but a key whose JWK "alg" is either
	// name verifies tokens of both, since the operation is the same.
	Algorithms []string

	// TokenTypes are the accepted "typ" header values, compared
	// case-insensitively with an optional "application/" prefix (RFC 7515
	// §4.1.9). A token without typ is accepted. Default: JWT, at+jwt.
	// Env: AXIOMS_TOKEN_TYPS.
	TokenTypes []string

	// ScopeClaims, RoleClaims and PermissionClaims are ordered claim names;
	// the first claim present in a token wins. A value may be a
	// space-separated string or an array of strings. Names may be dotted
	// paths ("realm_access.roles"), contain colons ("cognito:groups") or be
	// URLs ("https://example.com/roles"); an exact top-level name is preferred
	// over a dotted path. Defaults: scope,scp / roles / permissions.
	// Env: AXIOMS_SCOPE_CLAIMS, AXIOMS_ROLES_CLAIMS, AXIOMS_PERMISSIONS_CLAIMS.
	ScopeClaims      []string
	RoleClaims       []string
	PermissionClaims []string

	// RequiredClaims are claims that must be present (for example the RFC
	// 9068 §2.2 set "sub", "client_id", "jti", "iat"). Default: none beyond
	// exp and aud, which are always required.
	RequiredClaims []string

	// Leeway is the clock skew allowed on exp, nbf and iat. Default 0, at
	// most maxLeeway. Env: AXIOMS_LEEWAY.
	Leeway time.Duration

	// MaxTokenLifetime, when set, refuses tokens whose lifetime exp - iat
	// is longer (ErrTokenLifetime, an invalid token), and tokens without
	// iat, whose lifetime is unknown: a bound on how long a leaked token
	// stays usable whatever the issuer grants. It is a rule on the token,
	// not on the route, so it is a setting of the Verifier rather than a
	// Policy. Leeway does not extend it. Default 0: no bound. Code only.
	MaxTokenLifetime time.Duration

	// RefreshInterval is the longest period of the background key set
	// refresh: a key set answer's Cache-Control max-age may shorten it
	// (see MaxAgeFloor), and each period comes up to 20% early at random,
	// so that replicas started together spread their refreshes. Refreshes
	// are conditional requests when the issuer sends an ETag or a
	// Last-Modified (RFC 9110 §13.1). Default 1h.
	// Env: AXIOMS_JWKS_REFRESH_INTERVAL.
	RefreshInterval time.Duration
	// CacheTTL is how long the last fetched key set may still be used while
	// refreshes fail, from its fetch or the last 304 that confirmed it; at
	// least RefreshInterval. Default: the larger of 2h and twice
	// RefreshInterval. Env: AXIOMS_JWKS_CACHE_TTL.
	CacheTTL time.Duration
	// MinRefreshInterval is the least time between two fetch attempts made
	// on demand (unknown kid, or no keys yet). Default: the smaller of 30s
	// and RefreshInterval.
	// Env: AXIOMS_JWKS_MIN_REFRESH_INTERVAL.
	MinRefreshInterval time.Duration
	// MaxAgeFloor is the shortest background refresh period a key set
	// answer can ask for. The refresh follows the answer's freshness
	// lifetime (RFC 9111 §4.2.1: Cache-Control max-age, else Expires minus
	// Date, less Age; no-cache, no-store and max-age=0 mean at once),
	// clamped between MaxAgeFloor and RefreshInterval; an answer without
	// any of them is refreshed after RefreshInterval. Either way the
	// period comes up to 20% early at random. Default: the smaller of 5m
	// and RefreshInterval, at least MinRefreshInterval; it must lie
	// between the two. Set it to RefreshInterval to ignore the answers'
	// caching headers. Env: AXIOMS_JWKS_MAX_AGE_FLOOR.
	MaxAgeFloor time.Duration
	// FetchTimeout bounds one key set fetch. Default 10s.
	FetchTimeout time.Duration
	// MaxJWKSBytes caps the size of a key set response. Default 1 MiB.
	MaxJWKSBytes int64
	// MaxKeys caps the number of keys in a key set; a larger set is refused
	// as a whole. Default 100.
	MaxKeys int
	// MaxRSABits caps the modulus of the RSA keys a key set keeps, in bits:
	// larger keys are dropped and logged, like other unusable keys, and the
	// rest of the set is kept. Default 4096; between 2048 (RFC 7518 §3.3)
	// and 8192. The cap bounds what a forged token costs: the RSA public-key
	// operation runs in full before a bad signature is refused, and its cost
	// grows faster than the square of the modulus (measured with Go 1.26: a
	// forged RS256 token costs about 9 times as much against a 4096-bit key
	// as against a 2048-bit one, and about 36 times against an 8192-bit
	// key). It applies to keys parsed from a JWKS, not to keys built with
	// NewPublicKey.
	MaxRSABits int

	// MaxTokenBytes caps the length of a token; longer tokens are refused
	// before any parsing. Default 16 KiB.
	MaxTokenBytes int

	// TokenCacheEntries bounds the verified-token cache, which answers a
	// token seen before without checking its signature again (under 1 µs
	// instead of tens). Default 10000; -1 turns the cache off.
	//
	// The cache is on by default because it never changes a decision: it
	// is per Verifier (so Audiences, Issuer and every other setting apply
	// to it), keyed by the whole token, and a hit is served only while the
	// exact key that verified the token is still in the key set for its kid
	// (looked up in memory, never fetched), before exp minus Leeway and
	// TokenCacheMaxAge, and after exp, nbf and iat are checked again against
	// Now. Only tokens that passed every check enter it, so garbage cannot
	// fill it; tokens without kid are never cached. A custom KeySet is asked
	// with Keys on every hit (RemoteKeySet and StaticKeySet answer from
	// memory without it). Claims of a hit are the same immutable *Claims
	// returned before.
	TokenCacheEntries int
	// TokenCacheBytes bounds the memory the cache holds: tokens and their
	// decoded claims, estimated. When full, the least recently used of a
	// few sampled entries (expired ones first) is dropped. Default 16 MiB.
	TokenCacheBytes int64
	// TokenCacheMaxAge is the longest an entry is kept, whatever the
	// token's exp. Default 5m, at most 24h.
	TokenCacheMaxAge time.Duration

	// Realm is the realm of every WWW-Authenticate challenge. Default "api".
	Realm string

	// SafeMethods pass an adapter's Middleware (Guard.Authenticate) without
	// credentials, so that CORS preflights work; credentials that are
	// present are still verified, and no policy is met on a safe method
	// without a verified token. Default OPTIONS; an empty, non-nil list
	// means none. Set in code only, never from request data.
	SafeMethods []string

	// HTTPClient fetches key sets. Default: a client with FetchTimeout. The
	// client is copied: redirects are always limited to https (or loopback
	// http) and cookies are never sent.
	HTTPClient *http.Client

	// Now is the clock. Default time.Now.
	Now func() time.Time

	// Logger receives key set events: dropped keys (each once, not at every
	// refresh that drops it again) and failed refreshes. Default
	// slog.Default().
	Logger *slog.Logger

	// DPoP configures DPoP-bound tokens (RFC 9449): off by default, so
	// that only Bearer tokens are accepted and a token with cnf.jkt is
	// refused. Env: AXIOMS_DPOP, AXIOMS_DPOP_NONCE. A token bound to a TLS
	// client certificate (cnf x5t#S256, RFC 8705) needs no setting.
	DPoP DPoPConfig

	// SenderConstrained accepts only sender-constrained tokens (RFC 9700
	// §2.2.1): a token without cnf is refused (ErrTokenNotBound), whatever
	// the scheme, and tokens are read from the Authorization header only
	// (query, form, cookie and custom sources are ignored). FAPI2 sets it.
	// Default false.
	SenderConstrained bool

	// Introspection turns on RFC 7662 token introspection for opaque access
	// tokens (see IntrospectionConfig): off by default, so that a token
	// that is not a compact JWS is refused as malformed. With it, and none
	// of Issuer, JWKSURL, KeySet, Issuers and IssuerPatterns, the Verifier
	// has no key source and introspects every token. It is the only
	// endpoint opaque tokens are sent to; with several issuers, an issuer
	// may have an endpoint of its own for its JWTs
	// (IssuerConfig.Introspection). Env:
	// AXIOMS_INTROSPECTION_URL, AXIOMS_INTROSPECTION_CLIENT_ID,
	// AXIOMS_INTROSPECTION_CLIENT_SECRET, AXIOMS_INTROSPECTION_CACHE_TTL.
	Introspection IntrospectionConfig

	// Observer, when set, receives every decision of the middleware built
	// on the Verifier, every token verification and every key set fetch,
	// for metrics and traces (see Observer; package otelauth gives
	// OpenTelemetry instruments). Default: none.
	Observer *Observer
}

// IssuerConfig is one trusted issuer of a Verifier with several issuers
// (Config.Issuers). Every empty field but Issuer, JWKSURL, KeySet and
// Introspection inherits the field of the same name of the Config; a list
// that is set replaces the Config's, it is never merged with it.
type IssuerConfig struct {
	// Issuer is the exact expected "iss". Required; the same rules as
	// Config.Issuer, and no two issuers of a Config may be equal.
	Issuer string
	// JWKSURL is where this issuer's keys are fetched. Default: found by
	// discovery from Issuer, as described at Config.JWKSURL (never
	// inherited).
	JWKSURL string
	// KeySet, when set, replaces the remote key set of this issuer (never
	// inherited). The Verifier does not close it. A nil pointer or func held
	// in the interface is refused, as for Config.KeySet.
	KeySet KeySet

	// Audiences, AudienceClaim, ScopeClaims, RoleClaims, PermissionClaims
	// and RequiredClaims apply to the tokens of this issuer; each empty one
	// inherits the Config's (so RequiredClaims cannot be emptied here).
	Audiences        []string
	AudienceClaim    string
	ScopeClaims      []string
	RoleClaims       []string
	PermissionClaims []string
	RequiredClaims   []string

	// Introspection, when set, sends the JWTs of this issuer, after their
	// local verification, to this issuer's own introspection endpoint (RFC
	// 7662), so that their revocation is seen: IntrospectJWTs is implied
	// (its value is ignored), and everything else works as for
	// Config.Introspection with IntrospectJWTs (its own client
	// authentication, cache, single-flight, timeouts, readiness probe,
	// Observer events naming this issuer, logs). Its Issuer must be empty or
	// this Issuer; an answer must be about this issuer (iss absent or this
	// Issuer), and SignedResponses verifies with this issuer's keys. Opaque
	// tokens are never sent here: they name no issuer, and a token sent to
	// an authorization server that did not issue it leaks to it; they go to
	// Config.Introspection only. Setting it for the issuer whose JWTs
	// Config.Introspection introspects (IntrospectJWTs with that Issuer) is
	// an error. Default nil: the JWTs of this issuer are verified locally
	// only (or by Config.Introspection, as it says). Never inherited; the
	// issuers of IssuerPatterns have none. Code only.
	Introspection *IntrospectionConfig
}

// IssuerPattern trusts one issuer per allowed tenant: Template with
// "{tenant}" replaced by each of Tenants, as in
//
//	core.IssuerPattern{
//		Template: "https://login.microsoftonline.com/{tenant}/v2.0",
//		Tenants:  []string{"9188040d-6c67-4c5b-b112-36a304b66dad", "contoso.onmicrosoft.com"},
//	}
//
// The pattern is expanded when the Verifier is built, into fixed issuers
// that inherit every setting of the Config; a token naming a tenant outside
// Tenants is refused like any unlisted issuer, with no request. There is no
// wildcard: the allow-list is required.
type IssuerPattern struct {
	// Template is an issuer URL containing "{tenant}" exactly once.
	Template string
	// Tenants are the allowed tenants, at least one. Each is non-empty and
	// made of letters, digits, '-', '.', '_' and '~' only (RFC 3986
	// unreserved characters), so it can never change the URL's structure.
	Tenants []string
	// JWKSURL, when set, is the key set URL of every tenant, "{tenant}"
	// (optional) replaced as in Template; each tenant still gets a key set
	// of its own. Default: discovery for each tenant's issuer.
	JWKSURL string
}
