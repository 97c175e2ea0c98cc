package session

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestComplete(t *testing.T) {
	h := newHarness(t)
	h.run("import \"strings\"\nmyVariable := 3\nfunc myFunc() {}\ntype myType struct{ Field int }\nmt := myType{}")
	cases := []struct {
		code       string
		cursor     int // -1: end of code
		want       []string
		start, end int
	}{
		{"fmt.Pri", -1, []string{"Print", "Printf", "Println"}, 4, 7},
		{"strings.HasP", -1, []string{"HasPrefix"}, 8, 12},
		{"my", -1, []string{"myFunc", "myType", "myVariable"}, 0, 2},
		{"x := my", -1, []string{"myFunc", "myType", "myVariable"}, 5, 7},
		{"fo", -1, []string{"for"}, 0, 2},
		{"str", -1, []string{"string", "strings", "struct"}, 0, 3},
		{"import r \"math/rand\"\nr.Intn", -1, []string{"Intn"}, 23, 27},
		{"é := 1; fmt.Sprin", -1, []string{"Sprint", "Sprintf", "Sprintln"}, 12, 17},
		{"fmt.Pri(x)", 7, []string{"Print", "Printf", "Println"}, 4, 7},
		{"mt.Fi", -1, []string{"Field"}, 3, 5},
	}
	for _, tc := range cases {
		cur := tc.cursor
		if cur < 0 {
			cur = len([]rune(tc.code))
		}
		got, start, end := h.s.Complete(tc.code, cur)
		if !reflect.DeepEqual(got, tc.want) || start != tc.start || end != tc.end {
			t.Errorf("Complete(%q, %d) = %v [%d,%d), want %v [%d,%d)", tc.code, cur, got, start, end, tc.want, tc.start, tc.end)
		}
	}
}

func TestInspect(t *testing.T) {
	h := newHarness(t)
	h.run("import \"strconv\"\n// Square returns x squared.\nfunc Square(x int) int {\n\treturn x * x\n}\nn := 3")
	d, ok := h.s.Inspect("strconv.Atoi", 10)
	if !ok || d.Signature != "func Atoi(s string) (int, error)" || !strings.Contains(d.Text, "ParseInt") {
		t.Errorf("Inspect strconv.Atoi = %+v, %v", d, ok)
	}
	d, ok = h.s.Inspect("Square(2)", 2)
	if !ok || d.Signature != "func Square(x int) int" || d.Text != "Square returns x squared." {
		t.Errorf("Inspect Square = %+v, %v", d, ok)
	}
	d, ok = h.s.Inspect("n", 1)
	if !ok || d.Signature != "var n int" {
		t.Errorf("Inspect n = %+v, %v", d, ok)
	}
	d, ok = h.s.Inspect("strings.ToUpper(", 16)
	if !ok || !strings.HasPrefix(d.Signature, "func ToUpper(s string) string") {
		t.Errorf("Inspect after paren = %+v, %v", d, ok)
	}
	if _, ok := h.s.Inspect("nothingHere", 3); ok {
		t.Error("Inspect of an unknown name succeeded")
	}
}

func TestIsComplete(t *testing.T) {
	cases := []struct{ code, status, indent string }{
		{"", "complete", ""},
		{"x := 1", "complete", ""},
		{"func f() {", "incomplete", "\t"},
		{"func f() {\n\tif x {", "incomplete", "\t\t"},
		{"fmt.Println(1,", "incomplete", "\t"},
		{"s := `raw", "incomplete", ""},
		{"x := 1 +", "incomplete", ""},
		{"/* open comment", "incomplete", ""},
		{"}", "invalid", ""},
		{"f(]", "invalid", ""},
		{"x := \"unterminated", "invalid", ""},
		{"x := := 2", "invalid", ""},
		{"import \"fmt\"\nfmt.Println(1)\nfunc g() {}", "complete", ""},
		{"for i := 0; i < 3; i++ {\n}", "complete", ""},
	}
	for _, tc := range cases {
		st, ind := IsComplete(tc.code)
		if st != tc.status || ind != tc.indent {
			t.Errorf("IsComplete(%q) = %q, %q; want %q, %q", tc.code, st, ind, tc.status, tc.indent)
		}
	}
}

func TestNamesDeclGetSet(t *testing.T) {
	h := newHarness(t)
	h.run("import \"fmt\"\n// F doubles.\nfunc F(x int) int { return 2 * x }\ntype T struct{ A int }\nconst C = 3\nvar V = 4\nw := []float64{1}\n_ = fmt.Sprint")
	got := map[string]Binding{}
	for _, b := range h.s.Names() {
		got[b.Name] = b
	}
	for name, kind := range map[string]string{"fmt": "import", "F": "func", "T": "type", "C": "const", "V": "var", "w": "var"} {
		if got[name].Kind != kind {
			t.Errorf("Names()[%s] = %+v, want kind %s", name, got[name], kind)
		}
	}
	if got["w"].Type != "[]float64" {
		t.Errorf("w type = %q", got["w"].Type)
	}
	for n := range got {
		if strings.HasPrefix(n, "__gp") || n == "_" {
			t.Errorf("Names shows internal %q", n)
		}
	}
	d, ok := h.s.Decl("F")
	if !ok || d.Kind != "func" || d.Src != "// F doubles.\nfunc F(x int) int { return 2 * x }" {
		t.Errorf("Decl(F) = %+v, %v", d, ok)
	}
	if d, ok := h.s.Decl("V"); !ok || d.Src != "var V = 4" {
		t.Errorf("Decl(V) = %+v, %v", d, ok)
	}
	h.run("func F(x int) int { return 3 * x }")
	if d, _ := h.s.Decl("F"); d.Src != "func F(x int) int { return 3 * x }" {
		t.Errorf("Decl(F) after redefinition = %q", d.Src)
	}
	if v, ok := h.s.Get("w"); !ok || !reflect.DeepEqual(v.Interface(), []float64{1}) {
		t.Errorf("Get(w) = %v, %v", v, ok)
	}
	if _, ok := h.s.Get("nope"); ok {
		t.Error("Get(nope) succeeded")
	}

	// Set: assigning an existing global is seen by functions compiled before.
	h.run("a := 1\nfunc getA() int { return a }")
	if err := h.s.Set("a", reflect.ValueOf(41)); err != nil {
		t.Fatal(err)
	}
	if got := h.run("getA() + 1"); got != "42" {
		t.Errorf("getA()+1 after Set = %s", got)
	}
	// Set: a new global.
	if err := h.s.Set("pushed", reflect.ValueOf([]int{1, 2, 3})); err != nil {
		t.Fatal(err)
	}
	if got := h.run("pushed = append(pushed, 4)\npushed"); got != "[]int{1, 2, 3, 4}" {
		t.Errorf("pushed = %s", got)
	}
	if err := h.s.Set("F", reflect.ValueOf(1)); err == nil {
		t.Error("Set of a func name succeeded")
	}
}

func TestCompile(t *testing.T) {
	h := newHarness(t)
	if err := h.s.Set("a", reflect.ValueOf(10)); err != nil {
		t.Fatal(err)
	}
	h.run("b := 5")
	src := "func(x int) int { return a + b + x }"
	fn, err := h.s.Compile(src)
	if err != nil {
		t.Fatal(err)
	}
	if got := fn.Call([]reflect.Value{reflect.ValueOf(1)})[0].Int(); got != 16 {
		t.Errorf("fn(1) = %d", got)
	}
	h.s.Set("a", reflect.ValueOf(20))
	if got := fn.Call([]reflect.Value{reflect.ValueOf(1)})[0].Int(); got != 26 {
		t.Errorf("fn(1) after Set = %d", got)
	}
	fn2, err := h.s.Compile(src)
	if err != nil || fn2.Pointer() != fn.Pointer() {
		t.Errorf("second Compile not cached: %v", err)
	}
	if _, err := h.s.Compile("func(x int) int { return undefinedZ }"); err == nil || !strings.Contains(err.Error(), "undefinedZ") {
		t.Errorf("Compile undefined = %v", err)
	}
	if _, err := h.s.Compile("x + 1"); err == nil {
		t.Error("Compile of a non-function succeeded")
	}
	boom, err := h.s.Compile("func() { panic(\"no\") }")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.s.CallSafe(boom, nil); err == nil || !strings.Contains(err.Error(), "no") {
		t.Errorf("CallSafe = %v", err)
	}
}

func TestReset(t *testing.T) {
	h := newHarness(t)
	h.run("x := 1\nfunc f() {}")
	g := h.s.Generation()
	if err := h.s.Reset(); err != nil {
		t.Fatal(err)
	}
	if h.s.Generation() == g {
		t.Error("Generation unchanged by Reset")
	}
	if _, err := h.s.Execute(context.Background(), "x"); err == nil {
		t.Error("x survived Reset")
	}
	if names := h.s.Names(); len(names) != 0 {
		t.Errorf("Names after Reset = %v", names)
	}
	if got := h.run("x := 2\nx"); got != "2" {
		t.Errorf("after Reset: %s", got)
	}
}

func TestSplitCell(t *testing.T) {
	code := "import \"fmt\"\n\n// doc\nfunc f() {}\nx := 1; y := 2\nfunc() { fmt.Println() }()\nfunc (t T) M() {}\nfor i := 0; i < 2; i++ {\n}\nvar z = 3\ntype T int\nconst c = 1"
	chunks, err := splitCell(code)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, c := range chunks {
		kinds = append(kinds, c.Kind.String()+":"+code[c.Start:c.End])
	}
	want := []string{
		"import:import \"fmt\"", "func:func f() {}", "stmt:x := 1", "stmt:y := 2",
		"stmt:func() { fmt.Println() }()", "func:func (t T) M() {}", "stmt:for i := 0; i < 2; i++ {\n}",
		"var:var z = 3", "type:type T int", "const:const c = 1",
	}
	if !slices.Equal(kinds, want) {
		t.Errorf("got\n%q\nwant\n%q", kinds, want)
	}
	if code[chunks[1].Doc:chunks[1].Start] != "// doc\n" {
		t.Errorf("doc = %q", code[chunks[1].Doc:chunks[1].Start])
	}
}

func TestFormatValue(t *testing.T) {
	type pt struct{ X, Y int }
	cases := []struct {
		v    any
		want string
	}{
		{40, "40"},
		{"Hello World!", `"Hello World!"`},
		{[]int{0, 1, 1024}, "[]int{0, 1, 1024}"},
		{map[string]int{"b": 2, "a": 1}, `map[string]int{"a":1, "b":2}`},
		{[][]int{{1}, {2, 3}}, "[][]int{{1}, {2, 3}}"},
		{[]string(nil), "[]string(nil)"},
		{3.5, "3.5"},
		{true, "true"},
		{&pt{1, 2}, "&session.pt{X:1, Y:2}"},
		{struct{ A int }{1}, "{A:1}"},
		{[]any{1, "a"}, `[]interface {}{1, "a"}`},
	}
	for _, tc := range cases {
		if got := FormatValue(reflect.ValueOf(tc.v)); got != tc.want {
			t.Errorf("FormatValue(%#v) = %s, want %s", tc.v, got, tc.want)
		}
	}
	if got := FormatValue(reflect.Value{}); got != "<nil>" {
		t.Errorf("invalid = %s", got)
	}
}
