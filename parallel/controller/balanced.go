package controller

import (
	"fmt"
	"slices"
	"time"

	"github.com/goparallel/goparallel/protocol"
)

// taskQueue is the FIFO of balanced tasks waiting for an engine, linked through
// the tasks themselves so queueing allocates nothing and any task can leave from
// the middle (abort, timeout, a dependency met out of order). Guarded by hub.mu.
type taskQueue struct {
	head, tail *task
	n          int
	timed      int // tasks with a deadline, so the sweeper skips the scan when 0
}

func (q *taskQueue) push(t *task) {
	t.prev, t.next, t.queued = q.tail, nil, true
	if q.tail != nil {
		q.tail.next = t
	} else {
		q.head = t
	}
	q.tail = t
	q.count(t, 1)
}

func (q *taskQueue) pushFront(t *task) {
	t.prev, t.next, t.queued = nil, q.head, true
	if q.head != nil {
		q.head.prev = t
	} else {
		q.tail = t
	}
	q.head = t
	q.count(t, 1)
}

func (q *taskQueue) remove(t *task) {
	if !t.queued {
		return
	}
	if t.prev != nil {
		t.prev.next = t.next
	} else {
		q.head = t.next
	}
	if t.next != nil {
		t.next.prev = t.prev
	} else {
		q.tail = t.prev
	}
	t.prev, t.next, t.queued = nil, nil, false
	q.count(t, -1)
}

func (q *taskQueue) count(t *task, d int) {
	q.n += d
	if !t.deadline.IsZero() {
		q.timed += d
	}
}

// submitBalanced queues a balanced request and lets the scheduler place it.
// Called with hub.mu held.
func (h *hub) submitBalanced(env *envelope, md protocol.TaskMetadata, now time.Time) {
	if len(md.Targets) > 0 && !slices.ContainsFunc(md.Targets, func(id int) bool { return h.engines[id] != nil }) {
		h.refuse(env, ENameEngine, fmt.Sprintf("no engine %s", idList(md.Targets)))
		return
	}
	t := h.newTask(env, md, now)
	if t == nil {
		return
	}
	if md.Timeout > 0 {
		t.deadline = now.Add(secondsDuration(md.Timeout))
	}
	h.queue.push(t)
	h.schedule()
}

// schedule sends queued tasks to engines with free slots, in queue order, skipping
// tasks that must wait (dependencies not done, their engines full). It stops as
// soon as no engine has a free slot, so a completion normally costs one step.
// Called with hub.mu held.
func (h *hub) schedule() {
	for t := h.queue.head; t != nil && h.free > 0; {
		next := t.next
		e, ename, evalue := h.place(t)
		switch {
		case ename != "":
			h.queue.remove(t)
			h.failTask(t, ename, evalue)
		case e != nil:
			h.queue.remove(t)
			h.dispatch(t, e)
		}
		t = next
	}
}

// place chooses the engine for t, or returns nil if t must wait, or an error name
// and value if t can never run. Called with hub.mu held.
func (h *hub) place(t *task) (e *engine, ename, evalue string) {
	// after: every dependency finished ok. Those seen done are dropped from the
	// list so a long wait does not recheck them on every pass.
	waiting := t.meta.After[:0]
	for _, id := range t.meta.After {
		if h.pending[id] != nil {
			waiting = append(waiting, id)
			continue
		}
		r := h.store.get(id)
		switch {
		case r == nil:
			return nil, ENameDependency, fmt.Sprintf("task %s depends on %s, which the controller does not know (never submitted, or purged)", t.msgID, id)
		case r.status != protocol.ReplyOK:
			return nil, ENameDependency, fmt.Sprintf("task %s depends on %s, which ended with status %s", t.msgID, id, r.status)
		}
	}
	t.meta.After = waiting
	if len(waiting) > 0 {
		return nil, "", ""
	}

	// follow: the engines where every dependency ran.
	var follow []int
	for i, id := range t.meta.Follow {
		var ran []int
		if p := h.pending[id]; p != nil {
			if len(p.ran) == 0 {
				return nil, "", "" // not placed yet
			}
			ran = p.ran
		} else if r := h.store.get(id); r != nil {
			ran = r.engines
		} else {
			return nil, ENameDependency, fmt.Sprintf("task %s follows %s, which the controller does not know (never submitted, or purged)", t.msgID, id)
		}
		if i == 0 {
			follow = slices.Clone(ran)
		} else {
			follow = slices.DeleteFunc(follow, func(x int) bool { return !slices.Contains(ran, x) })
		}
		if len(follow) == 0 {
			return nil, ENameDependency, fmt.Sprintf("task %s follows tasks that ran on different engines", t.msgID)
		}
	}

	h.cands, h.candEng = h.cands[:0], h.candEng[:0]
	allowed := false
	for _, e := range h.order {
		if len(t.meta.Targets) > 0 && !slices.Contains(t.meta.Targets, e.info.ID) {
			continue
		}
		if follow != nil && !slices.Contains(follow, e.info.ID) {
			continue
		}
		if slices.ContainsFunc(t.tried, func(id []byte) bool { return string(id) == string(e.ident) }) {
			continue
		}
		allowed = true
		if e.balanced >= h.opts.HWM {
			continue
		}
		h.cands = append(h.cands, candidate{load: len(e.inflight), lastUsed: e.lastUsed})
		h.candEng = append(h.candEng, e)
	}
	switch {
	case !allowed && follow != nil:
		return nil, ENameDependency, fmt.Sprintf("task %s follows tasks whose engine %s is gone", t.msgID, idList(follow))
	case !allowed && len(t.meta.Targets) > 0:
		return nil, ENameEngine, fmt.Sprintf("no engine %s", idList(t.meta.Targets))
	case len(h.cands) == 0:
		return nil, "", "" // no engine yet, or all allowed ones are full
	}
	return h.candEng[h.policy(h.cands, h.rnd)], "", ""
}

// dispatch sends t to e. Called with hub.mu held, t out of the queue.
func (h *hub) dispatch(t *task, e *engine) {
	t.on = append(t.on[:0], e.info.ID)
	t.ran = append(t.ran[:0], e.info.ID)
	e.inflight[t.msgID] = t
	e.balanced++
	h.free--
	h.seq++
	e.lastUsed = h.seq
	h.out.toEngine(prepend(e.ident, t.frames))
}

// failImpossible fails queued tasks restricted to engines none of which is
// registered any more. Called with hub.mu held, after an engine left.
func (h *hub) failImpossible() {
	for t := h.queue.head; t != nil; {
		next := t.next
		if len(t.meta.Targets) > 0 && !slices.ContainsFunc(t.meta.Targets, func(id int) bool { return h.engines[id] != nil }) {
			h.queue.remove(t)
			h.failTask(t, ENameEngine, fmt.Sprintf("no engine %s is left to run task %s", idList(t.meta.Targets), t.msgID))
		}
		t = next
	}
}

// expire fails queued tasks whose timeout passed before they reached an engine.
// Called with hub.mu held.
func (h *hub) expire(now time.Time) {
	if h.queue.timed == 0 {
		return
	}
	for t := h.queue.head; t != nil; {
		next := t.next
		if !t.deadline.IsZero() && now.After(t.deadline) {
			h.queue.remove(t)
			h.failTask(t, ENameTimeout, fmt.Sprintf("task %s did not start within %gs", t.msgID, t.meta.Timeout))
		}
		t = next
	}
}

// abortReply is the content of the abort_reply the controller writes for a
// balanced abort_request.
type abortReply struct {
	Status string `json:"status"`
	// Aborted are the queued tasks dropped; each also got an "aborted" reply.
	Aborted []string `json:"aborted"`
	// Running maps requested tasks already sent to an engine to that engine's id;
	// the controller cannot recall them (a direct abort_request to the engine can).
	Running map[string]int `json:"running,omitempty"`
}

// abortQueued drops queued balanced tasks: those named in the request, or all of
// the requesting client's when it names none. Each dropped task is answered
// "aborted"; then the abort_request itself is answered. Called with hub.mu held.
func (h *hub) abortQueued(env *envelope) {
	var req protocol.AbortRequest
	if m, err := env.raw.Decode(); err != nil || m.DecodeContent(&req) != nil {
		h.refuse(env, ENameController, "abort_request content is not an AbortRequest")
		return
	}
	client := env.frames[0]
	want := make(map[string]bool, len(req.MsgIDs))
	for _, id := range req.MsgIDs {
		want[id] = true
	}
	rep := abortReply{Status: protocol.ReplyOK, Aborted: []string{}}
	for t := h.queue.head; t != nil; {
		next := t.next
		if want[t.msgID] || (len(want) == 0 && string(t.client) == string(client)) {
			h.queue.remove(t)
			h.failTask(t, ENameAborted, fmt.Sprintf("task %s was aborted before it started", t.msgID))
			rep.Aborted = append(rep.Aborted, t.msgID)
		}
		t = next
	}
	for _, id := range req.MsgIDs {
		if t := h.pending[id]; t != nil && len(t.on) > 0 {
			if rep.Running == nil {
				rep.Running = make(map[string]int)
			}
			rep.Running[id] = t.on[0]
		}
	}
	h.out.toClient(h.replyTo(client, &env.header, protocol.MsgAbortReply, nil, rep))
}

// idList renders engine ids for messages: "7" or "[1 2 3]".
func idList(ids []int) string {
	if len(ids) == 1 {
		return fmt.Sprint(ids[0])
	}
	return fmt.Sprint(ids)
}
