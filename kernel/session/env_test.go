package session

import (
	"slices"
	"testing"
)

func TestEnv(t *testing.T) {
	h := newHarness(t)
	s, err := New(Options{Env: []string{"GP_A=1"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	h.s = s
	h.run(`import "os"`)
	if got := h.run(`os.Getenv("GP_A")`); got != `"1"` {
		t.Errorf("Options.Env: GP_A = %s", got)
	}
	if err := s.Setenv("GP_B", "two words"); err != nil {
		t.Fatal(err)
	}
	if got := h.run(`os.Getenv("GP_B")`); got != `"two words"` {
		t.Errorf("after Setenv: GP_B = %s", got)
	}
	h.run(`os.Setenv("GP_C", "3")`)
	if v, ok := s.LookupEnv("GP_C"); !ok || v != "3" {
		t.Errorf("LookupEnv of a variable a cell set: %q %v", v, ok)
	}
	if _, ok := s.LookupEnv("GP_NOPE"); ok {
		t.Error("LookupEnv of an unset variable")
	}
	// A rebuild (redefinition) and Reset keep the environment.
	h.run("func f() int { return 1 }")
	h.run("func f() int { return 2 }")
	if err := s.Reset(); err != nil {
		t.Fatal(err)
	}
	h.run(`import "os"`)
	if got := h.run(`os.Getenv("GP_B") + os.Getenv("GP_C")`); got != `"two words3"` {
		t.Errorf("after rebuild and Reset: %s", got)
	}
	if env := s.Environ(); !slices.Equal(env, []string{"GP_A=1", "GP_B=two words", "GP_C=3"}) {
		t.Errorf("Environ = %q", env)
	}
	if err := s.Setenv("A=B", "x"); err == nil {
		t.Error("Setenv accepted a name with =")
	}
}
