package magics

import (
	"context"
	"strings"
	"testing"

	"github.com/goparallel/goparallel/kernel/session"
	"github.com/goparallel/goparallel/parallel"
	"github.com/goparallel/goparallel/parallel/symbols"
	"github.com/traefik/yaegi/interp"
)

func TestRouteSuffixes(t *testing.T) {
	s := newState()
	s.views["_even"] = &pxView{}
	s.views["_e"] = &pxView{}
	tests := []struct{ in, want string }{
		{"%px_even x := 1", "%px --suffix _even x := 1"},
		{"%%px_even --noblock\nx := 1\n", "%%px --suffix _even --noblock\nx := 1\n"},
		{"a := 1\n  %pxresult_even -e\nb := 2", "a := 1\n  %pxresult --suffix _even -e\nb := 2"},
		{"%pxconfig_e --block", "%pxconfig --suffix _e --block"},
		{"%autopx_even", "%autopx --suffix _even"},
		{"%px x := 1", "%px x := 1"},                   // the plain magics stay
		{"%pxresult", "%pxresult"},                     // not %px with suffix "result"
		{"%px_odd x", "%px_odd x"},                     // not activated: the kernel says so
		{"s := `\n%px_even\n`", "s := `\n%px_even\n`"}, // in a raw string: not a magic
		{"x := 1 // %px_even", "x := 1 // %px_even"},
	}
	for _, tc := range tests {
		if got := s.routeSuffixes(tc.in); got != tc.want {
			t.Errorf("routeSuffixes(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestAutopxCell(t *testing.T) {
	s := newState()
	if got := s.autopxCell("x := 1"); got != "x := 1" {
		t.Errorf("autopx off changed the cell: %q", got)
	}
	on := ""
	s.autopx = &on
	tests := []struct{ in, want string }{
		{"x := 1\nfmt.Println(x)", "%%px\nx := 1\nfmt.Println(x)"},
		{"%env A=1", "%%px\n%env A=1"}, // other magics run on the engines
		{"%autopx", "%autopx"},
		{"\n  %pxresult", "\n  %pxresult"},
		{"%%px --targets 0\nx", "%%px --targets 0\nx"},
		{"%ipcluster stop", "%ipcluster stop"},
		{"  \n", "  \n"},
	}
	for _, tc := range tests {
		if got := s.autopxCell(tc.in); got != tc.want {
			t.Errorf("autopxCell(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	sfx := "_even"
	s.autopx = &sfx
	if got := s.autopxCell("x"); got != "%%px --suffix _even\nx" {
		t.Errorf("autopx with a suffix: %q", got)
	}
}

func TestActivateRejectsCollisions(t *testing.T) {
	s := newState()
	v := &parallel.DirectView{}
	for _, bad := range []string{"result", "config", "a-b", "x y"} {
		if err := s.activate(v, bad); err == nil {
			t.Errorf("Activate(view, %q) succeeded", bad)
		}
	}
	if err := s.activate(nil, "_a"); err == nil {
		t.Error("Activate(nil) succeeded")
	}
	if err := s.activate(v, "_even"); err != nil || s.views["_even"].view != v {
		t.Errorf("Activate(view, _even) = %v", err)
	}
}

func newSession(t *testing.T, cells ...string) *session.Session {
	t.Helper()
	s, err := session.New(session.Options{Symbols: []interp.Exports{symbols.Symbols}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	for _, c := range cells {
		if _, err := s.Execute(context.Background(), c); err != nil {
			t.Fatalf("%q: %v", c, err)
		}
	}
	return s
}

func TestSessionDecls(t *testing.T) {
	cells := []string{
		"import r \"math/rand\"\nimport \"strings\"",
		"type P struct{ X int }\nfunc (p P) Get() int { return p.X }\nfunc (p *P) Set(x int) { p.X = x }",
		"const (a = 1; b = 2)\nvar v = 3\nfunc f() int { return a }",
		"var any1 any = strings.NewReader(\"\")\nx := P{1}\n_ = r.Int\n_ = strings.ToUpper",
	}
	sess := newSession(t, cells...)
	var idx declIndex
	for _, c := range cells {
		idx.note(c)
	}
	d := &sessionDecls{s: sess, index: &idx}
	tests := []struct{ name, src, kind string }{
		{"P", "type P struct{ X int }\n\nfunc (p P) Get() int { return p.X }\n\nfunc (p *P) Set(x int) { p.X = x }", parallel.KindType},
		{"f", "func f() int { return a }", parallel.KindFunc},
		{"a", "const (a = 1; b = 2)", parallel.KindConst},
		{"v", "var v = 3", parallel.KindVar},
		{"r", `import r "math/rand"`, parallel.KindImport},
		{"strings", `import "strings"`, parallel.KindImport},
	}
	for _, tc := range tests {
		src, kind, ok := d.Decl(tc.name)
		if !ok || src != tc.src || kind != tc.kind {
			t.Errorf("Decl(%q) = %q, %q, %v; want %q, %q", tc.name, src, kind, ok, tc.src, tc.kind)
		}
	}
	if _, _, ok := d.Decl("nope"); ok {
		t.Error("Decl of an undeclared name")
	}
	if name, ok := d.PackageName("math/rand"); !ok || name != "r" {
		t.Errorf("PackageName(math/rand) = %q, %v", name, ok)
	}
	if typ, ok := d.TypeOf("v"); !ok || typ != "int" {
		t.Errorf("TypeOf(v) = %q, %v", typ, ok)
	}
	if typ, ok := d.TypeOf("any1"); !ok || typ != "*strings.Reader" {
		t.Errorf("TypeOf(any1) = %q, %v: want the dynamic pointer type", typ, ok)
	}
}

// TestRewriteThroughSession checks the code transform end to end: a func
// declared in an earlier cell, passed to a view, gets its source and helpers.
func TestRewriteThroughSession(t *testing.T) {
	sess := newSession(t, `import "github.com/goparallel/goparallel/parallel"`,
		"const k = 3\nfunc sq(x int) int { return x * x * k }")
	var idx declIndex
	out, err := parallel.RewriteCell("var dview *parallel.DirectView\ndview.MapSync(sq, []int{1, 2})",
		&sessionDecls{s: sess, index: &idx})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "NextSource") || !strings.Contains(out, "const k = 3") {
		t.Errorf("RewriteCell did not attach the source and helpers of sq:\n%s", out)
	}
}

func TestTypeRegistry(t *testing.T) {
	sess := newSession(t, "type Point struct{ X, Y float64 }\nfunc (p Point) Norm() float64 { return p.X }\ntype Shape interface{ Area() float64 }")
	r := typeRegistry{reg: nil}
	r.reg = newState().types.reg
	r.update(sess)
	typ, ok := r.reg.Lookup("main.Point")
	if !ok || typ.NumField() != 2 {
		t.Fatalf("main.Point registered as %v, %v", typ, ok)
	}
	if _, ok := r.reg.Lookup("main.Shape"); ok {
		t.Error("an interface type was registered")
	}
	r.update(sess) // nothing new: no recompilation needed, no error
}
