package parallel

import (
	"fmt"
	"reflect"
)

// partition returns the [lo, hi) bounds of part p of n items split into q parts the
// way IPython Parallel's scatter and DirectView.map split them: the first n%q parts
// get one extra item, so 10 over 4 is 3,3,2,2 and 7 over 4 is 2,2,2,1.
func partition(n, q, p int) (lo, hi int) {
	base, rem := n/q, n%q
	if p < rem {
		lo = p * (base + 1)
		return lo, lo + base + 1
	}
	lo = p*base + rem
	return lo, lo + base
}

// chunkSizes returns the sizes of the q parts of n items (see partition).
func chunkSizes(n, q int) []int {
	sizes := make([]int, q)
	for p := range sizes {
		lo, hi := partition(n, q, p)
		sizes[p] = hi - lo
	}
	return sizes
}

// sequence checks that seq is a slice or an array and returns it as a reflect.Value
// of kind Slice (arrays are copied into a slice, so chunks keep the element type).
func sequence(seq any) (reflect.Value, error) {
	v := reflect.ValueOf(seq)
	switch v.Kind() {
	case reflect.Slice:
		return v, nil
	case reflect.Array:
		s := reflect.MakeSlice(reflect.SliceOf(v.Type().Elem()), v.Len(), v.Len())
		reflect.Copy(s, v)
		return s, nil
	case reflect.String:
		return reflect.Value{}, fmt.Errorf("parallel: a string is not a sequence; use []string or []byte(s)")
	}
	return reflect.Value{}, fmt.Errorf("parallel: %T is not a slice or array", seq)
}

// split cuts seq into q contiguous parts (see partition). Parts are sub-slices of seq,
// not copies.
func split(seq reflect.Value, q int) []reflect.Value {
	parts := make([]reflect.Value, q)
	for p := range parts {
		lo, hi := partition(seq.Len(), q, p)
		parts[p] = seq.Slice3(lo, hi, hi)
	}
	return parts
}

// chunks cuts seq into consecutive parts of at most size items.
func chunks(seq reflect.Value, size int) []reflect.Value {
	if size < 1 {
		size = 1
	}
	var parts []reflect.Value
	for lo := 0; lo < seq.Len(); lo += size {
		hi := min(lo+size, seq.Len())
		parts = append(parts, seq.Slice3(lo, hi, hi))
	}
	return parts
}

// autoChunkSize picks a load-balanced map's chunk size: about four chunks per engine,
// so a slow engine or task costs little imbalance while each message carries enough
// work to amortise its round trip, bounded so no chunk is huge.
func autoChunkSize(n, engines int) int {
	if engines < 1 {
		engines = 1
	}
	size := (n + 4*engines - 1) / (4 * engines)
	return max(1, min(size, 4096))
}

// concat joins slices into one. When every element has the same type the result
// is a slice of it (parts of []int give an []int); otherwise an []any. A part that is
// not a slice (a flattened scatter part) counts as one element.
func concat(parts []any) any {
	var elem reflect.Type
	same := true
	total := 0
	note := func(t reflect.Type) {
		if elem == nil {
			elem = t
		} else if t != elem {
			same = false
		}
	}
	for _, p := range parts {
		v := reflect.ValueOf(p)
		if v.Kind() != reflect.Slice {
			total++
			if p == nil {
				same = false
				continue
			}
			note(v.Type())
			continue
		}
		total += v.Len()
		note(v.Type().Elem())
	}
	if same && elem != nil {
		out := reflect.MakeSlice(reflect.SliceOf(elem), 0, total)
		for _, p := range parts {
			v := reflect.ValueOf(p)
			if v.Kind() == reflect.Slice {
				out = reflect.AppendSlice(out, v)
			} else {
				out = reflect.Append(out, v)
			}
		}
		return out.Interface()
	}
	out := make([]any, 0, total)
	for _, p := range parts {
		v := reflect.ValueOf(p)
		if v.Kind() != reflect.Slice {
			out = append(out, p)
			continue
		}
		for i := range v.Len() {
			out = append(out, v.Index(i).Interface())
		}
	}
	return out
}

// gatherSlice turns values of the same dynamic type into a slice of that type (four
// ints give an []int), and anything else into an []any, so per-engine results keep
// their Go types.
func gatherSlice(vals []any) any {
	if len(vals) == 0 {
		return []any{}
	}
	t := reflect.TypeOf(vals[0])
	for _, v := range vals {
		if v == nil || reflect.TypeOf(v) != t {
			return vals
		}
	}
	out := reflect.MakeSlice(reflect.SliceOf(t), len(vals), len(vals))
	for i, v := range vals {
		out.Index(i).Set(reflect.ValueOf(v))
	}
	return out.Interface()
}
