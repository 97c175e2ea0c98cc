package session

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInterrupted is returned by Execute when its context is cancelled before the
// cell finished. The session stays usable; see the package documentation for
// what happens to code that was blocked in a native call.
var ErrInterrupted = errors.New("session: execution interrupted")

// ErrClosed is returned by methods called after Close.
var ErrClosed = errors.New("session: closed")

// CompileError is a syntax or type error, positioned in the cell's own
// coordinates (1-based line and column; 0 when yaegi gave no position).
type CompileError struct {
	Line, Column int
	Msg          string
}

// Error renders the error as "cell:LINE:COL: message".
func (e *CompileError) Error() string {
	if e.Line == 0 {
		return e.Msg
	}
	return fmt.Sprintf("cell:%d:%d: %s", e.Line, e.Column, e.Msg)
}

// ErrorList is returned when a cell has several compile errors.
type ErrorList []*CompileError

// Error renders one error per line.
func (l ErrorList) Error() string {
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Unwrap lets errors.As find the individual *CompileError values.
func (l ErrorList) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}

// PanicError reports a panic in a cell, or in a goroutine a cell started.
// Traceback lists the interpreted frames, innermost first, as
// "cell:LINE:COL in FUNC" for the cell being run and "cell[N]:LINE:COL in FUNC"
// for code declared by the N-th Execute call ("func:LINE:COL" for sources
// given to Compile). Line numbers of inner frames are yaegi's best guess and may
// point at another statement of the same function.
type PanicError struct {
	Value     any
	Message   string
	Traceback []string
}

// Error renders the panic message; the traceback is in Traceback.
func (e *PanicError) Error() string { return "panic: " + e.Message }

// Unwrap returns the panic value when it is an error, so errors.Is/As see it.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// UnsupportedError reports a Go construct the interpreter cannot run and the
// session does not rewrite. What names the construct; Hint says how to write it
// instead; Line and Column locate it in the cell when known.
type UnsupportedError struct {
	What         string
	Hint         string
	Line, Column int
}

// Error says what is unsupported and how to write it instead.
func (e *UnsupportedError) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		fmt.Fprintf(&b, "cell:%d:%d: ", e.Line, e.Column)
	}
	b.WriteString("unsupported: ")
	b.WriteString(e.What)
	if e.Hint != "" {
		b.WriteString(" (")
		b.WriteString(e.Hint)
		b.WriteString(")")
	}
	return b.String()
}

// RuntimeError wraps a non-nil error returned by the trailing call of a cell,
// e.g. the error of strconv.Atoi("x") written as the cell's last line.
type RuntimeError struct{ Err error }

// Error returns the message of the cell's error.
func (e *RuntimeError) Error() string { return e.Err.Error() }

// Unwrap returns the error the cell's trailing call returned.
func (e *RuntimeError) Unwrap() error { return e.Err }
