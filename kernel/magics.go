package kernel

import (
	"fmt"
	"sort"
	"strings"

	"github.com/goparallel/goparallel/kernel/magic"
)

// Magic is a command cells invoke as `%name args` (a line magic, on a line of its
// own between Go statements) or as `%%name args` on the first line of a cell (a
// cell magic, which receives the rest of the cell as body). Register magics with
// [Config.Magics].
//
// A magic runs on the kernel's shell goroutine, in the cell's context: it should
// return soon after c.Context() is done (interrupt). It publishes through c
// (Stdout, Display, SetResult, Page, Publish), may run Go code in the kernel's
// session with c.Run, and reports failure by returning an error, shown as the
// cell's error (return an *Error to choose its ename and traceback).
type Magic struct {
	// Name is the magic's name, without % or %%.
	Name string
	// Usage is a one-line synopsis, e.g. "%timeit [-n N] [-r R] STATEMENT".
	Usage string
	// Help describes the magic; %help NAME shows Usage and Help.
	Help string
	// RunLine runs `%name args`; nil if the magic has no line form.
	RunLine func(c *Cell, args string) error
	// RunCell runs `%%name args` followed by body; nil if the magic has no cell
	// form.
	RunCell func(c *Cell, args, body string) error
}

// runMagic runs a line or cell magic segment.
func (k *Kernel) runMagic(c *Cell, seg magic.Segment) error {
	m, ok := k.magics[seg.Name]
	prefix := "%"
	if seg.Kind == magic.Cell {
		prefix = "%%"
	}
	if !ok {
		return &Error{Name: "UsageError", Value: fmt.Sprintf("line %d: unknown magic %s%s (%%help lists the magics)", seg.Line, prefix, seg.Name)}
	}
	var err error
	switch {
	case seg.Kind == magic.Line && m.RunLine != nil:
		err = m.RunLine(c, seg.Args)
	case seg.Kind == magic.Cell && m.RunCell != nil:
		err = m.RunCell(c, seg.Args, seg.Body)
	default:
		other := "cell magic %%"
		if seg.Kind == magic.Cell {
			other = "line magic %"
		}
		return &Error{Name: "UsageError", Value: fmt.Sprintf("%s%s is only a %s%s", prefix, seg.Name, other, seg.Name)}
	}
	return err
}

// magicHelp renders the help of one magic, or of all when name is empty.
func (k *Kernel) magicHelp(name string) (string, error) {
	name = strings.TrimLeft(name, "%")
	if name != "" {
		m, ok := k.magics[name]
		if !ok {
			return "", &Error{Name: "UsageError", Value: fmt.Sprintf("unknown magic %%%s", name)}
		}
		return m.Usage + "\n\n" + m.Help + "\n", nil
	}
	names := make([]string, 0, len(k.magics))
	for n := range k.magics {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("goparallel runs Go cells. Magics, written %name args on a line of their own\n" +
		"or %%name args on the first line of a cell:\n\n")
	for _, n := range names {
		m := k.magics[n]
		summary, _, _ := strings.Cut(m.Help, "\n")
		fmt.Fprintf(&b, "  %-34s %s\n", m.Usage, summary)
	}
	b.WriteString("\n%help NAME shows the help of one magic. Rich output:\n" +
		"  import \"github.com/goparallel/goparallel/kernel/display\"\n" +
		"  display.HTML, Markdown, LaTeX, SVG, PNG, JPEG, JSON, Image, Text; display.Display(v),\n" +
		"  h := display.New(v); h.Update(v2); display.ClearOutput(wait)\n")
	return b.String(), nil
}
