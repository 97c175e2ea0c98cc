package session

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestUndefinedNames checks that undefined names are reported as the Go
// compiler would, at their position, and that nothing of the failed cell is
// left behind. Each case runs in a fresh session after setup.
func TestUndefinedNames(t *testing.T) {
	const setup = "import \"fmt\"\nvar g = 1\nfunc f() int { return g }\ntype T struct{ X int }"
	cases := []struct {
		name, code string
		want       string // the error, exactly
	}{
		{"var", "z := undefinedVar + 1", "cell:1:6: undefined: undefinedVar"},
		{"package", "y := nosuchpkg.Foo()", "cell:1:6: undefined: nosuchpkg"},
		{"method of undefined value", `dview := c.Slice(":")`, "cell:1:10: undefined: c"},
		{"in func", "func h() int {\n\treturn nope + g\n}", "cell:2:9: undefined: nope"},
		{"in closure", "k := func() int { return missing }", "cell:1:26: undefined: missing"},
		{"second line", "a := 1\nb := a + other", "cell:2:10: undefined: other"},
		{"several", "a := x1\nb := x2", "cell:1:6: undefined: x1\ncell:2:6: undefined: x2"},
		{"each name once", "a := x1 + x1", "cell:1:6: undefined: x1"},
		{"local out of scope", "for i := 0; i < 3; i++ {}\nj := i", "cell:2:6: undefined: i"},
		{"type", "var v Undef", "cell:1:7: undefined: Undef"},
		{"in struct type", "type U struct{ A Missing }", "cell:1:18: undefined: Missing"},
		{"ambiguous package", "rand.Float64()", `cell:1:1: undefined: rand (ambiguous package name: add import "math/rand" or "math/rand/v2")`},
		{"package lacks name", "strconv.Nope(1)", `cell:1:1: undefined: strconv (package "strconv" has no Nope)`},
		{"imported package lacks name", "fmt.Printn(1)", "cell:1:5: undefined: fmt.Printn"},
		{"select binding out of scope", "ch := make(chan int)\nselect {\ncase v := <-ch:\n\t_ = v\ndefault:\n}\nw := v", "cell:7:6: undefined: v"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.run(setup)
			before, raw := names(h.s), rawScope(t, h.s)
			err := h.fail(tc.code)
			if after := rawScope(t, h.s); after != raw {
				t.Errorf("interpreter scope changed:\n%s\nbefore:\n%s", after, raw)
			}
			if err.Error() != tc.want {
				t.Errorf("got %T %q\nwant %q", err, err, tc.want)
			}
			if !isCompileError(err) {
				t.Errorf("got %T, want a compile error", err)
			}
			if after := names(h.s); after != before {
				t.Errorf("failed cell left names behind: %s, was %s", after, before)
			}
			if got := h.run("f() + T{2}.X"); got != "3" {
				t.Errorf("session broken after the failed cell: %s", got)
			}
		})
	}
}

// names renders the session's names, for before/after comparisons.
func names(s *Session) string {
	var b strings.Builder
	for _, n := range s.Names() {
		b.WriteString(n.Name + ":" + n.Kind + " ")
	}
	return b.String()
}

// TestDefinedNamesPass checks that valid code the pass cannot type is let
// through: scopes, field names, labels, type parameters, embedded fields.
func TestDefinedNamesPass(t *testing.T) {
	h := newHarness(t)
	cells := []struct{ code, want string }{
		{"type P struct{ X, Y int }\np := P{X: 1, Y: 2}\np.X + p.Y", "3"},
		{"m := map[string]P{\"a\": {X: 5}}\nm[\"a\"].X", "5"},
		{"k := \"a\"\nm2 := map[string]int{k: 1}\nm2[\"a\"]", "1"},
		{"arr := [...]int{2: 7}\narr[2]", "7"},
		{"n := 0\nouter:\nfor i := 0; i < 3; i++ {\n\tfor j := 0; j < 3; j++ {\n\t\tif j == 1 { continue outer }\n\t\tn++\n\t}\n}\nn", "3"},
		{"func Keys[K comparable, V any](m map[K]V) []K { var out []K; for k := range m { out = append(out, k) }; return out }\nlen(Keys(map[int]bool{1: true}))", "1"},
		{"type List[T any] struct{ items []T }\nfunc (l *List[T]) Add(x T) { l.items = append(l.items, x) }\nlst := &List[int]{}\nlst.Add(3)\nlen(lst.items)", "1"},
		{"var x any = 2.5\nswitch v := x.(type) {\ncase float64:\n\t_ = v\n}\n1", "1"},
		{"ch := make(chan int, 1)\nch <- 1\nselect {\ncase v, ok := <-ch:\n\t_, _ = v, ok\n}\n2", "2"},
		{"if v, err := f2(); err == nil {\n\t_ = v\n}\nfunc f2() (int, error) { return 1, nil }\n3", "3"},
		{"type E struct{ P }\nE{P{X: 4}}.X", "4"},
		{"later := first + 1\nfirst := 1", ""}, // order within a cell is yaegi's to judge
	}
	for _, c := range cells {
		r, err := h.s.Execute(context.Background(), c.code)
		if c.want == "" {
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", c.code, err)
			continue
		}
		if got := FormatValue(r.Value); got != c.want {
			t.Errorf("%q = %s, want %s", c.code, got, c.want)
		}
	}
}

// TestAutoImport checks goimports-like imports of known packages.
func TestAutoImport(t *testing.T) {
	h := newHarness(t)
	if got := h.run(`x, err := strconv.Atoi("5")` + "\nx"); got != "5" {
		t.Fatalf("strconv auto-import: %s", got)
	}
	if h.err.String() != "" || h.out.String() != "" {
		t.Errorf("auto-import is not silent: out %q err %q", h.out.String(), h.err.String())
	}
	if got := h.run(`strings.ToUpper("a") + fmt.Sprint(math.Sqrt(4))`); got != `"A2"` {
		t.Errorf("several packages in one cell: %s", got)
	}
	// math/rand is the only "rand" package with Intn.
	if got := h.run("rand.New(rand.NewSource(1)).Intn(1)"); got != "0" {
		t.Errorf("rand narrowed by selector: %s", got)
	}
	imports := map[string]string{}
	for _, b := range h.s.Names() {
		if b.Kind == "import" {
			imports[b.Name] = b.Type
		}
	}
	for name, path := range map[string]string{"strconv": "strconv", "strings": "strings", "fmt": "fmt", "math": "math", "rand": "math/rand"} {
		if imports[name] != path {
			t.Errorf("Names: import %s = %q, want %q", name, imports[name], path)
		}
	}
	// A rebuild (redefinition) replays the automatic imports.
	h.run("func v() int { return 1 }")
	h.run("func v() int { return 2 }")
	if got := h.run(`strconv.Itoa(v())`); got != `"2"` {
		t.Errorf("after rebuild: %s", got)
	}
	// Types of packages are imported too.
	if got := h.run("var d time.Duration = 2 * time.Second\nd.Seconds()"); got != "2" {
		t.Errorf("time.Duration: %s", got)
	}
	// A package the generic standard library compiled from source.
	if got := h.run("slices.Contains([]int{1, 2}, 2)"); got != "true" {
		t.Errorf("slices.Contains: %s", got)
	}
	err := h.fail("s := []int{2, 1}\nslices.Sort(s)")
	var ue *UnsupportedError
	if !errors.As(err, &ue) || !strings.Contains(ue.What, "slices.Sort") || ue.Line != 2 {
		t.Errorf("slices.Sort: got %T %v", err, err)
	}
}

// TestAutoImportFailedCellLeavesNoImport checks that an automatic import of
// a cell that fails is undone with the rest of the cell.
func TestAutoImportFailedCellLeavesNoImport(t *testing.T) {
	h := newHarness(t)
	h.fail("type Q struct{}\nn := strconv.Itoa(1) + 1")
	for _, b := range h.s.Names() {
		if b.Name == "strconv" || b.Name == "Q" {
			t.Errorf("failed cell left %s %s", b.Kind, b.Name)
		}
	}
	if got := h.run(`strconv.Itoa(2)`); got != `"2"` {
		t.Errorf("later auto-import: %s", got)
	}
}
