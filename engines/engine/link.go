package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/goparallel/goparallel/protocol"
	"github.com/goparallel/goparallel/protocol/transport"
)

// Reconnection backoff: quick at first (a restarting controller is usually back
// within a second), capped so a long outage costs little.
const (
	minBackoff = 100 * time.Millisecond
	maxBackoff = 2 * time.Second
)

// errIDTaken reports that a restarted controller gave the engine's old id away.
var errIDTaken = errors.New("engine: id taken")

// connectLoop keeps the engine connected and registered until ctx is done, the
// controller refuses the engine, or it stays unreachable for ControllerTimeout.
func (e *Engine) connectLoop(ctx context.Context) error {
	conn := e.opts.Connection
	requested := e.opts.RequestedID
	var lostAt time.Time // zero while connected or before the first attempt
	first := true
	backoff := minBackoff
	for ctx.Err() == nil {
		if !first && e.opts.Reload != nil {
			if c, err := e.opts.Reload(); err == nil {
				conn = c
			}
		}
		if first {
			// Until the first registration, the controller may still be starting:
			// the same timeout applies from the start.
			lostAt = time.Now()
		}
		first = false
		registered, err := e.link(ctx, conn, requested)
		if errors.Is(err, ErrRejected) {
			return err
		}
		if errors.Is(err, errIDTaken) {
			requested = -1
		}
		if ctx.Err() != nil {
			return nil
		}
		if registered {
			// Ask for the same id again, so a restarted controller sees the same
			// engine where it was.
			requested = e.ident.ID()
			lostAt = time.Now()
			backoff = minBackoff
			e.log.Warn("engine: lost the controller; reconnecting", "err", err)
		} else {
			e.log.Debug("engine: controller unreachable", "err", err)
		}
		if time.Since(lostAt) > e.opts.ControllerTimeout {
			return fmt.Errorf("%w: unreachable for %s (last error: %v)", ErrControllerGone, e.opts.ControllerTimeout, err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, maxBackoff)
	}
	return nil
}

// link runs one connection: dial, register, then heartbeat and receive until the
// connection breaks or ctx is done. registered reports whether registration
// succeeded on this connection.
func (e *Engine) link(ctx context.Context, conn *protocol.EngineConnection, requested int) (registered bool, err error) {
	codec, err := protocol.NewCodec(conn.SignatureScheme, []byte(conn.Key))
	if err != nil {
		return false, err
	}
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sock, err := transport.Dial(lctx, transport.Dealer, Endpoint(conn), codec, transport.Options{Identity: e.uuid, Logger: e.log})
	if err != nil {
		return false, err
	}
	regc := make(chan *protocol.Message, 1)
	recvErr := make(chan error, 1)
	go func() { recvErr <- e.receive(sock, regc) }()
	defer func() {
		e.setSocket(nil)
		sock.Close()
		<-recvErr // the receiver returns once the socket is closed
	}()

	host, _ := os.Hostname()
	req, err := protocol.NewMessage(protocol.MsgRegistrationRequest, e.sess, nil, protocol.RegistrationRequest{
		UUID: e.uuid, Hostname: host, PID: os.Getpid(), ID: requested,
	})
	if err != nil {
		return false, err
	}
	if err := sock.Send(req); err != nil {
		return false, err
	}
	var m *protocol.Message
	timeout := time.NewTimer(e.opts.RegistrationTimeout)
	defer timeout.Stop()
	select {
	case <-ctx.Done():
		return false, nil
	case err := <-recvErr:
		recvErr <- err // for the deferred wait
		select {
		case m = <-regc:
			// The reply came before the connection broke, and the receiver
			// has taken the id it gives: this engine registered, and must ask
			// for that id again when it reconnects.
		default:
			return false, err
		}
	case <-timeout.C:
		return false, fmt.Errorf("engine: no registration reply within %s", e.opts.RegistrationTimeout)
	case m = <-regc:
	}
	var reply protocol.RegistrationReply
	if err := m.DecodeContent(&reply); err != nil {
		return false, err
	}
	if reply.Status != protocol.ReplyOK {
		if requested >= 0 && requested == e.ident.ID() {
			// Our old id was given to another engine while we were away; any id will
			// do rather than no engine at all.
			return false, fmt.Errorf("%w: re-registration as %d refused: %s", errIDTaken, requested, reply.EValue)
		}
		return false, fmt.Errorf("%w: %s", ErrRejected, reply.EValue)
	}
	size := reply.ClusterSize
	if size <= 0 {
		size = conn.ClusterSize
	}
	e.ident.set(reply.ID, size) // again, with the connection's size as fallback
	period := e.opts.HeartbeatPeriod
	if reply.HeartbeatPeriod > 0 {
		period = time.Duration(reply.HeartbeatPeriod * float64(time.Second))
	}
	e.setSocket(sock)
	e.log.Info("engine: registered", "id", reply.ID, "size", size, "uuid", e.uuid, "endpoint", sock.Endpoint())

	hb := time.NewTicker(period)
	defer hb.Stop()
	for {
		select {
		case <-ctx.Done():
			return true, nil
		case err := <-recvErr:
			recvErr <- err
			return true, err
		case <-hb.C:
			m, err := protocol.NewMessage(protocol.MsgHeartbeat, e.sess, nil, heartbeat{ID: e.ident.ID(), UUID: e.uuid, Queue: e.queue.len()})
			if err == nil {
				err = sock.Send(m)
			}
			if err != nil {
				return true, fmt.Errorf("engine: heartbeat: %w", err)
			}
		}
	}
}

// heartbeat is the content of the engine's heartbeat messages. The controller
// knows the engine by its routing identity; the rest is for logs and queue
// accounting.
type heartbeat struct {
	ID    int    `json:"id"`
	UUID  string `json:"uuid"`
	Queue int    `json:"queue"`
}

// receive reads messages until the socket fails, handing registration replies to
// regc and everything else to dispatch. It is the only reader of sock.
func (e *Engine) receive(sock *transport.Socket, regc chan<- *protocol.Message) error {
	for {
		m, err := sock.Recv()
		if err != nil {
			return err
		}
		if m.Header.MsgType == protocol.MsgRegistrationReply {
			// The id must be known before the next message is dispatched: the
			// controller may send a task right behind the reply.
			var reply protocol.RegistrationReply
			if err := m.DecodeContent(&reply); err == nil && reply.Status == protocol.ReplyOK {
				size := reply.ClusterSize
				if size <= 0 {
					size = e.ident.Size()
				}
				e.ident.set(reply.ID, size)
				e.setSocket(sock)
				e.markRegistered()
			}
			select {
			case regc <- m:
			default:
			}
			continue
		}
		e.dispatch(sock, m)
	}
}
