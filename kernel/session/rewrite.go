package session

import (
	"go/ast"
	"go/token"
	"reflect"
	"strings"
)

// Rewrites cover Go features yaegi 0.16.1 lacks, on the parsed AST before it
// is handed to yaegi. New nodes take the position of the node they replace:
// yaegi resolves imports by the file name of a node's position, so a node
// without one could not see the cell's imports.
//
//   - min, max: calls are renamed to the prelude's generic __gpMin/__gpMax.
//     yaegi infers a type argument from the first argument only and cannot
//     infer one from an untyped float constant, so a typed argument is moved
//     first, and a float literal is made float64 when all arguments are
//     literals.
//   - clear: renamed to __gpClear, which clears maps and slices via reflect.
//   - for range over an integer: turned into a three-clause loop when the
//     range expression is an integer by its syntax or by what the session
//     knows of it (see rewriteEnv.isInt).
//   - go statements: the call runs in a function literal that defers
//     __gpGoGuard, so that a panic reaches Options.GoroutinePanic instead of
//     killing the process. Arguments are evaluated before the goroutine starts,
//     as in Go.
//   - tuple assignments (see parenTuple and splitNilAssign): yaegi drops
//     values of `a, b = y, f(y)`, `a, b := 1, []int{2}` and
//     `var a, b = 1, []int{2}`, and panics on `v, err = x, nil` and on
//     `return <-ch`.
//   - unnamed parameters of functions with a body are named _: yaegi
//     allocates no frame slot for them and, called through reflect (Compile,
//     Call), stores the arguments in the wrong slots.

// rewriteEnv is what rewrites need to know about the session.
type rewriteEnv struct {
	userNames map[string]bool          // names the user declared (shadowing builtins)
	globals   map[string]reflect.Value // current global values, for range-over-int
	intNames  map[string]bool          // names declared with integer type in the code
}

func (s *Session) rewriteEnv(globals map[string]reflect.Value) *rewriteEnv {
	env := &rewriteEnv{userNames: map[string]bool{}, globals: globals, intNames: map[string]bool{}}
	for _, b := range []string{"min", "max", "clear"} {
		if _, ok := s.log.lookup(b); ok {
			env.userNames[b] = true
		}
		if _, ok := globals[b]; ok {
			env.userNames[b] = true
		}
	}
	return env
}

func rewriteFile(f *ast.File, env *rewriteEnv) {
	for _, d := range f.Decls {
		rewriteNode(d, env)
	}
}

// rewriteNode applies all rewrites inside n.
func rewriteNode(n ast.Node, env *rewriteEnv) {
	collectIntNames(n, env.intNames)
	ast.Inspect(n, func(n ast.Node) bool {
		if c, ok := n.(*ast.CallExpr); ok {
			rewriteBuiltinCall(c, env)
		}
		return true
	})
	walkStmtLists(n, func(list []ast.Stmt) {
		for i, st := range list {
			list[i] = rewriteStmt(st, env)
		}
	})
	// After the statement rewrites, which generate tuple definitions too.
	ast.Inspect(n, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			if len(n.Lhs) > 1 && len(n.Lhs) == len(n.Rhs) {
				parenTuple(n.Rhs)
			}
		case *ast.ValueSpec:
			if len(n.Names) > 1 && len(n.Names) == len(n.Values) {
				parenTuple(n.Values)
			}
		case *ast.FuncLit:
			nameParams(n.Type)
		case *ast.FuncDecl:
			nameParams(n.Type)
		case *ast.ReturnStmt:
			// yaegi panics on `return <-ch` ("Set using unaddressable
			// value"): its receive writes straight into the result slot.
			for i, r := range n.Results {
				if u, ok := r.(*ast.UnaryExpr); ok && u.Op == token.ARROW {
					n.Results[i] = &ast.ParenExpr{Lparen: r.Pos(), X: r, Rparen: r.End() - 1}
				}
			}
		}
		return true
	})
}

func rewriteStmt(st ast.Stmt, env *rewriteEnv) ast.Stmt {
	switch s := st.(type) {
	case *ast.LabeledStmt:
		s.Stmt = rewriteStmt(s.Stmt, env)
	case *ast.RangeStmt:
		if env.isInt(s.X) {
			return rangeIntToFor(s)
		}
	case *ast.GoStmt:
		return guardGo(s)
	case *ast.AssignStmt:
		return splitNilAssign(s)
	}
	return st
}

// parenTuple wraps the values of a tuple assignment or definition that yaegi
// would mishandle in parentheses.
//
// For each pair of `x1, ..., xn = e1, ..., en` yaegi 0.16.1 tries to let a
// call, a channel receive or a composite literal store its value straight
// into its destination, and does so by turning the generator of the whole
// statement into a no-op, so the other pairs are never assigned (cfg.go,
// "Call action may perform the assignment directly"). A parenthesised
// expression is not a call, receive or literal node to it, so the statement
// keeps its generic multi-assignment, which evaluates every value (and the
// operands of index expressions on the left) before assigning any, as Go
// specifies. Rewriting into temporaries would do the same but lose the
// destination's type for untyped constants (`f, n = 1<<k, g()` with f
// float64); parentheses change nothing else.
//
// Identifiers and basic literals are left alone: they are never optimised
// that way, and a parenthesised function name trips another yaegi bug.
func parenTuple(values []ast.Expr) {
	for i, v := range values {
		switch v.(type) {
		case *ast.CallExpr, *ast.CompositeLit, *ast.UnaryExpr, *ast.FuncLit:
			values[i] = &ast.ParenExpr{Lparen: v.Pos(), X: v, Rparen: v.End() - 1}
		}
	}
}

// nameParams names the parameters of a function with a body `_` when they
// are unnamed (func(int, string) → func(_ int, _ string)).
func nameParams(ft *ast.FuncType) {
	if ft.Params == nil {
		return
	}
	for _, f := range ft.Params.List {
		if len(f.Names) == 0 {
			f.Names = []*ast.Ident{{NamePos: f.Type.Pos(), Name: "_"}}
		}
	}
}

// splitNilAssign moves untyped nil values out of a tuple assignment, which
// yaegi 0.16.1 panics on ("reflect: New(nil)"):
//
//	v, err = f(), nil   →   { v = f(); err = nil }
//
// Every value is still evaluated before any assignment, since nil depends on
// nothing. Only statements whose left side is all distinct identifiers are
// split: with index, selector or pointer destinations the later assignment
// could alias an earlier one and change which write lands last.
func splitNilAssign(as *ast.AssignStmt) ast.Stmt {
	if as.Tok != token.ASSIGN || len(as.Lhs) < 2 || len(as.Lhs) != len(as.Rhs) {
		return as
	}
	seen := map[string]bool{}
	hasNil := false
	for i, l := range as.Lhs {
		id, ok := l.(*ast.Ident)
		if !ok {
			return as
		}
		if id.Name != "_" {
			if seen[id.Name] {
				return as
			}
			seen[id.Name] = true
		}
		if isIdent(as.Rhs[i], "nil") && id.Name != "_" {
			hasNil = true
		}
	}
	if !hasNil {
		return as
	}
	rest := &ast.AssignStmt{TokPos: as.TokPos, Tok: token.ASSIGN}
	var nils []ast.Stmt
	for i, l := range as.Lhs {
		if isIdent(as.Rhs[i], "nil") && !isIdent(l, "_") {
			nils = append(nils, &ast.AssignStmt{Lhs: []ast.Expr{l}, TokPos: as.TokPos, Tok: token.ASSIGN, Rhs: []ast.Expr{as.Rhs[i]}})
			continue
		}
		rest.Lhs = append(rest.Lhs, l)
		rest.Rhs = append(rest.Rhs, as.Rhs[i])
	}
	list := nils
	if len(rest.Lhs) > 0 {
		list = append([]ast.Stmt{rest}, nils...)
	}
	return &ast.BlockStmt{Lbrace: as.Pos(), List: list, Rbrace: as.End() - 1}
}

// walkStmtLists calls fn on every statement list inside n, innermost first
// (post-order), so that replacements made by fn are not visited again.
func walkStmtLists(n ast.Node, fn func([]ast.Stmt)) {
	var stack []ast.Node
	ast.Inspect(n, func(n ast.Node) bool {
		if n != nil {
			stack = append(stack, n)
			return true
		}
		top := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		switch b := top.(type) {
		case *ast.BlockStmt:
			fn(b.List)
		case *ast.CaseClause:
			fn(b.Body)
		case *ast.CommClause:
			fn(b.Body)
		}
		return true
	})
}

func rewriteBuiltinCall(c *ast.CallExpr, env *rewriteEnv) {
	id, ok := c.Fun.(*ast.Ident)
	if !ok || env.userNames[id.Name] {
		return
	}
	switch id.Name {
	case "clear":
		id.Name = "__gpClear"
	case "min", "max":
		if len(c.Args) == 0 {
			return
		}
		id.Name = "__gp" + strings.ToUpper(id.Name[:1]) + id.Name[1:]
		first := -1
		for i, a := range c.Args {
			if !isLiteral(a) {
				first = i
				break
			}
		}
		switch {
		case first > 0:
			c.Args[0], c.Args[first] = c.Args[first], c.Args[0]
		case first < 0:
			for _, a := range c.Args {
				if lit, ok := unparen(a).(*ast.BasicLit); ok && lit.Kind == token.FLOAT {
					c.Args[0] = &ast.CallExpr{Fun: &ast.Ident{NamePos: c.Args[0].Pos(), Name: "float64"}, Lparen: c.Args[0].Pos(), Args: []ast.Expr{c.Args[0]}, Rparen: c.Args[0].End()}
					break
				}
			}
		}
	}
}

func unparen(x ast.Expr) ast.Expr {
	for {
		p, ok := x.(*ast.ParenExpr)
		if !ok {
			return x
		}
		x = p.X
	}
}

// isLiteral reports a constant written with literals only.
func isLiteral(x ast.Expr) bool {
	switch x := unparen(x).(type) {
	case *ast.BasicLit:
		return true
	case *ast.UnaryExpr:
		return isLiteral(x.X)
	case *ast.BinaryExpr:
		return isLiteral(x.X) && isLiteral(x.Y)
	}
	return false
}

var intTypes = map[string]bool{
	"int": true, "int8": true, "int16": true, "int32": true, "int64": true, "rune": true, "byte": true,
	"uint": true, "uint8": true, "uint16": true, "uint32": true, "uint64": true, "uintptr": true,
}

// collectIntNames records identifiers the code declares with an integer type
// or initialises from an integer expression. It ignores scopes: a name that is
// an integer somewhere is taken for one everywhere, which is right for the
// loop bounds people write and at worst yields a clear compile error.
func collectIntNames(n ast.Node, names map[string]bool) {
	env := &rewriteEnv{intNames: names}
	ast.Inspect(n, func(n ast.Node) bool {
		switch d := n.(type) {
		case *ast.Field:
			if id, ok := d.Type.(*ast.Ident); ok && intTypes[id.Name] {
				for _, nm := range d.Names {
					names[nm.Name] = true
				}
			}
		case *ast.ValueSpec:
			if id, ok := d.Type.(*ast.Ident); ok && intTypes[id.Name] {
				for _, nm := range d.Names {
					names[nm.Name] = true
				}
			} else if d.Type == nil && len(d.Values) == len(d.Names) {
				for i, nm := range d.Names {
					if env.isInt(d.Values[i]) {
						names[nm.Name] = true
					}
				}
			}
		case *ast.AssignStmt:
			if d.Tok == token.DEFINE && len(d.Lhs) == len(d.Rhs) {
				for i, l := range d.Lhs {
					if id, ok := l.(*ast.Ident); ok && env.isInt(d.Rhs[i]) {
						names[id.Name] = true
					}
				}
			}
		}
		return true
	})
}

// isInt reports whether x is an integer expression, as far as syntax and the
// session's globals tell.
func (env *rewriteEnv) isInt(x ast.Expr) bool {
	switch x := unparen(x).(type) {
	case *ast.BasicLit:
		return x.Kind == token.INT || x.Kind == token.CHAR
	case *ast.Ident:
		if env.intNames[x.Name] {
			return true
		}
		if v, ok := env.globals[x.Name]; ok && v.IsValid() {
			switch v.Kind() {
			case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
				reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
				return true
			}
		}
	case *ast.CallExpr:
		if id, ok := x.Fun.(*ast.Ident); ok {
			return id.Name == "len" || id.Name == "cap" || intTypes[id.Name]
		}
	case *ast.BinaryExpr:
		switch x.Op {
		case token.ADD, token.SUB, token.MUL, token.QUO, token.REM, token.AND, token.OR, token.XOR, token.SHL, token.SHR, token.AND_NOT:
			return env.isInt(x.X) && (env.isInt(x.Y) || isLiteral(x.Y)) || isLiteral(x.X) && env.isInt(x.Y)
		}
	case *ast.UnaryExpr:
		return x.Op != token.ARROW && env.isInt(x.X)
	}
	return false
}

// rangeIntToFor turns `for i := range n` into
// `for i, __gpN := (n)-(n), n; i < __gpN; i++`, which gives i the type of n
// as Go 1.22 does.
func rangeIntToFor(r *ast.RangeStmt) ast.Stmt {
	pos := r.For
	ident := func(name string) *ast.Ident { return &ast.Ident{NamePos: pos, Name: name} }
	paren := func(x ast.Expr) ast.Expr { return &ast.ParenExpr{Lparen: pos, X: x, Rparen: pos} }
	var key ast.Expr = ident("__gpI")
	if r.Key != nil && !isIdent(r.Key, "_") {
		key = r.Key
	}
	zero := &ast.BinaryExpr{X: paren(r.X), OpPos: pos, Op: token.SUB, Y: paren(r.X)}
	f := &ast.ForStmt{For: pos, Body: r.Body}
	if r.Tok == token.ASSIGN && r.Key != nil {
		f.Init = &ast.AssignStmt{Lhs: []ast.Expr{key}, TokPos: pos, Tok: token.ASSIGN, Rhs: []ast.Expr{zero}}
		f.Cond = &ast.BinaryExpr{X: key, OpPos: pos, Op: token.LSS, Y: paren(r.X)}
	} else {
		f.Init = &ast.AssignStmt{Lhs: []ast.Expr{key, ident("__gpN")}, TokPos: pos, Tok: token.DEFINE, Rhs: []ast.Expr{zero, r.X}}
		f.Cond = &ast.BinaryExpr{X: key, OpPos: pos, Op: token.LSS, Y: ident("__gpN")}
	}
	f.Post = &ast.IncDecStmt{X: key, TokPos: pos, Tok: token.INC}
	return f
}

// guardGo rewrites `go f(a, b)` into
//
//	{ __gpA0, __gpA1 := a, b; go func() { defer __gpGoGuard(); f(__gpA0, __gpA1) }() }
func guardGo(g *ast.GoStmt) ast.Stmt {
	pos := g.Go
	ident := func(name string) *ast.Ident { return &ast.Ident{NamePos: pos, Name: name} }
	call := g.Call
	var pre ast.Stmt
	if n := len(call.Args); n > 0 && !(n == 1 && isCall(call.Args[0])) {
		as := &ast.AssignStmt{TokPos: pos, Tok: token.DEFINE}
		args := make([]ast.Expr, n)
		for i, a := range call.Args {
			id := ident("__gpA" + string(rune('0'+i%10)) + strings.Repeat("_", i/10))
			as.Lhs = append(as.Lhs, id)
			as.Rhs = append(as.Rhs, a)
			args[i] = ident(id.Name)
		}
		c := *call
		c.Args = args
		call = &c
		pre = as
	}
	body := &ast.BlockStmt{Lbrace: pos, Rbrace: pos, List: []ast.Stmt{
		&ast.DeferStmt{Defer: pos, Call: &ast.CallExpr{Fun: ident("__gpGoGuard"), Lparen: pos, Rparen: pos}},
		&ast.ExprStmt{X: call},
	}}
	lit := &ast.FuncLit{Type: &ast.FuncType{Func: pos, Params: &ast.FieldList{Opening: pos, Closing: pos}}, Body: body}
	gs := &ast.GoStmt{Go: pos, Call: &ast.CallExpr{Fun: lit, Lparen: pos, Rparen: pos}}
	if pre == nil {
		return gs
	}
	return &ast.BlockStmt{Lbrace: pos, Rbrace: pos, List: []ast.Stmt{pre, gs}}
}

func isCall(x ast.Expr) bool {
	_, ok := unparen(x).(*ast.CallExpr)
	return ok
}
