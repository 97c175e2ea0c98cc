package controller

import (
	"encoding/json"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/goparallel/goparallel/protocol"
)

// Lock order. There is one lock, hub.mu, guarding the registry, the pending tasks,
// the balanced queue and the results store. While holding it, code may put
// frames on the outbox (a send into the peer's queue that never waits, or else a
// channel send, which blocks only when a writer has fallen thousands of messages
// behind) so that the order of messages to a peer is the order of the state
// changes that produced them: an engine gets its registration_reply before any
// task, a client gets a task's output before the error that says its engine
// died. Sends that may wait are made only by the writer goroutines, never under
// hub.mu. The notify PUB
// socket is sent to under hub.mu (hub.notify): the transport's PUB only appends
// to per-subscriber queues there, so it never blocks. Controller.mu guards only Run/Close
// bookkeeping and is never held with hub.mu.

// hub is the controller's state: the engine registry, the tasks in flight, the
// balanced queue and the results store, shared by the goroutines that read the
// engine and client sockets and by the sweeper that detects dead engines and
// expired tasks.
type hub struct {
	opts    Options
	codec   *protocol.Codec
	log     *slog.Logger
	out     *outbox
	session string // session id of the messages the controller writes itself
	policy  policy

	mu       sync.Mutex
	engines  map[int]*engine
	byIdent  map[string]*engine
	order    []*engine // registered engines by ascending id
	nextID   int       // next id to try for an engine that requests none
	seq      uint64    // balanced assignment counter, for LRU
	pending  map[string]*task
	queue    taskQueue
	free     int // balanced slots free over all engines: Σ (hwm - engine.balanced)
	store    *resultStore
	rnd      *rand.Rand
	cands    []candidate // scratch for the policy
	candEng  []*engine
	stopping bool // a client asked the cluster to shut down
	closed   bool // the controller is stopping: produce nothing more

	stopReq chan struct{} // closed when a client asked the cluster to shut down
	stopOne sync.Once

	unroutable   atomic.Uint64
	unregistered atomic.Uint64
}

// engine is one registered engine.
type engine struct {
	info      protocol.EngineInfo
	ident     []byte // routing identity on the engine socket
	lastSeen  time.Time
	inflight  map[string]*task
	balanced  int    // balanced tasks in flight
	completed int    // replies received
	lastUsed  uint64 // hub.seq when it last got a balanced task
}

// task is a request the controller routed to engines (or holds in the balanced
// queue) and whose reply it has not yet seen from every engine.
type task struct {
	msgID     string
	header    protocol.Header // the request's header: parent of replies the hub writes
	client    []byte          // the client's routing identity
	frames    [][]byte        // as received, client identity first; resent unchanged
	sched     string
	meta      protocol.TaskMetadata
	submitted time.Time
	deadline  time.Time // zero when the task may wait forever
	on        []int     // engines that have it and have not answered
	ran       []int     // engines it was sent to (the last one, for a retried task)
	status    string    // aggregate: ok until some engine answers otherwise
	// tried are the identities of engines a retried task was lost on: it never
	// goes back to them, even if one registers again, since that engine's replay
	// guard would drop the same signed message silently.
	tried     [][]byte
	lastReply json.RawMessage

	queued     bool
	prev, next *task
}

func newHub(opts Options, codec *protocol.Codec, out *outbox) *hub {
	pol, _ := policyByName(opts.Scheduler) // checked by Options.withDefaults
	return &hub{
		opts:    opts,
		codec:   codec,
		log:     opts.Logger,
		out:     out,
		session: protocol.NewID(),
		policy:  pol,
		engines: make(map[int]*engine),
		byIdent: make(map[string]*engine),
		pending: make(map[string]*task),
		store:   newResultStore(opts.MaxResults, opts.MaxResultBytes, opts.MaxReplyBytes),
		rnd:     rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())),
		stopReq: make(chan struct{}),
	}
}

// hubMetadata is the metadata of replies the hub writes for a task.
type hubMetadata struct {
	EngineID *int   `json:"engine_id,omitempty"`
	Status   string `json:"status"`
}

// errorContent is the content of error replies the hub writes: the shape of an
// engine's error reply, so clients handle both alike.
type errorContent struct {
	Status string `json:"status"`
	protocol.ErrorContent
	EngineInfo *protocol.EngineStamp `json:"engine_info,omitempty"`
}

// Error names in replies the controller writes itself.
const (
	ENameEngine     = "EngineError"     // the engine is unknown, died or shut down
	ENameTimeout    = "TimeoutError"    // a balanced task did not start in time
	ENameDependency = "DependencyError" // an after/follow dependency failed or cannot be met
	ENameAborted    = "TaskAborted"     // a queued balanced task was aborted
	ENameController = "ControllerError" // the request itself is wrong (routing, type, metadata)
)

// encode signs a message the hub writes.
func (h *hub) encode(m *protocol.Message) [][]byte {
	frames, err := h.codec.Encode(m)
	if err != nil {
		h.log.Error("controller: encoding message", "type", m.Header.MsgType, "err", err)
		return nil
	}
	return frames
}

// replyTo returns the frames of a reply of type msgType to the request with
// header req from client.
func (h *hub) replyTo(client []byte, req *protocol.Header, msgType string, md any, content any) [][]byte {
	m, err := protocol.NewMessage(msgType, req.Session, req, content)
	if err == nil {
		err = m.SetMetadata(md)
	}
	if err != nil {
		h.log.Error("controller: building reply", "type", msgType, "err", err)
		return nil
	}
	m.Identities = [][]byte{client}
	return h.encode(m)
}

// errorFrames builds the error reply to a request: same reply type as an engine's
// (apply_request → apply_reply), status "error" (or "aborted" for ENameAborted),
// and, when an engine is involved, its id in content.engine_info and metadata.
func (h *hub) errorFrames(client []byte, req *protocol.Header, ename, evalue string, engineID int) [][]byte {
	status := protocol.ReplyError
	if ename == ENameAborted {
		status = protocol.ReplyAborted
	}
	c := errorContent{Status: status, ErrorContent: protocol.ErrorContent{
		EName: ename, EValue: evalue, Traceback: []string{ename + ": " + evalue},
	}}
	md := hubMetadata{Status: status}
	if engineID >= 0 {
		id := engineID
		md.EngineID = &id
		c.EngineInfo = &protocol.EngineStamp{EngineID: engineID, Completed: time.Now().UTC().Format(time.RFC3339Nano)}
	}
	return h.replyTo(client, req, replyType(req.MsgType), md, c)
}

// refuse answers a request the controller cannot route with an error reply, or
// drops it when its type expects none. Safe with or without hub.mu held.
func (h *hub) refuse(env *envelope, ename, evalue string) {
	if !isRequest(env.header.MsgType) {
		h.unroutable.Add(1)
		h.log.Debug("controller: dropped unroutable message", "type", env.header.MsgType, "err", evalue)
		return
	}
	h.out.toClient(h.errorFrames(env.frames[0], &env.header, ename, evalue, -1))
}

// finish records a task whose every engine answered (or which failed before
// reaching any) and forgets it. Called with hub.mu held.
func (h *hub) finish(t *task, now time.Time) {
	delete(h.pending, t.msgID)
	h.store.add(&record{
		msgID: t.msgID, status: t.status, engines: t.ran,
		submitted: t.submitted, completed: now, reply: t.lastReply,
	})
	t.frames = nil // let the payload go even if something still points at t
}

// failTask answers a task that never reached an engine (queued balanced tasks:
// timeout, dependency, abort, impossible targets) and records it. Called with
// hub.mu held, the task already out of the queue.
func (h *hub) failTask(t *task, ename, evalue string) {
	h.out.toClient(h.errorFrames(t.client, &t.header, ename, evalue, -1))
	t.status = protocol.ReplyError
	if ename == ENameAborted {
		t.status = protocol.ReplyAborted
	}
	h.finish(t, time.Now())
}

// requestStop tells Run that a client asked the cluster to shut down.
func (h *hub) requestStop() {
	h.stopOne.Do(func() { close(h.stopReq) })
}

// engineCount returns the number of registered engines.
func (h *hub) engineCount() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.engines)
}

// failAll answers every task still pending when the controller stops, so no
// client waits forever, and marks the hub closed. From then on the hub produces
// nothing.
func (h *hub) failAll(reason string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	for _, t := range h.pending {
		if len(t.on) == 0 {
			h.out.toClient(h.errorFrames(t.client, &t.header, ENameController, reason, -1))
			continue
		}
		for _, id := range t.on {
			h.out.toClient(h.errorFrames(t.client, &t.header, ENameController, reason, id))
		}
	}
	h.pending = make(map[string]*task)
	h.queue = taskQueue{}
	h.closed = true
}
