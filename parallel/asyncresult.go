package parallel

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/goparallel/goparallel/protocol"
	"github.com/goparallel/goparallel/protocol/value"
)

// resultKind says how the replies of a request combine into its result.
type resultKind int

const (
	kindApply  resultKind = iota // one value per engine: a typed slice, or one value
	kindMap                      // slices per chunk, concatenated
	kindPull                     // like kindApply; a reply holds one value per name
	kindGather                   // per-engine parts concatenated; scalars count as one element
	kindNone                     // no value (push, scatter, execute, abort)
)

// Metadata is what is known of one task (one engine's part of a request, or one
// chunk of a load-balanced map): IPython Parallel's AsyncResult metadata.
type Metadata struct {
	MsgID     string
	EngineID  int    // -1 until known
	Status    string // "pending", "ok", "error", "aborted"
	Submitted time.Time
	Started   time.Time // on the engine; zero if the engine did not say
	Completed time.Time // on the engine; zero if the engine did not say
	Received  time.Time // when the reply reached the client
	Stdout    string
	Stderr    string
	// Outputs are the rich outputs (display_data, execute_result) in order.
	Outputs []Output
	// ExecuteResult is the data of the task's execute_result, if any.
	ExecuteResult map[string]any
	// ExecutionCount is the engine's execution count of an execute request.
	ExecutionCount int
	Error          error
}

// Output is one rich output an engine produced.
type Output struct {
	Type string         // "display_data" or "execute_result"
	Data map[string]any // MIME type → data
}

// Item is one element of a result, delivered by [AsyncResult.Results] as it
// arrives.
type Item struct {
	Index  int // position in the result (element of a map, or engine of an apply)
	Engine int // engine that computed it, -1 if unknown
	Value  any
	Err    error
}

// part is one reply the result waits for.
type part struct {
	msgID  string
	target int // the engine it was sent to, or -1 (load-balanced)
	first  int // index of its first element in the result (maps)
	n      int // number of elements it carries (maps)
	done   bool
	value  any
	meta   Metadata
}

// AsyncResult is the pending result of a request to engines: IPython Parallel's
// AsyncResult. Its methods are safe for concurrent use.
type AsyncResult struct {
	client  *Client
	name    string
	method  string
	kind    resultKind
	single  bool // one target given as an index: the result is not a list
	ordered bool
	names   int // kindPull: how many names each reply holds

	submitted time.Time
	done      chan struct{}

	mu        sync.Mutex
	parts     []*part
	byMsg     map[string][]*part
	remaining int
	order     []int // parts in the order they completed
	value     any
	err       error
	finished  time.Time
	streams   []chan Item
}

func newResult(c *Client, name, method string, kind resultKind) *AsyncResult {
	return &AsyncResult{client: c, name: name, method: method, kind: kind, ordered: true,
		done: make(chan struct{}), byMsg: map[string][]*part{}, submitted: time.Now()}
}

// failed returns a finished result holding err, for requests that could not be sent.
func failed(name string, err error) *AsyncResult {
	ar := newResult(nil, name, name, kindNone)
	ar.err = err
	ar.finished = ar.submitted
	close(ar.done)
	return ar
}

func (ar *AsyncResult) addPart(msgID string, target, first, n int) *part {
	p := &part{msgID: msgID, target: target, first: first, n: n,
		meta: Metadata{MsgID: msgID, EngineID: target, Status: "pending", Submitted: time.Now()}}
	ar.parts = append(ar.parts, p)
	ar.byMsg[msgID] = append(ar.byMsg[msgID], p)
	ar.remaining++
	return p
}

// findPart returns the part of msgID that engine answers for: the only one, or for
// broadcast requests (several parts per message) the one whose engine matches.
func (ar *AsyncResult) findPart(msgID string, engine int) *part {
	ps := ar.byMsg[msgID]
	if len(ps) == 1 {
		return ps[0]
	}
	for _, p := range ps {
		if p.target == engine && !p.done {
			return p
		}
	}
	for _, p := range ps {
		if !p.done && p.target < 0 {
			return p
		}
	}
	return nil
}

// replyContent is the union of the reply contents the client reads.
type replyContent struct {
	Status         string          `json:"status"`
	Result         json.RawMessage `json:"result,omitempty"`
	Values         json.RawMessage `json:"values,omitempty"`
	ExecutionCount int             `json:"execution_count,omitempty"`
	protocol.ErrorContent
	EngineInfo *protocol.EngineStamp `json:"engine_info,omitempty"`
}

// engineMeta is the metadata engines put on the messages they send.
type engineMeta struct {
	Engine *int `json:"engine"`
}

func msgEngine(m *protocol.Message) int {
	if id, ok := leadingEngine(m.Metadata); ok {
		return id
	}
	var em engineMeta
	if err := m.DecodeMetadata(&em); err == nil && em.Engine != nil {
		return *em.Engine
	}
	return -1
}

// leadingEngine reads the engine id from metadata that starts {"engine":N, which
// is how engines write it on every reply and output. Every message the client
// receives pays for this, and a JSON decode of the whole metadata costs more than
// the rest of routing the reply; other shapes fall back to the decoder.
func leadingEngine(meta []byte) (int, bool) {
	const prefix = `{"engine":`
	if len(meta) <= len(prefix) || string(meta[:len(prefix)]) != prefix {
		return 0, false
	}
	rest := meta[len(prefix):]
	n, i := 0, 0
	for ; i < len(rest) && rest[i] >= '0' && rest[i] <= '9'; i++ {
		if i == 9 {
			return 0, false // not an engine id; let the decoder say what it is
		}
		n = n*10 + int(rest[i]-'0')
	}
	if i == 0 || i == len(rest) || (rest[i] != ',' && rest[i] != '}') {
		return 0, false
	}
	return n, true
}

// handleOutput attaches an engine's output message to the task it belongs to.
func (ar *AsyncResult) handleOutput(m *protocol.Message) {
	engine := msgEngine(m)
	ar.mu.Lock()
	defer ar.mu.Unlock()
	p := ar.findPart(m.Parent.MsgID, engine)
	if p == nil {
		return
	}
	if engine >= 0 && p.meta.EngineID < 0 {
		p.meta.EngineID = engine
	}
	switch m.Header.MsgType {
	case "stream":
		var s protocol.Stream
		if m.DecodeContent(&s) != nil {
			return
		}
		if s.Name == "stderr" {
			p.meta.Stderr += s.Text
		} else {
			p.meta.Stdout += s.Text
		}
	case "display_data", "execute_result":
		var d protocol.DisplayData
		if m.DecodeContent(&d) != nil {
			return
		}
		p.meta.Outputs = append(p.meta.Outputs, Output{Type: m.Header.MsgType, Data: d.Data})
		if m.Header.MsgType == "execute_result" {
			p.meta.ExecuteResult = d.Data
			var er protocol.ExecuteResult
			if m.DecodeContent(&er) == nil {
				p.meta.ExecutionCount = er.ExecutionCount
			}
		}
	}
}

// handleReply records the reply to one part, and finishes the result with its last.
func (ar *AsyncResult) handleReply(m *protocol.Message, reg *value.Registry) {
	var rc replyContent
	decodeErr := decodeReplyContent(m, &rc)
	engine := msgEngine(m)
	if rc.EngineInfo != nil && engine < 0 {
		engine = rc.EngineInfo.EngineID
	}
	var val any
	var err error
	switch {
	case decodeErr != nil:
		err = decodeErr
	case rc.Status == protocol.ReplyOK || rc.Status == "":
		val, err = ar.decodeValue(&rc, m.Buffers, reg)
	case rc.Status == protocol.ReplyAborted:
		err = &RemoteError{EngineID: engine, Method: ar.method, EName: "TaskAborted", EValue: "task aborted before it ran"}
	case rc.EName == "EngineError":
		err = &EngineError{EngineID: engine, Method: ar.method, Reason: rc.EValue}
	default:
		err = &RemoteError{EngineID: engine, Method: ar.method, EName: rc.EName, EValue: rc.EValue, Traceback: rc.Traceback}
	}
	ar.mu.Lock()
	p := ar.findPart(m.Parent.MsgID, engine)
	if p == nil || p.done {
		ar.mu.Unlock()
		return
	}
	if engine >= 0 {
		p.meta.EngineID = engine
	}
	if rc.EngineInfo != nil {
		p.meta.Started = parseTime(rc.EngineInfo.Started)
		p.meta.Completed = parseTime(rc.EngineInfo.Completed)
	}
	if rc.ExecutionCount > 0 {
		p.meta.ExecutionCount = rc.ExecutionCount
	}
	status := rc.Status
	if err != nil && status == protocol.ReplyOK {
		status = protocol.ReplyError
	}
	ar.finishPart(p, status, val, err)
	ar.mu.Unlock()
}

func parseTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

func (ar *AsyncResult) decodeValue(rc *replyContent, buffers [][]byte, reg *value.Registry) (any, error) {
	switch ar.kind {
	case kindApply, kindMap:
		if len(rc.Result) == 0 {
			return nil, nil
		}
		return value.Decode(&value.Encoded{Header: rc.Result, Buffers: buffers}, reg)
	case kindPull, kindGather:
		if len(rc.Values) == 0 {
			return nil, fmt.Errorf("parallel: pull reply holds no values")
		}
		vs, err := value.DecodeMany(&value.Encoded{Header: rc.Values, Buffers: buffers}, reg)
		if err != nil {
			return nil, err
		}
		if ar.names == 1 && len(vs) == 1 {
			return vs[0], nil
		}
		return vs, nil
	}
	return nil, nil
}

// finishPart completes p; ar.mu is held.
func (ar *AsyncResult) finishPart(p *part, status string, val any, err error) {
	p.done = true
	p.value = val
	p.meta.Status = status
	p.meta.Error = err
	p.meta.Received = time.Now()
	idx := 0
	for i, q := range ar.parts {
		if q == p {
			idx = i
		}
	}
	ar.order = append(ar.order, idx)
	for _, ch := range ar.streams {
		ar.emit(ch, idx, p)
	}
	ar.remaining--
	if ar.remaining == 0 {
		ar.finish()
	}
}

// emit sends the items of part idx to a Results channel. Its buffer holds every
// item the result should have; an engine that answers with more elements than it
// was sent must not block the client's reader, so extra items are dropped.
func (ar *AsyncResult) emit(ch chan Item, idx int, p *part) {
	send := func(it Item) {
		select {
		case ch <- it:
		default:
		}
	}
	if ar.kind == kindMap && p.meta.Error == nil {
		v := reflect.ValueOf(p.value)
		if v.Kind() == reflect.Slice {
			for i := range v.Len() {
				send(Item{Index: p.first + i, Engine: p.meta.EngineID, Value: v.Index(i).Interface()})
			}
			return
		}
	}
	index := idx
	if ar.kind == kindMap {
		index = p.first
	}
	send(Item{Index: index, Engine: p.meta.EngineID, Value: p.value, Err: p.meta.Error})
}

// finish assembles the result; ar.mu is held.
func (ar *AsyncResult) finish() {
	ar.finished = time.Now()
	var errs []error
	for _, p := range ar.parts {
		if p.meta.Error != nil {
			errs = append(errs, p.meta.Error)
		}
	}
	switch {
	case len(errs) == 1 && len(ar.parts) == 1:
		ar.err = errs[0]
	case len(errs) > 0:
		ar.err = &CompositeError{Method: ar.method, Errors: errs}
	default:
		ar.value = ar.assemble()
	}
	for _, ch := range ar.streams {
		close(ch)
	}
	ar.streams = nil
	close(ar.done)
	if ar.client != nil {
		ar.client.forget(ar)
	}
}

func (ar *AsyncResult) assemble() any {
	parts := ar.parts
	if !ar.ordered {
		parts = make([]*part, len(ar.order))
		for i, idx := range ar.order {
			parts[i] = ar.parts[idx]
		}
	}
	vals := make([]any, len(parts))
	for i, p := range parts {
		vals[i] = p.value
	}
	switch ar.kind {
	case kindNone:
		return nil
	case kindMap, kindGather:
		if ar.single && ar.kind == kindGather && len(vals) == 1 {
			return vals[0]
		}
		return concat(vals)
	}
	if ar.single && len(vals) == 1 {
		return vals[0]
	}
	return gatherSlice(vals)
}

// failParts fails the unfinished parts that match with err (nil match: all).
func (ar *AsyncResult) failParts(match func(*part) bool, err func(*part) error) {
	ar.mu.Lock()
	defer ar.mu.Unlock()
	for _, p := range ar.parts {
		if !p.done && (match == nil || match(p)) {
			ar.finishPart(p, protocol.ReplyError, nil, err(p))
		}
	}
}

// Get waits for the result and returns it. Results keep their Go types: an apply
// on four engines of a func returning int gives an []int, a map of a func(int) int
// gives an []int (see also [Ints], [Floats] and [AsyncResult.Into]). A request to
// several engines that failed on any returns a *CompositeError; on one engine, its
// *RemoteError or *EngineError.
//
// In a notebook, interrupting the cell stops the wait and cancels the tasks.
func (ar *AsyncResult) Get() (any, error) {
	ctx := cellContext()
	v, err := ar.GetContext(ctx)
	if err != nil && ctx.Err() != nil && !ar.Ready() {
		ar.Cancel()
	}
	return v, err
}

// GetContext waits for the result until ctx is done; it does not cancel the tasks
// then (see [AsyncResult.Cancel]).
func (ar *AsyncResult) GetContext(ctx context.Context) (any, error) {
	select {
	case <-ar.done:
	case <-ctx.Done():
		return nil, fmt.Errorf("parallel: waiting for %s: %w", ar.name, ctx.Err())
	}
	ar.mu.Lock()
	defer ar.mu.Unlock()
	return ar.value, ar.err
}

// GetTimeout waits at most d for the result; after that it returns an error
// wrapping ErrTimeout, and the tasks go on.
func (ar *AsyncResult) GetTimeout(d time.Duration) (any, error) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ar.done:
		return ar.GetContext(context.Background())
	case <-t.C:
		return nil, fmt.Errorf("parallel: %s not ready after %v: %w", ar.name, d, ErrTimeout)
	}
}

// Into waits for the result and stores it in the variable dst points to,
// converting element by element where needed, so an []any of ints fills an []int.
func (ar *AsyncResult) Into(dst any) error {
	v, err := ar.Get()
	if err != nil {
		return err
	}
	return assign(dst, v)
}

// Ready reports whether every task has finished.
func (ar *AsyncResult) Ready() bool {
	select {
	case <-ar.done:
		return true
	default:
		return false
	}
}

// Done returns a channel closed when the result is ready.
func (ar *AsyncResult) Done() <-chan struct{} { return ar.done }

// Wait waits for the result (in a notebook, until the cell is interrupted) and
// reports whether it is ready.
func (ar *AsyncResult) Wait() bool {
	select {
	case <-ar.done:
	case <-cellContext().Done():
	}
	return ar.Ready()
}

// WaitTimeout waits at most d and reports whether the result is ready.
func (ar *AsyncResult) WaitTimeout(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ar.done:
	case <-t.C:
	}
	return ar.Ready()
}

// Successful reports whether the result is ready and no task failed.
func (ar *AsyncResult) Successful() bool {
	if !ar.Ready() {
		return false
	}
	ar.mu.Lock()
	defer ar.mu.Unlock()
	return ar.err == nil
}

// Err returns the result's error once it is ready, nil before.
func (ar *AsyncResult) Err() error {
	if !ar.Ready() {
		return nil
	}
	ar.mu.Lock()
	defer ar.mu.Unlock()
	return ar.err
}

// MsgIDs returns the ids of the request messages, one per task.
func (ar *AsyncResult) MsgIDs() []string {
	ar.mu.Lock()
	defer ar.mu.Unlock()
	var ids []string
	seen := map[string]bool{}
	for _, p := range ar.parts {
		if !seen[p.msgID] {
			seen[p.msgID] = true
			ids = append(ids, p.msgID)
		}
	}
	return ids
}

// Len returns the number of tasks (engines, or chunks of a load-balanced map).
func (ar *AsyncResult) Len() int {
	ar.mu.Lock()
	defer ar.mu.Unlock()
	return len(ar.parts)
}

// Progress returns how many tasks have finished.
func (ar *AsyncResult) Progress() int {
	ar.mu.Lock()
	defer ar.mu.Unlock()
	return len(ar.parts) - ar.remaining
}

// Elapsed returns the time from submission to the last reply, or until now while
// tasks are pending.
func (ar *AsyncResult) Elapsed() time.Duration {
	ar.mu.Lock()
	defer ar.mu.Unlock()
	if ar.finished.IsZero() {
		return time.Since(ar.submitted)
	}
	return ar.finished.Sub(ar.submitted)
}

// Metadata returns a copy of the metadata of every task, in submission order.
func (ar *AsyncResult) Metadata() []Metadata {
	ar.mu.Lock()
	defer ar.mu.Unlock()
	out := make([]Metadata, len(ar.parts))
	for i, p := range ar.parts {
		out[i] = p.meta
		out[i].Outputs = append([]Output(nil), p.meta.Outputs...)
	}
	return out
}

// EngineIDs returns the engine of every task, in submission order (-1 if unknown).
func (ar *AsyncResult) EngineIDs() []int {
	md := ar.Metadata()
	ids := make([]int, len(md))
	for i, m := range md {
		ids[i] = m.EngineID
	}
	return ids
}

// Stdout returns what every task printed to stdout, in submission order.
func (ar *AsyncResult) Stdout() []string {
	md := ar.Metadata()
	out := make([]string, len(md))
	for i, m := range md {
		out[i] = m.Stdout
	}
	return out
}

// Stderr returns what every task printed to stderr, in submission order.
func (ar *AsyncResult) Stderr() []string {
	md := ar.Metadata()
	out := make([]string, len(md))
	for i, m := range md {
		out[i] = m.Stderr
	}
	return out
}

// Results returns a channel that delivers the result's items as they arrive, in
// completion order (Item.Index places them), and is closed when all have arrived:
// the elements of a map, or one item per engine otherwise. Items that arrived
// before the call are delivered first. Abandoning the channel leaks nothing.
func (ar *AsyncResult) Results() <-chan Item {
	ar.mu.Lock()
	defer ar.mu.Unlock()
	size := len(ar.parts)
	if ar.kind == kindMap {
		size = 0
		for _, p := range ar.parts {
			size += max(p.n, 1)
		}
	}
	ch := make(chan Item, size)
	for _, idx := range ar.order {
		ar.emit(ch, idx, ar.parts[idx])
	}
	if ar.remaining == 0 {
		close(ch)
	} else {
		ar.streams = append(ar.streams, ch)
	}
	return ch
}

// DisplayOutputs prints what the engines printed, labelled like IPython's
// "[stdout:0] Hello world!", then their execute results, "Out[0:3]: 42".
func (ar *AsyncResult) DisplayOutputs() {
	ar.WriteOutputs(stdout())
}

// WriteOutputs writes what DisplayOutputs prints to w.
func (ar *AsyncResult) WriteOutputs(w io.Writer) {
	for _, m := range ar.Metadata() {
		for _, s := range []struct{ name, text string }{{"stdout", m.Stdout}, {"stderr", m.Stderr}} {
			if s.text == "" {
				continue
			}
			text := strings.TrimSuffix(s.text, "\n")
			if strings.Contains(text, "\n") {
				fmt.Fprintf(w, "[%s:%d] \n%s\n", s.name, m.EngineID, text)
			} else {
				fmt.Fprintf(w, "[%s:%d] %s\n", s.name, m.EngineID, text)
			}
		}
	}
	for _, m := range ar.Metadata() {
		if plain, ok := m.ExecuteResult["text/plain"].(string); ok {
			fmt.Fprintf(w, "Out[%d:%d]: %s\n", m.EngineID, m.ExecutionCount, plain)
		}
	}
}

// progressTick is how often WaitInteractive redraws its progress.
const progressTick = 100 * time.Millisecond

// WaitInteractive waits for the result while showing its progress: in a notebook a
// bar updated in place, elsewhere a line of text on stderr. Interrupting the cell
// stops the wait (the tasks go on; see [AsyncResult.Cancel]).
func (ar *AsyncResult) WaitInteractive() {
	h := currentHooks()
	id := "parallel-progress-" + protocol.NewID()
	show := func(update bool) {
		done, total := ar.Progress(), ar.Len()
		text := fmt.Sprintf("%s: %d/%d tasks finished after %.1fs", ar.name, done, total, ar.Elapsed().Seconds())
		if h.Display != nil {
			pct := 100.0
			if total > 0 {
				pct = 100 * float64(done) / float64(total)
			}
			html := fmt.Sprintf(`<div><progress value="%d" max="%d" style="width:30em"></progress> %s</div>`,
				done, total, htmlEscape(text))
			_ = h.Display(id, map[string]any{"text/plain": fmt.Sprintf("%s (%.0f%%)", text, pct), "text/html": html}, update)
			return
		}
		end := ""
		if ar.Ready() {
			end = "\n"
		}
		fmt.Fprintf(stderr(), "\r%s%s", text, end)
	}
	show(false)
	tick := time.NewTicker(progressTick)
	defer tick.Stop()
	ctx := cellContext()
	for !ar.Ready() {
		select {
		case <-ar.done:
		case <-tick.C:
			show(true)
		case <-ctx.Done():
			return
		}
	}
	show(true)
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// Abort asks for the tasks of this result that have not started to be dropped;
// they finish with errors wrapping ErrAborted. Running tasks go on.
func (ar *AsyncResult) Abort() error {
	_, err := ar.abort()
	return err
}

func (ar *AsyncResult) abort() (map[string]int, error) {
	if ar.client == nil {
		return nil, nil
	}
	ids := ar.pendingMsgIDs()
	if len(ids) == 0 {
		return nil, nil
	}
	return ar.client.abort(ids, ar.pendingTargets())
}

// pendingTargets returns the engines unfinished direct tasks were sent to, or nil
// (meaning all) when a task was load-balanced.
func (ar *AsyncResult) pendingTargets() []int {
	ar.mu.Lock()
	defer ar.mu.Unlock()
	seen := map[int]bool{}
	var ids []int
	for _, p := range ar.parts {
		if p.done {
			continue
		}
		if p.target < 0 {
			return nil
		}
		if !seen[p.target] {
			seen[p.target] = true
			ids = append(ids, p.target)
		}
	}
	sort.Ints(ids)
	return ids
}

// Cancel aborts the tasks of this result that have not started and interrupts the
// engines running the others.
func (ar *AsyncResult) Cancel() error {
	if ar.client == nil {
		return nil
	}
	running, err := ar.abort()
	ar.mu.Lock()
	engines := map[int][]string{}
	for _, p := range ar.parts {
		if p.done {
			continue
		}
		e := p.meta.EngineID
		if r, ok := running[p.msgID]; ok && e < 0 {
			e = r
		}
		if e >= 0 {
			engines[e] = append(engines[e], p.msgID)
		}
	}
	ar.mu.Unlock()
	keys := make([]int, 0, len(engines))
	for e := range engines {
		keys = append(keys, e)
	}
	sort.Ints(keys)
	for _, e := range keys {
		if ierr := ar.client.interrupt(e, engines[e]); err == nil {
			err = ierr
		}
	}
	return err
}

func (ar *AsyncResult) pendingMsgIDs() []string {
	ar.mu.Lock()
	defer ar.mu.Unlock()
	var ids []string
	seen := map[string]bool{}
	for _, p := range ar.parts {
		if !p.done && !seen[p.msgID] {
			seen[p.msgID] = true
			ids = append(ids, p.msgID)
		}
	}
	return ids
}

// String reads like IPython's, "<AsyncResult: apply>".
func (ar *AsyncResult) String() string {
	if ar == nil {
		return "<AsyncResult: nil>"
	}
	if ar.client == nil && ar.err != nil {
		return fmt.Sprintf("<AsyncResult: %s failed: %v>", ar.name, ar.err)
	}
	return "<AsyncResult: " + ar.name + ">"
}
