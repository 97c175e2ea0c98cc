package session

import (
	"fmt"
	"go/ast"
	"go/parser"
	goToken "go/token"
	"reflect"
	"sort"
	"strings"

	"github.com/traefik/yaegi/interp"
)

// Binding is a name the session's cells declared, for %who-style listings.
type Binding struct {
	Name string
	Kind string // "var", "func", "type", "const", "import"
	Type string // the value's type for vars, the import path for imports
}

// Decl is the latest source of a top-level declaration made by a cell,
// including its doc comment.
type Decl struct {
	Name string
	Kind string // "func", "type", "const", "var", "import"; methods are "func" named "T.M"
	Src  string
}

// Names lists the session's names, sorted.
func (s *Session) Names() []Binding {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	var out []Binding
	seen := map[string]bool{}
	for _, e := range s.log.sorted() {
		if e.kind == chunkImport {
			out = append(out, Binding{Name: strings.TrimPrefix(e.key, "import:"), Kind: "import", Type: e.path})
			continue
		}
		for _, n := range e.names {
			seen[n] = true
			b := Binding{Name: n, Kind: e.kind.String()}
			out = append(out, b)
		}
	}
	for n, v := range s.globals() {
		if seen[n] || strings.HasPrefix(n, "__gp") || !v.IsValid() {
			continue
		}
		out = append(out, Binding{Name: n, Kind: "var", Type: typeName(v.Type())})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// typeName is a reflect type as a Go user would write it; interpreted struct
// types have no names at run time and show as their struct literal type.
func typeName(t reflect.Type) string {
	return t.String()
}

// Decl returns the latest source of the top-level func, method ("T.M"),
// type, const or var declaration name, as written in its cell. Vars defined
// by `x := ...` have no declaration.
func (s *Session) Decl(name string) (Decl, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return Decl{}, false
	}
	e, ok := s.log.entries[name]
	if !ok {
		e, ok = s.log.lookup(name)
	}
	if !ok || e.kind == chunkImport {
		return Decl{}, false
	}
	return Decl{Name: name, Kind: e.kind.String(), Src: e.text}, true
}

// Get returns the value of a global variable or constant declared by cells.
func (s *Session) Get(name string) (reflect.Value, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || strings.HasPrefix(name, "__gp") {
		return reflect.Value{}, false
	}
	v, ok := s.globals()[name]
	return v, ok && v.IsValid()
}

// Set defines the global name with value v, or assigns it if it exists with
// v's type, in which case cells and previously compiled functions see the new
// value. A global of another type is replaced by a new variable: functions
// compiled earlier keep seeing the old one.
func (s *Session) Set(name string, v reflect.Value) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if !goToken.IsIdentifier(name) || strings.HasPrefix(name, "__gp") {
		return fmt.Errorf("session: Set: %q is not a valid name", name)
	}
	if !v.IsValid() {
		return fmt.Errorf("session: Set %s: invalid value", name)
	}
	if e, ok := s.log.lookup(name); ok && e.kind != chunkVar {
		return fmt.Errorf("session: Set %s: it is a %s, not a variable", name, e.kind)
	}
	if cur, ok := s.globals()[name]; ok && cur.IsValid() && cur.CanSet() && v.Type() == cur.Type() {
		cur.Set(v)
		return nil
	}
	sym := "V_" + name
	nv := reflect.New(v.Type()).Elem()
	nv.Set(v)
	if err := s.in.Use(interp.Exports{hiddenPath + "/" + hiddenName: {sym: nv}}); err != nil {
		return fmt.Errorf("session: Set %s: %w", name, err)
	}
	src := fmt.Sprintf("package main\nfunc main() {\n%s := %s.%s\n}\n", name, hiddenName, sym)
	f, err := parser.ParseFile(s.in.FileSet(), srcFile, src, parser.SkipObjectResolution)
	if err != nil {
		return fmt.Errorf("session: Set %s: %w", name, err)
	}
	prog, err := s.compile(f.Decls[0].(*ast.FuncDecl).Body)
	if err != nil {
		return fmt.Errorf("session: Set %s: %w", name, err)
	}
	if _, err := s.in.Execute(prog); err != nil {
		return fmt.Errorf("session: Set %s: %w", name, err)
	}
	delete(s.log.vars, name)
	return nil
}
