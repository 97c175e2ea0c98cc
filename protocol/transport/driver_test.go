package transport

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goparallel/goparallel/protocol"
)

var quietOpts = Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}

func rawCodec(t testing.TB) *protocol.Codec {
	c, err := protocol.NewCodec("", nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// endpoints returns makers of tcp and ipc endpoints for listening sockets, each
// endpoint distinct by name.
func endpoints(t *testing.T) map[string]func(name string) string {
	dir := t.TempDir()
	return map[string]func(string) string{
		"tcp": func(string) string { return "tcp://127.0.0.1:0" },
		"ipc": func(name string) string { return "ipc://" + filepath.Join(dir, name) },
	}
}

// dialEndpoint is where to dial a socket listening on ep.
func dialEndpoint(s *Socket, ep string) string {
	if strings.HasPrefix(ep, "tcp://") {
		return "tcp://127.0.0.1:" + strconv.Itoa(s.Port())
	}
	return ep
}

func listenDial(t *testing.T, ctx context.Context, lk, dk Kind, ep string, opts Options) (l, d *Socket) {
	t.Helper()
	l, err := Listen(ctx, lk, ep, rawCodec(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	opts.Identity = "peer-" + dk.String()
	d, err = Dial(ctx, dk, dialEndpoint(l, ep), rawCodec(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return l, d
}

func frames(parts ...string) [][]byte {
	out := make([][]byte, len(parts))
	for i, p := range parts {
		out[i] = []byte(p)
	}
	return out
}

func recvWithin(t *testing.T, s *Socket, d time.Duration) [][]byte {
	t.Helper()
	type result struct {
		f   [][]byte
		err error
	}
	ch := make(chan result, 1)
	go func() {
		f, err := s.RecvFrames()
		ch <- result{f, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			t.Fatal(r.err)
		}
		return r.f
	case <-time.After(d):
		s.Close() // ends the receiving goroutine
		t.Fatalf("%s: nothing received within %v", s.kind, d)
		return nil
	}
}

func wantFrames(t *testing.T, got, want [][]byte) {
	t.Helper()
	if !slices.EqualFunc(got, want, bytes.Equal) {
		t.Fatalf("got %d frames %q, want %q", len(got), clip(got), clip(want))
	}
}

func clip(f [][]byte) []string {
	var out []string
	for _, b := range f {
		s := string(b)
		if len(s) > 40 {
			s = fmt.Sprintf("%s…(%d bytes)", s[:40], len(s))
		}
		out = append(out, s)
	}
	return out
}

func TestRoundTripsOverBufferedDriver(t *testing.T) {
	for name, ep := range endpoints(t) {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			before := openedConns.Load()

			t.Run("ROUTER-DEALER", func(t *testing.T) {
				router, dealer := listenDial(t, ctx, Router, Dealer, ep("rd"), quietOpts)
				msg := frames("<IDS|MSG>", "sig", `{"msg_type":"x"}`, "{}", "{}", strings.Repeat("c", 300))
				for range 3 {
					if err := dealer.SendFrames(msg); err != nil {
						t.Fatal(err)
					}
					got := recvWithin(t, router, 5*time.Second)
					wantFrames(t, got, append(frames("peer-DEALER"), msg...))
					if err := router.SendFrames(got); err != nil {
						t.Fatal(err)
					}
					wantFrames(t, recvWithin(t, dealer, 5*time.Second), msg)
				}
			})
			t.Run("REQ-REP", func(t *testing.T) {
				rep, req := listenDial(t, ctx, Rep, Req, ep("rr"), quietOpts)
				for i := range 3 {
					q := frames("question", strconv.Itoa(i))
					if err := req.SendFrames(q); err != nil {
						t.Fatal(err)
					}
					wantFrames(t, recvWithin(t, rep, 5*time.Second), q)
					a := frames("answer", strconv.Itoa(i), "")
					if err := rep.SendFrames(a); err != nil {
						t.Fatal(err)
					}
					wantFrames(t, recvWithin(t, req, 5*time.Second), a)
				}
			})
			t.Run("PUB-SUB", func(t *testing.T) {
				pub, sub := listenDial(t, ctx, Pub, Sub, ep("ps"), quietOpts)
				// A PUB drops messages until the subscription arrives.
				for len(pub.Topics()) == 0 {
					if ctx.Err() != nil {
						t.Fatal("no subscription")
					}
					time.Sleep(time.Millisecond)
				}
				msg := frames("topic", "", strings.Repeat("p", 70000))
				if err := pub.SendFrames(msg); err != nil {
					t.Fatal(err)
				}
				wantFrames(t, recvWithin(t, sub, 5*time.Second), msg)
			})
			t.Run("PUSH-PULL", func(t *testing.T) {
				pull, push := listenDial(t, ctx, Pull, Push, ep("pp"), quietOpts)
				for i := range 10 {
					if err := push.SendFrames(frames("n", strconv.Itoa(i))); err != nil {
						t.Fatal(err)
					}
				}
				for i := range 10 {
					wantFrames(t, recvWithin(t, pull, 5*time.Second), frames("n", strconv.Itoa(i)))
				}
			})
			if n := openedConns.Load() - before; n < 8 {
				t.Fatalf("the buffered driver made %d connections, want 8: sockets bypassed it", n)
			}
		})
	}
}

func TestStockDriverOption(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	before := openedConns.Load()
	opts := quietOpts
	opts.StockDriver = true
	router, dealer := listenDial(t, ctx, Router, Dealer, "tcp://127.0.0.1:0", opts)
	dealer.SendFrames(frames("a", "b"))
	wantFrames(t, recvWithin(t, router, 5*time.Second), frames("peer-DEALER", "a", "b"))
	if n := openedConns.Load() - before; n != 0 {
		t.Fatalf("%d connections through the buffered driver, want none", n)
	}
}

// TestMultiFrameMessageWithBigBuffer sends an apply-like message carrying a 10 MB
// buffer frame both ways.
func TestMultiFrameMessageWithBigBuffer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	router, dealer := listenDial(t, ctx, Router, Dealer, "tcp://127.0.0.1:0", quietOpts)
	big := make([]byte, 10<<20)
	for i := range big {
		big[i] = byte(i * 7)
	}
	msg := append(frames("<IDS|MSG>", "sig", "header", "parent", "metadata", "content"), big, []byte("tail"))
	if err := dealer.SendFrames(msg); err != nil {
		t.Fatal(err)
	}
	got := recvWithin(t, router, 10*time.Second)
	wantFrames(t, got, append(frames("peer-DEALER"), msg...))
	if err := router.SendFrames(got); err != nil {
		t.Fatal(err)
	}
	wantFrames(t, recvWithin(t, dealer, 10*time.Second), msg)
}

// rawPeer is a hand-written ZMTP 3.0 DEALER over TCP: it completes the greeting and
// the NULL handshake and then lets the test write whatever it likes.
func rawPeer(t *testing.T, addr string) net.Conn {
	t.Helper()
	return rawPeerAs(t, addr, "DEALER", "raw")
}

// rawPeerAs connects to addr and does the ZMTP handshake by hand as a socket of
// type sockType with the given identity.
func rawPeerAs(t *testing.T, addr, sockType, identity string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write(greetingBytes()); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(c, make([]byte, greetingLen)); err != nil {
		t.Fatal(err)
	}
	var ready []byte
	ready = append(ready, "\x05READY"...)
	for _, kv := range [][2]string{{"Socket-Type", sockType}, {"Identity", identity}} {
		ready = append(ready, byte(len(kv[0])))
		ready = append(ready, kv[0]...)
		ready = binary.BigEndian.AppendUint32(ready, uint32(len(kv[1])))
		ready = append(ready, kv[1]...)
	}
	if _, err := c.Write(append([]byte{flagCommand, byte(len(ready))}, ready...)); err != nil {
		t.Fatal(err)
	}
	var hdr [2]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil || hdr[0] != flagCommand {
		t.Fatalf("peer's READY: header %x, %v", hdr, err)
	}
	if _, err := io.ReadFull(c, make([]byte, hdr[1])); err != nil {
		t.Fatal(err)
	}
	return c
}

// syncBuffer is a log sink the driver's goroutines may write while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestOversizedFrameDisconnects has a raw peer claim a 2^40-byte frame (which zmq4
// would try to allocate) and another one exceed a small configured limit: each is
// disconnected and logged while the ROUTER keeps serving a well-behaved DEALER.
func TestOversizedFrameDisconnects(t *testing.T) {
	for _, tc := range []struct {
		name  string
		limit int64
		size  uint64
	}{
		{"default limit", 0, 1 << 40},
		{"configured limit", 1000, 1001},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			var logs syncBuffer
			opts := Options{Logger: slog.New(slog.NewTextHandler(&logs, nil)), MaxFrameSize: tc.limit}
			router, dealer := listenDial(t, ctx, Router, Dealer, "tcp://127.0.0.1:0", opts)
			addr := "127.0.0.1:" + strconv.Itoa(router.Port())
			echo := func() {
				t.Helper()
				if err := dealer.SendFrames(frames("ping")); err != nil {
					t.Fatal(err)
				}
				wantFrames(t, recvWithin(t, router, 5*time.Second), frames("peer-DEALER", "ping"))
			}
			echo()

			bad := rawPeer(t, addr)
			// The peer is known to the ROUTER once its first frame gets through.
			if _, err := bad.Write([]byte{0, 5, 'h', 'e', 'l', 'l', 'o'}); err != nil {
				t.Fatal(err)
			}
			wantFrames(t, recvWithin(t, router, 5*time.Second), frames("raw", "hello"))
			hdr := binary.BigEndian.AppendUint64([]byte{flagLong}, tc.size)
			if _, err := bad.Write(hdr); err != nil {
				t.Fatal(err)
			}
			bad.Write(make([]byte, 4096)) // part of the announced body; may fail once closed
			n, err := bad.Read(make([]byte, 1))
			var ne net.Error
			if n != 0 || err == nil || errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("oversized peer: read %d bytes, err %v; want the connection closed", n, err)
			}
			echo()
			// The ROUTER drops the connection asynchronously; once it has,
			// replies to the peer are discarded instead of failing on a dead
			// connection.
			for router.SendFrames(frames("raw", "late")) != nil {
				if ctx.Err() != nil {
					t.Fatal("the ROUTER still routes to the disconnected peer")
				}
				time.Sleep(time.Millisecond)
			}
			echo()
			if l := logs.String(); !strings.Contains(l, "closed connection") || !strings.Contains(l, strconv.FormatUint(tc.size, 10)) {
				t.Fatalf("log does not report the oversized frame:\n%s", l)
			}
		})
	}
}

// TestConnPassesThroughDeadlinesAndAddrs checks the net.Conn methods conn does not
// change: a read deadline still times a Read out (without poisoning the
// connection), addresses are the socket's and Close closes it.
func TestConnPassesThroughDeadlinesAndAddrs(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	nc, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	peer, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	c := newConn(nc, nil)
	if c.RemoteAddr().String() != l.Addr().String() || c.LocalAddr().String() != peer.RemoteAddr().String() {
		t.Fatalf("addresses %v→%v", c.LocalAddr(), c.RemoteAddr())
	}
	c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	var ne net.Error
	if _, err := c.Read(make([]byte, 1)); !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("read past deadline: %v, want a timeout", err)
	}
	c.SetReadDeadline(time.Time{})
	peer.Write(greetingBytes())
	if _, err := io.ReadFull(c, make([]byte, greetingLen)); err != nil {
		t.Fatalf("read after a timeout: %v", err)
	}
	c.Close()
	if _, err := peer.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("peer read after Close: %v, want EOF", err)
	}
}
