package engine

import (
	"context"
	"io"
	"reflect"

	"github.com/goparallel/goparallel/kernel/display"
)

// Interpreter is what the engine needs of a Go interpreter session. The default,
// built on kernel/session, is returned by NewSessionInterpreter; tests substitute
// their own.
type Interpreter interface {
	// Execute runs a cell, returning its trailing expression's value if any.
	Execute(ctx context.Context, code string) (v reflect.Value, ok bool, err error)
	// Compile compiles a func literal in the session's global scope.
	Compile(src string) (reflect.Value, error)
	// Call calls fn, stopping it when ctx is cancelled (interpreted loops at
	// least), and turns a panic into an error.
	Call(ctx context.Context, fn reflect.Value, args []reflect.Value) ([]reflect.Value, error)
	// Do runs f, which calls compiled functions directly (fn.Call), with
	// Call's guarantees paid once for all of its calls; f must check ctx
	// between calls, since after an interrupt it may go on in the background.
	Do(ctx context.Context, f func()) error
	// Get returns a global's value; ok is false when it is not defined.
	Get(name string) (v reflect.Value, ok bool)
	// Set defines or replaces a global.
	Set(name string, v reflect.Value) error
	// Reset forgets every global and declaration.
	Reset() error
	// Format renders a value as text/plain.
	Format(v reflect.Value) string
}

// InterpreterConfig is what the engine hands a new Interpreter.
type InterpreterConfig struct {
	// Stdout and Stderr receive the output of user code; the engine forwards it to
	// the controller, coalesced.
	Stdout, Stderr io.Writer
	// Identity answers the engine's id and the cluster size, for the
	// "goparallel/engine" package that engine code imports.
	Identity *Identity
	// GoroutinePanic is called when a goroutine started by user code panics; the
	// engine reports it as an error output and lives on.
	GoroutinePanic func(error)
	// Display, when set, is what package display (kernel/display) publishes
	// through when engine code imports it.
	Display display.Publisher
}
