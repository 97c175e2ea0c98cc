package engine

import (
	"context"
	"reflect"
	"time"

	"github.com/goparallel/goparallel/kernel/session"
	"github.com/traefik/yaegi/interp"
)

// sessionInterp adapts a kernel/session.Session to Interpreter.
type sessionInterp struct {
	s *session.Session
}

// NewSessionInterpreter returns an Interpreter backed by kernel/session, with the
// IdentityPackage importable by engine code.
func NewSessionInterpreter(cfg InterpreterConfig) (Interpreter, error) {
	var syms []interp.Exports
	if cfg.Identity != nil {
		syms = append(syms, interp.Exports(cfg.Identity.Exports()))
	}
	opts := session.Options{Stdout: cfg.Stdout, Stderr: cfg.Stderr, Symbols: syms}
	if cfg.GoroutinePanic != nil {
		opts.GoroutinePanic = func(pe *session.PanicError) { cfg.GoroutinePanic(pe) }
	}
	s, err := session.New(opts)
	if err != nil {
		return nil, err
	}
	return &sessionInterp{s: s}, nil
}

func (si *sessionInterp) Execute(ctx context.Context, code string) (reflect.Value, bool, error) {
	r, err := si.s.Execute(ctx, code)
	if err != nil {
		return reflect.Value{}, false, err
	}
	return r.Value, r.HasValue, nil
}

func (si *sessionInterp) Generation() uint64 { return si.s.Generation() }

func (si *sessionInterp) Reset() error { return si.s.Reset() }

func (si *sessionInterp) Compile(src string) (reflect.Value, error) { return si.s.Compile(src) }

func (si *sessionInterp) Get(name string) (reflect.Value, bool) { return si.s.Get(name) }

func (si *sessionInterp) Set(name string, v reflect.Value) error { return si.s.Set(name, v) }

// Format renders a value as the kernel does for Out[N].
func (si *sessionInterp) Format(v reflect.Value) string { return session.FormatValue(v) }

// Call runs fn through the session's CallSafe (panics become *PanicError) on
// its own goroutine, so that an interrupt returns at once. Interpreted code
// checks yaegi's run id at every step; stopInterpreted bumps it, which ends a
// runaway interpreted loop. Native code the call is blocked in cannot be
// stopped and finishes in the background.
func (si *sessionInterp) Call(ctx context.Context, fn reflect.Value, args []reflect.Value) ([]reflect.Value, error) {
	type result struct {
		outs []reflect.Value
		err  error
	}
	done := make(chan result, 1) // buffered: an abandoned call must not block
	go func() {
		outs, err := si.s.CallSafe(fn, args)
		done <- result{outs, err}
	}()
	select {
	case r := <-done:
		return r.outs, r.err
	case <-ctx.Done():
	}
	si.stopInterpreted()
	select {
	case <-done:
	case <-time.After(100 * time.Millisecond):
	}
	return nil, session.ErrInterrupted
}

// stopInterpreted stops interpreted code running outside Execute (a call of a
// compiled function). yaegi exposes its stop only through a cancelled
// evaluation, so it runs a loop that can only end by being stopped: the stop
// bumps the interpreter's run id, which every interpreted frame checks.
func (si *sessionInterp) stopInterpreted() {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _ = si.s.Execute(ctx, "for {}")
}
