package displaysym

import (
	"testing"

	"github.com/goparallel/goparallel/kernel/display"
)

type nop struct{ n int }

func (p *nop) Display(display.Bundle, string, bool) error { p.n++; return nil }
func (p *nop) ClearOutput(bool) error                     { p.n++; return nil }

func TestBoundReplacesPublishingFuncs(t *testing.T) {
	p := &nop{}
	syms := Bound(p)[Path]
	if _, ok := syms["HTML"]; !ok {
		t.Fatal("generated symbols missing")
	}
	syms["Display"].Interface().(func(...any) error)(display.Text("x"))
	syms["ClearOutput"].Interface().(func(bool) error)(true)
	if p.n != 2 {
		t.Fatalf("bound functions published %d times", p.n)
	}
	// The shared generated table is left alone.
	if err := Symbols[Path]["Display"].Interface().(func(...any) error)(1); err != display.ErrNoKernel {
		t.Errorf("generated Display: %v", err)
	}
}
