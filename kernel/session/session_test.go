package session

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the concurrent writes of cell goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func (b *syncBuffer) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.b.Reset()
}

type harness struct {
	t        *testing.T
	s        *Session
	out, err *syncBuffer
	panics   chan *PanicError
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{t: t, out: &syncBuffer{}, err: &syncBuffer{}, panics: make(chan *PanicError, 4)}
	s, err := New(Options{Stdout: h.out, Stderr: h.err, GoroutinePanic: func(p *PanicError) { h.panics <- p }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	h.s = s
	return h
}

// run executes a cell that must succeed and returns its formatted value ("" if none).
func (h *harness) run(code string) string {
	h.t.Helper()
	r, err := h.s.Execute(context.Background(), code)
	if err != nil {
		h.t.Fatalf("Execute(%q): %v", code, err)
	}
	if !r.HasValue {
		return ""
	}
	return FormatValue(r.Value)
}

func (h *harness) fail(code string) error {
	h.t.Helper()
	_, err := h.s.Execute(context.Background(), code)
	if err == nil {
		h.t.Fatalf("Execute(%q): want error", code)
	}
	return err
}

func TestCells(t *testing.T) {
	// Each case is a sequence of cells in one session; want is the formatted
	// value of the last one.
	cases := []struct {
		name  string
		cells []string
		want  string
	}{
		{"literal", []string{"1"}, "1"},
		{"string", []string{`"Hello World!"`}, `"Hello World!"`},
		{"define then use", []string{"x := 40", "x"}, "40"},
		{"mixed cell", []string{"y := sq(3)\nimport \"fmt\"\nfunc sq(x int) int { return x * x }\ntype P struct{ X int }\nconst k = 2\n_ = fmt.Sprint\ny * k"}, "18"},
		{"var uses statement var", []string{"a := 2\nvar b = a * 3\nb"}, "6"},
		{"func uses statement var", []string{"base := 10\nfunc add(x int) int { return base + x }\nadd(5)"}, "15"},
		{"redefine func", []string{"func f() int { return 1 }\nfunc g() int { return f() }", "func f() int { return 2 }", "g()"}, "2"},
		{"redefine type", []string{"type P struct{ X int }", "type P struct{ X, Y int }", "P{1, 2}"}, "{X:1, Y:2}"},
		{"redefine keeps vars", []string{"n := 7\nfunc f() int { return 1 }", "func f() int { return n }", "f() + n"}, "14"},
		{"redefine keeps struct var", []string{"type P struct{ X int }\np := P{3}\nfunc f() int { return 1 }", "func f() int { return p.X }", "f()"}, "3"},
		{"redefine signature", []string{"func f() int { return 1 }", "func f(x int) int { return x }", "f(5)"}, "5"},
		{":= again updates funcs", []string{"x := 5\nfunc fx() int { return x }", "x := 6", "fx()"}, "6"},
		{"var again updates funcs", []string{"var c = 1\nfunc fc() int { return c }", "var c = 2", "fc()"}, "2"},
		{"rerun cell", []string{"var counter = 0\nfunc inc() { counter++ }", "var counter = 0\nfunc inc() { counter++ }", "inc(); inc(); counter"}, "2"},
		{"range int", []string{"s := 0\nfor i := range 5 { s += i }\ns"}, "10"},
		{"range int var", []string{"n := 4\ns := 0\nfor i := range n { s += i }\ns"}, "6"},
		{"range int global", []string{"n := 3", "c := 0\nfor range n { c++ }\nc"}, "3"},
		{"range int in func", []string{"func tri(n int) (s int) { for i := range n { s += i }; return }\ntri(4)"}, "6"},
		{"min max", []string{"a, b := 3, 9", "min(a, b)*100 + max(a, b)"}, "309"},
		{"min literals", []string{"min(3, 1, 2)"}, "1"},
		{"min float literal", []string{"min(2, 1.5)"}, "1.5"},
		{"min untyped first", []string{"f := 2.5\nmax(1, f)"}, "2.5"},
		{"clear map", []string{"m := map[string]int{\"a\": 1}\nclear(m)\nlen(m)"}, "0"},
		{"clear slice", []string{"s := []int{1, 2}\nclear(s)\ns"}, "[]int{0, 0}"},
		{"generic inferred", []string{"func Id[T any](x T) T { return x }\nId(3)"}, "3"},
		{"generic sum", []string{"func Sum[T int | float64](s []T) (r T) { for _, v := range s { r += v }; return }\nSum([]float64{1, 2.5})"}, "3.5"},
		{"value and nil error", []string{`import "strconv"`, `strconv.Atoi("12")`}, "12"},
		{"only a nil error", []string{`import "os"`, `os.Setenv("GP_SESSION_TEST", "1")`}, ""},
		{"only a nil error, cell func", []string{"func ok() error { return nil }", "ok()"}, ""},
		{"session func value error", []string{"import \"errors\"\nfunc div(a, b int) (int, error) { if b == 0 { return 0, errors.New(\"div by zero\") }; return a / b, nil }", "div(6, 3)"}, "2"},
		{"slice", []string{"[]int{0, 1, 1024}"}, "[]int{0, 1, 1024}"},
		{"map", []string{`map[string]int{"a": 1}`}, `map[string]int{"a":1}`},
		{"method", []string{"type T struct{ A int }\nfunc (t T) Twice() int { return 2 * t.A }\nT{4}.Twice()"}, "8"},
		{"redefine method", []string{"type T struct{ A int }\nfunc (t T) M() int { return 1 }\nfunc call(t T) int { return t.M() }", "func (t T) M() int { return 2 }", "call(T{})"}, "2"},
		{"closure counter", []string{"k := 0\nnext := func() int { k++; return k }\nnext(); next()"}, "2"},
		{"comment only", []string{"// nothing"}, ""},
		{"labelled range int", []string{"c := 0\nouter:\nfor i := range 3 {\n\tfor j := range 3 {\n\t\tif j > i { continue outer }\n\t\tc++\n\t}\n}\nc"}, "6"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			var got string
			for _, c := range tc.cells {
				got = h.run(c)
			}
			if got != tc.want {
				t.Errorf("got %s, want %s (stderr %q)", got, tc.want, h.err.String())
			}
		})
	}
}

func TestNoValue(t *testing.T) {
	h := newHarness(t)
	for _, c := range []string{
		`import ("fmt"; "log"; "os")`,
		`fmt.Println("a")`,
		`fmt.Printf("%d\n", 1)`,
		`fmt.Fprintln(os.Stderr, "e")`,
		`log.Println("l")`,
		`println("p")`,
		"func v() {}\nv()",
		"x := 1",
		"for i := 0; i < 2; i++ {}",
	} {
		r, err := h.s.Execute(context.Background(), c)
		if err != nil || r.HasValue {
			t.Errorf("Execute(%q) = %v, %v; want no value", c, r, err)
		}
	}
}

func TestOutput(t *testing.T) {
	h := newHarness(t)
	h.run(`import ("fmt"; "os"; "log")`)
	h.run(`fmt.Println("out1")
os.Stdout.Write([]byte("out2\n"))
fmt.Fprintln(os.Stdout, "out3")
print("out4\n")
fmt.Fprintln(os.Stderr, "err1")
os.Stderr.WriteString("err2\n")
log.SetFlags(0)
log.Println("err3")`)
	if got, want := h.out.String(), "out1\nout2\nout3\nout4\n"; got != want {
		t.Errorf("stdout = %q, want %q", got, want)
	}
	if got, want := h.err.String(), "err1\nerr2\nerr3\n"; got != want {
		t.Errorf("stderr = %q, want %q", got, want)
	}
}

func TestStreamingFromGoroutine(t *testing.T) {
	h := newHarness(t)
	// The goroutine prints only once the test releases it, after its cell
	// has returned.
	release := make(chan struct{})
	if err := h.s.Set("released", reflect.ValueOf(func() { <-release })); err != nil {
		t.Fatal(err)
	}
	h.run(`import "fmt"`)
	h.run(`go func() { released(); fmt.Println("later") }()`)
	if strings.Contains(h.out.String(), "later") {
		t.Fatal("goroutine printed before it was released")
	}
	close(release)
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(h.out.String(), "later") {
		if time.Now().After(deadline) {
			t.Fatal("goroutine output never arrived")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestCompileErrorPosition(t *testing.T) {
	h := newHarness(t)
	cases := []struct {
		code      string
		line, col int
		msg       string
	}{
		{"x := 1\ny := undefinedName + x", 2, 0, ""},
		{"a := 1\n\nfunc f() int {\n\treturn nope\n}", 4, 9, "undefined: nope"},
		{"x := 1\nx +* 2", 2, 0, ""},
		{"import \"fmt\"\nfmt.Println(1\n", 2, 0, ""},
	}
	for _, tc := range cases {
		err := h.fail(tc.code)
		var ce *CompileError
		if !errors.As(err, &ce) {
			var el ErrorList
			if errors.As(err, &el) {
				ce = el[0]
			} else {
				t.Errorf("%q: got %T %v, want *CompileError", tc.code, err, err)
				continue
			}
		}
		if ce.Line != tc.line || (tc.col != 0 && ce.Column != tc.col) || !strings.Contains(ce.Msg, tc.msg) {
			t.Errorf("%q: got %d:%d %q, want %d:%d %q", tc.code, ce.Line, ce.Column, ce.Msg, tc.line, tc.col, tc.msg)
		}
	}
}

func TestPanic(t *testing.T) {
	h := newHarness(t)
	h.run("func inner() { var a []int; _ = a[3] }\nfunc outer() { inner() }")
	err := h.fail("x := 1\n_ = x\nouter()")
	var pe *PanicError
	if !errors.As(err, &pe) {
		t.Fatalf("got %T %v, want *PanicError", err, err)
	}
	tb := strings.Join(pe.Traceback, "\n")
	if !strings.Contains(tb, "in inner") || !strings.Contains(tb, "in outer") || !strings.Contains(tb, "cell[1]:1:") {
		t.Errorf("traceback %q lacks the cell frames", tb)
	}
	for _, bad := range []string{"yaegi", "interp", ".go:", "goroutine", "__gp"} {
		if strings.Contains(tb, bad) {
			t.Errorf("traceback %q contains internals %q", tb, bad)
		}
	}
	if h.err.String() != "" {
		t.Errorf("panic frames leaked to stderr: %q", h.err.String())
	}
	err = h.fail(`panic("boom")`)
	if !errors.As(err, &pe) || pe.Message != "boom" || pe.Value != "boom" {
		t.Errorf("got %#v", err)
	}
	if got := h.run("x"); got != "1" {
		t.Errorf("after panic x = %s", got)
	}
}

func TestGoroutinePanic(t *testing.T) {
	h := newHarness(t)
	h.run(`func crash(n int) { var m map[string]int; if n > 0 { m["a"] = n } }`)
	h.run("for i := 0; i < 2; i++ {\n\tgo crash(i)\n}")
	select {
	case p := <-h.panics:
		if !strings.Contains(p.Message, "nil map") {
			t.Errorf("panic message %q", p.Message)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("GoroutinePanic not called")
	}
	h.run(`go func() { panic("in literal") }()`)
	select {
	case p := <-h.panics:
		if p.Message != "in literal" {
			t.Errorf("panic message %q", p.Message)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("GoroutinePanic not called")
	}
	if got := h.run("1 + 1"); got != "2" {
		t.Errorf("session broken after goroutine panic: %s", got)
	}
}

func TestInterruptLoop(t *testing.T) {
	h := newHarness(t)
	h.run("x := 42")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The loop cancels its own context once it has been going for a while:
	// it must stop.
	ticks := 0
	tick := func() {
		if ticks++; ticks == 100 {
			cancel()
		}
	}
	if err := h.s.Set("tick", reflect.ValueOf(tick)); err != nil {
		t.Fatal(err)
	}
	err := within(t, 30*time.Second, func() error {
		_, err := h.s.Execute(ctx, "for {\n\ttick()\n}")
		return err
	})
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("got %v, want ErrInterrupted", err)
	}
	if got := h.run("x"); got != "42" {
		t.Errorf("x = %s after interrupt", got)
	}
	if got := h.run("x + 1"); got != "43" {
		t.Errorf("x + 1 = %s after interrupt", got)
	}
	// Channel operations still work after an interrupt left yaegi's
	// cancellation channel closed.
	if got := h.run("ch := make(chan int, 1)\nch <- 5\n<-ch"); got != "5" {
		t.Errorf("channel after interrupt = %s", got)
	}
}

func TestInterruptNativeBlock(t *testing.T) {
	h := newHarness(t)
	h.run(`import "time"`)
	h.run("y := 7")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// A native call that interrupts the cell, then blocks until the test
	// ends: Execute must return though the cell stays blocked.
	block := make(chan struct{})
	t.Cleanup(func() { close(block) })
	if err := h.s.Set("interruptAndBlock", reflect.ValueOf(func() { cancel(); <-block })); err != nil {
		t.Fatal(err)
	}
	err := within(t, 30*time.Second, func() error {
		_, err := h.s.Execute(ctx, "interruptAndBlock()")
		return err
	})
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("got %v, want ErrInterrupted", err)
	}
	if got := h.run("y * 2"); got != "14" {
		t.Errorf("y*2 = %s", got)
	}
}

// within runs f and returns its error, failing the test if f has not
// returned after limit: a bound on hanging, not a measure of speed.
func within(t *testing.T, limit time.Duration, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(limit):
		t.Fatalf("still running after %s", limit)
		return nil
	}
}

func TestTrailingError(t *testing.T) {
	h := newHarness(t)
	h.run(`import "strconv"`)
	err := h.fail(`strconv.Atoi("zz")`)
	var re *RuntimeError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "invalid syntax") {
		t.Fatalf("got %T %v", err, err)
	}
	h.run("import \"errors\"\nfunc bad() error { return errors.New(\"bad\") }")
	err = h.fail("bad()")
	if !errors.As(err, &re) || err.Error() != "bad" {
		t.Fatalf("only an error: got %T %v", err, err)
	}
}

func TestUnsupported(t *testing.T) {
	h := newHarness(t)
	h.run("func Map[T, U any](s []T, f func(T) U) []U { r := make([]U, 0, len(s)); for _, v := range s { r = append(r, f(v)) }; return r }")
	err := h.fail("Map([]int{1}, func(x int) string { return \"a\" })")
	var ue *UnsupportedError
	if !errors.As(err, &ue) || !strings.Contains(ue.What, "inference") {
		t.Fatalf("got %T %v", err, err)
	}
	if got := h.run("Map[int, string]([]int{1}, func(x int) string { return \"a\" })"); got != `[]string{"a"}` {
		t.Errorf("explicit instantiation = %s", got)
	}
	err = h.fail("func g(xs []int) { for i := range xs[0] { _ = i } }")
	if !errors.As(err, &ue) || !strings.Contains(ue.What, "range") {
		t.Fatalf("range over unknown int: got %T %v", err, err)
	}
}
