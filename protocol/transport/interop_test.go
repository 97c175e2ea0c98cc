package transport

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goparallel/goparallel/protocol"
)

const python = "/usr/bin/python3"

// pyPeer is the libzmq side of the interop tests. The messages it sends and
// expects are the ones interopMessages builds.
const pyPeer = `
import sys, zmq

def messages():
    return [
        [b"<IDS|MSG>", b"sig", b'{"msg_type":"apply_request"}', b"{}", b"{}", b"x" * 300],
        [b""],
        [b"a" * 255, b"b" * 256, b""],
        [bytes(range(256)) * (4 << 10)],
        [b"buf%d" % i for i in range(40)],
    ]

mode, ep = sys.argv[1], sys.argv[2]
ctx = zmq.Context()
if mode == "dealer":
    # Connect to a Go ROUTER, send every message and check the echoes.
    s = ctx.socket(zmq.DEALER)
    s.setsockopt(zmq.IDENTITY, b"py")
    s.setsockopt(zmq.RCVTIMEO, 10000)
    s.setsockopt(zmq.LINGER, 1000)
    s.connect(ep)
    for m in messages():
        s.send_multipart(m)
        got = s.recv_multipart()
        if got != m:
            sys.exit("dealer: echo differs: %r" % [len(f) for f in got])
elif mode == "router":
    # Bind a ROUTER, report where, and echo n messages.
    n = int(sys.argv[3])
    s = ctx.socket(zmq.ROUTER)
    s.setsockopt(zmq.RCVTIMEO, 10000)
    s.setsockopt(zmq.LINGER, 1000)
    if ep == "tcp":
        print("tcp://127.0.0.1:%d" % s.bind_to_random_port("tcp://127.0.0.1"), flush=True)
    else:
        s.bind(ep)
        print(ep, flush=True)
    for _ in range(n):
        s.send_multipart(s.recv_multipart())
elif mode == "sub":
    # Subscribe to a Go PUB and check what arrives.
    s = ctx.socket(zmq.SUB)
    s.setsockopt(zmq.SUBSCRIBE, b"")
    s.setsockopt(zmq.RCVTIMEO, 10000)
    s.connect(ep)
    for m in messages():
        got = s.recv_multipart()
        if got != m:
            sys.exit("sub: message differs: %r" % [len(f) for f in got])
print("ok", flush=True)
`

// interopMessages returns what pyPeer's messages() does.
func interopMessages() [][][]byte {
	big := make([]byte, 0, 256*(4<<10))
	for range 4 << 10 {
		for i := range 256 {
			big = append(big, byte(i))
		}
	}
	var bufs []string
	for i := range 40 {
		bufs = append(bufs, "buf"+strconv.Itoa(i))
	}
	return [][][]byte{
		frames("<IDS|MSG>", "sig", `{"msg_type":"apply_request"}`, "{}", "{}", strings.Repeat("x", 300)),
		frames(""),
		frames(strings.Repeat("a", 255), strings.Repeat("b", 256), ""),
		{big},
		frames(bufs...),
	}
}

// startPy runs pyPeer with args and returns its stdout lines; it fails the test if
// the script does not print "ok" and exit cleanly by the end of the test.
func startPy(t *testing.T, ctx context.Context, args ...string) *bufio.Scanner {
	t.Helper()
	script := filepath.Join(t.TempDir(), "peer.py")
	if err := os.WriteFile(script, []byte(pyPeer), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, python, append([]string{script}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	t.Cleanup(func() {
		var last string
		for lines.Scan() {
			last = lines.Text()
		}
		if err := cmd.Wait(); err != nil || last != "ok" {
			t.Errorf("pyzmq %s: %v, last line %q, stderr:\n%s", args[0], err, last, stderr.String())
		}
	})
	return lines
}

// TestPyZMQInterop talks to libzmq through pyzmq, both ways, over tcp and ipc:
// the buffered driver must be plain ZMTP to a libzmq peer (Jupyter frontends).
func TestPyZMQInterop(t *testing.T) {
	if out, err := exec.Command(python, "-c", "import zmq").CombinedOutput(); err != nil {
		t.Skipf("pyzmq not available (%s -c 'import zmq': %v: %s); install python3-zmq to run this test", python, err, bytes.TrimSpace(out))
	}
	for name, ep := range endpoints(t) {
		t.Run(name, func(t *testing.T) {
			t.Run("pyzmq DEALER to Go ROUTER", func(t *testing.T) {
				// Cancelled after startPy's cleanup has waited for the script.
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				t.Cleanup(cancel)
				router, err := Listen(ctx, Router, ep("router"), rawCodec(t), quietOpts)
				if err != nil {
					t.Fatal(err)
				}
				defer router.Close()
				startPy(t, ctx, "dealer", dialEndpoint(router, ep("router")))
				for _, m := range interopMessages() {
					got := recvWithin(t, router, 15*time.Second)
					wantFrames(t, got, append(frames("py"), m...))
					if err := router.SendFrames(got); err != nil {
						t.Fatal(err)
					}
				}
			})
			t.Run("Go DEALER to pyzmq ROUTER", func(t *testing.T) {
				// Cancelled after startPy's cleanup has waited for the script.
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				t.Cleanup(cancel)
				msgs := interopMessages()
				pyEP := name
				if name == "ipc" {
					pyEP = ep("pyrouter")
				}
				lines := startPy(t, ctx, "router", pyEP, strconv.Itoa(len(msgs)+1))
				if !lines.Scan() {
					t.Fatal("pyzmq ROUTER reported no endpoint")
				}
				key := []byte("interop-key")
				codec, _ := protocol.NewCodec(protocol.SignatureScheme, key)
				opts := quietOpts
				opts.Identity = "go"
				dealer, err := Dial(ctx, Dealer, lines.Text(), codec, opts)
				if err != nil {
					t.Fatal(err)
				}
				defer dealer.Close()
				for _, m := range msgs {
					if err := dealer.SendFrames(m); err != nil {
						t.Fatal(err)
					}
					wantFrames(t, recvWithin(t, dealer, 15*time.Second), m)
				}
				// A signed protocol message comes back intact and verifies.
				req, _ := protocol.NewMessage(protocol.MsgApplyRequest, "s", nil, protocol.ApplyRequest{Source: "1"})
				req.Buffers = [][]byte{bytes.Repeat([]byte{7}, 100000)}
				if err := dealer.Send(req); err != nil {
					t.Fatal(err)
				}
				got, err := dealer.Recv()
				if err != nil {
					t.Fatal(err)
				}
				if got.Header.MsgID != req.Header.MsgID || len(got.Buffers) != 1 || !bytes.Equal(got.Buffers[0], req.Buffers[0]) {
					t.Fatalf("signed echo: %+v with %d buffers", got.Header, len(got.Buffers))
				}
			})
			t.Run("Go PUB to pyzmq SUB", func(t *testing.T) {
				// Cancelled after startPy's cleanup has waited for the script.
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				t.Cleanup(cancel)
				pub, err := Listen(ctx, Pub, ep("pub"), rawCodec(t), quietOpts)
				if err != nil {
					t.Fatal(err)
				}
				// A PUB sends from a queue: it must stay open until the script is done.
				t.Cleanup(func() { pub.Close() })
				startPy(t, ctx, "sub", dialEndpoint(pub, ep("pub")))
				for len(pub.Topics()) == 0 {
					if ctx.Err() != nil {
						t.Fatal("pyzmq SUB never subscribed")
					}
					time.Sleep(5 * time.Millisecond)
				}
				for _, m := range interopMessages() {
					if err := pub.SendFrames(m); err != nil {
						t.Fatal(fmt.Errorf("publish: %w", err))
					}
				}
			})
		})
	}
}
