package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/goparallel/goparallel/protocol"
	"github.com/goparallel/goparallel/protocol/transport"
)

// Defaults of Options.
const (
	DefaultControllerTimeout   = 30 * time.Second
	DefaultRegistrationTimeout = 10 * time.Second
	DefaultHeartbeatPeriod     = time.Second
)

// ErrControllerGone is returned by Run when the controller could not be reached
// for longer than Options.ControllerTimeout.
var ErrControllerGone = errors.New("engine: controller gone")

// ErrRejected is wrapped by the error Run returns when the controller refuses
// the engine's registration (for instance, a requested id is taken).
var ErrRejected = errors.New("engine: registration rejected")

// Options configure an Engine.
type Options struct {
	// Connection says where the controller's engine socket is and how messages are
	// signed. Required.
	Connection *protocol.EngineConnection
	// Reload, when set, is called before every reconnection to pick up connection
	// info a restarted controller rewrote (its ports and key may have changed). An
	// error keeps the previous info.
	Reload func() (*protocol.EngineConnection, error)
	// RequestedID is the engine id to ask for; -1 lets the controller choose.
	RequestedID int
	// ControllerTimeout is how long the engine keeps trying to reach a controller
	// that went away before it exits with ErrControllerGone. Zero means
	// DefaultControllerTimeout.
	ControllerTimeout time.Duration
	// RegistrationTimeout bounds the wait for a registration reply. Zero means
	// DefaultRegistrationTimeout.
	RegistrationTimeout time.Duration
	// HeartbeatPeriod is used when the controller's registration reply names none.
	HeartbeatPeriod time.Duration
	// NewInterpreter builds the engine's interpreter; nil means
	// NewSessionInterpreter (kernel/session).
	NewInterpreter func(InterpreterConfig) (Interpreter, error)
	// Logger receives the engine's own log; nil means slog.Default().
	Logger *slog.Logger
}

// Engine is one engine: a connection to the controller and an interpreter that
// runs the tasks it receives, one at a time, in arrival order.
type Engine struct {
	opts  Options
	uuid  string // routing identity and registration uuid
	sess  string // session id of the messages the engine sends
	log   *slog.Logger
	ident *Identity

	interp Interpreter
	queue  *taskQueue
	out    *streamer
	stdout io.Writer // the engine's stdout stream, for magics' own output
	apply  *applyCache

	// sock is the current connection to the controller, nil while disconnected.
	// Messages sent while disconnected are dropped: a controller that restarted
	// knows nothing of the tasks they answer.
	sockMu sync.RWMutex
	sock   *transport.Socket

	// running is the cancel function of the task being run, for interrupts.
	runMu   sync.Mutex
	running context.CancelFunc

	execCount int // touched only by the executor goroutine

	stop     context.CancelFunc // ends Run; set by Run
	shutdown atomic.Bool        // a shutdown_request was received

	// registered is closed once the receiver has applied the first successful
	// registration reply: from then on ID and Size are the controller's.
	registered     chan struct{}
	registeredOnce sync.Once
}

// New returns an engine; nothing is connected until Run.
func New(opts Options) (*Engine, error) {
	if opts.Connection == nil {
		return nil, errors.New("engine: no connection info")
	}
	if opts.ControllerTimeout <= 0 {
		opts.ControllerTimeout = DefaultControllerTimeout
	}
	if opts.RegistrationTimeout <= 0 {
		opts.RegistrationTimeout = DefaultRegistrationTimeout
	}
	if opts.HeartbeatPeriod <= 0 {
		opts.HeartbeatPeriod = DefaultHeartbeatPeriod
	}
	if opts.NewInterpreter == nil {
		opts.NewInterpreter = NewSessionInterpreter
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	host, _ := os.Hostname()
	e := &Engine{
		opts:  opts,
		uuid:  protocol.NewID(),
		sess:  protocol.NewID(),
		log:   log,
		ident: newIdentity(host),
		queue: newTaskQueue(),
		apply: newApplyCache(),

		registered: make(chan struct{}),
	}
	e.out = newStreamer(e.sess, e.send, e.outputMeta)
	e.stdout = e.out.writer("stdout")
	in, err := opts.NewInterpreter(InterpreterConfig{
		Stdout:         e.stdout,
		Stderr:         e.out.writer("stderr"),
		Identity:       e.ident,
		GoroutinePanic: e.goroutinePanic,
		Display:        publisher{e},
	})
	if err != nil {
		return nil, fmt.Errorf("engine: starting interpreter: %w", err)
	}
	e.interp = in
	return e, nil
}

// UUID returns the engine's registration uuid (its routing identity).
func (e *Engine) UUID() string { return e.uuid }

// Identity returns the engine's id and cluster size.
func (e *Engine) Identity() *Identity { return e.ident }

// Registered returns a channel that is closed once the engine has registered
// with a controller for the first time and taken the id and cluster size it
// was given. It stays closed across reconnections.
func (e *Engine) Registered() <-chan struct{} { return e.registered }

// markRegistered closes Registered's channel, once.
func (e *Engine) markRegistered() {
	e.registeredOnce.Do(func() { close(e.registered) })
}

// Run connects to the controller, registers, and serves tasks until ctx is done
// (nil), a shutdown_request arrives (nil), the controller stays unreachable for
// ControllerTimeout (ErrControllerGone) or refuses the engine (ErrRejected).
//
// A task stuck in native code cannot be stopped; Run does not wait for it, so
// the caller should exit the process after Run returns.
func (e *Engine) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	e.stop = cancel

	var wg sync.WaitGroup
	flushCtx, stopFlush := context.WithCancel(context.Background())
	wg.Go(func() { e.out.run(flushCtx) })
	execDone := make(chan struct{})
	go func() {
		defer close(execDone)
		e.executeLoop(ctx)
	}()

	err := e.connectLoop(ctx)
	cancel()
	e.interruptRunning()
	// A task in native code ignores cancellation; give it a moment so its reply
	// and output still go out, but never hang the exit on it.
	select {
	case <-execDone:
	case <-time.After(time.Second):
		e.log.Warn("engine: exiting with a task still running")
	}
	stopFlush()
	wg.Wait()
	if e.shutdown.Load() {
		return nil
	}
	return err
}

// send sends m on the current connection, or drops it while disconnected.
func (e *Engine) send(m *protocol.Message) {
	e.sockMu.RLock()
	s := e.sock
	e.sockMu.RUnlock()
	if s == nil {
		e.log.Debug("engine: dropped message while disconnected", "type", m.Header.MsgType)
		return
	}
	if err := s.Send(m); err != nil {
		e.log.Warn("engine: send failed", "type", m.Header.MsgType, "err", err)
	}
}

func (e *Engine) setSocket(s *transport.Socket) {
	e.sockMu.Lock()
	e.sock = s
	e.sockMu.Unlock()
}

// outputMeta is the metadata of every output message: which engine it is from.
func (e *Engine) outputMeta() []byte {
	return fmt.Appendf(nil, `{"engine":%d}`, e.ident.ID())
}

// goroutinePanic reports a panic in a goroutine user code started, as an error
// output of the current (or last) task.
func (e *Engine) goroutinePanic(err error) {
	e.out.mu.Lock()
	parent := e.out.parent
	e.out.mu.Unlock()
	e.out.flush()
	e.sendError(parent, errorContent(err, e.ident.ID()))
}
