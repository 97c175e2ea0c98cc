package kernel

import (
	"github.com/goparallel/goparallel/protocol"
	"strings"
	"testing"
)

// BenchmarkExecuteRoundTrip measures execute_request of the cell `1` to its idle
// status over loopback zmq, as kernel_roundtrip.py does from Python.
func BenchmarkExecuteRoundTrip(b *testing.B) {
	_, c := startKernel(b, Config{HistoryFile: "-"})
	for b.Loop() {
		req := c.sendExecute("1", execOpts{})
		c.recv(c.shellC)
		c.outputs(req)
	}
}

// BenchmarkInterrupt measures how long an interrupt_request takes to stop a
// running `for {}` loop, from the request to the cell's error reply; the issue
// asks for well under a second.
func BenchmarkInterrupt(b *testing.B) {
	_, c := startKernel(b, Config{HistoryFile: "-"})
	c.execute("import \"fmt\"\nn := 0", execOpts{})
	for b.Loop() {
		b.StopTimer()
		req := c.sendExecute("fmt.Println(\"looping\")\nfor {\n\tn = n + 0\n}", execOpts{})
		for seen := ""; !strings.Contains(seen, "looping"); {
			if m := c.recv(c.iopubC); m.Header.MsgType == "stream" && m.Parent.MsgID == req.Header.MsgID {
				seen += decode(m)["text"].(string)
			}
		}
		b.StartTimer()
		c.send(c.control, "interrupt_request", nil)
		c.recv(c.controlC)
		c.recv(c.shellC)
		b.StopTimer()
		for { // the rest of the cell's iopub messages, up to its idle status
			m := c.recv(c.iopubC)
			if m.Parent.MsgID == req.Header.MsgID && m.Header.MsgType == "status" && state(m) == protocol.StatusIdle {
				break
			}
		}
		b.StartTimer()
	}
}
