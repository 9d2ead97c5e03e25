package strictjson

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// scanAll reads every member of s with a Scanner, parsing the values of
// the names in parse and skipping the others.
func scanAll(s string, parse ...string) (map[string]Value, []string, error) {
	sc, err := NewScanner(s)
	if err != nil {
		return nil, nil, err
	}
	got := map[string]Value{}
	var skipped []string
	for {
		more, err := sc.Next()
		if err != nil || !more {
			return got, skipped, err
		}
		matched := false
		for _, name := range parse {
			if sc.NameIs(name) {
				v, err := sc.Value()
				if err != nil {
					return nil, nil, err
				}
				got[name], matched = v, true
			}
		}
		if !matched {
			if err := sc.Skip(); err != nil {
				return nil, nil, err
			}
			skipped = append(skipped, sc.name)
		}
	}
}

func TestScanner(t *testing.T) {
	got, skipped, err := scanAll(` {"alg":"ES256", "x5c":["a","b"], "j\u0077k":{"k":[1,-2.5e3,true,false,null]}, "kid" : "k\"1"} `, "alg", "kid", "jwk")
	require.NoError(t, err)
	assert.Equal(t, "ES256", got["alg"].Str())
	assert.Equal(t, `k"1`, got["kid"].Str())
	assert.Equal(t, Object, got["jwk"].Kind(), "an escaped name is matched unescaped")
	assert.Equal(t, []string{"x5c"}, skipped)

	for _, in := range []string{
		``, `[]`, `{`, `{"a"}`, `{"a":}`, `{"a":1,}`, `{"a":1} x`, `{"a":1}{}`, `{"a":tru}`, `{"a":01}`,
		`{"a":"\x01"}`, "{\"a\":\"\xff\"}", `{"a":"\ud800"}`, `{"a":"\q"}`, `{"a":[1,]}`, `{"a":{"b"}}`,
		`{"a":` + strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth) + `}`,
	} {
		_, _, err := scanAll(in)
		assert.Error(t, err, "%q", in)
		if json.Valid([]byte(in)) && err != nil && in != `[]` { // [] is valid JSON, but no object
			assert.True(t, err == ErrTooDeep || err == ErrInvalidUTF8, "%q: only depth and surrogates are stricter than encoding/json", in)
		}
	}
	_, _, err = scanAll(`{}`)
	assert.NoError(t, err)
	_, _, err = scanAll(`{"a":` + strings.Repeat("[", MaxDepth-1) + strings.Repeat("]", MaxDepth-1) + `}`)
	assert.NoError(t, err, "depth MaxDepth is allowed")
}

func TestNameIs(t *testing.T) {
	for _, tt := range []struct {
		raw, want string
		is        bool
	}{
		{`iss`, "iss", true}, {`i\u0073s`, "iss", true}, {`\u0069ss`, "iss", true}, {`iss\u0000`, "iss", false},
		{`is`, "iss", false}, {`isss`, "iss", false}, {`ISS`, "iss", false}, {`\u017fub`, "sub", false},
		{`\ud83d\ude00`, "😀", true}, {`\/`, "/", true}, {`caf\u00e9`, "café", true},
	} {
		sc, err := NewScanner(`{"` + tt.raw + `":1}`)
		require.NoError(t, err)
		more, err := sc.Next()
		require.True(t, more)
		require.NoError(t, err)
		assert.Equal(t, tt.is, sc.NameIs(tt.want), "%q is %q", tt.raw, tt.want)
	}
}

func TestScannerAllocatesNothingWhenSkipping(t *testing.T) {
	in := `{"a":[` + strings.Repeat(`0,"\u00e9x",{"k":null},`, 500) + `1],"b":"` + strings.Repeat(`\n`, 100) + `"}`
	allocs := testing.AllocsPerRun(20, func() {
		sc, err := NewScanner(in)
		for err == nil {
			var more bool
			if more, err = sc.Next(); !more {
				break
			}
			_ = sc.NameIs("b")
			err = sc.Skip()
		}
		if err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs)
}

// FuzzScanner: a Scanner accepts exactly the objects Parse accepts, less
// the duplicate-name refusals it leaves to its caller.
func FuzzScanner(f *testing.F) {
	for _, seed := range []string{sampleHeader, sampleClaims, `{"a":{"b":[1,{"c":"\u00e9"}]}}`, `{}`, `{"a":1,"a":2}`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		_, perr := Parse(in)
		_, _, serr := scanAll(in)
		isObject := strings.HasPrefix(strings.TrimLeft(in, " \t\r\n"), "{")
		switch {
		case perr == nil && isObject && serr != nil:
			t.Fatalf("Parse accepts %q, the Scanner refuses it: %v", in, serr)
		case serr == nil && perr != nil && perr != ErrDuplicateKey:
			t.Fatalf("the Scanner accepts %q, Parse refuses it: %v", in, perr)
		}
	})
}

func TestScannerString(t *testing.T) {
	in := `{"a":"x\u0079","b":[0,` + strings.Repeat("0,", 1000) + `0],"c":{"d":"e"},"e":5}`
	sc, err := NewScanner(in)
	require.NoError(t, err)
	var got []string
	allocs := testing.AllocsPerRun(1, func() {
		sc, _ = NewScanner(in)
		got = got[:0]
		for {
			more, err := sc.Next()
			if err != nil || !more {
				return
			}
			s, ok, err := sc.String()
			if err != nil {
				t.Fatal(err)
			}
			if ok {
				got = append(got, s)
			}
		}
	})
	assert.Equal(t, []string{"xy"}, got, "only the string value is read")
	assert.LessOrEqual(t, allocs, 2.0, "the escaped string and got: the array and object are never built")
	sc, err = NewScanner(`{"a":[1,}`)
	require.NoError(t, err)
	_, _ = sc.Next()
	_, _, err = sc.String()
	assert.Error(t, err, "a skipped value is still checked")
}

func TestScannerRaw(t *testing.T) {
	in := `{"iss":"x", "inner" : {"active":true,"aud":["a", "b"],"n":1.5e3} ,"z":[1, 2]}`
	sc, err := NewScanner(in)
	require.NoError(t, err)
	var got []string
	for {
		more, err := sc.Next()
		require.NoError(t, err)
		if !more {
			break
		}
		raw, err := sc.Raw()
		require.NoError(t, err)
		got = append(got, raw)
	}
	assert.Equal(t, []string{`"x"`, `{"active":true,"aud":["a", "b"],"n":1.5e3}`, `[1, 2]`}, got, "the text as written, no whitespace around it")

	sc, err = NewScanner(`{"a":{"b":}}`)
	require.NoError(t, err)
	_, _ = sc.Next()
	_, err = sc.Raw()
	assert.Error(t, err, "the value is checked as Skip checks it")
}
