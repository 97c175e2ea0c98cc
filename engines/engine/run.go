package engine

import (
	"context"
	"encoding/json"
	"time"

	"github.com/goparallel/goparallel/protocol"
)

// outcome is what a task handler produces: the reply content and its buffers.
type outcome struct {
	content any // marshalled as the reply content
	status  string
	buffers [][]byte
}

// executeLoop runs queued tasks one at a time until ctx is done.
func (e *Engine) executeLoop(ctx context.Context) {
	for {
		t, ok := e.queue.pop(ctx)
		if !ok {
			return
		}
		e.runTask(ctx, t)
	}
}

// runTask runs one task and sends its reply after all of its output.
func (e *Engine) runTask(ctx context.Context, t *task) {
	m := t.msg
	rtype := replyType(m.Header.MsgType)
	if t.aborted {
		now := stampTime(time.Now())
		stamp := &protocol.EngineStamp{EngineID: e.ident.ID(), Started: now, Completed: now}
		e.sendReply(m, rtype, outcome{status: protocol.ReplyAborted, content: stampedStatus{Status: protocol.ReplyAborted, EngineInfo: stamp}}, stamp)
		return
	}
	tctx, cancel := context.WithCancel(ctx)
	e.runMu.Lock()
	e.running = cancel
	e.runMu.Unlock()
	defer func() {
		e.runMu.Lock()
		e.running = nil
		e.runMu.Unlock()
		cancel()
	}()

	e.out.setParent(m)
	stamp := &protocol.EngineStamp{EngineID: e.ident.ID(), Started: stampTime(time.Now())}
	var o outcome
	switch m.Header.MsgType {
	case msgExecuteRequest:
		o = e.handleExecute(tctx, m, stamp)
	case protocol.MsgApplyRequest:
		o = e.handleApply(tctx, m, stamp)
	case protocol.MsgPushRequest:
		o = e.handlePush(m, stamp)
	case protocol.MsgPullRequest:
		o = e.handlePull(m, stamp)
	case protocol.MsgClearRequest:
		o = e.handleClear(stamp)
	}
	stamp.Completed = stampTime(time.Now())
	e.out.flush()
	e.sendReply(m, rtype, o, stamp)
}

// stampedStatus is a reply that carries only a status and the engine stamp: an
// aborted task, a clear.
type stampedStatus struct {
	Status     string                `json:"status"`
	EngineInfo *protocol.EngineStamp `json:"engine_info,omitempty"`
}

// replyMeta is the metadata of a reply: the engine, as on every output, plus the
// status and timing IPython Parallel clients look for there.
type replyMeta struct {
	Engine     int                   `json:"engine"`
	Status     string                `json:"status"`
	EngineInfo *protocol.EngineStamp `json:"engine_info"`
}

func (e *Engine) sendReply(req *protocol.Message, rtype string, o outcome, stamp *protocol.EngineStamp) {
	r, err := req.Reply(rtype, o.content)
	if err != nil {
		// The content held something JSON cannot carry; say so rather than leave
		// the client waiting.
		r, _ = req.Reply(rtype, errorReply(err, e.ident.ID()))
		o.status, o.buffers = protocol.ReplyError, nil
	}
	meta, _ := json.Marshal(replyMeta{Engine: e.ident.ID(), Status: o.status, EngineInfo: stamp})
	r.Metadata = meta
	r.Buffers = o.buffers
	e.send(r)
}

// interruptRunning cancels the running task, if any.
func (e *Engine) interruptRunning() {
	e.runMu.Lock()
	if e.running != nil {
		e.running()
	}
	e.runMu.Unlock()
}

func stampTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
