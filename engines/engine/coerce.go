package engine

import (
	"fmt"
	"reflect"
)

// bindArgs converts decoded arguments to the parameter types of a function of
// type ft, packing extra arguments into a variadic parameter's elements.
func bindArgs(ft reflect.Type, args []any) ([]reflect.Value, error) {
	nin := ft.NumIn()
	fixed := nin
	if ft.IsVariadic() {
		fixed--
		if len(args) < fixed {
			return nil, fmt.Errorf("function takes at least %d arguments, got %d", fixed, len(args))
		}
	} else if len(args) != nin {
		return nil, fmt.Errorf("function takes %d arguments, got %d", nin, len(args))
	}
	in := make([]reflect.Value, len(args))
	for i, a := range args {
		t := ft.In(min(i, nin-1))
		if i >= fixed && ft.IsVariadic() {
			t = ft.In(nin - 1).Elem()
		}
		v, err := coerce(reflect.ValueOf(a), t)
		if err != nil {
			return nil, fmt.Errorf("argument %d: %w", i, err)
		}
		in[i] = v
	}
	return in, nil
}

// coerce converts a decoded value to t. Decoded values have the sender's types,
// or their structure when the type is one the decoder does not know (a struct
// declared in the notebook arrives as an unnamed struct, a named float as a
// float64), so conversion goes as deep as slices, arrays, maps, pointers and
// struct fields. Numbers convert only without loss of kind: an int is not
// silently truncated from a float.
func coerce(v reflect.Value, t reflect.Type) (reflect.Value, error) {
	return coerceDepth(v, t, 0)
}

func coerceDepth(v reflect.Value, t reflect.Type, depth int) (reflect.Value, error) {
	if depth > 100 {
		return reflect.Value{}, fmt.Errorf("value nests too deeply for %s", t)
	}
	for v.IsValid() && v.Kind() == reflect.Interface {
		if v.IsNil() {
			return reflect.Zero(t), nil
		}
		v = v.Elem()
	}
	if !v.IsValid() {
		switch t.Kind() {
		case reflect.Interface, reflect.Pointer, reflect.Slice, reflect.Map, reflect.Func, reflect.Chan:
			return reflect.Zero(t), nil
		}
		return reflect.Value{}, fmt.Errorf("cannot use nil as %s", t)
	}
	vt := v.Type()
	if vt == t || vt.AssignableTo(t) {
		if vt != t {
			nv := reflect.New(t).Elem()
			nv.Set(v)
			return nv, nil
		}
		return v, nil
	}
	mismatch := fmt.Errorf("cannot use %s as %s", vt, t)
	switch t.Kind() {
	case reflect.Interface:
		return reflect.Value{}, mismatch // not assignable: does not implement it
	case reflect.Slice:
		if v.Kind() != reflect.Slice && v.Kind() != reflect.Array {
			return reflect.Value{}, mismatch
		}
		if v.Kind() == reflect.Slice && v.IsNil() {
			return reflect.Zero(t), nil
		}
		out := reflect.MakeSlice(t, v.Len(), v.Len())
		for i := range v.Len() {
			e, err := coerceDepth(v.Index(i), t.Elem(), depth+1)
			if err != nil {
				return reflect.Value{}, fmt.Errorf("[%d]: %w", i, err)
			}
			out.Index(i).Set(e)
		}
		return out, nil
	case reflect.Array:
		if (v.Kind() != reflect.Slice && v.Kind() != reflect.Array) || v.Len() != t.Len() {
			return reflect.Value{}, mismatch
		}
		out := reflect.New(t).Elem()
		for i := range v.Len() {
			e, err := coerceDepth(v.Index(i), t.Elem(), depth+1)
			if err != nil {
				return reflect.Value{}, fmt.Errorf("[%d]: %w", i, err)
			}
			out.Index(i).Set(e)
		}
		return out, nil
	case reflect.Map:
		if v.Kind() != reflect.Map {
			return reflect.Value{}, mismatch
		}
		if v.IsNil() {
			return reflect.Zero(t), nil
		}
		out := reflect.MakeMapWithSize(t, v.Len())
		it := v.MapRange()
		for it.Next() {
			k, err := coerceDepth(it.Key(), t.Key(), depth+1)
			if err != nil {
				return reflect.Value{}, fmt.Errorf("key: %w", err)
			}
			e, err := coerceDepth(it.Value(), t.Elem(), depth+1)
			if err != nil {
				return reflect.Value{}, fmt.Errorf("[%v]: %w", it.Key(), err)
			}
			out.SetMapIndex(k, e)
		}
		return out, nil
	case reflect.Pointer:
		if v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return reflect.Zero(t), nil
			}
			v = v.Elem()
		}
		e, err := coerceDepth(v, t.Elem(), depth+1)
		if err != nil {
			return reflect.Value{}, err
		}
		p := reflect.New(t.Elem())
		p.Elem().Set(e)
		return p, nil
	case reflect.Struct:
		if v.Kind() != reflect.Struct {
			return reflect.Value{}, mismatch
		}
		if vt.ConvertibleTo(t) {
			return v.Convert(t), nil
		}
		if vt.NumField() != t.NumField() {
			return reflect.Value{}, mismatch
		}
		out := reflect.New(t).Elem()
		for i := range t.NumField() {
			if vt.Field(i).Name != t.Field(i).Name || !out.Field(i).CanSet() {
				return reflect.Value{}, mismatch
			}
			f, err := coerceDepth(v.Field(i), t.Field(i).Type, depth+1)
			if err != nil {
				return reflect.Value{}, fmt.Errorf(".%s: %w", t.Field(i).Name, err)
			}
			out.Field(i).Set(f)
		}
		return out, nil
	}
	if numericOK(v, t) {
		return v.Convert(t), nil
	}
	return reflect.Value{}, mismatch
}

// numericOK reports whether converting v to t keeps its meaning: the same kind
// (a named type over it), an integer that fits, or an integer to a float.
func numericOK(v reflect.Value, t reflect.Type) bool {
	vk, tk := v.Kind(), t.Kind()
	if vk == tk {
		return v.Type().ConvertibleTo(t)
	}
	switch {
	case isInt(vk) && isInt(tk):
		return !reflect.Zero(t).OverflowInt(v.Int())
	case isUint(vk) && isUint(tk):
		return !reflect.Zero(t).OverflowUint(v.Uint())
	case isInt(vk) && isUint(tk):
		return v.Int() >= 0 && !reflect.Zero(t).OverflowUint(uint64(v.Int()))
	case isUint(vk) && isInt(tk):
		return v.Uint() <= 1<<63-1 && !reflect.Zero(t).OverflowInt(int64(v.Uint()))
	case (isInt(vk) || isUint(vk)) && (tk == reflect.Float32 || tk == reflect.Float64):
		return true
	case vk == reflect.Float32 && tk == reflect.Float64:
		return true
	}
	return false
}

func isInt(k reflect.Kind) bool { return k >= reflect.Int && k <= reflect.Int64 }

func isUint(k reflect.Kind) bool { return k >= reflect.Uint && k <= reflect.Uintptr }
