package kernel

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/goparallel/goparallel/kernel/display"
	"github.com/goparallel/goparallel/protocol"
	"github.com/traefik/yaegi/interp"
)

const importDisplay = "import \"github.com/goparallel/goparallel/kernel/display\"\n"

func TestDisplay(t *testing.T) {
	_, c := startKernel(t, Config{})
	rep, out := c.execute(importDisplay+`import "image"
display.Display(display.HTML("<b>x</b>"), image.NewGray(image.Rect(0, 0, 2, 3)), 42)
display.HTML("<i>result</i>")`, execOpts{})
	if rep["status"] != "ok" {
		t.Fatal(rep)
	}
	dd := ofType(out, "display_data")
	if len(dd) != 3 {
		t.Fatalf("display_data %v", dd)
	}
	if d := dd[0]["data"].(map[string]any); d["text/html"] != "<b>x</b>" {
		t.Errorf("html %v", d)
	}
	if d := dd[1]["data"].(map[string]any); d["image/png"] == nil || d["text/plain"] != "<image 2x3>" {
		t.Errorf("image %v", d)
	}
	if d := dd[2]["data"].(map[string]any); d["text/plain"] != "42" {
		t.Errorf("plain %v", d)
	}
	res := ofType(out, "execute_result")
	if len(res) != 1 || res[0]["data"].(map[string]any)["text/html"] != "<i>result</i>" {
		t.Errorf("rich result %v", res)
	}

	// Display ids and updates, and clear_output.
	_, out = c.execute(importDisplay+`h := display.New(display.Text("0%"))
h.Update(display.Text("100%"))
display.ClearOutput(true)`, execOpts{})
	dd, upd, clr := ofType(out, "display_data"), ofType(out, "update_display_data"), ofType(out, "clear_output")
	if len(dd) != 1 || len(upd) != 1 || len(clr) != 1 || clr[0]["wait"] != true {
		t.Fatalf("display %v update %v clear %v", dd, upd, clr)
	}
	id := dd[0]["transient"].(map[string]any)["display_id"]
	if id == "" || upd[0]["transient"].(map[string]any)["display_id"] != id ||
		upd[0]["data"].(map[string]any)["text/plain"] != "100%" {
		t.Errorf("update %v of %v", upd, id)
	}

	// Output keeps program order: stream, display, stream.
	_, out = c.execute(importDisplay+`import "fmt"
fmt.Println("before")
display.Display("middle")
fmt.Println("after")`, execOpts{})
	var kinds []string
	for _, m := range out {
		if m.Header.MsgType != "execute_input" {
			kinds = append(kinds, m.Header.MsgType)
		}
	}
	if strings.Join(kinds, ",") != "stream,display_data,stream" {
		t.Errorf("order %v", kinds)
	}
}

func TestHistoryRequests(t *testing.T) {
	dir := t.TempDir()
	_, c := startKernel(t, Config{HistoryFile: dir + "/h.jsonl"})
	for _, code := range []string{"a := 6", "a * 7", "a * 7", "b := 1"} {
		c.execute(code, execOpts{})
	}
	c.execute("1", execOpts{noHistory: true}) // not recorded
	hist := func(content map[string]any) [][]any {
		c.send(c.shell, "history_request", content)
		var rep struct{ History [][]any }
		json.Unmarshal(c.recv(c.shellC).Content, &rep)
		return rep.History
	}
	tail := hist(map[string]any{"hist_access_type": "tail", "n": 2, "output": true, "raw": true})
	if len(tail) != 2 || tail[0][1] != 3.0 || !reflect.DeepEqual(tail[0][2], []any{"a * 7", "42"}) {
		t.Errorf("tail %v", tail)
	}
	session := tail[0][0]
	rng := hist(map[string]any{"hist_access_type": "range", "session": session, "start": 2, "stop": 4, "raw": true})
	if len(rng) != 2 || rng[0][2] != "a * 7" || rng[1][1] != 3.0 {
		t.Errorf("range %v", rng)
	}
	if s := hist(map[string]any{"hist_access_type": "search", "pattern": "a ?*", "raw": true}); len(s) != 3 {
		t.Errorf("search %v", s)
	}
	if s := hist(map[string]any{"hist_access_type": "search", "pattern": "a ?*", "unique": true, "raw": true}); len(s) != 2 {
		t.Errorf("unique search %v", s)
	}
}

func TestHistorySurvivesRestart(t *testing.T) {
	path := t.TempDir() + "/h.jsonl"
	k1, c1 := startKernel(t, Config{HistoryFile: path})
	c1.execute("x := 1", execOpts{})
	k1.Stop()
	_, c2 := startKernel(t, Config{HistoryFile: path})
	c2.execute("y := 2", execOpts{})
	c2.send(c2.shell, "history_request", map[string]any{"hist_access_type": "tail", "n": 10, "raw": true})
	var rep struct{ History [][]any }
	json.Unmarshal(c2.recv(c2.shellC).Content, &rep)
	if len(rep.History) != 2 || rep.History[0][2] != "x := 1" || rep.History[1][2] != "y := 2" {
		t.Fatalf("history %v", rep.History)
	}
	if s1, s2 := rep.History[0][0].(float64), rep.History[1][0].(float64); s2 != s1+1 {
		t.Errorf("sessions %v then %v", s1, s2)
	}
}

func TestMagics(t *testing.T) {
	_, c := startKernel(t, Config{})
	rep, _ := c.execute("%help", execOpts{})
	payload := rep["payload"].([]any)
	page := payload[0].(map[string]any)
	text := page["data"].(map[string]any)["text/plain"].(string)
	if page["source"] != "page" || !strings.Contains(text, "%timeit") || !strings.Contains(text, "%env") {
		t.Errorf("help payload %v", page)
	}

	rep, out := c.execute("x := 2\n%time x = x * 21\nx", execOpts{})
	if rep["status"] != "ok" || !strings.Contains(streamText(out, "stdout"), "Wall time:") {
		t.Errorf("%%time: %v %v", rep, streamText(out, "stdout"))
	}
	if res := ofType(out, "execute_result"); len(res) != 1 || res[0]["data"].(map[string]any)["text/plain"] != "42" {
		t.Errorf("result after %%time %v", res)
	}

	_, out = c.execute("%timeit -n 10 -r 2 x = x + 1", execOpts{})
	if s := streamText(out, "stdout"); !strings.Contains(s, "per loop (mean ± std. dev. of 2 runs, 10 loops each)") {
		t.Errorf("%%timeit: %q", s)
	}
	_, out = c.execute("%%timeit -r 1\ny := 0\ny++", execOpts{})
	if s := streamText(out, "stdout"); !strings.Contains(s, "of 1 runs") {
		t.Errorf("%%%%timeit: %q %v", s, ofType(out, "error"))
	}

	_, out = c.execute("func hello() {}\n%who", execOpts{})
	if s := streamText(out, "stdout"); !strings.Contains(s, "x") || !strings.Contains(s, "hello") || !strings.Contains(s, "func") {
		t.Errorf("%%who: %q", s)
	}

	_, out = c.execute("%env GOPARALLEL_TEST_VAR=hello world", execOpts{})
	if s := streamText(out, "stdout"); s != "env: GOPARALLEL_TEST_VAR=hello world\n" {
		t.Errorf("%%env set: %q", s)
	}
	_, out = c.execute("%env GOPARALLEL_TEST_VAR", execOpts{})
	if s := streamText(out, "stdout"); s != "hello world\n" {
		t.Errorf("%%env get: %q", s)
	}

	rep, out = c.execute("%nosuchmagic", execOpts{})
	if rep["ename"] != "UsageError" || len(ofType(out, "error")) != 1 {
		t.Errorf("unknown magic: %v", rep)
	}
	rep, _ = c.execute("x := 1\n%%time\n", execOpts{})
	if rep["ename"] != "UsageError" {
		t.Errorf("misplaced cell magic: %v", rep)
	}
}

func TestExtensionAPI(t *testing.T) {
	var seen []string
	cfg := Config{
		Magics: []Magic{{
			Name: "shout", Usage: "%%shout", Help: "Upper-cases and runs the cell.",
			RunCell: func(c *Cell, args, body string) error {
				if c.Context() == nil || c.ExecutionCount() == 0 {
					t.Error("cell without context or count")
				}
				res, err := c.Run(body)
				if err != nil {
					return err
				}
				c.SetResult(res.Value)
				return c.Show(display.Markdown("**" + args + "**"))
			},
		}, {
			Name: "crash", Usage: "%crash", Help: "Panics.",
			RunLine: func(*Cell, string) error { panic("magic bug") },
		}},
		CellTransforms: []Transform{func(c *Cell, src string) (string, error) {
			seen = append(seen, "cell")
			return strings.ReplaceAll(src, "SIX", "6"), nil
		}},
		CodeTransforms: []Transform{func(c *Cell, src string) (string, error) {
			seen = append(seen, "code")
			return strings.ReplaceAll(src, "SEVEN", "7"), nil
		}},
		Bindings: []func(Host) interp.Exports{func(h Host) interp.Exports {
			return interp.Exports{"example.com/progress/progress": {
				"Report": reflect.ValueOf(func(s string) {
					if c := h.Current(); c != nil {
						c.Show(display.Text("progress: " + s))
					}
				}),
			}}
		}},
	}
	_, c := startKernel(t, cfg)
	rep, out := c.execute("%%shout loud\nSIX * SEVEN", execOpts{})
	if rep["status"] != "ok" {
		t.Fatal(rep, ofType(out, "error"))
	}
	if res := ofType(out, "execute_result"); len(res) != 1 || res[0]["data"].(map[string]any)["text/plain"] != "42" {
		t.Errorf("result %v", res)
	}
	if dd := ofType(out, "display_data"); len(dd) != 1 || dd[0]["data"].(map[string]any)["text/markdown"] != "**loud**" {
		t.Errorf("display %v", dd)
	}
	_, out = c.execute("import \"example.com/progress\"\nprogress.Report(\"half\")", execOpts{})
	if dd := ofType(out, "display_data"); len(dd) != 1 || dd[0]["data"].(map[string]any)["text/plain"] != "progress: half" {
		t.Errorf("binding %v %v", dd, ofType(out, "error"))
	}
	if rep, _ := c.execute("%crash", execOpts{}); rep["ename"] != "panic" || rep["evalue"] != "magic bug" {
		t.Errorf("panicking magic: %v", rep)
	}
	if len(seen) < 2 || seen[0] != "cell" || seen[1] != "code" {
		t.Errorf("transforms ran %v", seen)
	}
}

func TestGoroutinePanicIsReported(t *testing.T) {
	_, c := startKernel(t, Config{})
	c.execute(`import "time"`, execOpts{})
	// The go statement is the cell's last: yaegi compiling more of the cell while
	// the goroutine unwinds its panic is a data race inside yaegi.
	rep, out := c.execute(`go func() { time.Sleep(50 * time.Millisecond); panic("in a goroutine") }()`, execOpts{})
	if rep["status"] != "ok" {
		t.Fatalf("reply %v", rep)
	}
	// The report goes to stderr below the latest cell, once the session hands it
	// over (after the cell, since the session is busy until then). The next cell is
	// sent only after it arrived: yaegi's panic unwinding is not synchronised with
	// compiling another cell.
	report := streamText(out, "stderr")
	for !strings.Contains(report, "panic in a goroutine: in a goroutine") {
		m := c.recv(c.iopubC)
		if m.Header.MsgType == "stream" {
			report += decode(m)["text"].(string)
		}
	}
	rep, _ = c.execute("2", execOpts{})
	if rep["status"] != "ok" {
		t.Fatalf("kernel died: %v", rep)
	}
}

func TestUnknownAndCommRequests(t *testing.T) {
	_, c := startKernel(t, Config{})
	req := c.send(c.shell, "no_such_request", nil)
	if out := c.outputs(req); len(out) != 0 {
		t.Errorf("outputs %v", out)
	}
	c.send(c.shell, "comm_info_request", nil)
	rep := decode(c.recv(c.shellC))
	if rep["status"] != "ok" || len(rep["comms"].(map[string]any)) != 0 {
		t.Errorf("comm_info %v", rep)
	}
	c.send(c.shell, "is_complete_request", protocol.IsCompleteRequest{Code: "for {"})
	if rep := decode(c.recv(c.shellC)); rep["status"] != "incomplete" {
		t.Errorf("is_complete %v", rep)
	}
	c.send(c.shell, "complete_request", protocol.CompleteRequest{Code: "é := 1; fmt.Pri", CursorPos: 15})
	rep = decode(c.recv(c.shellC))
	if rep["cursor_start"] != 12.0 || rep["cursor_end"] != 15.0 || len(rep["matches"].([]any)) != 3 {
		t.Errorf("complete %v", rep)
	}
	c.send(c.shell, "complete_request", protocol.CompleteRequest{Code: "%tim", CursorPos: 4})
	rep = decode(c.recv(c.shellC))
	if !reflect.DeepEqual(rep["matches"], []any{"%time", "%timeit"}) || rep["cursor_start"] != 0.0 {
		t.Errorf("magic completion %v", rep)
	}
	c.send(c.shell, "inspect_request", protocol.InspectRequest{Code: "strings.ToUpper", CursorPos: 10})
	rep = decode(c.recv(c.shellC))
	if rep["found"] != true || !strings.Contains(rep["data"].(map[string]any)["text/plain"].(string), "func ToUpper") {
		t.Errorf("inspect %v", rep)
	}
}

func TestShutdown(t *testing.T) {
	hooksRan := make(chan string, 2)
	k, c := startKernel(t, Config{OnShutdown: []func(){
		func() { panic("first hook fails") },
		func() { hooksRan <- "second" },
	}})
	c.send(c.control, "shutdown_request", protocol.ShutdownRequest{Restart: true})
	rep := decode(c.recv(c.controlC))
	if rep["status"] != "ok" || rep["restart"] != true {
		t.Errorf("shutdown_reply %v", rep)
	}
	select {
	case <-k.stopped:
	case <-time.After(testTimeout):
		t.Fatal("kernel did not stop")
	}
	select {
	case <-hooksRan: // and the panicking hook before it did not stop it
	case <-time.After(testTimeout):
		t.Fatal("OnShutdown hook did not run")
	}
}

func TestOutputOfGoroutinesOutlivingTheirCell(t *testing.T) {
	_, c := startKernel(t, Config{})
	c.execute("import (\n\t\"fmt\"\n\t\"time\"\n)", execOpts{})
	c.execute(`go func() { time.Sleep(150 * time.Millisecond); fmt.Println("late") }()`, execOpts{})
	req := c.sendExecute("time.Sleep(400 * time.Millisecond)", execOpts{})
	c.recv(c.shellC)
	if s := streamText(c.outputs(req), "stdout"); s != "late\n" {
		t.Errorf("output of the earlier cell's goroutine under the running cell: %q", s)
	}
}
