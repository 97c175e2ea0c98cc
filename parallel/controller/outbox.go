package controller

import (
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/goparallel/goparallel/protocol/transport"
)

// outboxSize is how many messages may wait for each writer. The transport's
// sockets queue per peer and a send waits only when that peer's queue is full
// (a peer thousands of messages behind); the outbox takes such a wait off the
// socket readers, so engine heartbeats keep being read (and engines are not
// declared dead) while a client is slow, and gives the slow peer time to catch
// up before the controller pushes back.
const outboxSize = 1 << 14

// streamFrom is the buffer size from which a forwarded message's buffers stream
// from the sender's connection to the receiver's instead of being stored first
// (see transport.Tail). Smaller buffers cost less to store than to stream.
const streamFrom = 1 << 20

// outbox sends frames on the engine and client sockets. A message goes straight
// into its peer's queue when that does not wait and nothing sent earlier is still
// in the outbox; otherwise it joins a lane drained by one writer goroutine. Either
// way messages leave in the order they were put.
type outbox struct {
	engines, clients *lane
	// dead is closed when the controller gives up on its writers at shutdown, so
	// no producer blocks on a queue nobody drains any more.
	dead chan struct{}
	// drain is closed to tell writers to send what is queued and return.
	drain chan struct{}
	// notify is the PUB socket for engine notifications, sent to directly: its
	// per-subscriber queues drop rather than block.
	notify *transport.Socket
}

// lane is the outbox of one socket.
type lane struct {
	sock *transport.Socket
	ch   chan queued
	// pending counts messages put on ch and not yet handed to the socket; while
	// any are, later messages queue behind them to keep the order.
	pending atomic.Int64
}

// queued is one message for a writer; tail is the rest of a forwarded message
// that is still on its sender's connection.
type queued struct {
	frames [][]byte
	tail   *transport.Tail
}

func newOutbox(engines, clients, notify *transport.Socket) *outbox {
	return &outbox{
		engines: &lane{sock: engines, ch: make(chan queued, outboxSize)},
		clients: &lane{sock: clients, ch: make(chan queued, outboxSize)},
		dead:    make(chan struct{}),
		drain:   make(chan struct{}),
		notify:  notify,
	}
}

func (o *outbox) put(l *lane, m queued) {
	if m.frames == nil {
		m.tail.Discard()
		return
	}
	// The direct path saves a goroutine hand-off per message: a round trip
	// through the controller crosses the outbox twice.
	if l.pending.Load() == 0 && l.sock.TrySendStream(m.frames, m.tail) {
		return
	}
	l.pending.Add(1)
	select {
	case l.ch <- m:
	default:
		select {
		case l.ch <- m:
		case <-o.dead:
			l.pending.Add(-1)
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

// writer sends what is queued on l until drain is closed, then what is left.
// Send errors are logged and skipped: a message to a peer that went away is
// dropped, as a ROUTER does, and must not stop the controller.
func (o *outbox) writer(l *lane, log *slog.Logger) {
	send := func(m queued) {
		if err := l.sock.SendStream(m.frames, m.tail); err != nil {
			log.Debug("controller: send failed", "endpoint", l.sock.Endpoint(), "err", err)
		}
		l.pending.Add(-1)
	}
	for {
		select {
		case m := <-l.ch:
			send(m)
		case <-o.drain:
			for {
				select {
				case m := <-l.ch:
					send(m)
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
