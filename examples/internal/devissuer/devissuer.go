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

// issuerVars are the variables that configure an issuer; with none of them
// set, ConfigFromEnv starts the development issuer.
var issuerVars = []string{"AXIOMS_DOMAIN", "AXIOMS_ISS_URL", "AXIOMS_JWKS_URL"}

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
// each persona. stop closes the issuer; it does nothing when none was
// started.
func ConfigFromEnv(baseURL string, w io.Writer) (cfg core.Config, stop func(), err error) {
	curl := func(p persona, token string) string {
		method := ""
		if p.method != "GET" {
			method = " -X " + p.method
		}
		return fmt.Sprintf("curl -i%s %s%s -H 'Authorization: Bearer %s'", method, baseURL, p.path, token)
	}
	return configFromEnv(w, curl, "Other routes take the same tokens: the reader gets 403 on /admin/users.")
}

// ConfigFromEnvFor is ConfigFromEnv for a server that does not serve the
// HTTP example API (the gRPC example): the banner gives, under each
// persona's "# name (grants)" line, what command returns for its name and
// fresh token, and ends with footer.
func ConfigFromEnvFor(w io.Writer, command func(name, token string) string, footer string) (cfg core.Config, stop func(), err error) {
	return configFromEnv(w, func(p persona, token string) string { return command(p.name, token) }, footer)
}

// configFromEnv is ConfigFromEnv with the banner's command for each
// persona and its last line.
func configFromEnv(w io.Writer, command func(p persona, token string) string, footer string) (cfg core.Config, stop func(), err error) {
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
		err = printBanner(w, iss, cfg.Audiences[0], command, footer)
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

// printBanner writes the development banner with one command per persona
// (for ConfigFromEnv, a curl command calling a route the persona may use),
// then footer.
func printBanner(w io.Writer, iss *authtest.Issuer, aud string, command func(persona, string) string, footer string) error {
	var b strings.Builder
	line := strings.Repeat("=", 24)
	fmt.Fprintf(&b, "%s %s %s\n", line, Marker, line)
	fmt.Fprintf(&b, "No issuer is configured (%s), so this server\n", strings.Join(issuerVars, ", "))
	fmt.Fprintf(&b, "trusts an embedded development issuer:\n  issuer   %s\n  audience %s\n", iss.URL(), aud)
	fmt.Fprintf(&b, "Its keys live in this process only. Never use it in production.\n")
	fmt.Fprintf(&b, "A token for each persona, valid for %.0f hours or until the server stops:\n", TokenLifetime.Hours())
	for _, p := range personas {
		opts := append([]authtest.TokenOption{authtest.Audience(aud), authtest.ExpiresIn(TokenLifetime)}, p.opts...)
		token, err := iss.Token(p.name, opts...)
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "\n# %s (%s)\n%s\n", p.name, p.grants, command(p, token))
	}
	fmt.Fprintf(&b, "\n%s\n", footer)
	fmt.Fprintf(&b, "%s %s %s\n", line, Marker, line)
	_, err := io.WriteString(w, b.String())
	return err
}
