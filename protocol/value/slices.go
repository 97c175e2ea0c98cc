package value

import (
	"fmt"
	"reflect"
)

// Len returns the length of a slice, array, string or map (as Scatter needs to
// split it), looking through reflect.Value and yaegi's interface wrappers.
func Len(v any) (int, error) {
	rv, ok := unwrap(reflect.ValueOf(v))
	if !ok || !rv.IsValid() {
		return 0, fmt.Errorf("value: Len of %s", describe(v))
	}
	switch rv.Kind() {
	case reflect.Slice, reflect.Array, reflect.String, reflect.Map:
		return rv.Len(), nil
	}
	return 0, fmt.Errorf("value: Len of %v: not a slice, array, string or map", rv.Type())
}

// Slice returns v[i:j] for a slice or string, keeping v's type. An array yields a
// slice of its element type (an array type has its length built in), sharing the
// array's memory when v is addressable and copying it otherwise.
func Slice(v any, i, j int) (any, error) {
	rv, ok := unwrap(reflect.ValueOf(v))
	if !ok || !rv.IsValid() {
		return nil, fmt.Errorf("value: Slice of %s", describe(v))
	}
	switch rv.Kind() {
	case reflect.Slice, reflect.String:
	case reflect.Array:
		if !rv.CanAddr() {
			c := reflect.New(rv.Type()).Elem()
			c.Set(rv)
			rv = c
		}
	default:
		return nil, fmt.Errorf("value: Slice of %v: not a slice, array or string", rv.Type())
	}
	if i < 0 || j < i || j > rv.Len() {
		return nil, fmt.Errorf("value: Slice [%d:%d] out of range for length %d", i, j, rv.Len())
	}
	s := rv.Slice(i, j)
	if !s.CanInterface() {
		return nil, fmt.Errorf("value: Slice of %v: value hidden from reflect", rv.Type())
	}
	return s.Interface(), nil
}

// Concat joins parts back into one value, as Gather needs: slices (or arrays) of
// one type become one slice of that type (arrays of [N]T become []T), strings of
// one type one string. Otherwise the result is an []any of the elements of every
// slice or array part, with other parts as single elements. Nil parts are skipped;
// no parts at all give a nil []any.
func Concat(parts []any) (any, error) {
	vals := make([]reflect.Value, 0, len(parts))
	for _, p := range parts {
		rv, ok := unwrap(reflect.ValueOf(p))
		if !ok {
			return nil, fmt.Errorf("value: Concat of %s", describe(p))
		}
		if rv.IsValid() {
			vals = append(vals, rv)
		}
	}
	if len(vals) == 0 {
		return []any(nil), nil
	}
	if t, ok := commonSliceType(vals); ok {
		n := 0
		for _, v := range vals {
			n += v.Len()
		}
		out := reflect.MakeSlice(t, 0, n)
		for _, v := range vals {
			if v.Kind() == reflect.Array {
				out = reflect.AppendSlice(out, arraySlice(v))
			} else {
				out = reflect.AppendSlice(out, v)
			}
		}
		return out.Interface(), nil
	}
	if t := vals[0].Type(); t.Kind() == reflect.String {
		same := true
		n := 0
		for _, v := range vals {
			same = same && v.Type() == t
			n += v.Len()
		}
		if same {
			b := make([]byte, 0, n)
			for _, v := range vals {
				b = append(b, v.String()...)
			}
			return reflect.ValueOf(string(b)).Convert(t).Interface(), nil
		}
	}
	var out []any
	for _, v := range vals {
		switch v.Kind() {
		case reflect.Slice, reflect.Array:
			for i := range v.Len() {
				e := v.Index(i)
				if !e.CanInterface() {
					return nil, fmt.Errorf("value: Concat: element of %v hidden from reflect", v.Type())
				}
				out = append(out, e.Interface())
			}
		default:
			if !v.CanInterface() {
				return nil, fmt.Errorf("value: Concat: %v hidden from reflect", v.Type())
			}
			out = append(out, v.Interface())
		}
	}
	return out, nil
}

// commonSliceType returns the slice type all parts share: their own type when all
// are slices of one type, []E when they are slices or arrays of element type E.
func commonSliceType(vals []reflect.Value) (reflect.Type, bool) {
	var elem, same reflect.Type
	for i, v := range vals {
		k := v.Kind()
		if k != reflect.Slice && k != reflect.Array {
			return nil, false
		}
		if i == 0 {
			elem = v.Type().Elem()
			if k == reflect.Slice {
				same = v.Type()
			}
			continue
		}
		if v.Type().Elem() != elem {
			return nil, false
		}
		if v.Type() != same {
			same = nil
		}
	}
	if same != nil {
		return same, true
	}
	return reflect.SliceOf(elem), true
}

func arraySlice(v reflect.Value) reflect.Value {
	if !v.CanAddr() {
		c := reflect.New(v.Type()).Elem()
		c.Set(v)
		v = c
	}
	return v.Slice(0, v.Len())
}

func describe(v any) string {
	if v == nil {
		return "nil"
	}
	return fmt.Sprintf("%T", v)
}
