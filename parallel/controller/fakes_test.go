package controller

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/goparallel/goparallel/protocol"
	"github.com/goparallel/goparallel/protocol/transport"
)

// Fakes for in-process tests: a controller on 127.0.0.1:0, engines and clients
// made of transport sockets. Each fake has its own codec with the cluster's key,
// as separate processes would, so the replay guards do not interfere.

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

const waitLong = 5 * time.Second

type cluster struct {
	t      testing.TB
	c      *Controller
	runErr chan error
	cancel context.CancelFunc
}

// startController runs a controller for the test's lifetime.
func startController(t testing.TB, opts Options) *cluster {
	t.Helper()
	if opts.SecurityDir == "" {
		opts.SecurityDir = t.TempDir()
	}
	if opts.Logger == nil {
		opts.Logger = quiet
	}
	if opts.HeartbeatTimeout == 0 {
		opts.HeartbeatTimeout = 5 * time.Second
	}
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cl := &cluster{t: t, c: c, runErr: make(chan error, 1), cancel: cancel}
	go func() { cl.runErr <- c.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		c.Close()
	})
	return cl
}

func (cl *cluster) endpoint(port int) string {
	if ec := cl.c.EngineConnection(); ec.Transport == "ipc" {
		return ipcEndpoint(ec.IP, port)
	}
	return "tcp://127.0.0.1:" + strconv.Itoa(port)
}

func (cl *cluster) codec() *protocol.Codec {
	codec, err := protocol.NewCodec(protocol.SignatureScheme, []byte(cl.c.ClientConnection().Key))
	if err != nil {
		cl.t.Fatal(err)
	}
	return codec
}

// fakeEngine registers with the controller and answers requests: at once when
// auto is set (after sending the configured output), or when the test says so.
type fakeEngine struct {
	t    testing.TB
	uuid string
	id   int
	// sid is id for the serve goroutine: the registration reply and the requests
	// it answers are ordered by sockets, which the race detector does not see.
	sid   atomic.Int64
	sock  *transport.Socket
	codec *protocol.Codec

	auto    bool
	output  bool // send a stream message before each reply
	fail    bool // answer with status error
	got     chan *protocol.Message
	reg     chan *protocol.Message
	ctrl    chan *protocol.Message // controller-addressed messages after registration
	hbStop  chan struct{}
	hbOnce  sync.Once
	stopped chan struct{}
}

type engineOpt func(*fakeEngine)

func autoReply(e *fakeEngine)  { e.auto = true }
func withOutput(e *fakeEngine) { e.output = true }

// newEngine connects and registers an engine asking for id requested (-1: any)
// and heartbeats every period until stopHeartbeat or the test ends.
func (cl *cluster) newEngine(requested int, opts ...engineOpt) *fakeEngine {
	e, err := cl.dialEngine(requested, opts...)
	if err != nil {
		cl.t.Fatal(err)
	}
	if e.id < 0 {
		cl.t.Fatalf("registration refused")
	}
	return e
}

func (cl *cluster) dialEngine(requested int, opts ...engineOpt) (*fakeEngine, error) {
	t := cl.t
	e := &fakeEngine{
		t: t, uuid: protocol.NewID(), codec: cl.codec(),
		got: make(chan *protocol.Message, 1024), reg: make(chan *protocol.Message, 4),
		ctrl: make(chan *protocol.Message, 16), hbStop: make(chan struct{}), stopped: make(chan struct{}),
	}
	for _, o := range opts {
		o(e)
	}
	sock, err := transport.Dial(context.Background(), transport.Dealer, cl.endpoint(cl.c.EngineConnection().EnginePort), e.codec,
		transport.Options{Identity: e.uuid, Logger: quiet})
	if err != nil {
		return nil, err
	}
	e.sock = sock
	t.Cleanup(e.close)
	go e.serve()
	req, _ := protocol.NewMessage(protocol.MsgRegistrationRequest, "engine", nil,
		protocol.RegistrationRequest{UUID: e.uuid, Hostname: "fakehost", PID: 42, ID: requested})
	if err := sock.Send(req); err != nil {
		return nil, err
	}
	select {
	case m := <-e.reg:
		var rep protocol.RegistrationReply
		m.DecodeContent(&rep)
		e.id = rep.ID
		e.sid.Store(int64(rep.ID))
		if rep.Status != protocol.ReplyOK {
			e.id = -1
			e.sid.Store(-1)
			return e, errors.New(rep.EValue)
		}
		period := time.Duration(rep.HeartbeatPeriod * float64(time.Second))
		go e.heartbeat(period)
		return e, nil
	case <-time.After(waitLong):
		return nil, errors.New("no registration reply")
	}
}

func (e *fakeEngine) heartbeat(period time.Duration) {
	tick := time.NewTicker(period)
	defer tick.Stop()
	for {
		select {
		case <-e.hbStop:
			return
		case <-tick.C:
			m, _ := protocol.NewMessage(protocol.MsgHeartbeat, "engine", nil, nil)
			if e.sock.Send(m) != nil {
				return
			}
		}
	}
}

func (e *fakeEngine) stopHeartbeat() { e.hbOnce.Do(func() { close(e.hbStop) }) }

func (e *fakeEngine) close() {
	e.stopHeartbeat()
	e.sock.Close()
	<-e.stopped
}

func (e *fakeEngine) serve() {
	defer close(e.stopped)
	for {
		m, err := e.sock.Recv()
		if err != nil {
			return
		}
		switch {
		case m.Header.MsgType == protocol.MsgRegistrationReply:
			e.reg <- m
		case len(m.Identities) == 0:
			if m.Header.MsgType == protocol.MsgShutdownRequest {
				r, _ := m.Reply(protocol.MsgShutdownReply, protocol.ShutdownRequest{Status: protocol.ReplyOK})
				e.sock.Send(r)
			}
			select {
			case e.ctrl <- m:
			default:
			}
		case e.auto:
			e.answer(m)
		default:
			e.got <- m
		}
	}
}

// answer replies to a request from a client, like an engine: output first, then
// the reply, both addressed to the client's identity.
func (e *fakeEngine) answer(m *protocol.Message) {
	if e.output {
		out, _ := protocol.NewMessage("stream", "engine", &m.Header, protocol.Stream{Name: "stdout", Text: "hello from " + strconv.Itoa(int(e.sid.Load()))})
		out.Identities = m.Identities
		e.sock.Send(out)
	}
	status := protocol.ReplyOK
	if e.fail {
		status = protocol.ReplyError
	}
	r, _ := m.Reply(replyType(m.Header.MsgType), protocol.ApplyReply{Status: status, Result: json.RawMessage(`{"v":` + strconv.Itoa(int(e.sid.Load())) + `}`),
		EngineInfo: &protocol.EngineStamp{EngineID: int(e.sid.Load())}})
	e.sock.Send(r)
}

// next returns the next request the engine received.
func (e *fakeEngine) next() *protocol.Message {
	e.t.Helper()
	select {
	case m := <-e.got:
		return m
	case <-time.After(waitLong):
		e.t.Fatalf("engine %d: no request", e.id)
		return nil
	}
}

// none checks that the engine receives nothing for a while.
func (e *fakeEngine) none(d time.Duration) {
	e.t.Helper()
	select {
	case m := <-e.got:
		e.t.Fatalf("engine %d: unexpected %s %s", e.id, m.Header.MsgType, m.Header.MsgID)
	case <-time.After(d):
	}
}

// fakeClient talks to the client socket.
type fakeClient struct {
	t     testing.TB
	sock  *transport.Socket
	codec *protocol.Codec
	in    chan *protocol.Message
	done  chan struct{}
}

func (cl *cluster) newClient() *fakeClient {
	c := &fakeClient{t: cl.t, codec: cl.codec(), in: make(chan *protocol.Message, 4096), done: make(chan struct{})}
	sock, err := transport.Dial(context.Background(), transport.Dealer, cl.endpoint(cl.c.ClientConnection().ClientPort), c.codec,
		transport.Options{Identity: "client-" + protocol.NewID(), Logger: quiet})
	if err != nil {
		cl.t.Fatal(err)
	}
	c.sock = sock
	go func() {
		defer close(c.done)
		for {
			m, err := sock.Recv()
			if err != nil {
				return
			}
			c.in <- m
		}
	}()
	cl.t.Cleanup(func() { sock.Close(); <-c.done })
	return c
}

// send sends a request with the given routing metadata (nil: none).
func (c *fakeClient) send(msgType string, md any, content any) *protocol.Message {
	c.t.Helper()
	m, err := protocol.NewMessage(msgType, "client", nil, content)
	if err != nil {
		c.t.Fatal(err)
	}
	if md != nil {
		m.SetMetadata(md)
	}
	if err := c.sock.Send(m); err != nil {
		c.t.Fatal(err)
	}
	return m
}

func (c *fakeClient) apply(md protocol.TaskMetadata) *protocol.Message {
	return c.send(protocol.MsgApplyRequest, md, protocol.ApplyRequest{Source: "func() int { return 1 }", Args: json.RawMessage(`null`)})
}

func (c *fakeClient) recv() *protocol.Message {
	c.t.Helper()
	select {
	case m := <-c.in:
		return m
	case <-time.After(waitLong):
		c.t.Fatal("client: nothing received")
		return nil
	}
}

// reply waits for the next message and checks it answers req with msgType.
func (c *fakeClient) reply(req *protocol.Message, msgType string) *protocol.Message {
	c.t.Helper()
	m := c.recv()
	if m.Header.MsgType != msgType || m.Parent.MsgID != req.Header.MsgID {
		c.t.Fatalf("got %s for %s, want %s for %s (%s)", m.Header.MsgType, m.Parent.MsgID, msgType, req.Header.MsgID, m.Content)
	}
	return m
}

// errorReply waits for an error reply to req and checks its ename.
func (c *fakeClient) errorReply(req *protocol.Message, ename string) protocol.ErrorContent {
	c.t.Helper()
	m := c.reply(req, replyType(req.Header.MsgType))
	var ec errorContent
	m.DecodeContent(&ec)
	if ec.EName != ename {
		c.t.Fatalf("ename %q (%s), want %q", ec.EName, ec.EValue, ename)
	}
	return ec.ErrorContent
}

func (c *fakeClient) nothing(d time.Duration) {
	c.t.Helper()
	select {
	case m := <-c.in:
		c.t.Fatalf("client: unexpected %s %s", m.Header.MsgType, m.Content)
	case <-time.After(d):
	}
}

// query sends a control request and decodes its reply into out.
func (c *fakeClient) query(msgType string, content any, out any) {
	c.t.Helper()
	req := c.send(msgType, protocol.TaskMetadata{Scheduler: protocol.SchedControl}, content)
	m := c.reply(req, replyType(msgType))
	if err := m.DecodeContent(out); err != nil {
		c.t.Fatal(err)
	}
}

// subscribe connects to the notify socket and returns its messages.
func (cl *cluster) subscribe() chan *protocol.Message {
	codec := cl.codec()
	sock, err := transport.Dial(context.Background(), transport.Sub, cl.endpoint(cl.c.ClientConnection().NotifyPort), codec, transport.Options{Logger: quiet})
	if err != nil {
		cl.t.Fatal(err)
	}
	ch := make(chan *protocol.Message, 64)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			m, err := sock.Recv()
			if err != nil {
				return
			}
			ch <- m
		}
	}()
	cl.t.Cleanup(func() { sock.Close(); <-done })
	time.Sleep(100 * time.Millisecond) // let the subscription reach the PUB
	return ch
}

func recvNote(t testing.TB, ch chan *protocol.Message, msgType string) protocol.EngineNotification {
	t.Helper()
	select {
	case m := <-ch:
		if m.Header.MsgType != msgType {
			t.Fatalf("notification %s, want %s", m.Header.MsgType, msgType)
		}
		var n protocol.EngineNotification
		m.DecodeContent(&n)
		return n
	case <-time.After(waitLong):
		t.Fatalf("no %s", msgType)
	}
	return protocol.EngineNotification{}
}

// rawJunk connects to a port with plain TCP and writes bytes no ZMTP peer would.
func rawJunk(t testing.TB, port int) {
	t.Helper()
	conn, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatal(err)
	}
	conn.Write([]byte("GET / HTTP/1.0\r\n\r\n\xff\x00\x00\x00\x00\x00\x00\x00\x01\x7f junk"))
	time.Sleep(20 * time.Millisecond)
	conn.Close()
}
