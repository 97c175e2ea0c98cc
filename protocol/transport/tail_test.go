package transport

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"testing"
	"time"
)

// streamOpts makes sockets that stream buffers of 1 MiB and more.
var streamOpts = Options{Logger: quietOpts.Logger, StreamFrom: 1 << 20}

// pattern returns n bytes that differ from one position to the next, so a
// misplaced or dropped chunk shows.
func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7) ^ byte(i>>11) ^ seed
	}
	return b
}

// jupyterMessage is a message with the shape the streaming condition looks for:
// delimiter, signature, four JSON frames, then buffers.
func jupyterMessage(buffers ...[]byte) [][]byte {
	return append(frames("<IDS|MSG>", "sig", "{}", "{}", "{}", "{}"), buffers...)
}

// listenRouter listens with a ROUTER on a free loopback port, closed at the end
// of the test.
func listenRouter(t *testing.T, ctx context.Context, opts Options) *Socket {
	t.Helper()
	s, err := Listen(ctx, Router, "tcp://127.0.0.1:0", rawCodec(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// rawDealer connects a hand-driven DEALER with the given identity to router and
// waits until the router has it as a peer.
func rawDealer(t *testing.T, router *Socket, identity string) net.Conn {
	t.Helper()
	c := rawPeerAs(t, "127.0.0.1:"+strconv.Itoa(router.Port()), "DEALER", identity)
	for {
		router.n.mu.RLock()
		p := router.n.byID[identity]
		router.n.mu.RUnlock()
		if p != nil {
			return c
		}
		time.Sleep(time.Millisecond)
	}
}

// forwarder is a ROUTER that streams (front) with one DEALER connected (src),
// and a second streaming ROUTER (back) with its DEALER (dst, identity "dst").
type forwarder struct {
	front, src, back, dst *Socket
}

func newForwarder(t *testing.T, ctx context.Context, ep func(string) string) *forwarder {
	t.Helper()
	var f forwarder
	f.front, f.src = listenDial(t, ctx, Router, Dealer, ep("front"), streamOpts)
	var err error
	f.back, err = Listen(ctx, Router, ep("back"), rawCodec(t), streamOpts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.back.Close() })
	opts := quietOpts
	opts.Identity = "dst"
	f.dst, err = Dial(ctx, Dealer, dialEndpoint(f.back, ep("back")), rawCodec(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.dst.Close() })
	// The ROUTER learns dst's identity from its handshake: wait for it.
	if err := f.dst.SendFrames(frames("hello")); err != nil {
		t.Fatal(err)
	}
	wantFrames(t, recvWithin(t, f.back, 5*time.Second), frames("dst", "hello"))
	return &f
}

// recvStreamWithin is RecvStream with a deadline.
func recvStreamWithin(t *testing.T, s *Socket, d time.Duration) ([][]byte, *Tail) {
	t.Helper()
	type result struct {
		f    [][]byte
		tail *Tail
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		f, tail, err := s.RecvStream()
		ch <- result{f, tail, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			t.Fatal(r.err)
		}
		return r.f, r.tail
	case <-time.After(d):
		s.Close()
		t.Fatalf("nothing received within %v", d)
		return nil, nil
	}
}

// TestTailStreamsBetweenConnections: a message whose buffers pass the threshold
// arrives as its signed part plus a tail; sent on through another socket it
// reaches that socket's peer whole, small frames after the big ones included,
// and the source connection reads on afterwards.
func TestTailStreamsBetweenConnections(t *testing.T) {
	for name, ep := range endpoints(t) {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			f := newForwarder(t, ctx, ep)
			msg := jupyterMessage([]byte("small first"), pattern(3<<20, 1), []byte("x"), pattern(2<<20+5, 2))
			if err := f.src.SendFrames(msg); err != nil {
				t.Fatal(err)
			}
			head, tail := recvStreamWithin(t, f.front, 5*time.Second)
			if tail == nil {
				t.Fatal("no tail for a message with a 3 MiB buffer")
			}
			wantFrames(t, head, append(frames("peer-DEALER"), msg[:7]...))
			if err := f.back.SendStream(append(frames("dst"), head[1:]...), tail); err != nil {
				t.Fatal(err)
			}
			wantFrames(t, recvWithin(t, f.dst, 10*time.Second), msg)

			if err := f.src.SendFrames(frames("next")); err != nil {
				t.Fatal(err)
			}
			wantFrames(t, recvWithin(t, f.front, 5*time.Second), frames("peer-DEALER", "next"))
		})
	}
}

// TestTailFramesDiscardAndReuse: a tail read in whole gives the buffers; a
// discarded one frees the connection for the next message; a tail is used once.
func TestTailFramesDiscardAndReuse(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	router, dealer := listenDial(t, ctx, Router, Dealer, "tcp://127.0.0.1:0", streamOpts)
	big := pattern(1<<20, 3)
	if err := dealer.SendFrames(jupyterMessage(big, []byte("end"))); err != nil {
		t.Fatal(err)
	}
	_, tail := recvStreamWithin(t, router, 5*time.Second)
	rest, err := tail.Frames()
	if err != nil {
		t.Fatal(err)
	}
	wantFrames(t, rest, [][]byte{big, []byte("end")})
	if _, err := tail.Frames(); !errors.Is(err, errTailUsed) {
		t.Fatalf("second use of a tail: %v, want errTailUsed", err)
	}
	tail.Discard() // a no-op now

	if err := dealer.SendFrames(jupyterMessage(big)); err != nil {
		t.Fatal(err)
	}
	if err := dealer.SendFrames(frames("after")); err != nil {
		t.Fatal(err)
	}
	_, tail = recvStreamWithin(t, router, 5*time.Second)
	tail.Discard()
	wantFrames(t, recvWithin(t, router, 5*time.Second), frames("peer-DEALER", "after"))

	// RecvFrames reads a streamed message whole.
	if err := dealer.SendFrames(jupyterMessage(big)); err != nil {
		t.Fatal(err)
	}
	wantFrames(t, recvWithin(t, router, 5*time.Second), append(frames("peer-DEALER"), jupyterMessage(big)...))
}

// TestTailOnlyAfterSignedPart: a large frame among the signed frames (a big
// content, say) is read with the message, since the message cannot be verified
// without it; so are large frames of messages that have no delimiter.
func TestTailOnlyAfterSignedPart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	router, dealer := listenDial(t, ctx, Router, Dealer, "tcp://127.0.0.1:0", streamOpts)
	big := pattern(2<<20, 4)
	for _, msg := range [][][]byte{
		append(frames("<IDS|MSG>", "sig", "{}", "{}", "{}"), big),
		{[]byte("no delimiter"), big},
	} {
		if err := dealer.SendFrames(msg); err != nil {
			t.Fatal(err)
		}
		got, tail := recvStreamWithin(t, router, 5*time.Second)
		if tail != nil {
			t.Fatalf("message %q came with a tail", clip(msg))
		}
		wantFrames(t, got, append(frames("peer-DEALER"), msg...))
	}
}

// TestTailToUnknownPeerIsDiscarded: a ROUTER drops a message for an identity it
// does not know; its tail is read off the source, which goes on serving.
func TestTailToUnknownPeerIsDiscarded(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	f := newForwarder(t, ctx, endpoints(t)["tcp"])
	if err := f.src.SendFrames(jupyterMessage(pattern(4<<20, 5))); err != nil {
		t.Fatal(err)
	}
	if err := f.src.SendFrames(frames("after")); err != nil {
		t.Fatal(err)
	}
	head, tail := recvStreamWithin(t, f.front, 5*time.Second)
	if err := f.back.SendStream(append(frames("nobody"), head[1:]...), tail); err != nil {
		t.Fatal(err)
	}
	wantFrames(t, recvWithin(t, f.front, 5*time.Second), frames("peer-DEALER", "after"))
}

// TestTailStalledDestinationReleasesSource: when the destination stops reading,
// the rest of the tail is read into memory after stallTimeout, so the source's
// next message gets through; the destination still gets the whole message once
// it reads again.
func TestTailStalledDestinationReleasesSource(t *testing.T) {
	defer func(d time.Duration) { stallTimeout = d }(stallTimeout)
	stallTimeout = 200 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	front, src := listenDial(t, ctx, Router, Dealer, "tcp://127.0.0.1:0", streamOpts)
	back := listenRouter(t, ctx, streamOpts)
	dst := rawDealer(t, back, "dst")
	dst.SetDeadline(time.Time{})
	// More than loopback's socket buffers hold, so the writer blocks.
	msg := jupyterMessage(pattern(48<<20, 6), []byte("tail end"))
	if err := src.SendFrames(msg); err != nil {
		t.Fatal(err)
	}
	if err := src.SendFrames(frames("after")); err != nil {
		t.Fatal(err)
	}
	head, tail := recvStreamWithin(t, front, 5*time.Second)
	if err := back.SendStream(append(frames("dst"), head[1:]...), tail); err != nil {
		t.Fatal(err)
	}
	wantFrames(t, recvWithin(t, front, 10*time.Second), frames("peer-DEALER", "after"))

	dst.SetReadDeadline(time.Now().Add(20 * time.Second))
	got, _ := readRawMessage(t, dst)
	wantFrames(t, got, msg)
}

// TestTailSourceLostMidFrame: a source that dies in the middle of a streamed
// frame takes the destination connection with it (it holds a torn frame), and
// both sockets go on serving new connections.
func TestTailSourceLostMidFrame(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	front := listenRouter(t, ctx, streamOpts)
	back := listenRouter(t, ctx, streamOpts)
	dst := rawDealer(t, back, "dst")
	src := rawDealer(t, front, "src")
	var out []byte
	for _, f := range jupyterMessage() {
		out = append(out, rawFrame(flagMore, f)...)
	}
	full := pattern(4<<20, 7)
	out = append(out, rawFrame(0, full)[:9+1<<20]...) // a quarter of the body
	if _, err := src.Write(out); err != nil {
		t.Fatal(err)
	}
	head, tail := recvStreamWithin(t, front, 5*time.Second)
	if err := back.SendStream(append(frames("dst"), head[1:]...), tail); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	src.Close()
	dst.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := io.Copy(io.Discard, dst)
	if err != nil {
		t.Fatalf("destination: %v after %d bytes, want EOF", err, n)
	}
	if n >= int64(len(full)) {
		t.Fatalf("destination got %d bytes of a message whose source sent a quarter of %d", n, len(full))
	}

	// Both sockets still serve.
	dst2 := rawDealer(t, back, "dst2")
	if err := back.SendFrames(frames("dst2", "ok")); err != nil {
		t.Fatal(err)
	}
	got, _ := readRawMessage(t, dst2)
	wantFrames(t, got, frames("ok"))
	src2 := rawDealer(t, front, "src2")
	if _, err := src2.Write(rawFrame(0, []byte("still here"))); err != nil {
		t.Fatal(err)
	}
	wantFrames(t, recvWithin(t, front, 5*time.Second), frames("src2", "still here"))
	if !bytes.Equal(head[0], []byte("src")) {
		t.Fatalf("identity %q, want src", head[0])
	}
}

// TestStreamIfRefusesAMessage: a message StreamIf refuses comes whole from
// RecvStream, large buffers and all, and the next one is asked about again.
func TestStreamIfRefusesAMessage(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	opts := streamOpts
	opts.StreamIf = func(head [][]byte) bool { return string(head[len(head)-1]) == "stream me" }
	router, dealer := listenDial(t, ctx, Router, Dealer, "tcp://127.0.0.1:0", opts)
	big := pattern(2<<20, 8)
	keep := append(frames("<IDS|MSG>", "sig", "{}", "{}", "{}", "keep whole"), big, big)
	if err := dealer.SendFrames(keep); err != nil {
		t.Fatal(err)
	}
	got, tail := recvStreamWithin(t, router, 5*time.Second)
	if tail != nil {
		t.Fatal("a refused message came with a tail")
	}
	wantFrames(t, got, append(frames("peer-DEALER"), keep...))

	stream := append(frames("<IDS|MSG>", "sig", "{}", "{}", "{}", "stream me"), big)
	if err := dealer.SendFrames(stream); err != nil {
		t.Fatal(err)
	}
	_, tail = recvStreamWithin(t, router, 5*time.Second)
	rest, err := tail.Frames()
	if err != nil || tail == nil {
		t.Fatalf("accepted message: tail %v, %v", tail, err)
	}
	wantFrames(t, rest, [][]byte{big})
}

// TestTrySendStream: TrySendStream queues like SendStream, drops what a ROUTER
// drops, and refuses without waiting, tail untouched, once a peer's queue is full.
func TestTrySendStream(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	router := listenRouter(t, ctx, quietOpts)
	dst := rawDealer(t, router, "dst")
	if !router.TrySendStream(frames("nobody", "x"), nil) {
		t.Fatal("a message for an unknown peer was refused, not dropped")
	}
	if !router.TrySendStream(frames("dst", "first"), nil) {
		t.Fatal("refused with an empty queue")
	}
	f, _ := readRawMessage(t, dst)
	wantFrames(t, f, frames("first"))

	// dst stops reading: a few large messages fill the connection, then
	// small ones the queue (hwm) and the writer's batch (up to maxBatch).
	big := pattern(4<<20, 9)
	refused := false
	for i := 0; i < 16+hwm+2*maxBatch && !refused; i++ {
		body := []byte("small")
		if i < 16 {
			body = big
		}
		refused = !router.TrySendStream([][]byte{[]byte("dst"), body}, nil)
	}
	if !refused {
		t.Fatal("a full queue never refused")
	}
}
