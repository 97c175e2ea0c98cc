package parallel

import (
	"reflect"
	"testing"
)

func TestChunkSizes(t *testing.T) {
	for _, tc := range []struct {
		n, q int
		want []int
	}{
		{28, 4, []int{7, 7, 7, 7}},
		{10, 4, []int{3, 3, 2, 2}},
		{7, 4, []int{2, 2, 2, 1}},
		{3, 4, []int{1, 1, 1, 0}},
		{0, 2, []int{0, 0}},
		{32000, 4, []int{8000, 8000, 8000, 8000}},
	} {
		if got := chunkSizes(tc.n, tc.q); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("chunkSizes(%d, %d) = %v, want %v", tc.n, tc.q, got, tc.want)
		}
	}
}

func TestSplitKeepsTypeAndOrder(t *testing.T) {
	parts := split(reflect.ValueOf(Range(10)), 4)
	var got [][]int
	for _, p := range parts {
		got = append(got, p.Interface().([]int))
	}
	want := [][]int{{0, 1, 2}, {3, 4, 5}, {6, 7}, {8, 9}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("split = %v, want %v", got, want)
	}
	// Appending to a part must not overwrite the next part.
	_ = append(got[0], 99)
	if got[1][0] != 3 {
		t.Fatal("parts share capacity")
	}
}

func TestChunkArgsSkipsEmpty(t *testing.T) {
	seqs := []reflect.Value{reflect.ValueOf([]int{1, 2, 3}), reflect.ValueOf([]string{"a", "b", "c"})}
	chs := chunkArgs(seqs, chunkSizes(3, 4))
	if len(chs) != 3 {
		t.Fatalf("got %d chunks, want 3", len(chs))
	}
	if chs[2].first != 2 || !reflect.DeepEqual(chs[2].args, []any{[]int{3}, []string{"c"}}) {
		t.Fatalf("last chunk = %+v", chs[2])
	}
}

func TestAutoChunkSize(t *testing.T) {
	if got := autoChunkSize(3200, 4); got != 200 {
		t.Errorf("autoChunkSize(3200, 4) = %d, want 200", got)
	}
	if got := autoChunkSize(3, 4); got != 1 {
		t.Errorf("autoChunkSize(3, 4) = %d, want 1", got)
	}
	if got := autoChunkSize(1<<30, 1); got != 4096 {
		t.Errorf("autoChunkSize(huge, 1) = %d, want the bound 4096", got)
	}
}

func TestConcatKeepsType(t *testing.T) {
	got := concat([]any{[]int{0, 1}, []int{1024}, []int{}})
	if !reflect.DeepEqual(got, []int{0, 1, 1024}) {
		t.Fatalf("concat = %#v", got)
	}
	mixed := concat([]any{[]int{1}, []string{"a"}, 3.5})
	if !reflect.DeepEqual(mixed, []any{1, "a", 3.5}) {
		t.Fatalf("mixed concat = %#v", mixed)
	}
	if got := gatherSlice([]any{40, 40, 40, 40}); !reflect.DeepEqual(got, []int{40, 40, 40, 40}) {
		t.Fatalf("gatherSlice = %#v", got)
	}
	if got := gatherSlice([]any{1, "x"}); !reflect.DeepEqual(got, []any{1, "x"}) {
		t.Fatalf("gatherSlice mixed = %#v", got)
	}
}

func TestTypedHelpers(t *testing.T) {
	if got := Ints([]any{1, 2, int64(3)}); !reflect.DeepEqual(got, []int{1, 2, 3}) {
		t.Fatalf("Ints = %v", got)
	}
	if got := Floats([]int{1, 2}); !reflect.DeepEqual(got, []float64{1, 2}) {
		t.Fatalf("Floats = %v", got)
	}
	var dst [][]any
	if err := Into([][]any{{1.5, 2}}, &dst); err != nil || dst[0][1] != 2 {
		t.Fatalf("Into = %v, %v", dst, err)
	}
	if err := Into([]any{"x"}, &[]int{}); err == nil {
		t.Fatal("Into of strings into []int succeeded")
	}
	defer func() {
		if recover() == nil {
			t.Fatal("Ints of a string did not panic")
		}
	}()
	Ints("nope")
}

func TestRange(t *testing.T) {
	if got := Range(7); !reflect.DeepEqual(got, []int{0, 1, 2, 3, 4, 5, 6}) {
		t.Fatal(got)
	}
	if got := Range(5, 0, -2); !reflect.DeepEqual(got, []int{5, 3, 1}) {
		t.Fatal(got)
	}
	if got := Range(0); got == nil || len(got) != 0 {
		t.Fatal(got)
	}
}
