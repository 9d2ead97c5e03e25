package core

import (
	"context"
	"log/slog"

	"github.com/axiomsgo/axioms/core/internal/strictjson"
)

// Debug logs of refusals: one line per refused token or request, at
// slog.LevelDebug on Config.Logger, with the outcome, the fixed reason
// and, where they explain it, what was expected and what the token said.
// Values taken from a token are bounded (maxLoggedValues values of at most
// 64 printable bytes each, see sanitizeForLog) and are never the token or
// its signature. Nothing is computed unless the logger is enabled for
// debug.
const maxLoggedValues = 5

// refused logs the refusal err of a token (nil: nothing) and returns err.
// t, e and c are what the pipeline had when it refused: the parsed token
// (its header), the issuer whose keys apply and the decoded claims; each
// may be nil.
func (v *Verifier) refused(ctx context.Context, err error, t *jws, e *issuerEntry, c *Claims) error {
	l := debugLogger(ctx, v.cfg.Logger)
	if err == nil || l == nil {
		return err
	}
	attrs := []slog.Attr{slog.String("outcome", OutcomeOf(err)), slog.String("reason", reasonOf(err))}
	switch {
	case t == nil: // a bearer credential's syntax: the reason says it all
	case err == ErrUnsupportedAlgorithm:
		attrs = append(attrs, slog.String("alg", sanitizeForLog(t.header.alg)),
			slog.Any("accepted_algs", bounded(v.cfg.Algorithms)))
	case err == ErrUnsupportedTokenType:
		attrs = append(attrs, slog.String("typ", sanitizeForLog(t.header.typ)),
			slog.Any("accepted_types", bounded(v.cfg.TokenTypes)))
	case err == ErrUnknownKey, err == ErrSignatureInvalid:
		attrs = append(attrs, slog.String("kid", sanitizeForLog(t.header.kid)), slog.String("alg", t.header.alg))
	case err == ErrIssuerMismatch:
		attrs = append(attrs, slog.String("iss", sanitizeForLog(v.receivedIssuer(t, c))),
			slog.Any("expected_iss", v.expectedIssuers(e)))
	case err == ErrAudienceMismatch && c != nil && e != nil:
		attrs = append(attrs, slog.Any("aud", receivedAudiences(c, &e.rules)),
			slog.Any("expected_aud", bounded(e.rules.audiences)))
		if e.rules.audienceClaim != "" {
			attrs = append(attrs, slog.String("audience_claim", e.rules.audienceClaim))
		}
	case err == ErrRequiredClaimMissing && e != nil:
		attrs = append(attrs, slog.Any("required_claims", bounded(e.rules.required)))
	}
	if e != nil && e.rules.issuer != "" && err != ErrIssuerMismatch {
		attrs = append(attrs, slog.String("issuer", e.rules.issuer))
	}
	l.LogAttrs(ctx, slog.LevelDebug, "axioms: token refused", attrs...)
	return err
}

// logDecision logs a refusal of g's middleware that is not a token's (no
// credentials, or a policy that denied), at debug level.
func (g *Guard) logDecision(ctx context.Context, method string, err error, p Policy) {
	l := debugLogger(ctx, g.v.cfg.Logger)
	if l == nil {
		return
	}
	attrs := []slog.Attr{slog.String("outcome", OutcomeOf(err)), slog.String("reason", reasonOf(err)),
		slog.String("method", sanitizeForLog(method))}
	if scopes := neededScopes(p, method); len(scopes) > 0 {
		attrs = append(attrs, slog.Any("needed_scopes", bounded(scopes)))
	}
	l.LogAttrs(ctx, slog.LevelDebug, "axioms: request refused", attrs...)
}

// debugLogger is l when it logs at debug level, else nil.
func debugLogger(ctx context.Context, l *slog.Logger) *slog.Logger {
	if l == nil || !l.Enabled(ctx, slog.LevelDebug) {
		return nil
	}
	return l
}

// receivedIssuer is the iss of the refused token: from its claims, or
// scanned from its payload (several issuers, refused before any key).
func (v *Verifier) receivedIssuer(t *jws, c *Claims) string {
	if c != nil {
		return c.issuer
	}
	if t == nil || t.body == "" {
		return ""
	}
	iss, _ := scanIssuer(t.body)
	return iss
}

// expectedIssuers are the issuers a token could have named: e's, or the
// trusted ones when none was selected.
func (v *Verifier) expectedIssuers(e *issuerEntry) []string {
	if e != nil {
		return []string{e.rules.issuer}
	}
	out := make([]string, 0, min(len(v.entries), maxLoggedValues))
	for _, x := range v.entries[:min(len(v.entries), maxLoggedValues)] {
		out = append(out, x.rules.issuer)
	}
	return out
}

// receivedAudiences are the audiences the token named (aud, else the
// configured AudienceClaim), bounded for a log line.
func receivedAudiences(c *Claims, r *issuerRules) []string {
	aud := c.aud
	if aud == nil && r.audienceClaim != "" {
		if alt, ok := c.root.Get(r.audienceClaim); ok {
			aud = alt
		}
	}
	var out []string
	switch {
	case aud == nil:
	case aud.Kind() == strictjson.String:
		out = append(out, sanitizeForLog(aud.Str()))
	case aud.Kind() == strictjson.Array:
		for _, a := range aud.Arr()[:min(len(aud.Arr()), maxLoggedValues)] {
			out = append(out, sanitizeForLog(a.Str()))
		}
	}
	return out
}

// bounded returns at most maxLoggedValues of list, each sanitized.
func bounded(list []string) []string {
	out := make([]string, 0, min(len(list), maxLoggedValues))
	for _, s := range list[:min(len(list), maxLoggedValues)] {
		out = append(out, sanitizeForLog(s))
	}
	return out
}
