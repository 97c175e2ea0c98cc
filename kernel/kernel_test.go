package kernel

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goparallel/goparallel/protocol"
)

func TestKernelInfoOnShellAndControl(t *testing.T) {
	_, c := startKernel(t, Config{Version: "1.2.3"})
	for _, ch := range []struct {
		sock  chan *protocol.Message
		shell bool
	}{{c.shellC, true}, {c.controlC, false}} {
		sock := c.shell
		if !ch.shell {
			sock = c.control
		}
		req := c.send(sock, "kernel_info_request", nil)
		rep := decode(c.recv(ch.sock))
		li := rep["language_info"].(map[string]any)
		if rep["status"] != "ok" || rep["implementation_version"] != "1.2.3" || li["name"] != "go" ||
			li["mimetype"] != "text/x-go" || li["file_extension"] != ".go" || li["pygments_lexer"] != "go" ||
			li["codemirror_mode"] != "go" || rep["protocol_version"] != "5.3" || rep["banner"] == "" {
			t.Errorf("kernel_info_reply %v", rep)
		}
		if out := c.outputs(req); len(out) != 0 {
			t.Errorf("outputs for kernel_info: %v", out)
		}
	}
}

func TestHeartbeatEchoes(t *testing.T) {
	_, c := startKernel(t, Config{})
	if err := c.hb.SendFrames([][]byte{[]byte("ping")}); err != nil {
		t.Fatal(err)
	}
	frames, err := c.hb.RecvFrames()
	if err != nil || len(frames) != 1 || string(frames[0]) != "ping" {
		t.Fatalf("echo %q, %v", frames, err)
	}
}

func TestExecuteResultAndExecutionCount(t *testing.T) {
	_, c := startKernel(t, Config{})
	rep, out := c.execute("x := 20\nx + 22", execOpts{})
	if rep["status"] != "ok" || rep["execution_count"] != 1.0 {
		t.Fatalf("reply %v", rep)
	}
	in := ofType(out, "execute_input")
	if len(in) != 1 || in[0]["code"] != "x := 20\nx + 22" || in[0]["execution_count"] != 1.0 {
		t.Errorf("execute_input %v", in)
	}
	res := ofType(out, "execute_result")
	if len(res) != 1 || res[0]["execution_count"] != 1.0 || res[0]["data"].(map[string]any)["text/plain"] != "42" {
		t.Fatalf("execute_result %v", res)
	}

	// Silent: no count, no execute_input, no result; state still changes.
	rep, out = c.execute("x = 1\nx", execOpts{silent: true})
	if rep["execution_count"] != 1.0 || len(out) != 0 {
		t.Errorf("silent: reply %v, outputs %d", rep, len(out))
	}
	// store_history=false: no count, but input and result are published.
	rep, out = c.execute("x", execOpts{noHistory: true})
	res = ofType(out, "execute_result")
	if rep["execution_count"] != 1.0 || len(res) != 1 || res[0]["data"].(map[string]any)["text/plain"] != "1" {
		t.Errorf("store_history=false: reply %v, result %v", rep, res)
	}
	rep, _ = c.execute("x", execOpts{})
	if rep["execution_count"] != 2.0 {
		t.Errorf("count after %v", rep)
	}
	// A statement has no result.
	_, out = c.execute("x++", execOpts{})
	if res := ofType(out, "execute_result"); len(res) != 0 {
		t.Errorf("result of a statement: %v", res)
	}
}

func TestStreamsAreCoalescedAndLive(t *testing.T) {
	_, c := startKernel(t, Config{})
	rep, out := c.execute(`import "fmt"
for i := 0; i < 2000; i++ { fmt.Println(i) }`, execOpts{})
	if rep["status"] != "ok" {
		t.Fatal(rep)
	}
	text := streamText(out, "stdout")
	var want strings.Builder
	for i := 0; i < 2000; i++ {
		want.WriteString(strconv.Itoa(i) + "\n")
	}
	if text != want.String() {
		t.Fatalf("stdout has %d bytes, want %d", len(text), want.Len())
	}
	if n := len(ofType(out, "stream")); n > 20 {
		t.Errorf("%d stream messages for 2000 writes; writes are not coalesced", n)
	}

	// Output appears while the cell runs, not only at its end.
	req := c.sendExecute(`import "time"
fmt.Println("first")
time.Sleep(600 * time.Millisecond)
fmt.Println("second")`, execOpts{})
	start := time.Now()
	for {
		m := c.recv(c.iopubC)
		if m.Parent.MsgID == req.Header.MsgID && m.Header.MsgType == "stream" {
			if d := time.Since(start); d > 400*time.Millisecond {
				t.Errorf("first output after %v", d)
			}
			break
		}
	}
	c.recv(c.shellC)

	_, out = c.execute(`import "os"
fmt.Fprintln(os.Stderr, "oops")`, execOpts{})
	if got := streamText(out, "stderr"); got != "oops\n" {
		t.Errorf("stderr %q", got)
	}
}

func TestErrors(t *testing.T) {
	_, c := startKernel(t, Config{})
	rep, out := c.execute("import \"fmt\"\nfmt.Println(undefinedName, x)", execOpts{})
	errs := ofType(out, "error")
	if rep["status"] != "error" || rep["ename"] != "CompileError" || len(errs) != 1 || len(out) != 2 {
		t.Fatalf("reply %v, outputs %v", rep, out)
	}
	if ev := errs[0]["evalue"].(string); !strings.Contains(ev, "cell:2:") || !strings.Contains(ev, "undefinedName") {
		t.Errorf("evalue %q", ev)
	}
	tb := strings.Join(toStrings(errs[0]["traceback"]), "\n")
	if !strings.Contains(tb, "fmt.Println(undefinedName, x)") || !strings.Contains(tb, "^") {
		t.Errorf("traceback does not show the line:\n%s", tb)
	}

	rep, out = c.execute(`func f() { panic("boom") }
f()`, execOpts{})
	errs = ofType(out, "error")
	if rep["status"] != "error" || rep["ename"] != "panic" || len(errs) != 1 || errs[0]["evalue"] != "boom" {
		t.Fatalf("panic: reply %v, outputs %v", rep, errs)
	}
	tb = strings.Join(toStrings(errs[0]["traceback"]), "\n")
	if strings.Contains(tb, "goparallel/kernel") || strings.Contains(tb, "yaegi") {
		t.Errorf("traceback shows kernel internals:\n%s", tb)
	}

	// The kernel lives on, state intact.
	rep, out = c.execute("x", execOpts{})
	if rep["status"] != "error" { // x was never declared: the first cell failed to compile
		if res := ofType(out, "execute_result"); len(res) != 1 {
			t.Errorf("after errors: %v %v", rep, out)
		}
	}
	rep, _ = c.execute("1", execOpts{})
	if rep["status"] != "ok" {
		t.Errorf("kernel broken after errors: %v", rep)
	}
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

func TestStopOnErrorAbortsQueuedCells(t *testing.T) {
	_, c := startKernel(t, Config{})
	r1 := c.sendExecute(`import "time"
time.Sleep(100 * time.Millisecond)
panic("first fails")`, execOpts{})
	r2 := c.sendExecute("1", execOpts{})
	r3 := c.sendExecute("2", execOpts{})
	for i, want := range []struct {
		req    *protocol.Message
		status string
	}{{r1, "error"}, {r2, "aborted"}, {r3, "aborted"}} {
		rep := c.recv(c.shellC)
		if rep.Parent.MsgID != want.req.Header.MsgID || decode(rep)["status"] != want.status {
			t.Errorf("reply %d: %v to %s", i, decode(rep), rep.Parent.MsgID)
		}
	}
	// With stop_on_error false, the next cells run.
	c.sendExecute(`panic("again")`, execOpts{noStopOnError: true})
	r5 := c.sendExecute("5", execOpts{})
	c.recv(c.shellC)
	if rep := c.recv(c.shellC); rep.Parent.MsgID != r5.Header.MsgID || decode(rep)["status"] != "ok" {
		t.Errorf("after stop_on_error=false: %v", decode(rep))
	}
}

// A cell that fails at once may fail before the cells sent with it in the same
// "Run All" have reached the kernel's queue; they must be aborted all the same,
// and the cell sent after the error reply must run.
func TestStopOnErrorAbortsCellsStillInFlight(t *testing.T) {
	_, c := startKernel(t, Config{})
	for round := 0; round < 20; round++ {
		// A frontend's "Run All" writes its requests in one burst, then sends them.
		var burst []*protocol.Message
		for _, code := range []string{`panic("fails at once")`, "1", "2"} {
			m, err := protocol.NewMessage("execute_request", c.session, nil, protocol.ExecuteRequest{Code: code})
			if err != nil {
				t.Fatal(err)
			}
			burst = append(burst, m)
		}
		for _, m := range burst {
			if err := c.shell.Send(m); err != nil {
				t.Fatal(err)
			}
		}
		r1, r2, r3 := burst[0], burst[1], burst[2]
		for _, want := range []struct {
			req    *protocol.Message
			status string
		}{{r1, "error"}, {r2, "aborted"}, {r3, "aborted"}} {
			rep := c.recv(c.shellC)
			content := decode(rep)
			if rep.Parent.MsgID != want.req.Header.MsgID || content["status"] != want.status {
				t.Fatalf("round %d: reply %v to %s, want %s", round, content, rep.Parent.MsgID, want.status)
			}
			if _, has := content["execution_count"]; want.status == "aborted" && has {
				t.Fatalf("aborted reply carries an execution count: %v", content)
			}
		}
		next := c.sendExecute("3", execOpts{})
		if rep := c.recv(c.shellC); rep.Parent.MsgID != next.Header.MsgID || decode(rep)["status"] != "ok" {
			t.Fatalf("round %d: the cell sent after the error: %v", round, decode(rep))
		}
	}
}

func TestInterruptStopsLoopAndKeepsState(t *testing.T) {
	_, c := startKernel(t, Config{})
	c.execute("import \"fmt\"\nn := 41", execOpts{})
	req := c.sendExecute("fmt.Println(\"looping\")\nfor {\n\tn = n + 0\n}", execOpts{})
	// Interrupt only once the loop runs: an interrupt that arrives before the
	// cell starts has nothing to stop.
	for seen := ""; !strings.Contains(seen, "looping"); {
		if m := c.recv(c.iopubC); m.Header.MsgType == "stream" && m.Parent.MsgID == req.Header.MsgID {
			seen += decode(m)["text"].(string)
		}
	}

	// Control answers while the cell runs.
	c.send(c.control, "kernel_info_request", nil)
	if rep := c.recv(c.controlC); rep.Header.MsgType != "kernel_info_reply" {
		t.Fatalf("control reply %s", rep.Header.MsgType)
	}
	c.send(c.control, "interrupt_request", nil)
	if rep := c.recv(c.controlC); rep.Header.MsgType != "interrupt_reply" || decode(rep)["status"] != "ok" {
		t.Fatalf("interrupt reply %v", decode(rep))
	}
	// recv fails the test if the reply does not come within testTimeout: that
	// catches an interrupt that does not stop the loop. How fast it stops is a
	// benchmark's business (BenchmarkInterrupt), not this test's.
	rep := c.recv(c.shellC)
	if rep.Parent.MsgID != req.Header.MsgID || decode(rep)["ename"] != "Interrupted" {
		t.Fatalf("reply %v", decode(rep))
	}
	after, out := c.execute("n + 1", execOpts{})
	if res := ofType(out, "execute_result"); len(res) != 1 || res[0]["data"].(map[string]any)["text/plain"] != "42" {
		t.Errorf("state after interrupt: reply %v, outputs %v", after, res)
	}
}

func TestStdin(t *testing.T) {
	_, c := startKernel(t, Config{})
	req := c.sendExecute(`import "fmt"
var name string
fmt.Print("name? ")
fmt.Scanln(&name)
"hello " + name`, execOpts{allowStdin: true})
	ir := c.recv(c.stdinC)
	if ir.Header.MsgType != "input_request" || ir.Parent.MsgID != req.Header.MsgID {
		t.Fatalf("got %s", ir.Header.MsgType)
	}
	m, _ := protocol.NewMessage("input_reply", c.session, &ir.Header, protocol.InputReply{Value: "gopher"})
	if err := c.stdin.Send(m); err != nil {
		t.Fatal(err)
	}
	rep := decode(c.recv(c.shellC))
	out := c.outputs(req)
	res := ofType(out, "execute_result")
	if rep["status"] != "ok" || len(res) != 1 || res[0]["data"].(map[string]any)["text/plain"] != `"hello gopher"` {
		t.Fatalf("reply %v result %v", rep, res)
	}
	if s := streamText(out, "stdout"); s != "name? " {
		t.Errorf("prompt %q", s)
	}

	// Without allow_stdin, reading fails clearly instead of hanging.
	rep, out = c.execute(`var s string
_, err := fmt.Scanln(&s)
err`, execOpts{})
	res = ofType(out, "execute_result")
	if len(res) != 1 || !strings.Contains(res[0]["data"].(map[string]any)["text/plain"].(string), "allow_stdin") {
		t.Errorf("reply %v outputs %v", rep, res)
	}
}

func TestNilErrorIsNotAResult(t *testing.T) {
	_, c := startKernel(t, Config{})
	c.execute("import \"errors\"\ntype closer struct{}\nfunc (closer) Close() error { return nil }\nvar cl closer", execOpts{})
	for _, tt := range []struct {
		code            string
		results, errors int
	}{
		{"var e error\ne", 0, 0}, // a nil error, like Python's None
		{"cl.Close()", 0, 0},
		{"errors.New(\"boom\")", 0, 1}, // a trailing call's non-nil error is the cell's error
		{"var v any = 3\nv", 1, 0},
	} {
		_, out := c.execute(tt.code, execOpts{})
		if r, e := len(ofType(out, "execute_result")), len(ofType(out, "error")); r != tt.results || e != tt.errors {
			t.Errorf("%q: %d results and %d errors, want %d and %d", tt.code, r, e, tt.results, tt.errors)
		}
	}
}
