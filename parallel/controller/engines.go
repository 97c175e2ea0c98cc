package controller

import (
	"time"

	"github.com/goparallel/goparallel/protocol"
	"github.com/goparallel/goparallel/protocol/transport"
)

// handleEngine routes one message from the engine socket. Messages an engine
// addresses to the controller (no identity after its own) are registration,
// heartbeats and its shutdown_reply; everything else carries a client's identity
// and is forwarded to that client as is — output and replies alike, in the order
// the engine sent them, since this goroutine is the only reader of the engine
// socket and the client writer sends in queue order.
//
// Large buffers of a reply (tail) stream from the engine's connection to the
// client's as they arrive.
func (h *hub) handleEngine(sock *transport.Socket, frames [][]byte, tail *transport.Tail) {
	env, err := openEnvelope(h.codec, frames)
	if err != nil {
		tail.Discard()
		sock.Reject(err)
		return
	}
	env.tail = tail
	defer func() { env.tail.Discard() }()
	if env.nids == 0 {
		sock.Reject(errNoIdentity)
		return
	}
	ident := frames[0]
	msgType := env.header.MsgType
	now := time.Now()

	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return
	}
	e := h.byIdent[string(ident)]
	if e != nil {
		// Any message proves the engine alive, not only heartbeats: a busy engine
		// streaming output is not dead.
		e.lastSeen = now
	}
	if env.nids == 1 {
		h.engineToController(e, env, ident, now)
		h.mu.Unlock()
		return
	}
	if e == nil {
		// A late message from an engine declared dead: its tasks were already
		// answered with an error, so forwarding would give the client two replies.
		h.mu.Unlock()
		h.unregistered.Add(1)
		return
	}
	if isReply(msgType) {
		// Forwarded under the lock: anything the reply causes (a dependent task
		// failing, say) reaches the client after the reply itself.
		h.handleReply(e, env, now)
		h.out.toClientStream(frames[1:], env.tail)
		env.tail = nil
		h.mu.Unlock()
		return
	}
	h.mu.Unlock()
	h.out.toClientStream(frames[1:], env.tail)
	env.tail = nil
}

// engineToController handles a message an engine addressed to the controller.
// Called with hub.mu held; e is nil for an unregistered engine.
func (h *hub) engineToController(e *engine, env *envelope, ident []byte, now time.Time) {
	switch env.header.MsgType {
	case protocol.MsgRegistrationRequest:
		h.register(env, ident, now)
	case protocol.MsgHeartbeat:
		if e == nil {
			// The engine was declared dead (or registered with a controller that
			// restarted): tell it, so it can register again.
			h.unregistered.Add(1)
			h.out.toEngine(h.replyTo(ident, &env.header, protocol.MsgRegistrationReply, nil, protocol.RegistrationReply{
				Status: protocol.ReplyError, ID: -1,
				EValue: "this engine is not registered (declared dead, or the controller restarted): register again",
			}))
		}
	case protocol.MsgShutdownReply:
		if e != nil {
			reason := reasonExited
			if h.stopping {
				reason = reasonShutdown
			}
			h.unregister(e, reason, now)
		}
	default:
		h.unroutable.Add(1)
		h.log.Debug("controller: dropped engine message", "type", env.header.MsgType)
	}
}
