package core

import (
	"errors"
	"strings"
	"time"
)

// Error categories. Every error returned by this package matches exactly one
// of them with errors.Is; adapters choose the HTTP answer from the category
// alone (see ErrorResponse).
var (
	// ErrNoCredentials: the request carried no bearer credentials (no
	// Authorization header, or another scheme). RFC 6750 §3.1: 401 with a
	// challenge that has no error attribute.
	ErrNoCredentials = errors.New("no bearer credentials")
	// ErrInvalidRequest: the credentials were ambiguous or malformed at the
	// HTTP level, such as two Authorization headers. RFC 6750 §3.1: 400.
	ErrInvalidRequest = errors.New("invalid request")
	// ErrInvalidToken: the token is malformed, unverifiable, expired or
	// otherwise unacceptable. RFC 6750 §3.1 and RFC 9068 §4: 401.
	ErrInvalidToken = errors.New("invalid token")
	// ErrInsufficientScope: the token is valid but a policy is not met.
	// RFC 6750 §3.1: 403.
	ErrInsufficientScope = errors.New("insufficient scope")
	// ErrInsufficientUserAuthentication: the token is valid but the user's
	// authentication behind it is not strong or recent enough for the
	// request (a step-up policy: ACR, MaxAge). RFC 9470 §3: 401
	// insufficient_user_authentication, with acr_values and max_age in the
	// challenge telling the client what to ask the authorization server
	// for. It is an authentication error beside RFC 6750's three: a new
	// token is needed, not another request.
	ErrInsufficientUserAuthentication = errors.New("insufficient user authentication")
	// ErrKeysUnavailable: no usable key set exists (the issuer has been
	// unreachable since start, or for longer than the cache TTL), so no token
	// can be judged. Answered with 503 and Retry-After, never invalid_token.
	ErrKeysUnavailable = errors.New("signing keys unavailable")
)

// Error is the concrete error type of this package. Its category is matched
// with errors.Is (ErrInvalidToken, ...); the fixed, attacker-independent
// Description is safe to show to clients. Reasons below are *Error values
// themselves, so errors.Is(err, ErrTokenExpired) works as well.
type Error struct {
	category    error
	description string
	scopes      []string      // insufficient_scope: scopes named by the failed rule
	acrValues   []string      // insufficient_user_authentication: acceptable acr values
	maxAge      time.Duration // insufficient_user_authentication: allowed age of auth_time; <0 when none
	retryAfter  time.Duration // keys unavailable: when a new fetch may be tried
}

// Error implements error.
func (e *Error) Error() string { return e.category.Error() + ": " + e.description }

// Is reports whether target is e's category (or e itself).
func (e *Error) Is(target error) bool { return target == e.category }

// Unwrap returns the category.
func (e *Error) Unwrap() error { return e.category }

// Description is the fixed, client-safe description of the failure.
func (e *Error) Description() string { return e.description }

// Scopes returns the scopes named by the unmet scope rule (a copy), or nil
// when the failed rule was not a scope rule.
func (e *Error) Scopes() []string { return append([]string(nil), e.scopes...) }

// ACRValues returns, for ErrInsufficientUserAuthentication, the
// authentication context class references the policy accepts (RFC 9470 §3
// acr_values, a copy), or nil when it set none.
func (e *Error) ACRValues() []string { return append([]string(nil), e.acrValues...) }

// MaxAge returns, for ErrInsufficientUserAuthentication, the largest
// allowed time since the user's authentication (RFC 9470 §3 max_age) and
// true, or false when the policy set none.
func (e *Error) MaxAge() (time.Duration, bool) {
	return e.maxAge, e.category == ErrInsufficientUserAuthentication && e.maxAge >= 0
}

func newError(category error, description string) *Error {
	return &Error{category: category, description: description}
}

// Reasons for ErrInvalidToken. Each description is fixed and never echoes
// request data.
var (
	ErrTokenMalformed       = newError(ErrInvalidToken, "token malformed")
	ErrTokenTooLarge        = newError(ErrInvalidToken, "token too large")
	ErrUnsupportedAlgorithm = newError(ErrInvalidToken, "algorithm not allowed")
	ErrUnsupportedHeader    = newError(ErrInvalidToken, "unsupported token header")
	ErrUnsupportedTokenType = newError(ErrInvalidToken, "token type not accepted")
	ErrUnknownKey           = newError(ErrInvalidToken, "signing key not found")
	ErrSignatureInvalid     = newError(ErrInvalidToken, "signature invalid")
	ErrClaimsMalformed      = newError(ErrInvalidToken, "claims malformed")
	ErrTokenExpired         = newError(ErrInvalidToken, "token expired")
	ErrTokenNotYetValid     = newError(ErrInvalidToken, "token not yet valid")
	ErrTokenIssuedInFuture  = newError(ErrInvalidToken, "token issued in the future")
	ErrAudienceMismatch     = newError(ErrInvalidToken, "audience not accepted")
	ErrIssuerMismatch       = newError(ErrInvalidToken, "issuer not accepted")
	ErrRequiredClaimMissing = newError(ErrInvalidToken, "required claim missing")
	// ErrTokenInactive: the introspection endpoint answered "active": false
	// (RFC 7662 §2.2): the token is revoked, expired, unknown to the
	// authorization server, or not meant for this resource server.
	ErrTokenInactive = newError(ErrInvalidToken, "token not active")
	// ErrTokenLifetime: exp - iat exceeds Config.MaxTokenLifetime, or the
	// token has no iat while a maximum lifetime is configured.
	ErrTokenLifetime = newError(ErrInvalidToken, "token lifetime too long")
	// ErrTokenBound: the token is sender-constrained (it has a cnf claim,
	// RFC 7800) and no proof of possession was checked; a bound token is
	// never accepted as a bearer token (RFC 9449 §7.2, RFC 8705 §3).
	ErrTokenBound            = newError(ErrInvalidToken, "proof of possession required")
	ErrEmptyBearer           = newError(ErrInvalidToken, "bearer token missing")
	ErrBearerSyntax          = newError(ErrInvalidToken, "bearer token malformed")
	errMultipleAuthorization = newError(ErrInvalidRequest, "multiple credentials")
	errMultipleCookies       = newError(ErrInvalidRequest, "multiple token cookies")
	errNoCredentials         = newError(ErrNoCredentials, "authentication required")
	errKeysUnavailable       = keysUnavailable(0)
)

// Reasons for ErrInvalidRequest from the token sources an adapter enables
// beyond the Authorization header. Each description is fixed and never
// echoes request data or the text of a wrapped error.
var (
	// ErrExtractorFailed: the custom token extractor (Credentials.Extract,
	// WithTokenExtractor in the adapters) returned an error. The error
	// returned to the adapter wraps the extractor's own as well, for
	// errors.Is and errors.As in an error handler or a log; the client sees
	// only "token extraction failed".
	ErrExtractorFailed = newError(ErrInvalidRequest, "token extraction failed")
	// ErrFormTooLarge: form tokens are enabled and a form-encoded body
	// (RFC 6750 §2.2) is longer than the adapters' cap, so it was not
	// searched for a token.
	ErrFormTooLarge = newError(ErrInvalidRequest, "form body too large")
	// ErrFormMalformed: form tokens are enabled and a form-encoded body is
	// not valid application/x-www-form-urlencoded (a bad percent-escape in
	// a name, or in an access_token value), or could not be read.
	ErrFormMalformed = newError(ErrInvalidRequest, "form body malformed")
)

// causedError is a reason with the error that caused it, for the
// server's own logs and error handlers: errors.Is and errors.As find both,
// the reason first, so a response is always built from the reason's fixed
// description.
type causedError struct {
	reason *Error
	cause  error
}

func (e *causedError) Error() string   { return e.reason.Error() + ": " + e.cause.Error() }
func (e *causedError) Unwrap() []error { return []error{e.reason, e.cause} }

// Reasons for ErrInsufficientScope without a scope list.
var (
	ErrRoleDenied       = newError(ErrInsufficientScope, "insufficient role")
	ErrPermissionDenied = newError(ErrInsufficientScope, "insufficient permission")
	ErrNotOwner         = newError(ErrInsufficientScope, "not the resource owner")
	ErrMethodDenied     = newError(ErrInsufficientScope, "method not permitted")
	// ErrClientDenied: the token was issued to a client that an
	// AllowClients policy does not list.
	ErrClientDenied = newError(ErrInsufficientScope, "client not permitted")
)

// insufficientScope builds the 403 error of a failed scope rule.
func insufficientScope(scopes []string) *Error {
	return &Error{category: ErrInsufficientScope, description: "insufficient scope", scopes: scopes}
}

// insufficientAuthentication builds the 401 error of a failed step-up
// policy (RFC 9470 §3); maxAge < 0 means no max_age.
func insufficientAuthentication(acr []string, maxAge time.Duration) *Error {
	return &Error{category: ErrInsufficientUserAuthentication, description: "authentication level insufficient",
		acrValues: acr, maxAge: maxAge}
}

// joinScopes renders a scope list for a description or a challenge.
func joinScopes(scopes []string) string { return strings.Join(scopes, " ") }

// RetryAfter is, for ErrKeysUnavailable, how long a client should wait before
// retrying: whole seconds, at least one; zero for other errors.
func (e *Error) RetryAfter() time.Duration { return e.retryAfter }

// keysUnavailable builds the ErrKeysUnavailable error of a key set that will
// try to fetch again after d. This is the one place the Retry-After delay
// is decided: d rounded up to whole seconds, at least one (RFC 9110
// §10.2.3 delay-seconds).
func keysUnavailable(d time.Duration) *Error {
	d = max(d, time.Second)
	if r := d % time.Second; r != 0 {
		d += time.Second - r
	}
	return &Error{category: ErrKeysUnavailable, description: "signing keys unavailable", retryAfter: d}
}
