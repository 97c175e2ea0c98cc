package controller

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/goparallel/goparallel/protocol"
	"github.com/goparallel/goparallel/protocol/transport"
)

// Benchmarks through the real controller over loopback TCP, with fake engines
// that answer at once. Compare BenchmarkDirectRoundTrip with the baselines: one
// zmq4 round trip with no protocol work, and one client↔engine round trip with
// the same signing and decoding as the fakes but no controller in between.
//
//	go test -run XXX -bench . -benchtime 2000x ./parallel/controller/

// BenchmarkBaselineZMQRoundTrip is one DEALER↔ROUTER round trip of raw frames.
func BenchmarkBaselineZMQRoundTrip(b *testing.B) {
	ctx := context.Background()
	codec, _ := protocol.NewCodec("", nil)
	router, err := transport.Listen(ctx, transport.Router, "tcp://127.0.0.1:0", codec, transport.Options{Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	defer router.Close()
	dealer, err := transport.Dial(ctx, transport.Dealer, "tcp://127.0.0.1:"+strconv.Itoa(router.Port()), codec, transport.Options{Identity: "d", Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	defer dealer.Close()
	go func() {
		for {
			f, err := router.RecvFrames()
			if err != nil {
				return
			}
			router.SendFrames(f)
		}
	}()
	msg := [][]byte{[]byte("hello"), make([]byte, 200)}
	b.ResetTimer()
	for range b.N {
		dealer.SendFrames(msg)
		if _, err := dealer.RecvFrames(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBaselineSignedRoundTrip is a client talking to an engine directly: the
// engine decodes, verifies and answers a signed apply_request as the fakes do.
func BenchmarkBaselineSignedRoundTrip(b *testing.B) {
	ctx := context.Background()
	key := []byte("bench-key")
	engCodec, _ := protocol.NewCodec(protocol.SignatureScheme, key)
	router, err := transport.Listen(ctx, transport.Router, "tcp://127.0.0.1:0", engCodec, transport.Options{Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	defer router.Close()
	go func() {
		for {
			m, err := router.Recv()
			if err != nil {
				return
			}
			r, _ := m.Reply(protocol.MsgApplyReply, protocol.ApplyReply{Status: protocol.ReplyOK})
			router.Send(r)
		}
	}()
	cliCodec, _ := protocol.NewCodec(protocol.SignatureScheme, key)
	dealer, err := transport.Dial(ctx, transport.Dealer, "tcp://127.0.0.1:"+strconv.Itoa(router.Port()), cliCodec, transport.Options{Identity: "c", Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	defer dealer.Close()
	b.ResetTimer()
	for range b.N {
		m, _ := protocol.NewMessage(protocol.MsgApplyRequest, "client", nil, protocol.ApplyRequest{Source: "func() int { return 1 }"})
		m.SetMetadata(direct(0))
		dealer.Send(m)
		if _, err := dealer.Recv(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDirectRoundTrip is a client's apply_request to one engine through the
// controller and the reply back: two round trips of zmq plus the controller.
func BenchmarkDirectRoundTrip(b *testing.B) {
	cl := startController(b, Options{})
	cl.newEngine(-1, autoReply)
	c := cl.newClient()
	b.ResetTimer()
	for range b.N {
		req := c.apply(direct(0))
		if m := c.recv(); m.Parent.MsgID != req.Header.MsgID {
			b.Fatal("wrong reply")
		}
	}
}

// BenchmarkBalancedRoundTrip is the same through the load-balanced scheduler.
func BenchmarkBalancedRoundTrip(b *testing.B) {
	cl := startController(b, Options{})
	for range 4 {
		cl.newEngine(-1, autoReply)
	}
	c := cl.newClient()
	b.ResetTimer()
	for range b.N {
		req := c.apply(balanced())
		if m := c.recv(); m.Parent.MsgID != req.Header.MsgID {
			b.Fatal("wrong reply")
		}
	}
}

// benchAsync sends n tasks without waiting (as AsyncResults would) to 4 engines
// and waits for all the replies; it reports tasks per second.
func benchAsync(b *testing.B, n int, md func(i int) protocol.TaskMetadata) {
	cl := startController(b, Options{})
	for range 4 {
		cl.newEngine(-1, autoReply)
	}
	c := cl.newClient()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		done := make(chan struct{})
		go func() {
			defer close(done)
			for range n {
				c.recv()
			}
		}()
		for i := range n {
			c.apply(md(i))
		}
		<-done
	}
	b.ReportMetric(float64(n*b.N)/time.Since(start).Seconds(), "tasks/s")
}

func BenchmarkBalanced2000Async(b *testing.B) {
	benchAsync(b, 2000, func(int) protocol.TaskMetadata { return balanced() })
}

func BenchmarkDirect2000Async(b *testing.B) {
	benchAsync(b, 2000, func(i int) protocol.TaskMetadata { return direct(i % 4) })
}

// BenchmarkBaselineForwarder is the client↔engine round trip through a bare
// forwarder: two ROUTER sockets and two goroutines that move frames between them,
// with no verification, no state and no writer queues. The difference between it
// and BenchmarkDirectRoundTrip is what the controller itself costs.
func BenchmarkBaselineForwarder(b *testing.B) {
	ctx := context.Background()
	key := []byte("bench-key")
	fwdCodec, _ := protocol.NewCodec(protocol.SignatureScheme, key)
	front, err := transport.Listen(ctx, transport.Router, "tcp://127.0.0.1:0", fwdCodec, transport.Options{Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	defer front.Close()
	back, err := transport.Listen(ctx, transport.Router, "tcp://127.0.0.1:0", fwdCodec, transport.Options{Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	defer back.Close()
	engCodec, _ := protocol.NewCodec(protocol.SignatureScheme, key)
	eng, err := transport.Dial(ctx, transport.Dealer, "tcp://127.0.0.1:"+strconv.Itoa(back.Port()), engCodec, transport.Options{Identity: "engine", Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	defer eng.Close()
	go func() {
		for {
			m, err := eng.Recv()
			if err != nil {
				return
			}
			r, _ := m.Reply(protocol.MsgApplyReply, protocol.ApplyReply{Status: protocol.ReplyOK})
			eng.Send(r)
		}
	}()
	engineID := []byte("engine")
	go func() {
		for {
			f, err := front.RecvFrames()
			if err != nil {
				return
			}
			back.SendFrames(prepend(engineID, f))
		}
	}()
	go func() {
		for {
			f, err := back.RecvFrames()
			if err != nil {
				return
			}
			front.SendFrames(f[1:])
		}
	}()
	cliCodec, _ := protocol.NewCodec(protocol.SignatureScheme, key)
	c, err := transport.Dial(ctx, transport.Dealer, "tcp://127.0.0.1:"+strconv.Itoa(front.Port()), cliCodec, transport.Options{Identity: "c", Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	// Wait for the engine's connection: a ROUTER drops sends to unknown peers.
	time.Sleep(100 * time.Millisecond)
	b.ResetTimer()
	for range b.N {
		m, _ := protocol.NewMessage(protocol.MsgApplyRequest, "client", nil, protocol.ApplyRequest{Source: "func() int { return 1 }"})
		m.SetMetadata(direct(0))
		c.Send(m)
		if _, err := c.Recv(); err != nil {
			b.Fatal(err)
		}
	}
}
