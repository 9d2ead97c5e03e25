// Package adapters holds what every framework adapter shares: plain net/http
// middleware (Middleware, Require, Authorize, Claims), the RFC 9728
// metadata handler and option (MetadataHandler, WithResourceMetadata), and
// the conformance suite every adapter must pass.
package adapters
