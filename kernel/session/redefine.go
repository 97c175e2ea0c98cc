package session

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"sort"
	"strings"

	"github.com/traefik/yaegi/interp"
)

// entry is one top-level declaration a cell made, kept as source so that it
// can be compiled again into a fresh interpreter.
type entry struct {
	kind  chunkKind
	key   string   // "f", "T", "T.M" for methods, "import:name", "const:a"
	names []string // top-level names it declares (methods: none)
	text  string   // as written in the cell, with its doc comment
	sp    span     // where it came from, to keep its positions on replay
	line  int      // first line of text (the doc comment's) within sp
	col   int
	order int

	path     string // import path, for imports
	nresults int    // functions: number of results
	errLast  bool   // functions: last result is `error`
	generic  bool   // functions: has type parameters
	typeExpr string // vars: declared type, "" when inferred
}

// declLog is the ordered record of the latest declarations. It is what a
// rebuild replays; see doc.go.
type declLog struct {
	entries map[string]*entry // by key
	owner   map[string]string // declared name -> key of its entry
	vars    map[string]*entry // var declarations, for Decl and their types
	order   int
}

func (l *declLog) init() {
	if l.entries == nil {
		l.entries = map[string]*entry{}
		l.owner = map[string]string{}
		l.vars = map[string]*entry{}
	}
}

func (l *declLog) clone() declLog {
	var c declLog
	c.init()
	for k, v := range l.entries {
		c.entries[k] = v
	}
	for k, v := range l.owner {
		c.owner[k] = v
	}
	for k, v := range l.vars {
		c.vars[k] = v
	}
	c.order = l.order
	return c
}

// put records e, removing whatever declared the same names before.
func (l *declLog) put(e *entry) {
	l.init()
	l.remove(e.key)
	for _, n := range e.names {
		if old, ok := l.owner[n]; ok {
			l.remove(old)
		}
		delete(l.vars, n)
	}
	l.order++
	e.order = l.order
	l.entries[e.key] = e
	for _, n := range e.names {
		l.owner[n] = e.key
	}
}

func (l *declLog) remove(key string) {
	old, ok := l.entries[key]
	if !ok {
		return
	}
	delete(l.entries, key)
	for _, n := range old.names {
		if l.owner[n] == key {
			delete(l.owner, n)
		}
	}
}

// sorted returns the entries in declaration order.
func (l *declLog) sorted() []*entry {
	es := make([]*entry, 0, len(l.entries))
	for _, e := range l.entries {
		es = append(es, e)
	}
	sort.Slice(es, func(i, j int) bool { return es[i].order < es[j].order })
	return es
}

// imports maps local package names to import paths.
func (l *declLog) imports() map[string]string {
	m := map[string]string{}
	for _, e := range l.entries {
		if e.kind == chunkImport {
			m[strings.TrimPrefix(e.key, "import:")] = e.path
		}
	}
	return m
}

// lookup returns the entry declaring name, if any.
func (l *declLog) lookup(name string) (*entry, bool) {
	if k, ok := l.owner[name]; ok {
		return l.entries[k], true
	}
	if e, ok := l.vars[name]; ok {
		return e, true
	}
	return nil, false
}

// source renders entries as one file, each at its original virtual line, so
// that errors and panics in replayed code still point at their cell.
func source(es []*entry) string {
	var b strings.Builder
	b.WriteString("package main\n")
	for _, e := range es {
		b.WriteString(e.sp.directive(e.line))
		b.WriteString(strings.Repeat(" ", e.col-1))
		b.WriteString(e.text)
		b.WriteString("\n")
	}
	return b.String()
}

// maxReplayDrops bounds how many earlier declarations a rebuild may drop
// because they no longer compile.
const maxReplayDrops = 32

// rebuild makes a fresh interpreter from log and moves the current global
// variables into it. Earlier declarations that no longer compile (a func that
// called a redefined func with another signature) are dropped with a warning;
// an error in a declaration of the current cell (span cur) fails the rebuild
// and leaves the session as it was.
func (s *Session) rebuild(log *declLog, cur span) error {
	old := s.globals()
	for attempt := 0; ; attempt++ {
		in, hidden, ps, err := s.newInterp()
		if err != nil {
			return err
		}
		bad, err := s.replay(in, hidden, log, old, cur)
		if err == nil {
			s.swap(in, hidden, ps)
			s.gen++
			s.compiled = map[string]reflect.Value{}
			return nil
		}
		if bad == nil || attempt >= maxReplayDrops {
			return err
		}
		fmt.Fprintf(s.stderr, "warning: dropping %s %s (declared in an earlier cell): it no longer compiles: %v\n", bad.kind, bad.key, err)
		log.remove(bad.key)
	}
}

// replay compiles log into in and carries the old globals over. On a compile
// error in an earlier declaration it returns that entry.
func (s *Session) replay(in *interp.Interpreter, hidden map[string]reflect.Value, log *declLog, old map[string]reflect.Value, cur span) (*entry, error) {
	var imports, types, funcs []*entry
	for _, e := range log.sorted() {
		switch e.kind {
		case chunkImport:
			imports = append(imports, e)
		case chunkType, chunkConst:
			types = append(types, e)
		default:
			funcs = append(funcs, e)
		}
	}
	// Funcs are rewritten knowing the globals they were first compiled
	// with, for range over an integer global.
	env := s.rewriteEnv(old)
	for _, group := range [][]*entry{imports, types} {
		if bad, err := s.replayGroup(in, group, cur, env); err != nil {
			return bad, err
		}
	}
	s.carryVars(in, hidden, log, old)
	return s.replayGroup(in, funcs, cur, env)
}

func (s *Session) replayGroup(in *interp.Interpreter, group []*entry, cur span, env *rewriteEnv) (*entry, error) {
	if len(group) == 0 {
		return nil, nil
	}
	f, err := parser.ParseFile(in.FileSet(), srcFile, source(group), parser.SkipObjectResolution)
	if err == nil {
		rewriteFile(f, env)
		var prog *interp.Program
		if prog, err = compileAST(in, f); err == nil {
			_, err = in.Execute(prog)
		}
	}
	if err == nil {
		return nil, nil
	}
	cerr := s.ls.compileErrors(cur, err)
	// Find the earlier entry the first error points at, so it can be dropped.
	if line, ok := firstVirtualLine(err); ok {
		for _, e := range group {
			if e.sp.base == cur.base {
				continue
			}
			first := e.sp.base + e.line
			if line >= first && line < first+strings.Count(e.text, "\n")+1 {
				return e, cerr
			}
		}
	}
	return nil, cerr
}

func firstVirtualLine(err error) (int, bool) {
	var l int
	for _, ln := range strings.Split(err.Error(), "\n") {
		if m := posRE.FindStringSubmatch(ln); m != nil {
			fmt.Sscan(m[1], &l)
			return l, true
		}
	}
	return 0, false
}

// carryVars declares the old global variables in the new interpreter with
// their values. A variable is carried by injecting its value through the
// hidden package when its type has no interpreted struct in it (exact type
// kept); otherwise it is declared with its declared type or a type expression
// built from its reflect type, mapping struct types back to the session's type
// names, and its value is assigned if still assignable. Variables whose type
// was redefined incompatibly are dropped with a warning.
func (s *Session) carryVars(in *interp.Interpreter, hidden map[string]reflect.Value, log *declLog, old map[string]reflect.Value) {
	names := make([]string, 0, len(old))
	for n := range old {
		if strings.HasPrefix(n, "__gp") {
			continue
		}
		if e, ok := log.lookup(n); ok && e.kind != chunkVar {
			continue // consts and funcs are replayed from source
		}
		names = append(names, n)
	}
	if len(names) == 0 {
		return
	}
	sort.Strings(names)
	structNames := s.structTypeNames(in, log)
	imports := log.imports()
	var decls strings.Builder
	decls.WriteString("package main\nvar (\n")
	inject := map[string]reflect.Value{}
	var assign []string
	for _, n := range names {
		v := old[n]
		if !v.IsValid() {
			continue
		}
		t := v.Type()
		if !hasStruct(t) {
			sym := "V_" + n
			nv := reflect.New(t).Elem()
			nv.Set(v)
			inject[sym] = nv
			fmt.Fprintf(&decls, "\t%s = %s.%s\n", n, hiddenName, sym)
			continue
		}
		te := ""
		if e, ok := log.vars[n]; ok && e.typeExpr != "" {
			te = e.typeExpr
		} else if x, ok := typeExpr(t, structNames, imports); ok {
			te = x
		}
		if te == "" {
			fmt.Fprintf(s.stderr, "warning: variable %s dropped: its type %s cannot be rebuilt after a redefinition\n", n, t)
			continue
		}
		fmt.Fprintf(&decls, "\t%s %s\n", n, te)
		assign = append(assign, n)
	}
	decls.WriteString(")\n")
	if len(inject) > 0 {
		if err := in.Use(interp.Exports{hiddenPath + "/" + hiddenName: inject}); err != nil {
			fmt.Fprintf(s.stderr, "warning: variables not carried over: %v\n", err)
			return
		}
	}
	if err := evalFile(in, decls.String()); err != nil {
		fmt.Fprintf(s.stderr, "warning: variables not carried over: %v\n", err)
		return
	}
	if len(assign) == 0 {
		return
	}
	now := in.Globals()
	for _, n := range assign {
		dst, v := now[n], old[n]
		switch {
		case !dst.IsValid() || !dst.CanSet():
		case v.Type().AssignableTo(dst.Type()):
			dst.Set(v)
			continue
		case v.Type().ConvertibleTo(dst.Type()):
			dst.Set(v.Convert(dst.Type()))
			continue
		}
		fmt.Fprintf(s.stderr, "warning: variable %s reset to its zero value: its type changed\n", n)
	}
}

// structTypeNames maps the reflect types of the session's struct types, as
// compiled in in, to their names, so that variables of those types can be
// declared again after a rebuild.
func (s *Session) structTypeNames(in *interp.Interpreter, log *declLog) map[reflect.Type]string {
	m := map[reflect.Type]string{}
	var names []string
	for _, e := range log.sorted() {
		if e.kind == chunkType {
			names = append(names, e.names...)
		}
	}
	for _, n := range names {
		v, err := evalSafe(in, "(*"+n+")(nil)")
		if err != nil || !v.IsValid() || v.Kind() != reflect.Pointer {
			continue // generic types cannot be named without arguments
		}
		if t := v.Type().Elem(); t.Kind() == reflect.Struct {
			if _, dup := m[t]; !dup {
				m[t] = n
			}
		}
	}
	return m
}

func hasStruct(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Struct:
		return t.PkgPath() == "" // binary named structs are injected exactly
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Chan:
		return hasStruct(t.Elem())
	case reflect.Map:
		return hasStruct(t.Key()) || hasStruct(t.Elem())
	}
	return false
}

// typeExpr writes t as Go source, naming interpreted structs by their session
// type names and binary named types by their imported package names.
func typeExpr(t reflect.Type, structs map[reflect.Type]string, imports map[string]string) (string, bool) {
	if n, ok := structs[t]; ok {
		return n, true
	}
	if t.Name() != "" {
		if t.PkgPath() == "" {
			return t.Name(), true
		}
		for local, path := range imports {
			if path == t.PkgPath() {
				return local + "." + t.Name(), true
			}
		}
		return "", false
	}
	elem := func(prefix string, e reflect.Type) (string, bool) {
		x, ok := typeExpr(e, structs, imports)
		return prefix + x, ok
	}
	switch t.Kind() {
	case reflect.Pointer:
		return elem("*", t.Elem())
	case reflect.Slice:
		return elem("[]", t.Elem())
	case reflect.Array:
		return elem(fmt.Sprintf("[%d]", t.Len()), t.Elem())
	case reflect.Chan:
		return elem("chan ", t.Elem())
	case reflect.Map:
		k, ok := typeExpr(t.Key(), structs, imports)
		if !ok {
			return "", false
		}
		return elem("map["+k+"]", t.Elem())
	case reflect.Interface:
		if t.NumMethod() == 0 {
			return "any", true
		}
	case reflect.Struct:
		var b strings.Builder
		b.WriteString("struct{")
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			x, ok := typeExpr(f.Type, structs, imports)
			if !ok {
				return "", false
			}
			if f.Anonymous {
				fmt.Fprintf(&b, "%s; ", x)
			} else {
				fmt.Fprintf(&b, "%s %s; ", f.Name, x)
			}
		}
		b.WriteString("}")
		return b.String(), true
	}
	return "", false
}

// evalSafe is interp.Eval that turns yaegi's internal panics into errors.
func evalSafe(in *interp.Interpreter, src string) (v reflect.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("interpreter failure: %v", r)
		}
	}()
	return in.Eval(src)
}

// evalFile compiles and runs a file of declarations under srcFile, so that it
// sees the session's imports.
func evalFile(in *interp.Interpreter, src string) error {
	f, err := parser.ParseFile(in.FileSet(), srcFile, src, parser.SkipObjectResolution)
	if err != nil {
		return err
	}
	prog, err := compileAST(in, f)
	if err != nil {
		return err
	}
	_, err = in.Execute(prog)
	return err
}

// compileAST is interp.CompileAST that turns yaegi's internal panics (it
// log.Panics on some constructs it does not support) into errors.
func compileAST(in *interp.Interpreter, n ast.Node) (p *interp.Program, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &internalError{fmt.Sprint(r)}
		}
	}()
	return in.CompileAST(n)
}

// internalError is a yaegi compiler panic.
type internalError struct{ msg string }

func (e *internalError) Error() string { return "interpreter failure: " + e.msg }

// declEntries builds log entries for the declarations of a parsed cell.
func declEntries(code string, chunks []chunk, decls []ast.Decl, sp span) []*entry {
	var out []*entry
	for i, d := range decls {
		c := chunks[i]
		docLine := c.Line - strings.Count(code[c.Doc:c.Start], "\n")
		col := 1
		if c.Doc == c.Start {
			col = c.Col
		}
		base := entry{kind: c.Kind, text: code[c.Doc:c.End], sp: sp, line: docLine, col: col}
		switch d := d.(type) {
		case *ast.FuncDecl:
			e := base
			e.key = d.Name.Name
			if d.Recv != nil && len(d.Recv.List) > 0 {
				e.key = recvTypeName(d.Recv.List[0].Type) + "." + d.Name.Name
			} else {
				e.names = []string{d.Name.Name}
			}
			e.generic = d.Type.TypeParams != nil && len(d.Type.TypeParams.List) > 0
			if r := d.Type.Results; r != nil {
				for _, f := range r.List {
					n := len(f.Names)
					if n == 0 {
						n = 1
					}
					e.nresults += n
				}
				if last := r.List[len(r.List)-1]; isIdent(last.Type, "error") {
					e.errLast = true
				}
			}
			out = append(out, &e)
		case *ast.GenDecl:
			if d.Tok == token.IMPORT {
				// One entry per import, so that each can be replaced alone.
				for _, sp := range d.Specs {
					is := sp.(*ast.ImportSpec)
					e := base
					e.path = strings.Trim(is.Path.Value, "\"`")
					name := importName(is)
					e.key = "import:" + name
					e.names = []string{name}
					e.text = "import " + code[offsetIn(c, d, is.Pos()):offsetIn(c, d, is.End())]
					out = append(out, &e)
				}
				continue
			}
			e := base
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					e.names = append(e.names, s.Name.Name)
				case *ast.ValueSpec:
					for _, n := range s.Names {
						e.names = append(e.names, n.Name)
					}
				}
			}
			if len(e.names) == 0 {
				continue
			}
			e.key = e.names[0]
			if d.Tok == token.CONST {
				e.key = "const:" + strings.Join(e.names, ",")
			}
			out = append(out, &e)
		}
	}
	return out
}

// offsetIn converts a position inside decl d, parsed from chunk c, to an
// offset in the cell.
func offsetIn(c chunk, d ast.Decl, p token.Pos) int {
	return c.Start + int(p-d.Pos())
}

func importName(is *ast.ImportSpec) string {
	if is.Name != nil {
		return is.Name.Name
	}
	return pkgName(strings.Trim(is.Path.Value, "\"`"))
}

func recvTypeName(x ast.Expr) string {
	for {
		switch t := x.(type) {
		case *ast.StarExpr:
			x = t.X
		case *ast.ParenExpr:
			x = t.X
		case *ast.IndexExpr:
			x = t.X
		case *ast.IndexListExpr:
			x = t.X
		case *ast.Ident:
			return t.Name
		default:
			return "?"
		}
	}
}

func isIdent(x ast.Expr, name string) bool {
	id, ok := x.(*ast.Ident)
	return ok && id.Name == name
}
