package jwkset

import (
	"encoding/base64"
	"encoding/json"
	"io/fs"
	"strings"
	"testing"

	"github.com/axiomsgo/axioms/internal/wycheproof"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wpFile is the part of a Wycheproof JOSE test file these tests read. In
// the JWK file "public" and "private" are JWK Sets; in the JWS file they are
// single JWKs.
type wpFile struct {
	NumberOfTests int `json:"numberOfTests"`
	TestGroups    []struct {
		Comment string          `json:"comment"`
		Public  json.RawMessage `json:"public"`
		Private json.RawMessage `json:"private"`
		Tests   []struct {
			TcID    int    `json:"tcId"`
			Comment string `json:"comment"`
			JWS     string `json:"jws"`
			Result  string `json:"result"`
		} `json:"tests"`
	} `json:"testGroups"`
}

func loadWycheproof(t testing.TB, name string) wpFile {
	t.Helper()
	data, err := fs.ReadFile(wycheproof.Vectors(t), name)
	require.NoError(t, err)
	var f wpFile
	require.NoError(t, json.Unmarshal(data, &f))
	return f
}

// verifyCompact verifies a compact JWS against a set the way a resource
// server would: strict base64url, header alg, keys selected by kid.
func verifyCompact(keys []*Key, jws string) bool {
	parts := strings.Split(jws, ".")
	if len(parts) != 3 {
		return false
	}
	dec := base64.RawURLEncoding.Strict()
	hdr, err := dec.DecodeString(parts[0])
	if err != nil {
		return false
	}
	var h struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	if json.Unmarshal(hdr, &h) != nil {
		return false
	}
	if _, err := dec.DecodeString(parts[1]); err != nil {
		return false
	}
	sig, err := dec.DecodeString(parts[2])
	if err != nil {
		return false
	}
	for _, k := range keys {
		if h.Kid != "" && k.KID != "" && h.Kid != k.KID {
			continue
		}
		if k.Verify(h.Alg, parts[0]+"."+parts[1], sig) {
			return true
		}
	}
	return false
}

// wpJWKDrops is, for each group of json_web_key_test.json (by its first
// tcId), the reasons its keys must be dropped for, in order. A group not
// listed keeps every key.
var wpJWKDrops = map[int][]string{
	1:  {reasonUnsupportedKty}, // mixed set: oct key dropped, EC public key kept
	2:  {reasonUnsupportedKty, reasonUnsupportedKty},
	4:  {reasonUnsupportedKty, reasonUnsupportedKty},
	6:  {reasonUse},            // RSA1_5, use:enc
	7:  {reasonROCA},           // Infineon ROCA modulus
	8:  {reasonRSASmall},       // RSA-1024
	9:  {reasonRSAExponent},    // e = 1
	10: {reasonUnsupportedKty}, // HS256/384/512 keys: short (10–12),
	11: {reasonUnsupportedKty}, // long (13–15) and empty (16–18)
	12: {reasonUnsupportedKty},
	13: {reasonUnsupportedKty},
	14: {reasonUnsupportedKty},
	15: {reasonUnsupportedKty},
	16: {reasonUnsupportedKty},
	17: {reasonUnsupportedKty},
	18: {reasonUnsupportedKty},
	19: {reasonUnsupportedAlg}, // alg ES521 on P-256
	20: {reasonUnsupportedAlg}, // alg ES224 on P-256
	21: {reasonUse},            // EC key with use:enc
	22: {reasonInvalid},        // modified point, refused by jwx
	23: {reasonAlgMismatch},    // crv P-384 with alg ES256
	24: {reasonAlgMismatch},    // kty RSA with EC members and alg ES256
	25: {reasonUnsupportedKty}, // AES-GCM key
	26: {reasonUnsupportedKty}, // AES-KW key
}

// wpJWKDisagree lists the vectors of json_web_key_test.json whose verdict
// we do not share, with the reason.
var wpJWKDisagree = map[int]string{
	2:  "valid HS256 token: a resource server never loads symmetric (oct) keys from a JWKS",
	13: "valid HS256 token with a long key: oct keys are never loaded",
	14: "valid HS384 token with a long key: oct keys are never loaded",
	15: "valid HS512 token with a long key: oct keys are never loaded",
}

// TestWycheproofJWK runs the key-loading half of Wycheproof's JSON Web Key
// vectors through Parse, then verifies each vector's token with the keys
// that survive.
func TestWycheproofJWK(t *testing.T) {
	file := loadWycheproof(t, "json_web_key_test.json")
	require.Equal(t, 26, file.NumberOfTests)
	for _, g := range file.TestGroups {
		first := g.Tests[0].TcID
		t.Run(g.Comment, func(t *testing.T) {
			set := g.Public
			if len(set) == 0 {
				set = g.Private // private material in it must be dropped
			}
			ks, dropped, err := Parse(set, Limits{MaxKeys: 100})
			require.NoError(t, err)
			var reasons []string
			for _, d := range dropped {
				reasons = append(reasons, d.Reason)
			}
			assert.Equal(t, wpJWKDrops[first], reasons, "group of tc %d", first)
			for _, tc := range g.Tests {
				want := tc.Result == "valid"
				if _, ok := wpJWKDisagree[tc.TcID]; ok {
					want = false
				}
				assert.Equal(t, want, verifyCompact(ks, tc.JWS), "tc %d (%s, %s)", tc.TcID, tc.Comment, tc.Result)
			}
		})
	}
}

// wpJWSDisagree lists the vectors of json_web_signature_test.json with a
// public key whose verdict we do not share (all are allowed to be rejected
// by the threat catalog §4.1).
var wpJWSDisagree = map[int]string{
	346: "valid PS384 token but the JWK says alg PS256: RFC 8725 §3.1 binds the header alg to the key's alg",
	347: `valid ES512 token but the JWK says alg "ES521", which is not an algorithm: key dropped`,
	350: "as 346, with key_ops",
	351: "as 347, with key_ops",
}

// TestWycheproofJWS verifies the JSON Web Signature vectors that come with a
// public key. Groups without one (HMAC, including the base64 cases
// 357–377) are not applicable: no symmetric key is ever loaded, so each of
// their tokens must be refused. This also checks PSS salt lengths (tc
// 281–286) and the special ES256 cases (tc 378–401).
func TestWycheproofJWS(t *testing.T) {
	file := loadWycheproof(t, "json_web_signature_test.json")
	require.Equal(t, 401, file.NumberOfTests)
	for _, g := range file.TestGroups {
		var ks []*Key
		if len(g.Public) > 0 {
			var err error
			ks, _, err = Parse([]byte(`{"keys":[`+string(g.Public)+`]}`), Limits{MaxKeys: 1})
			require.NoError(t, err)
		}
		for _, tc := range g.Tests {
			want := tc.Result == "valid" && len(g.Public) > 0
			if _, ok := wpJWSDisagree[tc.TcID]; ok {
				want = false
			}
			assert.Equal(t, want, verifyCompact(ks, tc.JWS), "tc %d (%s, %s: %s)", tc.TcID, g.Comment, tc.Result, tc.Comment)
		}
	}
}

// TestWycheproofPSSSaltLength pins tc 281–286 (PS256 with a changed salt
// length), which jwx v2 accepted.
func TestWycheproofPSSSaltLength(t *testing.T) {
	file := loadWycheproof(t, "json_web_signature_test.json")
	seen := 0
	for _, g := range file.TestGroups {
		if len(g.Public) == 0 {
			continue
		}
		ks, _, err := Parse([]byte(`{"keys":[`+string(g.Public)+`]}`), Limits{MaxKeys: 1})
		require.NoError(t, err)
		for _, tc := range g.Tests {
			if tc.TcID >= 281 && tc.TcID <= 286 {
				seen++
				assert.False(t, verifyCompact(ks, tc.JWS), "tc %d", tc.TcID)
			}
		}
	}
	assert.Equal(t, 6, seen)
}
