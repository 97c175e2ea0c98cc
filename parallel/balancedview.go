package parallel

import (
	"fmt"
	"time"

	"github.com/goparallel/goparallel/protocol"
)

// LoadBalancedView lets the controller choose an engine for each task:
// IPython Parallel's LoadBalancedView. Make one with [Client.LoadBalancedView].
// Like [DirectView], methods come as X (following Block), XSync and XAsync.
type LoadBalancedView struct {
	// Block makes the methods that follow it wait for results (false by default).
	Block bool
	// Targets restricts the engines tasks may run on; nil allows all.
	Targets []int
	// ChunkSize is how many elements of a Map travel in one task. 0 picks about four
	// tasks per engine, so a 3200-element map is a few dozen messages, not 3200.
	ChunkSize int
	// Unordered makes Map results come in the order tasks complete, not in the
	// order of the input.
	Unordered bool
	// Retries is how many times a task is resubmitted elsewhere when its engine dies.
	Retries int
	// Timeout bounds how long a task may wait for an engine; 0 means forever. For a
	// wall-clock limit on running tasks, use AsyncResult.GetTimeout and Cancel.
	Timeout time.Duration
	// After makes tasks wait until these results have finished successfully.
	After []*AsyncResult
	// Follow makes tasks run on the engines where these results ran.
	Follow []*AsyncResult

	client *Client
}

func (v *LoadBalancedView) blocking() bool { return v.Block }

func (v *LoadBalancedView) meta() protocol.TaskMetadata {
	m := protocol.TaskMetadata{Scheduler: protocol.SchedBalanced, Targets: v.Targets,
		Retries: v.Retries, Timeout: v.Timeout.Seconds()}
	for _, ar := range v.After {
		m.After = append(m.After, ar.MsgIDs()...)
	}
	for _, ar := range v.Follow {
		m.Follow = append(m.Follow, ar.MsgIDs()...)
	}
	return m
}

func (v *LoadBalancedView) check() error {
	if v.client == nil {
		return fmt.Errorf("parallel: view has no client")
	}
	if len(v.Targets) == 0 && v.client.Len() == 0 {
		return ErrNoEngines
	}
	return nil
}

func (v *LoadBalancedView) apply(sf *ShippedFunc, args []any) *AsyncResult {
	name := funcName(sf, "apply")
	if err := v.check(); err != nil {
		return failed(name, err)
	}
	enc, err := v.client.encodeArgs(args)
	if err != nil {
		return failed(name, err)
	}
	m, err := v.client.applyMessage(sf, name, enc, false, v.meta())
	if err != nil {
		return failed(name, err)
	}
	ar := newResult(v.client, name, "apply", kindApply)
	ar.single = true
	return v.client.submit(ar, []request{{msg: m, parts: []partSpec{{target: -1}}}})
}

// Apply calls f(args...) on one engine chosen by the controller, following Block.
func (v *LoadBalancedView) Apply(f any, args ...any) (any, error) {
	sf, err := shipped("Apply", f)
	if err != nil {
		return nil, err
	}
	return result(v.Block, v.apply(sf, args))
}

// ApplySync is Apply, waiting for the result.
func (v *LoadBalancedView) ApplySync(f any, args ...any) (any, error) {
	sf, err := shipped("ApplySync", f)
	if err != nil {
		return nil, err
	}
	return v.apply(sf, args).Get()
}

// ApplyAsync is Apply, without waiting.
func (v *LoadBalancedView) ApplyAsync(f any, args ...any) *AsyncResult {
	sf, err := shipped("ApplyAsync", f)
	if err != nil {
		return failed("apply", err)
	}
	return v.apply(sf, args)
}

// submitChunks sends the sequences as tasks of ChunkSize elements (or, for a
// parallel function's slices, one part per engine), each to whichever engine is free.
func (v *LoadBalancedView) submitChunks(sf *ShippedFunc, name string, seqs []any, elementWise bool) *AsyncResult {
	if err := v.check(); err != nil {
		return failed(name, err)
	}
	vs, n, err := sequences(seqs)
	if err != nil {
		return failed(name, err)
	}
	engines := len(v.Targets)
	if engines == 0 {
		engines = v.client.Len()
	}
	var sizes []int
	if elementWise {
		size := v.ChunkSize
		if size <= 0 {
			size = autoChunkSize(n, engines)
		}
		for lo := 0; lo < n; lo += size {
			sizes = append(sizes, min(size, n-lo))
		}
	} else {
		sizes = chunkSizes(n, max(1, engines))
	}
	ar := newResult(v.client, name, "map", kindMap)
	ar.ordered = !v.Unordered
	meta := v.meta()
	var reqs []request
	for _, ch := range chunkArgs(vs, sizes) {
		enc, err := v.client.encodeArgs(ch.args)
		if err != nil {
			return failed(name, err)
		}
		m, err := v.client.applyMessage(sf, name, enc, elementWise, meta)
		if err != nil {
			return failed(name, err)
		}
		reqs = append(reqs, request{msg: m, parts: []partSpec{{target: -1, first: ch.first, n: ch.n}}})
	}
	return v.client.submit(ar, reqs)
}

// Map applies f to the elements of the sequences in load-balanced chunks (see
// ChunkSize), following Block: the lecture's lview.map(lambda x: x, range(3200)).
func (v *LoadBalancedView) Map(f any, seqs ...any) (any, error) {
	sf, err := shipped("Map", f)
	if err != nil {
		return nil, err
	}
	return result(v.Block, v.submitChunks(sf, funcName(sf, "map"), seqs, true))
}

// MapSync is Map, waiting for the result.
func (v *LoadBalancedView) MapSync(f any, seqs ...any) (any, error) {
	sf, err := shipped("MapSync", f)
	if err != nil {
		return nil, err
	}
	return v.submitChunks(sf, funcName(sf, "map"), seqs, true).Get()
}

// MapAsync is Map, without waiting; [AsyncResult.Results] delivers the elements as
// their chunks complete.
func (v *LoadBalancedView) MapAsync(f any, seqs ...any) *AsyncResult {
	sf, err := shipped("MapAsync", f)
	if err != nil {
		return failed("map", err)
	}
	return v.submitChunks(sf, funcName(sf, "map"), seqs, true)
}

// Parallel returns f as a function whose calls are split into load-balanced tasks:
// the lecture's @lview.parallel. See [ParallelFunc].
func (v *LoadBalancedView) Parallel(f any) *ParallelFunc {
	sf, err := shipped("Parallel", f)
	c := *v
	return &ParallelFunc{Block: v.Block, view: &c, fn: sf, err: err}
}

// String reads like "<LoadBalancedView all>" or "<LoadBalancedView [0, 1]>".
func (v *LoadBalancedView) String() string {
	if v.Targets == nil {
		return "<LoadBalancedView all>"
	}
	return "<LoadBalancedView " + intList(v.Targets) + ">"
}
