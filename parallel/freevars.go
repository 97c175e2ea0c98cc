package parallel

import (
	"go/ast"
	"go/token"
)

// universe holds Go's predeclared identifiers, which never travel as helpers.
var universe = map[string]bool{
	"bool": true, "byte": true, "complex64": true, "complex128": true, "error": true,
	"float32": true, "float64": true, "int": true, "int8": true, "int16": true,
	"int32": true, "int64": true, "rune": true, "string": true, "uint": true,
	"uint8": true, "uint16": true, "uint32": true, "uint64": true, "uintptr": true,
	"any": true, "comparable": true, "true": true, "false": true, "iota": true,
	"nil": true, "append": true, "cap": true, "clear": true, "close": true,
	"complex": true, "copy": true, "delete": true, "imag": true, "len": true,
	"make": true, "max": true, "min": true, "new": true, "panic": true, "print": true,
	"println": true, "real": true, "recover": true, "_": true,
}

// freeNames finds the identifiers a function (or declaration) uses without declaring
// them, in order of first use. Names is every free identifier; Qualifiers is the
// subset used as X in X.Sel, which are either packages or values with fields, for
// the caller to tell apart. Predeclared names are left out.
type freeNames struct {
	Names      []string
	Qualifiers map[string]bool
	seen       map[string]bool
}

type scope struct {
	parent *scope
	names  map[string]bool
}

func (s *scope) declared(name string) bool {
	for ; s != nil; s = s.parent {
		if s.names[name] {
			return true
		}
	}
	return false
}

func (s *scope) declare(ids ...*ast.Ident) {
	for _, id := range ids {
		if id != nil {
			s.names[id.Name] = true
		}
	}
}

func newScope(parent *scope) *scope { return &scope{parent: parent, names: map[string]bool{}} }

// findFree analyses node, which is a *ast.FuncLit, an ast.Decl, an ast.Expr or an
// ast.Stmt.
func findFree(node ast.Node) *freeNames {
	f := &freeNames{Qualifiers: map[string]bool{}, seen: map[string]bool{}}
	sc := newScope(nil)
	switch n := node.(type) {
	case ast.Decl:
		f.decl(n, sc, true)
	case ast.Expr:
		f.expr(n, sc)
	case ast.Stmt:
		f.stmt(n, sc)
	}
	return f
}

func (f *freeNames) use(id *ast.Ident, sc *scope) {
	if id == nil || universe[id.Name] || sc.declared(id.Name) {
		return
	}
	if !f.seen[id.Name] {
		f.seen[id.Name] = true
		f.Names = append(f.Names, id.Name)
	}
}

func (f *freeNames) exprs(list []ast.Expr, sc *scope) {
	for _, e := range list {
		f.expr(e, sc)
	}
}

func (f *freeNames) fields(fl *ast.FieldList, sc *scope, declare bool) {
	if fl == nil {
		return
	}
	for _, fd := range fl.List {
		f.expr(fd.Type, sc)
		if declare {
			sc.declare(fd.Names...)
		}
	}
}

func (f *freeNames) funcType(ft *ast.FuncType, sc *scope) {
	// Type parameters, then parameter and result types, are all in the function's scope.
	if ft.TypeParams != nil {
		for _, fd := range ft.TypeParams.List {
			sc.declare(fd.Names...)
		}
		f.fields(ft.TypeParams, sc, false)
	}
	f.fields(ft.Params, sc, true)
	f.fields(ft.Results, sc, true)
}

func (f *freeNames) expr(e ast.Expr, sc *scope) {
	switch e := e.(type) {
	case nil:
	case *ast.Ident:
		f.use(e, sc)
	case *ast.SelectorExpr:
		if id, ok := e.X.(*ast.Ident); ok && !sc.declared(id.Name) && !universe[id.Name] {
			f.Qualifiers[id.Name] = true
		}
		f.expr(e.X, sc)
	case *ast.FuncLit:
		inner := newScope(sc)
		f.funcType(e.Type, inner)
		f.block(e.Body, inner)
	case *ast.CompositeLit:
		f.expr(e.Type, sc)
		_, isMap := e.Type.(*ast.MapType)
		for _, el := range e.Elts {
			if kv, ok := el.(*ast.KeyValueExpr); ok {
				// A bare identifier key of a non-map literal is a struct field name.
				if _, isIdent := kv.Key.(*ast.Ident); !isIdent || isMap {
					f.expr(kv.Key, sc)
				}
				f.expr(kv.Value, sc)
				continue
			}
			f.expr(el, sc)
		}
	case *ast.KeyValueExpr:
		f.expr(e.Key, sc)
		f.expr(e.Value, sc)
	case *ast.ParenExpr:
		f.expr(e.X, sc)
	case *ast.IndexExpr:
		f.expr(e.X, sc)
		f.expr(e.Index, sc)
	case *ast.IndexListExpr:
		f.expr(e.X, sc)
		f.exprs(e.Indices, sc)
	case *ast.SliceExpr:
		f.expr(e.X, sc)
		f.expr(e.Low, sc)
		f.expr(e.High, sc)
		f.expr(e.Max, sc)
	case *ast.TypeAssertExpr:
		f.expr(e.X, sc)
		f.expr(e.Type, sc)
	case *ast.CallExpr:
		f.expr(e.Fun, sc)
		f.exprs(e.Args, sc)
	case *ast.StarExpr:
		f.expr(e.X, sc)
	case *ast.UnaryExpr:
		f.expr(e.X, sc)
	case *ast.BinaryExpr:
		f.expr(e.X, sc)
		f.expr(e.Y, sc)
	case *ast.ArrayType:
		f.expr(e.Len, sc)
		f.expr(e.Elt, sc)
	case *ast.StructType:
		f.fields(e.Fields, sc, false)
	case *ast.FuncType:
		f.funcType(e, newScope(sc))
	case *ast.InterfaceType:
		f.fields(e.Methods, sc, false)
	case *ast.MapType:
		f.expr(e.Key, sc)
		f.expr(e.Value, sc)
	case *ast.ChanType:
		f.expr(e.Value, sc)
	case *ast.Ellipsis:
		f.expr(e.Elt, sc)
	}
}

func (f *freeNames) block(b *ast.BlockStmt, sc *scope) {
	if b == nil {
		return
	}
	for _, s := range b.List {
		f.stmt(s, sc)
	}
}

func (f *freeNames) stmts(list []ast.Stmt, sc *scope) {
	for _, s := range list {
		f.stmt(s, sc)
	}
}

func (f *freeNames) stmt(s ast.Stmt, sc *scope) {
	switch s := s.(type) {
	case nil:
	case *ast.DeclStmt:
		f.decl(s.Decl, sc, false)
	case *ast.ExprStmt:
		f.expr(s.X, sc)
	case *ast.SendStmt:
		f.expr(s.Chan, sc)
		f.expr(s.Value, sc)
	case *ast.IncDecStmt:
		f.expr(s.X, sc)
	case *ast.AssignStmt:
		f.exprs(s.Rhs, sc)
		if s.Tok == token.DEFINE {
			for _, l := range s.Lhs {
				if id, ok := l.(*ast.Ident); ok {
					sc.declare(id)
				}
			}
			return
		}
		f.exprs(s.Lhs, sc)
	case *ast.GoStmt:
		f.expr(s.Call, sc)
	case *ast.DeferStmt:
		f.expr(s.Call, sc)
	case *ast.ReturnStmt:
		f.exprs(s.Results, sc)
	case *ast.BlockStmt:
		f.block(s, newScope(sc))
	case *ast.IfStmt:
		inner := newScope(sc)
		f.stmt(s.Init, inner)
		f.expr(s.Cond, inner)
		f.block(s.Body, newScope(inner))
		f.stmt(s.Else, inner)
	case *ast.CaseClause:
		f.exprs(s.List, sc)
		f.stmts(s.Body, newScope(sc))
	case *ast.SwitchStmt:
		inner := newScope(sc)
		f.stmt(s.Init, inner)
		f.expr(s.Tag, inner)
		f.block(s.Body, inner)
	case *ast.TypeSwitchStmt:
		inner := newScope(sc)
		f.stmt(s.Init, inner)
		var bound *ast.Ident
		switch a := s.Assign.(type) {
		case *ast.AssignStmt:
			if len(a.Lhs) == 1 {
				bound, _ = a.Lhs[0].(*ast.Ident)
			}
			f.exprs(a.Rhs, inner)
		case *ast.ExprStmt:
			f.expr(a.X, inner)
		}
		for _, c := range s.Body.List {
			cc := c.(*ast.CaseClause)
			f.exprs(cc.List, inner)
			clause := newScope(inner)
			clause.declare(bound)
			f.stmts(cc.Body, clause)
		}
	case *ast.CommClause:
		inner := newScope(sc)
		f.stmt(s.Comm, inner)
		f.stmts(s.Body, inner)
	case *ast.SelectStmt:
		f.block(s.Body, sc)
	case *ast.ForStmt:
		inner := newScope(sc)
		f.stmt(s.Init, inner)
		f.expr(s.Cond, inner)
		f.stmt(s.Post, inner)
		f.block(s.Body, newScope(inner))
	case *ast.RangeStmt:
		f.expr(s.X, sc)
		inner := newScope(sc)
		if s.Tok == token.DEFINE {
			for _, e := range []ast.Expr{s.Key, s.Value} {
				if id, ok := e.(*ast.Ident); ok {
					inner.declare(id)
				}
			}
		} else {
			f.expr(s.Key, sc)
			f.expr(s.Value, sc)
		}
		f.block(s.Body, inner)
	case *ast.LabeledStmt:
		f.stmt(s.Stmt, sc)
	}
}

// decl analyses a declaration. At top level (a helper's own source), the declared
// names are the declaration itself, not uses, so they are declared first; that also
// keeps recursive funcs and types from listing themselves.
func (f *freeNames) decl(d ast.Decl, sc *scope, top bool) {
	switch d := d.(type) {
	case *ast.FuncDecl:
		if top && d.Recv == nil {
			sc.declare(d.Name)
		}
		inner := newScope(sc)
		if d.Recv != nil {
			f.fields(d.Recv, inner, true)
		}
		f.funcType(d.Type, inner)
		f.block(d.Body, inner)
	case *ast.GenDecl:
		for _, spec := range d.Specs {
			switch sp := spec.(type) {
			case *ast.TypeSpec:
				sc.declare(sp.Name)
				inner := sc
				if sp.TypeParams != nil {
					inner = newScope(sc)
					for _, fd := range sp.TypeParams.List {
						inner.declare(fd.Names...)
					}
					f.fields(sp.TypeParams, inner, false)
				}
				f.expr(sp.Type, inner)
			case *ast.ValueSpec:
				f.expr(sp.Type, sc)
				f.exprs(sp.Values, sc)
				sc.declare(sp.Names...)
			}
		}
	}
}
