package parallel

import (
	"fmt"
	"strconv"
	"strings"
)

// pySlice is a parsed Python slice or index, "1:3", "::2", ":", "-1", "1::2".
type pySlice struct {
	index             bool // a single index, not a slice
	start, stop, step int
	hasStart, hasStop bool
}

// parseSlice parses a Python slice or index expression. An empty step, start or stop
// takes Python's defaults.
func parseSlice(spec string) (pySlice, error) {
	spec = strings.TrimSpace(spec)
	spec = strings.TrimSuffix(strings.TrimPrefix(spec, "["), "]")
	parts := strings.Split(spec, ":")
	if len(parts) > 3 {
		return pySlice{}, fmt.Errorf("parallel: bad slice %q: more than two colons", spec)
	}
	num := func(s string) (int, bool, error) {
		s = strings.TrimSpace(s)
		if s == "" {
			return 0, false, nil
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			return 0, false, fmt.Errorf("parallel: bad slice %q: %q is not an integer", spec, s)
		}
		return n, true, nil
	}
	var s pySlice
	var err error
	if len(parts) == 1 {
		var ok bool
		s.index = true
		if s.start, ok, err = num(parts[0]); err != nil {
			return s, err
		} else if !ok {
			return s, fmt.Errorf("parallel: empty slice expression")
		}
		return s, nil
	}
	if s.start, s.hasStart, err = num(parts[0]); err != nil {
		return s, err
	}
	if s.stop, s.hasStop, err = num(parts[1]); err != nil {
		return s, err
	}
	s.step = 1
	if len(parts) == 3 {
		var ok bool
		if s.step, ok, err = num(parts[2]); err != nil {
			return s, err
		} else if !ok {
			s.step = 1
		}
		if s.step == 0 {
			return s, fmt.Errorf("parallel: bad slice %q: step cannot be zero", spec)
		}
	}
	return s, nil
}

// apply selects from ids like Python's ids[slice] (or ids[index]).
func (s pySlice) apply(ids []int) ([]int, error) {
	n := len(ids)
	if s.index {
		i := s.start
		if i < 0 {
			i += n
		}
		if i < 0 || i >= n {
			return nil, fmt.Errorf("parallel: engine index %d out of range (%d engines)", s.start, n)
		}
		return []int{ids[i]}, nil
	}
	// Python's slice.indices: clamp start and stop into range for the step's direction.
	clamp := func(v, def int, has bool) int {
		if !has {
			return def
		}
		if v < 0 {
			v += n
		}
		if s.step > 0 {
			return max(0, min(v, n))
		}
		return max(-1, min(v, n-1))
	}
	var start, stop int
	if s.step > 0 {
		start, stop = clamp(s.start, 0, s.hasStart), clamp(s.stop, n, s.hasStop)
	} else {
		start, stop = clamp(s.start, n-1, s.hasStart), clamp(s.stop, -1, s.hasStop)
	}
	out := []int{}
	for i := start; (s.step > 0 && i < stop) || (s.step < 0 && i > stop); i += s.step {
		out = append(out, ids[i])
	}
	return out, nil
}

// selectIDs applies a Python slice or index expression to ids. single reports
// whether spec was one index, whose views return one value instead of a list.
func selectIDs(spec string, ids []int) (sel []int, single bool, err error) {
	s, err := parseSlice(spec)
	if err != nil {
		return nil, false, err
	}
	sel, err = s.apply(ids)
	return sel, s.index, err
}
