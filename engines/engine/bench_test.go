package engine

import (
	"testing"

	"github.com/goparallel/goparallel/protocol"
)

// BenchmarkApplyRoundTrip measures one apply_request of a compiled function,
// from the fake controller's send to its receipt of the reply: two zmq hops
// over loopback, decoding, the call (session.Call) and encoding.
func BenchmarkApplyRoundTrip(b *testing.B) {
	f := newFakeController(b, 0)
	startEngine(b, f, nil)
	req, bufs := applyReq(b, "func(x int) int { return x + 1 }", false, nil, 41)
	f.collect(f.send(protocol.MsgApplyRequest, req, bufs)) // compile once
	for b.Loop() {
		_, reply := f.collect(f.send(protocol.MsgApplyRequest, req, bufs))
		if reply.Header.MsgType != protocol.MsgApplyReply {
			b.Fatal(reply.Header.MsgType)
		}
	}
}

// BenchmarkMapCall measures the engine's per-element cost of a map: one
// apply_request mapping a compiled function over 1000 ints.
func BenchmarkMapCall(b *testing.B) {
	f := newFakeController(b, 0)
	startEngine(b, f, nil)
	xs := make([]int, 1000)
	req, bufs := applyReq(b, "func(x int) int { return x + 1 }", true, nil, xs)
	f.collect(f.send(protocol.MsgApplyRequest, req, bufs))
	for b.Loop() {
		f.collect(f.send(protocol.MsgApplyRequest, req, bufs))
	}
}
