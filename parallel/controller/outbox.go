package controller

import (
	"log/slog"
	"time"

	"github.com/goparallel/goparallel/protocol/transport"
)

// outboxSize is how many messages may wait for each writer. A zmq4 ROUTER send
// writes to the peer's TCP connection under a socket-wide lock, with no deadline:
// a peer that stops reading stalls every send on that socket once its TCP buffers
// fill. Writers take that risk off the readers, so engine heartbeats keep being
// read (and engines are not declared dead) while a client is slow; the queue gives
// the slow peer time to catch up before the controller pushes back.
const outboxSize = 1 << 14

// streamFrom is the buffer size from which a forwarded message's buffers stream
// from the sender's connection to the receiver's instead of being stored first
// (see transport.Tail). Smaller buffers cost less to store than to stream.
const streamFrom = 1 << 20

// outbox queues frames for the engine and client sockets. Each queue is drained by
// one writer goroutine, which is the only sender on its socket, so messages leave
// in the order they were queued.
type outbox struct {
	engines chan queued
	clients chan queued
	// dead is closed when the controller gives up on its writers at shutdown, so
	// no producer blocks on a queue nobody drains any more.
	dead chan struct{}
	// drain is closed to tell writers to send what is queued and return.
	drain chan struct{}
	// notify is the PUB socket for engine notifications, sent to directly: zmq4's
	// PUB queues in memory and never blocks the sender.
	notify *transport.Socket
}

// queued is one message for a writer; tail is the rest of a forwarded message
// that is still on its sender's connection.
type queued struct {
	frames [][]byte
	tail   *transport.Tail
}

func newOutbox() *outbox {
	return &outbox{
		engines: make(chan queued, outboxSize),
		clients: make(chan queued, outboxSize),
		dead:    make(chan struct{}),
		drain:   make(chan struct{}),
	}
}

func (o *outbox) put(ch chan queued, m queued) {
	if m.frames == nil {
		m.tail.Discard()
		return
	}
	select {
	case ch <- m:
	default:
		select {
		case ch <- m:
		case <-o.dead:
			m.tail.Discard()
		}
	}
}

// toEngine queues frames whose first frame is an engine's identity.
func (o *outbox) toEngine(frames [][]byte) { o.put(o.engines, queued{frames: frames}) }

// toClient queues frames whose first frame is a client's identity.
func (o *outbox) toClient(frames [][]byte) { o.put(o.clients, queued{frames: frames}) }

// toEngineStream queues frames for an engine followed by tail (which may be nil).
func (o *outbox) toEngineStream(frames [][]byte, tail *transport.Tail) {
	o.put(o.engines, queued{frames, tail})
}

// toClientStream queues frames for a client followed by tail (which may be nil).
func (o *outbox) toClientStream(frames [][]byte, tail *transport.Tail) {
	o.put(o.clients, queued{frames, tail})
}

// writer sends what is queued on ch until drain is closed, then what is left.
// Send errors are logged and skipped: zmq4 drops messages to unknown peers
// silently, and a peer that went away mid-send must not stop the controller.
func (o *outbox) writer(sock *transport.Socket, ch chan queued, log *slog.Logger) {
	send := func(m queued) {
		if err := sock.SendStream(m.frames, m.tail); err != nil {
			log.Debug("controller: send failed", "endpoint", sock.Endpoint(), "err", err)
		}
	}
	for {
		select {
		case f := <-ch:
			send(f)
		case <-o.drain:
			for {
				select {
				case f := <-ch:
					send(f)
				default:
					return
				}
			}
		}
	}
}

// waitTimeout waits for done up to d and reports whether it was closed.
func waitTimeout(done <-chan struct{}, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false
	}
}
