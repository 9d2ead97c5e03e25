package core

import (
	"log/slog"
	"net/http"
	"time"
)

// Defaults of Config. Each is used when the matching field is left zero.
const (
	DefaultRealm              = "api"
	DefaultRefreshInterval    = time.Hour
	DefaultCacheTTL           = 2 * time.Hour
	DefaultMinRefreshInterval = 30 * time.Second
	DefaultFetchTimeout       = 10 * time.Second
	DefaultMaxTokenBytes      = 16 << 10 // 16 KiB
	DefaultMaxJWKSBytes       = 1 << 20  // 1 MiB
	DefaultMaxKeys            = 100
	// Defaults of the verified-token cache (Config.TokenCacheEntries,
	// TokenCacheBytes, TokenCacheMaxAge).
	DefaultTokenCacheEntries = 10000
	DefaultTokenCacheBytes   = 16 << 20 // 16 MiB
	DefaultTokenCacheMaxAge  = 5 * time.Minute
	// MaxLeeway is the largest clock skew a Config accepts (RFC 7519 §4.1.4:
	// "usually no more than a few minutes").
	MaxLeeway = 5 * time.Minute
)

// Default lists. They are returned as fresh copies by the functions below so
// that no caller can change them.
var (
	defaultAlgorithms  = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
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

	// Issuer is the exact expected "iss" (RFC 9068 §4: no normalisation).
	// When empty, iss is not checked. Env: AXIOMS_ISS_URL, or
	// https://{AXIOMS_DOMAIN}. Plain http:// is refused unless the host is a
	// loopback address.
	Issuer string

	// JWKSURL is where the issuer's key set is fetched. Default
	// {Issuer}/.well-known/jwks.json. Must be https://, or http:// on a
	// loopback host. Ignored when KeySet is set. Env: AXIOMS_JWKS_URL.
	JWKSURL string

	// KeySet, when set, replaces the remote key set built from JWKSURL (for
	// example a StaticKeySet, or a custom implementation). The Verifier does
	// not close a KeySet it did not create.
	KeySet KeySet

	// Algorithms is the allow-list of JWS algorithms. Default: RS256, RS384,
	// RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA. "none" and the
	// HMAC algorithms (HS*) are refused: a resource server holds no shared
	// secrets.
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
	// most MaxLeeway. Env: AXIOMS_LEEWAY.
	Leeway time.Duration

	// RefreshInterval is the period of the background key set refresh.
	// Default 1h. Env: AXIOMS_JWKS_REFRESH_INTERVAL.
	RefreshInterval time.Duration
	// CacheTTL is how long the last fetched key set may still be used while
	// refreshes fail; at least RefreshInterval. Default: the larger of 2h and
	// twice RefreshInterval. Env: AXIOMS_JWKS_CACHE_TTL.
	CacheTTL time.Duration
	// MinRefreshInterval is the least time between two fetch attempts made
	// on demand (unknown kid, or no keys yet). Default: the smaller of 30s
	// and RefreshInterval.
	// Env: AXIOMS_JWKS_MIN_REFRESH_INTERVAL.
	MinRefreshInterval time.Duration
	// FetchTimeout bounds one key set fetch. Default 10s.
	FetchTimeout time.Duration
	// MaxJWKSBytes caps the size of a key set response. Default 1 MiB.
	MaxJWKSBytes int64
	// MaxKeys caps the number of keys in a key set; a larger set is refused
	// as a whole. Default 100.
	MaxKeys int

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

	// SafeMethods skip authentication entirely (CORS preflights). Default
	// OPTIONS. Set in code only, never from request data.
	SafeMethods []string

	// HTTPClient fetches key sets. Default: a client with FetchTimeout. The
	// client is copied: redirects are always limited to https (or loopback
	// http) and cookies are never sent.
	HTTPClient *http.Client

	// Now is the clock. Default time.Now.
	Now func() time.Time

	// Logger receives key set events (dropped keys, failed refreshes).
	// Default slog.Default().
	Logger *slog.Logger
}
