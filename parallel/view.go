package parallel

import (
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/goparallel/goparallel/protocol"
	"github.com/goparallel/goparallel/protocol/value"
)

// This file holds what direct and load-balanced views share: encoding calls and
// splitting sequences into tasks.

// encodeArgs encodes a call's arguments with the client's registry.
func (c *Client) encodeArgs(args []any) (*value.Encoded, error) {
	if args == nil {
		args = []any{}
	}
	enc, err := c.registry().EncodeMany(args)
	if err != nil {
		return nil, fmt.Errorf("parallel: cannot send the arguments: %w", err)
	}
	return enc, nil
}

// applyMessage builds one apply_request.
func (c *Client) applyMessage(sf *ShippedFunc, name string, enc *value.Encoded, mapped bool, meta protocol.TaskMetadata) (*protocol.Message, error) {
	return c.newMessage(protocol.MsgApplyRequest, meta, protocol.ApplyRequest{
		Source: sf.Source, Name: name, Helpers: sf.Helpers, Args: json.RawMessage(enc.Header), Map: mapped,
	}, enc.Buffers)
}

func funcName(sf *ShippedFunc, def string) string {
	if sf != nil && sf.Name != "" {
		return sf.Name
	}
	return def
}

// sequences checks the sequences of a map: slices or arrays of one length.
func sequences(seqs []any) ([]reflect.Value, int, error) {
	if len(seqs) == 0 {
		return nil, 0, fmt.Errorf("parallel: map needs at least one sequence")
	}
	vs := make([]reflect.Value, len(seqs))
	n := -1
	for i, s := range seqs {
		v, err := sequence(s)
		if err != nil {
			return nil, 0, err
		}
		if n >= 0 && v.Len() != n {
			return nil, 0, fmt.Errorf("parallel: map sequences differ in length (%d and %d)", n, v.Len())
		}
		n = v.Len()
		vs[i] = v
	}
	return vs, n, nil
}

// chunk is a task of a map or a parallel function: elements [first, first+n) of
// every sequence.
type chunk struct {
	first, n int
	args     []any
}

// chunkArgs slices every sequence into parts of the given sizes.
func chunkArgs(seqs []reflect.Value, sizes []int) []chunk {
	var out []chunk
	first := 0
	for _, n := range sizes {
		if n == 0 {
			continue
		}
		c := chunk{first: first, n: n, args: make([]any, len(seqs))}
		for i, s := range seqs {
			c.args[i] = s.Slice3(first, first+n, first+n).Interface()
		}
		out = append(out, c)
		first += n
	}
	return out
}

// chunkedView is what a view provides for maps and parallel functions.
type chunkedView interface {
	submitChunks(sf *ShippedFunc, name string, seqs []any, elementWise bool) *AsyncResult
	blocking() bool
}

// RemoteFunc is a function that runs on every engine of a view when called:
// IPython Parallel's @view.remote. Make one with [DirectView.Remote].
type RemoteFunc struct {
	// Block makes Call wait for the result; it starts as the view's Block.
	Block bool
	view  *DirectView
	fn    *ShippedFunc
	err   error
}

// Call calls the function on the view's engines with args. Blocking, it returns the
// result (one value per engine, a typed slice when they share a type); otherwise
// an *AsyncResult.
func (r *RemoteFunc) Call(args ...any) (any, error) {
	if r.Block {
		return r.CallSync(args...)
	}
	ar := r.CallAsync(args...)
	return ar, ar.Err()
}

// CallSync calls the function on the view's engines and waits for the result.
func (r *RemoteFunc) CallSync(args ...any) (any, error) { return r.CallAsync(args...).Get() }

// CallAsync calls the function on the view's engines without waiting.
func (r *RemoteFunc) CallAsync(args ...any) *AsyncResult {
	if r.err != nil {
		return failed("remote", r.err)
	}
	return r.view.apply(r.fn, args)
}

// String reads like "<RemoteFunc getpid on <DirectView [0, 1, 2, 3]>>".
func (r *RemoteFunc) String() string {
	return fmt.Sprintf("<RemoteFunc %s on %v>", funcName(r.fn, "func"), r.view)
}

// ParallelFunc is a function whose calls are split over the engines of a view and
// whose results are reassembled: IPython Parallel's @view.parallel. Make one with
// [DirectView.Parallel] or [LoadBalancedView.Parallel].
//
// A function of slices (func(a, b []float64) []float64) is called once per engine
// with a contiguous part of each argument, and the returned slices are concatenated
// in order. A function of single elements (func(x float64) float64) is mapped
// element by element, like Map.
type ParallelFunc struct {
	// Block makes Call and Map wait for the result; it starts as the view's Block.
	Block bool
	view  chunkedView
	fn    *ShippedFunc
	err   error
}

// Call splits the sequences over the engines, calls the function on each part and
// concatenates the results. Blocking, it returns the result; otherwise an
// *AsyncResult.
func (p *ParallelFunc) Call(seqs ...any) (any, error) {
	if p.Block {
		return p.CallSync(seqs...)
	}
	ar := p.CallAsync(seqs...)
	return ar, ar.Err()
}

// CallSync is Call, waiting for the result.
func (p *ParallelFunc) CallSync(seqs ...any) (any, error) { return p.CallAsync(seqs...).Get() }

// CallAsync is Call, without waiting.
func (p *ParallelFunc) CallAsync(seqs ...any) *AsyncResult {
	if p.err != nil {
		return failed("parallel", p.err)
	}
	return p.view.submitChunks(p.fn, funcName(p.fn, "parallel"), seqs, p.fn.sig.elementWise())
}

// Map applies the function to the elements of the sequences, like the view's Map.
func (p *ParallelFunc) Map(seqs ...any) (any, error) {
	if p.Block {
		return p.MapSync(seqs...)
	}
	ar := p.MapAsync(seqs...)
	return ar, ar.Err()
}

// MapSync is Map, waiting for the result.
func (p *ParallelFunc) MapSync(seqs ...any) (any, error) { return p.MapAsync(seqs...).Get() }

// MapAsync is Map, without waiting.
func (p *ParallelFunc) MapAsync(seqs ...any) *AsyncResult {
	if p.err != nil {
		return failed("map", p.err)
	}
	return p.view.submitChunks(p.fn, funcName(p.fn, "map"), seqs, true)
}

// String reads like "<ParallelFunc pmul>".
func (p *ParallelFunc) String() string { return "<ParallelFunc " + funcName(p.fn, "func") + ">" }

// result returns a blocking call's value or a non-blocking call's AsyncResult.
func result(block bool, ar *AsyncResult) (any, error) {
	if block {
		return ar.Get()
	}
	return ar, ar.Err()
}
