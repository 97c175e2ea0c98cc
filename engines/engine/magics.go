package engine

import (
	"context"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/goparallel/goparallel/kernel/magic"
)

// Magics on engines. An execute_request's code is parsed with kernel/magic, as
// the kernel parses cells, so `%px %env NAME=value` and `%px %time code` (and
// %%time as a cell magic) run on every engine. Only magics that make sense
// inside one engine are offered; the others fail with a UsageError naming
// those that are.
//
//	%env                 list the environment engine code sees
//	%env NAME            print a variable (and make it the cell's value)
//	%env NAME=VALUE      set it for engine code and for the engine process
//	%env NAME VALUE
//	%time CODE, %%time   run CODE and print its wall time

// environer is implemented by interpreters with an environment of their own
// (kernel/session runs cells in yaegi's restricted mode, where os.Getenv reads
// the interpreter's environment, not the process's).
type environer interface {
	Setenv(key, value string) error
	LookupEnv(key string) (string, bool)
	Environ() []string
}

// usageError is a magic used wrongly.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// runCode runs the code of an execute_request: Go code and engine magics, in
// order. The cell's value is that of its last segment, when it has one.
func (e *Engine) runCode(ctx context.Context, code string) (reflect.Value, bool, error) {
	segs, err := magic.Parse(code)
	if err != nil {
		return reflect.Value{}, false, &usageError{fmt.Sprintf("engine %d: %v", e.ident.ID(), err)}
	}
	if len(segs) == 0 || (len(segs) == 1 && segs[0].Kind == magic.Code) {
		return e.interp.Execute(ctx, code) // no magics: the code as sent
	}
	var v reflect.Value
	var ok bool
	for _, sg := range segs {
		switch sg.Kind {
		case magic.Code:
			// Blank lines in front keep error positions those of the cell.
			v, ok, err = e.interp.Execute(ctx, strings.Repeat("\n", sg.Line-1)+sg.Body)
		case magic.Line, magic.Cell:
			v, ok, err = e.runMagic(ctx, sg)
		}
		if err != nil {
			return reflect.Value{}, false, err
		}
	}
	return v, ok, nil
}

func (e *Engine) runMagic(ctx context.Context, sg magic.Segment) (reflect.Value, bool, error) {
	switch {
	case sg.Name == "time" && sg.Kind == magic.Line:
		return e.timeMagic(ctx, sg.Args)
	case sg.Name == "time" && sg.Kind == magic.Cell:
		return e.timeMagic(ctx, sg.Body)
	case sg.Name == "env" && sg.Kind == magic.Line:
		return e.envMagic(sg.Args)
	}
	prefix := "%"
	if sg.Kind == magic.Cell {
		prefix = "%%"
	}
	return reflect.Value{}, false, &usageError{fmt.Sprintf("engine %d: %s%s is not available on engines (they run %%env, %%time and %%%%time)", e.ident.ID(), prefix, sg.Name)}
}

// timeMagic runs code and prints its wall time, even when it fails.
func (e *Engine) timeMagic(ctx context.Context, code string) (reflect.Value, bool, error) {
	if strings.TrimSpace(code) == "" {
		return reflect.Value{}, false, &usageError{fmt.Sprintf("engine %d: %%time needs code to run", e.ident.ID())}
	}
	start := time.Now()
	v, ok, err := e.runCode(ctx, code)
	fmt.Fprintf(e.stdout, "Wall time: %s\n", formatDuration(time.Since(start)))
	return v, ok, err
}

// envMagic gets, sets or lists environment variables, as the kernel's %env.
func (e *Engine) envMagic(args string) (reflect.Value, bool, error) {
	env, _ := e.interp.(environer)
	args = strings.TrimSpace(args)
	if args == "" {
		var vars []string
		if env != nil {
			vars = env.Environ()
		} else {
			vars = os.Environ()
		}
		sort.Strings(vars)
		for _, kv := range vars {
			fmt.Fprintln(e.stdout, kv)
		}
		return reflect.Value{}, false, nil
	}
	name, value, set := strings.Cut(args, "=")
	if !set {
		name, value, set = strings.Cut(args, " ")
	}
	name, value = strings.TrimSpace(name), strings.TrimSpace(value)
	if words, err := magic.SplitArgs(value); err == nil && len(words) == 1 {
		value = words[0] // %env X "a b" sets a b
	}
	if !set {
		var v string
		var ok bool
		if env != nil {
			v, ok = env.LookupEnv(name)
		} else {
			v, ok = os.LookupEnv(name)
		}
		if !ok {
			return reflect.Value{}, false, &usageError{fmt.Sprintf("engine %d: environment variable %s is not set", e.ident.ID(), name)}
		}
		return reflect.ValueOf(v), true, nil
	}
	// The process too: native code (libraries reading the environment) and
	// anything the engine starts see it.
	if err := os.Setenv(name, value); err != nil {
		return reflect.Value{}, false, &usageError{fmt.Sprintf("engine %d: %%env: %v", e.ident.ID(), err)}
	}
	if env != nil {
		if err := env.Setenv(name, value); err != nil {
			return reflect.Value{}, false, fmt.Errorf("engine %d: %%env: %w", e.ident.ID(), err)
		}
	}
	fmt.Fprintf(e.stdout, "env: %s=%s\n", name, value)
	return reflect.Value{}, false, nil
}

// formatDuration prints durations with three significant digits, as IPython
// and the kernel's %time do.
func formatDuration(d time.Duration) string {
	s := d.Seconds()
	switch {
	case s >= 1:
		return fmt.Sprintf("%.3g s", s)
	case s >= 1e-3:
		return fmt.Sprintf("%.3g ms", s*1e3)
	case s >= 1e-6:
		return fmt.Sprintf("%.3g µs", s*1e6)
	}
	return fmt.Sprintf("%.3g ns", s*1e9)
}
