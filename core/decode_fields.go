package core

import (
	"cmp"
	"reflect"
	"slices"
	"strings"
	"sync"
	"unicode"
)

// jsonField is a struct field that Claims.Decode may fill.
type jsonField struct {
	name   string // the JSON name, matched exactly
	index  []int  // reflect index path, through embedded structs
	tagged bool   // the name comes from a json tag
	quoted bool   // the ",string" option applies
}

// jsonFieldCache maps a struct type to its fields by JSON name
// (map[reflect.Type]map[string]jsonField).
var jsonFieldCache sync.Map

// cachedJSONFields returns the fields of struct type t by exact JSON name.
func cachedJSONFields(t reflect.Type) map[string]jsonField {
	if f, ok := jsonFieldCache.Load(t); ok {
		return f.(map[string]jsonField)
	}
	fields := typeJSONFields(t)
	byName := make(map[string]jsonField, len(fields))
	for _, f := range fields {
		byName[f.name] = f
	}
	f, _ := jsonFieldCache.LoadOrStore(t, byName)
	return f.(map[string]jsonField)
}

// typeJSONFields returns the fields of struct type t as encoding/json's
// typeFields resolves them: exported fields and the exported fields of
// embedded structs (breadth first), under their json tag name or else the
// Go name, "-" skipped; of several fields with one name the shallowest
// wins, a tagged one among equals, and a tie at one depth drops them all.
func typeJSONFields(t reflect.Type) []jsonField {
	var fields []jsonField
	next := []jsonField{{index: nil}}
	nextTypes := []reflect.Type{t}
	var count, nextCount map[reflect.Type]int
	visited := map[reflect.Type]bool{}
	for len(next) > 0 {
		current, currentTypes := next, nextTypes
		next, nextTypes = nil, nil
		count, nextCount = nextCount, map[reflect.Type]int{}
		for i, f := range current {
			ft := currentTypes[i]
			if visited[ft] {
				continue
			}
			visited[ft] = true
			for j := range ft.NumField() {
				sf := ft.Field(j)
				field, embedded, ok := fieldOf(sf, f.index, j)
				switch {
				case !ok:
				case embedded != nil:
					if nextCount[embedded]++; nextCount[embedded] == 1 {
						next, nextTypes = append(next, field), append(nextTypes, embedded)
					}
				default:
					fields = append(fields, field)
					if count[ft] > 1 {
						// Embedded more than once at this depth: a duplicate
						// so that dominantFields drops it.
						fields = append(fields, field)
					}
				}
			}
		}
	}
	return dominantFields(fields)
}

// fieldOf describes struct field sf, number j of a struct reached at index
// parent. ok is false for a field JSON ignores; embedded is the struct type
// to explore for an untagged embedded struct.
func fieldOf(sf reflect.StructField, parent []int, j int) (f jsonField, embedded reflect.Type, ok bool) {
	ft := sf.Type
	if ft.Name() == "" && ft.Kind() == reflect.Pointer {
		ft = ft.Elem()
	}
	if sf.Anonymous {
		if !sf.IsExported() && ft.Kind() != reflect.Struct {
			return f, nil, false
		}
	} else if !sf.IsExported() {
		return f, nil, false
	}
	tag := sf.Tag.Get("json")
	if tag == "-" {
		return f, nil, false
	}
	name, opts, _ := strings.Cut(tag, ",")
	if !validTagName(name) {
		name = ""
	}
	f.index = append(slices.Clip(parent), j)
	if name == "" && sf.Anonymous && ft.Kind() == reflect.Struct {
		return f, ft, true
	}
	f.name, f.tagged = name, name != ""
	if name == "" {
		f.name = sf.Name
	}
	f.quoted = hasTagOption(opts, "string") && quotable(ft.Kind())
	return f, nil, true
}

// dominantFields keeps, of the fields sharing a name, the one Go's
// embedding rules (modified by json tags) select, and drops a name whose
// shallowest fields tie. The result is in field index order.
func dominantFields(fields []jsonField) []jsonField {
	slices.SortFunc(fields, func(a, b jsonField) int {
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		if c := cmp.Compare(len(a.index), len(b.index)); c != 0 {
			return c
		}
		if a.tagged != b.tagged {
			if a.tagged {
				return -1
			}
			return +1
		}
		return slices.Compare(a.index, b.index)
	})
	out := fields[:0]
	for i := 0; i < len(fields); {
		n := 1
		for i+n < len(fields) && fields[i+n].name == fields[i].name {
			n++
		}
		if n == 1 || len(fields[i].index) != len(fields[i+1].index) || fields[i].tagged != fields[i+1].tagged {
			out = append(out, fields[i])
		}
		i += n
	}
	slices.SortFunc(out, func(a, b jsonField) int { return slices.Compare(a.index, b.index) })
	return out
}

// hasTagOption reports whether the comma-separated opts hold opt.
func hasTagOption(opts, opt string) bool {
	for o := range strings.SplitSeq(opts, ",") {
		if o == opt {
			return true
		}
	}
	return false
}

// quotable reports whether the ",string" option applies to kind k.
func quotable(k reflect.Kind) bool {
	switch k {
	case reflect.Bool, reflect.String, reflect.Float32, reflect.Float64,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return true
	}
	return false
}

// validTagName reports whether encoding/json accepts s as a json tag name:
// letters, digits and punctuation other than quote, backslash and comma.
func validTagName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c) && !unicode.IsLetter(c) && !unicode.IsDigit(c) {
			return false
		}
	}
	return true
}
