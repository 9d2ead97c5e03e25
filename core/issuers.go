package core

// STUB (being extended for several issuers).

// Issuers returns the issuers this Verifier trusts (a copy), in
// configuration order; empty when no issuer is configured (JWKS URL only).
func (v *Verifier) Issuers() []string {
	if v.cfg.Issuer == "" {
		return nil
	}
	return []string{v.cfg.Issuer}
}

// Audiences returns the configured audiences (a copy).
func (v *Verifier) Audiences() []string { return append([]string(nil), v.cfg.Audiences...) }
