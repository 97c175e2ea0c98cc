package session

import (
	"context"
	"io"
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
