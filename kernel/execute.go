package kernel

import (
	"context"
	"fmt"
	"reflect"
	"runtime/debug"
	"time"

	"github.com/goparallel/goparallel/kernel/magic"
	"github.com/goparallel/goparallel/kernel/session"
	"github.com/goparallel/goparallel/protocol"
)

// handleExecute runs a cell: execute_input, output while it runs, the result or
// the error, the reply. The execution count follows the messaging spec: a silent
// request or one with store_history=false does not increment it, and a silent one
// publishes neither execute_input nor a result.
func (k *Kernel) handleExecute(r *request) {
	var req protocol.ExecuteRequest
	if err := r.msg.DecodeContent(&req); err != nil {
		k.reply(r, "execute_reply", errorReply(k.count, FormatError(err)))
		return
	}
	storeHistory := !req.Silent && (req.StoreHistory == nil || *req.StoreHistory)
	if storeHistory {
		k.count++
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &Cell{
		k: k, req: r.msg, ctx: ctx, cancel: cancel, code: req.Code,
		count: k.count, silent: req.Silent, stdin: req.AllowStdin,
	}
	k.mu.Lock()
	k.running, k.latest = c, c
	k.mu.Unlock()
	defer cancel()

	if !req.Silent {
		k.publish(&r.msg.Header, "execute_input", protocol.ExecuteInput{Code: req.Code, ExecutionCount: c.count})
	}
	err := k.runCell(c)
	k.flushStreams()

	var output string
	if err == nil && !req.Silent {
		c.mu.Lock()
		res := c.result
		c.mu.Unlock()
		if res != nil {
			b := bundleOf(res)
			output, _ = b.Data["text/plain"].(string)
			md := b.Metadata
			if md == nil {
				md = map[string]any{}
			}
			k.publish(&r.msg.Header, "execute_result", protocol.ExecuteResult{
				ExecutionCount: c.count, Data: protocol.MIMEBundle(b.Data), Metadata: md,
			})
		}
	}
	var ec ErrorContent
	if err != nil {
		ec = FormatError(err)
		k.publish(&r.msg.Header, "error", ec)
	}

	k.mu.Lock()
	k.running = nil
	k.mu.Unlock()
	c.mu.Lock()
	c.done = true
	payload := c.payload
	c.mu.Unlock()

	if storeHistory {
		k.logErr("history", k.hist.Add(c.count, req.Code, output))
	}
	if err != nil {
		// Count what was queued before the reply goes out: a frontend may send
		// its next cell as soon as it sees the reply, and that one must run.
		queued := len(k.queue)
		// A request written after the reply went out may answer it and must
		// run; one written before belongs to the same "Run All". The time is
		// taken before sending: a fast frontend can answer before Send returns.
		replied := time.Now()
		k.reply(r, "execute_reply", errorReply(k.count, ec))
		if req.StopOnError == nil || *req.StopOnError {
			k.failedAt = replied
			k.abortQueued(queued)
		}
		return
	}
	rep := protocol.ExecuteReply{Status: protocol.ReplyOK, ExecutionCount: k.count, Payload: payload,
		UserExpressions: k.userExpressions(c, req.UserExpressions)}
	if rep.UserExpressions == nil {
		rep.UserExpressions = map[string]any{}
	}
	k.reply(r, "execute_reply", rep)
}

// runCell applies the cell transforms, splits the cell into Go code and magics,
// and runs the pieces in order, stopping at the first error. The result of the
// last piece becomes the cell's result. A panic in a magic or transform (native
// code the session does not guard) becomes the cell's error, not the kernel's end.
func (k *Kernel) runCell(c *Cell) (err error) {
	defer func() {
		if r := recover(); r != nil {
			k.log.Error("kernel: panic while running a cell", "panic", r, "stack", string(debug.Stack()))
			err = &Error{Name: "panic", Value: fmt.Sprint(r)}
		}
	}()
	src, err := k.transform(c, k.cfg.CellTransforms, c.code)
	if err != nil {
		return err
	}
	segs, err := magic.Parse(src)
	if err != nil {
		return &Error{Name: "UsageError", Value: err.Error()}
	}
	for _, seg := range segs {
		c.SetResult(nil)
		switch seg.Kind {
		case magic.Code:
			res, err := c.Run(seg.Body)
			if err != nil {
				return &segmentError{err: err, line: seg.Line, src: seg.Body}
			}
			if res.HasValue && !isNilInterface(res.Value) {
				c.SetResult(res.Value)
			}
		case magic.Line, magic.Cell:
			if err := k.runMagic(c, seg); err != nil {
				return err
			}
		}
		if err := c.ctx.Err(); err != nil {
			return session.ErrInterrupted
		}
	}
	return nil
}

// transform applies ts to src in order.
func (k *Kernel) transform(c *Cell, ts []Transform, src string) (string, error) {
	for _, t := range ts {
		var err error
		if src, err = t(c, src); err != nil {
			return "", fmt.Errorf("transforming the cell: %w", err)
		}
	}
	return src, nil
}

// userExpressions evaluates the request's user_expressions, each in the session,
// returning their text form or their error, as the spec describes.
func (k *Kernel) userExpressions(c *Cell, exprs map[string]string) map[string]any {
	if len(exprs) == 0 {
		return nil
	}
	out := make(map[string]any, len(exprs))
	for name, expr := range exprs {
		res, err := k.sess.Execute(c.ctx, expr)
		if err != nil {
			ec := FormatError(err)
			out[name] = map[string]any{"status": "error", "ename": ec.EName, "evalue": ec.EValue, "traceback": ec.Traceback}
			continue
		}
		b := bundleOf(res.Value)
		if !res.HasValue {
			b = bundleOf("")
		}
		out[name] = map[string]any{"status": "ok", "data": b.Data, "metadata": map[string]any{}}
	}
	return out
}

// errorReply is the content of an execute_reply for a failed cell.
func errorReply(count int, ec ErrorContent) any {
	return struct {
		Status         string `json:"status"`
		ExecutionCount int    `json:"execution_count"`
		ErrorContent
	}{protocol.ReplyError, count, ec}
}

// isNilInterface reports whether v is a nil interface value, such as the nil
// error of a trailing c.Close() that succeeded (yaegi hands interpreted methods'
// results back as any): like Python's None, it is not shown as Out[n].
func isNilInterface(v reflect.Value) bool {
	return v.IsValid() && v.Kind() == reflect.Interface && v.IsNil()
}
