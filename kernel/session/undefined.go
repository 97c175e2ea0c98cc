package session

import (
	"fmt"
	"go/ast"
	"go/token"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Undefined names are found before a cell reaches yaegi. yaegi reports them
// badly or not at all ("constant definition loop", a nil pointer panic for
// `x, err := strconv.Atoi(s)` without the import), and its failed compilation
// is what poisoned the scope. The check is a scope-aware pass over the cell's
// syntax (no type checking): an identifier is defined when it is declared in
// an enclosing block of the cell, at the cell's top level (in any order, as
// the cell's funcs may use the globals its statements define), in the
// session's package scope, or in the universe. Struct field names and
// composite literal keys that may be field names are not checked; neither
// are the selectors of values. What the pass cannot settle it accepts, and
// yaegi judges.
//
// Auto-import: an undefined x used as x.Sel is taken for a package, as
// goimports does. When exactly one known package (yaegi's standard library
// and Options.Symbols) is named x and exports every name the cell selects
// from it, it is imported silently, as GoNB does: the import is logged like
// one the cell wrote (Names lists it, rebuilds replay it). Otherwise the
// cell fails with "undefined: x" and, when packages of that name exist, the
// candidates (e.g. rand: math/rand and math/rand/v2 both have Float64).

// universe holds Go's predeclared identifiers.
var universe = map[string]bool{
	"any": true, "bool": true, "byte": true, "comparable": true, "complex64": true, "complex128": true,
	"error": true, "float32": true, "float64": true, "int": true, "int8": true, "int16": true,
	"int32": true, "int64": true, "rune": true, "string": true, "uint": true, "uint8": true,
	"uint16": true, "uint32": true, "uint64": true, "uintptr": true,
	"true": true, "false": true, "iota": true, "nil": true,
	"append": true, "cap": true, "clear": true, "close": true, "complex": true, "copy": true,
	"delete": true, "imag": true, "len": true, "make": true, "max": true, "min": true, "new": true,
	"panic": true, "print": true, "println": true, "real": true, "recover": true,
}

// knownNames caches the names of the session's package scope. It may lag
// behind the scope by names added since it was filled, never the other way:
// a miss refreshes it, and whatever removes names resets it.
type knownNames struct {
	names   map[string]bool
	imports map[string]string // local name -> import path, of the session's imports
}

func (k *knownNames) reset() { k.names, k.imports = nil, nil }

// isKnown reports whether name is defined in the session's package scope,
// refreshing the cache once per check (*refreshed) on a miss.
func (s *Session) isKnown(name string, refreshed *bool) bool {
	if s.known.names[name] || strings.HasPrefix(name, "__gp") {
		return true
	}
	if *refreshed {
		return false
	}
	*refreshed = true
	m := make(map[string]bool, len(s.known.names)+8)
	if !scopeNames(s.in, m) {
		// No access to yaegi's scope: the log and the globals name it.
		for _, e := range s.log.entries {
			for _, n := range e.names {
				m[n] = true
			}
		}
		for n := range s.log.vars {
			m[n] = true
		}
		for n := range s.globals() {
			m[n] = true
		}
	}
	s.known.names = m
	s.known.imports = s.log.imports()
	return m[name]
}

// exports reports whether the package at import path p exports name.
func (s *Session) exports(p, name string) bool {
	if _, ok := s.symbols[p][name]; ok {
		return true
	}
	return s.srcExports[p][name]
}

// genericSource reports whether yaegi compiles part of package p from
// source: the generic functions of the standard library it has.
func (s *Session) genericSource(p string) bool {
	_, ok := s.srcExports[p]
	return ok
}

// indexPackages maps package names to the import paths of the packages of
// the given symbol tables (keyed "import/path/name" by yaegi).
func indexPackages(keys []string) map[string][]string {
	idx := map[string][]string{}
	for _, k := range keys {
		p, name := path.Dir(k), path.Base(k)
		if strings.HasPrefix(name, "_") || strings.Contains(p, "internal") {
			continue
		}
		dup := false
		for _, q := range idx[name] {
			dup = dup || q == p
		}
		if !dup {
			idx[name] = append(idx[name], p)
		}
	}
	for _, ps := range idx {
		sort.Strings(ps)
	}
	return idx
}

// pkgUse is an undefined identifier used as the X of selectors.
type pkgUse struct {
	name string
	pos  token.Pos // first use
	sels []string
}

// badSel is a selector of an imported package that the package lacks.
type badSel struct {
	sel  *ast.SelectorExpr
	path string
}

// resolver is the undefined-name pass over one cell.
type resolver struct {
	s         *Session
	top       map[string]bool // the cell's top-level names
	locals    []string        // names of the enclosing blocks, innermost last
	marks     []int
	undef     []*ast.Ident // first use of each undefined name
	seen      map[string]bool
	pkgs      []*pkgUse
	imports   map[string]string // the cell's own imports: local name -> path
	badSels   []badSel
	refreshed bool

	// rename mode (see renameTopLocals): targets parallels locals with the
	// new name of each, "" when it keeps its name.
	rename    bool
	targets   []string
	given     []string // every name given, once
	funcDepth int

	// free, when set, collects the names used but not declared locally
	// instead of checking them (see freeIdents).
	free map[string]bool
}

// checkUndefined finds the undefined names of a parsed cell and the
// packages to import for it. It returns the import paths to add, or the
// errors to report.
func (s *Session) checkUndefined(pc *parsedCell) ([]string, error) {
	r := &resolver{s: s, top: map[string]bool{}}
	if pc.file != nil {
		for _, d := range pc.file.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil {
					r.top[d.Name.Name] = true
				}
			case *ast.GenDecl:
				for _, sp := range d.Specs {
					switch sp := sp.(type) {
					case *ast.ImportSpec:
						n := importName(sp)
						if n == "." {
							return nil, nil // dot imports: the names are unknown here
						}
						r.top[n] = true
						if r.imports == nil {
							r.imports = map[string]string{}
						}
						r.imports[n] = strings.Trim(sp.Path.Value, "\"`")
					case *ast.TypeSpec:
						r.top[sp.Name.Name] = true
					case *ast.ValueSpec:
						for _, n := range sp.Names {
							r.top[n.Name] = true
						}
					}
				}
			}
		}
	}
	if pc.body != nil {
		for _, st := range pc.body.List {
			for _, n := range definedNames(st) {
				r.top[n] = true
			}
		}
	}
	if pc.file != nil {
		for _, d := range pc.file.Decls {
			r.decl(d)
		}
	}
	if pc.body != nil {
		r.push()
		r.stmts(pc.body.List)
		r.pop()
	}
	if len(r.undef) == 0 && len(r.pkgs) == 0 && len(r.badSels) == 0 {
		return nil, nil
	}

	var errs ErrorList
	at := func(id *ast.Ident, msg string) {
		p := pc.fset.Position(id.Pos())
		errs = append(errs, &CompileError{Line: p.Line - pc.sp.base, Column: p.Column, Msg: msg})
	}
	for _, id := range r.undef {
		at(id, "undefined: "+id.Name)
	}
	for _, b := range r.badSels {
		name := b.sel.X.(*ast.Ident).Name + "." + b.sel.Sel.Name
		if s.genericSource(b.path) {
			// Real Go has it, most likely: yaegi has only part of the
			// generic standard library.
			p := pc.fset.Position(b.sel.Sel.Pos())
			return nil, &UnsupportedError{What: fmt.Sprintf("%s: the interpreter's package %q lacks this generic function", name, b.path), Hint: "write it out, or use the sort package", Line: p.Line - pc.sp.base, Column: p.Column}
		}
		at(b.sel.Sel, "undefined: "+name)
	}
	var imports []string
	for _, u := range r.pkgs {
		cands := s.pkgIndex[u.name]
		var fit []string
		for _, p := range cands {
			if len(s.missing(p, u.sels)) == 0 {
				fit = append(fit, p)
			}
		}
		id := &ast.Ident{NamePos: u.pos, Name: u.name}
		switch {
		case len(fit) == 1:
			imports = append(imports, fit[0])
		case len(cands) == 0:
			at(id, "undefined: "+u.name)
		case len(fit) == 0 && len(cands) == 1 && s.genericSource(cands[0]):
			p := pc.fset.Position(u.pos)
			return nil, &UnsupportedError{What: fmt.Sprintf("%s.%s: the interpreter's package %q lacks this generic function", u.name, s.missing(cands[0], u.sels)[0], cands[0]), Hint: "write it out, or use the sort package", Line: p.Line - pc.sp.base, Column: p.Column}
		case len(fit) == 0 && len(cands) == 1:
			at(id, fmt.Sprintf("undefined: %s (package %q has no %s)", u.name, cands[0], strings.Join(s.missing(cands[0], u.sels), ", ")))
		case len(fit) == 0:
			at(id, fmt.Sprintf("undefined: %s (no package named %s has all of %s: add one of %s)", u.name, u.name, strings.Join(u.sels, ", "), importList(cands)))
		default:
			at(id, fmt.Sprintf("undefined: %s (ambiguous package name: add import %s)", u.name, importList(fit)))
		}
	}
	if len(errs) == 0 {
		return imports, nil
	}
	sort.SliceStable(errs, func(i, j int) bool {
		return errs[i].Line < errs[j].Line || errs[i].Line == errs[j].Line && errs[i].Column < errs[j].Column
	})
	if len(errs) == 1 {
		return nil, errs[0]
	}
	return nil, errs
}

// missing returns the names that package p does not export.
func (s *Session) missing(p string, names []string) []string {
	var out []string
	for _, n := range names {
		if !s.exports(p, n) {
			out = append(out, n)
		}
	}
	return out
}

// importList renders paths as `"a" or "b"`, `"a", "b" or "c"`.
func importList(paths []string) string {
	q := make([]string, len(paths))
	for i, p := range paths {
		q[i] = strconv.Quote(p)
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

func (r *resolver) push() { r.marks = append(r.marks, len(r.locals)) }

func (r *resolver) pop() {
	m := r.marks[len(r.marks)-1]
	r.locals = r.locals[:m]
	if r.rename {
		r.targets = r.targets[:m]
	}
	r.marks = r.marks[:len(r.marks)-1]
}

func (r *resolver) declare(id *ast.Ident) {
	if id != nil {
		r.declareAs(id.Name, id)
	}
}

// declareAs declares name, written as id. In rename mode a local of a
// nested block of top-level code (outside functions) gets a name of its
// own, and so does id.
func (r *resolver) declareAs(name string, id *ast.Ident) {
	if name == "_" {
		return
	}
	r.locals = append(r.locals, name)
	if !r.rename {
		return
	}
	target := ""
	if r.funcDepth == 0 && len(r.marks) > 1 {
		target = localPrefix + strconv.Itoa(int(id.Pos())) + "_" + name
		id.Name = target
		r.given = append(r.given, target)
	}
	r.targets = append(r.targets, target)
}

func (r *resolver) defined(name string) bool {
	if name == "_" || universe[name] || r.top[name] {
		return true
	}
	for i := len(r.locals) - 1; i >= 0; i-- {
		if r.locals[i] == name {
			return true
		}
	}
	return r.s.isKnown(name, &r.refreshed)
}

func (r *resolver) use(id *ast.Ident) {
	if r.free != nil {
		for i := len(r.locals) - 1; i >= 0; i-- {
			if r.locals[i] == id.Name {
				return
			}
		}
		r.free[id.Name] = true
		return
	}
	if r.rename {
		for i := len(r.locals) - 1; i >= 0; i-- {
			if r.locals[i] == id.Name {
				if r.targets[i] != "" {
					id.Name = r.targets[i]
				}
				return
			}
		}
		return
	}
	if r.defined(id.Name) {
		return
	}
	if r.seen == nil {
		r.seen = map[string]bool{}
	}
	if !r.seen[id.Name] {
		r.seen[id.Name] = true
		r.undef = append(r.undef, id)
	}
}

// importPath returns the path of the package that name refers to, if it is
// an import of the cell or of the session not shadowed by a local.
func (r *resolver) importPath(name string) (string, bool) {
	for i := len(r.locals) - 1; i >= 0; i-- {
		if r.locals[i] == name {
			return "", false
		}
	}
	if p, ok := r.imports[name]; ok {
		return p, true
	}
	if r.top[name] {
		return "", false
	}
	p, ok := r.s.known.imports[name]
	return p, ok
}

// selector checks x.sel for an identifier x: an undefined x may be a
// package to import, and the selectors of an imported package must exist.
func (r *resolver) selector(x *ast.SelectorExpr) {
	id := x.X.(*ast.Ident)
	if r.rename || r.free != nil {
		r.use(id)
		return
	}
	if !r.defined(id.Name) {
		r.usePkg(id, x.Sel.Name)
		return
	}
	if p, ok := r.importPath(id.Name); ok && !r.s.exports(p, x.Sel.Name) {
		if _, known := r.s.symbols[p]; known || r.s.genericSource(p) {
			r.badSels = append(r.badSels, badSel{sel: x, path: p})
		}
	}
}

// usePkg records x.sel for an undefined x that may be a package.
func (r *resolver) usePkg(x *ast.Ident, sel string) {
	for _, u := range r.pkgs {
		if u.name == x.Name {
			for _, s := range u.sels {
				if s == sel {
					return
				}
			}
			u.sels = append(u.sels, sel)
			return
		}
	}
	r.pkgs = append(r.pkgs, &pkgUse{name: x.Name, pos: x.Pos(), sels: []string{sel}})
}

func (r *resolver) exprs(xs []ast.Expr) {
	for _, x := range xs {
		r.expr(x)
	}
}

func (r *resolver) expr(x ast.Expr) {
	switch x := x.(type) {
	case nil, *ast.BasicLit, *ast.BadExpr:
	case *ast.Ident:
		r.use(x)
	case *ast.SelectorExpr:
		if _, ok := x.X.(*ast.Ident); ok {
			r.selector(x)
		} else {
			r.expr(x.X)
		}
	case *ast.CompositeLit:
		r.expr(x.Type)
		// Keys of map, slice and array literals are values; bare
		// identifiers keying other literals may be struct field names (the
		// underlying type of a named type is not known here) and go
		// unchecked.
		keyed := false
		switch x.Type.(type) {
		case *ast.MapType, *ast.ArrayType:
			keyed = true
		}
		for _, e := range x.Elts {
			if kv, ok := e.(*ast.KeyValueExpr); ok {
				if _, isIdent := kv.Key.(*ast.Ident); keyed || !isIdent {
					r.expr(kv.Key)
				}
				r.expr(kv.Value)
				continue
			}
			r.expr(e)
		}
	case *ast.FuncLit:
		r.funcDepth++
		r.push()
		r.funcType(x.Type)
		r.stmts(x.Body.List)
		r.pop()
		r.funcDepth--
	case *ast.ParenExpr:
		r.expr(x.X)
	case *ast.IndexExpr:
		r.expr(x.X)
		r.expr(x.Index)
	case *ast.IndexListExpr:
		r.expr(x.X)
		r.exprs(x.Indices)
	case *ast.SliceExpr:
		r.expr(x.X)
		r.expr(x.Low)
		r.expr(x.High)
		r.expr(x.Max)
	case *ast.TypeAssertExpr:
		r.expr(x.X)
		r.expr(x.Type)
	case *ast.CallExpr:
		r.expr(x.Fun)
		r.exprs(x.Args)
	case *ast.StarExpr:
		r.expr(x.X)
	case *ast.UnaryExpr:
		r.expr(x.X)
	case *ast.BinaryExpr:
		r.expr(x.X)
		r.expr(x.Y)
	case *ast.KeyValueExpr:
		r.expr(x.Key)
		r.expr(x.Value)
	case *ast.Ellipsis:
		r.expr(x.Elt)
	case *ast.ArrayType:
		r.expr(x.Len)
		r.expr(x.Elt)
	case *ast.MapType:
		r.expr(x.Key)
		r.expr(x.Value)
	case *ast.ChanType:
		r.expr(x.Value)
	case *ast.StructType:
		r.fieldTypes(x.Fields)
	case *ast.FuncType:
		// A func type's parameter names declare nothing outside it.
		r.fieldTypes(x.Params)
		r.fieldTypes(x.Results)
	case *ast.InterfaceType:
		if x.Methods != nil {
			for _, f := range x.Methods.List {
				r.expr(f.Type) // a method's FuncType, or an embedded type or union
			}
		}
	}
}

// fieldTypes checks the types of a field list, not its names.
func (r *resolver) fieldTypes(fl *ast.FieldList) {
	if fl == nil {
		return
	}
	for _, f := range fl.List {
		r.expr(f.Type)
	}
}

// fields checks the types of a field list and declares its names.
func (r *resolver) fields(fl *ast.FieldList) {
	if fl == nil {
		return
	}
	for _, f := range fl.List {
		r.expr(f.Type)
	}
	for _, f := range fl.List {
		for _, n := range f.Names {
			r.declare(n)
		}
	}
}

// typeParams declares type parameters, then checks their constraints,
// which may refer to each other.
func (r *resolver) typeParams(fl *ast.FieldList) {
	if fl == nil {
		return
	}
	for _, f := range fl.List {
		for _, n := range f.Names {
			r.declare(n)
		}
	}
	r.fieldTypes(fl)
}

// funcType declares the parameters of a function in the current block.
func (r *resolver) funcType(ft *ast.FuncType) {
	r.typeParams(ft.TypeParams)
	r.fields(ft.Params)
	r.fields(ft.Results)
}

func (r *resolver) decl(d ast.Decl) {
	switch d := d.(type) {
	case *ast.FuncDecl:
		r.funcDepth++
		defer func() { r.funcDepth-- }()
		r.push()
		if d.Recv != nil {
			for _, f := range d.Recv.List {
				// func (l *List[T]) M(): T is declared by the receiver.
				t := f.Type
				if st, ok := t.(*ast.StarExpr); ok {
					t = st.X
				}
				switch ix := t.(type) {
				case *ast.IndexExpr:
					if id, ok := ix.Index.(*ast.Ident); ok {
						r.declare(id)
					}
					t = ix.X
				case *ast.IndexListExpr:
					for _, x := range ix.Indices {
						if id, ok := x.(*ast.Ident); ok {
							r.declare(id)
						}
					}
					t = ix.X
				}
				r.expr(t)
				for _, n := range f.Names {
					r.declare(n)
				}
			}
		}
		r.funcType(d.Type)
		if d.Body != nil {
			r.stmts(d.Body.List)
		}
		r.pop()
	case *ast.GenDecl:
		r.genDecl(d, false)
	}
}

// genDecl checks a declaration; local ones declare their names.
func (r *resolver) genDecl(d *ast.GenDecl, local bool) {
	for _, sp := range d.Specs {
		switch sp := sp.(type) {
		case *ast.TypeSpec:
			if local {
				r.declare(sp.Name)
			}
			r.push()
			r.typeParams(sp.TypeParams)
			r.expr(sp.Type)
			r.pop()
		case *ast.ValueSpec:
			r.expr(sp.Type)
			r.exprs(sp.Values)
			if local {
				for _, n := range sp.Names {
					r.declare(n)
				}
			}
		}
	}
}

func (r *resolver) stmts(list []ast.Stmt) {
	for _, st := range list {
		r.stmt(st)
	}
}

func (r *resolver) block(b *ast.BlockStmt) {
	if b == nil {
		return
	}
	r.push()
	r.stmts(b.List)
	r.pop()
}

func (r *resolver) stmt(st ast.Stmt) {
	switch s := st.(type) {
	case nil, *ast.EmptyStmt, *ast.BranchStmt, *ast.BadStmt:
	case *ast.DeclStmt:
		if gd, ok := s.Decl.(*ast.GenDecl); ok {
			r.genDecl(gd, true)
		}
	case *ast.LabeledStmt:
		r.stmt(s.Stmt)
	case *ast.ExprStmt:
		r.expr(s.X)
	case *ast.SendStmt:
		r.expr(s.Chan)
		r.expr(s.Value)
	case *ast.IncDecStmt:
		r.expr(s.X)
	case *ast.AssignStmt:
		r.exprs(s.Rhs)
		if s.Tok == token.DEFINE {
			for _, l := range s.Lhs {
				if id, ok := l.(*ast.Ident); ok {
					r.declare(id)
				}
			}
		} else {
			r.exprs(s.Lhs)
		}
	case *ast.GoStmt:
		r.expr(s.Call)
	case *ast.DeferStmt:
		r.expr(s.Call)
	case *ast.ReturnStmt:
		r.exprs(s.Results)
	case *ast.BlockStmt:
		r.block(s)
	case *ast.IfStmt:
		r.push()
		r.stmt(s.Init)
		r.expr(s.Cond)
		r.block(s.Body)
		r.stmt(s.Else)
		r.pop()
	case *ast.CaseClause:
		r.push()
		r.exprs(s.List)
		r.stmts(s.Body)
		r.pop()
	case *ast.SwitchStmt:
		r.push()
		r.stmt(s.Init)
		r.expr(s.Tag)
		r.block(s.Body)
		r.pop()
	case *ast.TypeSwitchStmt:
		r.push()
		r.stmt(s.Init)
		var bound *ast.Ident
		boundName := ""
		switch a := s.Assign.(type) {
		case *ast.AssignStmt: // v := x.(type)
			r.exprs(a.Rhs)
			if len(a.Lhs) == 1 {
				bound, _ = a.Lhs[0].(*ast.Ident)
			}
		case *ast.ExprStmt:
			r.expr(a.X)
		}
		if bound != nil {
			boundName = bound.Name
		}
		for _, c := range s.Body.List {
			cc := c.(*ast.CaseClause)
			r.push()
			if bound != nil {
				r.declareAs(boundName, bound) // the same name in every clause
			}
			r.exprs(cc.List)
			r.stmts(cc.Body)
			r.pop()
		}
		r.pop()
	case *ast.SelectStmt:
		r.block(s.Body)
	case *ast.CommClause:
		r.push()
		r.stmt(s.Comm)
		r.stmts(s.Body)
		r.pop()
	case *ast.ForStmt:
		r.push()
		r.stmt(s.Init)
		r.expr(s.Cond)
		r.stmt(s.Post)
		r.block(s.Body)
		r.pop()
	case *ast.RangeStmt:
		r.expr(s.X)
		r.push()
		if s.Tok == token.DEFINE {
			for _, x := range []ast.Expr{s.Key, s.Value} {
				if id, ok := x.(*ast.Ident); ok {
					r.declare(id)
				}
			}
		} else {
			r.expr(s.Key)
			r.expr(s.Value)
		}
		r.block(s.Body)
		r.pop()
	}
}

// autoImport imports the given packages into the session, as if the cell
// had imported them, and logs the imports.
func (s *Session) autoImport(paths []string, pc *parsedCell) error {
	var src strings.Builder
	src.WriteString("package main\n")
	var ents []*entry
	for _, p := range paths {
		name := pkgBase(p, s.pkgIndex)
		text := "import " + strconv.Quote(p)
		if pkgName(p) != name {
			text = "import " + name + " " + strconv.Quote(p)
		}
		src.WriteString(pc.sp.directive(1))
		src.WriteString(text)
		src.WriteString("\n")
		ents = append(ents, &entry{kind: chunkImport, key: "import:" + name, names: []string{name}, text: text, sp: pc.sp, line: 1, col: 1, path: p})
	}
	f, err := parseFile(s.in.FileSet(), src.String())
	if err != nil {
		return fmt.Errorf("session: auto-import: %w", err)
	}
	prog, err := s.compile(f)
	if err == nil {
		_, err = s.in.Execute(prog)
	}
	if err != nil {
		return fmt.Errorf("session: auto-import %s: %w", strings.Join(paths, ", "), err)
	}
	for _, e := range ents {
		s.log.put(e)
	}
	return nil
}

// pkgBase returns the package name of import path p in the index.
func pkgBase(p string, idx map[string][]string) string {
	if n := pkgName(p); containsStr(idx[n], p) {
		return n
	}
	for n, ps := range idx {
		if containsStr(ps, p) {
			return n
		}
	}
	return pkgName(p)
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// localPrefix starts the names renameTopLocals gives.
const localPrefix = "__gpL"

// renameTopLocals gives the locals of the nested blocks of a cell's
// top-level code names of their own. yaegi compiles top-level code in the
// package scope and gets the scopes inside it wrong: a := or var in a
// block, or in the init of an if, for or switch, takes over a global of the
// same name (`for i := 0; i < 3; i++ {}` leaves a global i at 3,
// `{ m := "s" }` with an int global m panics) and leaks out of its block.
// `x` declared at position P becomes __gpL<P>_x, unique in the
// interpreter; error messages drop the prefix (rewriteMsg). Code inside
// function literals is scoped right by yaegi and keeps its names, but its
// uses of renamed locals follow them.
// It returns the names given, which the session drops from the scope when
// the cell ends.
func renameTopLocals(body *ast.BlockStmt) []string {
	if body == nil {
		return nil
	}
	r := &resolver{rename: true}
	r.push()
	r.stmts(body.List)
	r.pop()
	seen := map[string]bool{}
	out := r.given[:0]
	for _, n := range r.given {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

// freeIdents returns the names a declaration uses without declaring them
// itself: its parameters, results and locals are not among them.
func freeIdents(d ast.Decl) map[string]bool {
	r := &resolver{free: map[string]bool{}}
	r.decl(d)
	return r.free
}
