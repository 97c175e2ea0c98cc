package engine

import (
	"reflect"
	"testing"
)

type celsius float64

type point struct{ X, Y int }

func TestCoerce(t *testing.T) {
	for _, c := range []struct {
		in   any
		to   reflect.Type
		want any
		ok   bool
	}{
		{3, reflect.TypeFor[int](), 3, true},
		{3, reflect.TypeFor[float64](), 3.0, true},
		{3.5, reflect.TypeFor[int](), nil, false},
		{300, reflect.TypeFor[int8](), nil, false},
		{1.5, reflect.TypeFor[celsius](), celsius(1.5), true},
		{[]any{1, 2}, reflect.TypeFor[[]int](), []int{1, 2}, true},
		{[]int{1, 2}, reflect.TypeFor[[2]int](), [2]int{1, 2}, true},
		{map[string]any{"a": 1}, reflect.TypeFor[map[string]int](), map[string]int{"a": 1}, true},
		{struct{ X, Y int }{1, 2}, reflect.TypeFor[point](), point{1, 2}, true},
		{[]struct{ X, Y int }{{1, 2}}, reflect.TypeFor[[]point](), []point{{1, 2}}, true},
		{nil, reflect.TypeFor[[]int](), []int(nil), true},
		{nil, reflect.TypeFor[int](), nil, false},
		{"s", reflect.TypeFor[any](), "s", true},
		{"s", reflect.TypeFor[int](), nil, false},
		{5, reflect.TypeFor[*int](), func() any { v := 5; return &v }(), true},
	} {
		got, err := coerce(reflect.ValueOf(c.in), c.to)
		if (err == nil) != c.ok {
			t.Errorf("%#v → %s: err %v, want ok=%v", c.in, c.to, err, c.ok)
			continue
		}
		if c.ok && !reflect.DeepEqual(got.Interface(), c.want) {
			t.Errorf("%#v → %s: got %#v, want %#v", c.in, c.to, got.Interface(), c.want)
		}
	}
}

func TestBindArgsVariadic(t *testing.T) {
	ft := reflect.TypeFor[func(string, ...int) int]()
	in, err := bindArgs(ft, []any{"a", 1, 2, 3})
	if err != nil || len(in) != 4 || in[3].Int() != 3 {
		t.Fatalf("variadic: %v %v", in, err)
	}
	if _, err := bindArgs(ft, nil); err == nil {
		t.Fatal("missing fixed argument accepted")
	}
	if _, err := bindArgs(reflect.TypeFor[func(int)](), []any{1, 2}); err == nil {
		t.Fatal("extra argument accepted")
	}
}
