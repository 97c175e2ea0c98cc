package parallel

import (
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/rewrite")

// fakeDecls is a DeclLookup over declaration sources, as the session would give.
type fakeDecls map[string][2]string

func newFakeDecls(t testing.TB, srcs ...string) fakeDecls {
	d := fakeDecls{}
	for _, src := range srcs {
		src = strings.TrimSpace(src)
		if src == "" {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), "d", "package p\n"+src, parser.SkipObjectResolution)
		if err != nil {
			t.Fatalf("decl %q: %v", src, err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			name := path[strings.LastIndex(path, "/")+1:]
			if imp.Name != nil {
				name = imp.Name.Name
			}
			d[name] = [2]string{src, KindImport}
		}
		for _, decl := range f.Decls {
			switch x := decl.(type) {
			case *ast.FuncDecl:
				d[x.Name.Name] = [2]string{src, KindFunc}
			case *ast.GenDecl:
				for _, spec := range x.Specs {
					switch s := spec.(type) {
					case *ast.TypeSpec:
						d[s.Name.Name] = [2]string{src, KindType}
					case *ast.ValueSpec:
						for _, n := range s.Names {
							d[n.Name] = [2]string{src, x.Tok.String()}
						}
					}
				}
			}
		}
	}
	return d
}

func (d fakeDecls) Decl(name string) (string, string, bool) {
	e, ok := d[name]
	if e[1] == "typeof" {
		return "", "", false
	}
	return e[0], e[1], ok
}

// typedDecls also answers TypeOf, from "name type" lines.
type typedDecls struct{ fakeDecls }

func (d typedDecls) TypeOf(name string) (string, bool) {
	e, ok := d.fakeDecls["typeof:"+name]
	return e[0], ok
}

// golden is one testdata/rewrite case: a description, decls, a cell, the output.
type golden struct {
	path, desc, decls, types, cell, want string
}

func readGolden(t *testing.T, path string) golden {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	g := golden{path: path}
	section := &g.desc
	for _, line := range strings.SplitAfter(string(b), "\n") {
		switch strings.TrimSpace(line) {
		case "-- decls --":
			section = &g.decls
			continue
		case "-- types --":
			section = &g.types
			continue
		case "-- cell --":
			section = &g.cell
			continue
		case "-- want --":
			section = &g.want
			continue
		}
		*section += line
	}
	return g
}

func (g golden) write() error {
	s := g.desc
	if g.decls != "" {
		s += "-- decls --\n" + g.decls
	}
	if g.types != "" {
		s += "-- types --\n" + g.types
	}
	s += "-- cell --\n" + g.cell + "-- want --\n" + g.want
	return os.WriteFile(g.path, []byte(s), 0o644)
}

func TestRewriteCellGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/rewrite/*.txt")
	if len(files) == 0 {
		t.Fatal("no golden files")
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			g := readGolden(t, path)
			var decls DeclLookup = newFakeDecls(t, strings.Split(g.decls, "\n---\n")...)
			if g.types != "" {
				fd := decls.(fakeDecls)
				for _, line := range strings.Split(strings.TrimSpace(g.types), "\n") {
					name, typ, _ := strings.Cut(line, " ")
					fd["typeof:"+name] = [2]string{typ, "typeof"}
				}
				decls = typedDecls{fd}
			}
			got, err := RewriteCell(g.cell, decls)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Count(got, "\n") != strings.Count(g.cell, "\n") {
				t.Errorf("line count changed")
			}
			if len(parseCell(g.cell)) > 0 && len(parseCell(got)) == 0 {
				t.Errorf("output does not parse:\n%s", got)
			}
			if *update {
				g.want = got
				if err := g.write(); err != nil {
					t.Fatal(err)
				}
				return
			}
			if got != g.want {
				t.Errorf("RewriteCell:\n%s\nwant:\n%s", got, g.want)
			}
		})
	}
}

func TestHelpersAnalysis(t *testing.T) {
	decls := newFakeDecls(t,
		`import "math"`,
		`const scale = 3`,
		`type Point struct{ X, Y float64 }`,
		`func norm(p Point) float64 { return math.Sqrt(p.X*p.X+p.Y*p.Y) * scale }`,
		`func twice(p Point) float64 { return 2 * norm(p) }`,
		`var offset = 1.5`,
	)
	sf, err := shipSource("", `func(ps []Point) (s float64) {
		for _, p := range ps { s += twice(p) + offset }
		var local = Point{X: 1}
		switch v := any(local).(type) { case Point: _ = v }
		fmt.Println(strings.Repeat("x", 2), time.Second)
		return
	}`, decls, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`import "math"`, `import "fmt"`, `import "strings"`, `import "time"`,
		`type Point struct{ X, Y float64 }`,
		`const scale = 3`,
		`func norm(p Point) float64 { return math.Sqrt(p.X*p.X+p.Y*p.Y) * scale }`,
		`func twice(p Point) float64 { return 2 * norm(p) }`,
	}
	if !reflect.DeepEqual(sf.Helpers, want) {
		t.Fatalf("helpers:\n%s\nwant:\n%s", strings.Join(sf.Helpers, "\n"), strings.Join(want, "\n"))
	}
}

func TestFreeNames(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want []string
	}{
		{`func(x int) int { return a + b + x }`, []string{"a", "b"}},
		{`func() { for i := 0; i < n; i++ { y := i; _ = y } }`, []string{"n"}},
		{`func() { x := T{F: v}; m := map[K]int{k: 1}; _, _ = x, m }`, []string{"T", "v", "K", "k"}},
		{`func() { defer func() { recover() }(); go g(); var z Z; _ = z }`, []string{"g", "Z"}},
		{`func(xs []int) (s int) { for _, x := range xs { s += x }; return }`, nil},
		{`func() { if v, ok := m[1]; ok { _ = v }; _ = pkg.Sel }`, []string{"m", "pkg"}},
		{`func() { type L struct{ next *L }; var l L; _ = l }`, nil},
		{`func() { f := func(q int) int { return q + w }; _ = f }`, []string{"w"}},
		{`func() { select { case v := <-ch: _ = v } }`, []string{"ch"}},
	} {
		e, err := parser.ParseExpr(tc.src)
		if err != nil {
			t.Fatal(err)
		}
		got := findFree(e).Names
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("free(%s) = %v, want %v", tc.src, got, tc.want)
		}
	}
}

func TestFunc(t *testing.T) {
	f := Func("func square(x int) int { return x * x }")
	if f.Err() != nil || f.Source != "func(x int) int { return x * x }" || f.Name != "square" {
		t.Fatalf("Func(decl) = %+v", f)
	}
	f = Func("func(x float64) float64 { return math.Sqrt(x) }", "func unused() {}")
	if !reflect.DeepEqual(f.Helpers, []string{`import "math"`, "func unused() {}"}) {
		t.Fatalf("helpers = %q", f.Helpers)
	}
	if Func("func(x int) int { return x").Err() == nil || Func("1 + 2").Err() == nil {
		t.Fatal("bad sources accepted")
	}
	if Func("func[T any](x T) T { return x }").Err() == nil {
		t.Fatal("generic literal accepted")
	}
}

func FuzzRewriteCell(f *testing.F) {
	files, _ := filepath.Glob("testdata/rewrite/*.txt")
	for _, path := range files {
		b, _ := os.ReadFile(path)
		s := string(b)
		if i := strings.Index(s, "-- cell --\n"); i >= 0 {
			s = s[i+len("-- cell --\n"):]
			if j := strings.Index(s, "-- want --"); j >= 0 {
				s = s[:j]
			}
		}
		f.Add(s)
	}
	f.Add("x.Map(func(){}, func(a, b int, c ...string) (r int) { return })")
	decls := newFakeDecls(f, "func sq(x int) int { return x * x }", "var v = func() {}", `import "math"`)
	f.Fuzz(func(t *testing.T, src string) {
		got, err := RewriteCell(src, decls)
		if err != nil {
			t.Fatal(err)
		}
		if len(parseCell(src)) > 0 && len(parseCell(got)) == 0 {
			t.Fatalf("parseable input gave unparseable output:\n%s\n=>\n%s", src, got)
		}
	})
}
