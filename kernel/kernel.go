// Package kernel is goparallel's Jupyter kernel: it serves the five channels of
// the Jupyter messaging protocol 5.3 (shell, control, iopub, stdin, heartbeat),
// runs Go cells in a yaegi session (package session), and offers a magics
// framework and cell hooks through which other packages (parallel's %px) extend
// it.
//
// Goroutines, all started by [Kernel.Run] and stopped before it returns:
//
//   - heartbeat: echoes pings on the hb socket;
//   - shell reader: receives shell requests into a queue, so that requests that
//     arrive while a cell runs can be aborted after an error (stop_on_error);
//   - shell worker: handles the queue in order, running cells;
//   - control: answers interrupt, shutdown and kernel_info at once, even while a
//     cell runs;
//   - stdin reader: delivers input_reply messages to the cell waiting for them;
//   - stream flusher: sends buffered stdout/stderr at most every 20 ms.
//
// Lock order: flushMu before Kernel.mu or a streamWriter's mu, which are never
// held together; Cell.mu is never held while taking another lock.
package kernel

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/goparallel/goparallel/kernel/display/displaysym"
	"github.com/goparallel/goparallel/kernel/history"
	"github.com/goparallel/goparallel/kernel/session"
	"github.com/goparallel/goparallel/protocol"
	"github.com/goparallel/goparallel/protocol/transport"
	"github.com/traefik/yaegi/interp"
	"golang.org/x/sync/errgroup"
)

// Kernel is one running Jupyter kernel. Create it with [New], serve with
// [Kernel.Run].
type Kernel struct {
	cfg    Config
	log    *slog.Logger
	conn   protocol.ConnectionInfo // with the ports actually bound
	id     string                  // the kernel's session id in message headers
	sess   *session.Session
	hist   *history.Store
	magics map[string]*Magic

	shellTable, controlTable map[string]handler

	// Sockets. The input sockets live in inCtx, cancelled to unblock their
	// readers at shutdown; iopub lives in outCtx so the last status messages
	// still go out.
	shell, control, stdin, hb, iopub *transport.Socket
	inCancel, outCancel              context.CancelFunc

	queue chan *protocol.Message // shell requests, reader -> worker
	// failedAt is when the last cell with stop_on_error failed; only the shell
	// worker uses it (see sentBeforeFailure).
	failedAt     time.Time
	inputReplies chan *protocol.Message // input_reply, stdin reader -> waiting cell

	stdout, stderr *streamWriter
	flushMu        sync.Mutex    // serialises stream flushes so output keeps its order
	kick           chan struct{} // wakes the stream flusher

	subscribed atomic.Bool // a frontend subscribed to iopub (see awaitSubscriber)

	stopOnce sync.Once
	stopped  chan struct{} // closed by Stop

	// Shell-worker state.
	count int // execution count

	mu      sync.Mutex
	running *Cell // the cell being executed, nil between cells
	latest  *Cell // the latest executed cell, for output of goroutines that outlive it
}

// New binds the kernel's sockets as described by conn (ports 0 pick free ports;
// see [Kernel.Connection]) and starts its Go session.
func New(conn *protocol.ConnectionInfo, cfg Config) (_ *Kernel, err error) {
	k := &Kernel{
		cfg:          cfg,
		log:          cfg.Logger,
		conn:         *conn,
		id:           protocol.NewID(),
		queue:        make(chan *protocol.Message, 1024),
		inputReplies: make(chan *protocol.Message, 1),
		kick:         make(chan struct{}, 1),
		stopped:      make(chan struct{}),
	}
	if k.log == nil {
		k.log = slog.Default()
	}
	if err := k.conn.Validate(); err != nil {
		return nil, fmt.Errorf("kernel: %w", err)
	}
	codec, err := protocol.NewCodec(k.conn.SignatureScheme, []byte(k.conn.Key))
	if err != nil {
		return nil, fmt.Errorf("kernel: %w", err)
	}
	defer func() {
		if err != nil {
			k.closeSockets()
		}
	}()
	if err := k.bind(codec); err != nil {
		return nil, err
	}

	k.shellTable, k.controlTable = shellHandlers(), controlHandlers()
	k.stdout = &streamWriter{k: k, name: "stdout"}
	k.stderr = &streamWriter{k: k, name: "stderr"}
	k.magics = map[string]*Magic{}
	for _, m := range append(builtinMagics(), cfg.Magics...) {
		k.magics[m.Name] = &m
	}

	if k.hist, err = history.Open(historyPath(cfg.HistoryFile)); err != nil {
		// A kernel without a history file is still a kernel.
		k.log.Warn("history kept in memory only", "err", err)
		k.hist, _ = history.Open("")
	}

	symbols := append([]interp.Exports{displaysym.Bound(hostPublisher{k})}, cfg.Symbols...)
	for _, bind := range cfg.Bindings {
		symbols = append(symbols, bind(k))
	}
	k.sess, err = session.New(session.Options{
		Stdout:         k.stdout,
		Stderr:         k.stderr,
		Stdin:          &stdinReader{k: k},
		Symbols:        symbols,
		Env:            os.Environ(),
		GoroutinePanic: k.goroutinePanic,
	})
	if err != nil {
		k.hist.Close()
		return nil, fmt.Errorf("kernel: starting the Go session: %w", err)
	}
	return k, nil
}

func historyPath(configured string) string {
	switch configured {
	case "-":
		return ""
	case "":
	default:
		return configured
	}
	if d := os.Getenv("GOPARALLEL_DIR"); d != "" {
		return filepath.Join(d, "history.jsonl")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".goparallel", "history.jsonl")
}

func (k *Kernel) bind(codec *protocol.Codec) error {
	inCtx, inCancel := context.WithCancel(context.Background())
	outCtx, outCancel := context.WithCancel(context.Background())
	k.inCancel, k.outCancel = inCancel, outCancel
	opts := transport.Options{Logger: k.log}
	listen := func(ctx context.Context, kind transport.Kind, port *int) (*transport.Socket, error) {
		s, err := transport.Listen(ctx, kind, k.conn.Endpoint(*port), codec, opts)
		if err != nil {
			return nil, fmt.Errorf("kernel: %w", err)
		}
		if *port == 0 {
			*port = s.Port()
		}
		return s, nil
	}
	var err error
	if k.iopub, err = listen(outCtx, transport.Pub, &k.conn.IOPubPort); err != nil {
		return err
	}
	if k.shell, err = listen(inCtx, transport.Router, &k.conn.ShellPort); err != nil {
		return err
	}
	if k.control, err = listen(inCtx, transport.Router, &k.conn.ControlPort); err != nil {
		return err
	}
	if k.stdin, err = listen(inCtx, transport.Router, &k.conn.StdinPort); err != nil {
		return err
	}
	if k.hb, err = listen(inCtx, transport.Router, &k.conn.HBPort); err != nil {
		return err
	}
	return nil
}

// closeSockets closes every socket that was opened. Called only once no goroutine
// uses them, since zmq4 sockets must not be closed under a reader.
func (k *Kernel) closeSockets() {
	if k.inCancel != nil {
		k.inCancel()
	}
	for _, s := range []*transport.Socket{k.shell, k.control, k.stdin, k.hb, k.iopub} {
		if s != nil {
			s.Close()
		}
	}
	if k.outCancel != nil {
		k.outCancel()
	}
}

// Connection returns the kernel's connection info, with the ports it bound.
func (k *Kernel) Connection() protocol.ConnectionInfo { return k.conn }

// Run serves the kernel until ctx is cancelled, a shutdown_request arrives, or
// Stop is called, all of which are clean stops (nil error); it fails only if a
// channel does. It closes the sockets and the session before returning, so a
// Kernel runs once.
func (k *Kernel) Run(ctx context.Context) error {
	g, gctx := errgroup.WithContext(ctx)
	loop := func(name string, f func(context.Context) error) {
		g.Go(func() error {
			if err := f(gctx); err != nil && gctx.Err() == nil && !k.isStopped() {
				return fmt.Errorf("kernel: %s: %w", name, err)
			}
			return nil
		})
	}
	runCtx, cancelRun := context.WithCancel(gctx)
	defer cancelRun()
	loop("heartbeat", k.serveHeartbeat)
	loop("shell", k.readShell)
	loop("shell worker", func(context.Context) error { return k.runShell(runCtx) })
	loop("control", k.serveControl)
	loop("stdin", k.readStdin)
	loop("streams", func(context.Context) error { k.flushLoop(runCtx); return nil })
	k.publish(nil, "status", protocol.Status{ExecutionState: protocol.StatusStarting})

	select {
	case <-gctx.Done():
	case <-k.stopped:
	}
	// Stop the cell being run and the loops, then unblock the socket readers.
	cancelRun()
	k.interrupt()
	k.inCancel()
	err := g.Wait()
	k.runShutdownHooks()
	k.flushStreams()
	k.closeSockets()
	k.sess.Close()
	k.hist.Close()
	return err
}

// runShutdownHooks runs Config.OnShutdown; one hook's panic must not keep the
// others (which may stop processes) from running.
func (k *Kernel) runShutdownHooks() {
	for _, hook := range k.cfg.OnShutdown {
		func() {
			defer func() {
				if r := recover(); r != nil {
					k.log.Error("kernel: shutdown hook panicked", "panic", r)
				}
			}()
			hook()
		}()
	}
}

// Stop makes Run return, as a shutdown_request does.
func (k *Kernel) Stop() {
	k.stopOnce.Do(func() { close(k.stopped) })
}

func (k *Kernel) isStopped() bool {
	select {
	case <-k.stopped:
		return true
	default:
		return false
	}
}

// logErr logs a failure to send, which is not fatal: a frontend that went away
// must not take the kernel with it.
func (k *Kernel) logErr(what string, err error) {
	if err != nil && !errors.Is(err, context.Canceled) {
		k.log.Warn("kernel: "+what, "err", err)
	}
}
