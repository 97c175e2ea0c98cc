package kernel

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/goparallel/goparallel/kernel/session"
)

// ErrorContent is the Jupyter form of an error: the content of an error message
// and the error fields of an execute_reply. All three fields are always sent, as
// the spec requires.
type ErrorContent struct {
	EName     string   `json:"ename"`
	EValue    string   `json:"evalue"`
	Traceback []string `json:"traceback"`
}

// Error is an error whose Jupyter form its maker chooses: a magic or a hook
// returns one to report, say, a CompositeError with one traceback line per engine.
// Empty fields are filled from Err.
type Error struct {
	Name      string   // ename, e.g. "UsageError"
	Value     string   // evalue, a one-line summary
	Traceback []string // lines shown to the user; defaults to "Name: Value"
	Err       error    // the underlying error, if any
}

func (e *Error) Error() string {
	if e.Value != "" {
		return e.Value
	}
	if e.Err != nil {
		return e.Err.Error()
	}
	return e.Name
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// segmentError places an error of a piece of Go code within its cell.
type segmentError struct {
	err  error
	line int    // the cell line where the piece starts
	src  string // the piece
}

func (e *segmentError) Error() string { return e.err.Error() }
func (e *segmentError) Unwrap() error { return e.err }

const (
	red   = "\x1b[0;31m"
	reset = "\x1b[0m"
)

// FormatError returns the Jupyter form of err. Session errors get tracebacks that
// point into the cell (line, column, the source line with a caret); others show
// their type and message.
func FormatError(err error) ErrorContent {
	offset, src := 0, ""
	var se *segmentError
	if errors.As(err, &se) {
		offset, src = se.line-1, se.src
	}
	head := func(name, value string) ErrorContent {
		return ErrorContent{EName: name, EValue: value, Traceback: []string{red + name + reset + ": " + value}}
	}
	var (
		ke  *Error
		ce  *session.CompileError
		el  session.ErrorList
		pe  *session.PanicError
		ue  *session.UnsupportedError
		rte *session.RuntimeError
	)
	switch {
	case errors.As(err, &ke):
		ec := head(ke.Name, ke.Error())
		if ke.Name == "" {
			ec = head(errorName(ke.Err), ke.Error())
		}
		if ke.Traceback != nil {
			ec.Traceback = ke.Traceback
		}
		return ec
	case errors.Is(err, session.ErrInterrupted):
		return head("Interrupted", "the cell was interrupted")
	case errors.As(err, &el):
		ec := ErrorContent{EName: "CompileError"}
		for i, e := range el {
			if i == 0 {
				ec.EValue = compileMsg(e, offset)
			}
			ec.Traceback = append(ec.Traceback, compileTrace(e, offset, src)...)
		}
		if len(el) > 1 {
			ec.EValue += fmt.Sprintf(" (and %d more errors)", len(el)-1)
		}
		return ec
	case errors.As(err, &ce):
		return ErrorContent{EName: "CompileError", EValue: compileMsg(ce, offset), Traceback: compileTrace(ce, offset, src)}
	case errors.As(err, &pe):
		ec := head("panic", pe.Message)
		if len(pe.Traceback) > 0 {
			ec.Traceback = append(ec.Traceback, "", "Traceback (innermost first):")
			for _, l := range pe.Traceback {
				ec.Traceback = append(ec.Traceback, "    "+shiftCellLine(l, offset))
			}
		}
		return ec
	case errors.As(err, &ue):
		e := *ue
		if e.Line > 0 {
			e.Line += offset
		}
		ec := head("UnsupportedError", e.Error())
		ec.Traceback = append(ec.Traceback, sourceLine(src, ue.Line, ue.Column)...)
		return ec
	case errors.As(err, &rte):
		return head(errorName(rte.Err), rte.Err.Error())
	}
	inner := err
	if se != nil {
		inner = se.err
	}
	return head(errorName(inner), inner.Error())
}

func compileMsg(e *session.CompileError, offset int) string {
	if e.Line == 0 {
		return e.Msg
	}
	return fmt.Sprintf("cell:%d:%d: %s", e.Line+offset, e.Column, e.Msg)
}

func compileTrace(e *session.CompileError, offset int, src string) []string {
	lines := []string{red + "CompileError" + reset + ": " + compileMsg(e, offset)}
	return append(lines, sourceLine(src, e.Line, e.Column)...)
}

// sourceLine shows line (1-based, within src) with a caret under column.
func sourceLine(src string, line, col int) []string {
	if line <= 0 || src == "" {
		return nil
	}
	ls := strings.Split(src, "\n")
	if line > len(ls) {
		return nil
	}
	text := strings.ReplaceAll(ls[line-1], "\t", "    ")
	caret := ""
	if col > 0 {
		// Columns count bytes; tabs were widened above, so widen them here too.
		prefix := ls[line-1][:min(col-1, len(ls[line-1]))]
		width := len(strings.ReplaceAll(prefix, "\t", "    "))
		caret = "    " + strings.Repeat(" ", width) + "^"
	}
	out := []string{"    " + text}
	if caret != "" {
		out = append(out, caret)
	}
	return out
}

var cellPosRE = regexp.MustCompile(`^cell:(\d+):`)

// shiftCellLine moves a "cell:LINE:COL ..." traceback line of the current piece
// by offset lines, to the cell's coordinates.
func shiftCellLine(l string, offset int) string {
	m := cellPosRE.FindStringSubmatch(l)
	if m == nil || offset == 0 {
		return l
	}
	n, _ := strconv.Atoi(m[1])
	return "cell:" + strconv.Itoa(n+offset) + ":" + l[len(m[0]):]
}

// errorName is the ename of an error the kernel has no name for: its type's own
// name, as Python shows an exception's class ("CompositeError", not
// "*parallel.CompositeError"); errors made by errors.New or fmt.Errorf are "Error".
func errorName(err error) string {
	t := reflect.TypeOf(err)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Name() == "" || t.PkgPath() == "errors" || (t.PkgPath() == "fmt" && strings.HasPrefix(t.Name(), "wrapError")) {
		return "Error"
	}
	return t.Name()
}
