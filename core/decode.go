package core

import (
	"encoding"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/axiomsgo/axioms/core/internal/strictjson"
)

// Claims.Decode fills Go values from the parsed, verified claim tree
// (Claims.root) by reflection, instead of handing the payload to
// encoding/json. encoding/json matches member names to struct fields
// case-insensitively and with Unicode folding, so {"SCOPE":"admin"} or
// {"ſub":"root"} would fill fields the accessors never read. Filtering the
// payload by the target's exact names before calling encoding/json does not
// work either: the names to keep depend on the Go type at each depth, and
// below a map, an interface or a json.Unmarshaler they are not known.
//
// Walking the tree keeps one rule everywhere: a member fills a struct field
// only under the field's exact JSON name. Everything else follows
// encoding/json (field resolution, indirection, Unmarshalers, numbers,
// ",string"), so the code below mirrors encoding/json's decode.go and
// typeFields, minus folding. A json.Unmarshaler is given the value
// re-encoded from the tree (appendJSON), as the tree keeps no byte offsets.

var (
	jsonNumberType      = reflect.TypeFor[json.Number]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// decodeTree fills v, a non-nil pointer, from root.
func decodeTree(root *strictjson.Value, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return &json.InvalidUnmarshalError{Type: reflect.TypeOf(v)}
	}
	return decodeValue(root, rv.Elem())
}

// decodeValue fills v from val, first giving an Unmarshaler met on the way
// through v's pointers the value.
func decodeValue(val *strictjson.Value, v reflect.Value) error {
	u, ut, pv := indirect(v, val.Kind() == strictjson.Null)
	switch {
	case u != nil:
		return u.UnmarshalJSON(appendJSON(nil, val))
	case ut != nil && val.Kind() == strictjson.String:
		return ut.UnmarshalText([]byte(val.Str()))
	case ut != nil:
		return typeError(val, v.Type())
	}
	switch val.Kind() {
	case strictjson.Object:
		return decodeObject(val, pv)
	case strictjson.Array:
		return decodeArray(val, pv)
	case strictjson.Null:
		switch pv.Kind() {
		case reflect.Interface, reflect.Pointer, reflect.Map, reflect.Slice:
			pv.SetZero()
		}
		return nil // as encoding/json: null leaves other kinds as they are
	}
	return decodeScalar(val, pv)
}

// decodeScalar fills v from a string, number or bool.
func decodeScalar(val *strictjson.Value, v reflect.Value) error {
	if v.Kind() == reflect.Interface && v.NumMethod() == 0 {
		v.Set(reflect.ValueOf(val.Interface()))
		return nil
	}
	switch val.Kind() {
	case strictjson.Bool:
		if v.Kind() == reflect.Bool {
			v.SetBool(val.Str() == "true")
			return nil
		}
	case strictjson.String:
		return decodeString(val, v)
	case strictjson.Number:
		return decodeNumber(val, v)
	}
	return typeError(val, v.Type())
}

// decodeString fills v from a JSON string: a string kind, or base64 into
// []byte. A json.Number takes only a valid number literal.
func decodeString(val *strictjson.Value, v reflect.Value) error {
	switch {
	case v.Type() == jsonNumberType:
		if n, err := strictjson.Parse(val.Str()); err != nil || n.Kind() != strictjson.Number || n.Str() != val.Str() {
			return fmt.Errorf("core: Decode: invalid number literal %q for json.Number", val.Str())
		}
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8:
		b, err := base64.StdEncoding.DecodeString(val.Str())
		if err != nil {
			return err
		}
		v.SetBytes(b)
		return nil
	case v.Kind() != reflect.String:
		return typeError(val, v.Type())
	}
	v.SetString(val.Str())
	return nil
}

// decodeNumber fills v from a JSON number, refusing one that v's kind cannot
// hold exactly in range (a fraction into an integer, 300 into an int8).
func decodeNumber(val *strictjson.Value, v reflect.Value) error {
	s := val.Str()
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v.OverflowInt(n) {
			return numberError(s, v.Type())
		}
		v.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil || v.OverflowUint(n) {
			return numberError(s, v.Type())
		}
		v.SetUint(n)
	case reflect.Float32, reflect.Float64:
		n, err := strconv.ParseFloat(s, v.Type().Bits())
		if err != nil || v.OverflowFloat(n) {
			return numberError(s, v.Type())
		}
		v.SetFloat(n)
	default:
		if v.Type() != jsonNumberType {
			return typeError(val, v.Type())
		}
		v.SetString(s)
	}
	return nil
}

// decodeArray fills a slice (reusing its array when large enough), an array
// (zeroing elements past the JSON array, ignoring JSON elements past its
// length) or an empty interface.
func decodeArray(val *strictjson.Value, v reflect.Value) error {
	switch v.Kind() {
	case reflect.Interface:
		if v.NumMethod() == 0 {
			v.Set(reflect.ValueOf(val.Interface()))
			return nil
		}
	case reflect.Slice:
		elems := val.Arr()
		n := len(elems)
		if n > v.Cap() {
			grown := reflect.MakeSlice(v.Type(), n, n)
			reflect.Copy(grown, v)
			v.Set(grown)
		}
		v.SetLen(n)
		if n == 0 {
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
		}
		return decodeElems(elems, v)
	case reflect.Array:
		elems := val.Arr()
		for i := len(elems); i < v.Len(); i++ {
			v.Index(i).SetZero()
		}
		return decodeElems(elems[:min(len(elems), v.Len())], v)
	}
	return typeError(val, v.Type())
}

// decodeElems fills v's first len(elems) elements.
func decodeElems(elems []strictjson.Value, v reflect.Value) error {
	for i := range elems {
		if err := decodeValue(&elems[i], v.Index(i)); err != nil {
			return err
		}
	}
	return nil
}

// decodeObject fills a struct (exact names only), a map or an empty
// interface.
func decodeObject(val *strictjson.Value, v reflect.Value) error {
	switch v.Kind() {
	case reflect.Interface:
		if v.NumMethod() == 0 {
			v.Set(reflect.ValueOf(val.Interface()))
			return nil
		}
	case reflect.Struct:
		return decodeStruct(val.Obj(), v)
	case reflect.Map:
		if mapKeyOK(v.Type().Key()) {
			return decodeMap(val.Obj(), v)
		}
	}
	return typeError(val, v.Type())
}

// decodeStruct fills the fields of v whose JSON name equals a member name
// exactly; other members are ignored.
func decodeStruct(members []strictjson.Member, v reflect.Value) error {
	fields := cachedJSONFields(v.Type())
	for i := range members {
		m := &members[i]
		f, ok := fields[m.Key]
		if !ok {
			continue
		}
		fv, err := fieldByIndex(v, f.index)
		if err == nil {
			err = decodeMember(&m.Value, fv, f.quoted)
		}
		if err != nil {
			return withField(err, f.name, v.Type())
		}
	}
	return nil
}

// fieldByIndex returns the field of v at index, allocating nil embedded
// struct pointers on the way.
func fieldByIndex(v reflect.Value, index []int) (reflect.Value, error) {
	for _, x := range index {
		if v.Kind() == reflect.Pointer {
			if v.IsNil() {
				if !v.CanSet() {
					return v, fmt.Errorf("core: Decode: cannot set embedded pointer to unexported struct %v", v.Type().Elem())
				}
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v, nil
}

// decodeMember fills a struct field; quoted is the ",string" option: the
// value is a JSON string holding the JSON text of a scalar (or null).
func decodeMember(val *strictjson.Value, v reflect.Value, quoted bool) error {
	if !quoted || val.Kind() == strictjson.Null {
		return decodeValue(val, v)
	}
	if s := val.Str(); val.Kind() == strictjson.String && strings.TrimSpace(s) == s {
		inner, err := strictjson.Parse(s)
		if err == nil && inner.Kind() != strictjson.Array && inner.Kind() != strictjson.Object {
			return decodeValue(&inner, v)
		}
	}
	return fmt.Errorf("core: Decode: invalid use of ,string struct tag: %s into %v", kindName(val), v.Type())
}

// mapKeyOK reports whether encoding/json accepts t as a map key type.
func mapKeyOK(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.String, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return true
	}
	return reflect.PointerTo(t).Implements(textUnmarshalerType)
}

// decodeMap adds one entry to v per member; each value is decoded into a
// fresh zero element. Keys are taken exactly as they are.
func decodeMap(members []strictjson.Member, v reflect.Value) error {
	t := v.Type()
	if v.IsNil() {
		v.Set(reflect.MakeMapWithSize(t, len(members)))
	}
	elem := reflect.New(t.Elem()).Elem()
	for i := range members {
		m := &members[i]
		elem.SetZero()
		if err := decodeValue(&m.Value, elem); err != nil {
			return err // as encoding/json, the error's Field names no map key
		}
		key, err := mapKey(m.Key, t.Key())
		if err != nil {
			return err
		}
		v.SetMapIndex(key, elem)
	}
	return nil
}

// mapKey converts a member name to a map key of type t, as encoding/json
// does: a TextUnmarshaler first, then string kinds, then integers.
func mapKey(name string, t reflect.Type) (reflect.Value, error) {
	k := reflect.New(t).Elem()
	var err error
	switch {
	case reflect.PointerTo(t).Implements(textUnmarshalerType):
		s := strictjson.StringValue(name)
		err = decodeValue(&s, k)
	case t.Kind() == reflect.String:
		k.SetString(name)
	default:
		n := strictjson.NumberValue(name)
		err = decodeNumber(&n, k)
	}
	return k, err
}

// typeError is the *json.UnmarshalTypeError of val into t.
func typeError(val *strictjson.Value, t reflect.Type) error {
	return &json.UnmarshalTypeError{Value: kindName(val), Type: t}
}

// numberError is the *json.UnmarshalTypeError of a number that t cannot
// hold.
func numberError(s string, t reflect.Type) error {
	return &json.UnmarshalTypeError{Value: "number " + s, Type: t}
}

// kindName names val's JSON type as encoding/json's errors do.
func kindName(val *strictjson.Value) string {
	return [...]string{"null", "bool", "number", "string", "array", "object"}[val.Kind()]
}

// withField prefixes a *json.UnmarshalTypeError's Field with name, the JSON
// name of a field of structType, and sets its Struct to the innermost struct
// type's name; other errors pass as they are.
func withField(err error, name string, structType reflect.Type) error {
	e, ok := err.(*json.UnmarshalTypeError)
	if !ok {
		return err
	}
	if e.Field == "" {
		e.Field = name
	} else {
		e.Field = name + "." + e.Field
	}
	if e.Struct == "" {
		e.Struct = structType.Name()
	}
	return e
}
