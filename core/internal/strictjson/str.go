package strictjson

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// strSafe marks the bytes that may appear verbatim inside a string and need
// no further attention: printable ASCII other than '"' and '\\'.
var strSafe = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

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
// its length (decodeEscape decides what it means).
func unescape(b *strings.Builder, s string) (int, error) {
	r, n, err := decodeEscape(s)
	if err != nil {
		return 0, err
	}
	b.WriteRune(r)
	return n, nil
}

// decodeEscape decodes the escape sequence at the start of s (a backslash)
// and returns its rune and length: the one decoder of escapes, for the
// parser (unescape) and the Scanner.
func decodeEscape(s string) (rune, int, error) {
	if len(s) < 2 {
		return 0, 0, ErrSyntax
	}
	switch s[1] {
	case '"', '\\', '/':
		return rune(s[1]), 2, nil
	case 'b':
		return '\b', 2, nil
	case 'f':
		return '\f', 2, nil
	case 'n':
		return '\n', 2, nil
	case 'r':
		return '\r', 2, nil
	case 't':
		return '\t', 2, nil
	case 'u':
		return decodeU(s)
	}
	return 0, 0, ErrSyntax
}

// decodeU decodes a \uXXXX escape or a surrogate pair, refusing unpaired
// surrogates as unescapeU does.
func decodeU(s string) (rune, int, error) {
	r, ok := hex4(s[2:])
	if !ok {
		return 0, 0, ErrSyntax
	}
	if !utf16.IsSurrogate(r) {
		return r, 6, nil
	}
	if r >= 0xDC00 || len(s) < 12 || s[6] != '\\' || s[7] != 'u' {
		return 0, 0, ErrInvalidUTF8 // lone low, or high not followed by \u
	}
	r2, ok := hex4(s[8:])
	if !ok {
		return 0, 0, ErrSyntax
	}
	if r2 < 0xDC00 || r2 > 0xDFFF {
		return 0, 0, ErrInvalidUTF8 // high followed by a non-low escape
	}
	return utf16.DecodeRune(r, r2), 12, nil
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
