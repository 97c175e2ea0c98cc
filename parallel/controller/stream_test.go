package controller

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goparallel/goparallel/protocol"
	"github.com/goparallel/goparallel/protocol/transport"
)

// Tests for the controller's streaming of large buffers: frames of at least
// streamFrom bytes after a message's signed part go from the sender's
// connection to the receiver's as a transport.Tail instead of being stored.
// Each test checks the buffers byte for byte, and that every connection a
// message came from keeps working afterwards (a tail nobody used up would leave
// it stuck).

const mib = 1 << 20

// pattern returns n bytes in which each 8-byte word holds seed and its own
// offset, so a lost, repeated, shifted or foreign chunk shows as a mismatch.
func pattern(seed uint32, n int) []byte {
	b := make([]byte, n+8)
	for off := 0; off < n; off += 8 {
		binary.LittleEndian.PutUint64(b[off:], uint64(seed)<<40|uint64(off))
	}
	return b[:n:n]
}

// checkBuffers reports the first difference between got and want, without
// dumping megabytes.
func checkBuffers(t testing.TB, what string, got, want [][]byte) {
	t.Helper()
	if err := diffBuffers(got, want); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func diffBuffers(got, want [][]byte) error {
	if len(got) != len(want) {
		sizes := func(bs [][]byte) []int {
			var s []int
			for _, b := range bs {
				s = append(s, len(b))
			}
			return s
		}
		return fmt.Errorf("%d buffers of sizes %v, want %d of sizes %v", len(got), sizes(got), len(want), sizes(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if bytes.Equal(g, w) {
			continue
		}
		if len(g) != len(w) {
			return fmt.Errorf("buffer %d: %d bytes, want %d", i, len(g), len(w))
		}
		off := 0
		for off < len(w) && g[off] == w[off] {
			off++
		}
		end := min(off+16, len(w))
		return fmt.Errorf("buffer %d (%d bytes): first difference at offset %d: got % x, want % x", i, len(w), off, g[off:end], w[off:end])
	}
	return nil
}

// request builds a message of msgType with apply_request content, routing
// metadata md (nil: none) and buffers, unsent.
func (c *fakeClient) request(msgType string, md any, bufs [][]byte) *protocol.Message {
	c.t.Helper()
	m, err := protocol.NewMessage(msgType, "client", nil, protocol.ApplyRequest{Source: "func() int { return 1 }", Args: json.RawMessage(`null`)})
	if err != nil {
		c.t.Fatal(err)
	}
	if md != nil {
		if err := m.SetMetadata(md); err != nil {
			c.t.Fatal(err)
		}
	}
	m.Buffers = bufs
	return m
}

// sendBufs sends a request of msgType with metadata md and buffers.
func (c *fakeClient) sendBufs(msgType string, md any, bufs [][]byte) *protocol.Message {
	c.t.Helper()
	m := c.request(msgType, md, bufs)
	if err := c.sock.Send(m); err != nil {
		c.t.Fatal(err)
	}
	return m
}

// answerWith replies to m like answer, with buffers after the content.
func (e *fakeEngine) answerWith(m *protocol.Message, bufs [][]byte) error {
	r, err := m.Reply(replyType(m.Header.MsgType), protocol.ApplyReply{Status: protocol.ReplyOK,
		Result: json.RawMessage(`{"v":` + strconv.Itoa(e.id) + `}`), EngineInfo: &protocol.EngineStamp{EngineID: e.id}})
	if err != nil {
		return err
	}
	r.Buffers = bufs
	return e.sock.Send(r)
}

// expect waits for the engine's next request and checks it is req, with its
// content and buffers intact.
func (e *fakeEngine) expect(req *protocol.Message) *protocol.Message {
	e.t.Helper()
	m := e.next()
	if m.Header.MsgID != req.Header.MsgID || m.Header.MsgType != req.Header.MsgType || !bytes.Equal(m.Content, req.Content) {
		e.t.Fatalf("engine %d got %s %s, want %s %s", e.id, m.Header.MsgType, m.Header.MsgID, req.Header.MsgType, req.Header.MsgID)
	}
	checkBuffers(e.t, "engine "+strconv.Itoa(e.id)+" request buffers", m.Buffers, req.Buffers)
	return m
}

// TestStreamDirectRoundTrip guards the streamed path both ways: a direct request
// to one engine whose buffers mix small frames (before the first large one,
// which stay in the signed part's frames, and after it, which travel in the
// tail, an empty one last) reaches the engine intact and in order; the engine's
// reply with a 3 MiB buffer reaches the client intact; and both connections are
// released afterwards, so a second, ordinary request on the same client and
// engine is served. It runs over tcp, over ipc, and with engine and client on
// zmq4's own driver (another ZMTP implementation reading the frames the
// controller splices).
func TestStreamDirectRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name      string
		transport string
		stock     bool
	}{{"tcp", "tcp", false}, {"ipc", "ipc", false}, {"stock-peers", "tcp", true}} {
		t.Run(tc.name, func(t *testing.T) {
			cl := startController(t, Options{Transport: tc.transport})
			if tc.stock {
				// After the controller's sockets exist: only the fakes use it.
				t.Setenv(transport.DriverEnv, "stock")
			}
			streamRoundTrip(t, cl)
		})
	}
}

func streamRoundTrip(t *testing.T, cl *cluster) {
	e := cl.newEngine(-1)
	c := cl.newClient()

	bufs := [][]byte{pattern(1, 10), pattern(2, 3*mib), pattern(3, 100), pattern(4, 2*mib), {}}
	req := c.sendBufs(protocol.MsgApplyRequest, direct(0), bufs)
	m := e.expect(req)

	out := [][]byte{pattern(5, 3*mib)}
	if err := e.answerWith(m, out); err != nil {
		t.Fatal(err)
	}
	r := c.reply(req, protocol.MsgApplyReply)
	checkBuffers(t, "reply buffers", r.Buffers, out)
	var ar protocol.ApplyReply
	if err := r.DecodeContent(&ar); err != nil || ar.Status != protocol.ReplyOK {
		t.Fatalf("reply %s: %v", r.Content, err)
	}

	// Both connections were given back to their readers.
	req2 := c.apply(direct(0))
	m2 := e.expect(req2)
	e.answer(m2)
	if r := c.reply(req2, protocol.MsgApplyReply); len(r.Buffers) != 0 {
		t.Fatalf("second reply has %d buffers", len(r.Buffers))
	}
	e.none(30 * time.Millisecond)
	c.nothing(30 * time.Millisecond)
}

// TestStreamBroadcastReadWhole guards the messages that go to several engines,
// which the controller reads whole before routing: a direct request naming three
// engines and a broadcast with no targets each deliver their 2 MiB buffer intact
// to all three engines, and every engine's reply reaches the client. A direct
// request naming one engine twice is streamed to that engine once.
func TestStreamBroadcastReadWhole(t *testing.T) {
	cl := startController(t, Options{})
	engines := []*fakeEngine{cl.newEngine(-1), cl.newEngine(-1), cl.newEngine(-1)}
	c := cl.newClient()

	for i, md := range []protocol.TaskMetadata{direct(0, 1, 2), {Scheduler: protocol.SchedBroadcast}} {
		bufs := [][]byte{pattern(uint32(10+i), 2*mib), pattern(uint32(20+i), 64)}
		req := c.sendBufs(protocol.MsgApplyRequest, md, bufs)
		for _, e := range engines {
			e.answer(e.expect(req))
		}
		for range engines {
			c.reply(req, protocol.MsgApplyReply)
		}
	}

	bufs := [][]byte{pattern(30, 2*mib)}
	req := c.sendBufs(protocol.MsgApplyRequest, direct(1, 1), bufs)
	engines[1].answer(engines[1].expect(req))
	c.reply(req, protocol.MsgApplyReply)
	for _, e := range engines {
		e.none(30 * time.Millisecond)
	}
	c.nothing(30 * time.Millisecond)
}

// TestStreamBalanced guards balanced tasks, which the controller reads whole
// (a retry sends them again): a balanced request with a 2 MiB buffer reaches an
// engine intact and its reply reaches the client.
func TestStreamBalanced(t *testing.T) {
	cl := startController(t, Options{})
	e0, e1 := cl.newEngine(-1), cl.newEngine(-1)
	c := cl.newClient()
	for i := range 3 {
		bufs := [][]byte{pattern(uint32(40+i), 2*mib), pattern(uint32(50+i), 7)}
		req := c.sendBufs(protocol.MsgApplyRequest, balanced(), bufs)
		var m *protocol.Message
		var e *fakeEngine
		select {
		case m = <-e0.got:
			e = e0
		case m = <-e1.got:
			e = e1
		case <-time.After(waitLong):
			t.Fatal("balanced task not sent")
		}
		if m.Header.MsgID != req.Header.MsgID {
			t.Fatalf("engine %d got %s, want %s", e.id, m.Header.MsgID, req.Header.MsgID)
		}
		checkBuffers(t, "balanced request buffers", m.Buffers, bufs)
		e.answer(m)
		c.reply(req, protocol.MsgApplyReply)
	}
}

// TestStreamBalancedRetryResendsBuffers guards the reason balanced tasks are read
// whole: when the engine running a task with retries dies, the task goes to
// another engine with its 2 MiB buffer intact.
func TestStreamBalancedRetryResendsBuffers(t *testing.T) {
	cl := startController(t, Options{HeartbeatTimeout: 300 * time.Millisecond, HWM: 1})
	e0 := cl.newEngine(-1)
	c := cl.newClient()
	md := balanced()
	md.Retries = 1
	bufs := [][]byte{pattern(60, 2*mib)}
	req := c.sendBufs(protocol.MsgApplyRequest, md, bufs)
	e0.expect(req)
	e1 := cl.newEngine(-1)
	e0.stopHeartbeat()
	m := e1.expect(req)
	e1.answer(m)
	r := c.reply(req, protocol.MsgApplyReply)
	var ar protocol.ApplyReply
	r.DecodeContent(&ar)
	if ar.Status != protocol.ReplyOK || ar.EngineInfo == nil || ar.EngineInfo.EngineID != e1.id {
		t.Fatalf("reply %s", r.Content)
	}
}

// TestStreamDroppedRequestsReleaseClient guards the paths that drop a client
// message with a 2 MiB buffer: each must discard the tail so the client's
// connection reads on. A direct request to an engine id that does not exist
// gets an EngineError, and a request sent right behind it is served; so are the
// requests after every other refusal (unknown target among several, no
// targets, unknown or missing scheduler, unreadable metadata, balanced to
// unknown engines only, duplicate msg_id), after a control request (answered,
// its buffers ignored) and after an unroutable non-request, which gets no reply.
func TestStreamDroppedRequestsReleaseClient(t *testing.T) {
	cl := startController(t, Options{})
	e := cl.newEngine(-1)
	c := cl.newClient()
	big := func(seed uint32) [][]byte { return [][]byte{pattern(seed, 2*mib), pattern(seed+1, 3)} }

	// The spec'd case: unknown engine, then at once a request that must pass.
	bad := c.sendBufs(protocol.MsgApplyRequest, direct(7), big(70))
	good := c.apply(direct(0))
	if ec := c.errorReply(bad, ENameEngine); ec.EValue != "no engine 7" {
		t.Fatalf("evalue %q", ec.EValue)
	}
	e.answer(e.expect(good))
	c.reply(good, protocol.MsgApplyReply)

	// served checks the client and the engine still talk after a dropped message.
	served := func(what string) {
		t.Helper()
		req := c.apply(direct(0))
		m := e.next()
		if m.Header.MsgID != req.Header.MsgID {
			t.Fatalf("after %s: engine got %s %s", what, m.Header.MsgType, m.Header.MsgID)
		}
		e.answer(m)
		c.reply(req, protocol.MsgApplyReply)
	}
	md := balanced()
	md.Targets = []int{9}
	for i, tc := range []struct {
		what  string
		md    any
		ename string
	}{
		{"unknown target among several", direct(0, 7), ENameEngine},
		{"direct without targets", direct(), ENameController},
		{"unknown scheduler", protocol.TaskMetadata{Scheduler: "fancy"}, ENameController},
		{"no scheduler", nil, ENameController},
		{"unreadable metadata", map[string]any{"scheduler": "direct", "targets": "all"}, ENameController},
		{"balanced to unknown engines", md, ENameEngine},
	} {
		req := c.sendBufs(protocol.MsgApplyRequest, tc.md, big(uint32(80+2*i)))
		c.errorReply(req, tc.ename)
		served(tc.what)
	}

	// A control request is answered; its buffers are dropped.
	q := c.sendBufs(protocol.MsgConnectionRequest, protocol.TaskMetadata{Scheduler: protocol.SchedControl}, big(100))
	var rep protocol.ConnectionReply
	if err := c.reply(q, protocol.MsgConnectionReply).DecodeContent(&rep); err != nil || len(rep.Engines) != 1 {
		t.Fatalf("connection_reply %+v: %v", rep, err)
	}
	served("control request")

	// A non-request to a missing engine is dropped without a reply.
	c.sendBufs("comm_msg", direct(7), big(102))
	served("unroutable comm_msg")

	// A duplicate msg_id is refused after the check that it can be streamed.
	held := c.apply(direct(0))
	hm := e.expect(held)
	dup := c.request(protocol.MsgApplyRequest, direct(0), big(104))
	dup.Header.MsgID = held.Header.MsgID
	dup.Content = json.RawMessage(`{"different":true}`) // not a replay: its own signature
	if err := c.sock.Send(dup); err != nil {
		t.Fatal(err)
	}
	if ec := c.errorReply(dup, ENameController); !strings.Contains(ec.EValue, "already pending") {
		t.Fatalf("evalue %q", ec.EValue)
	}
	e.answer(hm)
	c.reply(held, protocol.MsgApplyReply)
	served("duplicate msg_id")

	e.none(30 * time.Millisecond)
	c.nothing(30 * time.Millisecond)
}

// TestStreamUntrackedMessages guards the messages forwarded without a task: a
// client's comm_msg to one engine streams its buffer there intact; an engine's
// output (not a reply) streams to the client intact, before the reply that
// follows it; and an engine message with a large buffer for a client that is
// not connected is dropped with its tail discarded, so the engine's next reply
// still gets through.
func TestStreamUntrackedMessages(t *testing.T) {
	cl := startController(t, Options{})
	e := cl.newEngine(-1)
	c := cl.newClient()

	commBufs := [][]byte{pattern(110, 2*mib)}
	comm := c.sendBufs("comm_msg", direct(0), commBufs)
	e.expect(comm)

	req := c.apply(direct(0))
	m := e.expect(req)
	outBufs := [][]byte{pattern(111, 12), pattern(112, 3*mib)}
	out, _ := protocol.NewMessage("display_data", "engine", &m.Header, map[string]any{"data": map[string]string{}})
	out.Identities = m.Identities
	out.Buffers = outBufs
	if err := e.sock.Send(out); err != nil {
		t.Fatal(err)
	}
	// For a client that is not there.
	lost, _ := protocol.NewMessage("display_data", "engine", &m.Header, map[string]any{"data": map[string]string{}})
	lost.Identities = [][]byte{[]byte("client-gone")}
	lost.Buffers = [][]byte{pattern(113, 2*mib)}
	if err := e.sock.Send(lost); err != nil {
		t.Fatal(err)
	}
	e.answer(m)

	got := c.recv()
	if got.Header.MsgType != "display_data" || got.Header.MsgID != out.Header.MsgID {
		t.Fatalf("got %s %s, want the display_data", got.Header.MsgType, got.Header.MsgID)
	}
	checkBuffers(t, "output buffers", got.Buffers, outBufs)
	c.reply(req, protocol.MsgApplyReply)
	c.nothing(30 * time.Millisecond)
}

// TestStreamToVanishedEngineReleasesClient guards a streamed request to an
// engine that is still registered but whose connection is gone: the tail is
// discarded (or drained after a failed write), the client's other requests are
// served, and the lost request gets an EngineError once the engine is declared
// dead.
func TestStreamToVanishedEngineReleasesClient(t *testing.T) {
	cl := startController(t, Options{HeartbeatTimeout: 300 * time.Millisecond})
	e0, e1 := cl.newEngine(-1), cl.newEngine(-1)
	c := cl.newClient()
	e1.close()
	lost := c.sendBufs(protocol.MsgApplyRequest, direct(1), [][]byte{pattern(120, 4*mib)})
	req := c.sendBufs(protocol.MsgApplyRequest, direct(0), [][]byte{pattern(121, 2*mib)})
	e0.answer(e0.expect(req))
	expectServedAndLost(t, c, req, lost)
}

// TestStreamConcurrentClients guards concurrent streams: three clients each send,
// at the same moment, a 4 MiB request to a shared engine and one to an engine
// of their own, and the engines echo the buffers back in their replies. Every
// request reaches its engine intact, and every client gets exactly its replies
// with its own buffers, whatever the interleaving of the six transfers each way.
func TestStreamConcurrentClients(t *testing.T) {
	cl := startController(t, Options{})
	shared := cl.newEngine(-1)
	own := []*fakeEngine{cl.newEngine(-1), cl.newEngine(-1), cl.newEngine(-1)}
	clients := []*fakeClient{cl.newClient(), cl.newClient(), cl.newClient()}

	type sent struct {
		c   *fakeClient
		req *protocol.Message
	}
	reqs := map[string]sent{}
	var batches [][]*protocol.Message
	for i, c := range clients {
		a := c.request(protocol.MsgApplyRequest, direct(shared.id), [][]byte{pattern(uint32(200+i), 4*mib)})
		b := c.request(protocol.MsgApplyRequest, direct(own[i].id), [][]byte{pattern(uint32(300+i), 4*mib)})
		reqs[a.Header.MsgID] = sent{c, a}
		reqs[b.Header.MsgID] = sent{c, b}
		batches = append(batches, []*protocol.Message{a, b})
	}
	start := make(chan struct{})
	errs := make(chan error, len(clients))
	for i, c := range clients {
		go func() {
			<-start
			for _, m := range batches[i] {
				if err := c.sock.Send(m); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	close(start)
	for range clients {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}

	// Each engine checks what it got and echoes the buffers back.
	serve := func(e *fakeEngine, n int) {
		t.Helper()
		for range n {
			m := e.next()
			s, ok := reqs[m.Header.MsgID]
			if !ok {
				t.Fatalf("engine %d got unknown %s", e.id, m.Header.MsgID)
			}
			checkBuffers(t, "engine "+strconv.Itoa(e.id)+" request buffers", m.Buffers, s.req.Buffers)
			if err := e.answerWith(m, m.Buffers); err != nil {
				t.Fatal(err)
			}
		}
		e.none(0)
	}
	serve(shared, len(clients))
	for _, e := range own {
		serve(e, 1)
	}

	for i, c := range clients {
		want := map[string]bool{batches[i][0].Header.MsgID: true, batches[i][1].Header.MsgID: true}
		for range 2 {
			r := c.recv()
			if r.Header.MsgType != protocol.MsgApplyReply || !want[r.Parent.MsgID] {
				t.Fatalf("client %d got %s for %s", i, r.Header.MsgType, r.Parent.MsgID)
			}
			delete(want, r.Parent.MsgID)
			checkBuffers(t, fmt.Sprintf("client %d reply buffers", i), r.Buffers, reqs[r.Parent.MsgID].req.Buffers)
		}
		c.nothing(0)
	}
}

// TestStreamEngineClosedMidTransfer guards a destination that fails while a tail
// is being copied to it: an engine's connection closes while a 32 MiB request
// streams to it. The rest of the tail is drained from the client's connection,
// so the client's next request is served, and the lost one gets an EngineError
// once the engine is declared dead.
func TestStreamEngineClosedMidTransfer(t *testing.T) {
	cl := startController(t, Options{HeartbeatTimeout: 300 * time.Millisecond})
	e0, e1 := cl.newEngine(-1), cl.newEngine(-1)
	c := cl.newClient()
	lost := c.sendBufs(protocol.MsgApplyRequest, direct(1), [][]byte{pattern(130, 32*mib)})
	time.Sleep(5 * time.Millisecond) // let the copy start
	e1.close()
	req := c.sendBufs(protocol.MsgApplyRequest, direct(0), [][]byte{pattern(131, 2*mib)})
	e0.answer(e0.expect(req))
	expectServedAndLost(t, c, req, lost)
}

// TestStreamRejectedMessagesReleaseSenders guards the paths that drop a message
// with a large buffer before routing it: a bad signature from a client or an
// engine, an engine message addressed to the controller itself (a heartbeat),
// and a reply from an engine already declared dead. Each tail is discarded, so
// the sender's connection reads on: the client and the live engine are served
// afterwards, and the dead engine's next heartbeat is answered.
func TestStreamRejectedMessagesReleaseSenders(t *testing.T) {
	cl := startController(t, Options{HeartbeatTimeout: 300 * time.Millisecond})
	e := cl.newEngine(-1)
	c := cl.newClient()
	wrong, err := protocol.NewCodec(protocol.SignatureScheme, []byte("wrong key"))
	if err != nil {
		t.Fatal(err)
	}

	// Bad signatures, client side then engine side.
	bad := c.request(protocol.MsgApplyRequest, direct(0), [][]byte{pattern(140, 2*mib)})
	frames, err := wrong.Encode(bad)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.sock.SendFrames(frames); err != nil {
		t.Fatal(err)
	}
	hb, _ := protocol.NewMessage(protocol.MsgHeartbeat, "engine", nil, nil)
	hb.Buffers = [][]byte{pattern(141, 2*mib)}
	if frames, err = wrong.Encode(hb); err != nil {
		t.Fatal(err)
	}
	if err := e.sock.SendFrames(frames); err != nil {
		t.Fatal(err)
	}
	// A properly signed heartbeat with a buffer: for the controller, which
	// ignores the buffer.
	if err := e.sock.Send(hb); err != nil {
		t.Fatal(err)
	}
	req := c.apply(direct(0))
	m := e.expect(req)
	if err := e.answerWith(m, [][]byte{pattern(142, 2*mib)}); err != nil {
		t.Fatal(err)
	}
	checkBuffers(t, "reply buffers", c.reply(req, protocol.MsgApplyReply).Buffers, [][]byte{pattern(142, 2*mib)})
	deadline := time.Now().Add(waitLong)
	for st := cl.c.Stats(); st.ClientSocket.BadSignature < 1 || st.EngineSocket.BadSignature < 1; st = cl.c.Stats() {
		if time.Now().After(deadline) {
			t.Fatalf("stats %+v", st)
		}
		time.Sleep(10 * time.Millisecond)
	}

	// A reply from an engine declared dead is dropped, tail and all.
	late := c.apply(direct(0))
	lm := e.expect(late)
	e.stopHeartbeat()
	c.errorReply(late, ENameEngine)
	if err := e.answerWith(lm, [][]byte{pattern(143, 2*mib)}); err != nil {
		t.Fatal(err)
	}
	hb2, _ := protocol.NewMessage(protocol.MsgHeartbeat, "engine", nil, nil) // a new one: hb again would be a replay
	if err := e.sock.Send(hb2); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-e.reg:
		var rep protocol.RegistrationReply
		r.DecodeContent(&rep)
		if rep.Status != protocol.ReplyError {
			t.Fatalf("reply to a dead engine's heartbeat %+v", rep)
		}
	case <-time.After(waitLong):
		t.Fatal("the dead engine's heartbeat was not answered: its connection is stuck")
	}
	c.nothing(30 * time.Millisecond)
}

// expectServedAndLost reads two replies from c: an ok one to served and an
// engine error to lost. The ok reply normally comes first, but the error may
// too if heartbeats are checked before the engine answers: match by parent.
func expectServedAndLost(t *testing.T, c *fakeClient, served, lost *protocol.Message) {
	t.Helper()
	for range 2 {
		m := c.recv()
		var ec errorContent
		m.DecodeContent(&ec)
		switch m.Parent.MsgID {
		case served.Header.MsgID:
			if ec.Status != protocol.ReplyOK {
				t.Fatalf("reply to the served request: %s", m.Content)
			}
		case lost.Header.MsgID:
			if ec.EName != ENameEngine {
				t.Fatalf("reply to the lost request: %s", m.Content)
			}
		default:
			t.Fatalf("got %s for %s", m.Header.MsgType, m.Parent.MsgID)
		}
	}
}
