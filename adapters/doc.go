// Package adapters holds what every framework adapter shares: plain net/http
// middleware and the conformance suite every adapter must pass.
package adapters
