package engine

import (
	"context"
	"os"
	"reflect"

	"github.com/goparallel/goparallel/kernel/display/displaysym"
	"github.com/goparallel/goparallel/kernel/gonum"
	"github.com/goparallel/goparallel/kernel/session"
	"github.com/traefik/yaegi/interp"
)

// sessionInterp adapts a kernel/session.Session to Interpreter.
type sessionInterp struct {
	s *session.Session
}

// NewSessionInterpreter returns an Interpreter backed by kernel/session, with the
// IdentityPackage, gonum and gonum/plot (kernel/gonum) and, when cfg.Display is
// set, package display (kernel/display) importable by engine code.
func NewSessionInterpreter(cfg InterpreterConfig) (Interpreter, error) {
	// Engines import what notebook cells import, so %px code and shipped
	// functions may use the same numeric and plotting packages.
	syms := []interp.Exports{gonum.Symbols}
	if cfg.Identity != nil {
		syms = append(syms, interp.Exports(cfg.Identity.Exports()))
	}
	if cfg.Display != nil {
		syms = append(syms, displaysym.Bound(cfg.Display))
	}
	// Engine code sees the engine's environment (MPI ranks, scheduler
	// variables, what the launcher set), as Python engines see os.environ.
	opts := session.Options{Stdout: cfg.Stdout, Stderr: cfg.Stderr, Symbols: syms, Env: os.Environ()}
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

func (si *sessionInterp) Setenv(key, value string) error { return si.s.Setenv(key, value) }

func (si *sessionInterp) LookupEnv(key string) (string, bool) { return si.s.LookupEnv(key) }

func (si *sessionInterp) Environ() []string { return si.s.Environ() }

func (si *sessionInterp) Reset() error { return si.s.Reset() }

func (si *sessionInterp) Compile(src string) (reflect.Value, error) { return si.s.Compile(src) }

func (si *sessionInterp) Get(name string) (reflect.Value, bool) { return si.s.Get(name) }

func (si *sessionInterp) Set(name string, v reflect.Value) error { return si.s.Set(name, v) }

// Format renders a value as the kernel does for Out[N].
func (si *sessionInterp) Format(v reflect.Value) string { return session.FormatValue(v) }

// Call calls fn through session.Call: cancelling ctx stops interpreted code
// and returns at once even when fn is blocked in native code (which finishes
// in the background); a panic becomes *session.PanicError.
func (si *sessionInterp) Call(ctx context.Context, fn reflect.Value, args []reflect.Value) ([]reflect.Value, error) {
	return si.s.Call(ctx, fn, args)
}

// Do runs f through session.Do: one goroutine handoff for all of f's calls.
func (si *sessionInterp) Do(ctx context.Context, f func()) error { return si.s.Do(ctx, f) }
