package core

// Credentials are the raw credential sources of one request, as an adapter
// found them. Core reads header values, not an *http.Request, so any
// framework (Fiber included) can fill it. Core keeps no part of these
// strings after the call returns (claims are decoded into fresh buffers), so
// an adapter may pass views into request buffers that are reused later.
//
// The sources are read in a fixed order, the same for every adapter:
//
//  1. The explicit RFC 6750 methods, Authorization (a Bearer value),
//     Query and Form: a request may use exactly one of them, once (RFC
//     6750 §2: two methods, or a repeated one, are ErrInvalidRequest).
//  2. Only when none of them gave a token: Cookie.
//  3. Only when Cookie gave none either: Extract.
//
// So a Bearer Authorization header always wins over a cookie a browser sent
// along (even an invalid or expired header token: the cookie is then not
// read), and a cookie wins over the custom extractor, which is not even
// called. Whatever its source, a token passes the same b64token syntax
// check (RFC 6750 §2.1) and the same size cap (Config.MaxTokenBytes)
// before it is verified.
type Credentials struct {
	// Authorization holds every Authorization header value of the request,
	// in order.
	Authorization []string
	// Query holds every access_token query parameter value. Adapters fill it
	// only when query tokens are enabled in code (RFC 6750 §2.3 discourages
	// them; OAuth 2.1 forbids them), so by default it is empty.
	Query []string
	// Form holds every access_token value of a form-encoded body (RFC 6750
	// §2.2). Adapters fill it only when form tokens are enabled in code,
	// and only for a request that meets §2.2's conditions.
	Form []string
	// Cookie holds every value of the request's cookies with the token
	// cookie's name, in order (an adapter fills it only when a cookie name
	// is configured; cookie names are case-sensitive). It is read only when
	// the explicit methods give no token: two or more values are
	// ErrInvalidRequest (a browser sends every cookie of that name whose
	// path and domain match, so which one is meant is unknown); one empty
	// value counts as no cookie (a cleared session cookie is not a
	// malformed token).
	Cookie []string
	// Extract, when not nil, is a custom token source, such as a token in
	// a header of a gateway's own or in a server-side session: it returns
	// the bare token (no scheme), "" when the request carries none, or an
	// error. It is called at most once per decision, and only when no
	// other source gave a token. An error is ErrInvalidRequest
	// (ErrExtractorFailed, which wraps it for errors.Is and errors.As; its
	// text is never sent to the client) and an empty token is no
	// credentials.
	Extract func() (token string, err error)

	// DPoP holds every DPoP header value of the request (RFC 9449 §4.1),
	// read only for an Authorization value of the DPoP scheme when the
	// Verifier accepts DPoP (Config.DPoP): exactly one is needed, two are
	// ErrInvalidRequest.
	DPoP []string
	// TLS reports whether the request arrived over TLS (the connection's
	// own state, never a header), Host is its Host header (the authority
	// of an HTTP/2 request) and Path its path as received (escaped, no
	// query): with them a DPoP proof's htu is checked, unless
	// DPoPConfig.PublicURL gives the scheme and host.
	TLS  bool
	Host string
	Path string
	// HTTPMethod is the HTTP method of the request when the method given
	// to Check or Authenticate is not one: a DPoP proof's htm is compared
	// with it (RFC 9449 §4.3). grpcauth gives core the RPC's full method
	// name, for policies, and "POST" here, the method of every gRPC call;
	// the HTTP adapters leave it empty. Empty: the method given.
	HTTPMethod string
	// ClientCertificate is the DER of the TLS client certificate the
	// request's connection presented (its leaf), nil without one; a token
	// bound to a certificate (cnf x5t#S256, RFC 8705 §3) is accepted only
	// with it. An adapter fills it from the connection, or from a header a
	// TLS-terminating proxy sets only when configured to in code.
	ClientCertificate []byte
}

// extractToken returns the bearer token of a request (RFC 6750 §2), from
// the sources in the order Credentials describes:
//   - no Authorization header, or a scheme other than Bearer, and no other
//     source: ErrNoCredentials;
//   - more than one Authorization header, more than one explicit token
//     source, a repeated query/form parameter, or more than one token
//     cookie: ErrInvalidRequest;
//   - an error of Extract: ErrExtractorFailed (ErrInvalidRequest);
//   - "Bearer" with no token, a tab after the scheme, or a token outside the
//     b64token syntax: ErrInvalidToken.
//
// The scheme is matched case-insensitively (RFC 9110 §11.1); one or more
// spaces may follow it, and optional whitespace around the field value is
// ignored. extractToken does not look at the token's content beyond its
// syntax.
func extractToken(c Credentials) (string, error) {
	token, err := bearerCandidate(c)
	if err != nil {
		return "", err
	}
	if err := checkB64Token(token); err != nil {
		return "", err
	}
	return token, nil
}

// bearerCandidate is extractToken without the b64token syntax check, which
// a token the verified-token cache holds needs no more (every cached token
// passed the stricter compact-JWS check): the rules of the sources, in the
// same order.
func bearerCandidate(c Credentials) (string, error) {
	token, err := explicitCandidate(c)
	if err != errNoCredentials {
		return token, err
	}
	return fallbackCandidate(c)
}

// explicitCandidate applies the rules of the explicit RFC 6750 methods:
// the Authorization header, the query and the form body.
func explicitCandidate(c Credentials) (string, error) {
	if len(c.Authorization) > 1 || len(c.Query) > 1 || len(c.Form) > 1 {
		return "", errMultipleAuthorization
	}
	var token string
	sources := 0
	if len(c.Authorization) == 1 {
		t, isBearer, err := parseAuthorization(c.Authorization[0])
		if err != nil {
			return "", err
		}
		if isBearer {
			token, sources = t, 1
		}
	}
	for _, alt := range [2][]string{c.Query, c.Form} {
		if len(alt) == 1 {
			token, sources = alt[0], sources+1
		}
	}
	switch {
	case sources == 0:
		return "", errNoCredentials
	case sources > 1:
		return "", errMultipleAuthorization
	}
	return token, nil
}

// fallbackCandidate applies the rules of the sources read only when the
// explicit methods give no token: the token cookie, then the custom
// extractor.
func fallbackCandidate(c Credentials) (string, error) {
	switch {
	case len(c.Cookie) > 1:
		return "", errMultipleCookies
	case len(c.Cookie) == 1 && c.Cookie[0] != "":
		return c.Cookie[0], nil
	case c.Extract == nil:
		return "", errNoCredentials
	}
	token, err := c.Extract()
	switch {
	case err != nil:
		return "", &causedError{reason: ErrExtractorFailed, cause: err}
	case token == "":
		return "", errNoCredentials
	}
	return token, nil
}

// parseAuthorization splits one Authorization value. isBearer is false for
// other schemes (which are not credentials for us).
func parseAuthorization(value string) (token string, isBearer bool, err error) {
	value = trimOWS(value)
	const scheme = "bearer"
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
		return "", false, nil // "Bearer-x", "Bearerx": another scheme
	}
	for rest != "" && rest[0] == ' ' {
		rest = rest[1:]
	}
	return rest, true, nil
}

// checkB64Token checks RFC 6750 §2.1:
// b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
func checkB64Token(t string) error {
	if t == "" {
		return ErrEmptyBearer
	}
	i := 0
	for i < len(t) && b64TokenChar[t[i]] {
		i++
	}
	if i == 0 {
		return ErrBearerSyntax
	}
	for i < len(t) && t[i] == '=' {
		i++
	}
	if i != len(t) {
		return ErrBearerSyntax
	}
	return nil
}

// b64TokenChar marks the bytes of the b64token alphabet (RFC 6750 §2.1).
var b64TokenChar = func() (t [256]bool) {
	for _, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/" {
		t[c] = true
	}
	return t
}()

// trimOWS removes optional whitespace (SP, HTAB) around a field value
// (RFC 9110 §5.5).
func trimOWS(s string) string {
	for s != "" && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for s != "" && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// asciiEqualFold compares s with lower, an ASCII lower-case string,
// case-insensitively and without Unicode folding (so "ſ" never matches "s").
func asciiEqualFold(s, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}
