package magics

import (
	"fmt"
	"strings"
	"testing"

	"github.com/goparallel/goparallel/parallel"
)

// show renders emissions as one line each, for comparing layouts.
func show(es []emission) string {
	var b strings.Builder
	for _, e := range es {
		switch e.kind {
		case toStdout:
			fmt.Fprintf(&b, "out %q\n", e.text)
		case toStderr:
			fmt.Fprintf(&b, "err %q\n", e.text)
		default:
			fmt.Fprintf(&b, "display %v engine=%v\n", e.data["text/plain"], e.meta["engine"])
		}
	}
	return b.String()
}

func png(name string) parallel.Output {
	return parallel.Output{Type: "display_data", Data: map[string]any{"image/png": "iVBOR", "text/plain": name}}
}

// tasks are two engines' finished tasks, given in reverse engine order: the
// layout must still read in engine order.
func tasks() []parallel.Metadata {
	return []parallel.Metadata{
		{EngineID: 1, Stdout: "one\n", Stderr: "warn1\n", Outputs: []parallel.Output{png("p1a"), png("p1b"),
			{Type: "execute_result", Data: map[string]any{"text/plain": "11"}}},
			ExecuteResult: map[string]any{"text/plain": "11"}, ExecutionCount: 4},
		{EngineID: 0, Stdout: "a\nb\n", Outputs: []parallel.Output{png("p0a")},
			ExecuteResult: map[string]any{"text/plain": "10"}, ExecutionCount: 3},
	}
}

func TestRenderGroupings(t *testing.T) {
	tests := []struct {
		group      string
		resultOnly bool
		want       string
	}{
		{groupType, false, `out "[stdout:0] \na\nb\n"
out "[stdout:1] one\n"
err "[stderr:1] warn1\n"
display [output:0] engine=0
display p0a engine=0
display [output:1] engine=1
display p1a engine=1
display p1b engine=1
display Out[0:3]: 10 engine=0
display Out[1:4]: 11 engine=1
`},
		{groupEngine, false, `out "[stdout:0] \na\nb\n"
display [output:0] engine=0
display p0a engine=0
display Out[0:3]: 10 engine=0
out "[stdout:1] one\n"
err "[stderr:1] warn1\n"
display [output:1] engine=1
display p1a engine=1
display p1b engine=1
display Out[1:4]: 11 engine=1
`},
		{groupOrder, false, `out "[stdout:0] \na\nb\n"
out "[stdout:1] one\n"
err "[stderr:1] warn1\n"
display [output:0] engine=0
display p0a engine=0
display [output:1] engine=1
display p1a engine=1
display [output:1] engine=1
display p1b engine=1
display Out[0:3]: 10 engine=0
display Out[1:4]: 11 engine=1
`},
		{groupType, true, `display Out[0:3]: 10 engine=0
display Out[1:4]: 11 engine=1
`},
		{groupEngine, true, `display [output:0] engine=0
display Out[0:3]: 10 engine=0
display [output:1] engine=1
display Out[1:4]: 11 engine=1
`},
	}
	for _, tc := range tests {
		if got := show(render(tasks(), tc.group, tc.resultOnly)); got != tc.want {
			t.Errorf("render(%s, resultOnly=%v) =\n%s\nwant\n%s", tc.group, tc.resultOnly, got, tc.want)
		}
	}
	// "" is the default grouping, type.
	if show(render(tasks(), "", false)) != show(render(tasks(), groupType, false)) {
		t.Error("the default grouping is not type")
	}
}

func TestResultDisplay(t *testing.T) {
	e := resultDisplay(parallel.Metadata{EngineID: 2, ExecutionCount: 7,
		ExecuteResult: map[string]any{"text/plain": "[1 2]\n[3 4]", "text/html": "<b>m</b>"}})
	if got := e.data["text/plain"]; got != "Out[2:7]: \n[1 2]\n[3 4]" {
		t.Errorf("multi-line result = %q", got)
	}
	if got := e.data["text/html"].(string); !strings.Contains(got, "Out[2:7]:") || !strings.HasSuffix(got, "<b>m</b>") {
		t.Errorf("html result = %q", got)
	}
	if e.meta["engine"] != 2 || e.meta["execution_count"] != 7 {
		t.Errorf("metadata = %v", e.meta)
	}
}

func TestLiveStream(t *testing.T) {
	l := newLiveStream()
	md := []parallel.Metadata{{EngineID: 0}, {EngineID: 1}}
	step := func(out0, err1 string, want string) {
		t.Helper()
		md[0].Stdout += out0
		md[1].Stderr += err1
		if got := show(l.catchUp(md)); got != want {
			t.Errorf("catchUp =\n%s\nwant\n%s", got, want)
		}
	}
	step("Hello\n", "", `out "[stdout:0] Hello\n"
`)
	step("again\n", "", `out "again\n"
`)
	step("", "warn\n", `err "[stderr:1] warn\n"
`)
	// An unfinished line stays open for its continuation...
	step("par", "", `out "[stdout:0] par"
`)
	step("tial\n", "", `out "tial\n"
`)
	// ...and is ended before another engine's label.
	step("x", "y\nz\n", `out "x"
out "\n"
err "[stderr:1] \ny\nz\n"
`)
	step("", "", "")
	md[0].Outputs = append(md[0].Outputs, png("p"))
	step("", "", `display [output:0] engine=0
display p engine=0
`)
	step("", "", "")
}
