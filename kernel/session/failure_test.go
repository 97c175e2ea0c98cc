package session

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// rawScope renders every symbol of the interpreter's package scope with
// the identity of its symbol, to catch anything a failed cell leaves or
// replaces that Names does not show.
func rawScope(t *testing.T, s *Session) string {
	t.Helper()
	syms := mainSyms(s.in)
	if !syms.IsValid() {
		t.Fatal("no access to the interpreter's scope")
	}
	var keys []string
	for it := syms.MapRange(); it.Next(); {
		keys = append(keys, fmt.Sprintf("%s@%p", it.Key().String(), (unsafe.Pointer)(it.Value().UnsafePointer())))
	}
	sort.Strings(keys)
	return strings.Join(keys, " ")
}

// TestFailedCellLeavesNoTrace runs, for each phase a cell can fail in, a
// failing cell that declares globals, a func, a type and a method, then
// cells that declare the same names again with := and use them.
func TestFailedCellLeavesNoTrace(t *testing.T) {
	phases := []struct {
		name, cell string
		check      func(error) bool
	}{
		{"parse", "a := 1\nb := (\nfunc fa() int { return 1 }", isCompileError},
		{"undefined name", "a := 1\nb, err := nosuch.F()\ntype Ta struct{}\nfunc fa() int { return 1 }", isCompileError},
		{"undefined package selector", "cluster, err := strconv.Nope()\ndview := cluster.Slice(\":\")", isCompileError},
		{"type error", "a := 1\nb := a + \"x\"\ntype Ta struct{ V int }\nfunc (t Ta) M() int { return t.V }", isCompileError},
		{"too many arguments", "func fa() int { return 1 }\na := fa(2)\nb := a", isCompileError},
		{"type error in func", "a := 1\nfunc fa() int { return \"x\" }\nb := a", isCompileError},
		{"type error in method", "type Ta struct{ V int }\nfunc (t Ta) M() int { return t.V + \"x\" }\na, b := 1, 2", isCompileError},
		{"yaegi internal panic", "a := 1\nb := []int{1}\nfor i := range b[0] { _ = i }", func(err error) bool {
			var ue *UnsupportedError
			return errors.As(err, &ue)
		}},
	}
	const again = "type Ta struct{ V int }\n" +
		"func (t Ta) M() int { return t.V * 10 }\n" +
		"func fa() int { return 7 }\n" +
		"a := 1\n" +
		"b := \"x\"\n" +
		"cluster := Ta{2}\n" +
		"dview := cluster.M()\n" +
		"err := error(nil)\n" +
		"fmt.Sprint(a, b, fa(), dview, err)"
	for _, ph := range phases {
		t.Run(ph.name, func(t *testing.T) {
			h := newHarness(t)
			h.run(`import "fmt"`)
			before, rawBefore := names(h.s), rawScope(t, h.s)
			err := h.fail(ph.cell)
			if !ph.check(err) {
				t.Fatalf("got %T %v", err, err)
			}
			if after := names(h.s); after != before {
				t.Errorf("names after the failed cell: %s\nbefore: %s", after, before)
			}
			if after := rawScope(t, h.s); after != rawBefore {
				t.Errorf("interpreter scope after the failed cell:\n%s\nbefore:\n%s", after, rawBefore)
			}
			for _, n := range []string{"a", "b", "err", "cluster", "dview"} {
				if _, ok := h.s.Get(n); ok {
					t.Errorf("%s exists after the failed cell", n)
				}
			}
			if got := h.run(again); got != `"1x7 20 <nil>"` {
				t.Errorf("redeclaring after the failure: %s", got)
			}
			// Once more, as assignments to the existing globals.
			if got := h.run("a := 2\nb := \"y\"\nfmt.Sprint(a, b, Ta{3}.M())"); got != `"2y30"` {
				t.Errorf("redeclaring again: %s", got)
			}
		})
	}
}

// TestFailedRedeclarationKeepsValue checks that a failed `x := ...` of an
// existing global leaves the global and its value as they were.
func TestFailedRedeclarationKeepsValue(t *testing.T) {
	h := newHarness(t)
	h.run("x := 5\nfunc getX() int { return x }")
	raw := rawScope(t, h.s)
	h.fail(`x := "s" + 1`)
	h.fail("x := getX(1)")
	h.fail("for i := 0; i < 2; i++ { x := nope }")
	h.fail("y := 1\nfor i := range 3 { y += x.Foo }")
	if after := rawScope(t, h.s); after != raw {
		t.Errorf("interpreter scope after failed cells:\n%s\nbefore:\n%s", after, raw)
	}
	if got := h.run("x + getX()"); got != "10" {
		t.Errorf("x after failed redeclarations: %s", got)
	}
}

// TestFailedMethodIsForgotten checks that a method that failed to compile
// does not shadow the one declared later (yaegi appends methods to the
// receiver type before checking them).
func TestFailedMethodIsForgotten(t *testing.T) {
	h := newHarness(t)
	h.run("type T struct{ A int }")
	h.fail(`func (t T) Get() int { return t.A + "x" }`)
	h.fail(`func (t *T) Ptr() int { return t.B }`)
	h.run("func (t T) Get() int { return t.A }\nfunc (t *T) Ptr() int { return t.A * 2 }")
	if got := h.run("v := T{3}\nv.Get() + v.Ptr()"); got != "9" {
		t.Errorf("got %s", got)
	}
}

// TestFailedCellRunsNothing checks that a cell that does not compile runs
// none of its statements, even those before the unit that fails (all units
// compile before any runs), while a cell that panics keeps what ran before
// the panic, as a notebook user expects.
func TestFailedCellRunsNothing(t *testing.T) {
	h := newHarness(t)
	h.run(`import "fmt"`)
	err := h.fail("n := 5\nfmt.Println(n)\nfunc g() int { return n }\nn.Foo()")
	if !isCompileError(err) {
		t.Fatalf("got %T %v", err, err)
	}
	if h.out.String() != "" {
		t.Errorf("output %q", h.out.String())
	}
	for _, name := range []string{"n", "g"} {
		if _, err := h.s.Execute(context.Background(), name); err == nil {
			t.Errorf("%s exists after the failed cell", name)
		}
	}
	var pe *PanicError
	if err := h.fail("m := 5\nfmt.Println(m)\nvar s []int\n_ = s[m]"); !errors.As(err, &pe) {
		t.Fatalf("got %T %v", err, err)
	}
	if h.out.String() != "5\n" {
		t.Errorf("output %q", h.out.String())
	}
	if got := h.run("m"); got != "5" {
		t.Errorf("m = %s after the panic", got)
	}
}

// TestCellSequence is a long mixed session of successes and failures of
// every kind; each cell's outcome is checked, so that a failure poisoning a
// later cell shows where it starts.
func TestCellSequence(t *testing.T) {
	h := newHarness(t)
	steps := []struct {
		code string
		want string // value; "!" prefix: an error containing the rest
	}{
		{`import "fmt"`, ""},
		{"cluster, err := parallel.StartCluster(4)\ndview := cluster.Slice(\":\")", "!undefined: parallel"},
		{"dview := c.Slice(\":\")", "!undefined: c"},
		{"type Cluster struct{ N int }\nfunc StartCluster(n int) (*Cluster, error) { return &Cluster{n}, nil }\nfunc (c *Cluster) Slice(s string) []int { return make([]int, c.N) }", ""},
		{"cluster, err := StartCluster(4)\ndview := cluster.Slice(\":\")\nlen(dview)", "4"},
		{"func work(xs []int) int { return len(xs) * cluster.N }\nwork(dview)", "16"},
		{"cluster.Slice(1)", "!"},
		{"work(dview)", "16"},
		{"x := 1\ny := x +", "!"},
		{"x", "!undefined: x"},
		{"x := 10\nx", "10"},
		{"x := \"str\" * 2", "!"},
		{"x", "10"},
		{"var s []float64 = []int{1}", "!"},
		{"s := []float64{1, 2}\nlen(s)", "2"},
		{"func mean(v []float64) float64 { t := 0.0; for _, e := range v { t += e }; return t / float64(len(v)) }\nmean(s)", "1.5"},
		{"func mean(v []float64) float64 { return undefinedHelper(v) }", "!undefined: undefinedHelper"},
		{"mean(s)", "1.5"},
		{"func mean(v []float64) float64 { return v[0] }\nmean(s)", "1"},
		{"work(dview)", "16"},
		{"type Cluster struct{ N, M int }\nfunc (c *Cluster) Slice(s string) []int { return make([]int, c.N+c.M) }", ""},
		// A carried variable keeps its old struct type (see doc.go): it is
		// declared again.
		{"cluster := &Cluster{1, 2}\nlen(cluster.Slice(\"\"))", "3"},
		{"panic(\"boom\")", "!boom"},
		{"x + 1", "11"},
		{"strconv.Itoa(x)", `"10"`},
		{"rand.Float64()", "!ambiguous"},
		{"y := x * 2\ny", "20"},
		{"for i := range x { y += i }\ny", "65"},
		{"a := 3\nadd := func(a, b []float64) []float64 { c := make([]float64, len(a)); for i := range a { c[i] = a[i] + b[i] }; return c }\nadd(s, s)", "[]float64{2, 4}"},
		{"go func() { panic(\"in goroutine\") }()", ""},
		{"fmt.Sprint(x, y, a)", `"10 65 3"`},
	}
	for i, st := range steps {
		r, err := h.s.Execute(context.Background(), st.code)
		if want, isErr := strings.CutPrefix(st.want, "!"); isErr {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("step %d %q: got %v, want an error containing %q", i, st.code, err, want)
			}
			continue
		}
		if err != nil {
			t.Fatalf("step %d %q: %v", i, st.code, err)
		}
		got := ""
		if r.HasValue {
			got = FormatValue(r.Value)
		}
		if got != st.want {
			t.Fatalf("step %d %q = %s, want %s", i, st.code, got, st.want)
		}
	}
	select {
	case p := <-h.panics:
		if p.Message != "in goroutine" {
			t.Errorf("goroutine panic %q", p.Message)
		}
	case <-time.After(15 * time.Second):
		t.Error("goroutine panic not reported")
	}
}

// TestRangeShadowing checks that range over an integer is recognised with
// Go's scopes: parameters, locals and := in enclosing blocks shadow
// globals, and the cell's own top-level definitions count.
func TestRangeShadowing(t *testing.T) {
	cases := []struct {
		name  string
		cells []string
		want  string
	}{
		{"param shadows int global", []string{"a := 3", "mul := func(a, b []float64) []float64 { c := make([]float64, len(a)); for i := range a { c[i] = a[i]*b[i] }; return c }\nmul([]float64{1, 2}, []float64{3, 4})"}, "[]float64{3, 8}"},
		{"func decl param", []string{"n := 3", "func count(n []string) int { c := 0; for range n { c++ }; return c }\ncount([]string{\"a\", \"b\"})"}, "2"},
		{"local := shadows", []string{"n := 3", "func f() int { n := []int{7, 8}; s := 0; for _, v := range n { s += v }; return s }\nf()"}, "15"},
		{"enclosing block", []string{"xs := 2", "t := 0\nfor _, xs := range [][]int{{1, 2}, {3}} {\n\tfor i := range xs { t += xs[i] }\n}\nt"}, "6"},
		{"int param shadows slice global", []string{"k := []int{1}", "func g(k int) int { s := 0; for i := range k { s += i }; return s }\ng(4)"}, "6"},
		{"shadow ends with its block", []string{"m := 4", "s := 0\nif m := []int{9}; len(m) > 0 {\n\tfor range m { s += 100 }\n}\nfor i := range m { s += i }\ns"}, "106"},
		{"cell global in func of same cell", []string{"n := 4\nfunc tri() int { s := 0; for i := range n { s += i }; return s }\ntri()"}, "6"},
		{"global int in func", []string{"n := 5", "func tri() int { s := 0; for i := range n { s += i }; return s }\ntri()"}, "10"},
		{"replayed after rebuild", []string{"n := 5", "func tri() int { s := 0; for i := range n { s += i }; return s }\nfunc other() int { return 1 }", "func other() int { return 2 }", "tri() + other()"}, "12"},
		{"range var key is int", []string{"s := 0\nfor i := range 3 {\n\tfor j := range i { s += j + 1 }\n}\ns"}, "4"},
		{"type switch binding shadows", []string{"v := 3", "var x any = []int{5, 6}\nt := 0\nswitch v := x.(type) {\ncase []int:\n\tfor i := range v { t += v[i] }\n}\nt"}, "11"},
		{"method receiver", []string{"r := 2", "type R []int\nfunc (r R) Sum() int { s := 0; for i := range r { s += r[i] }; return s }\nR{1, 2, 3}.Sum()"}, "6"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			var got string
			for _, c := range tc.cells {
				got = h.run(c)
			}
			if got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

// TestTopLevelDefer checks that a cell's top-level deferred calls run once,
// when the cell ends, last first, with arguments evaluated at the defer.
func TestTopLevelDefer(t *testing.T) {
	h := newHarness(t)
	h.run(`import "fmt"`)
	h.run("n := 1\ndefer fmt.Println(\"first deferred\", n)\nn = 2\ndefer func() { fmt.Println(\"second deferred\", n) }()\nfmt.Println(\"body\")")
	if got, want := h.out.String(), "body\nsecond deferred 2\nfirst deferred 1\n"; got != want {
		t.Errorf("output %q, want %q", got, want)
	}
	h.out.Reset()
	h.run("x := 3\nfmt.Println(x)")
	if got := h.out.String(); got != "3\n" {
		t.Errorf("a deferred call ran again in a later cell: %q", got)
	}
	h.out.Reset()
	// A defer in a top-level loop runs at the end of the cell too; one in
	// a function literal is the literal's own.
	h.run("for i := 0; i < 2; i++ {\n\tdefer fmt.Println(\"loop\", i)\n}\nfunc() { defer fmt.Println(\"literal\") }()\nfmt.Println(\"end\")")
	if got, want := h.out.String(), "literal\nend\nloop 1\nloop 0\n"; got != want {
		t.Errorf("output %q, want %q", got, want)
	}
	// A panic in a deferred call is the cell's error; a context cancel works.
	err := h.fail("defer func() { panic(\"late\") }()\n1")
	var pe *PanicError
	if !errors.As(err, &pe) || pe.Message != "late" {
		t.Errorf("got %T %v", err, err)
	}
	if got := h.run("ctx, cancel := context.WithCancel(context.Background())\ndefer cancel()\nctx.Err() == nil"); got != "true" {
		t.Errorf("defer cancel: %s", got)
	}
	if got := h.run("ctx.Err()"); got != "context canceled" {
		t.Errorf("ctx.Err() after the cell = %s", got)
	}
}

// TestGoroutinePanicReportedDuringCell checks that a goroutine's panic is
// reported while the cell that started it still runs.
func TestGoroutinePanicReportedDuringCell(t *testing.T) {
	h := newHarness(t)
	reported := make(chan struct{})
	var once bool
	waitReport := func() bool {
		select {
		case <-reported:
			return true
		case <-time.After(15 * time.Second):
			return false
		}
	}
	go func() {
		p := <-h.panics
		if p.Message == "early" {
			once = true
		}
		close(reported)
	}()
	if err := h.s.Set("waitReport", reflect.ValueOf(waitReport)); err != nil {
		t.Fatal(err)
	}
	// The cell waits for the report: before the fix, goPanic waited for
	// the cell's lock and this deadlocked until the timeout.
	if got := h.run("go func() { panic(\"early\") }()\nwaitReport()"); got != "true" {
		t.Fatalf("panic not reported while the cell ran: %s", got)
	}
	if !once {
		t.Error("wrong panic reported")
	}
}

// TestGoroutinePanicTraceback checks the traceback of a goroutine's panic:
// the panicking frames and the go statement.
func TestGoroutinePanicTraceback(t *testing.T) {
	h := newHarness(t)
	h.run("func crash() { var m map[string]int; m[\"a\"] = 1 }")
	h.run("x := 1\ngo crash()")
	select {
	case p := <-h.panics:
		tb := strings.Join(p.Traceback, "\n")
		if !strings.Contains(tb, "cell[1]:1:") || !strings.Contains(tb, "in crash") || !strings.Contains(tb, "cell[2]:2:1 in go statement") {
			t.Errorf("traceback %q", tb)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no report")
	}
}

// TestGoroutinePanicWhileCompiling races a panicking goroutine against
// the compilation of the rest of its cell and of later cells; run with
// -race (see guardGo).
func TestGoroutinePanicWhileCompiling(t *testing.T) {
	h := newHarness(t)
	for i := 0; i < 20; i++ {
		h.run("go func() { panic(\"boom\") }()\nfunc zz() int { return 1 }\nx := 1\ny := x + zz()\ny")
		h.run("go func(n int) { var s []int; _ = s[n] }(3)\nz := 2\nz")
		for j := 0; j < 2; j++ {
			select {
			case <-h.panics:
			case <-time.After(15 * time.Second):
				t.Fatal("no report")
			}
		}
	}
}

// TestGoroutinesFromLoop starts goroutines from a function literal in a
// loop, at top level and in a function called twice: with -race, this
// checks the frame slot race of yaegi's closures (see guardGo). It also
// checks that each goroutine gets its own argument and loop variable.
func TestGoroutinesFromLoop(t *testing.T) {
	h := newHarness(t)
	h.run("var wg sync.WaitGroup\nvar mu sync.Mutex\ngot := map[int]int{}")
	h.run("for r := 0; r < 10; r++ {\n\tfor i := 0; i < 10; i++ {\n\t\twg.Add(1)\n\t\tgo func(n int) {\n\t\t\tdefer wg.Done()\n\t\t\tmu.Lock()\n\t\t\tgot[n]++\n\t\t\tmu.Unlock()\n\t\t}(i)\n\t}\n}\nwg.Wait()")
	h.run("func spawn() {\n\tfor i := range 10 {\n\t\twg.Add(1)\n\t\tgo func() {\n\t\t\tdefer wg.Done()\n\t\t\tmu.Lock()\n\t\t\tgot[i] += 100\n\t\t\tmu.Unlock()\n\t\t}()\n\t}\n}\nspawn()\nspawn()\nwg.Wait()")
	if got := h.run("fmt.Sprint(got)"); got != `"map[0:210 1:210 2:210 3:210 4:210 5:210 6:210 7:210 8:210 9:210]"` {
		t.Errorf("got %s", got)
	}
}
