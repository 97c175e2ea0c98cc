package controller

import (
	"fmt"
	"slices"
	"time"

	"github.com/goparallel/goparallel/protocol"
)

// Reasons given in unregistration notifications.
const (
	reasonHeartbeat = "heartbeat" // silent for longer than the heartbeat timeout
	reasonExited    = "exited"    // the engine said it was leaving
	reasonShutdown  = "shutdown"  // it acknowledged a controller's shutdown_request
)

// register handles a registration_request from the engine with routing identity
// ident. Ids are handed out in registration order from 0; a requested id (an MPI
// rank, or the id an engine had before the controller restarted) is honoured if
// free and refused if taken, so two engines never share an id. An engine that
// registers again on the same connection gets its id back. Called with hub.mu held.
func (h *hub) register(env *envelope, ident []byte, now time.Time) {
	var req protocol.RegistrationRequest
	req.ID = -1
	m, err := env.raw.Decode()
	if err == nil {
		err = m.DecodeContent(&req)
	}
	reply := protocol.RegistrationReply{
		Status:          protocol.ReplyOK,
		HeartbeatPeriod: h.opts.HeartbeatPeriod.Seconds(),
		ClusterSize:     h.opts.ClusterSize,
		ID:              -1,
	}
	refuse := func(why string) {
		reply.Status, reply.EValue = protocol.ReplyError, why
		h.out.toEngine(h.replyTo(ident, &env.header, protocol.MsgRegistrationReply, nil, reply))
	}
	switch {
	case err != nil:
		refuse(err.Error())
		return
	case h.stopping || h.closed:
		refuse("the controller is shutting down")
		return
	}
	if e := h.byIdent[string(ident)]; e != nil {
		if req.ID < 0 || req.ID == e.info.ID {
			reply.ID = e.info.ID
			h.out.toEngine(h.replyTo(ident, &env.header, protocol.MsgRegistrationReply, nil, reply))
			return
		}
		refuse(fmt.Sprintf("engine %s is already registered as engine %d", e.info.UUID, e.info.ID))
		return
	}
	id := req.ID
	if id >= 0 {
		if _, taken := h.engines[id]; taken {
			refuse(fmt.Sprintf("engine id %d is taken", id))
			return
		}
	} else {
		for {
			if _, taken := h.engines[h.nextID]; !taken {
				break
			}
			h.nextID++
		}
		id = h.nextID
		h.nextID++
	}
	e := &engine{
		info:     protocol.EngineInfo{ID: id, UUID: req.UUID, Hostname: req.Hostname, PID: req.PID},
		ident:    ident,
		lastSeen: now,
		inflight: make(map[string]*task),
	}
	if e.info.UUID == "" {
		e.info.UUID = string(ident)
	}
	h.engines[id] = e
	h.byIdent[string(ident)] = e
	i, _ := slices.BinarySearchFunc(h.order, id, func(x *engine, id int) int { return x.info.ID - id })
	h.order = slices.Insert(h.order, i, e)
	h.free += h.opts.HWM
	reply.ID = id
	h.out.toEngine(h.replyTo(ident, &env.header, protocol.MsgRegistrationReply, nil, reply))
	h.notify(protocol.MsgEngineAdded, protocol.EngineNotification{Engine: e.info})
	h.log.Info("controller: engine registered", "id", id, "uuid", e.info.UUID, "host", req.Hostname, "pid", req.PID)
	h.schedule()
}

// unregister removes an engine: its direct tasks fail with an EngineError reply
// naming the engine and the task; its balanced tasks are resubmitted elsewhere
// while they have retries left. Called with hub.mu held.
func (h *hub) unregister(e *engine, reason string, now time.Time) {
	if h.engines[e.info.ID] != e {
		return
	}
	delete(h.engines, e.info.ID)
	delete(h.byIdent, string(e.ident))
	if i := slices.Index(h.order, e); i >= 0 {
		h.order = slices.Delete(h.order, i, i+1)
	}
	h.free -= h.opts.HWM - e.balanced
	h.notify(protocol.MsgEngineDied, protocol.EngineNotification{Engine: e.info, Reason: reason})
	h.log.Warn("controller: engine unregistered", "id", e.info.ID, "uuid", e.info.UUID, "reason", reason, "tasks", len(e.inflight))

	var why string
	switch reason {
	case reasonHeartbeat:
		why = fmt.Sprintf("died (no message for %s)", h.opts.HeartbeatTimeout)
	case reasonShutdown:
		why = "was shut down"
	default:
		why = "exited"
	}
	// Tasks in the order they were submitted, so retries keep their relative order.
	lost := make([]*task, 0, len(e.inflight))
	for _, t := range e.inflight {
		lost = append(lost, t)
	}
	slices.SortFunc(lost, func(a, b *task) int { return a.submitted.Compare(b.submitted) })
	var retry []*task
	for _, t := range lost {
		t.on = slices.DeleteFunc(t.on, func(id int) bool { return id == e.info.ID })
		if t.sched == protocol.SchedBalanced && t.meta.Retries > 0 {
			retry = append(retry, t)
			continue
		}
		evalue := fmt.Sprintf("engine %d (%s, pid %d) %s while running task %s", e.info.ID, e.info.Hostname, e.info.PID, why, t.msgID)
		h.out.toClient(h.errorFrames(t.client, &t.header, ENameEngine, evalue, e.info.ID))
		t.status = protocol.ReplyError
		if len(t.on) == 0 {
			h.finish(t, now)
		}
	}
	// Retried tasks go back to the head of the queue, oldest first: they were
	// submitted before anything still waiting there.
	for i := len(retry) - 1; i >= 0; i-- {
		t := retry[i]
		t.meta.Retries--
		t.ran = t.ran[:0]
		t.tried = append(t.tried, e.ident)
		t.deadline = time.Time{}
		if t.meta.Timeout > 0 {
			t.deadline = now.Add(secondsDuration(t.meta.Timeout))
		}
		h.queue.pushFront(t)
		h.log.Info("controller: resubmitting task", "msg_id", t.msgID, "from_engine", e.info.ID, "retries_left", t.meta.Retries)
	}
	e.inflight = nil
	h.failImpossible()
	h.schedule()
}

// notify publishes an engine notification. The transport's PUB queues each
// subscriber's messages for its own writer and drops them for a subscriber that
// has stopped reading, so this never blocks.
func (h *hub) notify(msgType string, content protocol.EngineNotification) {
	m, err := protocol.NewMessage(msgType, h.session, nil, content)
	if err != nil {
		return
	}
	frames := h.encode(m)
	if frames == nil || h.out.notify == nil {
		return
	}
	if err := h.out.notify.SendFrames(frames); err != nil {
		h.log.Debug("controller: notify failed", "err", err)
	}
}

// engineInfos lists the registered engines by id. Called with hub.mu held.
func (h *hub) engineInfos() []protocol.EngineInfo {
	out := make([]protocol.EngineInfo, len(h.order))
	for i, e := range h.order {
		out[i] = e.info
	}
	return out
}

// secondsDuration converts protocol seconds to a Duration.
func secondsDuration(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
