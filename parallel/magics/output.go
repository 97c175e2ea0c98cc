package magics

import (
	"fmt"
	"html"
	"sort"
	"strings"

	"github.com/goparallel/goparallel/parallel"
)

// outKind says where an emission goes.
type outKind int

const (
	toStdout  outKind = iota // the cell's stdout stream
	toStderr                 // the cell's stderr stream
	toDisplay                // a display_data output
)

// emission is one piece of what a %px cell shows, in order: labelled stream
// text, or a display bundle (an engine's display, an [output:N] label, an
// Out[N:M] result).
type emission struct {
	kind outKind
	text string
	data map[string]any
	meta map[string]any
}

// labelled prefixes an engine's stream text with its label, IPython's
// "[stdout:0] Hello" for one line, the label on a line of its own for more.
func labelled(label, text string) string {
	body := strings.TrimSuffix(text, "\n")
	if strings.Contains(body, "\n") {
		return label + "\n" + body + "\n"
	}
	return label + body + "\n"
}

func streamLabel(name string, engine int) string { return fmt.Sprintf("[%s:%d] ", name, engine) }

// outputLabel is IPython's [output:N] line before an engine's displays.
func outputLabel(engine int) emission {
	return emission{kind: toDisplay, data: map[string]any{"text/plain": fmt.Sprintf("[output:%d]", engine)},
		meta: map[string]any{"engine": engine}}
}

// engineDisplay republishes an engine's display_data, marked with its engine.
func engineDisplay(engine int, o parallel.Output) emission {
	return emission{kind: toDisplay, data: o.Data, meta: map[string]any{"engine": engine}}
}

// resultDisplay shows an engine's execute_result as IPython Parallel does:
// "Out[0:3]: 42", with the engine's own execution count.
func resultDisplay(m parallel.Metadata) emission {
	prompt := fmt.Sprintf("Out[%d:%d]: ", m.EngineID, m.ExecutionCount)
	data := make(map[string]any, len(m.ExecuteResult))
	for k, v := range m.ExecuteResult {
		data[k] = v
	}
	if plain, ok := m.ExecuteResult["text/plain"].(string); ok {
		if strings.Contains(plain, "\n") {
			data["text/plain"] = prompt + "\n" + plain
		} else {
			data["text/plain"] = prompt + plain
		}
	} else {
		data["text/plain"] = prompt
	}
	if h, ok := m.ExecuteResult["text/html"].(string); ok {
		data["text/html"] = `<span style="color:#D7301F">` + html.EscapeString(strings.TrimSpace(prompt)) + "</span> " + h
	}
	return emission{kind: toDisplay, data: data,
		meta: map[string]any{"engine": m.EngineID, "execution_count": m.ExecutionCount}}
}

// displays returns the display_data outputs of a task, without its result.
func displays(m parallel.Metadata) []parallel.Output {
	var out []parallel.Output
	for _, o := range m.Outputs {
		if o.Type != "execute_result" {
			out = append(out, o)
		}
	}
	return out
}

// byEngine returns md sorted by engine id, so output reads in engine order
// whatever the order of the targets.
func byEngine(md []parallel.Metadata) []parallel.Metadata {
	out := append([]parallel.Metadata(nil), md...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].EngineID < out[j].EngineID })
	return out
}

// render lays out the outputs of finished tasks as IPython Parallel's
// display_outputs does for groupBy (type, engine or order). With resultOnly, the
// streams and displays were shown live already: only the results are left.
func render(md []parallel.Metadata, groupBy string, resultOnly bool) []emission {
	md = byEngine(md)
	var out []emission
	stream := func(m parallel.Metadata, name string) {
		text, kind := m.Stdout, toStdout
		if name == "stderr" {
			text, kind = m.Stderr, toStderr
		}
		if text != "" && !resultOnly {
			out = append(out, emission{kind: kind, text: labelled(streamLabel(name, m.EngineID), text)})
		}
	}
	results := func() {
		for _, m := range md {
			if m.ExecuteResult != nil {
				out = append(out, resultDisplay(m))
			}
		}
	}
	if groupBy == groupEngine {
		for _, m := range md {
			stream(m, "stdout")
			stream(m, "stderr")
			ds := displays(m)
			if resultOnly {
				ds = nil
			}
			if len(ds) > 0 || m.ExecuteResult != nil {
				out = append(out, outputLabel(m.EngineID))
			}
			for _, o := range ds {
				out = append(out, engineDisplay(m.EngineID, o))
			}
			if m.ExecuteResult != nil {
				out = append(out, resultDisplay(m))
			}
		}
		return out
	}
	for _, m := range md {
		stream(m, "stdout")
	}
	for _, m := range md {
		stream(m, "stderr")
	}
	if !resultOnly {
		if groupBy == groupOrder {
			n := 0
			for _, m := range md {
				n = max(n, len(displays(m)))
			}
			for i := range n {
				for _, m := range md {
					if ds := displays(m); i < len(ds) {
						out = append(out, outputLabel(m.EngineID), engineDisplay(m.EngineID, ds[i]))
					}
				}
			}
		} else {
			for _, m := range md {
				ds := displays(m)
				if len(ds) > 0 {
					out = append(out, outputLabel(m.EngineID))
				}
				for _, o := range ds {
					out = append(out, engineDisplay(m.EngineID, o))
				}
			}
		}
	}
	results()
	return out
}

// liveStream shows the engines' output while they run: new stream text
// labelled with its engine, and displays with an [output:N] label. It remembers
// what it showed, so the final layout only adds the results.
type liveStream struct {
	text     map[[2]int]int // (task, 0 stdout / 1 stderr) → bytes shown
	displays map[int]int    // task → displays shown
	last     [2]int         // the (engine, stream) whose label was printed last
	started  bool
	// open is the stream of the last text when it did not end a line, so a new
	// label starts on a line of its own.
	open outKind
	nl   bool
}

func newLiveStream() *liveStream {
	return &liveStream{text: map[[2]int]int{}, displays: map[int]int{}, nl: true}
}

// catchUp returns what arrived since the last call, engine by engine.
func (l *liveStream) catchUp(md []parallel.Metadata) []emission {
	var out []emission
	order := make([]int, len(md))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return md[order[a]].EngineID < md[order[b]].EngineID })
	for _, i := range order {
		m := md[i]
		for s, text := range []string{m.Stdout, m.Stderr} {
			key := [2]int{i, s}
			shown := l.text[key]
			if len(text) <= shown {
				continue
			}
			l.text[key] = len(text)
			out = append(out, l.chunk(m.EngineID, s, text[shown:])...)
		}
		ds := displays(m)
		for _, o := range ds[min(l.displays[i], len(ds)):] {
			out = append(out, outputLabel(m.EngineID), engineDisplay(m.EngineID, o))
		}
		l.displays[i] = len(ds)
	}
	return out
}

// chunk labels new text of one engine's stream, unless the same stream of the
// same engine was the last to print, as IPython Parallel's streaming does.
func (l *liveStream) chunk(engine, s int, text string) []emission {
	kind, name := toStdout, "stdout"
	if s == 1 {
		kind, name = toStderr, "stderr"
	}
	var out []emission
	key := [2]int{engine, s}
	if !l.started || l.last != key {
		if !l.nl {
			out = append(out, emission{kind: l.open, text: "\n"})
		}
		// Unlike labelled, the engine's unfinished line stays unfinished, so
		// that its continuation joins it.
		label := streamLabel(name, engine)
		if strings.Contains(strings.TrimSuffix(text, "\n"), "\n") {
			text = label + "\n" + text
		} else {
			text = label + text
		}
	}
	l.started, l.last = true, key
	out = append(out, emission{kind: kind, text: text})
	l.open, l.nl = kind, strings.HasSuffix(text, "\n")
	return out
}
