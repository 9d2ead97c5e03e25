package devissuer

import (
	"cmp"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/axiomsgo/axioms/authtest"
	"github.com/axiomsgo/axioms/core"
)

// defaultProofMaxAge is core's default DPoPConfig.ProofMaxAge, for the
// banner's text.
const defaultProofMaxAge = 5 * time.Minute

// dpopBanner is what the development banner shows of DPoP (RFC 9449) with
// AXIOMS_DPOP allowed or required. The tokens it binds are bound to a key
// of this process (client), so its proofs are the only ones they can be
// used with: each works once (the server remembers its jti), within
// ProofMaxAge of the start.
type dpopBanner struct {
	mode   core.DPoPMode
	nonce  bool          // AXIOMS_DPOP_NONCE: the proofs, without nonce, get use_dpop_nonce
	maxAge time.Duration // of a proof
	htu    string        // the base of the proofs' htu: PUBLIC_URL, or the URL the commands target
	client *authtest.DPoPClient
}

// newDPoPBanner returns the DPoP part of the banner of cfg; base is the
// URL the commands target, "" when they show no DPoP credential.
func newDPoPBanner(cfg core.Config, base string) (*dpopBanner, error) {
	d := &dpopBanner{mode: cfg.DPoP.Mode, nonce: cfg.DPoP.Nonce, maxAge: cmp.Or(cfg.DPoP.ProofMaxAge, defaultProofMaxAge)}
	if d.mode == core.DPoPOff || base == "" {
		return d, nil
	}
	d.htu = strings.TrimRight(cmp.Or(strings.TrimSpace(os.Getenv("PUBLIC_URL")), base), "/")
	var err error
	d.client, err = authtest.NewDPoPClient()
	return d, err
}

// credential mints p's credential: a bearer token, or with bound (and
// commands that show DPoP) a token bound to the banner's key with a proof
// for p's request.
func (d *dpopBanner) credential(iss *authtest.Issuer, p persona, bound bool, opts []authtest.TokenOption) (credential, error) {
	if !bound || d.client == nil {
		token, err := iss.Token(p.name, opts...)
		return credential{token: token}, err
	}
	token, err := iss.Token(p.name, append(opts, authtest.BoundTo(d.client))...)
	if err != nil {
		return credential{}, err
	}
	proof, err := d.client.Proof(p.method, d.htu+p.path, token)
	return credential{token: token, proof: proof}, err
}

// write adds what DPoP changes to the banner b: nothing with DPoP off;
// with DPoP allowed, one DPoP request of the reader (when the commands can
// show one); with DPoP required, that the commands above are DPoP requests
// (or, when they cannot be, that their bearer tokens are refused).
func (d *dpopBanner) write(b *strings.Builder, iss *authtest.Issuer, command func(persona, credential) string, opts []authtest.TokenOption) error {
	once := fmt.Sprintf("works once, within %s of the start", fmtMinutes(d.maxAge))
	switch {
	case d.mode == core.DPoPOff:
		return nil
	case d.client == nil && d.mode == core.DPoPAllowed:
		fmt.Fprintf(b, "\nDPoP (RFC 9449) is allowed (AXIOMS_DPOP=allowed); the tokens above are bearer tokens.\n")
		return nil
	case d.client == nil:
		fmt.Fprintf(b, "\nDPoP (RFC 9449) is required (AXIOMS_DPOP=required): the bearer tokens above are refused,\n"+
			"and this banner has no DPoP request to show.\n")
		return nil
	case d.mode == core.DPoPRequired:
		fmt.Fprintf(b, "\nDPoP (RFC 9449) is required (AXIOMS_DPOP=required): a Bearer token is refused.\n"+
			"Each command above sends a token bound to a key of this process (cnf.jkt) with a\n"+
			"DPoP proof signed by that key for that one request (method and URL): it %s.\n", once)
	default:
		reader := persona{name: "reader", method: "GET", path: "/me"}
		c, err := d.credential(iss, reader, true, opts)
		if err != nil {
			return err
		}
		fmt.Fprintf(b, "\nDPoP (RFC 9449) is allowed (AXIOMS_DPOP=allowed): the tokens above are bearer tokens\n"+
			"(not bound to a key). A DPoP request sends a token bound to the client's key (cnf.jkt)\n"+
			"as \"Authorization: DPoP <token>\" with a new proof, signed by that key, in a\n"+
			"\"DPoP: <proof>\" header. The reader's token bound to a key of this process, with a proof\n"+
			"for GET /me that %s:\n%s\n",
			once, command(reader, c))
	}
	if d.nonce {
		fmt.Fprintf(b, "With AXIOMS_DPOP_NONCE=true these proofs, which carry no nonce, get 401 use_dpop_nonce\n"+
			"and a DPoP-Nonce header: a DPoP client retries with a new proof carrying that nonce.\n")
	}
	fmt.Fprintf(b, "A real client makes a new proof for every request with its own key and a DPoP\n"+
		"library (such as the dpop package on npm), and gets tokens bound to that key from its issuer.\n")
	return nil
}

// fmtMinutes writes d as "5 minutes" (or "90s" when not whole minutes).
func fmtMinutes(d time.Duration) string {
	switch {
	case d == time.Minute:
		return "1 minute"
	case d%time.Minute == 0:
		return fmt.Sprintf("%d minutes", d/time.Minute)
	}
	return d.String()
}
