package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
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
	t          testing.TB
	r          *transport.Socket
	conn       *protocol.EngineConnection
	engine     atomic.Value // []byte routing identity of the registered engine
	msgs       chan *protocol.Message
	heartbeats atomic.Int64
	nextID     int
	done       chan struct{}
}

func newFakeController(t testing.TB, port int) *fakeController {
	t.Helper()
	return newFakeControllerID(t, port, 3)
}

// newFakeControllerID is newFakeController giving engines that ask for any id
// the id nextID.
func newFakeControllerID(t testing.TB, port, nextID int) *fakeController {
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
	f := &fakeController{t: t, r: r, msgs: make(chan *protocol.Message, 1000), done: make(chan struct{}), nextID: nextID,
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

// waitRegistered waits until the engine's registration request has arrived and
// been answered. The engine may not have processed the reply yet: wait on
// Engine.Registered for that.
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

// waitOutput waits for a stream message answering req whose text contains
// want, consuming the outputs of req up to it. Messages of other requests are
// put back for their collect.
func (f *fakeController) waitOutput(req *protocol.Message, want string) {
	f.t.Helper()
	timeout := time.After(15 * time.Second)
	var others []*protocol.Message
	defer func() {
		for _, m := range others {
			f.msgs <- m
		}
	}()
	var text string
	for {
		select {
		case m := <-f.msgs:
			if m.Parent.MsgID != req.Header.MsgID {
				others = append(others, m)
				continue
			}
			if strings.HasSuffix(m.Header.MsgType, "_reply") {
				f.t.Fatalf("%s answered before printing %q (output %q)", req.Header.MsgType, want, text)
			}
			if m.Header.MsgType == "stream" {
				var st protocol.Stream
				m.DecodeContent(&st)
				text += st.Text
				if strings.Contains(text, want) {
					return
				}
			}
		case <-timeout:
			f.t.Fatalf("%s did not print %q", req.Header.MsgType, want)
		}
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

func startEngine(t testing.TB, f *fakeController, mod func(*Options)) (*Engine, <-chan error, context.CancelFunc) {
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
		case <-time.After(15 * time.Second):
			t.Error("engine did not stop")
		}
	})
	waitEngineRegistered(t, e)
	return e, errc, cancel
}

// waitEngineRegistered waits until e has processed its registration reply.
func waitEngineRegistered(t testing.TB, e *Engine) {
	t.Helper()
	select {
	case <-e.Registered():
	case <-time.After(15 * time.Second):
		t.Fatal("engine did not register")
	}
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
	// Heartbeats keep coming at the 50ms period the controller named; how
	// regularly is not for a test on a loaded machine to judge, only that they
	// do.
	deadline := time.Now().Add(15 * time.Second)
	for f.heartbeats.Load() < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("%d heartbeats in 15s at a 50ms period", f.heartbeats.Load())
		}
		time.Sleep(10 * time.Millisecond)
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
	// How many messages the prints became depends on timing (see
	// TestStreamerCoalesces for the rule); they must not outnumber them.
	if n > 1000 {
		t.Errorf("1000 prints became %d stream messages", n)
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

func applyReq(t testing.TB, src string, isMap bool, helpers []string, args ...any) (protocol.ApplyRequest, [][]byte) {
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
	execute(t, f, "import \"fmt\"\nkept := 7")
	times, timesBufs := applyReq(t, "func(x int) int { return x * kept }", false, nil, 6)
	if v, ec, _ := applyResult(t, f, times, timesBufs); v != 42 {
		t.Fatalf("apply: %#v %+v", v, ec)
	}
	// Each task prints before it loops, so the interrupt is sent only once it
	// runs: an interrupt that arrives before its task starts stops nothing.
	for _, c := range []struct {
		name string
		send func() *protocol.Message
	}{
		{"execute", func() *protocol.Message {
			return f.send("execute_request", protocol.ExecuteRequest{Code: "fmt.Println(\"started\")\nfor {}"}, nil)
		}},
		{"apply", func() *protocol.Message {
			req, bufs := applyReq(t, `func() int { fmt.Println("started"); n := 0; for { n++ } }`, false, []string{`import "fmt"`})
			return f.send(protocol.MsgApplyRequest, req, bufs)
		}},
		{"map", func() *protocol.Message {
			req, bufs := applyReq(t, `func(x int) int { if x < 2 { return x }; fmt.Println("started"); for { x++ } }`, true, []string{`import "fmt"`}, []int{0, 1, 2, 3})
			return f.send(protocol.MsgApplyRequest, req, bufs)
		}},
	} {
		req := c.send()
		f.waitOutput(req, "started")
		ir := f.send("interrupt_request", nil, nil)
		// collect's own deadline bounds how long the interrupt may take.
		_, reply := f.collect(req)
		if st, ec := replyStatus(t, reply); st != "error" || ec.EName != ENameInterrupted {
			t.Fatalf("%s: interrupted task: %s %+v", c.name, st, ec)
		}
		f.collect(ir)
		// Functions compiled before the interrupt still run (yaegi stops
		// code by run id; the session must renew it).
		v, ec, _ := applyResult(t, f, times, timesBufs)
		if v != 42 {
			t.Fatalf("%s: compiled function after interrupt: %#v %+v", c.name, v, ec)
		}
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
	e, _, _ := startEngine(t, f, nil)
	// The first task blocks until the test releases it, so the others are
	// still queued when the abort arrives. They are queued before the abort
	// is handled: the engine reads the connection in order.
	gate := make(chan struct{})
	if err := e.interp.Set("waitForTest", reflect.ValueOf(func() { <-gate })); err != nil {
		t.Fatal(err)
	}
	slow := f.send("execute_request", protocol.ExecuteRequest{Code: "waitForTest()"}, nil)
	q1 := f.send("execute_request", protocol.ExecuteRequest{Code: "1"}, nil)
	q2 := f.send("execute_request", protocol.ExecuteRequest{Code: "2"}, nil)
	f.collect(f.send(protocol.MsgAbortRequest, protocol.AbortRequest{MsgIDs: []string{q1.Header.MsgID}}, nil))
	close(gate)
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
	// A goroutine's panic shows up as an error output of the request that
	// started it, before or after its reply (the goroutine races with the
	// cell); the engine lives on.
	isPanic := func(m *protocol.Message) bool {
		var ec protocol.ErrorContent
		m.DecodeContent(&ec)
		return m.Header.MsgType == "error" && strings.Contains(ec.EValue, "in goroutine")
	}
	outs, _ := execute(t, f, `go func() { panic("in goroutine") }()`)
	found := slices.ContainsFunc(outs, isPanic)
	deadline := time.After(15 * time.Second)
	for !found {
		select {
		case m := <-f.msgs:
			found = isPanic(m)
		case <-deadline:
			t.Fatal("no error output for the goroutine panic")
		}
	}
	outs, _ = execute(t, f, "1 + 1")
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
	case <-time.After(15 * time.Second):
		t.Fatal("engine did not exit")
	}
}

func TestReconnectsAndGivesUp(t *testing.T) {
	f := newFakeController(t, 0)
	port := f.conn.EnginePort
	var logBuf syncBuffer
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("engine log:\n%s", logBuf.String())
		}
	})
	e, errc, _ := startEngine(t, f, func(o *Options) {
		o.ControllerTimeout = 2 * time.Second
		o.Logger = slog.New(slog.NewTextHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	f.close()
	// Wait for the engine to notice, so that what follows is a reconnection
	// and not the old link carrying on.
	deadline := time.Now().Add(15 * time.Second)
	for e.connected() {
		if time.Now().After(deadline) {
			t.Fatal("engine did not notice the controller was gone")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// A controller restarted on the same port gets the engine back, same id.
	f2 := newFakeControllerID(t, port, 99)
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

// connected reports whether the engine holds a registered connection.
func (e *Engine) connected() bool {
	e.sockMu.RLock()
	defer e.sockMu.RUnlock()
	return e.sock != nil
}

// TestDisplayData: engine code shows rich output with package display, as
// notebook cells do; it goes out as display_data for the running request,
// after the stream output written before it and before the reply.
func TestDisplayData(t *testing.T) {
	f := newFakeController(t, 0)
	startEngine(t, f, nil)
	const imports = "import (\n\"fmt\"\n\"image\"\n\"github.com/goparallel/goparallel/kernel/display\"\n)"
	execute(t, f, imports)
	outs, reply := execute(t, f, "fmt.Println(\"before\")\n"+
		"display.Display(display.PNG([]byte(\"\\x89PNG\")))\n"+
		"fmt.Println(\"after\")\n"+
		"display.Display(image.NewGray(image.Rect(0, 0, 2, 3)))")
	if st, ec := replyStatus(t, reply); st != "ok" {
		t.Fatalf("status %s %+v", st, ec)
	}
	var kinds []string
	var pngs []string
	for _, m := range outs {
		kind := m.Header.MsgType
		switch kind {
		case "stream":
			var s protocol.Stream
			m.DecodeContent(&s)
			kind += ":" + strings.TrimSpace(s.Text)
		case "display_data":
			var dd protocol.DisplayData
			if err := m.DecodeContent(&dd); err != nil {
				t.Fatal(err)
			}
			png, _ := dd.Data["image/png"].(string)
			if png == "" || dd.Data["text/plain"] == nil {
				t.Errorf("display_data %v lacks image/png or text/plain", dd.Data)
			}
			pngs = append(pngs, png)
		}
		kinds = append(kinds, kind)
	}
	if got, want := strings.Join(kinds, " "), "stream:before display_data stream:after display_data"; got != want {
		t.Fatalf("outputs %q, want %q", got, want)
	}
	if pngs[0] != "iVBORw==" || !strings.HasPrefix(pngs[1], "iVBORw0KGgo") {
		t.Errorf("image/png data %q", pngs)
	}

	// A shipped function displays too, before its reply.
	req, bufs := applyReq(t, `func(n int) int { display.Display(display.HTML(fmt.Sprint("<b>", n, "</b>"))); return n }`, false, []string{imports}, 7)
	v, ec, outs := applyResult(t, f, req, bufs)
	if v != 7 || len(outs) != 1 || outs[0].Header.MsgType != "display_data" {
		t.Fatalf("apply: %v %+v, %d outputs", v, ec, len(outs))
	}
	var dd protocol.DisplayData
	outs[0].DecodeContent(&dd)
	if dd.Data["text/html"] != "<b>7</b>" {
		t.Errorf("apply display_data %v", dd.Data)
	}

	// A rich value as the cell's result is an execute_result with its MIME data.
	outs, _ = execute(t, f, "display.SVG(\"<svg/>\")")
	var res protocol.ExecuteResult
	outs[len(outs)-1].DecodeContent(&res)
	if res.Data["image/svg+xml"] != "<svg/>" || res.Data["text/plain"] == nil {
		t.Errorf("execute_result %v", res.Data)
	}
}

// TestMagics: execute_request code may use %env and %time (as `%px %env ...`
// sends it), mixed with Go; other magics fail with a UsageError.
func TestMagics(t *testing.T) {
	f := newFakeController(t, 0)
	startEngine(t, f, nil)
	name := "GP_ENGINE_TEST_" + strconv.Itoa(os.Getpid())
	t.Cleanup(func() { os.Unsetenv(name) })

	outs, reply := execute(t, f, "%env "+name+"=hello world")
	if st, ec := replyStatus(t, reply); st != "ok" {
		t.Fatalf("%%env set: %s %+v", st, ec)
	}
	if text, _ := streamText(outs); text != "env: "+name+"=hello world\n" {
		t.Errorf("%%env set printed %q", text)
	}
	if os.Getenv(name) != "hello world" {
		t.Errorf("process environment: %q", os.Getenv(name))
	}
	// Engine code sees it, and %env NAME gets it back as the cell's value.
	outs, _ = execute(t, f, "import \"os\"\nx := os.Getenv(\""+name+"\")\n%env "+name)
	var res protocol.ExecuteResult
	outs[len(outs)-1].DecodeContent(&res)
	if res.Data["text/plain"] != `"hello world"` {
		t.Errorf("%%env get: %v", res.Data)
	}
	outs, _ = execute(t, f, "x")
	outs[len(outs)-1].DecodeContent(&res)
	if res.Data["text/plain"] != `"hello world"` {
		t.Errorf("os.Getenv in engine code: %v", res.Data)
	}
	outs, _ = execute(t, f, "%env")
	if text, _ := streamText(outs); !strings.Contains(text, name+"=hello world\n") {
		t.Errorf("%%env list lacks the variable: %.200q", text)
	}

	// %time runs its code, prints the wall time, and keeps the value.
	outs, reply = execute(t, f, "%time 6 * 7")
	if st, ec := replyStatus(t, reply); st != "ok" {
		t.Fatalf("%%time: %s %+v", st, ec)
	}
	if text, _ := streamText(outs); !strings.HasPrefix(text, "Wall time: ") {
		t.Errorf("%%time printed %q", text)
	}
	outs[len(outs)-1].DecodeContent(&res)
	if res.Data["text/plain"] != "42" {
		t.Errorf("%%time value: %v", res.Data)
	}
	outs, _ = execute(t, f, "%%time\ny := 0\nfor i := 0; i < 10; i++ { y += i }\ny")
	outs[len(outs)-1].DecodeContent(&res)
	if text, _ := streamText(outs); !strings.HasPrefix(text, "Wall time: ") || res.Data["text/plain"] != "45" {
		t.Errorf("%%%%time: printed %q, value %v", text, res.Data)
	}
	// Errors keep the cell's line numbers around magics.
	_, reply = execute(t, f, "%env "+name+"=2\n\nundefinedThing + 1")
	if st, ec := replyStatus(t, reply); st != "error" || ec.EName != ENameCompile || !strings.Contains(ec.EValue, "cell:3:") {
		t.Errorf("error after a magic: %s %+v", st, ec)
	}
	_, reply = execute(t, f, "%who")
	if st, ec := replyStatus(t, reply); st != "error" || ec.EName != ENameUsage || !strings.Contains(ec.EValue, "%who") || !strings.Contains(ec.EValue, "engine 3") {
		t.Errorf("unknown magic: %s %+v", st, ec)
	}
}

// TestStreamerCoalesces: writes between two flushes become one stream message
// per run of (stream, request); a flush comes before the next output message,
// and a full buffer flushes on the writer's goroutine.
func TestStreamerCoalesces(t *testing.T) {
	var sent []*protocol.Message
	s := newStreamer("sess", func(m *protocol.Message) { sent = append(sent, m) }, func() []byte { return []byte(`{"engine":1}`) })
	req1, _ := protocol.NewMessage("execute_request", "client", nil, protocol.ExecuteRequest{Code: "a"})
	req2, _ := protocol.NewMessage("execute_request", "client", nil, protocol.ExecuteRequest{Code: "b"})
	s.setParent(req1)
	out, errw := s.writer("stdout"), s.writer("stderr")
	for range 1000 {
		io.WriteString(out, "x\n")
	}
	io.WriteString(errw, "oops\n")
	io.WriteString(out, "y\n")
	s.setParent(req2)
	io.WriteString(out, "z\n")
	if len(sent) != 0 {
		t.Fatalf("%d messages sent before a flush", len(sent))
	}
	if err := s.publish("display_data", protocol.DisplayData{Data: protocol.MIMEBundle{"text/plain": "d"}}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range sent {
		var st protocol.Stream
		m.DecodeContent(&st)
		got = append(got, fmt.Sprintf("%s/%t/%s/%d", m.Header.MsgType, m.Parent.MsgID == req1.Header.MsgID, st.Name, len(st.Text)))
	}
	want := []string{"stream/true/stdout/2000", "stream/true/stderr/5", "stream/true/stdout/2", "stream/false/stdout/2", "display_data/false//0"}
	if !slices.Equal(got, want) {
		t.Fatalf("sent %q, want %q", got, want)
	}
	sent = nil
	io.WriteString(out, strings.Repeat("w", flushSize))
	if len(sent) != 1 {
		t.Fatalf("a full buffer sent %d messages, want 1", len(sent))
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func TestGonumOnEngines(t *testing.T) {
	f := newFakeController(t, 0)
	startEngine(t, f, nil)
	execute(t, f, `import "gonum.org/v1/gonum/mat"`)
	outs, _ := execute(t, f, "a := mat.NewDense(2, 2, []float64{2, 1, 1, 2})\nvar eig mat.Eigen\neig.Factorize(a, mat.EigenRight)\nreal(eig.Values(nil)[0]) + real(eig.Values(nil)[1])")
	var res protocol.ExecuteResult
	if len(outs) == 0 {
		t.Fatal("no output")
	}
	outs[len(outs)-1].DecodeContent(&res)
	if res.Data["text/plain"] != "4" {
		t.Fatalf("sum of eigenvalues of [[2 1] [1 2]] = %v, want 4", res.Data)
	}
}
