package core

import (
	"encoding/json"
	"net/netip"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axiomsgo/axioms/core/internal/strictjson"
)

// dcClaims returns Claims over payload, a claim set as raw JSON, without a
// token: Decode reads only the parsed tree.
func dcClaims(tb testing.TB, payload string) *Claims {
	tb.Helper()
	root, err := strictjson.Parse(payload)
	require.NoError(tb, err, "precondition: the payload parses")
	return &Claims{raw: payload, root: root}
}

// Targets of the exact-name tests.
type (
	dcScope struct {
		Scope string `json:"scope"`
	}
	dcSub struct {
		Sub string `json:"sub"`
	}
	dcUntagged struct {
		Sub    string
		Tenant string
	}
	dcKID struct {
		KID string `json:"kid"`
	}
	dcOrg struct {
		Org struct {
			TenantID string `json:"tenant_id"`
		} `json:"org"`
	}
)

// TestClaimsDecodeExactNames: a member fills a field only under the field's
// exact JSON name, so Decode reads what the accessors read. Every row but the
// exact ones decodes differently with encoding/json, which folds case and
// Unicode (ſ U+017F folds to s, K U+212A to k).
func TestClaimsDecodeExactNames(t *testing.T) {
	v, k := clStaticVerifier(t, nil)
	tests := []struct {
		name    string
		payload string
		into    any // a pointer to a zero target
		want    any // what into points to afterwards
	}{
		{
			name:    "SCOPE fills no scope field",
			payload: clPayload(map[string]string{"scope": "", "SCOPE": `"admin"`}),
			into:    &dcScope{}, want: dcScope{},
		},
		{
			name:    "ſub fills no sub field",
			payload: clPayload(map[string]string{"sub": "", "ſub": `"root"`}),
			into:    &dcSub{}, want: dcSub{},
		},
		{
			name:    "escaped ſub fills no sub field",
			payload: clPayload(map[string]string{"sub": ""}, `"\u017fub":"root"`),
			into:    &dcSub{}, want: dcSub{},
		},
		{
			name:    "Kelvin sign fills no kid field",
			payload: clPayload(map[string]string{"\u212aid": `"k-evil"`}),
			into:    &dcKID{}, want: dcKID{},
		},
		{
			name:    "sub and SUB: sub fills the field, SUB is ignored",
			payload: clPayload(map[string]string{"SUB": `"admin"`}),
			into:    &dcSub{}, want: dcSub{Sub: "alice"},
		},
		{
			name:    "SUB before sub",
			payload: `{"SUB":"admin","iss":"` + clIssuer + `","aud":"` + clAudience + `","sub":"alice","exp":` + strconv.Itoa(clNow+60) + `}`,
			into:    &dcSub{}, want: dcSub{Sub: "alice"},
		},
		{
			name:    "case variants deep inside are not refused",
			payload: clPayload(map[string]string{"x": `[{"a":1,"A":2}]`, "SUB": `"admin"`}),
			into:    &dcSub{}, want: dcSub{Sub: "alice"},
		},
		{
			name:    "untagged fields match the Go name exactly",
			payload: clPayload(map[string]string{"Tenant": `"acme"`}),
			into:    &dcUntagged{}, want: dcUntagged{Tenant: "acme"},
		},
		{
			name:    "nested field reached only by its exact name",
			payload: clPayload(map[string]string{"org": `{"Tenant_ID":"evil","TENANT_ID":"evil2"}`}),
			into:    &dcOrg{}, want: dcOrg{},
		},
		{
			name:    "nested field by its exact name",
			payload: clPayload(map[string]string{"org": `{"TENANT_ID":"evil","tenant_id":"t-1"}`}),
			into:    &dcOrg{}, want: func() (o dcOrg) { o.Org.TenantID = "t-1"; return o }(),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := v.Verify(t.Context(), k.signRaw(t, "RS256", clHeaderJSON, tt.payload))
			require.NoError(t, err, "precondition: the token verifies")
			require.NoError(t, c.Decode(tt.into))
			assert.Equal(t, tt.want, reflect.ValueOf(tt.into).Elem().Interface())
		})
	}

	t.Run("Decode agrees with Subject and Scopes", func(t *testing.T) {
		c, err := v.Verify(t.Context(), k.signRaw(t, "RS256", clHeaderJSON,
			clPayload(map[string]string{"sub": "", "scope": "", "ſub": `"root"`, "SCOPE": `"admin"`})))
		require.NoError(t, err)
		var got struct {
			Sub   string `json:"sub"`
			Scope string `json:"scope"`
		}
		require.NoError(t, c.Decode(&got))
		assert.Equal(t, c.Subject(), got.Sub)
		assert.Empty(t, c.Scopes())
		assert.Empty(t, got.Scope)
	})
}

// Targets of the type tests.
type (
	dcBase struct {
		Tenant string `json:"tenant"`
		Region string `json:"region"`
	}
	// DecodeMore is exported: encoding/json cannot allocate an embedded
	// pointer to an unexported struct type, and neither does Decode.
	DecodeMore struct{ Level int }
	dcEmbedded struct {
		dcBase
		*DecodeMore
		Region string `json:"region"` // shallower: hides dcBase.Region
	}
	dcConflictA struct{ X string }
	dcConflictB struct{ X string }
	dcConflict  struct {
		dcConflictA
		dcConflictB // X at the same depth in both: neither is filled
		Y           string
	}
	dcTags struct {
		Skipped string `json:"-"`
		//lint:ignore SA5008 the tag names the member "-", as encoding/json reads it
		Dash   string `json:"-,"`
		Omit   string `json:"omit,omitempty"`
		NoName string `json:",omitempty"`
		//lint:ignore SA5008 an invalid tag name: the Go name is used
		BadName  string `json:"a\"b"`
		Count    int64  `json:"count,string"`
		Flag     bool   `json:"flag,string"`
		Text     string `json:"text,string"`
		hidden   string
		Exported string
	}
	dcPointers struct {
		S   *string  `json:"s"`
		PP  **int    `json:"pp"`
		Nil *string  `json:"nil"`
		Arr *[]int   `json:"arr"`
		M   *dcScope `json:"m"`
	}
	dcNumbers struct {
		I8  int8        `json:"i8"`
		U16 uint16      `json:"u16"`
		I64 int64       `json:"i64"`
		U64 uint64      `json:"u64"`
		F32 float32     `json:"f32"`
		F64 float64     `json:"f64"`
		Num json.Number `json:"num"`
		Str json.Number `json:"str"`
		Any any         `json:"any"`
	}
	dcCollections struct {
		Tags   []string          `json:"tags"`
		Empty  []string          `json:"empty"`
		Pair   [2]int            `json:"pair"`
		Bytes  []byte            `json:"bytes"`
		Labels map[string]string `json:"labels"`
		ByID   map[int]string    `json:"by_id"`
		Addrs  map[netip.Addr]int
		Nested [][]string `json:"nested"`
	}
	dcUnmarshalers struct {
		Raw  dcRaw      `json:"raw"`
		PRaw *dcRaw     `json:"praw"`
		When time.Time  `json:"when"`
		IP   netip.Addr `json:"ip"`
	}
)

// dcRaw is a json.Unmarshaler that keeps the text it was given.
type dcRaw struct{ text string }

func (r *dcRaw) UnmarshalJSON(b []byte) error {
	r.text = string(b)
	return nil
}

func dcPtr[T any](v T) *T { return &v }

// TestClaimsDecodeTypes decodes into the kinds of Go values users decode
// claims into.
func TestClaimsDecodeTypes(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		into    any
		want    any
	}{
		{
			name:    "embedded structs: promoted fields, shallower field wins",
			payload: `{"tenant":"acme","region":"eu","Level":3,"level":9}`,
			into:    &dcEmbedded{},
			want:    dcEmbedded{dcBase: dcBase{Tenant: "acme"}, DecodeMore: &DecodeMore{Level: 3}, Region: "eu"},
		},
		{
			name:    "embedded conflict at one depth fills neither",
			payload: `{"X":"x","Y":"y"}`,
			into:    &dcConflict{},
			want:    dcConflict{Y: "y"},
		},
		{
			name:    "tags",
			payload: `{"Skipped":"a","-":"dash","omit":"o","NoName":"n","BadName":"b","a\"b":"no","count":"42","flag":"true","text":"\"t\"","hidden":"h","Exported":"e"}`,
			into:    &dcTags{},
			want:    dcTags{Dash: "dash", Omit: "o", NoName: "n", BadName: "b", Count: 42, Flag: true, Text: "t", Exported: "e"},
		},
		{
			name:    "pointers",
			payload: `{"s":"x","pp":7,"nil":null,"arr":[1,2],"m":{"scope":"s"}}`,
			into:    &dcPointers{Nil: dcPtr("was set")},
			want:    dcPointers{S: dcPtr("x"), PP: dcPtr(dcPtr(7)), Arr: &[]int{1, 2}, M: &dcScope{Scope: "s"}},
		},
		{
			name:    "numbers",
			payload: `{"i8":-128,"u16":65535,"i64":9223372036854775807,"u64":18446744073709551615,"f32":1.5,"f64":1e308,"num":1.0e2,"str":"12","any":3}`,
			into:    &dcNumbers{},
			want: dcNumbers{I8: -128, U16: 65535, I64: 9223372036854775807, U64: 18446744073709551615,
				F32: 1.5, F64: 1e308, Num: "1.0e2", Str: "12", Any: json.Number("3")},
		},
		{
			name:    "collections",
			payload: `{"tags":["a","b"],"empty":[],"pair":[1],"bytes":"aGk=","labels":{"A":"1","a":"2"},"by_id":{"7":"seven"},"Addrs":{"::1":1},"nested":[["x"],[]]}`,
			into:    &dcCollections{Pair: [2]int{5, 5}},
			want: dcCollections{Tags: []string{"a", "b"}, Empty: []string{}, Pair: [2]int{1, 0}, Bytes: []byte("hi"),
				Labels: map[string]string{"A": "1", "a": "2"}, ByID: map[int]string{7: "seven"},
				Addrs: map[netip.Addr]int{netip.IPv6Loopback(): 1}, Nested: [][]string{{"x"}, {}}},
		},
		{
			name:    "unmarshalers get the value's JSON text",
			payload: `{"raw":{"a":[1,"x\"\n\u00e9",true,null],"B":{}},"praw":"s","when":"2026-01-02T03:04:05Z","ip":"192.0.2.1"}`,
			into:    &dcUnmarshalers{},
			want: dcUnmarshalers{Raw: dcRaw{`{"a":[1,"x\"\u000aé",true,null],"B":{}}`}, PRaw: &dcRaw{`"s"`},
				When: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), IP: netip.MustParseAddr("192.0.2.1")},
		},
		{
			name:    "null into an unmarshaler value is passed on, into a pointer sets nil",
			payload: `{"raw":null,"praw":null}`,
			into:    &dcUnmarshalers{PRaw: &dcRaw{"old"}},
			want:    dcUnmarshalers{Raw: dcRaw{"null"}},
		},
		{
			name:    "map[string]any holds what Get returns",
			payload: `{"sub":"alice","n":1.5,"ok":false,"z":null,"l":["a",2],"o":{"k":"v"}}`,
			into:    &map[string]any{},
			want: map[string]any{"sub": "alice", "n": json.Number("1.5"), "ok": false, "z": nil,
				"l": []any{"a", json.Number("2")}, "o": map[string]any{"k": "v"}},
		},
		{
			name:    "any",
			payload: `{"sub":"alice"}`,
			into:    new(any),
			want:    any(map[string]any{"sub": "alice"}),
		},
		{
			name:    "any holding a pointer decodes into it",
			payload: `{"scope":"s","SCOPE":"x"}`,
			into:    dcPtr(any(&dcScope{})),
			want:    any(&dcScope{Scope: "s"}),
		},
		{
			name:    "unknown members are ignored, absent fields kept",
			payload: `{"scope":"s","other":{"deep":[1]}}`,
			into:    &dcNumbers{I8: 1},
			want:    dcNumbers{I8: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dcClaims(t, tt.payload)
			require.NoError(t, c.Decode(tt.into))
			assert.Equal(t, tt.want, reflect.ValueOf(tt.into).Elem().Interface())
		})
	}

	t.Run("unexported fields are never filled", func(t *testing.T) {
		var got dcTags
		require.NoError(t, dcClaims(t, `{"hidden":"h"}`).Decode(&got))
		assert.Empty(t, got.hidden)
	})
}

// TestClaimsDecodeErrors: type mismatches and overflows are
// *json.UnmarshalTypeError naming the member path; v must be a non-nil
// pointer.
func TestClaimsDecodeErrors(t *testing.T) {
	type org struct {
		Units []struct {
			Size uint8 `json:"size"`
		} `json:"units"`
	}
	tests := []struct {
		name      string
		payload   string
		into      any
		wantValue string // UnmarshalTypeError.Value
		wantField string // UnmarshalTypeError.Field
		wantType  reflect.Type
	}{
		{"string into int", `{"level":"3"}`, &struct {
			Level int `json:"level"`
		}{}, "string", "level", reflect.TypeFor[int]()},
		{"int8 overflow", `{"i8":128}`, &dcNumbers{}, "number 128", "i8", reflect.TypeFor[int8]()},
		{"int64 overflow", `{"i64":9223372036854775808}`, &dcNumbers{}, "number 9223372036854775808", "i64", reflect.TypeFor[int64]()},
		{"negative uint", `{"u64":-1}`, &dcNumbers{}, "number -1", "u64", reflect.TypeFor[uint64]()},
		{"fraction into int", `{"i64":1.5}`, &dcNumbers{}, "number 1.5", "i64", reflect.TypeFor[int64]()},
		{"float32 overflow", `{"f32":1e39}`, &dcNumbers{}, "number 1e39", "f32", reflect.TypeFor[float32]()},
		{"bool into string", `{"sub":true}`, &dcSub{}, "bool", "sub", reflect.TypeFor[string]()},
		{"object into slice", `{"tags":{}}`, &dcCollections{}, "object", "tags", reflect.TypeFor[[]string]()},
		{"array into string", `{"scope":["a"]}`, &dcScope{}, "array", "scope", reflect.TypeFor[string]()},
		{"nested path", `{"org":{"units":[{"size":256}]}}`, &struct {
			Org org `json:"org"`
		}{}, "number 256", "org.units.size", reflect.TypeFor[uint8]()},
		{"number into text unmarshaler", `{"ip":1}`, &dcUnmarshalers{}, "number", "ip", reflect.TypeFor[netip.Addr]()},
		{"bad map key", `{"by_id":{"x":"y"}}`, &dcCollections{}, "number x", "by_id", reflect.TypeFor[int]()},
		{"object into a string claim set", `{"sub":"a"}`, new(string), "object", "", reflect.TypeFor[string]()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := dcClaims(t, tt.payload).Decode(tt.into)
			var typeErr *json.UnmarshalTypeError
			require.ErrorAs(t, err, &typeErr)
			assert.Equal(t, tt.wantValue, typeErr.Value)
			assert.Equal(t, tt.wantField, typeErr.Field)
			assert.Equal(t, tt.wantType, typeErr.Type)
		})
	}

	t.Run("v is not a non-nil pointer", func(t *testing.T) {
		c := dcClaims(t, `{"sub":"a"}`)
		var invalid *json.InvalidUnmarshalError
		for _, into := range []any{nil, dcSub{}, (*dcSub)(nil)} {
			assert.ErrorAs(t, c.Decode(into), &invalid, "%T", into)
		}
	})

	t.Run("an embedded pointer to an unexported struct cannot be set", func(t *testing.T) {
		var got struct{ *dcBase }
		assert.Error(t, dcClaims(t, `{"tenant":"acme"}`).Decode(&got))
		assert.Error(t, json.Unmarshal([]byte(`{"tenant":"acme"}`), &got), "as encoding/json")
	})

	t.Run("errors of an unmarshaler are returned", func(t *testing.T) {
		var got struct {
			When time.Time `json:"when"`
		}
		err := dcClaims(t, `{"when":"yesterday"}`).Decode(&got)
		var parseErr *time.ParseError
		assert.ErrorAs(t, err, &parseErr)
	})

	t.Run("invalid uses of ,string", func(t *testing.T) {
		for _, payload := range []string{`{"count":42}`, `{"count":"x"}`, `{"count":" 1"}`, `{"text":"t"}`, `{"count":"[1]"}`} {
			var got dcTags
			assert.Error(t, dcClaims(t, payload).Decode(&got), payload)
		}
	})

	t.Run("a JSON string into json.Number must be a number", func(t *testing.T) {
		var got dcNumbers
		assert.Error(t, dcClaims(t, `{"str":"12x"}`).Decode(&got))
	})
}

// TestClaimsDecodeMatchesEncodingJSON: when no member name differs from a
// field's JSON name only by folding, Decode fills typed targets as
// encoding/json does.
func TestClaimsDecodeMatchesEncodingJSON(t *testing.T) {
	type custom struct {
		Sub     string      `json:"sub"`
		Tags    []string    `json:"tags"`
		Org     *dcOrg      `json:"org"`
		Level   *int64      `json:"level"`
		Ratio   float32     `json:"ratio"`
		Nothing *string     `json:"nothing"`
		Escaped string      `json:"escaped"`
		URL     string      `json:"https://x/"`
		Dotted  string      `json:"org.id"`
		Exp     json.Number `json:"exp"`
		Admin   any         `json:"admin"`
	}
	tests := []struct {
		name      string
		payload   string
		newTarget func() any
	}{
		{"custom claims", clCustomPayload(), func() any { return &custom{} }},
		{"untagged", `{"Sub":"alice","Tenant":"acme","other":1}`, func() any { return &dcUntagged{} }},
		{"embedded", `{"tenant":"acme","region":"eu","Level":3}`, func() any { return &dcEmbedded{} }},
		{"embedded conflict", `{"X":"x","Y":"y"}`, func() any { return &dcConflict{} }},
		{"tags", `{"Skipped":"a","-":"dash","omit":"o","NoName":"n","BadName":"b","count":"-7","flag":"false","text":"\"t\"","Exported":"e"}`, func() any { return &dcTags{} }},
		{"pointers", `{"s":"x","pp":7,"nil":null,"arr":[1,2],"m":{"scope":"s"}}`, func() any { return &dcPointers{Nil: dcPtr("x")} }},
		{"collections", `{"tags":["a"],"empty":[],"pair":[1,2,3],"bytes":"aGk=","labels":{"A":"1","a":"2"},"by_id":{"-1":"x"},"Addrs":{"::1":1},"nested":[[],["y"]]}`, func() any { return &dcCollections{} }},
		{"time and addresses", `{"when":"2026-01-02T03:04:05.5+01:00","ip":"::1"}`, func() any { return &dcUnmarshalers{} }},
		{"slice of structs", `[{"scope":"a"},{"scope":"b"}]`, func() any { return &[]dcScope{{Scope: "old"}} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, got := tt.newTarget(), tt.newTarget()
			require.NoError(t, json.Unmarshal([]byte(tt.payload), want))
			require.NoError(t, dcClaims(t, tt.payload).Decode(got))
			assert.Equal(t, want, got)
		})
	}
}

// FuzzAppendJSON: re-encoding a parsed value yields JSON that parses back
// to the same value.
func FuzzAppendJSON(f *testing.F) {
	for _, s := range []string{`{"a":[1,-2.5e3,"x\"\\\/\b\f\n\r\t\u0001\u00e9\ud83d\ude00"],"b":{"c":null,"d":true}}`, `"\u2028"`, `[]`, `{}`, `0`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := strictjson.Parse(s)
		if err != nil {
			return
		}
		out := appendJSON(nil, &v)
		require.True(t, json.Valid(out), "%s", out)
		back, err := strictjson.Parse(string(out))
		require.NoError(t, err, "%s", out)
		assert.True(t, v.Equal(back), "%s", out)
	})
}

// FuzzClaimsDecode decodes any claim set into assorted targets: no panic,
// and into any exactly what Get would return.
func FuzzClaimsDecode(f *testing.F) {
	f.Add(clCustomPayload())
	f.Add(`{"tags":["a"],"pair":[1,2,3],"labels":{"A":"1"},"by_id":{"7":"x"},"Addrs":{"::1":1},"count":"1","raw":{"a":[]},"ip":"::1","s":"x","pp":1,"m":{"scope":null}}`)
	f.Fuzz(func(t *testing.T, payload string) {
		root, err := strictjson.Parse(payload)
		if err != nil {
			return
		}
		c := &Claims{raw: payload, root: root}
		for _, into := range []any{&dcEmbedded{}, &dcConflict{}, &dcTags{}, &dcPointers{}, &dcNumbers{}, &dcCollections{}, &dcUnmarshalers{}, &[]dcScope{}, &[1]any{}} {
			_ = c.Decode(into)
		}
		var got any
		require.NoError(t, c.Decode(&got))
		assert.Equal(t, root.Interface(), got)
	})
}

// dcBenchClaims are the benchmark token's claims as a user declares them.
type dcBenchClaims struct {
	Issuer    string   `json:"iss"`
	Subject   string   `json:"sub"`
	Audience  string   `json:"aud"`
	Expiry    int64    `json:"exp"`
	IssuedAt  int64    `json:"iat"`
	NotBefore int64    `json:"nbf"`
	Scope     string   `json:"scope"`
	Roles     []string `json:"roles"`
}

// BenchmarkClaimsDecode decodes the benchmark token's claims (8 members),
// with Decode and, for comparison, with encoding/json over the payload.
func BenchmarkClaimsDecode(b *testing.B) {
	f := bnNewFixture(b, "ES256", bnClaims(nil), 0)
	c, err := f.v.Verify(b.Context(), f.token)
	require.NoError(b, err)
	decoders := []struct {
		name   string
		decode func(any) error
	}{
		{"Decode", c.Decode},
		{"encoding-json", func(v any) error { return json.Unmarshal([]byte(c.raw), v) }},
	}
	for _, d := range decoders {
		b.Run("struct/"+d.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var out dcBenchClaims
				if err := d.decode(&out); err != nil || out.Subject == "" || len(out.Roles) != 2 {
					b.Fatal(err, out)
				}
			}
		})
		b.Run("map/"+d.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var out map[string]any
				if err := d.decode(&out); err != nil || len(out) != 8 {
					b.Fatal(err, out)
				}
			}
		})
	}
}
