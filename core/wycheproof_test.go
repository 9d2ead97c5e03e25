package core

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/axiomsgo/axioms/internal/wycheproof"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Wycheproof JSON Web Signature and JSON Web Key vectors (threats.md §4.1),
// run through the production path: a StaticKeySet built from the group's
// JWK(S) with ParseStaticKeySet / parseKeys, a Verifier with the default
// algorithms, and verifyJWS, the JWS half of Verify. The payloads are not
// JWT claim sets, so the run stops after the signature.
//
// Every vector must agree with its label ("valid" verifies, "invalid" is
// refused, "acceptable" either way) unless it is listed below with the
// reason and the exact error we refuse it with. A listed vector that agrees
// again fails the test, so the lists stay honest.

// wpException is a vector whose label we deliberately disagree with.
type wpException struct {
	reason  string
	wantErr error // the reason error verifyJWS must return
}

const (
	wpReasonHMAC = "HMAC refused by design: a resource server holds no shared secrets " +
		"(RFC 8725 §3.1, behaviour.md §3)"
	wpReasonEmptyPayload = "empty payload segment refused structurally: a JWT payload " +
		"must be a JSON object (threat 22)"
	wpReasonAlgBinding = "JWK alg differs from header alg, refused per RFC 8725 §3.1 " +
		"(threats §4.1(a))"
	wpReasonStrictB64 = "labelled valid but contains '?'; strict base64url refuses it " +
		"(threats §4.1(c))"
)

// wpJWSExceptions lists the disagreements in json_web_signature_test.json.
var wpJWSExceptions = map[int]wpException{
	// Valid HS256 vectors.
	1:   {wpReasonHMAC, ErrUnsupportedAlgorithm},
	348: {wpReasonHMAC, ErrUnsupportedAlgorithm},
	352: {wpReasonHMAC, ErrUnsupportedAlgorithm},
	357: {wpReasonHMAC, ErrUnsupportedAlgorithm},
	358: {wpReasonHMAC, ErrUnsupportedAlgorithm},
	359: {wpReasonHMAC, ErrUnsupportedAlgorithm},
	376: {wpReasonHMAC, ErrUnsupportedAlgorithm},
	377: {wpReasonHMAC, ErrUnsupportedAlgorithm},
	// Valid signatures over an empty payload.
	259: {wpReasonEmptyPayload, ErrTokenMalformed},
	264: {wpReasonEmptyPayload, ErrTokenMalformed},
	268: {wpReasonEmptyPayload, ErrTokenMalformed},
	272: {wpReasonEmptyPayload, ErrTokenMalformed},
	320: {wpReasonEmptyPayload, ErrTokenMalformed},
	325: {wpReasonEmptyPayload, ErrTokenMalformed},
	// RFC 7520 figures whose JWK alg (PS256) is not the header alg (PS384):
	// the key is loaded but does not accept PS384.
	346: {wpReasonAlgBinding, ErrUnsupportedAlgorithm},
	350: {wpReasonAlgBinding, ErrUnsupportedAlgorithm},
	// RFC 7520 figures whose JWK says "ES521" (no such algorithm) for an
	// ES512 token: the key is dropped at load time, so no key is found.
	347: {wpReasonAlgBinding + `; the JWK alg "ES521" is unknown, so the key is dropped`, ErrUnknownKey},
	351: {wpReasonAlgBinding + `; the JWK alg "ES521" is unknown, so the key is dropped`, ErrUnknownKey},
	// Labelled valid, but a '?' was inserted into a segment.
	372: {wpReasonStrictB64, ErrTokenMalformed},
	373: {wpReasonStrictB64, ErrTokenMalformed},
}

// wpJWSDataBugs are vectors whose label is wrong upstream (threats
// §4.1(b), C2SP/wycheproof#236): they are byte-identical to the valid
// vector named here but labelled invalid. They are still run and judged
// (we refuse them, as HMAC, so they agree with their wrong label), but
// they are exempt from the structural check of the base64 group. The test
// fails when upstream fixes the data, so the entry can be removed.
var wpJWSDataBugs = map[int]int{367: 357, 370: 357}

// wpJWSMustRefuse are vectors that jwx v2 accepts and we must refuse
// (threats §4.1(d)): PSS salt length changed, and modified unused bits.
var wpJWSMustRefuse = []int{281, 282, 283, 284, 285, 286, 374}

// wpJWKExceptions lists the disagreements in json_web_key_test.json.
var wpJWKExceptions = map[int]wpException{
	2:  {wpReasonHMAC, ErrUnsupportedAlgorithm},
	13: {wpReasonHMAC, ErrUnsupportedAlgorithm},
	14: {wpReasonHMAC, ErrUnsupportedAlgorithm},
	15: {wpReasonHMAC, ErrUnsupportedAlgorithm},
}

type wpFile struct {
	NumberOfTests int       `json:"numberOfTests"`
	TestGroups    []wpGroup `json:"testGroups"`
}

type wpGroup struct {
	Comment string          `json:"comment"`
	Private json.RawMessage `json:"private"`
	Public  json.RawMessage `json:"public"`
	Tests   []wpTest        `json:"tests"`
}

type wpTest struct {
	TcID    int      `json:"tcId"`
	Comment string   `json:"comment"`
	JWS     string   `json:"jws"`
	Result  string   `json:"result"`
	Flags   []string `json:"flags"`
}

func wpLoad(tb testing.TB, name string) wpFile {
	tb.Helper()
	data, err := fs.ReadFile(wycheproof.Vectors(tb), name)
	require.NoError(tb, err)
	var f wpFile
	require.NoError(tb, json.Unmarshal(data, &f))
	return f
}

// wpHasJSON reports whether a group member holds a JSON object with members.
func wpHasJSON(raw json.RawMessage) bool {
	s := strings.TrimSpace(string(raw))
	return s != "" && s != "null" && s != "{}"
}

// wpVerifier builds the production Verifier around ks.
func wpVerifier(tb testing.TB, ks KeySet) *Verifier {
	tb.Helper()
	v, err := NewVerifier(Config{Audiences: []string{"x"}, KeySet: ks})
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = v.Close() })
	return v
}

// wpTally counts the outcomes of one vector file.
type wpTally struct {
	run, agree, excepted int
	seen                 map[int]bool
}

// wpJudge compares one outcome with the vector's label and the exception
// list, and records it.
func wpJudge(t testing.TB, tally *wpTally, exceptions map[int]wpException, tc wpTest, err error) {
	t.Helper()
	tally.run++
	tally.seen[tc.TcID] = true
	if err != nil {
		assert.ErrorIs(t, err, ErrInvalidToken, "tc %d: every refusal must be an invalid token", tc.TcID)
		assert.NotErrorIs(t, err, ErrKeysUnavailable, "tc %d", tc.TcID)
	}
	var disagree bool
	switch tc.Result {
	case "valid":
		disagree = err != nil
	case "invalid":
		disagree = err == nil
	case "acceptable":
	default:
		t.Fatalf("tc %d: unknown result %q", tc.TcID, tc.Result)
	}
	ex, listed := exceptions[tc.TcID]
	switch {
	case disagree && !listed:
		t.Errorf("tc %d (%s, labelled %s): verifyJWS returned %v; not in the exception list",
			tc.TcID, tc.Comment, tc.Result, err)
	case !disagree && listed:
		t.Errorf("tc %d (%s) is listed as an exception (%s) but now agrees with %q; remove it",
			tc.TcID, tc.Comment, ex.reason, tc.Result)
	case listed:
		tally.excepted++
		assert.ErrorIs(t, err, ex.wantErr, "tc %d: listed as %q", tc.TcID, ex.reason)
	default:
		tally.agree++
	}
}

// wpCheckListed fails for listed tcIds that the file does not hold.
func wpCheckListed(t testing.TB, tally *wpTally, exceptions map[int]wpException) {
	t.Helper()
	for id := range exceptions {
		assert.True(t, tally.seen[id], "exception for tc %d, which the file does not hold", id)
	}
}

// wpJWSKeySet builds a group's key set from its public JWK with
// ParseStaticKeySet. A group without a usable public key (HMAC groups have
// none; encryption keys and unknown algs are dropped) gets an empty set, so
// its vectors are still judged. A key must fail to load exactly when
// wpUnloadable names a reason.
func wpJWSKeySet(t testing.TB, g wpGroup) *StaticKeySet {
	t.Helper()
	if !wpHasJSON(g.Public) {
		return NewStaticKeySet()
	}
	ks, err := ParseStaticKeySet([]byte(`{"keys":[` + string(g.Public) + `]}`))
	want := wpUnloadable(t, g.Public)
	if want == "" {
		require.NoError(t, err, "group %q: public JWK must load", g.Comment)
		return ks
	}
	require.Error(t, err, "group %q: public JWK must be dropped (%s)", g.Comment, want)
	return NewStaticKeySet()
}

// wpUnloadable says why a Wycheproof public JWK must be dropped, or "".
func wpUnloadable(t testing.TB, jwk json.RawMessage) string {
	t.Helper()
	var k struct {
		Alg    string   `json:"alg"`
		Use    string   `json:"use"`
		KeyOps []string `json:"key_ops"`
	}
	require.NoError(t, json.Unmarshal(jwk, &k))
	switch {
	case k.Use != "" && k.Use != "sig":
		return "use " + k.Use
	case k.KeyOps != nil && !slices.Contains(k.KeyOps, "verify"):
		return "key_ops without verify"
	case k.Alg == "ES521":
		return `unknown alg "ES521"`
	}
	return ""
}

func TestWycheproofJWS(t *testing.T) {
	f := wpLoad(t, "json_web_signature_test.json")
	tally := &wpTally{seen: map[int]bool{}}
	byID := map[int]wpTest{}
	outcome := map[int]error{}
	ctx := context.Background()
	for i, g := range f.TestGroups {
		t.Run(fmt.Sprintf("%02d_%s", i, g.Comment), func(t *testing.T) {
			v := wpVerifier(t, wpJWSKeySet(t, g))
			for _, tc := range g.Tests {
				_, err := wpVerifyJWS(ctx, v, tc.JWS)
				wpJudge(t, tally, wpJWSExceptions, tc, err)
				byID[tc.TcID], outcome[tc.TcID] = tc, err
				if _, bug := wpJWSDataBugs[tc.TcID]; g.Comment == "base64" && tc.Result == "invalid" && !bug {
					assert.Error(t, wpStructural(tc.JWS),
						"tc %d (%s): must fail in splitCompact, base64url or header parsing", tc.TcID, tc.Comment)
				}
			}
		})
	}
	require.Equal(t, f.NumberOfTests, tally.run, "numberOfTests")
	wpCheckListed(t, tally, wpJWSExceptions)
	for _, id := range wpJWSMustRefuse {
		require.Contains(t, byID, id)
		assert.Equal(t, "invalid", byID[id].Result, "tc %d", id)
		assert.Error(t, outcome[id], "tc %d (%s) must be refused", id, byID[id].Comment)
	}
	for bug, twin := range wpJWSDataBugs {
		require.Contains(t, byID, bug)
		assert.Equal(t, byID[twin].JWS, byID[bug].JWS,
			"tc %d no longer equals tc %d: C2SP/wycheproof#236 is fixed upstream, drop the entry", bug, twin)
		assert.Equal(t, "invalid", byID[bug].Result, "tc %d", bug)
		assert.Error(t, outcome[bug], "tc %d (data bug, HMAC) is refused", bug)
	}
	t.Logf("Wycheproof JWS: %d vectors run, %d agree, %d listed exceptions %v; data bugs %v (refused, agree with their label)",
		tally.run, tally.agree, tally.excepted, slices.Sorted(maps.Keys(wpJWSExceptions)), slices.Sorted(maps.Keys(wpJWSDataBugs)))
}

// wpStructural runs the structural layer alone: splitCompact, the strict
// base64url decoding of each segment, and the header parse.
func wpStructural(tok string) error {
	parts, ok := splitCompact(tok)
	if !ok {
		return ErrTokenMalformed
	}
	for _, seg := range []string{parts.encHeader, parts.payload, parts.signature} {
		if _, ok := decodeSegment(seg); !ok {
			return ErrTokenMalformed
		}
	}
	_, err := parseHeader(parts.encHeader)
	return err
}

// wpPrivateMembers are the JWK members that hold secret key material
// (RFC 7518 §6.2.2, §6.3.2, §6.4.1).
var wpPrivateMembers = []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"}

// wpJWKKeySet parses a group's JWKS (public, or private when there is no
// public) with parseKeys, checks that keys carrying secret material were
// dropped, and cross-checks ParseStaticKeySet.
func wpJWKKeySet(t testing.TB, g wpGroup) *StaticKeySet {
	t.Helper()
	doc := g.Public
	if !wpHasJSON(doc) {
		doc = g.Private
	}
	var set struct {
		Keys []map[string]json.RawMessage `json:"keys"`
	}
	require.NoError(t, json.Unmarshal(doc, &set), "group %q", g.Comment)
	withoutSecrets := 0
	for _, k := range set.Keys {
		if !slices.ContainsFunc(wpPrivateMembers, func(m string) bool { _, ok := k[m]; return ok }) {
			withoutSecrets++
		}
	}
	var log bytes.Buffer
	keys, err := parseKeys(doc, staticLimits, &dropLog{logger: slog.New(slog.NewTextHandler(&log, nil))}, "wycheproof")
	require.NoError(t, err, "group %q", g.Comment)
	assert.LessOrEqual(t, len(keys), withoutSecrets,
		"group %q: keys with private or symmetric material must be dropped", g.Comment)
	assert.Equal(t, len(set.Keys)-len(keys), strings.Count(log.String(), "JWKS key dropped"),
		"group %q: every dropped key is logged", g.Comment)
	_, staticErr := ParseStaticKeySet(doc)
	assert.Equal(t, len(keys) == 0, staticErr != nil, "group %q: ParseStaticKeySet fails iff no key is usable", g.Comment)
	return NewStaticKeySet(keys...)
}

func TestWycheproofJWK(t *testing.T) {
	f := wpLoad(t, "json_web_key_test.json")
	tally := &wpTally{seen: map[int]bool{}}
	ctx := context.Background()
	for i, g := range f.TestGroups {
		t.Run(fmt.Sprintf("%02d_%s", i, g.Comment), func(t *testing.T) {
			v := wpVerifier(t, wpJWKKeySet(t, g))
			for _, tc := range g.Tests {
				_, err := wpVerifyJWS(ctx, v, tc.JWS)
				wpJudge(t, tally, wpJWKExceptions, tc, err)
			}
		})
	}
	require.Equal(t, f.NumberOfTests, tally.run, "numberOfTests")
	wpCheckListed(t, tally, wpJWKExceptions)
	t.Logf("Wycheproof JWK: %d vectors run, %d agree, %d listed exceptions %v",
		tally.run, tally.agree, tally.excepted, slices.Sorted(maps.Keys(wpJWKExceptions)))
}

// wpVerifyJWS is the JWS half of Verify: everything up to and including
// the signature (the vectors' payloads are not claim sets).
func wpVerifyJWS(ctx context.Context, v *Verifier, token string) (string, error) {
	t, err := v.parseJWS(token)
	if err != nil {
		return "", err
	}
	keys, err := v.keySetOf(v.only)
	if err != nil {
		return "", err
	}
	if _, err := verifySignature(ctx, keys, t); err != nil {
		return "", err
	}
	payload, ok := decodeSegment(t.payload)
	if !ok {
		return "", ErrTokenMalformed
	}
	return payload, nil
}
