package magics

import (
	"reflect"
	"strings"
	"testing"
)

func TestTargets(t *testing.T) {
	ids := []int{0, 1, 2, 3}
	tests := []struct {
		spec string
		ids  []int // registered engines; nil means ids
		want []int
		err  string
	}{
		{spec: "all", want: nil},
		{spec: "0", want: []int{0}},
		{spec: "2", want: []int{2}},
		{spec: "-1", want: []int{3}},
		{spec: "-4", want: []int{0}},
		{spec: "0,2", want: []int{0, 2}},
		{spec: "[0, 2]", want: []int{0, 2}},
		{spec: "(3,1)", want: []int{3, 1}},
		{spec: "1,1", want: []int{1}},
		{spec: "::2", want: []int{0, 2}},
		{spec: "1::2", want: []int{1, 3}},
		{spec: "1:3", want: []int{1, 2}},
		{spec: ":", want: []int{0, 1, 2, 3}},
		{spec: "[1:]", want: []int{1, 2, 3}},
		{spec: "::-1", want: []int{3, 2, 1, 0}},
		{spec: "-2:", want: []int{2, 3}},
		// Ids are engine ids, slices index the registered ids.
		{spec: "5", ids: []int{2, 5, 7}, want: []int{5}},
		{spec: "-1", ids: []int{2, 5, 7}, want: []int{7}},
		{spec: "::2", ids: []int{2, 5, 7}, want: []int{2, 7}},
		{spec: "9", err: "no engine 9"},
		{spec: "-5", err: "out of range"},
		{spec: "5:", err: "selects no engine"},
		{spec: "::0", err: "step cannot be zero"},
		{spec: "1:2:3:4", err: "more than two colons"},
		{spec: "a", err: "not an engine id"},
		{spec: "[]", err: "want all"},
		{spec: "1:x", err: "not an integer"},
	}
	for _, tc := range tests {
		reg := tc.ids
		if reg == nil {
			reg = ids
		}
		spec, err := parseTargets(tc.spec)
		var got []int
		if err == nil {
			got, err = spec.resolve(reg)
		}
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("targets %q: error %v, want %q", tc.spec, err, tc.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("targets %q of %v = %v, %v; want %v", tc.spec, reg, got, err, tc.want)
		}
	}
}

func TestTargetString(t *testing.T) {
	if got := targetString(nil); got != "all" {
		t.Errorf("targetString(nil) = %q", got)
	}
	if got := targetString([]int{0, 2}); got != "[0, 2]" {
		t.Errorf("targetString = %q", got)
	}
	many := make([]int, 12)
	for i := range many {
		many[i] = i
	}
	if got := targetString(many); got != "[0, 1, 2, 3, ..., 8, 9, 10, 11]" {
		t.Errorf("targetString(12 ids) = %q", got)
	}
}
