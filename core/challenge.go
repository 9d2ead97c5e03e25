package core

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Response is the HTTP answer to a refused request, computed by
// Guard.Response or Verifier.ErrorResponse. Adapters write it as it is.
type Response struct {
	// Status is the HTTP status code: 400, 401, 403 or 503.
	Status int
	// WWWAuthenticate is the value of the WWW-Authenticate header; empty for
	// 503, which is not an authentication challenge. With DPoP accepted it
	// holds the Bearer and the DPoP challenges (RFC 9449 §7.1), or the
	// DPoP one alone when DPoP is required.
	WWWAuthenticate string
	// RetryAfter is the value of the Retry-After header (503 only).
	RetryAfter string
	// DPoPNonce is the value of the DPoP-Nonce header (RFC 9449 §9): a
	// fresh nonce, with use_dpop_nonce only.
	DPoPNonce string
	// Body is the JSON body {"error": "...", "error_description": "..."}.
	Body []byte
	// exposeChallenge adds Access-Control-Expose-Headers: WWW-Authenticate
	// (a Guard's ResourceMetadata.WithCORS).
	exposeChallenge bool
}

// ContentType is the media type of Response.Body.
const ContentType = "application/json"

// SetHeaders calls set with each header field of the answer, in order:
// WWW-Authenticate, DPoP-Nonce and Retry-After when they have a value, then
// Content-Type (ContentType). An adapter passes its header setter, such as
// w.Header().Set. A challenge of a Guard whose ResourceMetadata has
// WithCORS also sets Access-Control-Expose-Headers (WWW-Authenticate, and
// DPoP-Nonce when there is one), right after WWW-Authenticate.
func (r Response) SetHeaders(set func(name, value string)) {
	if r.WWWAuthenticate != "" {
		set("WWW-Authenticate", r.WWWAuthenticate)
		if r.exposeChallenge {
			expose := "WWW-Authenticate"
			if r.DPoPNonce != "" {
				expose += ", DPoP-Nonce"
			}
			set("Access-Control-Expose-Headers", expose)
		}
	}
	if r.DPoPNonce != "" {
		set("DPoP-Nonce", r.DPoPNonce)
	}
	if r.RetryAfter != "" {
		set("Retry-After", r.RetryAfter)
	}
	set("Content-Type", ContentType)
}

// errorResponse turns an error from this package into its RFC 6750 answer
// (RFC 6750 §3, §3.1), in realm, with resource_metadata="<metadataURL>"
// (RFC 9728 §5.1) when metadataURL is not empty:
//
//	ErrNoCredentials     401, challenge without an error attribute (RFC 6750 §3.1)
//	ErrInvalidRequest    400 invalid_request
//	ErrInvalidToken      401 invalid_token
//	ErrInsufficientScope 403 insufficient_scope, with scope="..." for scope rules
//	ErrInsufficientUserAuthentication
//	                     401 insufficient_user_authentication, with acr_values="..."
//	                     and max_age="N" (RFC 9470 §3)
//	ErrInvalidDPoPProof  401 invalid_dpop_proof (RFC 9449 §7.1)
//	ErrUseDPoPNonce      401 use_dpop_nonce, with a DPoP-Nonce header (RFC 9449 §9)
//	ErrKeysUnavailable   503 with Retry-After, no challenge
//
// A 401 without credentials carries scope="..." when err names scopes (the
// scopes the route's policy needs, or the metadata's scopes_supported; see
// Guard.Response). The challenge is `Bearer realm="..."`, then error, error_description and
// scope when they apply, then resource_metadata, for example
//
//	Bearer realm="api", error="invalid_token", error_description="token expired", resource_metadata="https://api.example.com/.well-known/oauth-protected-resource"
//
// With DPoP accepted (dp not nil), a `DPoP realm="...", algs="..."`
// challenge follows the Bearer one (DPoPAllowed) or replaces it
// (DPoPRequired); the error attributes go on the challenge of the scheme
// the request used (RFC 9449 §7.1), the DPoP one for every request when
// DPoP is required:
//
//	Bearer realm="api", DPoP realm="api", algs="ES256 PS256", error="invalid_dpop_proof", error_description="DPoP proof replayed"
//
// Any other error is answered as an invalid token: a token problem never
// becomes a 5xx. Descriptions are the fixed texts of the error values; no
// request data ever reaches the response. Every value is quoted with
// quoteParam.
func errorResponse(err error, realm, metadataURL string, dp *dpopChallenge) Response {
	var e *Error
	if !errors.As(err, &e) {
		e = categoryError(err)
	}
	if e.category == ErrKeysUnavailable {
		return Response{Status: http.StatusServiceUnavailable, RetryAfter: strconv.FormatInt(int64(e.retryAfter/time.Second), 10),
			Body: errorBody("temporarily_unavailable", e.description)}
	}
	metadata := ""
	if metadataURL != "" {
		metadata = ", resource_metadata=" + quoteParam(metadataURL)
	}
	status, code := http.StatusUnauthorized, "invalid_token"
	switch e.category {
	case ErrNoCredentials:
		code = "unauthorized" // the body's; the challenge has no error attribute
	case ErrInvalidRequest:
		status, code = http.StatusBadRequest, "invalid_request"
	case ErrInsufficientScope:
		status, code = http.StatusForbidden, "insufficient_scope"
	case ErrInsufficientUserAuthentication:
		code = "insufficient_user_authentication"
	case ErrInvalidDPoPProof:
		code = "invalid_dpop_proof"
	case ErrUseDPoPNonce:
		code = "use_dpop_nonce"
	}
	params := scopeParam(e.scopes)
	if e.category != ErrNoCredentials {
		params = ", error=" + quoteParam(code) + ", error_description=" + quoteParam(e.description) + params + stepUpParams(e)
	}
	r := Response{Status: status, Body: errorBody(code, e.description)}
	bearer := "Bearer realm=" + quoteParam(realm)
	if dp == nil {
		r.WWWAuthenticate = bearer + params + metadata
		return r
	}
	onDPoP := dp.mode == DPoPRequired || isDPoPError(err)
	challenge := "DPoP realm=" + quoteParam(realm) + ", algs=" + quoteParam(dp.algs)
	switch {
	case e.category == ErrNoCredentials: // both challenges name the scopes
		bearer += params
		challenge += params
	case onDPoP:
		challenge += params
	default:
		bearer += params
	}
	r.WWWAuthenticate = challenge + metadata
	if dp.mode == DPoPAllowed {
		r.WWWAuthenticate = bearer + metadata + ", " + r.WWWAuthenticate
	}
	if e.category == ErrUseDPoPNonce && dp.nonce != nil {
		r.DPoPNonce = dp.nonce()
	}
	return r
}

// dpopChallenge is what the answers of a Verifier that accepts DPoP add.
type dpopChallenge struct {
	mode  DPoPMode
	algs  string        // the algs parameter
	nonce func() string // a fresh nonce; nil without nonces
}

// challenge returns the DPoP part of v's answers, nil when DPoP is off.
func (v *Verifier) challenge() *dpopChallenge {
	if v == nil || v.dpop == nil {
		return nil
	}
	c := &dpopChallenge{mode: v.dpop.mode, algs: v.dpop.algsParam}
	if n := v.dpop.nonces; n != nil {
		now := v.cfg.Now
		c.nonce = func() string { return n.issue(now()) }
	}
	return c
}

// isDPoPError reports whether err arose on a request of the DPoP scheme.
func isDPoPError(err error) bool {
	var d *dpopError
	return errors.As(err, &d)
}

// scopeParam renders `, scope="..."` (RFC 6750 §3) for a non-empty
// scope list, else "".
func scopeParam(scopes []string) string {
	if len(scopes) == 0 {
		return ""
	}
	return ", scope=" + quoteParam(joinScopes(scopes))
}

// stepUpParams renders the RFC 9470 §3 parameters of a step-up denial:
// `, acr_values="..."` and `, max_age=N` (whole seconds, rounded down; the
// spec's value is a plain number, quoted here as every other parameter).
func stepUpParams(e *Error) string {
	if e.category != ErrInsufficientUserAuthentication {
		return ""
	}
	s := ""
	if len(e.acrValues) > 0 {
		s += ", acr_values=" + quoteParam(joinScopes(e.acrValues))
	}
	if d, ok := e.MaxAge(); ok {
		s += ", max_age=" + quoteParam(strconv.FormatInt(int64(d/time.Second), 10))
	}
	return s
}

func errorBody(code, description string) []byte {
	b, _ := json.Marshal(struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}{code, description})
	return b
}

// QuoteParam renders s as a quoted auth-param value for WWW-Authenticate.
// RFC 6750 §3 allows only %x20-21 / %x23-5B / %x5D-7E inside the quotes, so
// every other byte (double quote, backslash, control characters, non-ASCII)
// is replaced by "?"; the result can never break out of the header or the
// parameter.
func quoteParam(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			c = '?'
		}
		b.WriteByte(c)
	}
	b.WriteByte('"')
	return b.String()
}

// categoryError maps an error that is not an *Error (a custom Policy or
// KeySet may return a bare or wrapped category) to the generic error of its
// category; anything unknown is an invalid token, never a 5xx.
func categoryError(err error) *Error {
	switch {
	case errors.Is(err, ErrNoCredentials):
		return errNoCredentials
	case errors.Is(err, ErrInvalidRequest):
		return newError(ErrInvalidRequest, "invalid request")
	case errors.Is(err, ErrInsufficientScope):
		return newError(ErrInsufficientScope, "insufficient scope")
	case errors.Is(err, ErrInsufficientUserAuthentication):
		return insufficientAuthentication(nil, -1)
	case errors.Is(err, ErrKeysUnavailable):
		return errKeysUnavailable
	}
	return newError(ErrInvalidToken, "token invalid")
}
