package magics

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// targetSpec is a parsed --targets value. IPython Parallel evaluates it as
// Python: "all"; a slice of the client's ids ("::2", "1:3", "[1:]"); or engine
// ids, an int or a list ("0", "0,2", "[0, 2]"), where a negative int counts from
// the end of the ids (client.ids[-1]).
type targetSpec struct {
	all   bool
	slice *pySlice
	ids   []int
}

// pySlice is start:stop:step with Python's optional parts.
type pySlice struct {
	start, stop, step int
	hasStart, hasStop bool
}

// parseTargets parses a --targets value.
func parseTargets(spec string) (targetSpec, error) {
	s := strings.TrimSpace(spec)
	if s == "all" {
		return targetSpec{all: true}, nil
	}
	inner := s
	if len(inner) >= 2 && (inner[0] == '[' && inner[len(inner)-1] == ']' || inner[0] == '(' && inner[len(inner)-1] == ')') {
		inner = strings.TrimSpace(inner[1 : len(inner)-1])
	}
	if strings.Contains(inner, ":") {
		sl, err := parsePySlice(inner)
		if err != nil {
			return targetSpec{}, fmt.Errorf("--targets %s: %w", spec, err)
		}
		return targetSpec{slice: &sl}, nil
	}
	fields := strings.FieldsFunc(inner, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
	if len(fields) == 0 {
		return targetSpec{}, fmt.Errorf("--targets %q: want all, an engine id, a list (0,2) or a slice (::2)", spec)
	}
	var t targetSpec
	for _, f := range fields {
		n, err := strconv.Atoi(f)
		if err != nil {
			return targetSpec{}, fmt.Errorf("--targets %s: %q is not an engine id", spec, f)
		}
		t.ids = append(t.ids, n)
	}
	return t, nil
}

func parsePySlice(s string) (pySlice, error) {
	parts := strings.Split(s, ":")
	if len(parts) > 3 {
		return pySlice{}, fmt.Errorf("bad slice %q: more than two colons", s)
	}
	num := func(p string) (int, bool, error) {
		p = strings.TrimSpace(p)
		if p == "" {
			return 0, false, nil
		}
		n, err := strconv.Atoi(p)
		if err != nil {
			return 0, false, fmt.Errorf("bad slice %q: %q is not an integer", s, p)
		}
		return n, true, nil
	}
	var sl pySlice
	var err error
	if sl.start, sl.hasStart, err = num(parts[0]); err != nil {
		return sl, err
	}
	if sl.stop, sl.hasStop, err = num(parts[1]); err != nil {
		return sl, err
	}
	sl.step = 1
	if len(parts) == 3 {
		step, ok, err := num(parts[2])
		if err != nil {
			return sl, err
		}
		if ok {
			if step == 0 {
				return sl, fmt.Errorf("bad slice %q: step cannot be zero", s)
			}
			sl.step = step
		}
	}
	return sl, nil
}

// apply selects from ids as Python's ids[start:stop:step] does.
func (sl pySlice) apply(ids []int) []int {
	n := len(ids)
	clamp := func(v, def int, has bool) int {
		if !has {
			return def
		}
		if v < 0 {
			v += n
		}
		if sl.step > 0 {
			return max(0, min(v, n))
		}
		return max(-1, min(v, n-1))
	}
	var start, stop int
	if sl.step > 0 {
		start, stop = clamp(sl.start, 0, sl.hasStart), clamp(sl.stop, n, sl.hasStop)
	} else {
		start, stop = clamp(sl.start, n-1, sl.hasStart), clamp(sl.stop, -1, sl.hasStop)
	}
	out := []int{}
	for i := start; (sl.step > 0 && i < stop) || (sl.step < 0 && i > stop); i += sl.step {
		out = append(out, ids[i])
	}
	return out
}

// resolve returns the engine ids the spec selects among the registered ids, or
// nil for "all" (every engine registered at the time of each request).
func (t targetSpec) resolve(ids []int) ([]int, error) {
	switch {
	case t.all:
		return nil, nil
	case t.slice != nil:
		sel := t.slice.apply(ids)
		if len(sel) == 0 {
			return nil, fmt.Errorf("--targets selects no engine of %s", intList(ids))
		}
		return sel, nil
	}
	out := make([]int, 0, len(t.ids))
	for _, id := range t.ids {
		if id < 0 {
			if -id > len(ids) {
				return nil, fmt.Errorf("--targets: index %d out of range (%d engines)", id, len(ids))
			}
			id = ids[len(ids)+id]
		} else if !slices.Contains(ids, id) {
			return nil, fmt.Errorf("--targets: no engine %d (engines: %s)", id, intList(ids))
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out, nil
}

// intList reads like Python's list, "[0, 1, 2]".
func intList(ids []int) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.Itoa(id)
	}
	return "[" + strings.Join(s, ", ") + "]"
}

// targetString describes a view's targets as the verbose message shows them.
func targetString(ids []int) string {
	if ids == nil {
		return "all"
	}
	if len(ids) > 10 {
		return intList(ids[:4])[:len(intList(ids[:4]))-1] + ", ..., " + intList(ids[len(ids)-4:])[1:]
	}
	return intList(ids)
}
