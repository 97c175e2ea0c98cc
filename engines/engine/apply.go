package engine

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"reflect"
	"sync"

	"github.com/goparallel/goparallel/kernel/session"
	"github.com/goparallel/goparallel/protocol"
	"github.com/goparallel/goparallel/protocol/value"
)

// maxCompiled bounds the compile cache. yaegi never frees compiled code, so the
// bound is on lookups, not memory: a session that ships thousands of distinct
// functions recompiles the oldest ones.
const maxCompiled = 4096

// applyCache remembers functions compiled from shipped source, keyed by source
// and helpers, and the helper declarations already evaluated, so each is compiled
// once per engine: yaegi grows its memory on every Eval.
type applyCache struct {
	mu      sync.Mutex
	funcs   map[[32]byte]reflect.Value
	helpers map[string]bool
	gen     uint64 // interpreter generation the cache belongs to, see generationer
}

func newApplyCache() *applyCache {
	return &applyCache{funcs: map[[32]byte]reflect.Value{}, helpers: map[string]bool{}}
}

func (c *applyCache) clear() {
	c.mu.Lock()
	c.funcs = map[[32]byte]reflect.Value{}
	c.helpers = map[string]bool{}
	c.mu.Unlock()
}

// generationer is implemented by interpreters whose compiled functions go stale
// when they rebuild themselves (kernel/session after a redefinition).
type generationer interface{ Generation() uint64 }

func applyKey(req *protocol.ApplyRequest) [32]byte {
	h := sha256.New()
	for _, s := range req.Helpers {
		fmt.Fprintf(h, "%d:%s;", len(s), s)
	}
	fmt.Fprintf(h, "%d:%s", len(req.Source), req.Source)
	var k [32]byte
	h.Sum(k[:0])
	return k
}

// compile returns the function of req, compiling it (after its helpers) on
// first use.
func (e *Engine) compile(ctx context.Context, req *protocol.ApplyRequest) (reflect.Value, error) {
	c := e.apply
	if g, ok := e.interp.(generationer); ok {
		if gen := g.Generation(); gen != c.gen {
			c.clear()
			c.gen = gen
		}
	}
	key := applyKey(req)
	c.mu.Lock()
	fn, ok := c.funcs[key]
	c.mu.Unlock()
	if ok {
		return fn, nil
	}
	for _, h := range req.Helpers {
		c.mu.Lock()
		done := c.helpers[h]
		c.mu.Unlock()
		if done {
			continue
		}
		if _, _, err := e.interp.Execute(ctx, h); err != nil {
			return reflect.Value{}, e.shippedError(err, "in a declaration sent with the function")
		}
		c.mu.Lock()
		c.helpers[h] = true
		c.mu.Unlock()
	}
	fn, err := e.interp.Compile(req.Source)
	if err != nil {
		return reflect.Value{}, e.shippedError(err, "in the function sent to it")
	}
	if fn.Kind() != reflect.Func {
		return reflect.Value{}, &argumentError{fmt.Sprintf("engine %d: %s is not a function but %s", e.ident.ID(), shortSource(req.Source), fn.Type())}
	}
	c.mu.Lock()
	if len(c.funcs) >= maxCompiled {
		c.funcs = map[[32]byte]reflect.Value{}
	}
	c.funcs[key] = fn
	c.mu.Unlock()
	if g, ok := e.interp.(generationer); ok {
		// Compiling helpers may have rebuilt the interpreter; what we compiled
		// belongs to the new generation.
		c.gen = g.Generation()
	}
	return fn, nil
}

// shippedError names the undefined identifier of a shipped function, with the fix.
func (e *Engine) shippedError(err error, where string) error {
	if name, ok := undefinedName(err); ok {
		return fmt.Errorf("%w: %w", &nameError{name: name, engineID: e.ident.ID(), context: where}, err)
	}
	return err
}

// handleApply calls a shipped function with decoded arguments; with Map, once per
// element of the argument sequences.
func (e *Engine) handleApply(ctx context.Context, m *protocol.Message, stamp *protocol.EngineStamp) outcome {
	var req protocol.ApplyRequest
	if err := m.DecodeContent(&req); err != nil {
		return e.applyFailed(m, err, stamp)
	}
	fn, err := e.compile(ctx, &req)
	if err != nil {
		return e.applyFailed(m, err, stamp)
	}
	var args []any
	if len(req.Args) > 0 && string(req.Args) != "null" {
		if args, err = value.DecodeMany(&value.Encoded{Header: req.Args, Buffers: m.Buffers}, nil); err != nil {
			return e.applyFailed(m, fmt.Errorf("engine %d: decoding arguments: %w", e.ident.ID(), err), stamp)
		}
	}
	var result any
	if req.Map {
		result, err = e.mapCall(ctx, fn, args)
	} else {
		result, err = e.call(ctx, fn, args)
	}
	if err != nil {
		return e.applyFailed(m, err, stamp)
	}
	enc, err := value.Encode(result)
	if err != nil {
		return e.applyFailed(m, fmt.Errorf("engine %d: result: %w", e.ident.ID(), err), stamp)
	}
	return outcome{status: protocol.ReplyOK, buffers: enc.Buffers,
		content: protocol.ApplyReply{Status: protocol.ReplyOK, Result: enc.Header, EngineInfo: stamp}}
}

// applyFailed reports an apply error as an error message and an error reply.
func (e *Engine) applyFailed(m *protocol.Message, err error, stamp *protocol.EngineStamp) outcome {
	return e.failed(m, err, stamp)
}

var errorType = reflect.TypeFor[error]()

// call calls fn once with args and shapes its results: none → nil, one → it,
// several → []any; a trailing non-nil error fails the call.
func (e *Engine) call(ctx context.Context, fn reflect.Value, args []any) (any, error) {
	in, err := bindArgs(fn.Type(), args)
	if err != nil {
		return nil, &argumentError{fmt.Sprintf("engine %d: %v", e.ident.ID(), err)}
	}
	outs, err := e.interp.Call(ctx, fn, in)
	if err != nil {
		return nil, err
	}
	outs, err = splitError(fn.Type(), outs)
	if err != nil {
		return nil, err
	}
	switch len(outs) {
	case 0:
		return nil, nil
	case 1:
		return interfaceOf(outs[0]), nil
	}
	all := make([]any, len(outs))
	for i, o := range outs {
		all[i] = interfaceOf(o)
	}
	return all, nil
}

// mapCall calls fn element-wise over the argument sequences (stopping at the
// shortest, as Python's map does) and returns the results as one slice of the
// function's result type: []int for func(int) int. Functions with several
// results give [][]any; with none, nil.
func (e *Engine) mapCall(ctx context.Context, fn reflect.Value, seqs []any) (any, error) {
	ft := fn.Type()
	n := -1
	seqv := make([]reflect.Value, len(seqs))
	for i, s := range seqs {
		v := reflect.ValueOf(s)
		if s == nil || (v.Kind() != reflect.Slice && v.Kind() != reflect.Array) {
			return nil, &argumentError{fmt.Sprintf("engine %d: map argument %d is %T, not a slice", e.ident.ID(), i, s)}
		}
		seqv[i] = v
		if n < 0 || v.Len() < n {
			n = v.Len()
		}
	}
	if n < 0 {
		return nil, &argumentError{fmt.Sprintf("engine %d: map needs at least one sequence", e.ident.ID())}
	}
	results := ft.NumOut()
	if results > 0 && ft.Out(results-1) == errorType {
		results--
	}
	var out reflect.Value
	switch results {
	case 0:
	case 1:
		out = reflect.MakeSlice(reflect.SliceOf(ft.Out(0)), 0, n)
	default:
		out = reflect.MakeSlice(reflect.TypeFor[[]any](), 0, n)
	}
	// All elements are called in one Do: an interruptible call costs a
	// goroutine handoff, which would otherwise dominate small functions.
	args := make([]any, len(seqs))
	var loopErr error
	i := 0 // the element being called, for a panic's message
	err := e.interp.Do(ctx, func() {
		for ; i < n; i++ {
			if err := ctx.Err(); err != nil {
				loopErr = err
				return
			}
			for k, s := range seqv {
				args[k] = interfaceOf(s.Index(i))
			}
			in, err := bindArgs(ft, args)
			if err != nil {
				loopErr = &argumentError{fmt.Sprintf("engine %d: element %d: %v", e.ident.ID(), i, err)}
				return
			}
			outs, err := splitError(ft, fn.Call(in))
			if err != nil {
				loopErr = fmt.Errorf("element %d: %w", i, err)
				return
			}
			switch results {
			case 0:
			case 1:
				out = reflect.Append(out, outs[0])
			default:
				row := make([]any, len(outs))
				for j, o := range outs {
					row[j] = interfaceOf(o)
				}
				out = reflect.Append(out, reflect.ValueOf(row))
			}
		}
	})
	switch {
	case errors.Is(err, session.ErrInterrupted):
		return nil, err // the loop may still run: leave i alone
	case err != nil:
		return nil, fmt.Errorf("element %d: %w", i, err)
	case loopErr != nil:
		return nil, loopErr
	}
	if results == 0 {
		return nil, nil
	}
	return out.Interface(), nil
}

// splitError removes a trailing error result, failing when it is not nil.
func splitError(ft reflect.Type, outs []reflect.Value) ([]reflect.Value, error) {
	n := ft.NumOut()
	if n == 0 || ft.Out(n-1) != errorType || len(outs) != n {
		return outs, nil
	}
	if last := outs[n-1]; !last.IsNil() {
		err, _ := last.Interface().(error)
		return nil, fmt.Errorf("%w", &runtimeError{err})
	}
	return outs[:n-1], nil
}

// runtimeError is a non-nil error returned by a shipped function.
type runtimeError struct{ err error }

func (e *runtimeError) Error() string { return e.err.Error() }
func (e *runtimeError) Unwrap() error { return e.err }

func shortSource(s string) string {
	const max = 60
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}
