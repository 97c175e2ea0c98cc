package parallel

import (
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"sort"
	"strconv"
	"strings"
)

// ImportPath is this package's import path.
const ImportPath = "github.com/goparallel/goparallel/parallel"

// Kinds of notebook declarations a [DeclLookup] reports.
const (
	KindFunc   = "func"
	KindType   = "type"
	KindConst  = "const"
	KindVar    = "var"
	KindImport = "import"
)

// DeclLookup gives [RewriteCell] the notebook's declarations from earlier cells.
// Decl returns the latest source of the top-level declaration of name and its kind:
//
//	KindFunc   "func square(x int) int { return x * x }"
//	KindType   "type Point struct{ X, Y float64 }" followed by the type's methods
//	KindConst  "const n = 4" (or the whole const group)
//	KindVar    "var f = func(x int) int { ... }"
//	KindImport `import "math/rand"` (name is the package name a cell used)
//
// ok is false for names the notebook never declared. The kernel adapts its session
// to this interface.
type DeclLookup interface {
	Decl(name string) (source, kind string, ok bool)
}

// PackageNamer may also be implemented by a [DeclLookup] to report the name under
// which the notebook imported a package path, when a cell used an alias.
type PackageNamer interface {
	PackageName(path string) (name string, ok bool)
}

// TypeLookup may also be implemented by a [DeclLookup] to report the dynamic type of
// a notebook variable, as reflect prints it ("*parallel.DirectView"). It lets
// [RewriteCell] tell views from a user's own types with Map or Apply methods.
type TypeLookup interface {
	TypeOf(name string) (typ string, ok bool)
}

// viewConstructors are the methods that return views; a receiver built by one of
// them is a view.
var viewConstructors = map[string]bool{
	"Slice": true, "View": true, "DirectView": true, "LoadBalancedView": true,
	"BroadcastView": true, "On": true,
}

// viewTypes are the type names of views as TypeLookup reports them.
var viewTypes = []string{"parallel.DirectView", "parallel.LoadBalancedView", "parallel.BroadcastView"}

// shipMethods are the view methods whose function arguments travel as source.
var shipMethods = map[string]bool{
	"Apply": true, "ApplySync": true, "ApplyAsync": true,
	"Map": true, "MapSync": true, "MapAsync": true,
	"Remote": true, "Parallel": true,
}

// RewriteCell prepares a notebook cell so that functions given to views carry their
// source. In every call X.M(args) where M is a view method taking a function
// (Apply, ApplySync, ApplyAsync, Map, MapSync, MapAsync, Remote, Parallel), each
// argument that is a func literal, or an identifier naming a func declared in this
// or an earlier cell (or a var initialised with a func literal), becomes
//
//	func() T { parallel.NextSource(X, "M", name, source, helpers); return arg }()
//
// where T is the function's type: the argument keeps its static type, so a user's
// own type with a Map method still compiles and runs unchanged, and [NextSource]
// drops the source when X turns out not to be a view. X is passed only when it can
// be evaluated twice safely (an identifier or a selector of identifiers), nil
// otherwise. Helpers are the declarations the function uses, found through decls
// and the cell itself, transitively; see [Func].
//
// Everything else in the cell is left byte for byte, and line numbers do not change.
// A cell that does not parse is returned unchanged, for the interpreter to report.
// decls may be nil. The error is reserved for failures of decls itself; today it
// is always nil.
func RewriteCell(src string, decls DeclLookup) (string, error) {
	units := parseCell(src)
	if len(units) == 0 {
		return src, nil
	}
	rw := &rewriter{src: src, decls: decls, pkg: "parallel",
		cellDecls: map[string]cellDecl{}, values: map[string]bool{}, imports: map[string]bool{},
		viewVars: map[string]bool{}}
	if pn, ok := decls.(PackageNamer); ok {
		if name, ok := pn.PackageName(ImportPath); ok && name != "" {
			rw.pkg = name
		}
	}
	for _, u := range units {
		rw.collect(u)
	}
	for _, u := range units {
		rw.findCalls(u)
	}
	if len(rw.edits) == 0 {
		return src, nil
	}
	sort.Slice(rw.edits, func(i, j int) bool { return rw.edits[i].lo < rw.edits[j].lo })
	var b strings.Builder
	last := 0
	for _, e := range rw.edits {
		b.WriteString(src[last:e.lo])
		b.WriteString(e.text)
		last = e.hi
	}
	b.WriteString(src[last:])
	return b.String(), nil
}

// unit is one parsed piece of a cell: the whole cell, or one top-level item of it.
type unit struct {
	fset *token.FileSet
	file *ast.File
	// base is where the parsed text starts in the cell; skip is the length of the
	// wrapper put in front of it.
	base, skip int
}

const (
	filePrefix = "package main\n"
	bodyPrefix = "package main\nfunc _() {\n"
)

// parseCell parses a cell as declarations, else as statements, else item by item:
// cells mix declarations and statements, which no single Go grammar rule accepts.
func parseCell(src string) []unit {
	if u, ok := parseAs(src, 0, filePrefix, ""); ok {
		return []unit{u}
	}
	if u, ok := parseAs(src, 0, bodyPrefix, "\n}"); ok {
		return []unit{u}
	}
	var units []unit
	for _, it := range topLevelItems(src) {
		text := src[it[0]:it[1]]
		if u, ok := parseAs(text, it[0], filePrefix, ""); ok {
			units = append(units, u)
		} else if u, ok := parseAs(text, it[0], bodyPrefix, "\n}"); ok {
			units = append(units, u)
		}
	}
	return units
}

func parseAs(text string, base int, prefix, suffix string) (unit, bool) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "cell", prefix+text+suffix, parser.SkipObjectResolution)
	if err != nil {
		return unit{}, false
	}
	return unit{fset: fset, file: f, base: base, skip: len(prefix)}, true
}

// topLevelItems splits a cell at the lines that start at bracket depth zero, the
// boundaries of its top-level declarations and statements.
func topLevelItems(src string) [][2]int {
	fset := token.NewFileSet()
	file := fset.AddFile("cell", -1, len(src))
	var s scanner.Scanner
	s.Init(file, []byte(src), func(token.Position, string) {}, 0)
	depthAt := map[int]int{} // line → depth at its first token
	depth := 0
	for {
		pos, tok, _ := s.Scan()
		if tok == token.EOF {
			break
		}
		line := file.Line(pos)
		if _, ok := depthAt[line]; !ok {
			depthAt[line] = depth
		}
		switch tok {
		case token.LBRACE, token.LPAREN, token.LBRACK:
			depth++
		case token.RBRACE, token.RPAREN, token.RBRACK:
			depth = max(0, depth-1)
		}
	}
	var starts []int
	for line, d := range depthAt {
		if d == 0 {
			starts = append(starts, int(file.LineStart(line))-file.Base())
		}
	}
	sort.Ints(starts)
	var items [][2]int
	for i, st := range starts {
		end := len(src)
		if i+1 < len(starts) {
			end = starts[i+1]
		}
		items = append(items, [2]int{st, end})
	}
	return items
}

type cellDecl struct{ src, kind string }

type localFunc struct {
	at  int // offset of the assignment in the cell
	src string
}

type edit struct {
	lo, hi int
	text   string
}

type rewriter struct {
	src       string
	decls     DeclLookup
	pkg       string
	cellDecls map[string]cellDecl // declarations made by this cell
	values    map[string]bool     // names this cell declares as values
	imports   map[string]bool     // package names this cell imports
	locals    map[string][]localFunc
	viewVars  map[string]bool // names this cell assigns a view to
	edits     []edit
}

// off converts a position in u to an offset in the cell, or -1.
func (rw *rewriter) off(u unit, p token.Pos) int {
	if !p.IsValid() {
		return -1
	}
	o := u.fset.Position(p).Offset - u.skip + u.base
	if o < 0 || o > len(rw.src) {
		return -1
	}
	return o
}

func (rw *rewriter) text(u unit, n ast.Node) (string, bool) {
	lo, hi := rw.off(u, n.Pos()), rw.off(u, n.End())
	if lo < 0 || hi < lo {
		return "", false
	}
	return rw.src[lo:hi], true
}

// collect records what the cell declares: funcs, types and consts (helpers for the
// functions it ships), imports, value names, and func literals assigned to names.
func (rw *rewriter) collect(u unit) {
	for _, imp := range u.file.Imports {
		path, _ := strconv.Unquote(imp.Path.Value)
		name := path[strings.LastIndex(path, "/")+1:]
		if imp.Name != nil {
			name = imp.Name.Name
		}
		rw.imports[name] = true
		if path == ImportPath {
			rw.pkg = name
		}
	}
	for _, d := range u.file.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv != nil {
				continue
			}
			if d.Name.Name == "_" {
				continue // the statement wrapper
			}
			if t, ok := rw.text(u, d); ok {
				rw.cellDecls[d.Name.Name] = cellDecl{t, KindFunc}
			}
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				switch sp := spec.(type) {
				case *ast.TypeSpec:
					if t, ok := rw.text(u, d); ok {
						rw.cellDecls[sp.Name.Name] = cellDecl{t, KindType}
					}
				case *ast.ValueSpec:
					for i, n := range sp.Names {
						if d.Tok == token.CONST {
							if t, ok := rw.text(u, d); ok {
								rw.cellDecls[n.Name] = cellDecl{t, KindConst}
							}
							continue
						}
						rw.values[n.Name] = true
						if i < len(sp.Values) {
							rw.noteLocal(u, n, sp.Values[i])
						}
					}
				}
			}
		}
	}
	ast.Inspect(u.file, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			for i, l := range n.Lhs {
				id, ok := l.(*ast.Ident)
				if !ok {
					continue
				}
				if n.Tok == token.DEFINE {
					rw.values[id.Name] = true
				}
				if len(n.Lhs) == len(n.Rhs) {
					rw.noteLocal(u, id, n.Rhs[i])
				}
			}
		case *ast.ValueSpec:
			for _, id := range n.Names {
				rw.values[id.Name] = true
			}
		case *ast.RangeStmt:
			for _, e := range []ast.Expr{n.Key, n.Value} {
				if id, ok := e.(*ast.Ident); ok {
					rw.values[id.Name] = true
				}
			}
		case *ast.Field:
			for _, id := range n.Names {
				rw.values[id.Name] = true
			}
		}
		return true
	})
}

func (rw *rewriter) noteLocal(u unit, id *ast.Ident, v ast.Expr) {
	if makesView(v) {
		rw.viewVars[id.Name] = true
	}
	lit, ok := v.(*ast.FuncLit)
	if !ok {
		return
	}
	if t, ok := rw.text(u, lit); ok {
		if rw.locals == nil {
			rw.locals = map[string][]localFunc{}
		}
		rw.locals[id.Name] = append(rw.locals[id.Name], localFunc{rw.off(u, id.Pos()), t})
	}
}

// Decl makes the rewriter a DeclLookup that sees this cell's declarations over the
// notebook's.
func (rw *rewriter) Decl(name string) (string, string, bool) {
	if d, ok := rw.cellDecls[name]; ok {
		return d.src, d.kind, true
	}
	if rw.imports[name] {
		return "", "", false
	}
	if rw.decls == nil {
		return "", "", false
	}
	return rw.decls.Decl(name)
}

func (rw *rewriter) findCalls(u unit) {
	ast.Inspect(u.file, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || !shipMethods[sel.Sel.Name] {
			return true
		}
		view := rw.isView(sel.X)
		if view == notView {
			return true
		}
		recv, ok := rw.receiver(u, sel.X)
		if !ok {
			return true
		}
		for _, arg := range call.Args {
			rw.shipArg(u, recv, sel.Sel.Name, arg, view == isView)
		}
		return true
	})
}

// receiver returns the text to pass to NextSource for the receiver x, "nil" when x
// cannot be evaluated twice safely or is unknown, and false when x is a package or
// a type, whose functions and method expressions are never views.
func (rw *rewriter) receiver(u unit, x ast.Expr) (string, bool) {
	root := x
	for {
		if s, ok := root.(*ast.SelectorExpr); ok {
			root = s.X
			continue
		}
		if p, ok := root.(*ast.ParenExpr); ok {
			root = p.X
			continue
		}
		break
	}
	id, ok := root.(*ast.Ident)
	if !ok {
		return "nil", true
	}
	_, isIdent := x.(*ast.Ident)
	if rw.values[id.Name] {
		t, _ := rw.text(u, x)
		return t, t != ""
	}
	if d, ok := rw.cellDecls[id.Name]; ok && d.kind != KindVar {
		return "", false
	}
	if rw.imports[id.Name] {
		if isIdent {
			return "", false
		}
		return "nil", true
	}
	if rw.decls != nil {
		if _, kind, ok := rw.decls.Decl(id.Name); ok {
			switch kind {
			case KindVar:
				t, _ := rw.text(u, x)
				return t, t != ""
			case KindImport:
				if isIdent {
					return "", false
				}
				return "nil", true
			default:
				return "", false
			}
		}
	}
	if tl, ok := rw.decls.(TypeLookup); ok {
		if _, ok := tl.TypeOf(id.Name); ok {
			t, _ := rw.text(u, x)
			return t, t != ""
		}
	}
	if _, std := stdPackages[id.Name]; std && isIdent {
		return "", false
	}
	return "nil", true
}

func (rw *rewriter) covered(lo, hi int) bool {
	for _, e := range rw.edits {
		if lo < e.hi && e.lo < hi {
			return true
		}
	}
	return false
}

func (rw *rewriter) shipArg(u unit, recv, method string, arg ast.Expr, view bool) {
	lo, hi := rw.off(u, arg.Pos()), rw.off(u, arg.End())
	if lo < 0 || hi < lo || rw.covered(lo, hi) {
		return
	}
	var (
		name, source, typ, value string
	)
	switch a := arg.(type) {
	case *ast.FuncLit:
		if a.Type.TypeParams != nil {
			return
		}
		source = rw.src[lo:hi]
		t, ok := rw.text(u, a.Type)
		if !ok {
			return
		}
		typ, value = t, source
		// A function given to a view only runs on the engines, where its free names
		// are the engines' globals: in the notebook they may be undefined or name
		// something else (the lecture's c is the client here, a scattered slice
		// there), so its body must not be compiled here. A stub of the same type
		// stands in, keeping the cell's line count. For a receiver that may be a
		// user's own type the real function is kept, unless it cannot compile here.
		missing := rw.undefined(a)
		if view || len(missing) > 0 {
			msg := "parallel: this function runs on the engines only"
			if len(missing) > 0 {
				msg = "parallel: this function uses " + strings.Join(missing, ", ") +
					", not defined in the notebook: it can only run on the engines"
			}
			value = t + " { panic(" + strconv.Quote(msg) + ")" + strings.Repeat("\n", strings.Count(source, "\n")) + " }"
		}
	case *ast.Ident:
		name = a.Name
		source = rw.funcSourceOf(a.Name, lo)
		if source == "" {
			return
		}
		lit, _, err := parseFunc(source)
		if err != nil || lit.Type.TypeParams != nil {
			return
		}
		typ, value = forwarder(source, lit, a.Name)
		if typ == "" {
			return
		}
	default:
		return
	}
	sf, err := shipSource(name, source, rw, nil)
	if err != nil {
		return
	}
	next := "NextSource"
	if rw.pkg != "." {
		next = rw.pkg + "." + next
	}
	helpers := "nil"
	if len(sf.Helpers) > 0 {
		q := make([]string, len(sf.Helpers))
		for i, h := range sf.Helpers {
			q[i] = strconv.Quote(h)
		}
		helpers = "[]string{" + strings.Join(q, ", ") + "}"
	}
	text := "func() " + typ + " { " + next + "(" + recv + ", " + strconv.Quote(method) + ", " +
		strconv.Quote(name) + ", " + strconv.Quote(sf.Source) + ", " + helpers + "); return " + value + " }()"
	rw.edits = append(rw.edits, edit{lo, hi, text})
}

// viewness is what RewriteCell knows of a receiver.
type viewness int

const (
	maybeView viewness = iota
	isView
	notView
)

// makesView reports whether e is a call of a method that returns a view, like
// c.Slice(":") or c.LoadBalancedView().
func makesView(e ast.Expr) bool {
	call, ok := e.(*ast.CallExpr)
	if !ok {
		return false
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	return ok && viewConstructors[sel.Sel.Name]
}

// isView tells whether a receiver is a view: built by a view constructor in the
// receiver itself, in this cell or in the notebook var's declaration, or so typed
// by the kernel's TypeLookup.
func (rw *rewriter) isView(x ast.Expr) viewness {
	for {
		p, ok := x.(*ast.ParenExpr)
		if !ok {
			break
		}
		x = p.X
	}
	if makesView(x) {
		return isView
	}
	id, ok := x.(*ast.Ident)
	if !ok {
		return maybeView
	}
	if rw.viewVars[id.Name] {
		return isView
	}
	if tl, ok := rw.decls.(TypeLookup); ok && !rw.values[id.Name] {
		if typ, ok := tl.TypeOf(id.Name); ok {
			for _, vt := range viewTypes {
				if strings.HasSuffix(strings.TrimPrefix(typ, "*"), vt) {
					return isView
				}
			}
			return notView
		}
	}
	if rw.values[id.Name] || rw.decls == nil {
		return maybeView
	}
	src, kind, ok := rw.decls.Decl(id.Name)
	if !ok || kind != KindVar {
		return maybeView
	}
	if rhs := varInit(src, id.Name); rhs != nil && makesView(rhs) {
		return isView
	}
	return maybeView
}

// varInit returns the expression a var declaration (or a top-level := statement)
// initialises name with, or nil.
func varInit(src, name string) ast.Expr {
	if file, err := parser.ParseFile(token.NewFileSet(), "var", filePrefix+src, parser.SkipObjectResolution); err == nil {
		for _, d := range file.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok {
				continue
			}
			for _, spec := range gd.Specs {
				if vs, ok := spec.(*ast.ValueSpec); ok {
					for i, n := range vs.Names {
						if n.Name == name && i < len(vs.Values) {
							return vs.Values[i]
						}
					}
				}
			}
		}
		return nil
	}
	file, err := parser.ParseFile(token.NewFileSet(), "var", bodyPrefix+src+"\n}", parser.SkipObjectResolution)
	if err != nil {
		return nil
	}
	var found ast.Expr
	ast.Inspect(file, func(n ast.Node) bool {
		if as, ok := n.(*ast.AssignStmt); ok && len(as.Lhs) == len(as.Rhs) {
			for i, l := range as.Lhs {
				if id, ok := l.(*ast.Ident); ok && id.Name == name {
					found = as.Rhs[i]
				}
			}
		}
		return found == nil
	})
	return found
}

// undefined returns the free names of lit that nothing in the notebook declares.
func (rw *rewriter) undefined(lit *ast.FuncLit) []string {
	fn := findFree(lit)
	var out []string
	for _, name := range fn.Names {
		if rw.values[name] || rw.imports[name] {
			continue
		}
		if _, _, ok := rw.Decl(name); ok {
			continue
		}
		out = append(out, name)
	}
	return out
}

// funcSourceOf finds the source of the function a name refers to at offset at: a
// func literal assigned to it earlier in the cell, a func declared in the cell or
// the notebook, or a notebook var initialised with a func literal.
func (rw *rewriter) funcSourceOf(name string, at int) string {
	best := ""
	for _, l := range rw.locals[name] {
		if l.at < at {
			best = l.src
		}
	}
	if best != "" {
		return best
	}
	if rw.values[name] {
		return "" // a value of this cell that is not a func literal
	}
	src, kind, ok := rw.Decl(name)
	if !ok {
		return ""
	}
	switch kind {
	case KindFunc:
		return src
	case KindVar:
		file, err := parser.ParseFile(token.NewFileSet(), "var", filePrefix+src, parser.SkipObjectResolution)
		if err != nil {
			return ""
		}
		for _, d := range file.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok {
				continue
			}
			for _, spec := range gd.Specs {
				vs, ok := spec.(*ast.ValueSpec)
				if !ok {
					continue
				}
				for i, n := range vs.Names {
					if n.Name == name && i < len(vs.Values) {
						if lit, ok := vs.Values[i].(*ast.FuncLit); ok {
							lo := int(lit.Pos()) - 1 - len(filePrefix)
							hi := int(lit.End()) - 1 - len(filePrefix)
							if lo >= 0 && hi <= len(src) && lo <= hi {
								return src[lo:hi]
							}
						}
					}
				}
			}
		}
	}
	return ""
}

// forwarder returns the type of the function whose source is src, and a func
// literal of that type calling name: yaegi cannot return a declared func from a
// func literal as a value of func type, but it can return a literal that calls it.
func forwarder(src string, lit *ast.FuncLit, name string) (typ, value string) {
	s := strings.TrimSpace(src)
	prefix := len(declPrefix)
	if !strings.HasPrefix(s, "func ") || strings.HasPrefix(strings.TrimSpace(s[4:]), "(") {
		prefix = 0 // parseFunc parsed a literal with ParseExpr: positions start at 1
	}
	text := func(n ast.Node) string {
		lo, hi := int(n.Pos())-1-prefix, int(n.End())-1-prefix
		if lo < 0 || hi > len(s) || lo > hi {
			return ""
		}
		return s[lo:hi]
	}
	var params, args []string
	i := 0
	for _, f := range lit.Type.Params.List {
		t := text(f.Type)
		if t == "" {
			return "", ""
		}
		for range max(1, len(f.Names)) {
			p := "_gp" + strconv.Itoa(i)
			i++
			params = append(params, p+" "+t)
			if _, ok := f.Type.(*ast.Ellipsis); ok {
				p += "..."
			}
			args = append(args, p)
		}
	}
	results := ""
	if lit.Type.Results != nil {
		results = text(lit.Type.Results)
		if results == "" {
			return "", ""
		}
		results = " " + results
	}
	typ = "func(" + strings.Join(params, ", ") + ")" + results
	callExpr := name + "(" + strings.Join(args, ", ") + ")"
	if results == "" {
		return typ, typ + " { " + callExpr + " }"
	}
	return typ, typ + " { return " + callExpr + " }"
}
