package core

import "errors"

// Error categories of sender-constrained tokens (RFC 9449 §7.1, §12.2).
var (
	// ErrInvalidDPoPProof: the DPoP proof of a request is missing,
	// malformed, not valid for this request, or replayed. 401
	// invalid_dpop_proof with a DPoP challenge.
	ErrInvalidDPoPProof = errors.New("invalid DPoP proof")
	// ErrUseDPoPNonce: the resource server requires a nonce in DPoP proofs
	// and the proof has none, or a stale one. 401 use_dpop_nonce with a
	// fresh DPoP-Nonce header; the client retries with it (RFC 9449 §9).
	ErrUseDPoPNonce = errors.New("use DPoP nonce")
)
