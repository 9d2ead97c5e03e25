package core

import (
	"encoding"
	"encoding/json"
	"reflect"

	"github.com/axiomsgo/axioms/core/internal/strictjson"
)

// How Claims.Decode finds a json.Unmarshaler or encoding.TextUnmarshaler
// in the target, and the JSON text it gives a json.Unmarshaler.

// indirect walks down v through pointers (allocating nil ones) and
// interfaces holding non-nil pointers, as encoding/json's indirect does. It
// stops at, and returns, the first json.Unmarshaler or
// encoding.TextUnmarshaler; with null it stops at the first settable
// pointer, so that it can be set to nil.
func indirect(v reflect.Value, null bool) (json.Unmarshaler, encoding.TextUnmarshaler, reflect.Value) {
	v0, haveAddr := v, false
	if v.Kind() != reflect.Pointer && v.Type().Name() != "" && v.CanAddr() {
		haveAddr, v = true, v.Addr()
	}
	for {
		if v.Kind() == reflect.Interface && !v.IsNil() {
			if e := v.Elem(); e.Kind() == reflect.Pointer && !e.IsNil() && (!null || e.Elem().Kind() == reflect.Pointer) {
				haveAddr, v = false, e
				continue
			}
		}
		if v.Kind() != reflect.Pointer || null && v.CanSet() {
			return nil, nil, v
		}
		if v.Elem().Kind() == reflect.Interface && v.Elem().Elem().Equal(v) {
			return nil, nil, v.Elem() // an interface holding its own address
		}
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		if v.Type().NumMethod() > 0 && v.CanInterface() {
			if u, ok := reflect.TypeAssert[json.Unmarshaler](v); ok {
				return u, nil, reflect.Value{}
			}
			if ut, ok := reflect.TypeAssert[encoding.TextUnmarshaler](v); ok && !null {
				return nil, ut, reflect.Value{}
			}
		}
		if haveAddr {
			haveAddr, v = false, v0 // keep v0's flags (golang.org/issue/24153)
		} else {
			v = v.Elem()
		}
	}
}

// appendJSON appends v as JSON text: the same value as the signed payload's,
// though escapes and spacing may differ.
func appendJSON(b []byte, v *strictjson.Value) []byte {
	switch v.Kind() {
	case strictjson.Null:
		return append(b, "null"...)
	case strictjson.String:
		return appendJSONString(b, v.Str())
	case strictjson.Array:
		b = append(b, '[')
		elems := v.Arr()
		for i := range elems {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSON(b, &elems[i])
		}
		return append(b, ']')
	case strictjson.Object:
		b = append(b, '{')
		members := v.Obj()
		for i := range members {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(appendJSONString(b, members[i].Key), ':')
			b = appendJSON(b, &members[i].Value)
		}
		return append(b, '}')
	}
	return append(b, v.Str()...) // bool and number: the literal text
}

// appendJSONString appends s, valid UTF-8, as a JSON string: '"' and '\\'
// are escaped, control characters as \u00XX, everything else is verbatim.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		if c < 0x20 {
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		} else {
			b = append(b, '\\', c)
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
