package strictjson

import (
	"math"
	"unicode/utf8"
)

// Scanner reads the top-level members of one JSON object one by one,
// without building the values the caller does not ask for: Skip checks a
// value (the RFC 8259 grammar, valid UTF-8, nesting at most MaxDepth) and
// allocates nothing; Value parses it as Parse would. It is the bounded way
// to read a JOSE header, or the iss of a claim set, before a signature is
// checked: the cost is one pass over the input (two over the values the
// caller builds), and memory only for what the caller builds.
//
// Unlike Parse, a Scanner does not refuse duplicate member names by itself
// (that would need memory for every name); a caller refuses the duplicates
// of the names it acts on, which NameIs lets it recognise without
// allocating. Values it skips are checked for syntax only, so duplicate
// names inside them are not refused either.
//
//	sc, err := strictjson.NewScanner(s)
//	for err == nil {
//		var more bool
//		if more, err = sc.Next(); !more || err != nil {
//			break
//		}
//		if sc.NameIs("alg") { v, err = sc.Value() } else { err = sc.Skip() }
//	}
type Scanner struct {
	p     parser
	name  string // raw member name between the quotes, escapes kept
	plain bool   // name has no escapes: raw is the name
	first bool   // no member read yet
}

// NewScanner starts reading the object s (surrounding JSON whitespace
// allowed). It fails when s does not start with an object.
func NewScanner(s string) (Scanner, error) {
	if uint64(len(s)) > math.MaxUint32 {
		return Scanner{}, ErrTooLarge
	}
	sc := Scanner{p: parser{s: s}, first: true}
	sc.p.skipWS()
	if sc.p.i >= len(s) || s[sc.p.i] != '{' {
		return Scanner{}, ErrSyntax
	}
	if err := sc.p.enter(); err != nil {
		return Scanner{}, err
	}
	return sc, nil
}

// Next moves to the next member and reads its name and the ':' after it.
// It returns false at the end of the object, after checking that nothing
// but whitespace follows it. The value of each member must be consumed
// with Skip or Value before Next is called again.
func (sc *Scanner) Next() (bool, error) {
	p := &sc.p
	if !sc.first {
		done, err := p.closeOrComma('}')
		if err != nil {
			return false, err
		}
		if done {
			return false, sc.end()
		}
	} else if p.empty('}') {
		return false, sc.end()
	}
	sc.first = false
	p.skipWS()
	if p.i >= len(p.s) || p.s[p.i] != '"' {
		return false, ErrSyntax
	}
	start := p.i + 1
	plain, err := p.skipStr()
	if err != nil {
		return false, err
	}
	sc.name, sc.plain = p.s[start:p.i-1], plain
	p.skipWS()
	if p.i >= len(p.s) || p.s[p.i] != ':' {
		return false, ErrSyntax
	}
	p.i++
	return true, nil
}

// end checks that only whitespace follows the object.
func (sc *Scanner) end() error {
	sc.p.skipWS()
	if sc.p.i != len(sc.p.s) {
		return ErrSyntax
	}
	return nil
}

// NameIs reports whether the current member's name, unescaped, is name. It
// does not allocate.
func (sc *Scanner) NameIs(name string) bool {
	if sc.plain {
		return sc.name == name
	}
	return unescapedEquals(sc.name, name)
}

// Value parses the current member's value as Parse would, duplicate names
// inside it refused.
func (sc *Scanner) Value() (Value, error) { return sc.p.build(nil, nil) }

// String reads the current member's value when it is a string (ok true);
// any other value is checked and skipped without being built (ok false),
// so that a member expected to be a string never costs more than its text.
func (sc *Scanner) String() (s string, ok bool, err error) {
	p := &sc.p
	p.skipWS()
	if p.i < len(p.s) && p.s[p.i] == '"' {
		s, err = p.str()
		return s, err == nil, err
	}
	return "", false, p.skipValue()
}

// Skip checks the current member's value and moves past it without
// building it.
func (sc *Scanner) Skip() error { return sc.p.skipValue() }

// Raw checks the current member's value as Skip does and returns its text
// as it appears in the input, without the whitespace around it: a
// substring of the input, for a caller that parses a nested object on its
// own (Parse refuses what Skip does not: duplicate names inside it).
func (sc *Scanner) Raw() (string, error) {
	p := &sc.p
	p.skipWS()
	start := p.i
	if err := p.skipValue(); err != nil {
		return "", err
	}
	return p.s[start:p.i], nil
}

// skipValue checks one value (the RFC 8259 grammar, valid UTF-8, nesting
// at most MaxDepth) and moves past it, allocating nothing.
func (p *parser) skipValue() error {
	p.skipWS()
	if p.i >= len(p.s) {
		return ErrSyntax
	}
	switch c := p.s[p.i]; {
	case c == '"':
		_, err := p.skipStr()
		return err
	case c == '{' || c == '[':
		return p.skipContainer(c)
	case c == 't':
		var v Value
		return p.literal(&v, "true", Null)
	case c == 'f':
		var v Value
		return p.literal(&v, "false", Null)
	case c == 'n':
		var v Value
		return p.literal(&v, "null", Null)
	case c == '-' || c >= '0' && c <= '9':
		var v Value
		return p.number(&v)
	}
	return ErrSyntax
}

// skipContainer checks an object or array starting at open, counting its
// members or elements in nMembers or nElems.
func (p *parser) skipContainer(open byte) error {
	if err := p.enter(); err != nil {
		return err
	}
	closing := byte(']')
	if open == '{' {
		closing = '}'
	}
	if p.empty(closing) {
		return nil
	}
	for {
		if open == '{' {
			if err := p.skipName(); err != nil {
				return err
			}
			p.nMembers++
		} else {
			p.nElems++
		}
		if err := p.skipValue(); err != nil {
			return err
		}
		if done, err := p.closeOrComma(closing); done || err != nil {
			return err
		}
	}
}

// skipName checks a member name and the ':' after it.
func (p *parser) skipName() error {
	p.skipWS()
	if p.i >= len(p.s) || p.s[p.i] != '"' {
		return ErrSyntax
	}
	if _, err := p.skipStr(); err != nil {
		return err
	}
	p.skipWS()
	if p.i >= len(p.s) || p.s[p.i] != ':' {
		return ErrSyntax
	}
	p.i++
	return nil
}

// skipStr checks a string starting at '"' (escapes, UTF-8, surrogate
// pairs, as str does) and moves past it without building its contents. It
// reports whether the string has no escapes.
func (p *parser) skipStr() (plain bool, err error) {
	s := p.s
	i := p.i + 1
	plain = true
	for i < len(s) {
		c := s[i]
		switch {
		case strSafe[c]:
			i++
		case c == '"':
			p.i = i + 1
			return plain, nil
		case c == '\\':
			_, n, err := decodeEscape(s[i:])
			if err != nil {
				return false, err
			}
			i, plain = i+n, false
		case c < 0x20:
			return false, ErrSyntax
		default:
			n, err := runeLen(s[i:])
			if err != nil {
				return false, err
			}
			i += n
		}
	}
	return false, ErrSyntax // unterminated
}

// unescapedEquals reports whether raw string contents (already checked by
// skipStr) unescape to want, without allocating.
func unescapedEquals(raw, want string) bool {
	var buf [utf8.UTFMax]byte
	for i := 0; i < len(raw); {
		if raw[i] != '\\' {
			if want == "" || raw[i] != want[0] {
				return false
			}
			i, want = i+1, want[1:]
			continue
		}
		r, n, err := decodeEscape(raw[i:])
		if err != nil {
			return false
		}
		enc := buf[:utf8.EncodeRune(buf[:], r)]
		if len(want) < len(enc) || want[:len(enc)] != string(enc) {
			return false
		}
		i, want = i+n, want[len(enc):]
	}
	return want == ""
}
