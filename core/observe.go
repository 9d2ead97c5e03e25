package core

import (
	"context"
	"errors"
	"time"
)

// Observer receives what a Verifier and the middleware built on it do, for
// metrics, traces and logs (package otelauth turns it into OpenTelemetry
// instruments and spans). Every field is optional, and a nil *Observer
// (Config.Observer's default) costs nothing. The functions are called
// synchronously, Decision and Verify on the goroutine of the request,
// Fetch on the goroutine that made the request (a key set's background
// goroutine, an introspection's own), so they must be quick and
// safe for concurrent use. No event carries a token, a key or a claim other
// than the issuer of a verified token.
type Observer struct {
	// Decision is called once for each request an adapter's middleware
	// decided: with the refusal of its Middleware (Guard.Authenticate), or
	// of the first Require or Authorize that refused it, or, when none did,
	// with OutcomeAllowed once the request left the middleware (Guard.Done).
	// A request the middleware skips (WithSkipper) is not a decision unless
	// a Require or Authorize refuses it.
	Decision func(ctx context.Context, d Decision)

	// Verify is called when the verification of a token starts (Verify, or
	// a request's bearer token, a verified-token cache lookup included). It
	// returns the context the verification continues with (one carrying a
	// span, say) and a function that is called once with the result; either
	// may be nil.
	Verify func(ctx context.Context) (context.Context, func(Verification))

	// Fetch is called after each HTTP request for a discovery document, a
	// key set (RFC 7517 §5) or, with Config.Introspection, a token
	// introspection (RFC 7662; Kind FetchIntrospection, on the goroutine
	// of that request, with a context carrying the values of the first
	// request that needed it), successful or not.
	Fetch func(ctx context.Context, f Fetch)
}

// Outcome values of Decision.Outcome. A refusal's outcome is the error
// code of its answer (RFC 6750 §3.1, RFC 9470 §3), or OutcomeNoCredentials
// or OutcomeUnavailable; see OutcomeOf.
const (
	OutcomeAllowed                        = "allowed"
	OutcomeNoCredentials                  = "no_credentials"
	OutcomeInvalidRequest                 = "invalid_request"
	OutcomeInvalidToken                   = "invalid_token"
	OutcomeInsufficientScope              = "insufficient_scope"
	OutcomeInsufficientUserAuthentication = "insufficient_user_authentication"
	OutcomeUnavailable                    = "unavailable"
	OutcomeInvalidDPoPProof               = "invalid_dpop_proof"
	OutcomeUseDPoPNonce                   = "use_dpop_nonce"
)

// Decision is one request's decision, for Observer.Decision.
type Decision struct {
	// Outcome is OutcomeAllowed or the refusal's outcome (OutcomeOf).
	Outcome string
	// Reason is the fixed, client-safe description of a refusal, the
	// error_description of its answer (for example "token expired" or
	// "audience not accepted"); "" when allowed. The set of reasons is
	// bounded, fit for a metric label.
	Reason string
	// Issuer is the iss of the verified token; "" without one. With several
	// issuers it is one of the trusted ones.
	Issuer string
}

// Verification is the result of one token verification, for the function
// Observer.Verify returns.
type Verification struct {
	// Cached reports that the verified-token cache answered, without a
	// signature check, or the introspection cache, without a request.
	Cached bool
	// Issuer is the verified token's iss; "" on failure.
	Issuer string
	// Err is nil when the token was accepted, else the error Verify
	// returns (matching ErrInvalidToken or ErrKeysUnavailable).
	Err error
}

// Kinds of Fetch.Kind.
const (
	FetchKeySet    = "jwks"
	FetchDiscovery = "discovery"
	// FetchIntrospection: a token introspection request (RFC 7662), or a
	// readiness probe of the endpoint (see Verifier.Ready).
	FetchIntrospection = "introspection"
)

// Fetch describes one HTTP request a key set or the introspection client
// made, for Observer.Fetch. It never carries the token introspected.
type Fetch struct {
	// Kind is FetchKeySet, FetchDiscovery or FetchIntrospection.
	Kind string
	// Issuer is the configured issuer of the key set (of the introspection
	// endpoint: IntrospectionConfig.Issuer, or the issuer of an
	// IssuerConfig.Introspection); "" without one.
	Issuer string
	// URL is the URL requested (configured, or found by discovery).
	URL string
	// Status is the HTTP status of the answer; 0 without an answer.
	Status int
	// Err is nil when the document was received and, for a key set, used
	// (for an introspection, when the answer was a usable RFC 7662 answer,
	// active or not); else why not. A discovery document that does not
	// exist (404, 410; the next one is tried) is an error here.
	Err error
	// Duration is how long the request took.
	Duration time.Duration
}

// OutcomeOf returns the Decision.Outcome of an error an adapter answers
// with: OutcomeAllowed for nil, the error code of its answer for one
// matching ErrInvalidRequest, ErrInvalidToken, ErrInsufficientScope,
// ErrInsufficientUserAuthentication, ErrInvalidDPoPProof or ErrUseDPoPNonce, OutcomeNoCredentials for
// ErrNoCredentials and OutcomeUnavailable for ErrKeysUnavailable. Any other
// error is answered as an invalid token, and so is its outcome.
func OutcomeOf(err error) string {
	switch {
	case err == nil:
		return OutcomeAllowed
	case errors.Is(err, ErrNoCredentials):
		return OutcomeNoCredentials
	case errors.Is(err, ErrInvalidRequest):
		return OutcomeInvalidRequest
	case errors.Is(err, ErrInsufficientScope):
		return OutcomeInsufficientScope
	case errors.Is(err, ErrInsufficientUserAuthentication):
		return OutcomeInsufficientUserAuthentication
	case errors.Is(err, ErrKeysUnavailable):
		return OutcomeUnavailable
	case errors.Is(err, ErrInvalidDPoPProof):
		return OutcomeInvalidDPoPProof
	case errors.Is(err, ErrUseDPoPNonce):
		return OutcomeUseDPoPNonce
	}
	return OutcomeInvalidToken
}

// reasonOf is the fixed description of err's answer.
func reasonOf(err error) string {
	var e *Error
	if !errors.As(err, &e) {
		e = categoryError(err)
	}
	return e.description
}

// decision reports one decision of g to the observer, if any.
func (g *Guard) decision(ctx context.Context, err error, c *Claims) {
	o := g.v.cfg.Observer
	if o == nil || o.Decision == nil {
		return
	}
	d := Decision{Outcome: OutcomeOf(err)}
	if err != nil {
		d.Reason = reasonOf(err)
	}
	if c != nil {
		d.Issuer = c.issuer
	}
	o.Decision(ctx, d)
}

// observeVerify starts the observation of one verification: the context
// to continue with and the function to call with its result (nil when
// nobody listens).
func (v *Verifier) observeVerify(ctx context.Context) (context.Context, func(Verification)) {
	o := v.cfg.Observer
	if o == nil || o.Verify == nil {
		return ctx, nil
	}
	octx, done := o.Verify(ctx)
	if octx == nil {
		octx = ctx
	}
	return octx, done
}

// observeFetch reports one fetch of r to the observer, if any.
func (r *RemoteKeySet) observeFetch(kind, u string, status int, start time.Time, err error) {
	if r.observer == nil || r.observer.Fetch == nil {
		return
	}
	r.observer.Fetch(r.ctx, Fetch{Kind: kind, Issuer: r.issuer, URL: u, Status: status, Err: err,
		Duration: time.Since(start)})
}
