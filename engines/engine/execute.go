package engine

import (
	"context"

	"github.com/goparallel/goparallel/protocol"
)

// executeReply is an execute_reply with the engine's stamp.
type executeReply struct {
	protocol.ExecuteReply
	EngineInfo *protocol.EngineStamp `json:"engine_info,omitempty"`
}

// handleExecute runs a cell: output streams as it is written, then the cell's
// value as execute_result or its error as an error message, then the reply.
func (e *Engine) handleExecute(ctx context.Context, m *protocol.Message, stamp *protocol.EngineStamp) outcome {
	var req protocol.ExecuteRequest
	if err := m.DecodeContent(&req); err != nil {
		return e.failed(m, err, stamp)
	}
	if !req.Silent {
		e.execCount++
	}
	v, ok, err := e.runCode(ctx, req.Code)
	if err != nil {
		ec := errorContent(err, e.ident.ID())
		e.out.flush()
		e.sendError(m, ec)
		return outcome{status: protocol.ReplyError, content: executeReply{
			ExecuteReply: protocol.ExecuteReply{Status: protocol.ReplyError, ExecutionCount: e.execCount, ErrorContent: ec},
			EngineInfo:   stamp,
		}}
	}
	if ok && !req.Silent {
		e.out.flush()
		data, md := bundleOf(interfaceOf(v), e.interp.Format(v))
		res, err := protocol.NewMessage("execute_result", e.sess, &m.Header, protocol.ExecuteResult{
			ExecutionCount: e.execCount,
			Data:           data,
			Metadata:       md,
		})
		if err == nil {
			res.Identities = m.Identities
			res.Metadata = e.outputMeta()
			e.send(res)
		}
	}
	return outcome{status: protocol.ReplyOK, content: executeReply{
		ExecuteReply: protocol.ExecuteReply{Status: protocol.ReplyOK, ExecutionCount: e.execCount},
		EngineInfo:   stamp,
	}}
}

// failed is the outcome of a request that could not be run at all (undecodable
// content): an error reply, also sent as an error message for the output log.
func (e *Engine) failed(m *protocol.Message, err error, stamp *protocol.EngineStamp) outcome {
	ec := errorContent(err, e.ident.ID())
	e.out.flush()
	e.sendError(m, ec)
	return outcome{status: protocol.ReplyError, content: protocol.ApplyReply{Status: protocol.ReplyError, ErrorContent: ec, EngineInfo: stamp}}
}
