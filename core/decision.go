package core

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
)

// Check is the whole decision for one request, in this order: the bearer
// credentials are extracted (see Credentials) and verified, so that
// invalid credentials are refused whatever p says; then p is evaluated
// with the method and the claims, which are nil when the request carried
// no credentials (a nil p means Authenticated). It returns the claims (nil
// for an anonymous request that p allows) or the error to answer with
// ErrorResponse. No method is exempt: a policy is never met without a
// verified token unless it says so itself (AllowAnonymous).
func (v *Verifier) Check(ctx context.Context, method string, creds Credentials, p Policy) (*Claims, error) {
	claims, err := v.authenticate(ctx, method, creds)
	if err != nil {
		return nil, err
	}
	if err := authorize(p, method, claims); err != nil {
		return nil, err
	}
	return claims, nil
}

// authenticate extracts and verifies the bearer token of creds; a request
// without credentials gives nil claims and no error.
func (v *Verifier) authenticate(ctx context.Context, method string, creds Credentials) (*Claims, error) {
	if v.cfg.SenderConstrained {
		creds.Query, creds.Form, creds.Cookie, creds.Extract = nil, nil, nil, nil
	}
	if v.dpop != nil {
		if claims, decided, err := v.authenticateScheme(ctx, method, &creds); decided {
			return claims, err
		}
	}
	token, err := bearerCandidate(creds)
	if err == errNoCredentials {
		return nil, nil
	}
	if err != nil {
		return nil, v.refused(ctx, err, nil, nil, nil)
	}
	return v.verifyToken(ctx, token, true, binding{cert: creds.ClientCertificate, required: v.cfg.SenderConstrained})
}

// authenticateScheme decides a request by its Authorization scheme when
// the Verifier accepts DPoP: a DPoP value is checked as a DPoP request;
// with DPoPRequired, anything else is no usable credential (RFC 9449
// §7.1: the Bearer scheme is not accepted). decided is false for the other
// requests of DPoPAllowed, which are Bearer requests.
func (v *Verifier) authenticateScheme(ctx context.Context, method string, creds *Credentials) (*Claims, bool, error) {
	if len(creds.Authorization) > 1 {
		return nil, true, v.refused(ctx, errMultipleAuthorization, nil, nil, nil)
	}
	if len(creds.Authorization) == 1 {
		token, isDPoP, err := parseDPoPAuthorization(creds.Authorization[0])
		switch {
		case isDPoP && err != nil:
			return nil, true, onDPoP(v.refused(ctx, err, nil, nil, nil))
		case isDPoP:
			claims, err := v.authenticateDPoP(ctx, method, token, creds)
			return claims, true, onDPoP(err)
		}
	}
	return nil, v.dpop.mode == DPoPRequired, nil
}

// verifyToken is Verify, after the syntax check of a bearer token when
// checkSyntax is set (a cached token passed it already), observed and
// logged.
func (v *Verifier) verifyToken(ctx context.Context, token string, checkSyntax bool, b binding) (*Claims, error) {
	ctx, done := v.observeVerify(ctx)
	c := v.cachedClaims(ctx, token)
	var err error
	if c != nil { // a cached token passed every check, its syntax included
		if c.confirmation != nil || b.dpop || b.required {
			err = v.refused(ctx, checkBinding(c, b), nil, nil, c)
		}
		if done != nil {
			r := Verification{Cached: true, Err: err}
			if err == nil {
				r.Issuer = c.issuer
			}
			done(r)
		}
		if err != nil {
			return nil, err
		}
		return c, nil
	}
	if checkSyntax {
		err = v.refused(ctx, checkB64Token(token), nil, nil, nil)
	}
	cached := false
	if err == nil {
		c, cached, err = v.judge(ctx, token) // logs its refusals
	}
	if err == nil && (c.confirmation != nil || b.dpop || b.required) {
		err = v.refused(ctx, checkBinding(c, b), nil, nil, c)
	}
	if done != nil {
		r := Verification{Cached: cached, Err: err}
		if err == nil {
			r.Issuer = c.issuer
		}
		done(r)
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

// authorize evaluates p, Authenticated when nil.
func authorize(p Policy, method string, c *Claims) error {
	if p == nil {
		p = authenticated
	}
	return p.Check(method, c)
}

var authenticated = Authenticated()

// Guard is the framework-independent half of an adapter's middleware, built
// once per Middleware: the verifier, the methods that pass without
// credentials, and the parameters of its challenges. Every adapter asks it
// the same three questions, so that every adapter answers alike. It is
// immutable and safe for concurrent use.
//
// A nil *Guard stands for "no middleware ran": Authorize refuses with
// ErrNoCredentials and Response answers with the default realm and no
// resource_metadata.
type Guard struct {
	v        *Verifier
	pass     Policy // what Authenticate enforces
	metadata *ResourceMetadata
	// unauthorized is ErrNoCredentials naming the metadata's
	// scopes_supported, for a 401 that names none; nil without any. (A
	// pointer keeps Guard comparable.)
	unauthorized *Error
	adapter      any
}

// GuardOptions are the settings of a Guard that an adapter's options fill.
type GuardOptions struct {
	// AnonymousMethods pass Authenticate without credentials, as the safe
	// methods do (the axioms IsAnyGet… cases). Default: none. Compared
	// after upper-casing.
	AnonymousMethods []string
	// ResourceMetadata, when set, adds resource_metadata (RFC 9728 §5.1) to
	// every challenge of Response. Default: none.
	ResourceMetadata *ResourceMetadata
	// ChallengeScopes are the scopes a 401 without credentials names
	// (scope="...", RFC 6750 §3) when no route policy names any: the scopes
	// a client should ask for first, such as "mcp:tools" for an MCP server
	// whose metadata lists more. Default: the scopes_supported of
	// ResourceMetadata's document; none without it.
	ChallengeScopes []string
	// Adapter is the adapter's own value for this Guard (its middleware,
	// with its error handler), returned by Guard.Adapter, so that an
	// adapter finds it again from a request's context (GuardFromContext)
	// without storing anything else per request. Default: nil.
	Adapter any
}

// NewGuard returns the Guard of one middleware of v. It panics when v is
// nil: that is a programmer error, and reporting it when the middleware is
// built keeps it from becoming a failure at request time.
func NewGuard(v *Verifier, o GuardOptions) *Guard {
	if v == nil {
		panic("axioms: a middleware needs a non-nil *core.Verifier")
	}
	open := slices.Concat(v.cfg.SafeMethods, o.AnonymousMethods)
	o.ResourceMetadata.warnResource(v.cfg.Logger)
	return &Guard{v: v, pass: AllowAnonymous(authenticated, open...), metadata: o.ResourceMetadata,
		unauthorized: unauthorizedChallenge(o), adapter: o.Adapter}
}

// Adapter returns GuardOptions.Adapter; nil for a nil g.
func (g *Guard) Adapter() any {
	if g == nil {
		return nil
	}
	return g.adapter
}

// Authenticate is the middleware's decision for one request: bearer
// credentials that are present are verified whatever the method; a request
// without credentials is refused (ErrNoCredentials) unless its method is
// one of Config.SafeMethods (default OPTIONS, for CORS preflights) or
// GuardOptions.AnonymousMethods, in which case it passes without claims.
// It returns ctx stamped with g and, on success, the claims (none for an
// anonymous request, or with an error): the adapter makes it the request's
// context, where ClaimsFromContext, GuardFromContext and Authorize find
// them.
func (g *Guard) Authenticate(ctx context.Context, method string, creds Credentials) (context.Context, error) {
	claims, err := g.v.authenticate(ctx, method, creds)
	if err == nil {
		if err = authorize(g.pass, method, claims); err != nil {
			g.logDecision(ctx, method, err, g.pass)
		}
	}
	a := g.stamp(ctx, claims)
	if err != nil {
		a.decided.Store(true)
		g.decision(ctx, err, nil)
	}
	return a, err
}

// Refuse returns ctx stamped with g and no claims, as Authenticate stamps
// a refused request, for a request the adapter refuses with err before
// Authenticate could run (a form body over its cap, say), and reports that
// decision to Config.Observer. The adapter then answers err.
func (g *Guard) Refuse(ctx context.Context, err error) context.Context {
	a := g.stamp(ctx, nil)
	a.decided.Store(true)
	g.decision(ctx, err, nil)
	return a
}

// Done reports the decision of a request that Authenticate let through
// and no Require or Authorize refused: OutcomeAllowed, to Config.Observer
// (see Observer.Decision). An adapter's middleware calls it with the
// request's context once the handlers after it have returned; a request
// already decided, skipped, or stamped by another Guard is not reported
// again. Without an Observer it does nothing.
func (g *Guard) Done(ctx context.Context) {
	if g == nil || g.v.cfg.Observer == nil {
		return
	}
	if a := stampOf(ctx); a != nil && a.guard == g && !a.skipped && a.decided.CompareAndSwap(false, true) {
		g.decision(ctx, nil, a.claims)
	}
}

// Skip returns ctx stamped with g and no claims, for a request the
// middleware skips: its credentials are not read, claims an outer
// middleware verified are hidden, and Authorize answers it as g answers
// any request without a token.
func (g *Guard) Skip(ctx context.Context) context.Context {
	a := g.stamp(ctx, nil)
	a.skipped = true
	return a
}

// Authorize evaluates p (nil means Authenticated) for the request whose
// context is ctx, with the claims g stamped into it (none for an anonymous
// or skipped request, and none when ctx carries the stamp of another
// Guard). Safe and anonymous methods are not exempt: only a verified token
// meets a policy that needs one. A nil g refuses every request with
// ErrNoCredentials. A request without a token that p refuses gets
// ErrNoCredentials naming the scopes p needs (see And), which Response
// puts in the challenge's scope="...".
func (g *Guard) Authorize(ctx context.Context, method string, p Policy) error {
	if g == nil {
		return errNoCredentials
	}
	var claims *Claims
	a := stampOf(ctx)
	if a != nil && a.guard != g {
		a = nil
	}
	if a != nil {
		claims = a.claims
	}
	err := authorize(p, method, claims)
	if err == nil {
		return nil
	}
	if claims == nil && errors.Is(err, ErrNoCredentials) {
		err = withScopes(err, neededScopes(p, method))
	}
	if claims.keyBound() { // a DPoP request: the error goes on its challenge (RFC 9449 §7.1)
		err = onDPoP(err)
	}
	if a == nil || a.decided.CompareAndSwap(false, true) {
		g.logDecision(ctx, method, err, p)
		g.decision(ctx, err, claims)
	}
	return err
}

// withScopes returns the ErrNoCredentials error err naming scopes, the
// scopes the route needs, for the scope="..." of its challenge (RFC 6750
// §3); err itself when scopes is empty.
func withScopes(err error, scopes []string) error {
	if len(scopes) == 0 {
		return err
	}
	e := *errNoCredentials
	var own *Error
	if errors.As(err, &own) {
		e.description = own.description
	}
	e.scopes = scopes
	return &e
}

// Response is the RFC 6750 answer to err (status, WWW-Authenticate,
// Retry-After and JSON body) for a request that arrived over TLS or not
// with Host header host: the verifier's realm and, with
// GuardOptions.ResourceMetadata, its resource_metadata parameter (see
// ResourceMetadata for how tls and host are used; forwarding headers are
// never trusted). A 401 without credentials names, in scope="..." (RFC
// 6750 §3), the scopes of the route's policy when Authorize refused it, or
// else the scopes_supported of GuardOptions.ResourceMetadata (none when it
// has none): the scopes a client should ask the authorization server for.
// Other 401 answers carry no scope. A nil g answers with the default realm
// "api" and no resource_metadata.
func (g *Guard) Response(err error, tls bool, host string) Response {
	if g == nil {
		return errorResponse(err, defaultRealm, "", nil)
	}
	if g.unauthorized != nil && errors.Is(err, ErrNoCredentials) && !namesScopes(err) {
		err = withScopes(err, g.unauthorized.scopes)
	}
	return g.metadata.response(err, g.v.cfg.Realm, tls, host, g.v.challenge())
}

// namesScopes reports whether err is an *Error naming scopes.
func namesScopes(err error) bool {
	var e *Error
	return errors.As(err, &e) && len(e.scopes) > 0
}

// unauthorizedChallenge returns ErrNoCredentials naming o.ChallengeScopes,
// else the scopes_supported of o.ResourceMetadata's document (RFC 9728
// §2), decided once when a Guard is built; nil when there are none.
func unauthorizedChallenge(o GuardOptions) *Error {
	scopes := slices.Clone(o.ChallengeScopes)
	if len(scopes) == 0 && o.ResourceMetadata != nil {
		var doc struct {
			Scopes []string `json:"scopes_supported"`
		}
		if json.Unmarshal(o.ResourceMetadata.Document(), &doc) == nil {
			scopes = doc.Scopes
		}
	}
	if len(scopes) == 0 {
		return nil
	}
	e := *errNoCredentials
	e.scopes = scopes
	return &e
}
