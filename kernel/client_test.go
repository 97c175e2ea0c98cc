package kernel

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/goparallel/goparallel/protocol"
	"github.com/goparallel/goparallel/protocol/transport"
)

// testClient is a minimal Jupyter frontend over real zmq sockets.
type testClient struct {
	t       testing.TB
	session string
	shell   *transport.Socket
	control *transport.Socket
	stdin   *transport.Socket
	hb      *transport.Socket
	iopub   *transport.Socket

	shellC, controlC, stdinC, iopubC chan *protocol.Message
}

const testTimeout = 10 * time.Second

// startKernel runs a kernel on 127.0.0.1 with free ports and connects a client.
func startKernel(t testing.TB, cfg Config) (*Kernel, *testClient) {
	t.Helper()
	if cfg.HistoryFile == "" {
		cfg.HistoryFile = t.TempDir() + "/history.jsonl"
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	if cfg.Logger == nil {
		cfg.Logger = quiet
	}
	ci := &protocol.ConnectionInfo{Transport: "tcp", IP: "127.0.0.1", Key: "test-key", SignatureScheme: protocol.SignatureScheme}
	k, err := New(ci, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- k.Run(ctx) }()

	conn := k.Connection()
	codec, _ := protocol.NewCodec(protocol.SignatureScheme, []byte("test-key"))
	c := &testClient{t: t, session: protocol.NewID()}
	dial := func(kind transport.Kind, port int, id string) *transport.Socket {
		s, err := transport.Dial(ctx, kind, conn.Endpoint(port), codec, transport.Options{Identity: id, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	// Shell and stdin share an identity, as in jupyter_client: input requests are
	// routed by the identity of the shell request.
	c.shell = dial(transport.Dealer, conn.ShellPort, c.session)
	c.stdin = dial(transport.Dealer, conn.StdinPort, c.session)
	c.control = dial(transport.Dealer, conn.ControlPort, c.session+"-control")
	c.iopub = dial(transport.Sub, conn.IOPubPort, "")
	c.hb = dial(transport.Dealer, conn.HBPort, c.session+"-hb")
	c.shellC, c.controlC, c.stdinC, c.iopubC = c.pump(c.shell), c.pump(c.control), c.pump(c.stdin), c.pump(c.iopub)

	t.Cleanup(func() {
		k.Stop()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(testTimeout):
			t.Errorf("kernel did not stop")
		}
		cancel()
		for _, s := range []*transport.Socket{c.shell, c.control, c.stdin, c.iopub, c.hb} {
			s.Close()
		}
	})
	c.waitReady()
	return k, c
}

func (c *testClient) pump(s *transport.Socket) chan *protocol.Message {
	ch := make(chan *protocol.Message, 1000)
	go func() {
		for {
			m, err := s.Recv()
			if err != nil {
				close(ch)
				return
			}
			ch <- m
		}
	}()
	return ch
}

// waitReady sends kernel_info requests until iopub delivers their status, since
// a subscriber misses what is published before its subscription lands.
func (c *testClient) waitReady() {
	deadline := time.Now().Add(testTimeout)
	for time.Now().Before(deadline) {
		req := c.send(c.shell, "kernel_info_request", nil)
		c.recv(c.shellC)
		timer := time.After(200 * time.Millisecond)
	drain:
		for {
			select {
			case m := <-c.iopubC:
				if m.Parent.MsgID == req.Header.MsgID && m.Header.MsgType == "status" && state(m) == protocol.StatusIdle {
					return
				}
			case <-timer:
				break drain
			}
		}
	}
	c.t.Fatal("iopub never came up")
}

func (c *testClient) send(s *transport.Socket, msgType string, content any) *protocol.Message {
	c.t.Helper()
	m, err := protocol.NewMessage(msgType, c.session, nil, content)
	if err != nil {
		c.t.Fatal(err)
	}
	if err := s.Send(m); err != nil {
		c.t.Fatal(err)
	}
	return m
}

func (c *testClient) recv(ch chan *protocol.Message) *protocol.Message {
	c.t.Helper()
	select {
	case m, ok := <-ch:
		if !ok {
			c.t.Fatal("socket closed")
		}
		return m
	case <-time.After(testTimeout):
		c.t.Fatal("timed out waiting for a message")
	}
	return nil
}

// outputs collects the iopub messages parented to req, from busy to idle
// (excluded), skipping messages of other requests.
func (c *testClient) outputs(req *protocol.Message) []*protocol.Message {
	c.t.Helper()
	var out []*protocol.Message
	busy := false
	for {
		m := c.recv(c.iopubC)
		if m.Parent.MsgID != req.Header.MsgID {
			continue
		}
		if m.Header.MsgType == "status" {
			switch state(m) {
			case protocol.StatusBusy:
				if busy || len(out) > 0 {
					c.t.Fatalf("second busy for %s", req.Header.MsgType)
				}
				busy = true
				continue
			case protocol.StatusIdle:
				if !busy {
					c.t.Fatalf("idle before busy for %s", req.Header.MsgType)
				}
				return out
			}
		}
		if !busy {
			c.t.Fatalf("%s before busy", m.Header.MsgType)
		}
		out = append(out, m)
	}
}

func state(m *protocol.Message) string {
	var s protocol.Status
	json.Unmarshal(m.Content, &s)
	return s.ExecutionState
}

type execOpts struct {
	silent, noHistory, allowStdin, noStopOnError bool
}

// execute runs code and returns the reply content and the iopub messages.
func (c *testClient) execute(code string, o execOpts) (map[string]any, []*protocol.Message) {
	c.t.Helper()
	req := c.sendExecute(code, o)
	rep := c.recv(c.shellC)
	if rep.Parent.MsgID != req.Header.MsgID || rep.Header.MsgType != "execute_reply" {
		c.t.Fatalf("reply %s to %s", rep.Header.MsgType, rep.Parent.MsgID)
	}
	return decode(rep), c.outputs(req)
}

func (c *testClient) sendExecute(code string, o execOpts) *protocol.Message {
	store, stop := !o.noHistory, !o.noStopOnError
	return c.send(c.shell, "execute_request", protocol.ExecuteRequest{
		Code: code, Silent: o.silent, StoreHistory: &store, AllowStdin: o.allowStdin, StopOnError: &stop,
	})
}

func decode(m *protocol.Message) map[string]any {
	var v map[string]any
	json.Unmarshal(m.Content, &v)
	return v
}

// ofType returns the messages of one type.
func ofType(ms []*protocol.Message, msgType string) []map[string]any {
	var out []map[string]any
	for _, m := range ms {
		if m.Header.MsgType == msgType {
			out = append(out, decode(m))
		}
	}
	return out
}

// streamText concatenates the text of the stream messages named name.
func streamText(ms []*protocol.Message, name string) string {
	s := ""
	for _, c := range ofType(ms, "stream") {
		if c["name"] == name {
			s += c["text"].(string)
		}
	}
	return s
}
