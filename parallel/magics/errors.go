package magics

import (
	"errors"
	"fmt"
	"strings"

	"github.com/goparallel/goparallel/kernel"
	"github.com/goparallel/goparallel/parallel"
)

const (
	red   = "\x1b[0;31m"
	reset = "\x1b[0m"
)

// usageError is a mistake in a magic's arguments, shown as IPython shows one.
func usageError(format string, args ...any) error {
	return &kernel.Error{Name: "UsageError", Value: fmt.Sprintf(format, args...)}
}

// remoteLines renders one engine's error as IPython Parallel prints it,
// "[2:execute] PanicError: boom", followed by the engine-side traceback.
func remoteLines(err error) []string {
	var re *parallel.RemoteError
	if errors.As(err, &re) {
		lines := []string{re.Error()}
		for _, l := range re.Traceback {
			for _, part := range strings.Split(strings.TrimRight(l, "\n"), "\n") {
				lines = append(lines, "    "+part)
			}
		}
		return lines
	}
	return []string{err.Error()}
}

// cellError turns the error of a %px request into the cell's error: a single
// engine's error keeps its name, several make a CompositeError listing every
// engine's error with its traceback. Other errors (no engines, a closed client)
// pass through.
func cellError(err error) error {
	if err == nil {
		return nil
	}
	var ce *parallel.CompositeError
	if errors.As(err, &ce) {
		tb := []string{fmt.Sprintf("%sCompositeError%s: %d engine(s) raised errors in %s", red, reset, len(ce.Errors), ce.Method)}
		summary := make([]string, 0, len(ce.Errors))
		for _, e := range ce.Errors {
			lines := remoteLines(e)
			tb = append(tb, lines...)
			summary = append(summary, lines[0])
		}
		return &kernel.Error{Name: "CompositeError", Err: err, Traceback: tb,
			Value: fmt.Sprintf("%d engine(s) raised errors in %s: %s", len(ce.Errors), ce.Method, strings.Join(summary, "; "))}
	}
	var re *parallel.RemoteError
	if errors.As(err, &re) {
		return &kernel.Error{Name: re.EName, Value: re.EValue, Err: err, Traceback: remoteLines(re)}
	}
	var ee *parallel.EngineError
	if errors.As(err, &ee) {
		return &kernel.Error{Name: "EngineError", Value: ee.Error(), Err: err}
	}
	return named(err)
}

// named gives the client's own failures a name the notebook shows instead of a
// Go type name.
func named(err error) error {
	var ke *kernel.Error
	if err == nil || errors.As(err, &ke) {
		return err
	}
	name := "ParallelError"
	switch {
	case errors.Is(err, parallel.ErrNoEngines):
		name = "NoEngines"
	case errors.Is(err, parallel.ErrClosed):
		name = "ClientClosed"
	case errors.Is(err, parallel.ErrTimeout):
		name = "TimeoutError"
	}
	return &kernel.Error{Name: name, Value: err.Error(), Err: err}
}

// interruptedError reports an interrupted %px: the kernel's own ename for an
// interrupt, with what became of the engines' code.
func interruptedError(err error, stillRunning []int) error {
	tb := []string{red + "Interrupted" + reset + ": the cell was interrupted; the engines' code was interrupted too (their state is kept)"}
	var ce *parallel.CompositeError
	switch {
	case errors.As(err, &ce):
		for _, e := range ce.Errors {
			tb = append(tb, remoteLines(e)[0])
		}
	case err != nil:
		tb = append(tb, remoteLines(err)[0])
	}
	if len(stillRunning) > 0 {
		tb = append(tb, fmt.Sprintf("engines %s did not stop yet: they are blocked outside interpreted code", intList(stillRunning)))
	}
	return &kernel.Error{Name: "Interrupted", Value: "the cell was interrupted", Traceback: tb, Err: err}
}
