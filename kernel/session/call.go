package session

import (
	"context"
	"fmt"
	"reflect"
	"time"
)

// Call calls fn (from Compile, or any function value reachable from the
// session) with args, with Do's guarantees: serialised with cells,
// interrupted by cancelling ctx (ErrInterrupted), a panic returned as
// *PanicError.
func (s *Session) Call(ctx context.Context, fn reflect.Value, args []reflect.Value) ([]reflect.Value, error) {
	if fn.Kind() != reflect.Func || fn.IsNil() {
		return nil, fmt.Errorf("session: Call: %v is not a function", fn.Type())
	}
	var out []reflect.Value
	err := s.Do(ctx, func() { out = fn.Call(args) })
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Do runs f, Go code that calls functions of the session (from Compile,
// through reflect), serialised with cells like every Session method. Callers
// that make many calls, such as an engine mapping a function over a slice,
// make them all in one Do rather than one Call each: what Do costs is paid
// once.
//
// Cancelling ctx interrupts it as it interrupts Execute: interpreted code of
// the session stops at its next step, and Do returns ErrInterrupted within
// interruptGrace even when f is blocked in a native call (which then finishes
// in the background, so f must check ctx between calls if it loops). A panic
// in f, or in the functions it calls, is returned as *PanicError.
//
// Do compiles nothing. When ctx cannot be cancelled (ctx.Done() == nil) f runs
// on the caller's goroutine; otherwise on a goroutine of its own, so that Do
// can return while f is blocked: a goroutine handoff, a few µs.
func (s *Session) Do(ctx context.Context, f func()) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if ctx.Done() == nil {
		c := &callRun{}
		c.run(f)
		return c.result(s)
	}
	if ctx.Err() != nil {
		return ErrInterrupted
	}
	// The caller keeps s.mu while f runs, so f may use the session's state
	// on its behalf until done is closed.
	c := &callRun{done: make(chan struct{})}
	go func() {
		defer close(c.done)
		c.run(f)
	}()
	select {
	case <-c.done:
		return c.result(s)
	case <-ctx.Done():
	}
	select {
	case <-c.done: // finished as ctx was cancelled: keep its outcome
		return c.result(s)
	default:
	}
	s.stopInterpreted()
	timeout := time.NewTimer(interruptGrace)
	defer timeout.Stop()
	select {
	case <-c.done:
	case <-timeout.C:
	}
	s.renew()
	s.tc.drain()
	return ErrInterrupted
}

// callRun is one run of Do. Its fields are written by the goroutine running
// it and read after done is closed.
type callRun struct {
	done     chan struct{}
	panicked bool
	value    any
}

// run runs f, catching a panic. It does not build the *PanicError itself:
// after an interrupt it may still be running when the session has moved on,
// and must not touch the session then.
func (c *callRun) run(f func()) {
	defer func() {
		if r := recover(); r != nil {
			c.panicked, c.value = true, r
		}
	}()
	f()
}

// result returns the run's panic as an error; s.mu must be held.
func (c *callRun) result(s *Session) error {
	if !c.panicked {
		return nil
	}
	pe := &PanicError{Value: c.value, Message: fmt.Sprint(c.value)}
	if e, ok := c.value.(error); ok {
		pe.Message = e.Error()
	}
	pe.Traceback = s.traceback(s.tc.drain(), span{base: -1})
	return pe
}

// stopInterpreted makes yaegi stop all interpreted code of the session at its
// next step, as a cancelled Execute does. yaegi stops code only when the
// context of a run is cancelled, so the precompiled __gp.Park() is run and
// Park cancels that run from inside: the run cannot finish first, so yaegi
// always sees the cancellation. Park then keeps the run's goroutine until the
// interpreter is abandoned, for the reason runJob gives. The program was
// compiled with the interpreter, so running it does not grow the global frame
// under code still running.
func (s *Session) stopInterpreted() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	select {
	case <-s.parks: // left by a run that failed before taking it
	default:
	}
	s.parks <- &park{cancel: cancel, release: s.release}
	// ExecuteWithContext's goroutine assigns its named results when it ends;
	// Park holds it until swap or Close, which are ordered after this return
	// by s.mu, so the two writes do not race.
	if _, err := s.in.ExecuteWithContext(ctx, s.progs.stop); ctx.Err() == nil {
		select {
		case <-s.parks:
		default:
		}
		fmt.Fprintf(s.stderr, "session: could not interrupt: %v\n", err)
	}
}

// park is one stop request handed to __gp.Park.
type park struct {
	cancel  context.CancelFunc
	release <-chan struct{}
}

// parkJob is __gp.Park: it cancels the evaluation running it, then blocks
// until the interpreter is abandoned.
func (s *Session) parkJob() {
	var p *park
	select {
	case p = <-s.parks:
	default:
		return
	}
	p.cancel()
	<-p.release
}

// renew readies the interpreter after a stop: yaegi leaves its cancellation
// channel closed, which makes interpreted channel operations fail, and the
// global frame's run id behind the interpreter's, which makes functions
// obtained earlier (Compile) return zero values at once. Running a
// precompiled empty unit with a context that is never cancelled renews both;
// with such a context ExecuteWithContext waits for its goroutine, so it does
// not race.
func (s *Session) renew() {
	if _, err := s.in.ExecuteWithContext(context.Background(), s.progs.renew); err != nil {
		s.staleDone = true
		return
	}
	s.staleDone = false
}
