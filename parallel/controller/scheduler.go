package controller

import (
	"fmt"
	"strconv"
	"time"

	"github.com/goparallel/goparallel/protocol"
	"github.com/goparallel/goparallel/protocol/transport"
)

// hubTypes are the requests the hub answers itself, whatever their scheduler.
var hubTypes = map[string]bool{
	protocol.MsgConnectionRequest: true,
	protocol.MsgQueueRequest:      true,
	protocol.MsgResultRequest:     true,
	protocol.MsgPurgeRequest:      true,
}

// handleClient routes one message from the client socket. It reads the header and
// the metadata only; the content and buffers travel to the engines as the frames
// the client sent.
//
// A request to one engine streams its large buffers (tail) from the client's
// connection to the engine's as they arrive. Any other message comes whole (the
// socket's StreamIf is clientStreams), since it may be sent several times (a
// broadcast, a retried task). A tail not handed on is discarded.
func (h *hub) handleClient(sock *transport.Socket, frames [][]byte, tail *transport.Tail) {
	env, err := openEnvelope(h.codec, frames)
	if err != nil {
		tail.Discard()
		sock.Reject(err)
		return
	}
	env.tail = tail
	defer func() { env.tail.Discard() }()
	if env.nids == 0 {
		// A ROUTER always puts the peer's identity first; nothing to answer to.
		sock.Reject(errNoIdentity)
		return
	}
	md, mdErr := decodeTaskMetadata(env.raw.Metadata)
	msgType := env.header.MsgType
	switch {
	case hubTypes[msgType] || md.Scheduler == protocol.SchedControl && mdErr == nil,
		msgType == protocol.MsgShutdownRequest && md.Scheduler != protocol.SchedDirect && md.Scheduler != protocol.SchedBroadcast:
		h.control(env)
		return
	case mdErr != nil:
		h.refuse(env, ENameController, mdErr.Error())
		return
	}
	now := time.Now()
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed || h.stopping {
		h.refuse(env, ENameController, "the controller is shutting down")
		return
	}
	switch md.Scheduler {
	case protocol.SchedDirect, protocol.SchedBroadcast:
		h.direct(env, md, now)
	case protocol.SchedBalanced:
		if msgType == protocol.MsgAbortRequest {
			h.abortQueued(env)
			return
		}
		if !isRequest(msgType) {
			h.refuse(env, ENameController, "balanced messages must be requests")
			return
		}
		h.submitBalanced(env, md, now)
	case "":
		h.refuse(env, ENameController, fmt.Sprintf("%s has no scheduler in its metadata", msgType))
	default:
		h.refuse(env, ENameController, fmt.Sprintf("unknown scheduler %q", md.Scheduler))
	}
}

// newTask registers a request as pending, or refuses a duplicate msg_id. Called
// with hub.mu held.
func (h *hub) newTask(env *envelope, md protocol.TaskMetadata, now time.Time) *task {
	if h.pending[env.header.MsgID] != nil {
		h.refuse(env, ENameController, fmt.Sprintf("msg_id %s is already pending", env.header.MsgID))
		return nil
	}
	t := &task{
		msgID:     env.header.MsgID,
		header:    env.header,
		client:    env.frames[0],
		frames:    env.frames,
		sched:     md.Scheduler,
		meta:      md,
		submitted: now,
		status:    protocol.ReplyOK,
	}
	h.pending[t.msgID] = t
	return t
}

// handleReply accounts for an engine's reply to a task it was sent: the engine's
// queue shrinks, the task completes once every engine it went to has answered,
// and freed balanced slots go to queued tasks. Called with hub.mu held.
func (h *hub) handleReply(e *engine, env *envelope, now time.Time) {
	id := env.parentID()
	t := e.inflight[id]
	if t == nil {
		return // not a tracked task (or already failed over); forwarded anyway
	}
	delete(e.inflight, id)
	e.completed++
	if t.sched == protocol.SchedBalanced {
		e.balanced--
		h.free++
	}
	for i, x := range t.on {
		if x == e.info.ID {
			t.on = append(t.on[:i], t.on[i+1:]...)
			break
		}
	}
	status := replyStatus(env.raw.Content)
	if len(t.ran) > 1 {
		// One message to several engines: each engine's outcome is kept under
		// "<msg_id>@<engine id>", the aggregate under the msg_id.
		h.store.add(&record{
			msgID: id + "@" + strconv.Itoa(e.info.ID), status: status, engines: []int{e.info.ID},
			submitted: t.submitted, completed: now, reply: env.raw.Content,
		})
	} else {
		t.lastReply = env.raw.Content
	}
	if status != protocol.ReplyOK && t.status == protocol.ReplyOK {
		t.status = status
	}
	if len(t.on) == 0 {
		h.finish(t, now)
	}
	if h.queue.n > 0 {
		h.schedule()
	}
}
