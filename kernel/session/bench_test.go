package session

import (
	"context"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
)

func benchSession(b *testing.B) *Session {
	s, err := New(Options{Stdout: io.Discard, Stderr: io.Discard})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkExecuteTrivial measures the cell `1` with a context that cannot be
// cancelled.
func BenchmarkExecuteTrivial(b *testing.B) {
	s := benchSession(b)
	ctx := context.Background()
	for b.Loop() {
		if _, err := s.Execute(ctx, "1"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkExecuteTrivialCancellable measures the cell `1` with a
// cancellable context, as a kernel that supports interrupts passes.
func BenchmarkExecuteTrivialCancellable(b *testing.B) {
	s := benchSession(b)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for b.Loop() {
		if _, err := s.Execute(ctx, "1"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkExecuteStatements measures a small cell with a define, a loop and
// a trailing expression.
func BenchmarkExecuteStatements(b *testing.B) {
	s := benchSession(b)
	ctx := context.Background()
	for b.Loop() {
		if _, err := s.Execute(ctx, "s := 0\nfor i := range 10 { s += i }\ns"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompileCached measures Compile of a source already compiled.
func BenchmarkCompileCached(b *testing.B) {
	s := benchSession(b)
	src := "func(x int) int { return x + 1 }"
	if _, err := s.Compile(src); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := s.Compile(src); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNew measures starting a session (and so a rebuild's base cost).
func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		s, err := New(Options{})
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
}

// BenchmarkCallSafe measures a call of a compiled function through CallSafe,
// which cannot be interrupted: the floor under Call.
func BenchmarkCallSafe(b *testing.B) {
	s := benchSession(b)
	fn, err := s.Compile("func(x int) int { return x + 1 }")
	if err != nil {
		b.Fatal(err)
	}
	args := []reflect.Value{reflect.ValueOf(1)}
	for b.Loop() {
		if _, err := s.CallSafe(fn, args); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCallCompiled measures Call of a compiled function with a
// cancellable context, as the engine calls shipped functions.
func BenchmarkCallCompiled(b *testing.B) {
	s := benchSession(b)
	fn, err := s.Compile("func(x int) int { return x + 1 }")
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	args := []reflect.Value{reflect.ValueOf(1)}
	for b.Loop() {
		if _, err := s.Call(ctx, fn, args); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCallCompiledBackground measures Call with a context that cannot be
// cancelled: no goroutine per call.
func BenchmarkCallCompiledBackground(b *testing.B) {
	s := benchSession(b)
	fn, err := s.Compile("func(x int) int { return x + 1 }")
	if err != nil {
		b.Fatal(err)
	}
	args := []reflect.Value{reflect.ValueOf(1)}
	for b.Loop() {
		if _, err := s.Call(context.Background(), fn, args); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkExecuteManyGlobals measures a small cell in a session with 300
// globals, 20 funcs and 10 imports: the per-cell work that grows with the
// namespace (the scope mark of a failed-compile rollback, the
// undefined-name pass).
func BenchmarkExecuteManyGlobals(b *testing.B) {
	s := benchSession(b)
	ctx := context.Background()
	var src strings.Builder
	src.WriteString("import (\"fmt\"; \"math\"; \"strings\"; \"strconv\"; \"sort\"; \"time\"; \"errors\"; \"os\"; \"sync\"; \"bytes\")\n")
	for i := range 300 {
		fmt.Fprintf(&src, "x%d := %d\n", i, i)
	}
	for i := range 20 {
		fmt.Fprintf(&src, "func f%d(v int) int { return v + x%d }\n", i, i)
	}
	if _, err := s.Execute(ctx, src.String()); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := s.Execute(ctx, "y := f3(x1) + x2\ny"); err != nil {
			b.Fatal(err)
		}
	}
}
