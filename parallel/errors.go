package parallel

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Errors returned by this package wrap them, so test with errors.Is.
var (
	// ErrTimeout is wrapped by errors reporting that a result was not ready in time,
	// and by remote errors for tasks the controller dropped after their queue timeout.
	ErrTimeout = errors.New("parallel: timeout")
	// ErrAborted is wrapped by the error of a task aborted before it ran.
	ErrAborted = errors.New("parallel: task aborted")
	// ErrEngineDied is wrapped by every *EngineError.
	ErrEngineDied = errors.New("parallel: engine died")
	// ErrClosed is returned by calls on a closed client, and by results still pending
	// when their client was closed.
	ErrClosed = errors.New("parallel: client closed")
	// ErrNoEngines is returned when a view has no engine to send work to.
	ErrNoEngines = errors.New("parallel: no engines")
	// ErrNoSource is wrapped by the error a view returns for a function whose source
	// it does not know; see [Func] and [RewriteCell].
	ErrNoSource = errors.New("parallel: function source unknown")
)

// RemoteError is an error raised by the code an engine ran: a panic, a returned
// error, a compile error, an undefined name. It renders like IPython Parallel's
// remote errors, "[2:apply] ZeroDivisionError: integer divide by zero".
type RemoteError struct {
	EngineID int    // the engine that raised it, or -1 if unknown
	Method   string // what the engine was doing: "apply", "execute", "pull", ...
	EName    string // the error's name (its Go type, "panic", "CompileError", ...)
	EValue   string // the error's message
	// Traceback is the engine-side traceback, one frame or line per element.
	Traceback []string
}

func (e *RemoteError) Error() string {
	return fmt.Sprintf("%s %s: %s", label(e.EngineID, e.Method), e.EName, e.EValue)
}

// Unwrap maps the error names the controller uses for aborted and timed-out tasks
// to ErrAborted and ErrTimeout, so errors.Is works on them.
func (e *RemoteError) Unwrap() error {
	switch e.EName {
	case "TaskAborted", "AbortedTask", "aborted":
		return ErrAborted
	case "TaskTimeout", "TimeoutError":
		return ErrTimeout
	}
	return nil
}

// RenderTraceback returns the error with its engine-side traceback, as IPython
// prints a remote exception.
func (e *RemoteError) RenderTraceback() string {
	var b strings.Builder
	b.WriteString(e.Error())
	for _, l := range e.Traceback {
		b.WriteString("\n    ")
		b.WriteString(l)
	}
	return b.String()
}

// EngineError reports that the engine running a task died (stopped heartbeating or
// exited) before answering.
type EngineError struct {
	EngineID int
	Method   string
	Reason   string // "heartbeat", "exited", "shutdown", or a controller's message
}

func (e *EngineError) Error() string {
	reason := e.Reason
	if reason == "" {
		reason = "unknown reason"
	}
	return fmt.Sprintf("%s EngineError: engine %d died (%s) while running the task", label(e.EngineID, e.Method), e.EngineID, reason)
}

// Unwrap returns ErrEngineDied.
func (e *EngineError) Unwrap() error { return ErrEngineDied }

// CompositeError collects the errors of a request that ran on several engines (or
// in several chunks): IPython Parallel's CompositeError. errors.Is and errors.As see
// every one of them through Unwrap.
type CompositeError struct {
	Method string
	Errors []error
}

func (e *CompositeError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d error(s) in %s", len(e.Errors), e.Method)
	for _, err := range e.Errors {
		b.WriteString("\n")
		b.WriteString(err.Error())
	}
	return b.String()
}

// Unwrap returns the engines' errors.
func (e *CompositeError) Unwrap() []error { return e.Errors }

func label(engine int, method string) string {
	if method == "" {
		method = "apply"
	}
	if engine < 0 {
		return "[?:" + method + "]"
	}
	return fmt.Sprintf("[%d:%s]", engine, method)
}
