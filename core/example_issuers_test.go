package core_test

import (
	"fmt"

	"github.com/axiomsgo/axioms/core"
)

// A Verifier that trusts several issuers: two listed ones, one with its own
// audience, and the allowed tenants of a multi-tenant provider. Each issuer
// gets its own key set, found by discovery, created when a token first
// names that issuer: building the Verifier makes no request.
func ExampleIssuerConfig() {
	v, err := core.NewVerifier(core.Config{
		Audiences: []string{"https://api.example.com"}, // inherited by every issuer that sets none
		Issuers: []core.IssuerConfig{
			{Issuer: "https://tenant.auth0.com/"},
			{Issuer: "https://sso.example.com/realms/partners", Audiences: []string{"partners-api"},
				RoleClaims: []string{"realm_access.roles"}},
		},
		IssuerPatterns: []core.IssuerPattern{{
			Template: "https://login.microsoftonline.com/{tenant}/v2.0",
			Tenants:  []string{"9188040d-6c67-4c5b-b112-36a304b66dad"},
		}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer v.Close()
	for _, iss := range v.ProtectedResource().AuthorizationServers {
		fmt.Println(iss)
	}
	// Output:
	// https://tenant.auth0.com/
	// https://sso.example.com/realms/partners
	// https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0
}

// The environment form: a comma-separated AXIOMS_ISS_URL lists several
// issuers, each found by discovery; AXIOMS_AUDIENCE applies to all of them.
func ExampleConfigFromLookup_severalIssuers() {
	env := map[string]string{
		"AXIOMS_AUDIENCE": "https://api.example.com",
		"AXIOMS_ISS_URL":  "https://tenant.auth0.com/, https://sso.example.com/realms/partners",
	}
	lookup := func(name string) (string, bool) {
		v, ok := env[name]
		return v, ok
	}
	cfg, err := core.ConfigFromLookup(lookup)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, ic := range cfg.Issuers {
		fmt.Println(ic.Issuer)
	}

	// One JWKS URL cannot serve several issuers.
	env["AXIOMS_JWKS_URL"] = "https://tenant.auth0.com/.well-known/jwks.json"
	_, err = core.ConfigFromLookup(lookup)
	fmt.Println(err != nil)
	// Output:
	// https://tenant.auth0.com/
	// https://sso.example.com/realms/partners
	// true
}
