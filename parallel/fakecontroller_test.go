package parallel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/goparallel/goparallel/protocol"
	"github.com/goparallel/goparallel/protocol/transport"
	"github.com/goparallel/goparallel/protocol/value"
)

// FakeController is a controller and its engines in one goroutine, for client
// tests: it answers connection requests, keeps a namespace per engine for
// push/pull, and answers apply requests through Apply. It is exported (in tests
// only) so the yaegi tests of package parallel_test can use it.
type FakeController struct {
	t      testing.TB
	router *transport.Socket
	pub    *transport.Socket
	codec  *protocol.Codec
	conn   protocol.ClientConnection

	mu       sync.Mutex
	apply    ApplyFunc
	hold     func(engine int, req protocol.ApplyRequest)
	engines  []int
	ns       map[int]map[string]any
	requests []*protocol.Message
	rr       int
	wg       sync.WaitGroup
}

// ApplyFunc computes a call on a fake engine. args are decoded; for a map chunk
// (req.Map) they are the sequences.
type ApplyFunc func(engine int, req protocol.ApplyRequest, args []any) (any, error)

// SetApply sets how apply requests are answered; without one the reply is
// req.Source. It takes the lock the serving goroutine takes, so a hook set
// before the client connects is ordered before its use even for the race
// detector, which cannot see the sockets in between.
func (f *FakeController) SetApply(fn ApplyFunc) {
	f.mu.Lock()
	f.apply = fn
	f.mu.Unlock()
}

// SetHold delays each apply reply until fn returns.
func (f *FakeController) SetHold(fn func(engine int, req protocol.ApplyRequest)) {
	f.mu.Lock()
	f.hold = fn
	f.mu.Unlock()
}

// NewFakeController listens on loopback and serves until the test ends.
func NewFakeController(t testing.TB, engines int) *FakeController {
	t.Helper()
	codec, err := protocol.NewCodec(protocol.SignatureScheme, []byte("test-key"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	router, err := transport.Listen(ctx, transport.Router, "tcp://127.0.0.1:0", codec, transport.Options{})
	if err != nil {
		t.Fatal(err)
	}
	pub, err := transport.Listen(ctx, transport.Pub, "tcp://127.0.0.1:0", codec, transport.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := &FakeController{t: t, router: router, pub: pub, codec: codec, ns: map[int]map[string]any{},
		conn: protocol.ClientConnection{Transport: "tcp", IP: "127.0.0.1", ClientPort: router.Port(),
			NotifyPort: pub.Port(), Key: "test-key", SignatureScheme: protocol.SignatureScheme}}
	for i := range engines {
		f.engines = append(f.engines, i)
		f.ns[i] = map[string]any{}
	}
	f.wg.Add(1)
	go f.serve()
	t.Cleanup(func() {
		router.Close()
		pub.Close()
		cancel()
		f.wg.Wait()
	})
	return f
}

// Connect returns a client of the fake controller, closed when the test ends.
func (f *FakeController) Connect(opts ...Option) *Client {
	f.t.Helper()
	c, err := Connect(append([]Option{WithConnection(f.conn), WithTimeout(5 * time.Second)}, opts...)...)
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { c.Close() })
	return c
}

// Requests returns the requests received so far.
func (f *FakeController) Requests() []*protocol.Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*protocol.Message(nil), f.requests...)
}

// Var returns a variable of an engine's namespace.
func (f *FakeController) Var(engine int, name string) any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.ns[engine][name]
}

// KillEngine announces an engine's death on the notify socket.
func (f *FakeController) KillEngine(id int) {
	f.mu.Lock()
	for i, e := range f.engines {
		if e == id {
			f.engines = append(f.engines[:i], f.engines[i+1:]...)
			break
		}
	}
	f.mu.Unlock()
	m, _ := protocol.NewMessage(protocol.MsgEngineDied, "fake", nil,
		protocol.EngineNotification{Engine: protocol.EngineInfo{ID: id}, Reason: "heartbeat"})
	if err := f.pub.Send(m); err != nil {
		f.t.Error(err)
	}
}

func (f *FakeController) serve() {
	defer f.wg.Done()
	for {
		m, err := f.router.Recv()
		if err != nil {
			return
		}
		f.mu.Lock()
		f.requests = append(f.requests, m)
		f.mu.Unlock()
		f.handle(m)
	}
}

func (f *FakeController) send(req *protocol.Message, msgType string, engine int, content any, buffers [][]byte) {
	r, err := req.Reply(msgType, content)
	if err != nil {
		f.t.Error(err)
		return
	}
	if engine >= 0 {
		r.Metadata = json.RawMessage(fmt.Sprintf(`{"engine":%d}`, engine))
	}
	r.Buffers = buffers
	if err := f.router.Send(r); err != nil && !errors.Is(err, context.Canceled) {
		f.t.Log(err)
	}
}

func (f *FakeController) handle(m *protocol.Message) {
	var md protocol.TaskMetadata
	_ = m.DecodeMetadata(&md)
	targets := md.Targets
	f.mu.Lock()
	if md.Scheduler == protocol.SchedBalanced {
		targets = []int{f.engines[f.rr%len(f.engines)]}
		f.rr++
	} else if md.Scheduler == protocol.SchedBroadcast && len(targets) == 0 {
		targets = append([]int(nil), f.engines...)
	}
	f.mu.Unlock()
	switch m.Header.MsgType {
	case protocol.MsgConnectionRequest:
		var cr protocol.ConnectionReply
		cr.Status = protocol.ReplyOK
		f.mu.Lock()
		for _, id := range f.engines {
			cr.Engines = append(cr.Engines, protocol.EngineInfo{ID: id, PID: 1000 + id})
		}
		f.mu.Unlock()
		f.send(m, protocol.MsgConnectionReply, -1, cr, nil)
		return
	case protocol.MsgQueueRequest:
		f.send(m, protocol.MsgQueueReply, -1, protocol.QueueReply{Status: "ok",
			Engines: map[string]protocol.EngineQueue{"0": {Queue: 1, Completed: 2}}, Unassigned: 3}, nil)
		return
	case protocol.MsgShutdownRequest:
		f.send(m, protocol.MsgShutdownReply, -1, protocol.ShutdownRequest{Status: "ok"}, nil)
		return
	case protocol.MsgAbortRequest:
		if md.Scheduler == protocol.SchedBalanced {
			f.send(m, protocol.MsgAbortReply, -1, map[string]any{"status": "ok", "aborted": []string{}}, nil)
		}
		return
	case "interrupt_request":
		return
	}
	for _, e := range targets {
		stamp := &protocol.EngineStamp{EngineID: e, Started: time.Now().UTC().Format(time.RFC3339Nano),
			Completed: time.Now().UTC().Format(time.RFC3339Nano)}
		switch m.Header.MsgType {
		case protocol.MsgPushRequest:
			var pr protocol.PushRequest
			_ = m.DecodeContent(&pr)
			vals, err := value.DecodeMany(&value.Encoded{Header: pr.Values, Buffers: m.Buffers}, nil)
			if err != nil {
				f.t.Error(err)
			}
			f.mu.Lock()
			for i, n := range pr.Names {
				f.ns[e][n] = vals[i]
			}
			f.mu.Unlock()
			f.send(m, protocol.MsgPushReply, e, protocol.PullReply{Status: "ok", EngineInfo: stamp}, nil)
		case protocol.MsgPullRequest:
			var pr protocol.PullRequest
			_ = m.DecodeContent(&pr)
			f.mu.Lock()
			var vals []any
			missing := ""
			for _, n := range pr.Names {
				v, ok := f.ns[e][n]
				if !ok {
					missing = n
				}
				vals = append(vals, v)
			}
			f.mu.Unlock()
			if missing != "" {
				f.send(m, protocol.MsgPullReply, e, protocol.PullReply{Status: "error", EngineInfo: stamp,
					ErrorContent: protocol.ErrorContent{EName: "NameError", EValue: missing + " is not defined"}}, nil)
				continue
			}
			enc, err := value.EncodeMany(vals)
			if err != nil {
				f.t.Error(err)
			}
			f.send(m, protocol.MsgPullReply, e, protocol.PullReply{Status: "ok", Values: enc.Header, EngineInfo: stamp}, enc.Buffers)
		case "execute_request":
			var er protocol.ExecuteRequest
			_ = m.DecodeContent(&er)
			f.send(m, "stream", e, protocol.Stream{Name: "stdout", Text: fmt.Sprintf("ran %q\n", er.Code)}, nil)
			f.send(m, "execute_result", e, protocol.ExecuteResult{ExecutionCount: 5,
				Data: protocol.MIMEBundle{"text/plain": fmt.Sprint(e * 10)}}, nil)
			f.send(m, "execute_reply", e, map[string]any{"status": "ok", "execution_count": 5}, nil)
		case protocol.MsgApplyRequest:
			var ar protocol.ApplyRequest
			_ = m.DecodeContent(&ar)
			args, err := value.DecodeMany(&value.Encoded{Header: ar.Args, Buffers: m.Buffers}, nil)
			if err != nil {
				f.t.Error(err)
			}
			f.mu.Lock()
			hold := f.hold
			f.mu.Unlock()
			if hold != nil {
				go func() {
					hold(e, ar)
					f.answerApply(m, e, ar, args, stamp)
				}()
				continue
			}
			f.answerApply(m, e, ar, args, stamp)
		}
	}
}

func (f *FakeController) answerApply(m *protocol.Message, e int, ar protocol.ApplyRequest, args []any, stamp *protocol.EngineStamp) {
	f.send(m, "stream", e, protocol.Stream{Name: "stdout", Text: fmt.Sprintf("engine %d here\n", e)}, nil)
	var res any = ar.Source
	var err error
	f.mu.Lock()
	apply := f.apply
	f.mu.Unlock()
	if apply != nil {
		res, err = apply(e, ar, args)
	}
	if err != nil {
		f.send(m, protocol.MsgApplyReply, e, protocol.ApplyReply{Status: "error", EngineInfo: stamp,
			ErrorContent: protocol.ErrorContent{EName: "runtime.Error", EValue: err.Error(), Traceback: []string{"cell:1:1 in f"}}}, nil)
		return
	}
	enc, eerr := value.Encode(res)
	if eerr != nil {
		f.t.Error(eerr)
		return
	}
	f.send(m, protocol.MsgApplyReply, e, protocol.ApplyReply{Status: "ok", Result: enc.Header, EngineInfo: stamp}, enc.Buffers)
}

// ConnectionFile writes the fake's client connection file and returns its path.
func (f *FakeController) ConnectionFile() string {
	f.t.Helper()
	path := f.t.TempDir() + "/ipcontroller-client.json"
	if err := protocol.WriteConnectionFile(path, f.conn); err != nil {
		f.t.Fatal(err)
	}
	return path
}
