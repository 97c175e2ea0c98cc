package kernel

import (
	"context"
	"runtime/debug"
	"time"

	"github.com/goparallel/goparallel/protocol"
	"github.com/goparallel/goparallel/protocol/transport"
)

// request is one message being handled, with the socket its reply goes to.
type request struct {
	msg  *protocol.Message
	sock *transport.Socket
}

// reply sends content as msgType to the peer that sent the request.
func (k *Kernel) reply(r *request, msgType string, content any) {
	m, err := k.newMessage(msgType, &r.msg.Header, content)
	if err != nil {
		k.logErr("encoding "+msgType, err)
		return
	}
	m.Identities = r.msg.Identities
	k.logErr("sending "+msgType, r.sock.Send(m))
}

// handler handles one request type. It runs between the busy and idle statuses.
type handler func(k *Kernel, r *request)

// shellHandlers returns the dispatch table of the shell channel.
func shellHandlers() map[string]handler {
	return map[string]handler{
		"execute_request":     (*Kernel).handleExecute,
		"kernel_info_request": (*Kernel).handleKernelInfo,
		"complete_request":    (*Kernel).handleComplete,
		"inspect_request":     (*Kernel).handleInspect,
		"is_complete_request": (*Kernel).handleIsComplete,
		"history_request":     (*Kernel).handleHistory,
		"comm_info_request":   (*Kernel).handleCommInfo,
		"shutdown_request":    (*Kernel).handleShutdown, // old frontends send it on shell
		// The kernel has no comms; messages for them need no reply.
		"comm_open":  (*Kernel).ignore,
		"comm_msg":   (*Kernel).ignore,
		"comm_close": (*Kernel).ignore,
	}
}

// controlHandlers returns the dispatch table of the control channel, served by its
// own goroutine, so these are answered while a cell runs.
func controlHandlers() map[string]handler {
	return map[string]handler{
		"kernel_info_request": (*Kernel).handleKernelInfo,
		"interrupt_request":   (*Kernel).handleInterrupt,
		"shutdown_request":    (*Kernel).handleShutdown,
		"comm_info_request":   (*Kernel).handleCommInfo,
	}
}

// dispatch brackets the handling of a request with busy and idle statuses, as
// frontends expect for every request on shell and control. Unknown types are
// logged and get no reply, as in ipykernel.
func (k *Kernel) dispatch(table map[string]handler, r *request) {
	if r.msg.Header.MsgType == "kernel_info_request" {
		k.awaitSubscriber()
	}
	k.status(&r.msg.Header, protocol.StatusBusy)
	defer k.status(&r.msg.Header, protocol.StatusIdle)
	defer func() {
		// A bug in one handler must not stop the kernel: log it, keep serving.
		if p := recover(); p != nil {
			k.log.Error("kernel: panic in handler", "msg_type", r.msg.Header.MsgType, "panic", p, "stack", string(debug.Stack()))
		}
	}()
	h, ok := table[r.msg.Header.MsgType]
	if !ok {
		k.log.Warn("kernel: unknown message type", "msg_type", r.msg.Header.MsgType, "socket", r.sock.Endpoint())
		return
	}
	h(k, r)
}

func (k *Kernel) ignore(*request) {}

// readShell moves shell requests into the queue, so that the worker can see which
// requests are waiting when a cell fails (stop_on_error).
func (k *Kernel) readShell(ctx context.Context) error {
	for {
		m, err := k.shell.Recv()
		if err != nil {
			return err
		}
		select {
		case k.queue <- m:
		case <-ctx.Done():
			return nil
		}
	}
}

// runShell handles shell requests one at a time, in order.
func (k *Kernel) runShell(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case m := <-k.queue:
			if k.sentBeforeFailure(m) {
				k.abort(m)
				continue
			}
			k.dispatch(k.shellTable, &request{msg: m, sock: k.shell})
		}
	}
}

// abortQueued answers the execute requests already waiting with status aborted,
// as ipykernel does after an error when stop_on_error is set: the cells after a
// failed one in "Run All" must not run. n is the queue length when the cell failed;
// requests still on their way then are caught by sentBeforeFailure. A frontend that
// sends new cells after seeing the error reply gets them run. Other requests are
// handled normally.
func (k *Kernel) abortQueued(n int) {
	for ; n > 0; n-- {
		m := <-k.queue
		if m.Header.MsgType != "execute_request" {
			k.dispatch(k.shellTable, &request{msg: m, sock: k.shell})
			continue
		}
		k.abort(m)
	}
}

// abortWindow is how long after a failed cell an execute request sent before the
// failure (by its header date) is still aborted: long enough for the rest of a
// "Run All" burst to arrive, short enough that a clock skewed between frontend and
// kernel cannot hold up a user's next cell for long.
const abortWindow = time.Second

// sentBeforeFailure reports whether m is an execute request the frontend wrote
// (by its header date) before the error reply of the last failed cell went out,
// arriving just after: part of the same "Run All", to be aborted too. A request
// written after the reply may be the user's answer to it, and runs. Only the shell
// worker calls it.
func (k *Kernel) sentBeforeFailure(m *protocol.Message) bool {
	if m.Header.MsgType != "execute_request" || k.failedAt.IsZero() || time.Since(k.failedAt) > abortWindow {
		return false
	}
	sent, err := time.Parse(time.RFC3339Nano, m.Header.Date)
	return err == nil && sent.Before(k.failedAt)
}

// abort answers an execute request without running it. The reply has no
// execution count, as ipykernel's, so the Notebook shows the cell as not run.
func (k *Kernel) abort(m *protocol.Message) {
	k.status(&m.Header, protocol.StatusBusy)
	k.reply(&request{msg: m, sock: k.shell}, "execute_reply", protocol.StatusOnly{Status: protocol.ReplyAborted})
	k.status(&m.Header, protocol.StatusIdle)
}

// serveControl handles control requests as they arrive.
func (k *Kernel) serveControl(ctx context.Context) error {
	for {
		m, err := k.control.Recv()
		if err != nil {
			return err
		}
		k.dispatch(k.controlTable, &request{msg: m, sock: k.control})
	}
}

// readStdin hands input_reply messages to the cell waiting for one.
func (k *Kernel) readStdin(ctx context.Context) error {
	for {
		m, err := k.stdin.Recv()
		if err != nil {
			return err
		}
		if m.Header.MsgType != "input_reply" {
			k.log.Warn("kernel: unexpected message on stdin", "msg_type", m.Header.MsgType)
			continue
		}
		select {
		case k.inputReplies <- m:
		default:
			k.log.Warn("kernel: input_reply nobody waits for", "parent", m.Parent.MsgID)
		}
	}
}

// subscriberWait bounds how long the first kernel_info request waits for a
// frontend's iopub subscription.
const subscriberWait = 500 * time.Millisecond

// awaitSubscriber waits, once, until some frontend has subscribed to iopub.
// Frontends connect all channels at once and then send kernel_info_request until
// they see its status on iopub; a PUB socket drops messages sent before the
// subscription lands, which would cost the frontend a retry (200 ms in
// jupyter_client) on every start.
func (k *Kernel) awaitSubscriber() {
	if k.subscribed.Load() {
		return
	}
	deadline := time.Now().Add(subscriberWait)
	for len(k.iopub.Topics()) == 0 {
		if time.Now().After(deadline) || k.isStopped() {
			return
		}
		time.Sleep(time.Millisecond)
	}
	k.subscribed.Store(true)
}
