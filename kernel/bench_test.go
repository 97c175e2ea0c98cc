package kernel

import "testing"

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
