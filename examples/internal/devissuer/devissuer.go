// Package devissuer gives the example servers their core.Config: from the
// AXIOMS_* environment, or, when no issuer is configured, from an embedded
// development issuer (authtest) whose tokens it prints as curl commands.
package devissuer

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/axiomsgo/axioms/authtest"
	"github.com/axiomsgo/axioms/core"
)

// TokenLifetime is how long the printed tokens are valid (or until the
// server stops: the issuer's keys live in the process only).
const TokenLifetime = 12 * time.Hour

// Marker starts and ends the development banner.
const Marker = "DEVELOPMENT ONLY"

// issuerVars are the variables that configure an issuer or an
// introspection endpoint; with none of them set, ConfigFromEnv starts the
// development issuer.
var issuerVars = []string{"AXIOMS_DOMAIN", "AXIOMS_ISS_URL", "AXIOMS_JWKS_URL", "AXIOMS_INTROSPECTION_URL"}

// persona is one token of the example API and a route it may use.
type persona struct {
	name, grants string
	method, path string
	opts         []authtest.TokenOption
}

var personas = []persona{
	{"reader", "scope read:data", "GET", "/api/read", []authtest.TokenOption{authtest.Scopes("read:data")}},
	{"writer", "scopes write:data openid", "POST", "/api/write", []authtest.TokenOption{authtest.Scopes("write:data", "openid")}},
	{"admin", "roles admin superuser", "GET", "/admin/users", []authtest.TokenOption{authtest.Roles("admin", "superuser")}},
	{"editor", "scope openid, role editor, permissions resource:write resource:create items:read items:create items:update items:delete",
		"GET", "/api/strict", []authtest.TokenOption{authtest.Scopes("openid"), authtest.Roles("editor"), authtest.Permissions(
			"resource:write", "resource:create", "items:read", "items:create", "items:update", "items:delete")}},
}

// ConfigFromEnv returns core.ConfigFromEnv() when an issuer is configured
// (AXIOMS_DOMAIN, AXIOMS_ISS_URL or AXIOMS_JWKS_URL set). Otherwise it
// starts a development issuer on loopback and returns a Config that trusts
// it (AXIOMS_AUDIENCE, when set, is its audience; the other AXIOMS_*
// variables apply as usual), after writing to w a banner marked
// DEVELOPMENT ONLY with a curl command against baseURL and a fresh token for
// each persona. With AXIOMS_DPOP=allowed the banner adds one DPoP request;
// with AXIOMS_DPOP=required every command is a DPoP request (a token bound
// to a key of this process and a proof for that one request, see
// dpopBanner). stop closes the issuer; it does nothing when none was
// started.
func ConfigFromEnv(baseURL string, w io.Writer) (cfg core.Config, stop func(), err error) {
	curl := func(p persona, c credential) string {
		method := ""
		if p.method != "GET" {
			method = " -X " + p.method
		}
		return fmt.Sprintf("curl -i%s %s%s %s", method, baseURL, p.path, c.headers())
	}
	return configFromEnv(w, banner{command: curl, dpopBase: baseURL,
		footer: "Other routes take the same tokens: the reader gets 403 on /admin/users."})
}

// ConfigFromEnvFor is ConfigFromEnv for a server that does not serve the
// HTTP example API (the gRPC example): the banner gives, under each
// persona's "# name (grants)" line, what command returns for its name and
// fresh bearer token, and ends with footer. With DPoP on, the banner says
// that these are bearer tokens, refused when DPoP is required.
func ConfigFromEnvFor(w io.Writer, command func(name, token string) string, footer string) (cfg core.Config, stop func(), err error) {
	return configFromEnv(w, banner{command: func(p persona, c credential) string { return command(p.name, c.token) }, footer: footer})
}

// credential is what one command of the banner sends: a bearer token, or
// a DPoP-bound token with its proof.
type credential struct{ token, proof string }

// headers is the credential as curl arguments.
func (c credential) headers() string {
	if c.proof == "" {
		return fmt.Sprintf("-H 'Authorization: Bearer %s'", c.token)
	}
	return fmt.Sprintf("-H 'Authorization: DPoP %s' -H 'DPoP: %s'", c.token, c.proof)
}

// banner is what the development banner shows besides the issuer.
type banner struct {
	// command is the command for a persona's credential.
	command func(p persona, c credential) string
	// dpopBase is the URL the commands target, for the htu of their DPoP
	// proofs (PUBLIC_URL replaces it); "" when command shows no DPoP
	// credential (the servers that do not serve the HTTP example API).
	dpopBase string
	footer   string // the last line
}

// configFromEnv is ConfigFromEnv with the banner b.
func configFromEnv(w io.Writer, b banner) (cfg core.Config, stop func(), err error) {
	if configured() {
		cfg, err = core.ConfigFromEnv()
		return cfg, func() {}, err
	}
	core.WarnUnknownEnv(nil, os.Environ())                          // as core.ConfigFromEnv does
	iss, err := authtest.NewIssuer(authtest.WithAlgorithm("ES256")) // short tokens
	if err != nil {
		return core.Config{}, nil, err
	}
	cfg, err = core.ConfigFromLookup(func(name string) (string, bool) {
		switch name {
		case "AXIOMS_ISS_URL":
			return iss.URL(), true
		case "AXIOMS_JWKS_URL":
			return iss.JWKSURL(), true
		case "AXIOMS_AUDIENCE":
			if v := strings.TrimSpace(os.Getenv(name)); v != "" {
				return v, true
			}
			return iss.Audience(), true
		}
		return os.LookupEnv(name)
	})
	if err == nil {
		err = printBanner(w, iss, cfg, b)
	}
	if err != nil {
		_ = iss.Close()
		return core.Config{}, nil, err
	}
	return cfg, func() { _ = iss.Close() }, nil
}

// configured reports whether any issuer variable is set (empty counts as
// unset, as in core.ConfigFromEnv).
func configured() bool {
	for _, name := range issuerVars {
		if strings.TrimSpace(os.Getenv(name)) != "" {
			return true
		}
	}
	return false
}

// printBanner writes the development banner for cfg with one command per
// persona (for ConfigFromEnv, a curl command calling a route the persona
// may use), then the footer and what DPoP changes (dpopBanner).
func printBanner(w io.Writer, iss *authtest.Issuer, cfg core.Config, bn banner) error {
	aud := cfg.Audiences[0]
	dpop, err := newDPoPBanner(cfg, bn.dpopBase)
	if err != nil {
		return err
	}
	var b strings.Builder
	line := strings.Repeat("=", 24)
	fmt.Fprintf(&b, "%s %s %s\n", line, Marker, line)
	fmt.Fprintf(&b, "No issuer is configured (%s), so this server\n", strings.Join(issuerVars, ", "))
	fmt.Fprintf(&b, "trusts an embedded development issuer:\n  issuer   %s\n  audience %s\n", iss.URL(), aud)
	fmt.Fprintf(&b, "Its keys live in this process only. Never use it in production.\n")
	fmt.Fprintf(&b, "A token for each persona, valid for %.0f hours or until the server stops:\n", TokenLifetime.Hours())
	tokenOptions := func(p persona) []authtest.TokenOption {
		return append([]authtest.TokenOption{authtest.Audience(aud), authtest.ExpiresIn(TokenLifetime)}, p.opts...)
	}
	for _, p := range personas {
		c, err := dpop.credential(iss, p, cfg.DPoP.Mode == core.DPoPRequired, tokenOptions(p))
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "\n# %s (%s)\n%s\n", p.name, p.grants, bn.command(p, c))
	}
	fmt.Fprintf(&b, "\n%s\n", bn.footer)
	if err := dpop.write(&b, iss, bn.command, tokenOptions(personas[0])); err != nil {
		return err
	}
	fmt.Fprintf(&b, "%s %s %s\n", line, Marker, line)
	_, err = io.WriteString(w, b.String())
	return err
}
