package strictjson

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Realistic token parts used by the tests, the fuzz seeds and the benchmark.
const (
	sampleHeader = `{"alg":"RS256","typ":"at+jwt","kid":"2024-09-rsa-1"}`
	sampleClaims = `{
  "iss": "https://auth.example.com/realms/production",
  "sub": "248289761001-user-7f3c9a2e-4b1d-4e8a-9c6f-0d2b5e8a1f37",
  "aud": ["https://api.example.com", "https://billing.example.com", "urn:example:resource-server"],
  "exp": 1767225600,
  "iat": 1767222000,
  "nbf": 1767222000,
  "scope": "openid profile email orders:read orders:write invoices:read payments:read",
  "roles": ["admin", "billing-manager", "order-viewer", "support-agent"],
  "client_id": "web-frontend-7a9c2e4b-1d3f-4e5a-8b6c-9d0e1f2a3b4c",
  "jti": "c1f5e7a9-3b2d-4f6e-8a1c-0b9d7e5f3a2c-01HZX8Q9K7M3N4P5R6S7T8V9W0"
}`
)

// refuse is a table row for an input Parse must reject with err.
type refuse struct {
	name string
	in   string
	err  error
}

// runRefuse checks that every row is refused with its sentinel error.
func runRefuse(t *testing.T, rows []refuse) {
	t.Helper()
	for _, tc := range rows {
		t.Run(tc.name, func(t *testing.T) {
			v, err := Parse(tc.in)
			require.ErrorIs(t, err, tc.err)
			assert.True(t, Value{}.Equal(v), "a refusal returns the zero Value")
		})
	}
}

// assertValue checks that got is the same JSON value as want, members in
// the same order.
func assertValue(t *testing.T, want, got Value) {
	t.Helper()
	if !want.Equal(got) {
		t.Errorf("got %s, want %s", dump(got), dump(want))
	}
}

// dump renders v for failure messages.
func dump(v Value) string {
	b, _ := json.Marshal(v.Interface())
	return fmt.Sprintf("%d:%s", v.Kind(), b)
}

// Constructors of expected trees.
func lit(s string) Value          { return textValue(Bool, s) }
func arr(elems ...Value) Value    { return arrayOf(elems) }
func obj(members ...Member) Value { return objectOf(members) }
func ptr(v Value) *Value          { return &v }

// runAccept checks that every input parses.
func runAccept(t *testing.T, inputs map[string]string) {
	t.Helper()
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			_, err := Parse(in)
			require.NoError(t, err)
		})
	}
}

func TestParseScalars(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Value
	}{
		{"null", `null`, Value{}},
		{"true", `true`, lit("true")},
		{"false", `false`, lit("false")},
		{"string", `"abc"`, StringValue("abc")},
		{"empty string", `""`, StringValue("")},
		{"number", `3600.75`, NumberValue("3600.75")},
		{"surrounding whitespace", " \t\r\n 42 \t\r\n ", NumberValue("42")},
		{"empty array", `[]`, arr()},
		{"empty object", `{ }`, obj()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := Parse(tc.in)
			require.NoError(t, err)
			assertValue(t, tc.want, v)
		})
	}
}

func TestParseStructure(t *testing.T) {
	v, err := Parse(`{"a":[1,"x",{"b":null}],"c":{"d":true}}`)
	require.NoError(t, err)
	want := obj(
		Member{"a", arr(NumberValue("1"), StringValue("x"), obj(Member{"b", Value{}}))},
		Member{"c", obj(Member{"d", lit("true")})},
	)
	assertValue(t, want, v)
	assert.False(t, want.Equal(obj(want.Obj()[1], want.Obj()[0])), "member order counts")
	assert.False(t, want.Equal(arr()), "kinds differ")
	assert.False(t, StringValue("1").Equal(NumberValue("1")), "kinds differ")
	assert.False(t, arr(StringValue("x")).Equal(arr(StringValue("y"))), "elements differ")
}

func TestParseNumbers(t *testing.T) {
	for _, in := range []string{"0", "-0", "1e10", "1E+2", "3600.75", "-1", "1e-7", "0.0", "-0.5E-3", "1234567890123456789012345678901234567890"} {
		t.Run("accept "+in, func(t *testing.T) {
			v, err := Parse(in)
			require.NoError(t, err)
			assertValue(t, NumberValue(in), v)
		})
	}
	runRefuse(t, []refuse{
		{"leading zero", "01", ErrSyntax},
		{"negative leading zero", "-01", ErrSyntax},
		{"plus sign", "+1", ErrSyntax},
		{"leading dot", ".5", ErrSyntax},
		{"trailing dot", "1.", ErrSyntax},
		{"dot before exponent", "1.e5", ErrSyntax},
		{"bare exponent", "1e", ErrSyntax},
		{"signed bare exponent", "1e+", ErrSyntax},
		{"double minus", "--1", ErrSyntax},
		{"lone minus", "-", ErrSyntax},
		{"hex", "0x10", ErrSyntax},
		{"NaN", "NaN", ErrSyntax},
		{"Infinity", "Infinity", ErrSyntax},
		{"negative Infinity", "-Infinity", ErrSyntax},
		{"number in array with leading zero", "[01]", ErrSyntax},
	})
}

func TestParseGrammarRefusals(t *testing.T) {
	runRefuse(t, []refuse{
		{"empty input", "", ErrSyntax},
		{"only whitespace", " \n", ErrSyntax},
		{"trailing comma in array", `[1,]`, ErrSyntax},
		{"trailing comma in object", `{"a":1,}`, ErrSyntax},
		{"leading comma", `[,1]`, ErrSyntax},
		{"missing comma", `[1 2]`, ErrSyntax},
		{"missing colon", `{"a" 1}`, ErrSyntax},
		{"missing value", `{"a":}`, ErrSyntax},
		{"unquoted key", `{a:1}`, ErrSyntax},
		{"single quotes", `{'a':1}`, ErrSyntax},
		{"non-string key", `{1:1}`, ErrSyntax},
		{"line comment", "{\"a\":1 // c\n}", ErrSyntax},
		{"block comment", `{"a":/* c */1}`, ErrSyntax},
		{"capital True", `True`, ErrSyntax},
		{"truncated literal", `tru`, ErrSyntax},
		{"literal with suffix", `truex`, ErrSyntax},
		{"nul literal", `nul`, ErrSyntax},
		{"trailing garbage", `{"a":1}x`, ErrSyntax},
		{"second value", `{"a":1} {}`, ErrSyntax},
		{"trailing NUL", "{}\x00", ErrSyntax},
		{"unclosed array", `[1`, ErrSyntax},
		{"unclosed object", `{"a":1`, ErrSyntax},
		{"mismatched brackets", `[1}`, ErrSyntax},
		{"unterminated string", `"abc`, ErrSyntax},
		{"vertical tab whitespace", "\v1", ErrSyntax},
		{"form feed whitespace", "[1,\f2]", ErrSyntax},
		{"non-breaking space", "\u00a01", ErrSyntax},
		{"UTF-8 BOM", "\xef\xbb\xbf{}", ErrSyntax},
		{"UTF-16LE with BOM", "\xff\xfe{\x00}\x00", ErrSyntax},
		{"UTF-16LE without BOM", "{\x00\"\x00a\x00\"\x00:\x001\x00}\x00", ErrSyntax},
		{"UTF-16BE without BOM", "\x00{\x00\"\x00a\x00\"\x00:\x001\x00}", ErrSyntax},
	})
}

func TestParseStrings(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"simple escapes", `"\"\\\/\b\f\n\r\t"`, "\"\\/\b\f\n\r\t"},
		{"escape between text", `"ab\ncd"`, "ab\ncd"},
		{"unicode escape", `"\u00e9\u4E2D"`, "é中"},
		{"escaped NUL", `"\u0000"`, "\x00"},
		{"surrogate pair", `"\ud83d\ude00"`, "😀"},
		{"surrogate pair upper hex", `"x\uD83D\uDE00y"`, "x😀y"},
		{"raw UTF-8", `"héllo 中文 😀"`, "héllo 中文 😀"},
		{"raw UTF-8 after escape", `"\t中😀"`, "\t中😀"},
		{"raw U+FFFD", "\"\xef\xbf\xbd\"", "\uFFFD"},
		{"DEL is allowed", "\"\x7f\"", "\x7f"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := Parse(tc.in)
			require.NoError(t, err)
			assertValue(t, StringValue(tc.want), v)
		})
	}
}

func TestParseStringRefusals(t *testing.T) {
	runRefuse(t, []refuse{
		{"raw newline", "\"a\nb\"", ErrSyntax},
		{"raw tab", "\"a\tb\"", ErrSyntax},
		{"raw NUL", "\"a\x00b\"", ErrSyntax},
		{"raw control after escape", "\"\\n\x1f\"", ErrSyntax},
		{"unknown escape", `"\a"`, ErrSyntax},
		{"escaped single quote", `"\'"`, ErrSyntax},
		{"uppercase U escape", `"\U0041"`, ErrSyntax},
		{"short unicode escape", `"\u12"`, ErrSyntax},
		{"bad hex", `"\u12g4"`, ErrSyntax},
		{"backslash at end", `"\`, ErrSyntax},
		{"escaped closing quote only", `"\"`, ErrSyntax},
		{"0xFF byte", "\"a\xffb\"", ErrInvalidUTF8},
		{"0xFF byte after escape", "\"\\n\xff\"", ErrInvalidUTF8},
		{"truncated sequence", "\"\xe4\xb8\"", ErrInvalidUTF8},
		{"overlong encoding", "\"\xc0\xaf\"", ErrInvalidUTF8},
		{"UTF-8 encoded surrogate", "\"\xed\xa0\x80\"", ErrInvalidUTF8},
		{"invalid UTF-8 in key", "{\"\xff\":1}", ErrInvalidUTF8},
		{"lone high surrogate", `"\ud800"`, ErrInvalidUTF8},
		{"lone high surrogate then text", `"\ud800abcdef"`, ErrInvalidUTF8},
		{"lone low surrogate", `"\udc00"`, ErrInvalidUTF8},
		{"reversed pair", `"\ude00\ud83d"`, ErrInvalidUTF8},
		{"high then high", `"\ud83d\ud83d"`, ErrInvalidUTF8},
		{"high then non-surrogate", `"\ud83d\u0041"`, ErrInvalidUTF8},
		{"high then other escape", `"\ud83d\n\u0041"`, ErrInvalidUTF8},
		{"high then bad hex", `"\ud83d\uzzzz"`, ErrSyntax},
	})
}

func TestParseDuplicateKeys(t *testing.T) {
	many := func(n int, extra string) string {
		var b strings.Builder
		b.WriteString("{")
		for i := range n {
			fmt.Fprintf(&b, `"k%d":%d,`, i, i)
		}
		b.WriteString(extra + "}")
		return b.String()
	}
	runRefuse(t, []refuse{
		{"top level", `{"sub":"a","sub":"b"}`, ErrDuplicateKey},
		{"nested object", `{"a":{"x":1,"x":2}}`, ErrDuplicateKey},
		{"object in array", `[{"x":1},{"y":1,"y":1}]`, ErrDuplicateKey},
		{"escaped duplicate", `{"sub":"a","s\u0075b":"b"}`, ErrDuplicateKey},
		{"escaped slash duplicate", `{"a/b":1,"a\/b":2}`, ErrDuplicateKey},
		{"surrogate pair duplicate", `{"😀":1,"\ud83d\ude00":2}`, ErrDuplicateKey},
		{"duplicate past map threshold", many(2000, `"k1999":0`), ErrDuplicateKey},
		{"duplicate of first past threshold", many(40, `"k0":0`), ErrDuplicateKey},
		{"duplicate right at threshold", many(linearDupLimit, `"k3":0`), ErrDuplicateKey},
	})
	runAccept(t, map[string]string{
		"same key in sibling objects": `[{"x":1},{"x":2}]`,
		"same key at two depths":      `{"x":{"x":1}}`,
		"case differs":                `{"sub":1,"Sub":2}`,
		"2000 distinct members":       many(2000, `"last":0`),
		"17 distinct members":         many(linearDupLimit, `"last":0`),
	})
}

func TestParseDepth(t *testing.T) {
	// nest wraps inner in n copies of open/close.
	nest := func(open, inner, close string, n int) string {
		return strings.Repeat(open, n) + inner + strings.Repeat(close, n)
	}
	runAccept(t, map[string]string{
		"arrays at MaxDepth":  nest("[", "", "]", MaxDepth),
		"objects at MaxDepth": nest(`{"a":`, "1", "}", MaxDepth),
		"mixed at MaxDepth":   nest(`[{"a":`, "1", "}]", MaxDepth/2),
		"siblings reset":      "[" + nest("[", "", "]", MaxDepth-1) + "," + nest("[", "", "]", MaxDepth-1) + "]",
	})
	runRefuse(t, []refuse{
		{"arrays past MaxDepth", nest("[", "", "]", MaxDepth+1), ErrTooDeep},
		{"objects past MaxDepth", nest(`{"a":`, "1", "}", MaxDepth+1), ErrTooDeep},
		{"mixed past MaxDepth", "[" + nest(`{"a":[`, "", "]}", MaxDepth/2) + "]", ErrTooDeep},
		{"100000 open brackets", strings.Repeat("[", 100000), ErrTooDeep},
		{"100000 open braces", strings.Repeat(`{"a":`, 100000), ErrTooDeep},
	})
}

func TestParseObjectsAtDepthAccepted(t *testing.T) {
	in := strings.Repeat(`{"a":`, MaxDepth-1) + `{}` + strings.Repeat("}", MaxDepth-1)
	_, err := Parse(in)
	require.NoError(t, err)
	in = strings.Repeat(`{"a":`, MaxDepth) + `{}` + strings.Repeat("}", MaxDepth)
	_, err = Parse(in)
	require.ErrorIs(t, err, ErrTooDeep)
}

func TestParseZeroCopy(t *testing.T) {
	in := `{"alg":"RS256","typ":"JWT","kid":"k1","exp":1767225600,"ok":true,"n":null}`
	v, err := Parse(in)
	require.NoError(t, err)
	alg, ok := v.Get("alg")
	require.True(t, ok)
	assert.Equal(t, "RS256", alg.Str())

	allocs := testing.AllocsPerRun(100, func() {
		if _, err := Parse(in); err != nil {
			t.Fatal(err)
		}
	})
	assert.LessOrEqual(t, allocs, 1.0, "flat object with unescaped strings must only allocate its members")

	allocs = testing.AllocsPerRun(100, func() { _, _ = Parse(`"plain string"`) })
	assert.Zero(t, allocs, "unescaped scalar string must not allocate")

	allocs = testing.AllocsPerRun(100, func() { _, _ = Parse(`"esc\naped"`) })
	assert.LessOrEqual(t, allocs, 1.0, "escaped string allocates exactly once")

	deep := strings.Repeat("[", 100000)
	allocs = testing.AllocsPerRun(100, func() { _, _ = Parse(deep) })
	assert.Zero(t, allocs, "refusing deep nesting allocates nothing")
}

// TestParseTwoAllocations: the elements of all the arrays share one exactly
// sized slice and the members of all the objects another, at any depth;
// rooms large enough take them, rooms too small are left alone.
func TestParseTwoAllocations(t *testing.T) {
	in := `{"a":[1,[2,3],{"b":[4]},[]],"c":{"d":[5,6],"e":{}},"f":"x"}`
	want := obj(
		Member{"a", arr(NumberValue("1"), arr(NumberValue("2"), NumberValue("3")), obj(Member{"b", arr(NumberValue("4"))}), arr())},
		Member{"c", obj(Member{"d", arr(NumberValue("5"), NumberValue("6"))}, Member{"e", obj()})},
		Member{"f", StringValue("x")},
	)
	v, err := Parse(in)
	require.NoError(t, err)
	assertValue(t, want, v)
	a, c := v.Obj()[0].Value.Arr(), v.Obj()[1].Value.Obj()
	assert.Len(t, a, 4)
	assert.Equal(t, 4, cap(a), "exactly sized")
	assert.Equal(t, 2, cap(c))

	assert.Equal(t, 2.0, testing.AllocsPerRun(100, func() { _, _ = Parse(in) }))
	members, elems := make([]Member, 6), make([]Value, 9)
	assert.Zero(t, testing.AllocsPerRun(100, func() { _, _ = ParseInto(in, members, elems) }), "rooms of the exact sizes")
	v, err = ParseInto(in, members, elems)
	require.NoError(t, err)
	assertValue(t, want, v)
	assert.Same(t, &members[0], &v.Obj()[0], "the top-level object, closed last, takes the front of the room")

	small := make([]Member, 4)
	assert.Equal(t, 1.0, testing.AllocsPerRun(100, func() { _, _ = ParseInto(in, small, elems) }), "a room too small is not used")
	v, err = ParseInto(in, small, elems)
	require.NoError(t, err)
	assertValue(t, want, v)
	assert.Equal(t, make([]Member, 4), small)
}

func TestValueAccessors(t *testing.T) {
	v, err := Parse(`{"s":"x","n":1,"b":false,"z":null,"a":["y"],"o":{"k":"v"}}`)
	require.NoError(t, err)
	for _, tc := range []struct {
		name string
		kind Kind
		str  string
		arr  int // -1: Arr is nil
		obj  int
	}{
		{"s", String, "x", -1, -1}, {"n", Number, "1", -1, -1}, {"b", Bool, "false", -1, -1},
		{"z", Null, "", -1, -1}, {"a", Array, "", 1, -1}, {"o", Object, "", -1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := v.Get(tc.name)
			require.True(t, ok)
			assert.Equal(t, tc.kind, got.Kind())
			assert.Equal(t, tc.str, got.Str())
			assert.Equal(t, tc.arr < 0, got.Arr() == nil)
			assert.Equal(t, tc.obj < 0, got.Obj() == nil)
			assert.Equal(t, max(tc.arr, 0), len(got.Arr()))
			assert.Equal(t, max(tc.obj, 0), len(got.Obj()))
		})
	}
	assert.Equal(t, 16, int(unsafe.Sizeof(Value{})), "a Value is a pointer, a length and a kind")
	assert.Equal(t, Null, Value{}.Kind(), "the zero Value is null")
}

// TestParseSubstringOfInput checks that unescaped strings share the input's
// memory rather than being copies.
func TestParseSubstringOfInput(t *testing.T) {
	in := `{"iss":"https://issuer.example"}`
	v, err := Parse(in)
	require.NoError(t, err)
	iss, ok := v.Get("iss")
	require.True(t, ok)
	start := strings.Index(in, "https")
	assert.Equal(t, in[start:start+len(iss.Str())], iss.Str())
	assert.True(t, sameMemory(in[start:], iss.Str()), "Str should point into the input")
	assert.True(t, sameMemory(in[2:], v.Obj()[0].Key), "Key should point into the input")
}

// sameMemory reports whether a and b start at the same address.
func sameMemory(a, b string) bool {
	return unsafe.StringData(a) == unsafe.StringData(b)
}

func TestGet(t *testing.T) {
	v, err := Parse(`{"a":1,"b":{"c":"d"}}`)
	require.NoError(t, err)

	tests := []struct {
		name string
		v    Value
		key  string
		want *Value
	}{
		{"present", v, "a", ptr(NumberValue("1"))},
		{"absent", v, "z", nil},
		{"nested object", v, "b", ptr(obj(Member{"c", StringValue("d")}))},
		{"non-object", StringValue("a"), "a", nil},
		{"array", arr(Value{}), "0", nil},
		{"zero Value", Value{}, "a", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := tc.v.Get(tc.key)
			require.Equal(t, tc.want != nil, ok)
			if tc.want == nil {
				assert.Nil(t, got)
				return
			}
			assertValue(t, *tc.want, *got)
		})
	}

	t.Run("points into Obj", func(t *testing.T) {
		got, ok := v.Get("b")
		require.True(t, ok)
		assert.Same(t, &v.Obj()[1].Value, got)
	})
}

func TestInterface(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want any
	}{
		{"null", `null`, nil},
		{"true", `true`, true},
		{"false", `false`, false},
		{"number", `-1.5e3`, json.Number("-1.5e3")},
		{"string", `"a\tb"`, "a\tb"},
		{"empty array", `[]`, []any{}},
		{"empty object", `{}`, map[string]any{}},
		{"nested", `{"aud":["x",1],"o":{"n":null}}`, map[string]any{
			"aud": []any{"x", json.Number("1")},
			"o":   map[string]any{"n": nil},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := Parse(tc.in)
			require.NoError(t, err)
			assert.Equal(t, tc.want, v.Interface())
		})
	}
}

// TestInterfaceMatchesEncodingJSON cross-checks Interface against
// encoding/json with UseNumber on realistic token parts.
func TestInterfaceMatchesEncodingJSON(t *testing.T) {
	for name, in := range map[string]string{"header": sampleHeader, "claims": sampleClaims} {
		t.Run(name, func(t *testing.T) {
			v, err := Parse(in)
			require.NoError(t, err)
			dec := json.NewDecoder(strings.NewReader(in))
			dec.UseNumber()
			var want any
			require.NoError(t, dec.Decode(&want))
			assert.Equal(t, want, v.Interface())
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		sampleHeader,
		sampleClaims,
		`{"alg":"ES256","kid":"k","crit":["b64"],"b64":false}`,
		`{"alg":"EdDSA","jwk":{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}}`,
		`{"sub":"a","s\u0075b":"b"}`,
		`{"exp":1.5e9,"nbf":-0,"aud":[],"x":{},"n":null,"t":true}`,
		`"\ud83d\ude00\u0000\n"`,
		`[[[[]]]]`,
		"\xef\xbb\xbf{}",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		v, err := Parse(in)
		if !json.Valid([]byte(in)) {
			if err == nil {
				t.Fatalf("Parse accepted input encoding/json calls invalid: %q", in)
			}
			return
		}
		if err != nil {
			if !isSentinel(err) {
				t.Fatalf("unexpected error %v for %q", err, in)
			}
			return // stricter than encoding/json: duplicates, UTF-8, depth
		}
		dec := json.NewDecoder(strings.NewReader(in))
		dec.UseNumber()
		var want any
		if err := dec.Decode(&want); err != nil {
			t.Fatalf("encoding/json refuses %q: %v", in, err)
		}
		if !reflect.DeepEqual(want, v.Interface()) {
			t.Fatalf("tree of %q differs from encoding/json's: %s", in, dump(v))
		}
		roomy, err := ParseInto(in, make([]Member, 0, len(in)), make([]Value, 0, len(in)))
		if err != nil || !roomy.Equal(v) {
			t.Fatalf("ParseInto with rooms differs on %q: %v", in, err)
		}
		out, err := json.Marshal(v.Interface())
		if err != nil {
			t.Fatalf("re-encoding %q: %v", in, err)
		}
		if _, err := Parse(string(out)); err != nil {
			t.Fatalf("re-parsing %q (from %q): %v", out, in, err)
		}
	})
}

// isSentinel reports whether err is one of the package's errors.
func isSentinel(err error) bool {
	for _, s := range []error{ErrSyntax, ErrDuplicateKey, ErrInvalidUTF8, ErrTooDeep, ErrTooLarge} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

func BenchmarkParseClaims(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(sampleClaims)))
	for b.Loop() {
		if _, err := Parse(sampleClaims); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseGroups is a claim set of about 8 KB, most of it a "groups"
// array of 530 short strings.
func BenchmarkParseGroups(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(sampleClaims[:len(sampleClaims)-2] + `,"groups":[`)
	for i := range 530 {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `"group-%06d"`, i)
	}
	sb.WriteString("]}")
	in := sb.String()
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if _, err := Parse(in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseHeader(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(sampleHeader)))
	for b.Loop() {
		if _, err := Parse(sampleHeader); err != nil {
			b.Fatal(err)
		}
	}
}
