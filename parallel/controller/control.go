package controller

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/goparallel/goparallel/protocol"
)

// queueRequest is the optional content of a queue_request: the engines to report
// (all when empty).
type queueRequest struct {
	Targets []int `json:"targets,omitempty"`
}

// purgeReply is the content of purge_reply.
type purgeReply struct {
	Status string `json:"status"`
	Purged int    `json:"purged"`
}

// control answers the requests the hub handles itself: connection, queue, result,
// purge and cluster shutdown. Their content is small and decoded in full.
func (h *hub) control(env *envelope) {
	client := env.frames[0]
	m, err := env.raw.Decode()
	if err != nil {
		h.refuse(env, ENameController, err.Error())
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	reply := func(content any) {
		h.out.toClient(h.replyTo(client, &env.header, replyType(env.header.MsgType), nil, content))
	}
	switch env.header.MsgType {
	case protocol.MsgConnectionRequest:
		reply(protocol.ConnectionReply{Status: protocol.ReplyOK, Engines: h.engineInfos()})

	case protocol.MsgQueueRequest:
		var req queueRequest
		if err := m.DecodeContent(&req); err != nil {
			h.refuse(env, ENameController, err.Error())
			return
		}
		rep := protocol.QueueReply{Status: protocol.ReplyOK, Engines: make(map[string]protocol.EngineQueue), Unassigned: h.queue.n}
		for _, e := range h.order {
			if len(req.Targets) > 0 && !slices.Contains(req.Targets, e.info.ID) {
				continue
			}
			rep.Engines[strconv.Itoa(e.info.ID)] = protocol.EngineQueue{Queue: len(e.inflight), Completed: e.completed, Tasks: e.balanced}
		}
		reply(rep)

	case protocol.MsgResultRequest:
		var req protocol.ResultRequest
		if err := m.DecodeContent(&req); err != nil {
			h.refuse(env, ENameController, err.Error())
			return
		}
		rep := protocol.ResultReply{Status: protocol.ReplyOK, Results: make(map[string]protocol.TaskRecord, len(req.MsgIDs))}
		for _, id := range req.MsgIDs {
			rep.Results[id] = h.lookup(id)
		}
		reply(rep)

	case protocol.MsgPurgeRequest:
		var req protocol.PurgeRequest
		if err := m.DecodeContent(&req); err != nil {
			h.refuse(env, ENameController, err.Error())
			return
		}
		reply(purgeReply{Status: protocol.ReplyOK, Purged: h.store.purge(req.MsgIDs)})

	case protocol.MsgShutdownRequest:
		reply(protocol.ShutdownRequest{Status: protocol.ReplyOK})
		h.shutdownEngines()

	default:
		h.refuse(env, ENameController, fmt.Sprintf("the controller does not handle %s", env.header.MsgType))
	}
}

// lookup returns what the hub knows of a task. Called with hub.mu held.
func (h *hub) lookup(id string) protocol.TaskRecord {
	if t := h.pending[id]; t != nil {
		tr := protocol.TaskRecord{Status: statusPending, EngineID: -1}
		if len(t.ran) == 1 {
			tr.EngineID = t.ran[0]
		}
		tr.Submitted = t.submitted.UTC().Format(timeFormat)
		return tr
	}
	if r := h.store.get(id); r != nil {
		return r.taskRecord()
	}
	return protocol.TaskRecord{Status: statusUnknown, EngineID: -1}
}

// shutdownEngines starts a cluster shutdown: every engine gets a shutdown_request
// from the controller, and Run stops once they have all acknowledged (or after
// Options.ShutdownGrace). Called with hub.mu held.
func (h *hub) shutdownEngines() {
	if h.stopping {
		return
	}
	h.stopping = true
	for _, e := range h.order {
		m, err := protocol.NewMessage(protocol.MsgShutdownRequest, h.session, nil, protocol.ShutdownRequest{})
		if err != nil {
			continue
		}
		m.Identities = [][]byte{e.ident}
		h.out.toEngine(h.encode(m))
	}
	h.requestStop()
}
