package controller

import (
	"fmt"
	"slices"
	"time"

	"github.com/goparallel/goparallel/protocol"
)

// direct sends one client message to each engine in its targets, the same frames
// to each with that engine's identity in front. A broadcast with no targets goes
// to every registered engine; a direct message must name its targets. If any
// target is not registered nothing is sent and the client gets one EngineError
// reply ("no engine 7"). Requests are tracked until every engine answered; other
// messages (comm traffic, say) are forwarded untracked. Called with hub.mu held.
func (h *hub) direct(env *envelope, md protocol.TaskMetadata, now time.Time) {
	targets := md.Targets
	if len(targets) == 0 {
		if md.Scheduler != protocol.SchedBroadcast {
			h.refuse(env, ENameController, fmt.Sprintf("direct %s has no targets", env.header.MsgType))
			return
		}
		if len(h.order) == 0 {
			h.refuse(env, ENameEngine, "no engines are registered")
			return
		}
		targets = make([]int, len(h.order))
		for i, e := range h.order {
			targets[i] = e.info.ID
		}
	} else if hasDuplicates(targets) {
		targets = dedupe(targets)
	}
	var missing []int
	for _, id := range targets {
		if h.engines[id] == nil {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		h.refuse(env, ENameEngine, "no engine "+idList(missing))
		return
	}
	var t *task
	if isRequest(env.header.MsgType) {
		if t = h.newTask(env, md, now); t == nil {
			return
		}
		t.on = slices.Clone(targets)
		t.ran = slices.Clone(targets)
	}
	for _, id := range targets {
		e := h.engines[id]
		if t != nil {
			e.inflight[t.msgID] = t
		}
		// Only a message for one engine keeps a tail (see streamable).
		h.out.toEngineStream(prepend(e.ident, env.frames), env.tail)
		env.tail = nil
	}
}

// clientStreams tells the client socket which messages with large buffers to
// stream (see transport.Options.StreamIf): those that are streamable. The rest are
// read whole by the client connection's own goroutine, never by the hub's.
func clientStreams(head [][]byte) bool {
	raw, err := protocol.Split(head)
	if err != nil {
		return false
	}
	md, err := decodeTaskMetadata(raw.Metadata)
	return err == nil && streamable(md)
}

// streamable reports whether a client message with metadata md may stream its
// buffers to the engine: it goes to exactly one engine, once. Broadcasts and
// balanced tasks (which a retry sends again) are read whole.
func streamable(md protocol.TaskMetadata) bool {
	if md.Scheduler != protocol.SchedDirect && md.Scheduler != protocol.SchedBroadcast {
		return false
	}
	if len(md.Targets) == 0 {
		return false
	}
	for _, id := range md.Targets[1:] {
		if id != md.Targets[0] {
			return false
		}
	}
	return true
}

// hasDuplicates reports whether ids repeats an id; small lists are the norm, so
// the quadratic scan is cheaper than a map.
func hasDuplicates(ids []int) bool {
	if len(ids) > 32 {
		seen := make(map[int]bool, len(ids))
		for _, id := range ids {
			if seen[id] {
				return true
			}
			seen[id] = true
		}
		return false
	}
	for i := range ids {
		if slices.Contains(ids[i+1:], ids[i]) {
			return true
		}
	}
	return false
}

// dedupe returns ids without repeats, in first-seen order.
func dedupe(ids []int) []int {
	seen := make(map[int]bool, len(ids))
	out := make([]int, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
