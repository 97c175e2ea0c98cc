package engine

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	"github.com/goparallel/goparallel/kernel/session"
	"github.com/goparallel/goparallel/protocol"
	"github.com/goparallel/goparallel/protocol/value"
)

// Error names (ename) the engine reports, so clients can tell failures apart
// without parsing messages.
const (
	ENameCompile        = "CompileError"     // syntax or type error in code or a shipped function
	ENameName           = "NameError"        // an undefined name: pull of a missing global, or a free identifier of a shipped function
	ENamePanic          = "PanicError"       // user code (or a goroutine it started) panicked
	ENameInterrupted    = "InterruptedError" // interrupt_request stopped the task
	ENameUnsupported    = "UnsupportedError" // a Go construct the interpreter cannot run
	ENameValue          = "ValueError"       // a value that cannot be sent or decoded
	ENameArgument       = "ArgumentError"    // arguments that do not fit the function
	ENameRuntime        = "RuntimeError"     // a non-nil error returned by user code
	ENameUnknownRequest = "UnknownRequest"   // a request type the engine does not handle
	ENameUsage          = "UsageError"       // a magic used wrongly, or one engines do not run
)

// statusError is the content of an error reply that has no richer shape.
type statusError struct {
	Status string `json:"status"`
	protocol.ErrorContent
}

func errorReply(err error, engineID int) statusError {
	return statusError{Status: protocol.ReplyError, ErrorContent: errorContent(err, engineID)}
}

// nameError reports an undefined name on an engine, with the fix.
type nameError struct {
	name     string
	engineID int
	context  string // "in the function sent to it", "to pull"
}

func (e *nameError) Error() string {
	return fmt.Sprintf("engine %d: %q is not defined %s (push it with Push, or define it with %%px)", e.engineID, e.name, e.context)
}

// argumentError reports arguments that do not fit a function's parameters.
type argumentError struct{ msg string }

func (e *argumentError) Error() string { return e.msg }

// undefinedRE finds the name in yaegi's "undefined: x" compile errors.
var undefinedRE = regexp.MustCompile(`undefined: ([\pL_][\pL\pN_]*)`)

// undefinedName returns the undefined identifier a compile error is about.
func undefinedName(err error) (string, bool) {
	if err == nil {
		return "", false
	}
	m := undefinedRE.FindStringSubmatch(err.Error())
	if m == nil {
		return "", false
	}
	return m[1], true
}

// errorContent turns an error into the ename/evalue/traceback of an error
// message or reply. The traceback is the engine's: interpreted frames for panics,
// the positioned message for compile errors, prefixed by the engine id.
func errorContent(err error, engineID int) protocol.ErrorContent {
	head := fmt.Sprintf("[engine %d]", engineID)
	ec := protocol.ErrorContent{EName: ENameRuntime, EValue: err.Error()}
	var (
		pe    *session.PanicError
		ce    *session.CompileError
		cl    session.ErrorList
		ue    *session.UnsupportedError
		ne    *nameError
		ae    *argumentError
		vue   *value.UnsupportedError
		re    *session.RuntimeError
		usage *usageError
		tail  []string
	)
	switch {
	case errors.As(err, &ne):
		ec.EName = ENameName
	case errors.Is(err, session.ErrInterrupted), errors.Is(err, context.Canceled):
		ec.EName, ec.EValue = ENameInterrupted, fmt.Sprintf("engine %d: interrupted", engineID)
	case errors.As(err, &pe):
		ec.EName, ec.EValue = ENamePanic, pe.Message
		tail = pe.Traceback
	case errors.As(err, &cl), errors.As(err, &ce):
		ec.EName = ENameCompile
	case errors.As(err, &ue):
		ec.EName = ENameUnsupported
	case errors.As(err, &ae):
		ec.EName = ENameArgument
	case errors.As(err, &vue), errors.Is(err, value.ErrMalformed):
		ec.EName = ENameValue
	case errors.As(err, &re):
		ec.EName = ENameRuntime
	case errors.As(err, &usage):
		ec.EName = ENameUsage
	}
	tb := []string{head + " " + ec.EName + ": " + ec.EValue}
	for _, l := range tail {
		tb = append(tb, "    "+l)
	}
	ec.Traceback = tb
	return ec
}

// sendError sends an error output message for parent (a request, or nil).
func (e *Engine) sendError(parent *protocol.Message, ec protocol.ErrorContent) {
	m, err := protocol.NewMessage("error", e.sess, parentHeader(parent), ec)
	if err != nil {
		return
	}
	if parent != nil {
		m.Identities = parent.Identities
	}
	m.Metadata = e.outputMeta()
	e.send(m)
}
