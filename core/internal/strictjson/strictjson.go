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
// Strings without escapes are returned as substrings of the input, and the
// tree of a value is built in two passes: the first checks the input and
// counts the array elements and object members, the second parses it into
// one exactly sized slice of each. A claim set thus costs at most two
// allocations, whatever its arrays and objects, plus one per escaped
// string. Errors are plain sentinels, so refusing garbage allocates
// nothing either.
package strictjson

import (
	"errors"
	"math"
	"strings"
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

// Errors returned by Parse. An input with several faults is refused with
// the sentinel of one of them.
var (
	ErrSyntax       = errors.New("strictjson: syntax error")
	ErrDuplicateKey = errors.New("strictjson: duplicate object member name")
	ErrInvalidUTF8  = errors.New("strictjson: invalid UTF-8")
	ErrTooDeep      = errors.New("strictjson: nesting too deep")
	ErrTooLarge     = errors.New("strictjson: input of 4 GiB or more")
)

// linearDupLimit is the member count up to which duplicate names are found by
// scanning the members already parsed; larger objects switch to a map so that
// hostile objects with thousands of members stay linear.
const linearDupLimit = 16

// parser holds the input and the read position, and while a value is built
// the slabs of its array elements and object members. It lives on the
// caller's stack; none of its methods retain it.
type parser struct {
	s     string
	i     int // index of the next unread byte
	depth int // number of arrays and objects currently open
	// Counted by skipValue: the array elements and object members passed.
	nElems, nMembers int
	elems            slab[Value]
	members          slab[Member]
}

// Parse parses exactly one JSON value (surrounding JSON whitespace allowed).
func Parse(s string) (Value, error) { return ParseInto(s, nil, nil) }

// ParseInto is Parse, except that the members of the value's objects are
// placed in members[:n] when its capacity holds all n of them, and the
// elements of its arrays in elems likewise: a caller that knows the usual
// sizes can provide that memory, for instance inside the struct that keeps
// the result, and save an allocation. Larger trees get slices of their
// own; members and elems are then left as they are. The tree points into
// members and elems: they must not be written, nor given to another parse,
// while the tree is in use (a failed parse may have written them too).
func ParseInto(s string, members []Member, elems []Value) (Value, error) {
	if uint64(len(s)) > math.MaxUint32 {
		return Value{}, ErrTooLarge
	}
	p := parser{s: s}
	v, err := p.build(members, elems)
	if err != nil {
		return Value{}, err
	}
	p.skipWS()
	if p.i != len(p.s) {
		return Value{}, ErrSyntax
	}
	return v, nil
}

// build parses the value at the read position. An array or object is first
// checked and counted by skipValue, which allocates nothing; its tree is
// then parsed into slabs of exactly the counted sizes (the rooms, when
// large enough).
func (p *parser) build(members []Member, elems []Value) (Value, error) {
	p.skipWS()
	if p.i < len(p.s) && (p.s[p.i] == '[' || p.s[p.i] == '{') {
		start, depth := p.i, p.depth
		p.nElems, p.nMembers = 0, 0
		if err := p.skipValue(); err != nil {
			return Value{}, err
		}
		p.i, p.depth = start, depth
		p.elems = newSlab(elems, p.nElems)
		p.members = newSlab(members, p.nMembers)
	}
	var v Value
	if err := p.value(&v); err != nil {
		return Value{}, err
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
		*v = textValue(String, str)
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
	*v = Value{kind: k}
	if k == Bool {
		*v = textValue(Bool, lit)
	}
	return nil
}

// number consumes an RFC 8259 number:
//
//	-? (0 | [1-9][0-9]*) (\.[0-9]+)? ([eE][+-]?[0-9]+)?
//
// and stores its literal text in v.
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
	*v = textValue(Number, s[start:i])
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

// empty consumes the closing byte of a container just entered, if it is
// next.
func (p *parser) empty(closing byte) bool {
	if p.i < len(p.s) && p.s[p.i] == closing {
		p.i++
		p.depth--
		return true
	}
	return false
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

// array parses an array starting at '['. Its elements are stacked in the
// elements slab, and placed when it closes.
func (p *parser) array(v *Value) error {
	if err := p.enter(); err != nil {
		return err
	}
	if p.empty(']') {
		*v = Value{kind: Array}
		return nil
	}
	mark := p.elems.top
	for {
		e := p.elems.push()
		if e == nil {
			return ErrSyntax // more elements than counted: cannot happen
		}
		if err := p.value(e); err != nil {
			return err
		}
		done, err := p.closeOrComma(']')
		if err != nil {
			return err
		}
		if done {
			*v = arrayOf(p.elems.place(mark))
			return nil
		}
	}
}

// object parses an object starting at '{', refusing duplicate member names.
// Its members are stacked in the members slab, and placed when it closes.
func (p *parser) object(v *Value) error {
	if err := p.enter(); err != nil {
		return err
	}
	if p.empty('}') {
		*v = Value{kind: Object}
		return nil
	}
	mark := p.members.top
	var index map[string]struct{} // built lazily past linearDupLimit
	for {
		key, err := p.memberName()
		if err != nil {
			return err
		}
		if isDuplicate(p.members.stacked(mark), key, &index) {
			return ErrDuplicateKey
		}
		m := p.members.push()
		if m == nil {
			return ErrSyntax // more members than counted: cannot happen
		}
		m.Key = key
		if err := p.value(&m.Value); err != nil {
			return err
		}
		done, err := p.closeOrComma('}')
		if err != nil {
			return err
		}
		if done {
			*v = objectOf(p.members.place(mark))
			return nil
		}
	}
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
