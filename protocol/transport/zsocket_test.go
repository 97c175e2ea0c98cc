package transport

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strconv"
	"testing"
	"time"
)

func (s *zsocket) peerCount() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.peers)
}

// allSubscribed reports whether every peer has a subscription.
func (s *zsocket) allSubscribed() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, p := range s.peers {
		p.tmu.RLock()
		n := len(p.topics)
		p.tmu.RUnlock()
		if n == 0 {
			return false
		}
	}
	return true
}

// queued returns the length of the i-th peer's queue.
func (s *zsocket) queued(i int) int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.peers[i].out)
}

// readRawMessage reads one message (or command) a raw peer receives.
func readRawMessage(t *testing.T, c net.Conn) (frames [][]byte, cmd bool) {
	t.Helper()
	fr := frameReader{r: c}
	frames, _, cmd, err := fr.read(false, nil, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	return frames, cmd
}

// rawFrame encodes one frame as a raw peer writes it.
func rawFrame(flags byte, body []byte) []byte {
	if len(body) > 255 {
		return append(binary.BigEndian.AppendUint64([]byte{flags | flagLong}, uint64(len(body))), body...)
	}
	return append([]byte{flags, byte(len(body))}, body...)
}

func rawCommand(name string, data []byte) []byte {
	return rawFrame(flagCommand, append(append([]byte{byte(len(name))}, name...), data...))
}

// TestPubStalledSubscriberDoesNotBlockOthers: a subscriber that stops reading
// gets its messages dropped once its queue is full, while the publisher keeps
// sending and another subscriber keeps receiving.
func TestPubStalledSubscriberDoesNotBlockOthers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	pub, err := Listen(ctx, Pub, "tcp://127.0.0.1:0", rawCodec(t), quietOpts)
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	addr := "127.0.0.1:" + strconv.Itoa(pub.Port())

	stalled := rawPeerAs(t, addr, "SUB", "")
	if _, err := stalled.Write(rawFrame(0, []byte{1})); err != nil {
		t.Fatal(err)
	}
	sub, err := Dial(ctx, Sub, "tcp://"+addr, rawCodec(t), quietOpts)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	for len(pub.Topics()) == 0 || pub.n.peerCount() < 2 {
		time.Sleep(time.Millisecond)
	}
	// Both subscriptions must have arrived before publishing.
	for !pub.n.allSubscribed() {
		time.Sleep(time.Millisecond)
	}

	body := bytes.Repeat([]byte("x"), 4<<10)
	const n = 3 * hwm
	// The subscriber that reads takes the messages as they come, so that its own
	// queue never fills.
	got := make(chan int, 1)
	go func() {
		count := 0
		for count < n {
			f, err := sub.RecvFrames()
			if err != nil {
				break
			}
			if string(f[0]) != "topic" {
				break
			}
			count++
		}
		got <- count
	}()
	for i := range n {
		if err := pub.SendFrames([][]byte{[]byte("topic"), body}); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
		// Let the reading subscriber's writer keep up; the stalled one cannot.
		for pub.n.queued(1) > hwm/2 {
			time.Sleep(time.Millisecond)
		}
	}
	select {
	case c := <-got:
		if c != n {
			t.Fatalf("the reading subscriber got %d of %d messages", c, n)
		}
	case <-ctx.Done():
		t.Fatal("the reading subscriber was held up")
	}
	if pub.Stats().QueueFull == 0 {
		t.Fatal("no message was dropped for the stalled subscriber")
	}
}

// TestRouterHandsIdentityOver: a peer reconnecting under an identity already in
// use takes it over, so replies reach the new connection.
func TestRouterHandsIdentityOver(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	router, err := Listen(ctx, Router, "tcp://127.0.0.1:0", rawCodec(t), quietOpts)
	if err != nil {
		t.Fatal(err)
	}
	defer router.Close()
	ep := "tcp://127.0.0.1:" + strconv.Itoa(router.Port())
	opts := quietOpts
	opts.Identity = "engine-a"
	old, err := Dial(ctx, Dealer, ep, rawCodec(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	if err := old.SendFrames(frames("hello from old")); err != nil {
		t.Fatal(err)
	}
	wantFrames(t, recvWithin(t, router, 5*time.Second), frames("engine-a", "hello from old"))
	fresh, err := Dial(ctx, Dealer, ep, rawCodec(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	if err := fresh.SendFrames(frames("hello from new")); err != nil {
		t.Fatal(err)
	}
	wantFrames(t, recvWithin(t, router, 5*time.Second), frames("engine-a", "hello from new"))
	if err := router.SendFrames(frames("engine-a", "reply")); err != nil {
		t.Fatal(err)
	}
	wantFrames(t, recvWithin(t, fresh, 5*time.Second), frames("reply"))
}

// TestCloseWritesQueuedMessages: Close sends what is queued before it closes, as
// ZeroMQ's linger does, so a reply sent just before exiting is not lost.
func TestCloseWritesQueuedMessages(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	router, dealer := listenDial(t, ctx, Router, Dealer, "tcp://127.0.0.1:0", quietOpts)
	const n = 2000
	for i := range n {
		if err := dealer.SendFrames(frames(strconv.Itoa(i))); err != nil {
			t.Fatal(err)
		}
	}
	dealer.Close()
	for i := range n {
		wantFrames(t, recvWithin(t, router, 5*time.Second), frames("peer-DEALER", strconv.Itoa(i)))
	}
	if err := dealer.SendFrames(frames("late")); err == nil {
		t.Fatal("send on a closed socket succeeded")
	}
}

// TestDialledSocketReportsLostConnection: when the peer of a dialled socket goes
// away, what it sent before is still received, then Recv and Send fail with
// ErrConnectionLost, so an engine or a client notices and dials again.
func TestDialledSocketReportsLostConnection(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	router, dealer := listenDial(t, ctx, Router, Dealer, "tcp://127.0.0.1:0", quietOpts)
	if err := dealer.SendFrames(frames("hello")); err != nil {
		t.Fatal(err)
	}
	wantFrames(t, recvWithin(t, router, 5*time.Second), frames("peer-DEALER", "hello"))
	if err := router.SendFrames(frames("peer-DEALER", "last words")); err != nil {
		t.Fatal(err)
	}
	router.Close()
	wantFrames(t, recvWithin(t, dealer, 5*time.Second), frames("last words"))
	if _, err := dealer.RecvFrames(); !errors.Is(err, ErrConnectionLost) {
		t.Fatalf("Recv after the peer left: %v, want ErrConnectionLost", err)
	}
	if err := dealer.SendFrames(frames("anyone?")); !errors.Is(err, ErrConnectionLost) {
		t.Fatalf("Send after the peer left: %v, want ErrConnectionLost", err)
	}
}

// TestZMTP31CommandsAreUnderstood: a SUB that subscribes with ZMTP 3.1's
// SUBSCRIBE command gets only its topic, and a PING is answered with a PONG
// carrying the ping's context.
func TestZMTP31CommandsAreUnderstood(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	pub, err := Listen(ctx, Pub, "tcp://127.0.0.1:0", rawCodec(t), quietOpts)
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	c := rawPeerAs(t, "127.0.0.1:"+strconv.Itoa(pub.Port()), "SUB", "")
	if _, err := c.Write(rawCommand("SUBSCRIBE", []byte("a"))); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(rawCommand("PING", []byte{0, 10, 'c', 't', 'x'})); err != nil {
		t.Fatal(err)
	}
	f, cmd := readRawMessage(t, c)
	if !cmd || !bytes.Equal(f[0], []byte("\x04PONGctx")) {
		t.Fatalf("got %q (command %v), want a PONG with context ctx", f, cmd)
	}
	for len(pub.Topics()) == 0 {
		time.Sleep(time.Millisecond)
	}
	for _, topic := range []string{"b1", "a1", "b2", "a2"} {
		if err := pub.SendFrames(frames(topic, "body")); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []string{"a1", "a2"} {
		f, _ := readRawMessage(t, c)
		wantFrames(t, f, frames(want, "body"))
	}
	if got := pub.Topics(); len(got) != 1 || got[0] != "a" {
		t.Fatalf("topics %q, want [a]", got)
	}
}

// FuzzFrameReader feeds arbitrary bytes after a greeting through the buffered
// connection and the frame reader, as a peer could: every message comes out
// whole (its tail read in, when it has one) or the stream ends in an error, with
// no panic and no frame over the limit.
func FuzzFrameReader(f *testing.F) {
	f.Add(rawFrame(0, []byte("hello")))
	f.Add(append(rawFrame(flagMore, []byte("a")), rawFrame(0, bytes.Repeat([]byte("b"), 300))...))
	f.Add(rawCommand("PING", []byte{0, 1}))
	f.Add(binary.BigEndian.AppendUint64([]byte{flagLong}, 1<<40))
	f.Add([]byte{flagMore, 3, 'a'})
	var jm []byte
	for _, fr := range jupyterMessage([]byte("tiny"), bytes.Repeat([]byte("t"), 40)) {
		jm = append(jm, rawFrame(flagMore, fr)...)
	}
	f.Add(append(jm, rawFrame(0, []byte("last"))...))
	f.Fuzz(func(t *testing.T, data []byte) {
		const limit = 1 << 16
		c := newConn(&fakeConn{r: bytes.NewReader(append(greetingBytes(), data...))},
			&connConfig{maxFrame: limit, log: quietOpts.Logger, endpoint: "fuzz"})
		if _, err := io.ReadFull(c, make([]byte, greetingLen)); err != nil {
			t.Fatal(err)
		}
		fr := frameReader{r: c}
		total := 0
		for {
			// Frames of 16 bytes and more after a signed part come as a tail.
			frames, tail, cmd, err := fr.read(true, []byte("id"), 16, nil)
			if err != nil {
				return
			}
			if tail != nil {
				if cmd || !afterSigned(frames) {
					t.Fatalf("tail after %q (command %v)", frames, cmd)
				}
				rest, err := tail.Frames()
				if err != nil {
					return
				}
				frames = append(frames, rest...)
			}
			if cmd && len(frames) != 1 {
				t.Fatalf("command with %d frames", len(frames))
			}
			if !cmd && !bytes.Equal(frames[0], []byte("id")) {
				t.Fatalf("message without its identity frame: %q", frames)
			}
			for _, b := range frames {
				if len(b) > limit {
					t.Fatalf("frame of %d bytes passed a %d limit", len(b), limit)
				}
				total += len(b)
			}
			if total > len(data)+2*len(data) {
				t.Fatalf("read %d bytes of frames out of %d input bytes", total, len(data))
			}
		}
	})
}
