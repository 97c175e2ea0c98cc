package parallel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/goparallel/goparallel/parallel/profile"
	"github.com/goparallel/goparallel/protocol"
	"github.com/goparallel/goparallel/protocol/transport"
	"github.com/goparallel/goparallel/protocol/value"
)

// Lock order: AsyncResult.mu may be held while taking Client.mu (a finishing result
// removes itself from the pending map), never the other way round.

// Client is a connection to a cluster's controller: IPython Parallel's Client. It
// knows the engines, makes views on them, and routes every reply and every output
// of the engines to the AsyncResult waiting for it. One goroutine reads the
// controller's replies and one its engine notifications; Close stops both.
type Client struct {
	conn    protocol.ClientConnection
	session string
	reg     *value.Registry
	timeout time.Duration
	log     *slog.Logger

	sock   *transport.Socket // DEALER to the controller's client ROUTER
	notify *transport.Socket // SUB to the controller's notify PUB
	cancel context.CancelFunc
	wg     sync.WaitGroup

	cluster *Cluster // the cluster this client started, stopped by Shutdown

	mu      sync.Mutex
	closed  bool
	engines map[int]protocol.EngineInfo
	changed chan struct{} // closed and replaced whenever engines changes
	pending map[string]*AsyncResult
	calls   map[string]chan *protocol.Message
	history map[string]*AsyncResult // finished results, for Result
	histQ   []string
}

// historySize bounds how many finished results a client remembers for Result.
const historySize = 4096

// Option configures [Connect].
type Option func(*options)

type options struct {
	profile, clusterID, file string
	conn                     *protocol.ClientConnection
	timeout                  time.Duration
	reg                      *value.Registry
	log                      *slog.Logger
}

// WithProfile selects the profile whose cluster to connect to ("default" if unset).
func WithProfile(name string) Option { return func(o *options) { o.profile = name } }

// WithClusterID selects a cluster of the profile by its id.
func WithClusterID(id string) Option { return func(o *options) { o.clusterID = id } }

// WithConnectionFile names the controller's client connection file
// (ipcontroller-client.json) directly, instead of finding it in a profile.
func WithConnectionFile(path string) Option { return func(o *options) { o.file = path } }

// WithConnection connects with the given connection info, read from no file.
func WithConnection(info protocol.ClientConnection) Option {
	return func(o *options) { o.conn = &info }
}

// WithTimeout bounds how long Connect waits for the connection file to appear and
// for the controller to answer (10 s by default).
func WithTimeout(d time.Duration) Option { return func(o *options) { o.timeout = d } }

// WithRegistry gives the value codec's type registry, so values of named types
// arrive as themselves. By default the kernel's registry (see [Hooks]) is used.
func WithRegistry(r *value.Registry) Option { return func(o *options) { o.reg = r } }

// WithLogger sets where the client logs dropped messages (slog.Default() if unset).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// DefaultTimeout is how long Connect waits by default.
const DefaultTimeout = 10 * time.Second

// Connect connects to a running cluster; with no options, the default profile's
// cluster, like IPython Parallel's Client(). It waits for the connection file to
// appear, so a cluster being started can be connected to at once.
func Connect(opts ...Option) (*Client, error) {
	return ConnectContext(context.Background(), opts...)
}

// NewClient is Connect under IPython's name.
func NewClient(opts ...Option) (*Client, error) { return Connect(opts...) }

// ConnectContext is Connect with a context bounding the whole connection.
func ConnectContext(ctx context.Context, opts ...Option) (*Client, error) {
	o := options{timeout: DefaultTimeout}
	for _, opt := range opts {
		opt(&o)
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	conn := o.conn
	if conn == nil {
		path := o.file
		if path == "" {
			p, err := profile.Find(o.profile)
			if err != nil {
				return nil, err
			}
			if err := profile.ValidClusterID(o.clusterID); err != nil {
				return nil, err
			}
			path = p.ClientFile(o.clusterID)
		}
		var err error
		if conn, err = readClientFile(ctx, path); err != nil {
			return nil, err
		}
	}
	return dial(ctx, *conn, o)
}

// readClientFile waits for path to exist and holds a connection, then reads it.
func readClientFile(ctx context.Context, path string) (*protocol.ClientConnection, error) {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		b, err := os.ReadFile(path)
		if err == nil {
			var cc protocol.ClientConnection
			if err = json.Unmarshal(b, &cc); err == nil && cc.ClientPort != 0 {
				return &cc, nil
			}
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			if _, ok := err.(*json.SyntaxError); !ok {
				return nil, fmt.Errorf("parallel: reading %s: %w", path, err)
			}
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("parallel: no cluster: %s did not appear (start one with `goparallel ipcluster start`): %w", path, ErrTimeout)
		case <-tick.C:
		}
	}
}

func endpoint(cc protocol.ClientConnection, port int) string {
	ip := cc.IP
	if ip == "" || ip == "0.0.0.0" || ip == "*" {
		ip = "127.0.0.1"
		if cc.Location != "" {
			ip = cc.Location
		}
	}
	if cc.Transport == "ipc" {
		return "ipc://" + cc.IP + "-" + strconv.Itoa(port)
	}
	return "tcp://" + ip + ":" + strconv.Itoa(port)
}

func dial(ctx context.Context, cc protocol.ClientConnection, o options) (*Client, error) {
	codec, err := protocol.NewCodec(cc.SignatureScheme, []byte(cc.Key))
	if err != nil {
		return nil, fmt.Errorf("parallel: %w", err)
	}
	if cc.Transport == "" {
		cc.Transport = "tcp"
	}
	c := &Client{
		conn: cc, session: protocol.NewID(), reg: o.reg, timeout: o.timeout, log: o.log,
		engines: map[int]protocol.EngineInfo{}, changed: make(chan struct{}),
		pending: map[string]*AsyncResult{}, calls: map[string]chan *protocol.Message{},
		history: map[string]*AsyncResult{},
	}
	sctx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	topts := transport.Options{Identity: c.session, Logger: o.log}
	if c.sock, err = transport.Dial(sctx, transport.Dealer, endpoint(cc, cc.ClientPort), codec, topts); err != nil {
		cancel()
		return nil, fmt.Errorf("parallel: connecting to the controller: %w", err)
	}
	if cc.NotifyPort != 0 {
		if c.notify, err = transport.Dial(sctx, transport.Sub, endpoint(cc, cc.NotifyPort), codec, transport.Options{Logger: o.log}); err != nil {
			c.sock.Close()
			cancel()
			return nil, fmt.Errorf("parallel: connecting to the controller's notifications: %w", err)
		}
	}
	c.wg.Add(1)
	go c.readReplies()
	if c.notify != nil {
		c.wg.Add(1)
		go c.readNotifications()
	}
	m, err := c.call(ctx, protocol.MsgConnectionRequest, protocol.TaskMetadata{Scheduler: protocol.SchedControl}, nil)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("parallel: controller did not answer: %w", err)
	}
	var reply protocol.ConnectionReply
	if err := m.DecodeContent(&reply); err != nil {
		c.Close()
		return nil, err
	}
	c.mu.Lock()
	for _, e := range reply.Engines {
		c.engines[e.ID] = e
	}
	c.signalLocked()
	c.mu.Unlock()
	return c, nil
}

func (c *Client) registry() *value.Registry {
	if c.reg != nil {
		return c.reg
	}
	return currentHooks().Registry
}

// signalLocked wakes everyone waiting for the engines to change; c.mu is held.
func (c *Client) signalLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// readReplies is the client's one reader: it routes each message to the result or
// call waiting for it, by the id of the request it answers.
func (c *Client) readReplies() {
	defer c.wg.Done()
	reg := c.registry()
	for {
		m, err := c.sock.Recv()
		if err != nil {
			c.failAll(ErrClosed)
			return
		}
		id := m.Parent.MsgID
		c.mu.Lock()
		ar := c.pending[id]
		ch := c.calls[id]
		if ch != nil {
			delete(c.calls, id)
		}
		c.mu.Unlock()
		switch {
		case ch != nil:
			ch <- m
		case ar == nil:
			// Output of a task this client no longer waits for, or a late reply.
		case isReply(m.Header.MsgType):
			ar.handleReply(m, reg)
		default:
			ar.handleOutput(m)
		}
	}
}

func isReply(t string) bool {
	return len(t) > 6 && t[len(t)-6:] == "_reply"
}

// readNotifications follows engines registering and dying.
func (c *Client) readNotifications() {
	defer c.wg.Done()
	for {
		m, err := c.notify.Recv()
		if err != nil {
			return
		}
		var n protocol.EngineNotification
		if m.DecodeContent(&n) != nil {
			continue
		}
		switch m.Header.MsgType {
		case protocol.MsgEngineAdded:
			c.mu.Lock()
			c.engines[n.Engine.ID] = n.Engine
			c.signalLocked()
			c.mu.Unlock()
		case protocol.MsgEngineDied:
			c.mu.Lock()
			delete(c.engines, n.Engine.ID)
			c.signalLocked()
			ars := make([]*AsyncResult, 0, len(c.pending))
			for _, ar := range c.pending {
				ars = append(ars, ar)
			}
			c.mu.Unlock()
			c.engineDied(ars, n.Engine.ID, n.Reason)
		}
	}
}

// engineDied fails the tasks sent directly to a dead engine. Load-balanced tasks
// are the controller's to resubmit or fail, since it knows where they run.
func (c *Client) engineDied(ars []*AsyncResult, id int, reason string) {
	for _, ar := range ars {
		ar.failParts(func(p *part) bool { return p.target == id },
			func(p *part) error { return &EngineError{EngineID: id, Method: ar.method, Reason: reason} })
	}
}

func (c *Client) failAll(err error) {
	c.mu.Lock()
	ars := make([]*AsyncResult, 0, len(c.pending))
	for _, ar := range c.pending {
		ars = append(ars, ar)
	}
	for id, ch := range c.calls {
		close(ch)
		delete(c.calls, id)
	}
	c.mu.Unlock()
	for _, ar := range ars {
		ar.failParts(nil, func(*part) error { return err })
	}
}

// forget moves a finished result from the pending map to the bounded history.
func (c *Client) forget(ar *AsyncResult) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for id := range ar.byMsg {
		delete(c.pending, id)
		if _, ok := c.history[id]; !ok {
			c.history[id] = ar
			c.histQ = append(c.histQ, id)
		}
	}
	for len(c.histQ) > historySize {
		delete(c.history, c.histQ[0])
		c.histQ = c.histQ[1:]
	}
}

// request is one message of a submission and the parts of the result it answers.
type request struct {
	msg   *protocol.Message
	parts []partSpec
}

type partSpec struct{ target, first, n int }

func (c *Client) newMessage(msgType string, meta protocol.TaskMetadata, content any, buffers [][]byte) (*protocol.Message, error) {
	m, err := protocol.NewMessage(msgType, c.session, nil, content)
	if err != nil {
		return nil, err
	}
	if err := m.SetMetadata(meta); err != nil {
		return nil, err
	}
	m.Buffers = buffers
	return m, nil
}

// submit registers every part of ar, then sends the requests: a reply can only find
// its result complete once all of its parts exist.
func (c *Client) submit(ar *AsyncResult, reqs []request) *AsyncResult {
	ar.mu.Lock()
	for _, r := range reqs {
		for _, p := range r.parts {
			ar.addPart(r.msg.Header.MsgID, p.target, p.first, p.n)
		}
	}
	empty := len(ar.parts) == 0
	if empty {
		ar.finish()
	}
	ar.mu.Unlock()
	if empty {
		return ar
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		ar.failParts(nil, func(*part) error { return ErrClosed })
		return ar
	}
	for _, r := range reqs {
		c.pending[r.msg.Header.MsgID] = ar
	}
	c.mu.Unlock()
	for _, r := range reqs {
		if err := c.sock.Send(r.msg); err != nil {
			id := r.msg.Header.MsgID
			ar.failParts(func(p *part) bool { return p.msgID == id },
				func(*part) error { return fmt.Errorf("parallel: sending %s: %w", ar.method, err) })
		}
	}
	return ar
}

// call sends a request to the controller and waits for its reply.
func (c *Client) call(ctx context.Context, msgType string, meta protocol.TaskMetadata, content any) (*protocol.Message, error) {
	m, err := c.newMessage(msgType, meta, content, nil)
	if err != nil {
		return nil, err
	}
	ch := make(chan *protocol.Message, 1)
	c.mu.Lock()
	if c.closed && msgType != protocol.MsgShutdownRequest {
		c.mu.Unlock()
		return nil, ErrClosed
	}
	c.calls[m.Header.MsgID] = ch
	c.mu.Unlock()
	drop := func() {
		c.mu.Lock()
		delete(c.calls, m.Header.MsgID)
		c.mu.Unlock()
	}
	if err := c.sock.Send(m); err != nil {
		drop()
		return nil, err
	}
	select {
	case r, ok := <-ch:
		if !ok {
			return nil, ErrClosed
		}
		var st struct {
			Status string `json:"status"`
			protocol.ErrorContent
		}
		if r.DecodeContent(&st) == nil && st.Status == protocol.ReplyError {
			return r, &RemoteError{EngineID: -1, Method: msgType, EName: st.EName, EValue: st.EValue, Traceback: st.Traceback}
		}
		return r, nil
	case <-ctx.Done():
		drop()
		return nil, fmt.Errorf("parallel: %s: %w", msgType, errors.Join(ErrTimeout, ctx.Err()))
	}
}

func (c *Client) callTimeout(msgType string, meta protocol.TaskMetadata, content any) (*protocol.Message, error) {
	ctx, cancel := context.WithTimeout(cellContext(), c.timeout)
	defer cancel()
	return c.call(ctx, msgType, meta, content)
}

// IDs returns the ids of the registered engines, in increasing order.
func (c *Client) IDs() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	ids := make([]int, 0, len(c.engines))
	for id := range c.engines {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	return ids
}

// Len returns the number of registered engines (Python's len(client)).
func (c *Client) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.engines)
}

// Engines returns what is known of each registered engine, by id.
func (c *Client) Engines() []protocol.EngineInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]protocol.EngineInfo, 0, len(c.engines))
	for _, e := range c.engines {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// WaitForEngines waits until at least n engines are registered, or ctx is done.
func (c *Client) WaitForEngines(ctx context.Context, n int) error {
	for {
		c.mu.Lock()
		have, changed, closed := len(c.engines), c.changed, c.closed
		c.mu.Unlock()
		if have >= n {
			return nil
		}
		if closed {
			return ErrClosed
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("parallel: %d of %d engines registered: %w", have, n, errors.Join(ErrTimeout, ctx.Err()))
		}
	}
}

// DirectView returns a view of all engines, resolved at each request: IPython's
// client.direct_view(). Like every view, it starts non-blocking.
func (c *Client) DirectView() *DirectView {
	return &DirectView{client: c, sched: protocol.SchedDirect}
}

// View returns a view of the given engines, or of all engines at each request when
// none are given.
func (c *Client) View(ids ...int) *DirectView {
	v := c.DirectView()
	if len(ids) > 0 {
		v.Targets = append([]int(nil), ids...)
	}
	return v
}

// Slice returns a view of the engines selected by a Python slice of the current
// ids: Slice(":") is the lecture's c[:], Slice("1:3") is c[1:3], Slice("::2") is
// c[::2], Slice("-1") is c[-1]. A single index makes a view whose results are one
// value, not a list. An invalid spec gives a view whose every request fails with
// the parse error.
func (c *Client) Slice(spec string) *DirectView {
	v := c.DirectView()
	ids, single, err := selectIDs(spec, c.IDs())
	if err != nil {
		v.err = err
		return v
	}
	v.Targets, v.single = ids, single
	return v
}

// LoadBalancedView returns a view that lets the controller pick an engine for each
// task, among ids (all engines when none are given).
func (c *Client) LoadBalancedView(ids ...int) *LoadBalancedView {
	v := &LoadBalancedView{client: c}
	if len(ids) > 0 {
		v.Targets = append([]int(nil), ids...)
	}
	return v
}

// BroadcastView returns a view like [Client.View] whose requests leave the client as
// one message that the controller copies to every target, which is cheaper for
// many engines.
func (c *Client) BroadcastView(ids ...int) *BroadcastView {
	v := c.View(ids...)
	v.sched = protocol.SchedBroadcast
	return &BroadcastView{DirectView: *v}
}

// EngineQueue is one engine's queue state.
type EngineQueue struct {
	Queue     int // tasks sent to the engine and not yet answered
	Completed int // tasks answered
	Tasks     int // of which load-balanced
}

// QueueStatus reports, per engine id, the engines' queues, and in Unassigned the
// load-balanced tasks waiting for an engine.
type QueueStatus struct {
	Engines    map[int]EngineQueue
	Unassigned int
}

// QueueStatus asks the controller for the state of the engines' queues.
func (c *Client) QueueStatus() (QueueStatus, error) {
	m, err := c.callTimeout(protocol.MsgQueueRequest, protocol.TaskMetadata{Scheduler: protocol.SchedControl}, nil)
	if err != nil {
		return QueueStatus{}, err
	}
	var r protocol.QueueReply
	if err := m.DecodeContent(&r); err != nil {
		return QueueStatus{}, err
	}
	qs := QueueStatus{Engines: map[int]EngineQueue{}, Unassigned: r.Unassigned}
	for k, q := range r.Engines {
		if id, err := strconv.Atoi(k); err == nil {
			qs.Engines[id] = EngineQueue(q)
		}
	}
	return qs, nil
}

// Abort asks for the tasks with the given message ids (every queued task of this
// client when none are given) to be dropped before they run.
func (c *Client) Abort(msgIDs ...string) error {
	_, err := c.abort(msgIDs, nil)
	return err
}

// abortReply is the controller's answer to a load-balanced abort_request.
type abortReply struct {
	Status  string         `json:"status"`
	Aborted []string       `json:"aborted"`
	Running map[string]int `json:"running,omitempty"` // msg id → engine running it
}

// abort drops queued tasks: the controller drops the load-balanced tasks it still
// holds, and each of targets (all engines when nil) the direct tasks queued on it.
// It returns, for the tasks already running, the engines running them.
func (c *Client) abort(msgIDs []string, targets []int) (map[string]int, error) {
	var running map[string]int
	// Not the cell's context: an interrupted cell aborts its tasks through here.
	ctx, cancel := context.WithTimeout(context.Background(), min(c.timeout, 5*time.Second))
	defer cancel()
	m, err := c.call(ctx, protocol.MsgAbortRequest, protocol.TaskMetadata{Scheduler: protocol.SchedBalanced},
		protocol.AbortRequest{MsgIDs: msgIDs})
	if err == nil {
		var r abortReply
		if m.DecodeContent(&r) == nil {
			running = r.Running
		}
	}
	if targets == nil {
		targets = c.IDs()
	}
	for _, id := range targets {
		dm, derr := c.newMessage(protocol.MsgAbortRequest,
			protocol.TaskMetadata{Scheduler: protocol.SchedDirect, Targets: []int{id}},
			protocol.AbortRequest{MsgIDs: msgIDs}, nil)
		if derr == nil {
			derr = c.sock.Send(dm)
		}
		if err == nil {
			err = derr
		}
	}
	return running, err
}

// interruptRequest is the content of the interrupt_request the client sends to stop
// running tasks.
type interruptRequest struct {
	MsgIDs []string `json:"msg_ids,omitempty"`
}

// interrupt asks an engine to interrupt the task it is running.
func (c *Client) interrupt(engine int, msgIDs []string) error {
	meta := protocol.TaskMetadata{Scheduler: protocol.SchedDirect, Targets: []int{engine}}
	m, err := c.newMessage("interrupt_request", meta, interruptRequest{MsgIDs: msgIDs}, nil)
	if err != nil {
		return err
	}
	return c.sock.Send(m)
}

// Purge drops results stored by the controller (all when no ids are given).
func (c *Client) Purge(msgIDs ...string) error {
	_, err := c.callTimeout(protocol.MsgPurgeRequest, protocol.TaskMetadata{Scheduler: protocol.SchedControl},
		protocol.PurgeRequest{MsgIDs: msgIDs})
	return err
}

// Result returns the result of earlier requests by message id: this client's own
// results while it remembers them, otherwise the records the controller stores
// (only small results are stored; bulk buffers are not).
func (c *Client) Result(msgIDs ...string) *AsyncResult {
	c.mu.Lock()
	if len(msgIDs) > 0 {
		first := c.history[msgIDs[0]]
		if first == nil {
			first = c.pending[msgIDs[0]]
		}
		if first != nil && len(first.byMsg) == len(msgIDs) {
			all := true
			for _, id := range msgIDs {
				all = all && first.byMsg[id] != nil
			}
			if all {
				c.mu.Unlock()
				return first
			}
		}
	}
	c.mu.Unlock()
	m, err := c.callTimeout(protocol.MsgResultRequest, protocol.TaskMetadata{Scheduler: protocol.SchedControl},
		protocol.ResultRequest{MsgIDs: msgIDs})
	if err != nil {
		return failed("result", err)
	}
	var rr protocol.ResultReply
	if err := m.DecodeContent(&rr); err != nil {
		return failed("result", err)
	}
	ar := newResult(nil, "result", "apply", kindApply)
	ar.single = len(msgIDs) == 1
	reg := c.registry()
	for _, id := range msgIDs {
		ar.addPart(id, -1, 0, 0)
	}
	for _, id := range msgIDs {
		rec, ok := rr.Results[id]
		p := ar.byMsg[id][0]
		p.meta.EngineID = rec.EngineID
		p.meta.Submitted = parseTime(rec.Submitted)
		p.meta.Completed = parseTime(rec.Completed)
		switch {
		case !ok || rec.Status == "unknown":
			ar.finishPart(p, "unknown", nil, fmt.Errorf("parallel: no result stored for %s", id))
		case rec.Status == "pending":
			ar.finishPart(p, "pending", nil, fmt.Errorf("parallel: task %s is still running (on another client): %w", id, ErrTimeout))
		default:
			reply := &protocol.Message{Header: protocol.Header{MsgType: protocol.MsgApplyReply}, Parent: protocol.Header{MsgID: id},
				Content: rec.Reply, Metadata: json.RawMessage(`{"engine":` + strconv.Itoa(rec.EngineID) + `}`)}
			if len(rec.Reply) == 0 {
				reply.Content = json.RawMessage(`{"status":"` + rec.Status + `"}`)
			}
			ar.handleReply(reply, reg)
		}
	}
	return ar
}

// Close disconnects from the controller, stops the client's goroutines and fails
// the results still pending with ErrClosed. The cluster keeps running.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.signalLocked()
	c.mu.Unlock()
	err := c.sock.Close()
	if c.notify != nil {
		c.notify.Close()
	}
	c.cancel()
	c.wg.Wait()
	c.failAll(ErrClosed)
	return err
}

// Shutdown stops the cluster: the controller and every engine (and, for a cluster
// started by [StartCluster], its processes), then closes the client.
func (c *Client) Shutdown() error {
	_, err := c.callTimeout(protocol.MsgShutdownRequest, protocol.TaskMetadata{Scheduler: protocol.SchedControl},
		protocol.ShutdownRequest{})
	if cerr := c.Close(); err == nil {
		err = cerr
	}
	if c.cluster != nil {
		if serr := c.cluster.Stop(); err == nil {
			err = serr
		}
	}
	return err
}

// String describes the client, "<Client: 4 engines>".
func (c *Client) String() string {
	return fmt.Sprintf("<Client: %d engines>", c.Len())
}
