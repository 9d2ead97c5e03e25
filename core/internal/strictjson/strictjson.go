// Package strictjson is a strict, allocation-lean JSON parser for JOSE
// headers and JWT claim sets.
//
// It accepts exactly the RFC 8259 grammar and additionally refuses inputs
// that generic decoders silently tolerate but that enable parser-differential
// attacks on tokens:
//
//   - duplicate member names in any object (compared after unescaping),
//   - invalid UTF-8 and unpaired UTF-16 surrogate escapes,
//   - a leading byte order mark,
//   - nesting deeper than MaxDepth.
//
// Strings without escapes are returned as substrings of the input, so a
// typical header or claim set costs one allocation per array or object and
// nothing else. Errors are plain sentinels, so refusing garbage allocates
// nothing either.
package strictjson

import (
	"encoding/json"
	"errors"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Kind is the JSON type of a Value.
type Kind uint8

// Kinds of Value.
const (
	Null Kind = iota
	Bool
	Number
	String
	Array
	Object
)

// MaxDepth is the deepest nesting of arrays and objects Parse accepts.
const MaxDepth = 32

// Errors returned by Parse.
var (
	ErrSyntax       = errors.New("strictjson: syntax error")
	ErrDuplicateKey = errors.New("strictjson: duplicate object member name")
	ErrInvalidUTF8  = errors.New("strictjson: invalid UTF-8")
	ErrTooDeep      = errors.New("strictjson: nesting too deep")
)

// Value is one parsed JSON value.
//   - String: Str holds the unescaped contents.
//   - Number: Str holds the literal text exactly as written (validated grammar).
//   - Bool: Str is "true" or "false".
//   - Array: Arr holds the elements; Object: Obj holds the members in order.
type Value struct {
	Kind Kind
	Str  string
	Arr  []Value
	Obj  []Member
}

// Member is one name/value pair of an object.
type Member struct {
	Key   string
	Value Value
}

// Initial slice capacities: enough for typical JOSE headers, claim sets and
// aud/roles arrays without regrowth.
const (
	objCap = 8
	arrCap = 4
)

// linearDupLimit is the member count up to which duplicate names are found by
// scanning the members already parsed; larger objects switch to a map so that
// hostile objects with thousands of members stay linear.
const linearDupLimit = 16

// strSafe marks the bytes that may appear verbatim inside a string and need
// no further attention: printable ASCII other than '"' and '\\'.
var strSafe = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// parser holds the input and the read position. It lives on the caller's
// stack; none of its methods retain it.
type parser struct {
	s     string
	i     int      // index of the next unread byte
	depth int      // number of arrays and objects currently open
	top   []Member // ParseInto's buffer for the members of a top-level object
}

// Parse parses exactly one JSON value (surrounding JSON whitespace allowed).
func Parse(s string) (Value, error) {
	p := parser{s: s}
	var v Value
	if err := p.value(&v); err != nil {
		return Value{}, err
	}
	p.skipWS()
	if p.i != len(p.s) {
		return Value{}, ErrSyntax
	}
	return v, nil
}

// ParseInto is Parse, except that when the value is an object its members
// are appended to buf[:0] (growing it like append when it is too small), so
// that a caller that knows the usual member count can provide their memory:
// a buffer inside the struct that keeps the result saves an allocation.
func ParseInto(s string, buf []Member) (Value, error) {
	p := parser{s: s, top: buf[:0]}
	var v Value
	if err := p.value(&v); err != nil {
		return Value{}, err
	}
	p.skipWS()
	if p.i != len(p.s) {
		return Value{}, ErrSyntax
	}
	return v, nil
}

// skipWS advances past JSON whitespace (space, tab, LF, CR).
func (p *parser) skipWS() {
	s, i := p.s, p.i
	for i < len(s) {
		switch s[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			p.i = i
			return
		}
	}
	p.i = i
}

// value parses the value starting at the next non-whitespace byte into v.
func (p *parser) value(v *Value) error {
	p.skipWS()
	if p.i >= len(p.s) {
		return ErrSyntax
	}
	switch c := p.s[p.i]; c {
	case '"':
		str, err := p.str()
		v.Kind, v.Str = String, str
		return err
	case '{':
		return p.object(v)
	case '[':
		return p.array(v)
	case 't':
		return p.literal(v, "true", Bool)
	case 'f':
		return p.literal(v, "false", Bool)
	case 'n':
		return p.literal(v, "null", Null)
	default:
		if c == '-' || (c >= '0' && c <= '9') {
			return p.number(v)
		}
		return ErrSyntax
	}
}

// literal consumes the keyword lit exactly. A following non-delimiter byte
// (as in "truex") is caught by the caller, which expects a delimiter.
func (p *parser) literal(v *Value, lit string, k Kind) error {
	if !strings.HasPrefix(p.s[p.i:], lit) {
		return ErrSyntax
	}
	p.i += len(lit)
	v.Kind = k
	if k == Bool {
		v.Str = lit
	}
	return nil
}

// number consumes an RFC 8259 number:
//
//	-? (0 | [1-9][0-9]*) (\.[0-9]+)? ([eE][+-]?[0-9]+)?
//
// and stores its literal text in v.Str.
func (p *parser) number(v *Value) error {
	s, start := p.s, p.i
	i := start
	if s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		i = digits(s, i+1)
	default:
		return ErrSyntax
	}
	if i < len(s) && s[i] == '.' {
		j := digits(s, i+1)
		if j == i+1 {
			return ErrSyntax
		}
		i = j
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := digits(s, i)
		if j == i {
			return ErrSyntax
		}
		i = j
	}
	v.Kind, v.Str = Number, s[start:i]
	p.i = i
	return nil
}

// digits returns the index of the first non-digit byte of s at or after i.
func digits(s string, i int) int {
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

// enter records the opening of an array or object, refusing it before any
// recursion happens if it would exceed MaxDepth.
func (p *parser) enter() error {
	if p.depth >= MaxDepth {
		return ErrTooDeep
	}
	p.depth++
	p.i++ // the opening bracket
	p.skipWS()
	return nil
}

// closeOrComma consumes the separator after a container element: it returns
// done=true on the closing byte, done=false on a comma, and ErrSyntax
// otherwise (which also refuses trailing commas, as the next element parse
// then sees the closing byte).
func (p *parser) closeOrComma(closing byte) (done bool, err error) {
	p.skipWS()
	if p.i >= len(p.s) {
		return false, ErrSyntax
	}
	switch p.s[p.i] {
	case ',':
		p.i++
		return false, nil
	case closing:
		p.i++
		p.depth--
		return true, nil
	}
	return false, ErrSyntax
}

// array parses an array starting at '['.
func (p *parser) array(v *Value) error {
	if err := p.enter(); err != nil {
		return err
	}
	v.Kind = Array
	if p.i < len(p.s) && p.s[p.i] == ']' {
		p.i++
		p.depth--
		return nil
	}
	v.Arr = make([]Value, 0, arrCap)
	for {
		v.Arr = extend(v.Arr)
		if err := p.value(&v.Arr[len(v.Arr)-1]); err != nil {
			return err
		}
		if done, err := p.closeOrComma(']'); done || err != nil {
			return err
		}
	}
}

// object parses an object starting at '{', refusing duplicate member names.
func (p *parser) object(v *Value) error {
	if err := p.enter(); err != nil {
		return err
	}
	v.Kind = Object
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		p.depth--
		return nil
	}
	if p.depth == 1 && p.top != nil {
		v.Obj, p.top = p.top, nil
	} else {
		v.Obj = make([]Member, 0, objCap)
	}
	var index map[string]struct{} // built lazily past linearDupLimit
	for {
		key, err := p.memberName()
		if err != nil {
			return err
		}
		if isDuplicate(v.Obj, key, &index) {
			return ErrDuplicateKey
		}
		v.Obj = extend(v.Obj)
		v.Obj[len(v.Obj)-1].Key = key
		if err := p.value(&v.Obj[len(v.Obj)-1].Value); err != nil {
			return err
		}
		if done, err := p.closeOrComma('}'); done || err != nil {
			return err
		}
	}
}

// extend lengthens s by one zero element. Unlike append(s, T{}) it does not
// copy a zero value into spare capacity, which make and growslice have
// already cleared.
func extend[T any](s []T) []T {
	if len(s) < cap(s) {
		return s[:len(s)+1]
	}
	var zero T
	return append(s, zero)
}

// memberName parses a member name and the ':' after it.
func (p *parser) memberName() (string, error) {
	p.skipWS()
	if p.i >= len(p.s) || p.s[p.i] != '"' {
		return "", ErrSyntax
	}
	key, err := p.str()
	if err != nil {
		return "", err
	}
	p.skipWS()
	if p.i >= len(p.s) || p.s[p.i] != ':' {
		return "", ErrSyntax
	}
	p.i++
	return key, nil
}

// isDuplicate reports whether key equals the name of one of members. Small
// objects are scanned; once members reaches linearDupLimit, *index is built
// from them and from then on holds every name, key included.
func isDuplicate(members []Member, key string, index *map[string]struct{}) bool {
	if len(members) < linearDupLimit {
		for i := range members {
			if members[i].Key == key {
				return true
			}
		}
		return false
	}
	if *index == nil {
		*index = make(map[string]struct{}, 2*len(members))
		for i := range members {
			(*index)[members[i].Key] = struct{}{}
		}
	}
	if _, dup := (*index)[key]; dup {
		return true
	}
	(*index)[key] = struct{}{}
	return false
}

// str parses a string starting at '"' and returns its unescaped contents.
// Strings without escapes are returned as substrings of the input.
func (p *parser) str() (string, error) {
	s := p.s
	start := p.i + 1
	i := start
	for i < len(s) {
		for i < len(s) && strSafe[s[i]] {
			i++
		}
		if i >= len(s) {
			break
		}
		switch c := s[i]; {
		case c == '"':
			p.i = i + 1
			return s[start:i], nil
		case c == '\\':
			return p.strEscaped(start, i)
		case c < 0x20:
			return "", ErrSyntax
		default:
			n, err := runeLen(s[i:])
			if err != nil {
				return "", err
			}
			i += n
		}
	}
	return "", ErrSyntax // unterminated
}

// runeLen returns the length of the valid UTF-8 sequence at the start of s
// (whose first byte is non-ASCII) or ErrInvalidUTF8.
func runeLen(s string) (int, error) {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError && n == 1 {
		return 0, ErrInvalidUTF8
	}
	return n, nil
}

// strEscaped finishes parsing a string whose contents start at start and
// whose first backslash is at esc. It builds the unescaped contents in a
// single allocation sized from the raw length.
func (p *parser) strEscaped(start, esc int) (string, error) {
	s := p.s
	end := closingQuote(s, esc)
	if end < 0 {
		return "", ErrSyntax
	}
	var b strings.Builder
	b.Grow(end - start) // unescaping never lengthens the text
	b.WriteString(s[start:esc])
	for i := esc; i < end; {
		n, err := unescapeNext(&b, s[i:end])
		if err != nil {
			return "", err
		}
		i += n
	}
	p.i = end + 1
	return b.String(), nil
}

// closingQuote returns the index of the '"' ending the string that contains
// position i (skipping escaped bytes), or -1 if there is none.
func closingQuote(s string, i int) int {
	for ; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}

// unescapeNext decodes the next piece of raw string contents s (which holds
// no unescaped '"') into b and returns the number of bytes consumed: a run of
// plain ASCII, one escape sequence, or one multi-byte UTF-8 character.
func unescapeNext(b *strings.Builder, s string) (int, error) {
	switch c := s[0]; {
	case c == '\\':
		return unescape(b, s)
	case c < 0x20:
		return 0, ErrSyntax
	case c < 0x80:
		n := 1
		for n < len(s) && strSafe[s[n]] {
			n++
		}
		b.WriteString(s[:n])
		return n, nil
	default:
		n, err := runeLen(s)
		if err != nil {
			return 0, err
		}
		b.WriteString(s[:n])
		return n, nil
	}
}

// unescape decodes the escape sequence at the start of s into b and returns
// its length.
func unescape(b *strings.Builder, s string) (int, error) {
	if len(s) < 2 {
		return 0, ErrSyntax
	}
	var c byte
	switch s[1] {
	case '"', '\\', '/':
		c = s[1]
	case 'b':
		c = '\b'
	case 'f':
		c = '\f'
	case 'n':
		c = '\n'
	case 'r':
		c = '\r'
	case 't':
		c = '\t'
	case 'u':
		return unescapeU(b, s)
	default:
		return 0, ErrSyntax
	}
	b.WriteByte(c)
	return 2, nil
}

// unescapeU decodes a \uXXXX escape, or a \uXXXX\uXXXX surrogate pair, at the
// start of s into b and returns its length. Unpaired surrogates are refused.
func unescapeU(b *strings.Builder, s string) (int, error) {
	r, ok := hex4(s[2:])
	if !ok {
		return 0, ErrSyntax
	}
	if !utf16.IsSurrogate(r) {
		b.WriteRune(r)
		return 6, nil
	}
	if r >= 0xDC00 || len(s) < 12 || s[6] != '\\' || s[7] != 'u' {
		return 0, ErrInvalidUTF8 // lone low, or high not followed by \u
	}
	r2, ok := hex4(s[8:])
	if !ok {
		return 0, ErrSyntax
	}
	if r2 < 0xDC00 || r2 > 0xDFFF {
		return 0, ErrInvalidUTF8 // high followed by a non-low escape
	}
	b.WriteRune(utf16.DecodeRune(r, r2))
	return 12, nil
}

// hex4 decodes the four hex digits at the start of s.
func hex4(s string) (rune, bool) {
	if len(s) < 4 {
		return 0, false
	}
	var r rune
	for i := 0; i < 4; i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// Get returns the member named key of an object value. The pointer refers
// into v.Obj. For non-objects and absent names it returns (nil, false).
func (v *Value) Get(key string) (*Value, bool) {
	if v == nil || v.Kind != Object {
		return nil, false
	}
	for i := range v.Obj {
		if v.Obj[i].Key == key {
			return &v.Obj[i].Value, true
		}
	}
	return nil, false
}

// Interface converts v to plain Go values: nil, bool, json.Number, string,
// []any, map[string]any. Empty arrays and objects become non-nil empty
// slices and maps.
func (v *Value) Interface() any {
	switch v.Kind {
	case Bool:
		return v.Str == "true"
	case Number:
		return json.Number(v.Str)
	case String:
		return v.Str
	case Array:
		a := make([]any, len(v.Arr))
		for i := range v.Arr {
			a[i] = v.Arr[i].Interface()
		}
		return a
	case Object:
		m := make(map[string]any, len(v.Obj))
		for i := range v.Obj {
			m[v.Obj[i].Key] = v.Obj[i].Value.Interface()
		}
		return m
	default:
		return nil
	}
}
