package core

import (
	"crypto"
	"net/http"
	"time"
)

// IntrospectionConfig configures token introspection (RFC 7662) for
// opaque access tokens; the zero value is off. With URL set, a token that
// is not a compact JWS (three base64url parts) is sent to the
// authorization server's introspection endpoint instead of being refused
// as malformed; a compact JWS is still verified locally, unless
// IntrospectJWTs is set or the Verifier has no key source at all (no
// Issuer, JWKSURL or KeySet: every token is then introspected).
//
// An introspected token is accepted only when the answer (HTTP 200, a
// JSON object decoded strictly: duplicate members refused) has "active":
// true and passes the rules of the issuer it names, as a JWT's claims do:
//
//   - iss, when present, must be a trusted issuer (Config.Issuer, one of
//     Config.Issuers); an answer without iss is taken as from Issuer
//     below, and Claims.Issuer reports that issuer;
//   - aud must hold a configured audience (or AudienceClaim), unless the
//     answer has no aud (or an empty one) and AllowMissingAudience is set;
//   - exp, when present, in the future; nbf and iat not in the future,
//     within Config.Leeway; an answer without exp (RFC 7662 §2.2 makes it
//     optional) is valid as the endpoint says, and cached at most
//     CacheTTL; with Config.MaxTokenLifetime set it is refused;
//   - RequiredClaims present; cnf checked as for a JWT (DPoP, mTLS);
//   - not a refresh or ID token, where the answer says so (RFC 7662
//     answers active for every kind of token): token_use other than
//     "access_token" (Ory Hydra), typ "Refresh", "Offline" or "ID"
//     (Keycloak) is ErrUnsupportedTokenType.
//
// scope (a space-separated string, RFC 7662 §2.2), client_id, sub and the
// other members are the token's claims: every Policy, ClaimsFromContext,
// Claims.Subject and Claims.Scopes work on them unchanged. active: false,
// and any rule broken, is an invalid token (ErrTokenInactive for
// active: false).
//
// An endpoint that cannot be reached, does not answer within Timeout,
// answers anything but 200, or sends an answer that is not such a JSON
// object (over MaxResponseBytes, not JSON, duplicate members, no boolean
// active) makes the request fail with ErrKeysUnavailable (503 with
// Retry-After, description "token introspection unavailable"), never an
// acceptance and never a hang. 401 and 403 (the endpoint refuses this
// resource server's credentials) and the other client errors are logged
// once at Error level ("axioms: introspection misconfigured", with what to
// fix), outages once at Warn level, until the next change.
//
// Answers are cached (see CacheTTL): a revoked token is refused at most
// CacheTTL after its revocation (60 seconds by default).
//
// Requests are POSTs of the token (RFC 7662 §2.1) with
// token_type_hint=access_token, authenticated as AuthMethod says, over
// https (http only to a loopback host), without cookies, never following a
// redirect (the token and the credentials would go elsewhere). They ask
// for a plain JSON answer (Accept: application/json), or with
// SignedResponses for a signed one (RFC 9701); a signed answer is never
// taken unverified (see SignedResponses). Not supported: encrypted answers
// (RFC 9701 JWE), and mTLS client authentication other than through
// HTTPClient's TLS settings.
//
// Config.Introspection is the Verifier's endpoint: the only one opaque
// tokens are sent to. With several issuers, each IssuerConfig may have an
// endpoint of its own (IssuerConfig.Introspection), for its JWTs only:
// they are verified locally, then introspected there (IntrospectJWTs is
// implied), with that endpoint's client authentication, cache, timeouts
// and readiness probe, and an answer naming another issuer is refused. An
// opaque token is never sent to an issuer's endpoint: it names no issuer,
// and sending a token to an authorization server that did not issue it
// would leak it there. The issuers of Config.IssuerPatterns have no
// endpoint of their own.
type IntrospectionConfig struct {
	// URL is the introspection endpoint (RFC 7662 §2; the
	// introspection_endpoint of the server's RFC 8414 metadata); https, or
	// http on a loopback host. Setting it turns introspection on.
	// Env: AXIOMS_INTROSPECTION_URL.
	URL string

	// ClientID and ClientSecret are this resource server's credentials at
	// the authorization server (RFC 7662 §2.1 requires the protected
	// resource to authenticate). Without ClientID, requests carry no
	// client authentication (AuthMethod IntrospectionAuthNone), for an
	// endpoint protected otherwise, such as Ory Hydra's admin API.
	// Env: AXIOMS_INTROSPECTION_CLIENT_ID, AXIOMS_INTROSPECTION_CLIENT_SECRET.
	ClientID     string
	ClientSecret string

	// AuthMethod is how requests authenticate (RFC 8414 §2
	// introspection_endpoint_auth_methods_supported). Default:
	// IntrospectionAuthPrivateKeyJWT with a Signer, else
	// IntrospectionAuthBasic with a ClientID or a ClientSecret, else
	// IntrospectionAuthNone.
	AuthMethod IntrospectionAuthMethod

	// Signer, SignerKeyID and SignerAlgorithm sign the client assertion of
	// IntrospectionAuthPrivateKeyJWT (RFC 7523 §2.2): an RSA (2048 bits or
	// more), ECDSA (P-256, P-384, P-521) or Ed25519 private key whose public
	// key the authorization server holds for ClientID, its kid (optional
	// header), and the JWS algorithm (default by key: RS256, ES256, ES384,
	// ES512, EdDSA; PS256, PS384, PS512, RS384 and RS512 may be chosen for
	// RSA keys). The assertion has iss and sub ClientID, aud
	// AssertionAudience, a random jti and exp one minute after iat; a
	// fresh one is signed for each request. NewVerifier signs one and
	// verifies it with the signer's public key: a signer that fails is a
	// configuration error.
	Signer          crypto.Signer
	SignerKeyID     string
	SignerAlgorithm string
	// AssertionAudience is the aud of the client assertion. Default: URL
	// (some servers want their issuer instead).
	AssertionAudience string

	// Issuer is the trusted issuer whose authorization server answers at
	// URL: an answer without iss is judged by its rules (audiences, claim
	// lists), and with IntrospectJWTs only its JWTs are introspected.
	// Default: Config.Issuer (single-issuer form); with several issuers,
	// none, so that an answer must name its issuer. It must be a trusted
	// issuer. In IssuerConfig.Introspection it must be empty or that
	// IssuerConfig's Issuer, which it always is.
	Issuer string

	// IntrospectJWTs sends the compact JWS access tokens of Issuer to the
	// endpoint too, so that their revocation is seen: each is first
	// verified locally as without introspection (a forged or expired JWT
	// costs no request), then accepted only when the endpoint answers
	// active: true, in an answer about Issuer (iss absent or Issuer; any
	// other iss is ErrIssuerMismatch). Its claims stay those of the
	// verified JWT; the answer decides whether it is active, and its exp
	// may shorten the cache entry. With several issuers, Issuer must be
	// set, and must not have an IssuerConfig.Introspection of its own; the
	// JWTs of the other issuers are verified locally only, or at their own
	// endpoint (IssuerConfig.Introspection, where IntrospectJWTs is implied
	// whatever its value). Default false. Code only.
	IntrospectJWTs bool

	// AllowMissingAudience accepts an answer that has no aud, or an empty
	// one (RFC 7662 makes aud optional; Ory Hydra answers "aud": [] for a
	// token requested without audience). An aud that is present and names
	// none of the audiences is refused all the same. Default false: an
	// answer must name a configured audience. It applies to the tokens
	// judged by their answer alone: opaque tokens, and every token when
	// the Verifier has no key source; a JWT verified locally is judged by
	// its own aud. Refused in an IssuerConfig.Introspection. Code only.
	AllowMissingAudience bool

	// SignedResponses asks the endpoint for signed answers (RFC 9701 §4:
	// Accept: application/token-introspection+jwt) and accepts no other: a
	// plain JSON answer is then a misconfiguration (or a downgrade) and
	// fails as an unusable answer does (503, logged once at Error level,
	// Ready matching ErrKeySetMisconfigured). The authorization server signs
	// for clients registered with introspection_signed_response_alg (RFC
	// 9701 §6; node oidc-provider's features.jwtIntrospection, Duende
	// IdentityServer, Authlete, Connect2id). Requires Issuer (or
	// Config.Issuer; in IssuerConfig.Introspection, that issuer): its key
	// set verifies the answers.
	//
	// A signed answer (Content-Type application/token-introspection+jwt,
	// RFC 9701 §5) is accepted, with or without this option, only when it
	// is a compact JWS (an encrypted answer, a JWE, is refused: decrypting
	// is not supported) whose typ is token-introspection+jwt (case-
	// insensitively, "application/" optional, RFC 7515 §4.1.9), whose alg
	// is in Config.Algorithms and fits the key (HMAC and none are never
	// accepted), signed by a key of Issuer's key set (the one its JWTs are
	// verified with: an unknown kid refreshes it as for a JWT), with iss
	// Issuer, aud holding ClientID or one of Issuer's audiences (RFC 9701
	// §5 asks aud to identify the resource server; servers use the client
	// ID or the resource's URI), iat present, not in the future and not
	// before the request was sent (within Config.Leeway, at least 5
	// seconds: the answer is stamped in whole seconds by another clock), and
	// exp and nbf, when present, valid. Its token_introspection member is
	// then decoded and judged exactly as a plain answer. A signed answer
	// that fails any of this is an unusable answer (503, logged), never the
	// client's fault; without this option, one that arrives for an
	// Introspection without Issuer (no keys to verify it) is refused as
	// well. Default false: plain JSON is asked for. Code only.
	SignedResponses bool

	// CacheTTL is the longest an active answer is reused before the
	// endpoint is asked again, and so the longest a revoked token stays
	// accepted after its revocation. An entry never outlives the token's
	// exp. Answers refused (active: false, or a rule broken) are reused
	// for the shorter of CacheTTL and 10 seconds; failures are not cached.
	// Default 60s, at most 1h; -1 turns the cache off (every request is
	// introspected; concurrent requests with one token still share one
	// call). Env: AXIOMS_INTROSPECTION_CACHE_TTL (seconds or a Go
	// duration; 0 turns the cache off).
	CacheTTL time.Duration
	// CacheEntries and CacheBytes bound the cache: entries, and their
	// estimated memory (answers and claim trees; no token is kept). When
	// full, the least recently used of a few sampled entries (expired ones
	// first) is dropped. Defaults 10000 and 16 MiB.
	CacheEntries int
	CacheBytes   int64

	// Timeout bounds one request, connection included. Default 5s, at most
	// 1m.
	Timeout time.Duration
	// MaxResponseBytes caps an answer; a larger one is a failure (503).
	// Default 64 KiB, at most 4 MiB.
	MaxResponseBytes int64

	// HTTPClient sends the requests. Default: a client of its own. The
	// client is copied: redirects are never followed, cookies never sent,
	// and Timeout applies when the client sets none.
	HTTPClient *http.Client
}

// IntrospectionAuthMethod is how introspection requests authenticate the
// resource server (RFC 7591 §2 token_endpoint_auth_method values).
type IntrospectionAuthMethod string

// Client authentication methods of IntrospectionConfig.AuthMethod.
const (
	// IntrospectionAuthBasic: HTTP Basic with ClientID and ClientSecret,
	// each form-urlencoded first (RFC 6749 §2.3.1).
	IntrospectionAuthBasic IntrospectionAuthMethod = "client_secret_basic"
	// IntrospectionAuthPost: client_id and client_secret in the request
	// body (RFC 6749 §2.3.1).
	IntrospectionAuthPost IntrospectionAuthMethod = "client_secret_post"
	// IntrospectionAuthPrivateKeyJWT: a JWT client assertion signed with
	// Signer (RFC 7523 §2.2, OpenID Connect Core §9).
	IntrospectionAuthPrivateKeyJWT IntrospectionAuthMethod = "private_key_jwt"
	// IntrospectionAuthNone: no client authentication.
	IntrospectionAuthNone IntrospectionAuthMethod = "none"
)

// Defaults and bounds of IntrospectionConfig.
const (
	defaultIntrospectionTTL       = time.Minute
	maxIntrospectionTTL           = time.Hour
	negativeIntrospectionTTL      = 10 * time.Second // at most; CacheTTL when shorter
	defaultIntrospectionTimeout   = 5 * time.Second
	defaultIntrospectionBytes     = 64 << 10
	maxIntrospectionBytes         = 4 << 20
	defaultIntrospectionEntries   = 10000
	defaultIntrospectionCacheSize = 16 << 20
	// minAnswerSkew is the least clock skew allowed on the iat of a signed
	// answer, whatever Config.Leeway says.
	minAnswerSkew = 5 * time.Second
	// assertionLifetime is the exp - iat of a client assertion.
	assertionLifetime = time.Minute
	// minProbeInterval is the least time between two readiness probes.
	minProbeInterval = time.Second
)
