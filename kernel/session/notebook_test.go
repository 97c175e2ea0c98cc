package session

import (
	"context"
	"strings"
	"testing"
)

// TestNotebookCells runs, in one session and in order, the cells of a Go
// retelling of the lecture: maps, slices, structs, closures, fmt, math,
// time, errors, goroutines with sync.WaitGroup, channels, select, generics,
// methods and their redefinition. Packages are not imported: auto-import
// does it. Each cell's value and output are checked.
func TestNotebookCells(t *testing.T) {
	h := newHarness(t)
	cells := []struct {
		code string
		want string // formatted value, "" for none
		out  string // stdout of the cell
	}{
		{`fmt.Println("Hello World!")`, "", "Hello World!\n"},
		{"m := map[string]int{\"a\": 1, \"b\": 2}\nm[\"c\"] = 3\nlen(m)", "3", ""},
		{"keys := make([]string, 0, len(m))\nfor k := range m {\n\tkeys = append(keys, k)\n}\nsort.Strings(keys)\nkeys", `[]string{"a", "b", "c"}`, ""},
		{"delete(m, \"a\")\nv, ok := m[\"a\"]\nfmt.Println(v, ok)", "", "0 false\n"},
		{"s := []int{5, 2, 8, 1}\ns = append(s, 7)\nsort.Ints(s)\ns[1:3]", "[]int{2, 5}", ""},
		{"type Point struct{ X, Y float64 }\nfunc (p Point) Dist() float64 { return math.Hypot(p.X, p.Y) }\nPoint{3, 4}.Dist()", "5", ""},
		{"func (p *Point) Scale(f float64) { p.X *= f; p.Y *= f }\np := Point{1, 2}\np.Scale(2)\np", "{X:2, Y:4}", ""},
		{"func makeCounter() func() int {\n\tc := 0\n\treturn func() int { c++; return c }\n}\nnext := makeCounter()\nnext()\nnext()\nnext()", "3", ""},
		{`fmt.Sprintf("%.3f", math.Pi)`, `"3.142"`, ""},
		{"start := time.Now()\ntime.Sleep(5 * time.Millisecond)\ntime.Since(start) >= 5*time.Millisecond", "true", ""},
		{"var ErrNeg = errors.New(\"negative\")\nfunc sqrt(x float64) (float64, error) {\n\tif x < 0 {\n\t\treturn 0, fmt.Errorf(\"sqrt(%v): %w\", x, ErrNeg)\n\t}\n\treturn math.Sqrt(x), nil\n}\n_, err := sqrt(-1)\nerrors.Is(err, ErrNeg)", "true", ""},
		{"sqrt(16)", "4", ""},
		{"if _, err := sqrt(-4); err != nil {\n\tfmt.Println(\"error:\", err)\n}\nerr == nil", "false", "error: sqrt(-4): negative\n"},
		{"var wg sync.WaitGroup\nvar mu sync.Mutex\ntotal := 0\nfor i := 1; i <= 10; i++ {\n\twg.Add(1)\n\tgo func(n int) {\n\t\tdefer wg.Done()\n\t\tmu.Lock()\n\t\ttotal += n\n\t\tmu.Unlock()\n\t}(i)\n}\nwg.Wait()\ntotal", "55", ""},
		{"squares := make([]int, 5)\nfor i := range 5 {\n\twg.Add(1)\n\tgo func() {\n\t\tdefer wg.Done()\n\t\tsquares[i] = i * i\n\t}()\n}\nwg.Wait()\nsquares", "[]int{0, 1, 4, 9, 16}", ""},
		{"ch := make(chan int)\ngo func() {\n\tfor i := range 5 {\n\t\tch <- i * i\n\t}\n\tclose(ch)\n}()\nsum := 0\nfor v := range ch {\n\tsum += v\n}\nsum", "30", ""},
		{"results := make(chan string, 1)\ngo func() { results <- \"done\" }()\nselect {\ncase r := <-results:\n\tfmt.Println(r)\ncase <-time.After(5 * time.Second):\n\tfmt.Println(\"timeout\")\n}", "", "done\n"},
		{"c2 := make(chan int, 1)\nc2 <- 4\nclose(c2)\nselect {\ncase v, ok := <-c2:\n\tfmt.Println(v, ok)\n}", "", "4 true\n"},
		{"func Map[T, U any](xs []T, f func(T) U) []U {\n\tout := make([]U, len(xs))\n\tfor i, x := range xs {\n\t\tout[i] = f(x)\n\t}\n\treturn out\n}\nMap[int, string]([]int{1, 2}, strconv.Itoa)", `[]string{"1", "2"}`, ""},
		{"func Sum[T int | float64](xs []T) T {\n\tvar s T\n\tfor _, x := range xs {\n\t\ts += x\n\t}\n\treturn s\n}\nSum([]float64{1.5, 2.5})", "4", ""},
		{"type Stack[T any] struct{ items []T }\nfunc (s *Stack[T]) Push(x T) { s.items = append(s.items, x) }\nfunc (s *Stack[T]) Pop() T {\n\tx := s.items[len(s.items)-1]\n\ts.items = s.items[:len(s.items)-1]\n\treturn x\n}\nst := &Stack[int]{}\nst.Push(1)\nst.Push(2)\nst.Pop()", "2", ""},
		{"func (p Point) String() string { return fmt.Sprintf(\"(%g, %g)\", p.X, p.Y) }\nfmt.Println(Point{1, 2})", "", "(1, 2)\n"},
		{"func (p Point) String() string { return fmt.Sprintf(\"P(%g, %g)\", p.X, p.Y) }\nfmt.Println(Point{1, 2})", "", "P(1, 2)\n"},
		{"p.Dist()", "4.47213595499958", ""},
		{"x, err := strconv.Atoi(\"42\")\nx * 2", "84", ""},
		{"words := strings.Fields(\"the quick brown fox the lazy dog the end\")\nfreq := map[string]int{}\nfor _, w := range words {\n\tfreq[w]++\n}\nfreq[\"the\"]", "3", ""},
		{"type Shape interface{ Area() float64 }\ntype Rect struct{ W, H float64 }\ntype Circle struct{ R float64 }\nfunc (r Rect) Area() float64 { return r.W * r.H }\nfunc (c Circle) Area() float64 { return math.Pi * c.R * c.R }\nshapes := []Shape{Rect{2, 3}, Circle{1}}\narea := 0.0\nfor _, sh := range shapes {\n\tarea += sh.Area()\n}\nfmt.Sprintf(\"%.2f\", area)", `"9.14"`, ""},
		{"switch v := any(3.5).(type) {\ncase int:\n\tfmt.Println(\"int\", v)\ncase float64:\n\tfmt.Println(\"float64\", v)\n}", "", "float64 3.5\n"},
		{"defer fmt.Println(\"deferred\")\nfmt.Println(\"body\")", "", "body\ndeferred\n"},
		{"arr := [5]int{1, 2, 3}\narr[4] = 9\narr", "[5]int{1, 2, 3, 0, 9}", ""},
		{"matrix := [][]float64{{1, 2}, {3, 4}}\nmatrix[1][0]", "3", ""},
		{"var b strings.Builder\nfor i := range 3 {\n\tfmt.Fprintf(&b, \"%d;\", i)\n}\nb.String()", `"0;1;2;"`, ""},
		{"func fib(n int) int {\n\tif n < 2 {\n\t\treturn n\n\t}\n\treturn fib(n-1) + fib(n-2)\n}\nfibs := make([]int, 10)\nfor i := range fibs {\n\tfibs[i] = fib(i)\n}\nfibs", "[]int{0, 1, 1, 2, 3, 5, 8, 13, 21, 34}", ""},
		{"type Celsius float64\nc := Celsius(100)\nfloat64(c)*9/5 + 32", "212", ""},
		{"const (\n\tKB = 1 << (10 * (iota + 1))\n\tMB\n)\nMB / KB", "1024", ""},
		{"func divmod(a, b int) (q, r int) { return a / b, a % b }\nq, r := divmod(17, 5)\nfmt.Println(q, r)", "", "3 2\n"},
		{"ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)\ndefer cancel()\n<-ctx.Done()\nctx.Err()", "context deadline exceeded", ""},
		{"for i := 0; i < 3; i++ {\n\tif i == 1 {\n\t\tcontinue\n\t}\n\tfmt.Print(i, \" \")\n}\nfmt.Println()", "", "0 2 \n"},
		{"i := 10\nfor i := 0; i < 2; i++ {\n}\nif x := 3; x > 0 {\n\ti += x\n}\ni", "13", ""},
		{"adder := func(a, b []float64) []float64 {\n\tc := make([]float64, len(a))\n\tfor i := range a {\n\t\tc[i] = a[i] + b[i]\n\t}\n\treturn c\n}\nadder([]float64{1}, []float64{2})", "[]float64{3}", ""},
		{"min(3, 1, 2) + max(len(s), 2)", "6", ""},
		{"strings.Repeat(\"ab\", 3)", `"ababab"`, ""},
		{`fmt.Printf("%5.2f|%-4s|%03d\n", math.E, "go", 7)`, "", " 2.72|go  |007\n"},
		{"type Temp struct {\n\tCity string\n\tDeg  float64\n}\ntemps := []Temp{{\"Oslo\", -3}, {\"Rome\", 14}}\nsort.Slice(temps, func(i, j int) bool { return temps[i].Deg > temps[j].Deg })\ntemps[0].City", `"Rome"`, ""},
	}
	for i, c := range cells {
		h.out.Reset()
		r, err := h.s.Execute(context.Background(), c.code)
		if err != nil {
			t.Errorf("cell %d %q: %v", i, c.code, err)
			continue
		}
		got := ""
		if r.HasValue {
			got = FormatValue(r.Value)
		}
		if got != c.want {
			t.Errorf("cell %d %q = %s, want %s", i, c.code, got, c.want)
		}
		if out := h.out.String(); out != c.out {
			t.Errorf("cell %d %q printed %q, want %q", i, c.code, out, c.out)
		}
	}
	if e := h.err.String(); e != "" {
		t.Errorf("stderr: %q", e)
	}
	// Locals of top-level code do not pile up in the interpreter's scope.
	if raw := rawScope(t, h.s); strings.Contains(raw, localPrefix) {
		t.Errorf("renamed locals left in the scope: %s", raw)
	}
}

// TestTopLevelScopes checks Go's block scoping in top-level code, which
// yaegi gets wrong (see renameTopLocals).
func TestTopLevelScopes(t *testing.T) {
	h := newHarness(t)
	h.run("m := 4\ni := 100\nk := 7\nerr := error(nil)")
	cells := []struct{ code, want string }{
		{"for i := 0; i < 3; i++ {}\ni", "100"},
		{"switch k := 2.5; k {\n}\nk", "7"},
		{"for j := range 2 { m := 9.5; _ = m; _ = j }\nm", "4"},
		{"{ m := \"s\"; _ = m }\nm", "4"},
		{"if m := 9.5; m > 0 {\n\tm++\n}\nm", "4"},
		{"if _, err := strconv.Atoi(\"x\"); err != nil {\n\tm = 5\n}\nerr == nil", "true"},
		{"m", "5"},
		{"t := 0\nfor i := 0; i < 3; i++ {\n\ti := i * 10\n\tt += i\n}\nt", "30"},
		{"fs := []func() int{}\nfor i := 0; i < 3; i++ {\n\tfs = append(fs, func() int { return i })\n}\nfs[0]() + fs[2]()", "2"},
		{"var x any = []int{4}\nswitch v := x.(type) {\ncase []int:\n\tm = v[0]\ncase string:\n\t_ = v\n}\nm", "4"},
		{"for _, p := range []struct{ a int }{{1}, {2}} {\n\tm += p.a\n}\nm", "7"},
		{"mm := map[string]int{\"a\": 1}\nv, ok := mm[\"a\"]\n_, ok2 := mm[\"b\"]\nfmt.Sprint(v, ok, ok2)", `"1 true false"`},
		{"var y any = \"s\"\nstr, isStr := y.(string)\n_, isInt := y.(int)\nfmt.Sprint(str, isStr, isInt)", `"strue false"`},
		{"{\n\tvar k string = \"inner\"\n\t_ = k\n}\nk", "7"},
		{"gs := []func() int{}\nfor _, v := range []int{10, 20} {\n\tgs = append(gs, func() int { return v })\n}\ngs[0]()", "10"},
		{"c := 0\nfor i := range 5 {\n\ti += 10\n\tc++\n}\nc", "5"},
	}
	for _, c := range cells {
		if got := h.run(c.code); got != c.want {
			t.Errorf("%q = %s, want %s", c.code, got, c.want)
		}
	}
	// Errors name the locals as written.
	err := h.fail("for q := 0; q < 1; q++ {\n\tq = \"s\"\n}")
	if strings.Contains(err.Error(), "__gp") || !strings.Contains(err.Error(), "cell:2:") {
		t.Errorf("error %q", err)
	}
}
