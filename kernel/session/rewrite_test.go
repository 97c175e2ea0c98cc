package session

import (
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"strings"
	"testing"
)

// TestTupleAssign covers yaegi's lost values in tuple assignments (see
// parenTuple and splitNilAssign). Each case is a sequence of cells in a fresh
// session; want is the formatted value of the last one. The cells print with
// fmt.Sprint so one string shows every variable.
func TestTupleAssign(t *testing.T) {
	const pre = "import (\n\"fmt\"\n\"math\"\n)\n" +
		"func g(x int) int { return x * 10 }\n" +
		"func h(x float64) float64 { return x * 10 }\n" +
		"type T struct{ V int }\n" +
		"var order []int\n" +
		"func rec(x int) int { order = append(order, x); return x }"
	cases := []struct {
		name  string
		cells []string
		want  string
	}{
		// At cell top level.
		{"math call last", []string{"y := 2.0\na, b := 0.0, 0.0", "a, b = y, math.Sin(y)", "fmt.Sprint(a, b)"}, `"2 0.9092974268256816"`},
		{"three values", []string{"y := 2\na, b, c := 0, 0, 0", "a, b, c = y, y+1, g(y)", "fmt.Sprint(a, b, c)"}, `"2 3 20"`},
		{"call first", []string{"y := 2\na, b := 0, 0\na, b = g(y), y", "fmt.Sprint(a, b)"}, `"20 2"`},
		{"redeclaration becomes assignment", []string{"y := 2.0\na, b := 0.0, 0.0", "a, b := y, h(y)", "fmt.Sprint(a, b)"}, `"2 20"`},
		{"swap", []string{"a, b := 1, 2\na, b = b, a", "fmt.Sprint(a, b)"}, `"2 1"`},
		{"swap with call", []string{"a, b := 1, 2\na, b = b, g(a)", "fmt.Sprint(a, b)"}, `"2 10"`},
		{"define composite", []string{"a, b := 1, []int{2}", "fmt.Sprint(a, b)"}, `"1 [2]"`},
		{"define receive", []string{"ch := make(chan int, 1)\nch <- 5\na, b := 1, <-ch", "fmt.Sprint(a, b)"}, `"1 5"`},
		{"var composite", []string{"var a, b = 1, []int{2}", "fmt.Sprint(a, b)"}, `"1 [2]"`},
		{"interface destination", []string{"var x any\nvar y int\nx, y = g(1), g(2)", "fmt.Sprint(x, y)"}, `"10 20"`},
		{"pointer and func literal", []string{"var p *T\nvar f func() int\np, f = &T{1}, func() int { return 3 }", "fmt.Sprint(*p, f())"}, `"{1} 3"`},
		{"values in order", []string{"a, b, c := 0, 0, 0\na, b, c = rec(1), rec(2), rec(3)", "fmt.Sprint(a, b, c, order)"}, `"1 2 3 [1 2 3]"`},
		{"untyped constant keeps destination type", []string{"var f float64\nvar n int\nk := uint(3)\nf, n = 1<<2, g(k2(k))\nfunc k2(k uint) int { return int(k) }", "fmt.Sprintf(\"%T %v %v\", f, f, n)"}, `"float64 4 30"`},
		{"nil error", []string{"var err error\nn := 0\nn, err = g(1), nil", "fmt.Sprint(n, err)"}, `"10 <nil>"`},
		{"all nil", []string{"var a, b any = 1, 2\na, b = nil, nil", "fmt.Sprint(a, b)"}, `"<nil> <nil>"`},
		{"multi-value call", []string{"func two() (int, string) { return 1, \"x\" }\na, b := 0, \"\"\na, b = two()", "fmt.Sprint(a, b)"}, `"1x"`},
		{"comma ok", []string{"m := map[string]int{\"k\": 4}\nv, ok := 0, false\nv, ok = m[\"k\"]", "fmt.Sprint(v, ok)"}, `"4 true"`},
		// Index and selector destinations: operands are evaluated before
		// any assignment, as Go specifies.
		{"index uses old index", []string{"s := []int{0, 0}\ni := 0\ni, s[i] = 1, g(7)", "fmt.Sprint(i, s)"}, `"1 [70 0]"`},
		{"map and slice", []string{"m := map[string]int{}\ns := []int{0, 0}\nk, i := \"a\", 1\nm[k], s[i] = g(1), g(2)", "fmt.Sprint(m, s)"}, `"map[a:10] [0 20]"`},
		{"field and pointer", []string{"v := T{}\nx := 1\np := &x\nv.V, *p = g(1), g(2)", "fmt.Sprint(v, x)"}, `"{10} 20"`},
		// Inside function bodies, including init statements.
		{"in func", []string{"func f(y float64) (float64, float64) { a, b := 0.0, 0.0; a, b = y, math.Sin(y); return a, b }", "a, b := f(2)", "fmt.Sprint(a, b)"}, `"2 0.9092974268256816"`},
		{"in func three", []string{"func f(y int) string { var a, b, c int; a, b, c = y, y+1, g(y); return fmt.Sprint(a, b, c) }", "f(2)"}, `"2 3 20"`},
		{"in func nil error", []string{"func f() (n int, err error) { n, err = g(1), nil; return }", "fmt.Sprint(f())"}, `"10 <nil>"`},
		{"for init", []string{"func f() string { a, b := 0, 0; for a, b = 1, g(2); a < 0; { }; return fmt.Sprint(a, b) }", "f()"}, `"1 20"`},
		{"if init", []string{"func f() string { if a, b := 1, []int{2}; a > 0 { return fmt.Sprint(a, b) }; return \"\" }", "f()"}, `"1 [2]"`},
		// Inside a function: a goroutine that outlives its cell races with
		// the next cell growing the globals (a yaegi limitation).
		{"go statement arguments", []string{"func f() string { done := make(chan string); go func(a []int, b int) { done <- fmt.Sprint(a, b) }([]int{1}, g(2)); return <-done }", "f()"}, `"[1] 20"`},
		{"return receive", []string{"func f() (string, int) { c := make(chan string, 1); c <- \"x\"; return <-c, 1 }", "fmt.Sprint(f())"}, `"x1"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.run(pre)
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

// TestTupleRewrite pins the shape of the rewrite: which values get
// parentheses and which statements are split.
func TestTupleRewrite(t *testing.T) {
	cases := []struct{ in, want string }{
		{"a, b = y, f(y)", "a, b = y, (f(y))"},
		{"a, b := 1, []int{2}", "a, b := 1, ([]int{2})"},
		{"a, b = <-ch, &T{}", "a, b = (<-ch), (&T{})"},
		{"a, b = g, 3", "a, b = g, 3"},
		{"a, b = f()", "a, b = f()"},
		{"a = f()", "a = f()"},
		{"v, ok = m[k]", "v, ok = m[k]"},
		{"var a, b = 1, f()", "var a, b = 1, (f())"},
		{"n, err = f(), nil", "{\n\tn = f()\n\terr = nil\n}"},
		{"n, err, m = f(), nil, g()", "{\n\tn, m = (f()), (g())\n\terr = nil\n}"},
		{"s[i], err = f(), nil", "s[i], err = (f()), nil"},
		{"a, a = nil, 1", "a, a = nil, 1"},
		{"return <-ch, f()", "return (<-ch), f()"},
	}
	for _, tc := range cases {
		src := "package p\nfunc _() {\n" + tc.in + "\n}\n"
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, "x.go", src, 0)
		if err != nil {
			t.Fatalf("%s: %v", tc.in, err)
		}
		body := f.Decls[0].(*ast.FuncDecl).Body
		rewriteNode(body, &rewriteEnv{userNames: map[string]bool{}})
		var b strings.Builder
		printer.Fprint(&b, token.NewFileSet(), body.List[0])
		if got := b.String(); got != tc.want {
			t.Errorf("%s:\ngot  %s\nwant %s", tc.in, got, tc.want)
		}
	}
}
