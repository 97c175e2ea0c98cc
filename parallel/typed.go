package parallel

import (
	"fmt"
	"reflect"
)

// Ints returns a result as an []int, so a notebook can sum it without asserting
// each element: v may be an []int, any slice of integers (converted), or an []any
// holding them. Like a type assertion, it panics when v holds anything else; use
// [AsyncResult.Into] for an error instead.
func Ints(v any) []int {
	var out []int
	mustAssign(&out, v)
	return out
}

// Floats returns a result as a []float64; see [Ints].
func Floats(v any) []float64 {
	var out []float64
	mustAssign(&out, v)
	return out
}

// Strings returns a result as a []string; see [Ints].
func Strings(v any) []string {
	var out []string
	mustAssign(&out, v)
	return out
}

// Values returns a result as an []any of its elements, whatever its slice type.
func Values(v any) []any {
	var out []any
	mustAssign(&out, v)
	return out
}

func mustAssign(dst, v any) {
	if err := assign(dst, v); err != nil {
		panic(err)
	}
}

// Into stores v, a result of this package, in the variable dst points to,
// converting element by element where needed (an []any of ints fills an []int, an
// []int fills a []float64).
func Into(v any, dst any) error { return assign(dst, v) }

func assign(dst, v any) error {
	d := reflect.ValueOf(dst)
	if d.Kind() != reflect.Pointer || d.IsNil() {
		return fmt.Errorf("parallel: Into needs a non-nil pointer, got %T", dst)
	}
	return convertInto(d.Elem(), reflect.ValueOf(v), "result")
}

func convertInto(dst, src reflect.Value, path string) error {
	if !src.IsValid() {
		dst.SetZero()
		return nil
	}
	if src.Kind() == reflect.Interface {
		src = src.Elem()
		if !src.IsValid() {
			dst.SetZero()
			return nil
		}
	}
	if src.Type().AssignableTo(dst.Type()) {
		dst.Set(src)
		return nil
	}
	if dst.Kind() == reflect.Slice && (src.Kind() == reflect.Slice || src.Kind() == reflect.Array) {
		out := reflect.MakeSlice(dst.Type(), src.Len(), src.Len())
		for i := range src.Len() {
			if err := convertInto(out.Index(i), src.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		dst.Set(out)
		return nil
	}
	if numeric(src.Kind()) && numeric(dst.Kind()) && src.Type().ConvertibleTo(dst.Type()) {
		dst.Set(src.Convert(dst.Type()))
		return nil
	}
	return fmt.Errorf("parallel: cannot store %s of type %s in %s", path, src.Type(), dst.Type())
}

func numeric(k reflect.Kind) bool {
	return (k >= reflect.Int && k <= reflect.Float64) || k == reflect.Uintptr
}

// Range returns the ints of Python's range: Range(n) is 0..n-1, Range(a, b) is
// a..b-1, Range(a, b, step) steps by step (which may be negative). It is the
// sequence the lecture's examples map over.
func Range(args ...int) []int {
	start, stop, step := 0, 0, 1
	switch len(args) {
	case 1:
		stop = args[0]
	case 2:
		start, stop = args[0], args[1]
	case 3:
		start, stop, step = args[0], args[1], args[2]
	default:
		panic("parallel: Range takes 1 to 3 arguments")
	}
	if step == 0 {
		panic("parallel: Range step cannot be zero")
	}
	var out []int
	for i := start; (step > 0 && i < stop) || (step < 0 && i > stop); i += step {
		out = append(out, i)
	}
	if out == nil {
		out = []int{}
	}
	return out
}
