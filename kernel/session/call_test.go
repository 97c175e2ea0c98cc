package session

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestCall(t *testing.T) {
	h := newHarness(t)
	h.run("k := 3")
	fn, err := h.s.Compile("func(x int) (int, string) { return x * k, \"ok\" }")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, c := range []context.Context{context.Background(), ctx} {
		out, err := h.s.Call(c, fn, []reflect.Value{reflect.ValueOf(14)})
		if err != nil || len(out) != 2 || out[0].Int() != 42 || out[1].String() != "ok" {
			t.Fatalf("Call = %v, %v", out, err)
		}
	}
	boom, err := h.s.Compile("func(xs []int) int {\n\treturn xs[3]\n}")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []context.Context{context.Background(), ctx} {
		_, err = h.s.Call(c, boom, []reflect.Value{reflect.ValueOf([]int{1})})
		var pe *PanicError
		if !errors.As(err, &pe) || !strings.Contains(pe.Message, "out of range") {
			t.Fatalf("panic: got %T %v", err, err)
		}
		if tb := strings.Join(pe.Traceback, "\n"); !strings.Contains(tb, "func:2:") || !strings.Contains(tb, "func literal") {
			t.Errorf("traceback %q does not point into the function", tb)
		}
	}
	// Unnamed parameters (see nameParams).
	unnamed, err := h.s.Compile("func(func(), int) int { n := 5; return n }")
	if err != nil {
		t.Fatal(err)
	}
	if out, err := h.s.Call(ctx, unnamed, []reflect.Value{reflect.ValueOf(func() {}), reflect.ValueOf(1)}); err != nil || out[0].Int() != 5 {
		t.Fatalf("unnamed parameters: %v %v", out, err)
	}
	if _, err := h.s.Call(context.Background(), reflect.ValueOf(3), nil); err == nil {
		t.Error("Call of a non-function succeeded")
	}
	if got := h.run("k + 1"); got != "4" {
		t.Errorf("session after Call: %s", got)
	}
}

// TestCallInterrupt interrupts calls of compiled functions, in interpreted
// loops and in native calls, and checks that compiled functions, channel
// operations and cells work afterwards, also after an interrupted Execute.
func TestCallInterrupt(t *testing.T) {
	h := newHarness(t)
	h.run("kept := 7")
	var cancel context.CancelFunc
	// interruptMe cancels the running call's context from inside it, so the
	// interrupt lands while the call runs.
	if err := h.s.Set("interruptMe", reflect.ValueOf(func() { cancel() })); err != nil {
		t.Fatal(err)
	}
	// The blocking function is an argument, not a global: code left behind in
	// a native call must not read globals afterwards, or it races with the
	// next cell growing them (as it would after an interrupted Execute).
	block := make(chan struct{})
	t.Cleanup(func() { close(block) })
	blockForever := reflect.ValueOf(func() { <-block })
	double, err := h.s.Compile("func(x int) int { c := make(chan int, 1); c <- 2 * x; return <-c }")
	if err != nil {
		t.Fatal(err)
	}
	works := func(when string) {
		t.Helper()
		for _, ctx := range []context.Context{context.Background(), t.Context()} {
			out, err := h.s.Call(ctx, double, []reflect.Value{reflect.ValueOf(21)})
			if err != nil || out[0].Int() != 42 {
				t.Fatalf("%s: compiled function: %v %v", when, out, err)
			}
		}
		if got := h.run("kept * 6"); got != "42" {
			t.Fatalf("%s: cell: %s", when, got)
		}
	}
	works("before")
	for _, src := range []string{
		"func(func()) int { n := 0; for { n++; if n == 100 { interruptMe() } } }",
		"func(block func()) int { interruptMe(); block(); return 1 }",
	} {
		fn, err := h.s.Compile(src)
		if err != nil {
			t.Fatal(err)
		}
		var ctx context.Context
		ctx, cancel = context.WithCancel(context.Background())
		defer cancel()
		err = within(t, 30*time.Second, func() error {
			_, err := h.s.Call(ctx, fn, []reflect.Value{blockForever})
			return err
		})
		if !errors.Is(err, ErrInterrupted) {
			t.Fatalf("%s: got %v, want ErrInterrupted", src, err)
		}
		works("after interrupting " + src)
	}
	var ctx context.Context
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	if _, err := h.s.Execute(ctx, "for {\n\tinterruptMe()\n}"); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("Execute: got %v, want ErrInterrupted", err)
	}
	works("after an interrupted Execute")
	if _, err := h.s.Call(ctx, double, []reflect.Value{reflect.ValueOf(1)}); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("Call with a cancelled context: %v", err)
	}
}
