// Package bench compares axioms-go token verification with the physical
// floor and with the usual Go JWT libraries and framework middlewares.
//
// It is its own module so that the peers it measures never become
// dependencies of axioms-go users. Run it with `make bench` (see
// cmd/benchtab), or directly:
//
//	cd bench && GOWORK=off go test -run '^$' -bench . -benchmem
//
// Every verifier checks the same token: header {alg, kid, typ}, claims iss,
// sub, aud, exp, iat, nbf, scope and roles (about 600 bytes for RS256);
// keys RSA-2048, P-256 and Ed25519. Method: ../docs/benchmarks.md.
package bench
