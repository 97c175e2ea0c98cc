package engine

import (
	"fmt"
	"reflect"

	"github.com/goparallel/goparallel/protocol"
	"github.com/goparallel/goparallel/protocol/value"
)

// handlePush defines the pushed names as globals of the session.
func (e *Engine) handlePush(m *protocol.Message, stamp *protocol.EngineStamp) outcome {
	var req protocol.PushRequest
	if err := m.DecodeContent(&req); err != nil {
		return e.failed(m, err, stamp)
	}
	vals, err := value.DecodeMany(&value.Encoded{Header: req.Values, Buffers: m.Buffers}, nil)
	if err != nil {
		return e.failed(m, fmt.Errorf("engine %d: push: %w", e.ident.ID(), err), stamp)
	}
	if len(vals) != len(req.Names) {
		return e.failed(m, &argumentError{fmt.Sprintf("engine %d: push of %d names with %d values", e.ident.ID(), len(req.Names), len(vals))}, stamp)
	}
	for i, name := range req.Names {
		if err := e.interp.Set(name, reflect.ValueOf(vals[i])); err != nil {
			return e.failed(m, fmt.Errorf("engine %d: push %s: %w", e.ident.ID(), name, err), stamp)
		}
	}
	return outcome{status: protocol.ReplyOK, content: protocol.PullReply{Status: protocol.ReplyOK, EngineInfo: stamp}}
}

// handlePull returns the values of the requested globals, in order.
func (e *Engine) handlePull(m *protocol.Message, stamp *protocol.EngineStamp) outcome {
	var req protocol.PullRequest
	if err := m.DecodeContent(&req); err != nil {
		return e.failed(m, err, stamp)
	}
	vals := make([]any, len(req.Names))
	for i, name := range req.Names {
		v, ok := e.interp.Get(name)
		if !ok {
			return e.failed(m, &nameError{name: name, engineID: e.ident.ID(), context: "to pull"}, stamp)
		}
		vals[i] = interfaceOf(v)
	}
	enc, err := value.EncodeMany(vals)
	if err != nil {
		return e.failed(m, fmt.Errorf("engine %d: pull: %w", e.ident.ID(), err), stamp)
	}
	return outcome{status: protocol.ReplyOK, buffers: enc.Buffers,
		content: protocol.PullReply{Status: protocol.ReplyOK, Values: enc.Header, EngineInfo: stamp}}
}

// handleClear resets the session and forgets compiled functions.
func (e *Engine) handleClear(stamp *protocol.EngineStamp) outcome {
	e.apply.clear()
	if err := e.interp.Reset(); err != nil {
		return outcome{status: protocol.ReplyError, content: protocol.ApplyReply{
			Status: protocol.ReplyError, ErrorContent: errorContent(err, e.ident.ID()), EngineInfo: stamp}}
	}
	return outcome{status: protocol.ReplyOK, content: stampedStatus{Status: protocol.ReplyOK, EngineInfo: stamp}}
}

// interfaceOf returns v's value as an any, nil for an invalid value.
func interfaceOf(v reflect.Value) any {
	if !v.IsValid() || !v.CanInterface() {
		return nil
	}
	return v.Interface()
}
