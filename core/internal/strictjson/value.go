package strictjson

import (
	"encoding/json"
	"math"
	"unsafe"
)

// Value is one parsed JSON value, in 16 bytes:
//   - String: Str returns the unescaped contents.
//   - Number: Str returns the literal text exactly as written (validated
//     grammar).
//   - Bool: Str returns "true" or "false".
//   - Array: Arr returns the elements; Object: Obj returns the members in
//     order.
//
// The elements of all the arrays of one parsed value share one exactly
// sized allocation, and the members of all its objects another (see
// Parse), so a Value is small and its slices are never grown. The zero
// Value is null. Compare Values with Equal: they hold pointers, so == and
// reflect.DeepEqual compare addresses.
type Value struct {
	ptr  unsafe.Pointer // the text's bytes, or the first element or member
	n    uint32         // the text's length in bytes, or the element count
	kind Kind
}

// Member is one name/value pair of an object.
type Member struct {
	Key   string
	Value Value
}

// textValue is a String, Number or Bool holding s, which the parser keeps
// shorter than 4 GiB.
func textValue(k Kind, s string) Value {
	return Value{ptr: unsafe.Pointer(unsafe.StringData(s)), n: uint32(len(s)), kind: k}
}

// StringValue returns the JSON string s (unescaped contents). It panics
// if s is 4 GiB or longer.
func StringValue(s string) Value {
	mustFit(len(s))
	return textValue(String, s)
}

// NumberValue returns the JSON number whose literal text is s, taken as it
// is: nothing checks s against the RFC 8259 grammar. It panics if s is 4
// GiB or longer.
func NumberValue(s string) Value {
	mustFit(len(s))
	return textValue(Number, s)
}

// mustFit panics when n does not fit a Value's length.
func mustFit(n int) {
	if uint64(n) > math.MaxUint32 {
		panic("strictjson: text of 4 GiB or more")
	}
}

// arrayOf is the Array whose elements are elems.
func arrayOf(elems []Value) Value {
	return Value{ptr: unsafe.Pointer(unsafe.SliceData(elems)), n: uint32(len(elems)), kind: Array}
}

// objectOf is the Object whose members are members.
func objectOf(members []Member) Value {
	return Value{ptr: unsafe.Pointer(unsafe.SliceData(members)), n: uint32(len(members)), kind: Object}
}

// Kind returns the JSON type of v.
func (v Value) Kind() Kind { return v.kind }

// Str returns the text of a String, Number or Bool, and "" for the other
// kinds.
func (v Value) Str() string {
	if v.kind == Array || v.kind == Object {
		return ""
	}
	return unsafe.String((*byte)(v.ptr), v.n)
}

// Arr returns the elements of an Array (nil when empty), and nil for the
// other kinds. The slice shares the parsed tree: do not modify it.
func (v Value) Arr() []Value {
	if v.kind != Array {
		return nil
	}
	return unsafe.Slice((*Value)(v.ptr), v.n)
}

// Obj returns the members of an Object in order (nil when empty), and nil
// for the other kinds. The slice shares the parsed tree: do not modify it.
func (v Value) Obj() []Member {
	if v.kind != Object {
		return nil
	}
	return unsafe.Slice((*Member)(v.ptr), v.n)
}

// Get returns the member named key of an object value. The pointer refers
// into the tree (v.Obj). For non-objects and absent names it returns
// (nil, false).
func (v Value) Get(key string) (*Value, bool) {
	members := v.Obj()
	for i := range members {
		if members[i].Key == key {
			return &members[i].Value, true
		}
	}
	return nil, false
}

// Equal reports whether v and w are the same JSON value, objects having
// the same members in the same order.
func (v Value) Equal(w Value) bool {
	if v.kind != w.kind || v.n != w.n {
		return false
	}
	switch v.kind {
	case Array:
		a, b := v.Arr(), w.Arr()
		for i := range a {
			if !a[i].Equal(b[i]) {
				return false
			}
		}
		return true
	case Object:
		a, b := v.Obj(), w.Obj()
		for i := range a {
			if a[i].Key != b[i].Key || !a[i].Value.Equal(b[i].Value) {
				return false
			}
		}
		return true
	}
	return v.Str() == w.Str()
}

// Interface converts v to plain Go values: nil, bool, json.Number, string,
// []any, map[string]any. Empty arrays and objects become non-nil empty
// slices and maps.
func (v Value) Interface() any {
	switch v.kind {
	case Bool:
		return v.Str() == "true"
	case Number:
		return json.Number(v.Str())
	case String:
		return v.Str()
	case Array:
		elems := v.Arr()
		a := make([]any, len(elems))
		for i := range elems {
			a[i] = elems[i].Interface()
		}
		return a
	case Object:
		members := v.Obj()
		m := make(map[string]any, len(members))
		for i := range members {
			m[members[i].Key] = members[i].Value.Interface()
		}
		return m
	default:
		return nil
	}
}
