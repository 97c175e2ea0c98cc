package controller

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/goparallel/goparallel/protocol"
)

func direct(targets ...int) protocol.TaskMetadata {
	return protocol.TaskMetadata{Scheduler: protocol.SchedDirect, Targets: targets}
}

func balanced() protocol.TaskMetadata {
	return protocol.TaskMetadata{Scheduler: protocol.SchedBalanced}
}

func TestRegistrationOrderAndConnectionReply(t *testing.T) {
	cl := startController(t, Options{ClusterSize: 3})
	notes := cl.subscribe()
	var engines []*fakeEngine
	for i := range 3 {
		e := cl.newEngine(-1)
		if e.id != i {
			t.Fatalf("engine %d got id %d", i, e.id)
		}
		if n := recvNote(t, notes, protocol.MsgEngineAdded); n.Engine.ID != i || n.Engine.UUID != e.uuid {
			t.Fatalf("notification %+v", n)
		}
		engines = append(engines, e)
	}
	c := cl.newClient()
	var rep protocol.ConnectionReply
	c.query(protocol.MsgConnectionRequest, nil, &rep)
	if rep.Status != "ok" || len(rep.Engines) != 3 {
		t.Fatalf("connection_reply %+v", rep)
	}
	for i, info := range rep.Engines {
		if info.ID != i || info.UUID != engines[i].uuid || info.Hostname != "fakehost" || info.PID != 42 {
			t.Fatalf("engine %d: %+v", i, info)
		}
	}
}

func TestRequestedIDs(t *testing.T) {
	cl := startController(t, Options{})
	if e := cl.newEngine(2); e.id != 2 { // an MPI rank, say
		t.Fatalf("id %d, want 2", e.id)
	}
	if e := cl.newEngine(-1); e.id != 0 {
		t.Fatalf("id %d, want 0", e.id)
	}
	if _, err := cl.dialEngine(2); err == nil || !strings.Contains(err.Error(), "taken") {
		t.Fatalf("second engine asking for 2: %v", err)
	}
	if e := cl.newEngine(-1); e.id != 1 {
		t.Fatalf("id %d, want 1", e.id)
	}
	if e := cl.newEngine(-1); e.id != 3 { // 2 is taken: skipped
		t.Fatalf("id %d, want 3", e.id)
	}
}

func TestRequestedIDTakenIsRefused(t *testing.T) {
	cl := startController(t, Options{})
	cl.newEngine(-1) // 0
	if _, err := cl.dialEngine(0); err == nil {
		t.Fatal("second engine got id 0")
	}
	if e := cl.newEngine(3); e.id != 3 {
		t.Fatalf("id %d, want 3", e.id)
	}
	if e := cl.newEngine(-1); e.id != 1 {
		t.Fatalf("id %d, want 1", e.id)
	}
}

func TestConnectionFiles(t *testing.T) {
	dir := t.TempDir()
	c, err := New(Options{SecurityDir: dir, ClusterID: "abc", ClusterSize: 4, Logger: quiet, Location: "10.1.2.3"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(c.ClientFile(), "ipcontroller-abc-client.json") || !strings.HasSuffix(c.EngineFile(), "ipcontroller-abc-engine.json") {
		t.Fatalf("files %s %s", c.ClientFile(), c.EngineFile())
	}
	for _, f := range []string{c.ClientFile(), c.EngineFile()} {
		st, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Fatalf("%s mode %v", f, st.Mode())
		}
	}
	var ec protocol.EngineConnection
	b, _ := os.ReadFile(c.EngineFile())
	json.Unmarshal(b, &ec)
	if ec.EnginePort == 0 || ec.ClusterSize != 4 || ec.IP != "10.1.2.3" || len(ec.Key) != 64 || ec.SignatureScheme != "hmac-sha256" || ec.ClusterID != "abc" {
		t.Fatalf("engine file %+v", ec)
	}
	var cc protocol.ClientConnection
	b, _ = os.ReadFile(c.ClientFile())
	json.Unmarshal(b, &cc)
	if cc.ClientPort == 0 || cc.NotifyPort == 0 || cc.Key != ec.Key {
		t.Fatalf("client file %+v", cc)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{c.ClientFile(), c.EngineFile()} {
		if _, err := os.Stat(f); !os.IsNotExist(err) {
			t.Fatalf("%s still there: %v", f, err)
		}
	}
}

func TestDirectRoutingAndOutputOrder(t *testing.T) {
	cl := startController(t, Options{})
	engines := []*fakeEngine{cl.newEngine(-1), cl.newEngine(-1), cl.newEngine(-1)}
	c := cl.newClient()
	req := c.apply(direct(0, 2))
	var seen []int
	for _, e := range []*fakeEngine{engines[0], engines[2]} {
		m := e.next()
		if m.Header.MsgID != req.Header.MsgID || string(m.Content) != string(req.Content) {
			t.Fatalf("engine %d got %s %s", e.id, m.Header.MsgID, m.Content)
		}
		seen = append(seen, e.id)
		// Output, then the reply: the client must see them in that order.
		out, _ := protocol.NewMessage("stream", "engine", &m.Header, protocol.Stream{Name: "stdout", Text: "hi"})
		out.Identities = m.Identities
		e.sock.Send(out)
		r, _ := m.Reply(protocol.MsgApplyReply, protocol.ApplyReply{Status: "ok"})
		e.sock.Send(r)
		if got := c.recv(); got.Header.MsgType != "stream" || got.Parent.MsgID != req.Header.MsgID {
			t.Fatalf("got %s", got.Header.MsgType)
		}
		c.reply(req, protocol.MsgApplyReply)
	}
	engines[1].none(50 * time.Millisecond)

	// Unknown engine: an immediate error, nothing sent anywhere.
	bad := c.apply(direct(1, 7))
	if ec := c.errorReply(bad, ENameEngine); ec.EValue != "no engine 7" {
		t.Fatalf("evalue %q", ec.EValue)
	}
	engines[1].none(50 * time.Millisecond)
}

func TestBroadcastGoesToAll(t *testing.T) {
	cl := startController(t, Options{})
	for range 3 {
		cl.newEngine(-1, autoReply, withOutput)
	}
	c := cl.newClient()
	req := c.apply(protocol.TaskMetadata{Scheduler: protocol.SchedBroadcast})
	replies, streams := map[int]bool{}, 0
	for len(replies) < 3 {
		m := c.recv()
		switch m.Header.MsgType {
		case "stream":
			streams++
		case protocol.MsgApplyReply:
			var r protocol.ApplyReply
			m.DecodeContent(&r)
			replies[r.EngineInfo.EngineID] = true
		}
		if m.Parent.MsgID != req.Header.MsgID {
			t.Fatalf("parent %s", m.Parent.MsgID)
		}
	}
	if streams != 3 {
		t.Fatalf("%d streams", streams)
	}
	// Per-engine records and the aggregate.
	var rr protocol.ResultReply
	id := req.Header.MsgID
	c.query(protocol.MsgResultRequest, protocol.ResultRequest{MsgIDs: []string{id, id + "@1"}}, &rr)
	if rr.Results[id].Status != "ok" || rr.Results[id].EngineID != -1 || rr.Results[id+"@1"].EngineID != 1 {
		t.Fatalf("results %+v", rr.Results)
	}
}

func TestBalancedHWMQueueing(t *testing.T) {
	cl := startController(t, Options{HWM: 2})
	e0, e1 := cl.newEngine(-1), cl.newEngine(-1)
	c := cl.newClient()
	var reqs []*protocol.Message
	for range 6 {
		reqs = append(reqs, c.apply(balanced()))
	}
	// Two per engine, in submission order, alternating (least load, then LRU).
	got := map[int][]*protocol.Message{}
	for _, e := range []*fakeEngine{e0, e1} {
		got[e.id] = []*protocol.Message{e.next(), e.next()}
		e.none(30 * time.Millisecond)
	}
	var q protocol.QueueReply
	c.query(protocol.MsgQueueRequest, nil, &q)
	if q.Unassigned != 2 || q.Engines["0"] != (protocol.EngineQueue{Queue: 2, Tasks: 2}) || q.Engines["1"] != (protocol.EngineQueue{Queue: 2, Tasks: 2}) {
		t.Fatalf("queue_reply %+v", q)
	}
	// A reply frees a slot: the oldest queued task goes to that engine.
	e1.answer(got[1][0])
	c.reply(got[1][0], protocol.MsgApplyReply)
	if m := e1.next(); m.Header.MsgID != reqs[4].Header.MsgID {
		t.Fatalf("engine 1 got %s, want task 4", m.Header.MsgID)
	}
	c.query(protocol.MsgQueueRequest, nil, &q)
	if q.Unassigned != 1 || q.Engines["1"] != (protocol.EngineQueue{Queue: 2, Completed: 1, Tasks: 2}) {
		t.Fatalf("queue_reply %+v", q)
	}
}

func TestHeartbeatDeathFailsPendingTasks(t *testing.T) {
	const timeout = 300 * time.Millisecond
	cl := startController(t, Options{HeartbeatTimeout: timeout})
	notes := cl.subscribe()
	e0 := cl.newEngine(-1)
	e1 := cl.newEngine(-1, autoReply)
	recvNote(t, notes, protocol.MsgEngineAdded)
	recvNote(t, notes, protocol.MsgEngineAdded)
	c := cl.newClient()
	req := c.apply(direct(0))
	e0.next()

	died := time.Now()
	e0.stopHeartbeat() // alive but silent: hung
	n := recvNote(t, notes, protocol.MsgEngineDied)
	if n.Engine.ID != 0 || n.Reason != "heartbeat" {
		t.Fatalf("notification %+v", n)
	}
	if d := time.Since(died); d > timeout+timeout/2 {
		t.Fatalf("death detected after %s, timeout %s", d, timeout)
	}
	m := c.reply(req, protocol.MsgApplyReply)
	var ec errorContent
	m.DecodeContent(&ec)
	if ec.Status != "error" || ec.EName != ENameEngine || !strings.Contains(ec.EValue, "engine 0") ||
		!strings.Contains(ec.EValue, req.Header.MsgID) || ec.EngineInfo == nil || ec.EngineInfo.EngineID != 0 {
		t.Fatalf("error reply %+v", ec)
	}
	var rep protocol.ConnectionReply
	c.query(protocol.MsgConnectionRequest, nil, &rep)
	if len(rep.Engines) != 1 || rep.Engines[0].ID != e1.id {
		t.Fatalf("engines %+v", rep.Engines)
	}
	// The engine's late reply is not forwarded (the client already has an answer),
	// and a later request to it gets "no engine 0".
	e0.answer(m)
	req2 := c.apply(direct(0))
	c.errorReply(req2, ENameEngine)
	if st := cl.c.Stats(); st.Engines != 1 || st.Pending != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestRetryOnAnotherEngine(t *testing.T) {
	cl := startController(t, Options{HeartbeatTimeout: 300 * time.Millisecond, HWM: 1})
	e0 := cl.newEngine(-1)
	c := cl.newClient()
	md := balanced()
	md.Retries = 1
	req := c.apply(md)
	e0.next()
	e1 := cl.newEngine(-1, autoReply)
	e0.stopHeartbeat()
	m := c.reply(req, protocol.MsgApplyReply)
	var r protocol.ApplyReply
	m.DecodeContent(&r)
	if r.Status != "ok" || r.EngineInfo.EngineID != e1.id {
		t.Fatalf("reply %+v", r)
	}
	// Without retries, the death is an error.
	e2 := cl.newEngine(-1)
	md.Targets = []int{e2.id}
	md.Retries = 0
	req = c.apply(md)
	e2.next()
	e2.stopHeartbeat()
	c.errorReply(req, ENameEngine)
}

func TestBalancedTimeout(t *testing.T) {
	cl := startController(t, Options{HWM: 1})
	e := cl.newEngine(-1)
	c := cl.newClient()
	first := c.apply(balanced())
	e.next() // engine full
	md := balanced()
	md.Timeout = 0.1
	start := time.Now()
	req := c.apply(md)
	ec := c.errorReply(req, ENameTimeout)
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Fatalf("timed out after %s", d)
	}
	if !strings.Contains(ec.EValue, req.Header.MsgID) {
		t.Fatalf("evalue %q", ec.EValue)
	}
	_ = first
}

func TestAfterAndFollow(t *testing.T) {
	cl := startController(t, Options{})
	e0, e1 := cl.newEngine(-1), cl.newEngine(-1)
	c := cl.newClient()

	a := c.apply(direct(0))
	ma := e0.next()
	md := balanced()
	md.After = []string{a.Header.MsgID}
	b := c.apply(md)
	e0.none(30 * time.Millisecond)
	e1.none(0)
	e0.answer(ma)
	c.reply(a, protocol.MsgApplyReply)
	var mb *protocol.Message
	select {
	case mb = <-e0.got:
	case mb = <-e1.got:
	case <-time.After(waitLong):
		t.Fatal("dependent task not sent")
	}
	if mb.Header.MsgID != b.Header.MsgID {
		t.Fatalf("got %s", mb.Header.MsgID)
	}

	// A failed dependency fails its dependents.
	e1.fail = true
	f := c.apply(direct(1))
	e1.answer(e1.next())
	c.reply(f, protocol.MsgApplyReply)
	md.After = []string{f.Header.MsgID}
	d := c.apply(md)
	c.errorReply(d, ENameDependency)
	md.After = []string{"no-such-task"}
	c.errorReply(c.apply(md), ENameDependency)

	// follow: same engine as the dependency, even when others are idle.
	g := c.apply(direct(1))
	e1.next()
	fmd := balanced()
	fmd.Follow = []string{g.Header.MsgID}
	for range 3 {
		h := c.apply(fmd)
		if m := e1.next(); m.Header.MsgID != h.Header.MsgID {
			t.Fatalf("follow went elsewhere")
		}
	}
	e0.none(30 * time.Millisecond)
}

func TestAbortQueued(t *testing.T) {
	cl := startController(t, Options{HWM: 1})
	e := cl.newEngine(-1)
	c := cl.newClient()
	running := c.apply(balanced())
	e.next()
	var queued []*protocol.Message
	for range 3 {
		queued = append(queued, c.apply(balanced()))
	}
	abort := c.send(protocol.MsgAbortRequest, balanced(), protocol.AbortRequest{})
	for _, q := range queued {
		m := c.reply(q, protocol.MsgApplyReply)
		var ec errorContent
		m.DecodeContent(&ec)
		if ec.Status != "aborted" {
			t.Fatalf("status %q", ec.Status)
		}
	}
	m := c.reply(abort, protocol.MsgAbortReply)
	var ar abortReply
	m.DecodeContent(&ar)
	if len(ar.Aborted) != 3 {
		t.Fatalf("abort_reply %+v", ar)
	}
	// Named ids: a running one is reported with its engine.
	abort = c.send(protocol.MsgAbortRequest, balanced(), protocol.AbortRequest{MsgIDs: []string{running.Header.MsgID}})
	m = c.reply(abort, protocol.MsgAbortReply)
	ar = abortReply{}
	m.DecodeContent(&ar)
	if len(ar.Aborted) != 0 || ar.Running[running.Header.MsgID] != e.id {
		t.Fatalf("abort_reply %+v", ar)
	}
	e.none(30 * time.Millisecond)
	var rr protocol.ResultReply
	c.query(protocol.MsgResultRequest, protocol.ResultRequest{MsgIDs: []string{queued[0].Header.MsgID, running.Header.MsgID}}, &rr)
	if rr.Results[queued[0].Header.MsgID].Status != "aborted" || rr.Results[running.Header.MsgID].Status != "pending" {
		t.Fatalf("results %+v", rr.Results)
	}
}

func TestResultsAndPurge(t *testing.T) {
	cl := startController(t, Options{MaxResults: 3})
	cl.newEngine(-1, autoReply)
	c := cl.newClient()
	var ids []string
	for range 5 {
		req := c.apply(direct(0))
		c.reply(req, protocol.MsgApplyReply)
		ids = append(ids, req.Header.MsgID)
	}
	var rr protocol.ResultReply
	c.query(protocol.MsgResultRequest, protocol.ResultRequest{MsgIDs: ids}, &rr)
	for i, id := range ids {
		want := "ok"
		if i < 2 {
			want = "unknown" // evicted
		}
		if got := rr.Results[id]; got.Status != want {
			t.Fatalf("result %d: %+v, want %s", i, got, want)
		}
	}
	last := rr.Results[ids[4]]
	if last.EngineID != 0 || last.Submitted == "" || last.Completed == "" || !strings.Contains(string(last.Reply), `"status":"ok"`) {
		t.Fatalf("record %+v", last)
	}
	var pr purgeReply
	c.query(protocol.MsgPurgeRequest, protocol.PurgeRequest{MsgIDs: ids[3:4]}, &pr)
	if pr.Purged != 1 {
		t.Fatalf("purged %d", pr.Purged)
	}
	c.query(protocol.MsgPurgeRequest, protocol.PurgeRequest{}, &pr)
	if pr.Purged != 2 {
		t.Fatalf("purged %d", pr.Purged)
	}
	c.query(protocol.MsgResultRequest, protocol.ResultRequest{MsgIDs: ids[4:]}, &rr)
	if rr.Results[ids[4]].Status != "unknown" {
		t.Fatalf("after purge: %+v", rr.Results)
	}
}

func TestBadRequestsGetErrorReplies(t *testing.T) {
	cl := startController(t, Options{})
	cl.newEngine(-1, autoReply)
	c := cl.newClient()
	c.errorReply(c.send("frobnicate_request", protocol.TaskMetadata{Scheduler: protocol.SchedControl}, nil), ENameController)
	c.errorReply(c.send(protocol.MsgApplyRequest, nil, nil), ENameController) // no scheduler
	c.errorReply(c.send(protocol.MsgApplyRequest, protocol.TaskMetadata{Scheduler: "fancy"}, nil), ENameController)
	c.errorReply(c.send(protocol.MsgApplyRequest, map[string]any{"scheduler": "direct", "targets": "all"}, nil), ENameController)
	c.errorReply(c.send(protocol.MsgApplyRequest, direct(), nil), ENameController) // no targets
	c.send("comm_msg", nil, nil)                                                   // no reply expected
	// Balanced to unknown targets only.
	md := balanced()
	md.Targets = []int{9}
	c.errorReply(c.apply(md), ENameEngine)
	// Still serving.
	c.reply(c.apply(direct(0)), protocol.MsgApplyReply)
	if st := cl.c.Stats(); st.Unroutable != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestGarbageOnEveryPortLeavesItServing(t *testing.T) {
	cl := startController(t, Options{})
	e := cl.newEngine(-1, autoReply)
	c := cl.newClient()
	wrong, _ := protocol.NewCodec(protocol.SignatureScheme, []byte("wrong key"))
	unsigned, _ := protocol.NewCodec("", nil)

	for _, sock := range []interface{ SendFrames([][]byte) error }{e.sock, c.sock} {
		sock.SendFrames([][]byte{[]byte("garbage")})
		sock.SendFrames([][]byte{protocol.Delimiter, []byte("sig")})
		m, _ := protocol.NewMessage(protocol.MsgHeartbeat, "x", nil, nil)
		f, _ := wrong.Encode(m)
		sock.SendFrames(f)
		f, _ = unsigned.Encode(m)
		sock.SendFrames(f)
	}
	// A replayed request: the first copy is served, the second dropped.
	req, _ := protocol.NewMessage(protocol.MsgConnectionRequest, "client", nil, nil)
	frames, _ := c.codec.Encode(req)
	c.sock.SendFrames(frames)
	c.sock.SendFrames(frames)
	c.reply(req, protocol.MsgConnectionReply)

	// Raw TCP junk on all three ports.
	for _, port := range []int{cl.c.EngineConnection().EnginePort, cl.c.ClientConnection().ClientPort, cl.c.ClientConnection().NotifyPort} {
		rawJunk(t, port)
	}

	c.reply(c.apply(direct(0)), protocol.MsgApplyReply)
	deadline := time.Now().Add(waitLong)
	for {
		st := cl.c.Stats()
		if st.EngineSocket.Malformed >= 2 && st.EngineSocket.BadSignature >= 2 && st.ClientSocket.Malformed >= 2 &&
			st.ClientSocket.BadSignature >= 2 && st.ClientSocket.Replayed >= 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("stats %+v", st)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The engine is still alive and registered.
	var rep protocol.ConnectionReply
	c.query(protocol.MsgConnectionRequest, nil, &rep)
	if len(rep.Engines) != 1 {
		t.Fatalf("engines %+v", rep.Engines)
	}
}

func TestClientShutdownStopsEnginesAndRemovesFiles(t *testing.T) {
	cl := startController(t, Options{})
	e0, e1 := cl.newEngine(-1), cl.newEngine(-1)
	c := cl.newClient()
	pending := c.apply(balanced())
	e0.next()
	m := c.send(protocol.MsgShutdownRequest, nil, protocol.ShutdownRequest{})
	c.reply(m, protocol.MsgShutdownReply)
	for _, e := range []*fakeEngine{e0, e1} {
		select {
		case got := <-e.ctrl:
			if got.Header.MsgType != protocol.MsgShutdownRequest {
				t.Fatalf("engine got %s", got.Header.MsgType)
			}
		case <-time.After(waitLong):
			t.Fatal("engine got no shutdown_request")
		}
	}
	// The engine shut down with a task: its client hears about it.
	ec := c.errorReply(pending, ENameEngine)
	if !strings.Contains(ec.EValue, "shut down") {
		t.Fatalf("evalue %q", ec.EValue)
	}
	select {
	case err := <-cl.runErr:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(waitLong):
		t.Fatal("Run did not return")
	}
	for _, f := range []string{cl.c.ClientFile(), cl.c.EngineFile()} {
		if _, err := os.Stat(f); !os.IsNotExist(err) {
			t.Fatalf("%s still there", f)
		}
	}
}

func TestCloseFailsPendingTasks(t *testing.T) {
	cl := startController(t, Options{})
	e := cl.newEngine(-1)
	c := cl.newClient()
	req := c.apply(direct(0))
	e.next()
	queuedReq := c.apply(protocol.TaskMetadata{Scheduler: protocol.SchedBalanced, Targets: []int{0}, After: []string{req.Header.MsgID}})
	time.Sleep(20 * time.Millisecond)
	cl.c.Close()
	got := map[string]bool{}
	for range 2 {
		m := c.recv()
		got[m.Parent.MsgID] = true
	}
	if !got[req.Header.MsgID] || !got[queuedReq.Header.MsgID] {
		t.Fatalf("replies for %v", got)
	}
}

func TestHeartbeatFromUnregisteredEngineIsAnswered(t *testing.T) {
	cl := startController(t, Options{HeartbeatTimeout: 200 * time.Millisecond})
	e := cl.newEngine(-1)
	e.stopHeartbeat()
	deadline := time.Now().Add(waitLong)
	for cl.c.Stats().Engines != 0 {
		if time.Now().After(deadline) {
			t.Fatal("engine not declared dead")
		}
		time.Sleep(10 * time.Millisecond)
	}
	m, _ := protocol.NewMessage(protocol.MsgHeartbeat, "engine", nil, nil)
	e.sock.Send(m)
	select {
	case r := <-e.reg:
		var rep protocol.RegistrationReply
		r.DecodeContent(&rep)
		if rep.Status != "error" {
			t.Fatalf("reply %+v", rep)
		}
	case <-time.After(waitLong):
		t.Fatal("no answer to a stray heartbeat")
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	for _, o := range []Options{
		{IP: "not-an-ip"},
		{Scheduler: "fastest"},
		{HWM: -1},
		{ClusterID: "a/b"},
		{HeartbeatTimeout: time.Second, HeartbeatPeriod: 2 * time.Second},
	} {
		o.NoFiles = true
		if c, err := New(o); err == nil {
			c.Close()
			t.Errorf("New(%+v) succeeded", o)
		}
	}
}
