package parallel

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/goparallel/goparallel/protocol"
)

// DirectView runs work on explicit engines: IPython Parallel's DirectView. Make one
// with [Client.Slice] (the lecture's c[:]), [Client.View] or [Client.DirectView].
//
// Methods that compute something come in three forms, as in IPython: X follows
// Block (returning the value when blocking, an *AsyncResult otherwise), XSync waits
// and returns the value, XAsync returns the *AsyncResult at once. Methods that only
// change the engines (Push, Scatter, Execute) return their *AsyncResult, after
// waiting for it when Block is set.
type DirectView struct {
	// Block makes the methods that follow it wait for results. It is false by
	// default, as in IPython Parallel.
	Block bool
	// Targets are the engine ids the view sends to; nil means every engine
	// registered at the time of each request.
	Targets []int

	client *Client
	sched  string
	single bool  // targets was one index: results are one value, not a list
	err    error // from an invalid Slice
}

// targets resolves the engines a request goes to.
func (v *DirectView) targets() ([]int, error) {
	if v.err != nil {
		return nil, v.err
	}
	if v.client == nil {
		return nil, fmt.Errorf("parallel: view has no client")
	}
	ids := v.Targets
	if ids == nil {
		ids = v.client.IDs()
	}
	if len(ids) == 0 {
		return nil, ErrNoEngines
	}
	return ids, nil
}

func (v *DirectView) blocking() bool { return v.Block }

// On returns a copy of the view sending to other targets: an int (results are then
// one value, like IPython's targets=0), an []int, or a Python slice of the
// client's ids as a string ("::2"). It is how the lecture's per-call targets
// argument reads in Go: dview.On(0).PullSync("b").
func (v *DirectView) On(targets any) *DirectView {
	c := *v
	c.err, c.single = nil, false
	switch t := targets.(type) {
	case int:
		c.Targets, c.single = []int{t}, true
	case []int:
		c.Targets = append([]int(nil), t...)
	case string:
		if v.client == nil {
			c.err = fmt.Errorf("parallel: view has no client")
			break
		}
		c.Targets, c.single, c.err = selectIDs(t, v.client.IDs())
	case nil:
		c.Targets = nil
	default:
		c.err = fmt.Errorf("parallel: targets must be an int, []int or slice string, not %T", targets)
	}
	return &c
}

// send builds one message per target (or one broadcast message for all) and
// submits them as one result.
func (v *DirectView) send(ar *AsyncResult, ids []int, msgType string, content any, buffers [][]byte) *AsyncResult {
	c := v.client
	var reqs []request
	if v.sched == protocol.SchedBroadcast && len(ids) > 1 {
		m, err := c.newMessage(msgType, protocol.TaskMetadata{Scheduler: protocol.SchedBroadcast, Targets: ids}, content, buffers)
		if err != nil {
			return failed(ar.name, err)
		}
		r := request{msg: m}
		for _, id := range ids {
			r.parts = append(r.parts, partSpec{target: id})
		}
		reqs = append(reqs, r)
	} else {
		// Every target gets the same content: encode it once, not once per engine.
		raw, err := json.Marshal(content)
		if err != nil {
			return failed(ar.name, fmt.Errorf("parallel: encoding %s: %w", msgType, err))
		}
		for _, id := range ids {
			m, err := c.newMessage(msgType, protocol.TaskMetadata{Scheduler: protocol.SchedDirect, Targets: []int{id}}, json.RawMessage(raw), buffers)
			if err != nil {
				return failed(ar.name, err)
			}
			reqs = append(reqs, request{msg: m, parts: []partSpec{{target: id}}})
		}
	}
	return c.submit(ar, reqs)
}

// apply calls sf(args...) once on every target.
func (v *DirectView) apply(sf *ShippedFunc, args []any) *AsyncResult {
	name := funcName(sf, "apply")
	ids, err := v.targets()
	if err != nil {
		return failed(name, err)
	}
	enc, err := v.client.encodeArgs(args)
	if err != nil {
		return failed(name, err)
	}
	ar := newResult(v.client, name, "apply", kindApply)
	ar.single = v.single
	return v.send(ar, ids, protocol.MsgApplyRequest, protocol.ApplyRequest{
		Source: sf.Source, Name: name, Helpers: sf.Helpers, Args: enc.Header,
	}, enc.Buffers)
}

// Apply calls f(args...) on every engine of the view, following Block: the lecture's
// dview.apply(lambda x: a + b + x, 27). f is a func literal or a func declared in
// a notebook cell, or a [Func] in a compiled program. Blocking, the result is one
// value per engine (an []int when f returns int); otherwise an *AsyncResult.
func (v *DirectView) Apply(f any, args ...any) (any, error) {
	sf, err := shipped("Apply", f)
	if err != nil {
		return nil, err
	}
	return result(v.Block, v.apply(sf, args))
}

// ApplySync calls f(args...) on every engine and waits for the results.
func (v *DirectView) ApplySync(f any, args ...any) (any, error) {
	sf, err := shipped("ApplySync", f)
	if err != nil {
		return nil, err
	}
	return v.apply(sf, args).Get()
}

// ApplyAsync calls f(args...) on every engine without waiting.
func (v *DirectView) ApplyAsync(f any, args ...any) *AsyncResult {
	sf, err := shipped("ApplyAsync", f)
	if err != nil {
		return failed("apply", err)
	}
	return v.apply(sf, args)
}

// submitChunks splits the sequences into one contiguous part per engine (7 items
// over 4 engines go 2,2,2,1, as in IPython Parallel) and sends each engine its part.
func (v *DirectView) submitChunks(sf *ShippedFunc, name string, seqs []any, elementWise bool) *AsyncResult {
	ids, err := v.targets()
	if err != nil {
		return failed(name, err)
	}
	vs, n, err := sequences(seqs)
	if err != nil {
		return failed(name, err)
	}
	ar := newResult(v.client, name, "map", kindMap)
	var reqs []request
	for i, ch := range chunkArgs(vs, chunkSizes(n, len(ids))) {
		enc, err := v.client.encodeArgs(ch.args)
		if err != nil {
			return failed(name, err)
		}
		m, err := v.client.applyMessage(sf, name, enc, elementWise,
			protocol.TaskMetadata{Scheduler: protocol.SchedDirect, Targets: []int{ids[i]}})
		if err != nil {
			return failed(name, err)
		}
		reqs = append(reqs, request{msg: m, parts: []partSpec{{target: ids[i], first: ch.first, n: ch.n}}})
	}
	return v.client.submit(ar, reqs)
}

// Map applies f to the elements of the sequences (one argument of f per sequence),
// following Block: the lecture's dview.map(lambda x: x**10, range(7)). Each engine
// gets one contiguous part. Blocking, the result is a slice of f's result type.
func (v *DirectView) Map(f any, seqs ...any) (any, error) {
	sf, err := shipped("Map", f)
	if err != nil {
		return nil, err
	}
	return result(v.Block, v.submitChunks(sf, funcName(sf, "map"), seqs, true))
}

// MapSync is Map, waiting for the result: an []int for a func(int) int.
func (v *DirectView) MapSync(f any, seqs ...any) (any, error) {
	sf, err := shipped("MapSync", f)
	if err != nil {
		return nil, err
	}
	return v.submitChunks(sf, funcName(sf, "map"), seqs, true).Get()
}

// MapAsync is Map, without waiting.
func (v *DirectView) MapAsync(f any, seqs ...any) *AsyncResult {
	sf, err := shipped("MapAsync", f)
	if err != nil {
		return failed("map", err)
	}
	return v.submitChunks(sf, funcName(sf, "map"), seqs, true)
}

// wait waits for ar when the view blocks.
func (v *DirectView) wait(ar *AsyncResult) (*AsyncResult, error) {
	if v.Block {
		_, err := ar.Get()
		return ar, err
	}
	return ar, ar.Err()
}

// Execute runs Go code (statements and declarations, like a cell) on every engine
// of the view: the lecture's c[::2].execute('c=a+b'). What the engines print is in
// the result's metadata (see [AsyncResult.DisplayOutputs]).
func (v *DirectView) Execute(code string) (*AsyncResult, error) {
	ids, err := v.targets()
	if err != nil {
		return failed("execute", err), err
	}
	ar := newResult(v.client, "execute", "execute", kindNone)
	stop := false
	return v.wait(v.send(ar, ids, "execute_request", protocol.ExecuteRequest{Code: code, StopOnError: &stop}, nil))
}

// Run executes the Go source file at path on every engine of the view.
func (v *DirectView) Run(path string) (*AsyncResult, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return failed("execute", err), fmt.Errorf("parallel: %w", err)
	}
	return v.Execute(string(b))
}

// Push sets global variables on every engine of the view: the lecture's
// dview.push(dict(a=1.03234, b=3453)). Values keep their Go types.
func (v *DirectView) Push(ns map[string]any) (*AsyncResult, error) {
	ids, err := v.targets()
	if err != nil {
		return failed("push", err), err
	}
	names := make([]string, 0, len(ns))
	for k := range ns {
		names = append(names, k)
	}
	sort.Strings(names)
	vals := make([]any, len(names))
	for i, k := range names {
		vals[i] = ns[k]
	}
	enc, err := v.client.encodeArgs(vals)
	if err != nil {
		return failed("push", err), err
	}
	ar := newResult(v.client, "push", "push", kindNone)
	return v.wait(v.send(ar, ids, protocol.MsgPushRequest, protocol.PushRequest{Names: names, Values: enc.Header}, enc.Buffers))
}

func (v *DirectView) pull(names []string) *AsyncResult {
	ids, err := v.targets()
	if err != nil {
		return failed("pull", err)
	}
	if len(names) == 0 {
		return failed("pull", fmt.Errorf("parallel: pull needs at least one name"))
	}
	ar := newResult(v.client, "pull", "pull", kindPull)
	ar.single, ar.names = v.single, len(names)
	return v.send(ar, ids, protocol.MsgPullRequest, protocol.PullRequest{Names: names}, nil)
}

// Pull gets global variables from every engine of the view, following Block: one
// value per engine for one name, one []any per engine for several. On a view of one
// engine given as an int (dview.On(0)) the result is that engine's value alone.
func (v *DirectView) Pull(names ...string) (any, error) { return result(v.Block, v.pull(names)) }

// PullSync is Pull, waiting for the values.
func (v *DirectView) PullSync(names ...string) (any, error) { return v.pull(names).Get() }

// PullAsync is Pull, without waiting.
func (v *DirectView) PullAsync(names ...string) *AsyncResult { return v.pull(names) }

// Set sets one global variable on every engine and waits: the lecture's
// dview['a'] = 6.
func (v *DirectView) Set(name string, val any) error {
	c := *v
	c.Block = true
	_, err := c.Push(map[string]any{name: val})
	return err
}

// Get gets one global variable from every engine and waits: the lecture's
// dview['c'].
func (v *DirectView) Get(name string) (any, error) { return v.pull([]string{name}).Get() }

// ScatterOption changes how Scatter splits a sequence.
type ScatterOption func(*scatterOptions)

type scatterOptions struct{ flatten bool }

// Flatten makes Scatter send a part of one element as the element itself rather
// than as a one-element slice.
func Flatten() ScatterOption { return func(o *scatterOptions) { o.flatten = true } }

// Scatter splits seq (a slice or array) into one contiguous part per engine, and
// sets name to its part on each: 28 items over 4 engines give 7 each, 10 give
// 3,3,2,2, as in IPython Parallel.
func (v *DirectView) Scatter(name string, seq any, opts ...ScatterOption) (*AsyncResult, error) {
	var o scatterOptions
	for _, opt := range opts {
		opt(&o)
	}
	ids, err := v.targets()
	if err != nil {
		return failed("scatter", err), err
	}
	s, err := sequence(seq)
	if err != nil {
		return failed("scatter", err), err
	}
	ar := newResult(v.client, "scatter", "scatter", kindNone)
	var reqs []request
	for i, p := range split(s, len(ids)) {
		val := p.Interface()
		if o.flatten && p.Len() == 1 {
			val = p.Index(0).Interface()
		}
		enc, err := v.client.encodeArgs([]any{val})
		if err != nil {
			return failed("scatter", err), err
		}
		m, err := v.client.newMessage(protocol.MsgPushRequest,
			protocol.TaskMetadata{Scheduler: protocol.SchedDirect, Targets: []int{ids[i]}},
			protocol.PushRequest{Names: []string{name}, Values: enc.Header}, enc.Buffers)
		if err != nil {
			return failed("scatter", err), err
		}
		reqs = append(reqs, request{msg: m, parts: []partSpec{{target: ids[i]}}})
	}
	return v.wait(v.client.submit(ar, reqs))
}

func (v *DirectView) gather(name string) *AsyncResult {
	ids, err := v.targets()
	if err != nil {
		return failed("gather", err)
	}
	ar := newResult(v.client, "gather", "gather", kindGather)
	ar.single, ar.names = v.single, 1
	return v.send(ar, ids, protocol.MsgPullRequest, protocol.PullRequest{Names: []string{name}}, nil)
}

// Gather pulls name from every engine and concatenates the parts, following Block:
// the inverse of Scatter. Parts of one slice type give that type.
func (v *DirectView) Gather(name string) (any, error) { return result(v.Block, v.gather(name)) }

// GatherSync is Gather, waiting for the values.
func (v *DirectView) GatherSync(name string) (any, error) { return v.gather(name).Get() }

// GatherAsync is Gather, without waiting.
func (v *DirectView) GatherAsync(name string) *AsyncResult { return v.gather(name) }

// Remote returns f as a function that runs on every engine of the view when called:
// the lecture's @dview.remote.
//
//	getpid := dview.Remote(func() int { return os.Getpid() })
//	pids, err := getpid.CallSync()
func (v *DirectView) Remote(f any) *RemoteFunc {
	sf, err := shipped("Remote", f)
	c := *v
	return &RemoteFunc{Block: v.Block, view: &c, fn: sf, err: err}
}

// Parallel returns f as a function whose calls are split over the engines of the
// view: the lecture's @dview.parallel. See [ParallelFunc].
func (v *DirectView) Parallel(f any) *ParallelFunc {
	sf, err := shipped("Parallel", f)
	c := *v
	return &ParallelFunc{Block: v.Block, view: &c, fn: sf, err: err}
}

// SyncImports imports packages (by import path) on every engine of the view and,
// in a notebook, in the notebook session too: the lecture's
// `with c[:].sync_imports(): import numpy`. In a compiled program the local import
// is a no-op.
func (v *DirectView) SyncImports(paths ...string) error {
	if len(paths) == 0 {
		return nil
	}
	var code strings.Builder
	for _, p := range paths {
		fmt.Fprintf(stdout(), "importing %s on engine(s)\n", p)
		code.WriteString("import " + strconv.Quote(p) + "\n")
	}
	if imp := currentHooks().Import; imp != nil {
		if err := imp(paths...); err != nil {
			return fmt.Errorf("parallel: importing locally: %w", err)
		}
	}
	c := *v
	c.Block = true
	_, err := c.Execute(code.String())
	return err
}

// String reads like the lecture, "<DirectView [0, 1, 2, 3]>".
func (v *DirectView) String() string { return "<DirectView " + v.targetString() + ">" }

func (v *DirectView) targetString() string {
	switch {
	case v.err != nil:
		return "invalid: " + v.err.Error()
	case v.Targets == nil:
		return "all"
	case v.single && len(v.Targets) == 1:
		return strconv.Itoa(v.Targets[0])
	}
	return intList(v.Targets)
}

func intList(ids []int) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.Itoa(id)
	}
	return "[" + strings.Join(s, ", ") + "]"
}

// BroadcastView is a DirectView whose requests leave the client as one message
// that the controller copies to every target. Make one with [Client.BroadcastView].
type BroadcastView struct {
	DirectView
}

// String reads like "<BroadcastView [0, 1, 2, 3]>".
func (v *BroadcastView) String() string { return "<BroadcastView " + v.targetString() + ">" }
