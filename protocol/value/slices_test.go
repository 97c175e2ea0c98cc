package value

import (
	"reflect"
	"testing"
)

func TestLen(t *testing.T) {
	tests := []struct {
		v    any
		want int
	}{
		{[]int{1, 2, 3}, 3},
		{[4]string{}, 4},
		{"héllo", 6},
		{map[int]int{1: 1}, 1},
		{reflect.ValueOf([]byte("ab")), 2},
		{Vector{1}, 1},
	}
	for _, tc := range tests {
		if got, err := Len(tc.v); err != nil || got != tc.want {
			t.Errorf("Len(%T) = %d, %v; want %d", tc.v, got, err, tc.want)
		}
	}
	for _, v := range []any{nil, 5, struct{}{}} {
		if _, err := Len(v); err == nil {
			t.Errorf("Len(%T): no error", v)
		}
	}
}

func TestSlice(t *testing.T) {
	tests := []struct {
		v    any
		i, j int
		want any
	}{
		{[]int{1, 2, 3, 4}, 1, 3, []int{2, 3}},
		{Vector{1, 2, 3}, 0, 2, Vector{1, 2}},
		{"hello", 1, 4, "ell"},
		{[4]int{1, 2, 3, 4}, 2, 4, []int{3, 4}},
		{[]any{1, "a"}, 0, 0, []any{}},
	}
	for _, tc := range tests {
		got, err := Slice(tc.v, tc.i, tc.j)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Slice(%v, %d, %d) = %#v, %v; want %#v", tc.v, tc.i, tc.j, got, err, tc.want)
		}
	}
	for _, bad := range []struct {
		v    any
		i, j int
	}{{[]int{1}, 0, 2}, {[]int{1}, -1, 1}, {[]int{1, 2}, 2, 1}, {5, 0, 0}, {nil, 0, 0}} {
		if _, err := Slice(bad.v, bad.i, bad.j); err == nil {
			t.Errorf("Slice(%v, %d, %d): no error", bad.v, bad.i, bad.j)
		}
	}
}

func TestConcat(t *testing.T) {
	tests := []struct {
		name  string
		parts []any
		want  any
	}{
		{"ints", []any{[]int{1, 2}, []int{3}, []int(nil), []int{}}, []int{1, 2, 3}},
		{"named", []any{Vector{1}, Vector{2}}, Vector{1, 2}},
		{"named and plain", []any{Vector{1}, []float64{2}}, []float64{1, 2}},
		{"arrays", []any{[2]int{1, 2}, [1]int{3}, []int{4}}, []int{1, 2, 3, 4}},
		{"strings", []any{"ab", "c"}, "abc"},
		{"structs", []any{[]Point{{X: 1}}, []Point{{X: 2}}}, []Point{{X: 1}, {X: 2}}},
		{"mixed", []any{[]int{1}, []int32{2}, "s", 3.5}, []any{1, int32(2), "s", 3.5}},
		{"nil parts skipped", []any{nil, []int{1}, nil}, []int{1}},
		{"none", nil, []any(nil)},
		{"reflect values", []any{reflect.ValueOf([]int{1}), []int{2}}, []int{1, 2}},
		{"scalars", []any{1, 2}, []any{1, 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Concat(tc.parts)
			if err != nil {
				t.Fatal(err)
			}
			if reflect.TypeOf(got) != reflect.TypeOf(tc.want) || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %#v (%T), want %#v (%T)", got, got, tc.want, tc.want)
			}
		})
	}
}

// TestScatterGather splits like Scatter (10 items over 4 engines as 3,3,2,2),
// sends each part through the wire and joins them again.
func TestScatterGather(t *testing.T) {
	data := seq[float64](10)
	n, err := Len(data)
	if err != nil {
		t.Fatal(err)
	}
	var parts []any
	start := 0
	for k := range 4 {
		size := n / 4
		if k < n%4 {
			size++
		}
		part, err := Slice(data, start, start+size)
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, roundTrip(t, part, nil))
		start += size
	}
	got, err := Concat(parts)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, data) {
		t.Fatalf("got %v", got)
	}
}
