package core

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"time"
)

// Server nonces (RFC 9449 §8, §9) without shared state: a nonce names a
// time window and is authenticated with an HMAC key, so that any replica
// holding the key (DPoPConfig.NonceSecret) checks the nonce another issued,
// and no nonce needs to be stored. A nonce is accepted in the window it was
// issued in and the next one: it lives between one and two windows.

// dpopNonceMAC is the length of a nonce's truncated HMAC-SHA256, in bytes.
const dpopNonceMAC = 20

// dpopNonces issues and checks nonces.
type dpopNonces struct {
	key    []byte
	window time.Duration
}

// newDPoPNonces returns the nonces of secret (a random key when empty:
// nonces then hold for this process only) rotating every window.
func newDPoPNonces(secret []byte, window time.Duration) *dpopNonces {
	if len(secret) == 0 {
		secret = make([]byte, 32)
		_, _ = rand.Read(secret) // never fails (crypto/rand)
	}
	return &dpopNonces{key: append([]byte(nil), secret...), window: window}
}

// issue returns the nonce of the window now is in.
func (n *dpopNonces) issue(now time.Time) string {
	return n.nonce(n.index(now))
}

// valid reports whether nonce was issued in the window now is in or the
// one before.
func (n *dpopNonces) valid(nonce string, now time.Time) bool {
	if len(nonce) != base64.RawURLEncoding.EncodedLen(8+dpopNonceMAC) {
		return false
	}
	i := n.index(now)
	for _, w := range []uint64{i, i - 1} {
		if subtle.ConstantTimeCompare([]byte(nonce), []byte(n.nonce(w))) == 1 {
			return true
		}
	}
	return false
}

func (n *dpopNonces) index(now time.Time) uint64 {
	return uint64(now.UnixNano()) / uint64(n.window)
}

func (n *dpopNonces) nonce(index uint64) string {
	var b [8 + sha256.Size]byte
	binary.BigEndian.PutUint64(b[:8], index)
	m := hmac.New(sha256.New, n.key)
	m.Write([]byte("axioms DPoP nonce\x00"))
	m.Write(b[:8])
	m.Sum(b[8:8])
	return base64.RawURLEncoding.EncodeToString(b[:8+dpopNonceMAC])
}
