package engine

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/goparallel/goparallel/protocol"
	"github.com/goparallel/goparallel/protocol/transport"
	"github.com/goparallel/goparallel/protocol/value"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// fakeController is the engine side of a controller: a ROUTER that registers
// engines and lets a test send requests as if from client "client-1".
type fakeController struct {
	t          *testing.T
	r          *transport.Socket
	conn       *protocol.EngineConnection
	engine     atomic.Value // []byte routing identity of the registered engine
	msgs       chan *protocol.Message
	heartbeats atomic.Int64
	nextID     int
	done       chan struct{}
}

func newFakeController(t *testing.T, port int) *fakeController {
	t.Helper()
	codec, _ := protocol.NewCodec(protocol.SignatureScheme, []byte("test-key"))
	ep := "tcp://127.0.0.1:0"
	if port > 0 {
		ep = "tcp://127.0.0.1:" + itoa(port)
	}
	r, err := transport.Listen(context.Background(), transport.Router, ep, codec, transport.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeController{t: t, r: r, msgs: make(chan *protocol.Message, 1000), done: make(chan struct{}), nextID: 3,
		conn: &protocol.EngineConnection{Transport: "tcp", IP: "127.0.0.1", EnginePort: r.Port(), Key: "test-key",
			SignatureScheme: protocol.SignatureScheme, ClusterSize: 8}}
	go f.loop()
	t.Cleanup(f.close)
	return f
}

func itoa(n int) string { return strconv.Itoa(n) }

func (f *fakeController) close() {
	select {
	case <-f.done:
	default:
		close(f.done)
		f.r.Close()
	}
}

func (f *fakeController) loop() {
	for {
		m, err := f.r.Recv()
		if err != nil {
			return
		}
		switch m.Header.MsgType {
		case protocol.MsgRegistrationRequest:
			var req protocol.RegistrationRequest
			m.DecodeContent(&req)
			id := req.ID
			if id < 0 {
				id = f.nextID
			}
			f.engine.Store(m.Identities[0])
			r, _ := m.Reply(protocol.MsgRegistrationReply, protocol.RegistrationReply{Status: "ok", ID: id, HeartbeatPeriod: 0.05, ClusterSize: 4})
			f.r.Send(r)
		case protocol.MsgHeartbeat:
			f.heartbeats.Add(1)
		default:
			f.msgs <- m
		}
	}
}

func (f *fakeController) waitRegistered() {
	f.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for f.engine.Load() == nil {
		if time.Now().After(deadline) {
			f.t.Fatal("engine did not register")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// send sends a request to the engine as client "client-1".
func (f *fakeController) send(msgType string, content any, buffers [][]byte) *protocol.Message {
	f.t.Helper()
	m, err := protocol.NewMessage(msgType, "client-session", nil, content)
	if err != nil {
		f.t.Fatal(err)
	}
	m.Identities = [][]byte{f.engine.Load().([]byte), []byte("client-1")}
	m.Buffers = buffers
	if err := f.r.Send(m); err != nil {
		f.t.Fatal(err)
	}
	return m
}

// collect returns the output of req and its reply, checking that every message
// answers req, goes back to the client, and that the reply comes last.
func (f *fakeController) collect(req *protocol.Message) (outputs []*protocol.Message, reply *protocol.Message) {
	f.t.Helper()
	timeout := time.After(15 * time.Second)
	var others []*protocol.Message
	defer func() {
		// Put back what belongs to other requests, in order, for their collect.
		for _, m := range others {
			f.msgs <- m
		}
	}()
	for {
		select {
		case m := <-f.msgs:
			if m.Parent.MsgID != req.Header.MsgID {
				if m.Parent.MsgID != "" {
					others = append(others, m)
				}
				continue
			}
			if len(m.Identities) != 2 || string(m.Identities[1]) != "client-1" {
				f.t.Errorf("%s identities %q, want [engine client-1]", m.Header.MsgType, m.Identities)
			}
			var meta struct {
				Engine *int `json:"engine"`
			}
			json.Unmarshal(m.Metadata, &meta)
			if meta.Engine == nil || *meta.Engine != 3 {
				f.t.Errorf("%s metadata %s, want engine 3", m.Header.MsgType, m.Metadata)
			}
			if strings.HasSuffix(m.Header.MsgType, "_reply") {
				return outputs, m
			}
			outputs = append(outputs, m)
		case <-timeout:
			f.t.Fatalf("no reply to %s", req.Header.MsgType)
		}
	}
}

func startEngine(t *testing.T, f *fakeController, mod func(*Options)) (*Engine, <-chan error, context.CancelFunc) {
	t.Helper()
	opts := Options{Connection: f.conn, RequestedID: -1, Logger: quiet, ControllerTimeout: 5 * time.Second}
	if mod != nil {
		mod(&opts)
	}
	e, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	stopped := make(chan struct{})
	go func() {
		errc <- e.Run(ctx)
		close(stopped)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-stopped:
		case <-time.After(5 * time.Second):
			t.Error("engine did not stop")
		}
	})
	f.waitRegistered()
	return e, errc, cancel
}

func execute(t *testing.T, f *fakeController, code string) ([]*protocol.Message, *protocol.Message) {
	t.Helper()
	return f.collect(f.send("execute_request", protocol.ExecuteRequest{Code: code}, nil))
}

func replyStatus(t *testing.T, m *protocol.Message) (status string, ec protocol.ErrorContent) {
	t.Helper()
	var r struct {
		Status string `json:"status"`
		protocol.ErrorContent
		EngineInfo *protocol.EngineStamp `json:"engine_info"`
	}
	if err := m.DecodeContent(&r); err != nil {
		t.Fatal(err)
	}
	if r.EngineInfo == nil || r.EngineInfo.EngineID != 3 || r.EngineInfo.Started == "" || r.EngineInfo.Completed == "" {
		t.Errorf("%s: engine_info %+v", m.Header.MsgType, r.EngineInfo)
	}
	return r.Status, r.ErrorContent
}

func streamText(outs []*protocol.Message) (text string, n int) {
	for _, m := range outs {
		if m.Header.MsgType == "stream" {
			var s protocol.Stream
			m.DecodeContent(&s)
			text += s.Text
			n++
		}
	}
	return text, n
}

func TestRegistersAndHeartbeats(t *testing.T) {
	f := newFakeController(t, 0)
	e, _, _ := startEngine(t, f, nil)
	if e.Identity().ID() != 3 || e.Identity().Size() != 4 {
		t.Fatalf("id %d size %d, want 3 and 4", e.Identity().ID(), e.Identity().Size())
	}
	time.Sleep(300 * time.Millisecond)
	if n := f.heartbeats.Load(); n < 3 {
		t.Fatalf("%d heartbeats in 300ms at a 50ms period", n)
	}
}

func TestExecuteStreamsOutputBeforeReply(t *testing.T) {
	f := newFakeController(t, 0)
	startEngine(t, f, nil)
	outs, reply := execute(t, f, "import \"fmt\"\nfor i := 0; i < 1000; i++ { fmt.Println(i) }\n40 + 2")
	if st, ec := replyStatus(t, reply); st != "ok" {
		t.Fatalf("status %s %+v", st, ec)
	}
	text, n := streamText(outs)
	if want := strings.Count(text, "\n"); want != 1000 || !strings.HasPrefix(text, "0\n1\n") || !strings.HasSuffix(text, "999\n") {
		t.Fatalf("output has %d lines: %.40q…", want, text)
	}
	if n > 20 {
		t.Errorf("1000 prints became %d stream messages; want them coalesced", n)
	}
	last := outs[len(outs)-1]
	if last.Header.MsgType != "execute_result" {
		t.Fatalf("last output %s, want execute_result", last.Header.MsgType)
	}
	var res protocol.ExecuteResult
	last.DecodeContent(&res)
	if res.Data["text/plain"] != "42" {
		t.Fatalf("result %v", res.Data)
	}
}

func TestIdentityPackage(t *testing.T) {
	f := newFakeController(t, 0)
	startEngine(t, f, nil)
	outs, reply := execute(t, f, "import (\n\"fmt\"\n\"goparallel/engine\"\n)\nfmt.Sprintf(\"Hello world from %d out of %d!\", engine.ID(), engine.Size())")
	if st, ec := replyStatus(t, reply); st != "ok" {
		t.Fatalf("status %s %+v", st, ec)
	}
	var res protocol.ExecuteResult
	outs[len(outs)-1].DecodeContent(&res)
	if got := res.Data["text/plain"]; !strings.Contains(got.(string), "Hello world from 3 out of 4!") {
		t.Fatalf("got %v", got)
	}
}

func applyReq(t *testing.T, src string, isMap bool, helpers []string, args ...any) (protocol.ApplyRequest, [][]byte) {
	t.Helper()
	enc, err := value.EncodeMany(args)
	if err != nil {
		t.Fatal(err)
	}
	return protocol.ApplyRequest{Source: src, Helpers: helpers, Args: enc.Header, Map: isMap}, enc.Buffers
}

func applyResult(t *testing.T, f *fakeController, req protocol.ApplyRequest, bufs [][]byte) (any, protocol.ErrorContent, []*protocol.Message) {
	t.Helper()
	outs, reply := f.collect(f.send(protocol.MsgApplyRequest, req, bufs))
	var r protocol.ApplyReply
	if err := reply.DecodeContent(&r); err != nil {
		t.Fatal(err)
	}
	if r.EngineInfo == nil || r.EngineInfo.EngineID != 3 {
		t.Errorf("engine_info %+v", r.EngineInfo)
	}
	if r.Status != "ok" {
		return nil, r.ErrorContent, outs
	}
	v, err := value.Decode(&value.Encoded{Header: r.Result, Buffers: reply.Buffers}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return v, r.ErrorContent, outs
}

func TestApplyAndMap(t *testing.T) {
	f := newFakeController(t, 0)
	startEngine(t, f, nil)
	preq, pbufs := pushReq(t, []string{"a", "b"}, 10, 20)
	_, reply := f.collect(f.send(protocol.MsgPushRequest, preq, pbufs))
	if st, ec := replyStatus(t, reply); st != "ok" {
		t.Fatalf("push: %s %+v", st, ec)
	}
	req, bufs := applyReq(t, "func(x int) int { return a + b + x }", false, nil, 5)
	for range 3 { // compiled once, called thrice
		v, ec, _ := applyResult(t, f, req, bufs)
		if v != 35 {
			t.Fatalf("apply: %#v %+v", v, ec)
		}
	}
	req, bufs = applyReq(t, "func(x int) int { return sq(x) }", true, []string{"func sq(x int) int { return x * x }"}, []int{1, 2, 3})
	v, ec, _ := applyResult(t, f, req, bufs)
	if !reflect.DeepEqual(v, []int{1, 4, 9}) {
		t.Fatalf("map: %#v %+v", v, ec)
	}
	req, bufs = applyReq(t, `func(s string, n float64) (string, error) { if n < 0 { return "", errors.New("negative") }; return s, nil }`, false,
		[]string{`import "errors"`}, "hi", -1.0)
	_, ec, _ = applyResult(t, f, req, bufs)
	if ec.EName != ENameRuntime || ec.EValue != "negative" {
		t.Fatalf("error result: %+v", ec)
	}
	req, bufs = applyReq(t, "func() int { return undefinedThing }", false, nil)
	_, ec, outs := applyResult(t, f, req, bufs)
	if ec.EName != ENameName || !strings.Contains(ec.EValue, "undefinedThing") || !strings.Contains(ec.EValue, "engine 3") || !strings.Contains(ec.EValue, "Push") {
		t.Fatalf("undefined name: %+v", ec)
	}
	if len(outs) != 1 || outs[0].Header.MsgType != "error" {
		t.Fatalf("want one error output before the reply, got %d", len(outs))
	}
}

func pushReq(t *testing.T, names []string, vals ...any) (protocol.PushRequest, [][]byte) {
	t.Helper()
	enc, err := value.EncodeMany(vals)
	if err != nil {
		t.Fatal(err)
	}
	return protocol.PushRequest{Names: names, Values: enc.Header}, enc.Buffers
}

func TestPushPull(t *testing.T) {
	f := newFakeController(t, 0)
	startEngine(t, f, nil)
	preq, pbufs := pushReq(t, []string{"xs", "m"}, []float64{1.5, 2.5}, map[string]int{"one": 1})
	f.collect(f.send(protocol.MsgPushRequest, preq, pbufs))
	_, reply := f.collect(f.send(protocol.MsgPullRequest, protocol.PullRequest{Names: []string{"m", "xs"}}, nil))
	var pr protocol.PullReply
	reply.DecodeContent(&pr)
	vals, err := value.DecodeMany(&value.Encoded{Header: pr.Values, Buffers: reply.Buffers}, nil)
	if err != nil || !reflect.DeepEqual(vals, []any{map[string]int{"one": 1}, []float64{1.5, 2.5}}) {
		t.Fatalf("pull: %#v %v", vals, err)
	}
	_, reply = f.collect(f.send(protocol.MsgPullRequest, protocol.PullRequest{Names: []string{"nope"}}, nil))
	st, ec := replyStatus(t, reply)
	if st != "error" || ec.EName != ENameName || !strings.Contains(ec.EValue, `"nope"`) || !strings.Contains(ec.EValue, "engine 3") {
		t.Fatalf("pull of undefined: %s %+v", st, ec)
	}
	// clear forgets everything.
	f.collect(f.send(protocol.MsgClearRequest, nil, nil))
	_, reply = f.collect(f.send(protocol.MsgPullRequest, protocol.PullRequest{Names: []string{"xs"}}, nil))
	if st, _ := replyStatus(t, reply); st != "error" {
		t.Fatal("xs survived clear_request")
	}
}

func TestInterruptKeepsState(t *testing.T) {
	f := newFakeController(t, 0)
	startEngine(t, f, nil)
	execute(t, f, "kept := 7")
	for _, c := range []struct {
		name string
		send func() *protocol.Message
	}{
		{"execute", func() *protocol.Message {
			return f.send("execute_request", protocol.ExecuteRequest{Code: "for {}"}, nil)
		}},
		{"apply", func() *protocol.Message {
			req, bufs := applyReq(t, "func() int { n := 0; for { n++ } }", false, nil)
			return f.send(protocol.MsgApplyRequest, req, bufs)
		}},
	} {
		req := c.send()
		time.Sleep(200 * time.Millisecond)
		ir := f.send("interrupt_request", nil, nil)
		start := time.Now()
		_, reply := f.collect(req)
		if st, ec := replyStatus(t, reply); st != "error" || ec.EName != ENameInterrupted {
			t.Fatalf("%s: interrupted task: %s %+v", c.name, st, ec)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s: interrupt took %s", c.name, d)
		}
		f.collect(ir)
		outs, _ := execute(t, f, "kept * 6")
		var res protocol.ExecuteResult
		outs[len(outs)-1].DecodeContent(&res)
		if res.Data["text/plain"] != "42" {
			t.Fatalf("%s: state lost after interrupt: %v", c.name, res.Data)
		}
	}
}

func TestAbortDropsQueuedTasks(t *testing.T) {
	f := newFakeController(t, 0)
	startEngine(t, f, nil)
	execute(t, f, `import "time"`)
	slow := f.send("execute_request", protocol.ExecuteRequest{Code: "time.Sleep(300 * time.Millisecond)"}, nil)
	q1 := f.send("execute_request", protocol.ExecuteRequest{Code: "1"}, nil)
	q2 := f.send("execute_request", protocol.ExecuteRequest{Code: "2"}, nil)
	time.Sleep(50 * time.Millisecond)
	f.collect(f.send(protocol.MsgAbortRequest, protocol.AbortRequest{MsgIDs: []string{q1.Header.MsgID}}, nil))
	_, r := f.collect(slow)
	if st, _ := replyStatus(t, r); st != "ok" {
		t.Fatalf("running task: %s", st)
	}
	_, r = f.collect(q1)
	if st, _ := replyStatus(t, r); st != "aborted" {
		t.Fatalf("aborted task: %s", st)
	}
	_, r = f.collect(q2)
	if st, _ := replyStatus(t, r); st != "ok" {
		t.Fatalf("task not named in the abort: %s", st)
	}
}

func TestPanicsAreErrors(t *testing.T) {
	f := newFakeController(t, 0)
	startEngine(t, f, nil)
	_, reply := execute(t, f, `panic("boom")`)
	if st, ec := replyStatus(t, reply); st != "error" || ec.EName != ENamePanic || !strings.Contains(ec.EValue, "boom") {
		t.Fatalf("panic: %s %+v", st, ec)
	}
	req, bufs := applyReq(t, "func(xs []int) int { return xs[5] }", false, nil, []int{1})
	_, ec, _ := applyResult(t, f, req, bufs)
	if ec.EName != ENamePanic {
		t.Fatalf("apply panic: %+v", ec)
	}
	// A goroutine's panic shows up as an error output; the engine lives on.
	execute(t, f, `go func() { panic("in goroutine") }()`)
	deadline := time.After(5 * time.Second)
	for found := false; !found; {
		select {
		case m := <-f.msgs:
			if m.Header.MsgType == "error" {
				var ec protocol.ErrorContent
				m.DecodeContent(&ec)
				found = strings.Contains(ec.EValue, "in goroutine")
			}
		case <-deadline:
			t.Fatal("no error output for the goroutine panic")
		}
	}
	outs, _ := execute(t, f, "1 + 1")
	if len(outs) == 0 {
		t.Fatal("engine dead after goroutine panic")
	}
}

func TestShutdownRequest(t *testing.T) {
	f := newFakeController(t, 0)
	_, errc, _ := startEngine(t, f, nil)
	f.collect(f.send(protocol.MsgShutdownRequest, protocol.ShutdownRequest{}, nil))
	select {
	case err := <-errc:
		if err != nil {
			t.Fatalf("Run after shutdown_request: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("engine did not exit")
	}
}

func TestReconnectsAndGivesUp(t *testing.T) {
	f := newFakeController(t, 0)
	port := f.conn.EnginePort
	_, errc, _ := startEngine(t, f, func(o *Options) { o.ControllerTimeout = 2 * time.Second })
	f.close()
	time.Sleep(300 * time.Millisecond)
	// A controller restarted on the same port gets the engine back, same id.
	f2 := newFakeController(t, port)
	f2.nextID = 99
	f2.waitRegistered()
	_, reply := f2.collect(f2.send("execute_request", protocol.ExecuteRequest{Code: "1"}, nil))
	if st, _ := replyStatus(t, reply); st != "ok" {
		t.Fatalf("after reconnection: %s", st)
	}
	f2.close()
	select {
	case err := <-errc:
		if !errors.Is(err, ErrControllerGone) {
			t.Fatalf("Run: %v, want ErrControllerGone", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("engine did not give up on a gone controller")
	}
}
