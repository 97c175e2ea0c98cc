package magics

import (
	"io"
	"strings"

	"github.com/goparallel/goparallel/kernel"
	"github.com/goparallel/goparallel/kernel/magic"
)

// autopxMagic toggles sending every cell to the engines of the view, as %%px cells.
// Cells that start with one of this package's magics still run here, so that
// %autopx again turns it off.
func (s *state) autopxMagic(c *kernel.Cell, args string) error {
	a, _, err := parseArgs(args, autopxFlags, false)
	if err != nil {
		return usageError("%%autopx: %v", err)
	}
	s.mu.Lock()
	on := s.autopx != nil && *s.autopx == a.Suffix
	s.mu.Unlock()
	if on {
		s.mu.Lock()
		s.autopx = nil
		s.mu.Unlock()
		io.WriteString(c.Stdout(), "%autopx disabled\n")
		return nil
	}
	if _, err := s.viewFor(c.Context(), a.Suffix); err != nil {
		return err
	}
	s.mu.Lock()
	suffix := a.Suffix
	s.autopx = &suffix
	s.mu.Unlock()
	io.WriteString(c.Stdout(), "%autopx enabled\n")
	return nil
}

// autopxCell turns a cell into a %%px cell while %autopx is on.
func (s *state) autopxCell(src string) string {
	s.mu.Lock()
	suffix := s.autopx
	s.mu.Unlock()
	if suffix == nil || strings.TrimSpace(src) == "" {
		return src
	}
	if name, ok := firstMagic(src); ok && ownNames[name] {
		return src
	}
	head := "%%px"
	if *suffix != "" {
		head += " --suffix " + *suffix
	}
	return head + "\n" + src
}

// firstMagic returns the name of the magic on the first non-blank line of src.
func firstMagic(src string) (string, bool) {
	for _, ln := range strings.Split(src, "\n") {
		t := strings.TrimSpace(ln)
		if t == "" {
			continue
		}
		if !strings.HasPrefix(t, "%") {
			return "", false
		}
		segs, err := magic.Parse(t)
		if err != nil || len(segs) == 0 || segs[0].Kind == magic.Code {
			return "", false
		}
		return segs[0].Name, true
	}
	return "", false
}

// routeSuffixes rewrites the magics of activated suffixes into the plain ones
// with --suffix: `%px_even CODE` becomes `%px --suffix _even CODE`. The kernel's
// magics are registered once, when it starts, while IPython Parallel's
// view.activate(suffix) adds magics at run time; this is how they exist.
func (s *state) routeSuffixes(src string) string {
	s.mu.Lock()
	var suffixes []string
	for sfx := range s.views {
		if sfx != "" {
			suffixes = append(suffixes, sfx)
		}
	}
	s.mu.Unlock()
	if len(suffixes) == 0 || !strings.Contains(src, "%") {
		return src
	}
	segs, err := magic.Parse(src)
	if err != nil {
		return src // the kernel reports it
	}
	lines := strings.SplitAfter(src, "\n")
	for _, seg := range segs {
		if seg.Kind == magic.Code || ownNames[seg.Name] || seg.Line < 1 || seg.Line > len(lines) {
			continue
		}
		base, sfx, ok := splitSuffix(seg.Name, suffixes)
		if !ok {
			continue
		}
		prefix := "%"
		if seg.Kind == magic.Cell {
			prefix = "%%"
		}
		ln := lines[seg.Line-1]
		i := strings.Index(ln, prefix+seg.Name)
		if i < 0 {
			continue
		}
		lines[seg.Line-1] = ln[:i] + prefix + base + " --suffix " + sfx + ln[i+len(prefix+seg.Name):]
	}
	return strings.Join(lines, "")
}

// splitSuffix splits a magic name into one of bases and an activated suffix.
// The longest suffix wins, so _a and _ab can both be active.
func splitSuffix(name string, suffixes []string) (base, suffix string, ok bool) {
	for _, b := range bases {
		rest, found := strings.CutPrefix(name, b)
		if !found || rest == "" {
			continue
		}
		for _, sfx := range suffixes {
			if sfx == rest && len(sfx) > len(suffix) {
				base, suffix, ok = b, sfx, true
			}
		}
	}
	return base, suffix, ok
}
