package parallel_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/goparallel/goparallel/parallel"
	"github.com/goparallel/goparallel/parallel/symbols"
	"github.com/goparallel/goparallel/protocol"
	"github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"
)

// notebook runs cells the way the kernel does: RewriteCell with the declarations of
// earlier cells, BeginCell, then Eval.
type notebook struct {
	t     *testing.T
	i     *interp.Interpreter
	decls map[string][2]string
}

func newNotebook(t *testing.T) *notebook {
	i := interp.New(interp.Options{})
	if err := i.Use(stdlib.Symbols); err != nil {
		t.Fatal(err)
	}
	if err := i.Use(symbols.Symbols); err != nil {
		t.Fatal(err)
	}
	return &notebook{t: t, i: i, decls: map[string][2]string{}}
}

func (n *notebook) Decl(name string) (string, string, bool) {
	d, ok := n.decls[name]
	return d[0], d[1], ok
}

// record remembers the top-level declarations of a cell, as the session would.
func (n *notebook) record(src string) {
	f, err := parser.ParseFile(token.NewFileSet(), "cell", "package main\n"+src, parser.SkipObjectResolution)
	if err != nil {
		// Statements: top-level := declares notebook variables.
		body, err := parser.ParseFile(token.NewFileSet(), "cell", "package main\nfunc _() {\n"+src+"\n}", parser.SkipObjectResolution)
		if err != nil {
			return
		}
		for _, st := range body.Decls[0].(*ast.FuncDecl).Body.List {
			if as, ok := st.(*ast.AssignStmt); ok && as.Tok == token.DEFINE {
				for _, l := range as.Lhs {
					if id, ok := l.(*ast.Ident); ok {
						n.decls[id.Name] = [2]string{src, parallel.KindVar}
					}
				}
			}
		}
		return
	}
	for _, imp := range f.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		n.decls[p[strings.LastIndex(p, "/")+1:]] = [2]string{`import "` + p + `"`, parallel.KindImport}
	}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil {
				n.decls[d.Name.Name] = [2]string{src, parallel.KindFunc}
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					n.decls[s.Name.Name] = [2]string{src, parallel.KindType}
				case *ast.ValueSpec:
					for _, id := range s.Names {
						n.decls[id.Name] = [2]string{src, d.Tok.String()}
					}
				}
			}
		}
	}
}

func (n *notebook) run(src string) reflect.Value {
	n.t.Helper()
	rewritten, err := parallel.RewriteCell(src, n)
	if err != nil {
		n.t.Fatal(err)
	}
	parallel.BeginCell()
	v, err := n.i.Eval(rewritten)
	if err != nil {
		n.t.Fatalf("cell %q\nrewritten %q\n: %v", src, rewritten, err)
	}
	n.record(src)
	return v
}

func (n *notebook) value(name string) any {
	n.t.Helper()
	v, err := n.i.Eval(name)
	if err != nil {
		n.t.Fatal(err)
	}
	return v.Interface()
}

// TestNotebookShipping runs cells through a real yaegi interpreter: func literals and
// funcs declared in earlier cells reach the engines as source, and a user type with
// its own Map method is left alone.
func TestNotebookShipping(t *testing.T) {
	f := parallel.NewFakeController(t, 4)
	f.SetApply(func(engine int, req protocol.ApplyRequest, args []any) (any, error) {
		if req.Map {
			xs := args[0].([]int)
			out := make([]int, len(xs))
			for i, x := range xs {
				out[i] = x * x
			}
			return out, nil
		}
		return req.Source, nil
	})
	nb := newNotebook(t)
	nb.run(`import "github.com/goparallel/goparallel/parallel"`)
	nb.run(`import "os"`)
	nb.run(`c, cerr := parallel.Connect(parallel.WithConnectionFile(` + strconv.Quote(f.ConnectionFile()) + `))`)
	if err := nb.value("cerr"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nb.value("c").(*parallel.Client).Close() })
	nb.run(`dview := c.Slice(":")`)
	if got := nb.value("dview.String()"); got != "<DirectView [0, 1, 2, 3]>" {
		t.Fatalf("dview = %v", got)
	}
	nb.run(`type Mapper struct{ k int }`)
	nb.run(`func (m Mapper) Map(f func(int) int, xs []int) []int {
	out := []int{}
	for _, x := range xs {
		out = append(out, f(x)+m.k)
	}
	return out
}`)
	nb.run(`func square(x int) int { return x * x }`)

	nb.run(`r, err := dview.MapSync(square, parallel.Range(7))`)
	if got := nb.value("r"); !reflect.DeepEqual(got, []int{0, 1, 4, 9, 16, 25, 36}) {
		t.Fatalf("MapSync(square) = %#v (err %v)", got, nb.value("err"))
	}
	nb.run(`total := 0
for _, x := range parallel.Ints(r) {
	total += x
}`)
	if got := nb.value("total"); got != 91 {
		t.Fatalf("total = %v", got)
	}
	req := lastApply(t, f)
	if req.Source != "func(x int) int { return x * x }" || req.Name != "square" {
		t.Fatalf("shipped %+v", req)
	}

	nb.run(`m := Mapper{k: 100}`)
	nb.run(`ys := m.Map(func(x int) int { return x + 1 }, []int{1, 2})`)
	if got := nb.value("ys"); !reflect.DeepEqual(got, []int{102, 103}) {
		t.Fatalf("user Map = %#v", got)
	}

	nb.run(`hello, herr := c.Slice(":").ApplySync(func() string { return "Hello World!" })`)
	if got := nb.value("hello"); !reflect.DeepEqual(got, []string{
		`func() string { return "Hello World!" }`, `func() string { return "Hello World!" }`,
		`func() string { return "Hello World!" }`, `func() string { return "Hello World!" }`}) {
		t.Fatalf("hello = %#v (%v)", got, nb.value("herr"))
	}

	nb.run(`getpid := dview.Remote(func() int { return os.Getpid() })`)
	nb.run(`pids, perr := getpid.CallSync()`)
	if err := nb.value("perr"); err != nil {
		t.Fatal(err)
	}
	req = lastApply(t, f)
	if len(req.Helpers) != 1 || req.Helpers[0] != `import "os"` {
		t.Fatalf("remote helpers = %q", req.Helpers)
	}

	nb.run(`ar := dview.ApplyAsync(func(x int) int { return a + b + x }, 27)`)
	if got := nb.value("ar.String()"); got != "<AsyncResult: apply>" {
		t.Fatalf("ar = %v", got)
	}
	nb.run(`v, verr := ar.Get()`)
	if err := nb.value("verr"); err != nil {
		t.Fatal(err)
	}
}

func lastApply(t *testing.T, f *parallel.FakeController) protocol.ApplyRequest {
	t.Helper()
	reqs := f.Requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		if reqs[i].Header.MsgType == protocol.MsgApplyRequest {
			var ar protocol.ApplyRequest
			if err := reqs[i].DecodeContent(&ar); err != nil {
				t.Fatal(err)
			}
			return ar
		}
	}
	t.Fatal("no apply request")
	return protocol.ApplyRequest{}
}
