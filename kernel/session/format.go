package session

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// FormatValue renders v as a Go user reads it. Strings are quoted, numbers and
// booleans print as with %v, errors and fmt.Stringers by their method, and
// composite values in Go literal syntax without noise: []int{0, 1, 1024},
// map[string]int{"a":1}, [][]int{{1}, {2, 3}}, {X:1, Y:2} for a struct
// declared in a cell (yaegi's structs carry no name at run time), and
// time.Month-like named values by their String method. Map keys are sorted.
func FormatValue(v reflect.Value) string {
	var b strings.Builder
	formatValue(&b, v, true, 0)
	return b.String()
}

// maxFormatDepth stops runaway recursion on cyclic pointers.
const maxFormatDepth = 16

var stringerType = reflect.TypeOf((*fmt.Stringer)(nil)).Elem()

func formatValue(b *strings.Builder, v reflect.Value, withType bool, depth int) {
	if !v.IsValid() {
		b.WriteString("<nil>")
		return
	}
	if depth > maxFormatDepth {
		b.WriteString("...")
		return
	}
	if v.Kind() == reflect.Interface {
		if v.IsNil() {
			b.WriteString("<nil>")
			return
		}
		v = v.Elem()
		withType = true
	}
	if v.CanInterface() && v.Type().NumMethod() > 0 && (v.Kind() != reflect.Pointer || !v.IsNil()) {
		switch x := v.Interface().(type) {
		case error:
			b.WriteString(x.Error())
			return
		case fmt.Stringer:
			b.WriteString(x.String())
			return
		}
	}
	t := v.Type()
	typ := func() {
		if withType {
			b.WriteString(typeLabel(t))
		}
	}
	switch v.Kind() {
	case reflect.String:
		b.WriteString(strconv.Quote(v.String()))
	case reflect.Pointer:
		if v.IsNil() {
			b.WriteString("<nil>")
			return
		}
		if e := v.Elem(); e.Kind() == reflect.Struct || e.Kind() == reflect.Slice || e.Kind() == reflect.Map || e.Kind() == reflect.Array {
			b.WriteString("&")
			formatValue(b, e, withType, depth+1)
			return
		}
		fmt.Fprintf(b, "%v", v.Interface())
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			typ()
			b.WriteString("(nil)")
			return
		}
		typ()
		b.WriteString("{")
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				b.WriteString(", ")
			}
			formatValue(b, v.Index(i), false, depth+1)
		}
		b.WriteString("}")
	case reflect.Map:
		if v.IsNil() {
			typ()
			b.WriteString("(nil)")
			return
		}
		typ()
		b.WriteString("{")
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return lessValue(keys[i], keys[j]) })
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			formatValue(b, k, false, depth+1)
			b.WriteString(":")
			formatValue(b, v.MapIndex(k), false, depth+1)
		}
		b.WriteString("}")
	case reflect.Struct:
		typ()
		b.WriteString("{")
		for i := 0; i < t.NumField(); i++ {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(t.Field(i).Name)
			b.WriteString(":")
			formatValue(b, v.Field(i), false, depth+1)
		}
		b.WriteString("}")
	case reflect.Func, reflect.Chan, reflect.UnsafePointer:
		if v.IsNil() {
			b.WriteString(t.String() + "(nil)")
			return
		}
		b.WriteString(t.String())
	default:
		if v.CanInterface() {
			fmt.Fprintf(b, "%v", v.Interface())
		} else {
			fmt.Fprintf(b, "%v", v)
		}
	}
}

// typeLabel is how a composite type is written before its literal. Structs
// declared in cells have no name at run time; their long literal type is
// left out rather than printed.
func typeLabel(t reflect.Type) string {
	if t.Kind() == reflect.Struct && t.Name() == "" {
		return ""
	}
	s := t.String()
	if strings.Contains(s, "struct {") {
		return ""
	}
	return s
}

// lessValue orders map keys: numbers numerically, strings lexically, others
// by their formatted text.
func lessValue(a, b reflect.Value) bool {
	switch a.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return a.Int() < b.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return a.Uint() < b.Uint()
	case reflect.Float32, reflect.Float64:
		return a.Float() < b.Float()
	case reflect.String:
		return a.String() < b.String()
	case reflect.Bool:
		return !a.Bool() && b.Bool()
	}
	return fmt.Sprint(a) < fmt.Sprint(b)
}
