package parallel

import (
	"reflect"
	"testing"
)

func TestSelectIDs(t *testing.T) {
	ids := []int{0, 1, 2, 3}
	for _, tc := range []struct {
		spec   string
		want   []int
		single bool
	}{
		{":", []int{0, 1, 2, 3}, false},
		{"1:3", []int{1, 2}, false},
		{"::2", []int{0, 2}, false},
		{"1::2", []int{1, 3}, false},
		{"-1", []int{3}, true},
		{"2", []int{2}, true},
		{"-2:", []int{2, 3}, false},
		{":-1", []int{0, 1, 2}, false},
		{"::-1", []int{3, 2, 1, 0}, false},
		{"3:0:-2", []int{3, 1}, false},
		{"10:", []int{}, false},
		{"[1:3]", []int{1, 2}, false},
		{" 0 : 4 : 3 ", []int{0, 3}, false},
	} {
		got, single, err := selectIDs(tc.spec, ids)
		if err != nil || !reflect.DeepEqual(got, tc.want) || single != tc.single {
			t.Errorf("selectIDs(%q) = %v, %v, %v; want %v, %v", tc.spec, got, single, err, tc.want, tc.single)
		}
	}
	for _, bad := range []string{"", "a", "1:2:3:4", "::0", "4", "-5", "1:x"} {
		if _, _, err := selectIDs(bad, ids); err == nil {
			t.Errorf("selectIDs(%q) succeeded", bad)
		}
	}
}

// FuzzSelectIDs checks slices against a direct transcription of Python's rules.
func FuzzSelectIDs(f *testing.F) {
	for _, s := range []string{":", "1:3", "::2", "-1", "::-1", "5:-7:-3", "x"} {
		f.Add(s, 4)
	}
	f.Fuzz(func(t *testing.T, spec string, n int) {
		n = ((n % 20) + 20) % 20
		ids := make([]int, n)
		for i := range ids {
			ids[i] = 10 + i
		}
		got, single, err := selectIDs(spec, ids)
		if err != nil {
			return
		}
		if single && len(got) != 1 {
			t.Fatalf("%q: single index gave %v", spec, got)
		}
		s, _ := parseSlice(spec)
		if s.index {
			return
		}
		// Python semantics by brute force: index i is selected iff it is in range
		// and reached from the normalised start by steps.
		want := pythonSlice(s, n)
		for i, id := range got {
			if i >= len(want) || id != 10+want[i] {
				t.Fatalf("%q over %d: got %v, want indices %v", spec, n, got, want)
			}
		}
		if len(got) != len(want) {
			t.Fatalf("%q over %d: got %v, want indices %v", spec, n, got, want)
		}
	})
}

func pythonSlice(s pySlice, n int) []int {
	norm := func(v int) int {
		if v < 0 {
			return v + n
		}
		return v
	}
	var out []int
	if s.step > 0 {
		start, stop := 0, n
		if s.hasStart {
			start = max(0, norm(s.start))
		}
		if s.hasStop {
			stop = min(n, norm(s.stop))
		}
		for i := start; i < stop; i += s.step {
			out = append(out, i)
		}
		return out
	}
	start, stop := n-1, -1
	if s.hasStart {
		start = min(n-1, norm(s.start))
	}
	if s.hasStop {
		stop = max(-1, norm(s.stop))
	}
	for i := start; i > stop; i += s.step {
		if i >= 0 {
			out = append(out, i)
		}
	}
	return out
}
