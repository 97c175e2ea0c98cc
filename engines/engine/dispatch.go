package engine

import (
	"strings"
	"time"

	"github.com/goparallel/goparallel/protocol"
	"github.com/goparallel/goparallel/protocol/transport"
)

// Message types the engine answers beyond those in package protocol.
const (
	msgInterruptRequest = "interrupt_request"
	msgInterruptReply   = "interrupt_reply"
	msgExecuteRequest   = "execute_request"
	msgExecuteReply     = "execute_reply"
)

// dispatch handles one message on the receive goroutine. Control messages
// (interrupt, abort, shutdown) are answered at once, even while a task runs;
// tasks are queued for the executor, in arrival order.
func (e *Engine) dispatch(sock *transport.Socket, m *protocol.Message) {
	switch m.Header.MsgType {
	case protocol.MsgHeartbeat:
		// A controller that echoes heartbeats: nothing to do, the connection is up.
	case msgExecuteRequest, protocol.MsgApplyRequest, protocol.MsgPushRequest,
		protocol.MsgPullRequest, protocol.MsgClearRequest:
		e.queue.push(&task{msg: m, received: time.Now()})
	case msgInterruptRequest:
		e.interruptRunning()
		e.replyNow(sock, m, msgInterruptReply, protocol.StatusOnly{Status: protocol.ReplyOK})
	case protocol.MsgAbortRequest:
		var req protocol.AbortRequest
		if err := m.DecodeContent(&req); err != nil {
			e.replyNow(sock, m, protocol.MsgAbortReply, errorReply(err, e.ident.ID()))
			return
		}
		e.queue.abort(req.MsgIDs)
		e.replyNow(sock, m, protocol.MsgAbortReply, protocol.StatusOnly{Status: protocol.ReplyOK})
	case protocol.MsgShutdownRequest:
		e.shutdown.Store(true)
		e.replyNow(sock, m, protocol.MsgShutdownReply, protocol.ShutdownRequest{Status: protocol.ReplyOK})
		e.stop()
	default:
		if t := m.Header.MsgType; strings.HasSuffix(t, "_request") {
			e.replyNow(sock, m, replyType(t), statusError{Status: protocol.ReplyError, ErrorContent: protocol.ErrorContent{
				EName:  ENameUnknownRequest,
				EValue: "engine does not handle " + t,
			}})
			return
		}
		e.log.Debug("engine: ignored message", "type", m.Header.MsgType)
	}
}

// replyNow answers a control message directly on sock (safe alongside other
// senders: transport sockets serialise Send).
func (e *Engine) replyNow(sock *transport.Socket, req *protocol.Message, msgType string, content any) {
	r, err := req.Reply(msgType, content)
	if err != nil {
		e.log.Warn("engine: encoding reply", "type", msgType, "err", err)
		return
	}
	r.Metadata = e.outputMeta()
	if err := sock.Send(r); err != nil {
		e.log.Warn("engine: send failed", "type", msgType, "err", err)
	}
}

// replyType maps "x_request" to "x_reply".
func replyType(reqType string) string {
	return strings.TrimSuffix(reqType, "_request") + "_reply"
}
