package session

import (
	"go/ast"
	"go/token"
	"reflect"
	"strconv"
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
//     range expression is an integer by its syntax, by the declarations in
//     scope or by what the session knows of its globals (see intScopes).
//   - go statements: the goroutine's function defers __gpGoGuard, so that
//     a panic reaches Options.GoroutinePanic instead of killing the process
//     (see guardGo). Arguments are evaluated before the goroutine starts, as
//     in Go.
//   - tuple assignments (see parenTuple and splitNilAssign): yaegi drops
//     values of `a, b = y, f(y)`, `a, b := 1, []int{2}` and
//     `var a, b = 1, []int{2}`, and panics on `v, err = x, nil` and on
//     `return <-ch`.
//   - top-level defer, type switches, selects and comma-ok definitions:
//     see rewriteTop.
//   - loop variables used by closures are made per iteration (see
//     perIterationVars and rangeIntToFor), as in Go 1.22.
//   - unnamed parameters of functions with a body are named _: yaegi
//     allocates no frame slot for them and, called through reflect (Compile,
//     Call), stores the arguments in the wrong slots.

// rewriteEnv is what rewrites need to know about the session.
type rewriteEnv struct {
	userNames map[string]bool          // names the user declared (shadowing builtins)
	globals   map[string]reflect.Value // current global values, for range-over-int
	topInts   map[string]bool          // the cell's top-level definitions: integer or not
}

func (s *Session) rewriteEnv(globals map[string]reflect.Value) *rewriteEnv {
	env := &rewriteEnv{userNames: map[string]bool{}, globals: globals}
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
	ranges := &intScopes{env: env, out: map[*ast.RangeStmt]bool{}}
	ranges.walk(n)
	ast.Inspect(n, func(n ast.Node) bool {
		if c, ok := n.(*ast.CallExpr); ok {
			rewriteBuiltinCall(c, env)
		}
		return true
	})
	walkStmtLists(n, func(list []ast.Stmt) {
		for i, st := range list {
			list[i] = rewriteStmt(st, ranges.out)
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

func rewriteStmt(st ast.Stmt, rangeInt map[*ast.RangeStmt]bool) ast.Stmt {
	switch s := st.(type) {
	case *ast.LabeledStmt:
		s.Stmt = rewriteStmt(s.Stmt, rangeInt)
	case *ast.ForStmt:
		perIterationVars(s)
	case *ast.RangeStmt:
		if rangeInt[s] {
			return rangeIntToFor(s)
		}
		perIterationVars(s)
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

// intScopes tells which range statements range over an integer. It walks
// the code with its blocks, so that a parameter, a local or a := in an
// enclosing block shadows a global of the same name: in
// `func(a []float64) { for i := range a {} }` a is the slice, whatever a
// global a is. A name is looked up in the enclosing blocks, then among the
// cell's top-level definitions (env.topInts), then among the session's
// globals.
type intScopes struct {
	env   *rewriteEnv
	names []string
	ints  []bool
	marks []int
	out   map[*ast.RangeStmt]bool
}

func (sc *intScopes) push() { sc.marks = append(sc.marks, len(sc.names)) }

func (sc *intScopes) pop() {
	m := sc.marks[len(sc.marks)-1]
	sc.marks = sc.marks[:len(sc.marks)-1]
	sc.names, sc.ints = sc.names[:m], sc.ints[:m]
}

func (sc *intScopes) declare(id *ast.Ident, isInt bool) {
	if id != nil && id.Name != "_" {
		sc.names = append(sc.names, id.Name)
		sc.ints = append(sc.ints, isInt)
	}
}

func (sc *intScopes) declareFields(fl *ast.FieldList) {
	if fl == nil {
		return
	}
	for _, f := range fl.List {
		id, ok := f.Type.(*ast.Ident)
		for _, n := range f.Names {
			sc.declare(n, ok && intTypes[id.Name])
		}
	}
}

// identIsInt reports whether the innermost declaration of name is an integer.
func (sc *intScopes) identIsInt(name string) bool {
	for i := len(sc.names) - 1; i >= 0; i-- {
		if sc.names[i] == name {
			return sc.ints[i]
		}
	}
	if isInt, ok := sc.env.topInts[name]; ok {
		return isInt
	}
	if v, ok := sc.env.globals[name]; ok && v.IsValid() {
		switch v.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			return true
		}
	}
	return false
}

// valueIsInt reports whether the i-th name of a definition with the given
// values gets an integer type.
func (sc *intScopes) valueIsInt(typ ast.Expr, values []ast.Expr, nnames, i int) bool {
	if typ != nil {
		id, ok := typ.(*ast.Ident)
		return ok && intTypes[id.Name]
	}
	return len(values) == nnames && sc.isInt(values[i])
}

// walk records, for every range statement in n, whether it ranges over an
// integer.
func (sc *intScopes) walk(n ast.Node) {
	var stack []ast.Node
	ast.Inspect(n, func(n ast.Node) bool {
		if n == nil {
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			switch top.(type) {
			case *ast.BlockStmt, *ast.IfStmt, *ast.ForStmt, *ast.RangeStmt, *ast.SwitchStmt,
				*ast.TypeSwitchStmt, *ast.CaseClause, *ast.CommClause, *ast.FuncLit, *ast.FuncDecl:
				sc.pop()
			}
			return true
		}
		stack = append(stack, n)
		switch n := n.(type) {
		case *ast.BlockStmt, *ast.IfStmt, *ast.ForStmt, *ast.SwitchStmt,
			*ast.TypeSwitchStmt, *ast.CaseClause, *ast.CommClause:
			sc.push()
		case *ast.FuncLit:
			sc.push()
			sc.declareFields(n.Type.TypeParams)
			sc.declareFields(n.Type.Params)
			sc.declareFields(n.Type.Results)
		case *ast.FuncDecl:
			sc.push()
			sc.declareFields(n.Recv)
			sc.declareFields(n.Type.TypeParams)
			sc.declareFields(n.Type.Params)
			sc.declareFields(n.Type.Results)
		case *ast.RangeStmt:
			// The range expression is evaluated outside the loop's block.
			isInt := sc.isInt(n.X)
			sc.out[n] = isInt
			sc.push()
			if n.Tok == token.DEFINE {
				if id, ok := n.Key.(*ast.Ident); ok {
					sc.declare(id, isInt)
				}
				if id, ok := n.Value.(*ast.Ident); ok {
					sc.declare(id, false)
				}
			}
		case *ast.AssignStmt:
			if n.Tok == token.DEFINE {
				ints := make([]bool, len(n.Lhs))
				for i := range n.Lhs {
					ints[i] = sc.valueIsInt(nil, n.Rhs, len(n.Lhs), i)
				}
				for i, l := range n.Lhs {
					id, _ := l.(*ast.Ident)
					sc.declare(id, ints[i])
				}
			}
		case *ast.ValueSpec:
			for i, id := range n.Names {
				sc.declare(id, sc.valueIsInt(n.Type, n.Values, len(n.Names), i))
			}
		case *ast.TypeSpec:
			sc.declare(n.Name, false)
		}
		return true
	})
}

// topInts records which of the names that a cell's top-level statements
// define are integers, so that the cell's funcs, compiled before or after
// those statements, see them as globals.
func topInts(body *ast.BlockStmt, env *rewriteEnv) map[string]bool {
	m := map[string]bool{}
	if body == nil {
		return m
	}
	sc := &intScopes{env: &rewriteEnv{globals: env.globals, topInts: m}}
	for _, st := range body.List {
		switch st := st.(type) {
		case *ast.AssignStmt:
			if st.Tok == token.DEFINE {
				for i, l := range st.Lhs {
					if id, ok := l.(*ast.Ident); ok {
						m[id.Name] = sc.valueIsInt(nil, st.Rhs, len(st.Lhs), i)
					}
				}
			}
		case *ast.DeclStmt:
			if gd, ok := st.Decl.(*ast.GenDecl); ok {
				for _, sp := range gd.Specs {
					if vs, ok := sp.(*ast.ValueSpec); ok {
						for i, id := range vs.Names {
							m[id.Name] = sc.valueIsInt(vs.Type, vs.Values, len(vs.Names), i)
						}
					}
				}
			}
		}
	}
	return m
}

// isInt reports whether x is an integer expression, as far as syntax, the
// enclosing declarations and the session's globals tell.
func (sc *intScopes) isInt(x ast.Expr) bool {
	switch x := unparen(x).(type) {
	case *ast.BasicLit:
		return x.Kind == token.INT || x.Kind == token.CHAR
	case *ast.Ident:
		return sc.identIsInt(x.Name)
	case *ast.CallExpr:
		if id, ok := x.Fun.(*ast.Ident); ok {
			return id.Name == "len" || id.Name == "cap" || intTypes[id.Name]
		}
	case *ast.BinaryExpr:
		switch x.Op {
		case token.ADD, token.SUB, token.MUL, token.QUO, token.REM, token.AND, token.OR, token.XOR, token.SHL, token.SHR, token.AND_NOT:
			return sc.isInt(x.X) && (sc.isInt(x.Y) || isLiteral(x.Y)) || isLiteral(x.X) && sc.isInt(x.Y)
		}
	case *ast.UnaryExpr:
		return x.Op != token.ARROW && sc.isInt(x.X)
	}
	return false
}

// rangeIntToFor turns `for i := range n { body }` into
//
//	for __gpI, __gpN := (n)-(n), n; __gpI < __gpN; __gpI++ { i := __gpI; { body } }
//
// which gives i the type of n, a new i in every iteration (closures made in
// the body keep their own, as in Go 1.22) and an iteration count that
// changes to i in the body do not affect. `for i = range n` assigns i
// instead. The names are made unique with the loop's position: yaegi mixes
// up a nested loop's __gpN with the enclosing loop's.
func rangeIntToFor(r *ast.RangeStmt) ast.Stmt {
	pos := r.For
	suffix := strconv.Itoa(int(pos))
	hidden := func(name string) *ast.Ident { return &ast.Ident{NamePos: pos, Name: name + "_" + suffix} }
	paren := func(x ast.Expr) ast.Expr { return &ast.ParenExpr{Lparen: pos, X: x, Rparen: pos} }
	zero := &ast.BinaryExpr{X: paren(r.X), OpPos: pos, Op: token.SUB, Y: paren(r.X)}
	f := &ast.ForStmt{
		For:  pos,
		Init: &ast.AssignStmt{Lhs: []ast.Expr{hidden("__gpI"), hidden("__gpN")}, TokPos: pos, Tok: token.DEFINE, Rhs: []ast.Expr{zero, r.X}},
		Cond: &ast.BinaryExpr{X: hidden("__gpI"), OpPos: pos, Op: token.LSS, Y: hidden("__gpN")},
		Post: &ast.IncDecStmt{X: hidden("__gpI"), TokPos: pos, Tok: token.INC},
		Body: r.Body,
	}
	if r.Key != nil && !isIdent(r.Key, "_") {
		tok := token.DEFINE
		if r.Tok == token.ASSIGN {
			tok = token.ASSIGN
		}
		set := &ast.AssignStmt{Lhs: []ast.Expr{r.Key}, TokPos: pos, Tok: tok, Rhs: []ast.Expr{hidden("__gpI")}}
		f.Body = &ast.BlockStmt{Lbrace: r.Body.Lbrace, List: []ast.Stmt{set, r.Body}, Rbrace: r.Body.Rbrace}
	}
	return f
}

// perIterationVars gives the variables a for or range statement declares a
// new instance in every iteration when a function literal in the body uses
// them, as Go 1.22 does and yaegi does not: `i := i` starts the body. A
// three-clause loop whose body changes the variable is left alone, since
// the copy would not carry the change to the next iteration.
func perIterationVars(st ast.Stmt) {
	var names []*ast.Ident
	var body *ast.BlockStmt
	switch s := st.(type) {
	case *ast.ForStmt:
		as, ok := s.Init.(*ast.AssignStmt)
		if !ok || as.Tok != token.DEFINE {
			return
		}
		for _, l := range as.Lhs {
			if id, ok := l.(*ast.Ident); ok && id.Name != "_" {
				names = append(names, id)
			}
		}
		body = s.Body
	case *ast.RangeStmt:
		if s.Tok != token.DEFINE {
			return
		}
		for _, x := range []ast.Expr{s.Key, s.Value} {
			if id, ok := x.(*ast.Ident); ok && id.Name != "_" {
				names = append(names, id)
			}
		}
		body = s.Body
	}
	if len(names) == 0 || body == nil {
		return
	}
	var lhs, rhs []ast.Expr
	for _, id := range names {
		if !capturedIn(body, id.Name) {
			continue
		}
		if _, isFor := st.(*ast.ForStmt); isFor && modifiedIn(body, id.Name) {
			continue
		}
		lhs = append(lhs, &ast.Ident{NamePos: body.Lbrace, Name: id.Name})
		rhs = append(rhs, &ast.Ident{NamePos: body.Lbrace, Name: id.Name})
	}
	if len(lhs) == 0 {
		return
	}
	inner := *body
	copyVars := &ast.AssignStmt{Lhs: lhs, TokPos: body.Lbrace, Tok: token.DEFINE, Rhs: rhs}
	body.List = []ast.Stmt{copyVars, &inner}
}

// capturedIn reports whether a function literal in n uses name.
func capturedIn(n ast.Node, name string) bool {
	found := false
	ast.Inspect(n, func(n ast.Node) bool {
		if lit, ok := n.(*ast.FuncLit); ok && !found {
			found = usedIdents(lit.Body)[name]
			return false
		}
		return !found
	})
	return found
}

// modifiedIn reports whether n assigns name, increments it or takes its
// address.
func modifiedIn(n ast.Node, name string) bool {
	found := false
	ast.Inspect(n, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			for _, l := range n.Lhs {
				found = found || isIdent(l, name)
			}
		case *ast.IncDecStmt:
			found = found || isIdent(n.X, name)
		case *ast.UnaryExpr:
			found = found || n.Op == token.AND && isIdent(n.X, name)
		}
		return !found
	})
	return found
}

// guardGo makes a panic in a goroutine reach Options.GoroutinePanic instead
// of ending the process. `go f(a, b)` becomes
//
//	func() { __gpA0, __gpA1 := a, b; go func() { defer __gpGoGuard(P); f(__gpA0, __gpA1) }() }()
//
// and `go func(x T) { body }(a)` becomes
//
//	func() { __gpA0 := a; go func(x T) { defer __gpGoGuard(P); body }(__gpA0) }()
//
// where P is the position of the go statement. The arguments are evaluated
// before the goroutine starts, as in Go.
//
// The goroutine is started from a function called on the spot: yaegi makes
// a closure by reading a slot of the frame it is made in, and a call of the
// closure writes that slot back when it returns (getFunc, run.go). A loop
// making goroutines from a literal would race the making of the next
// closure against the return of the previous goroutine; made in a frame of
// its own, the closure writes back where nothing reads.
//
// A function literal gets the guard in its own body rather than a wrapper
// around it: when a panic leaves a frame, yaegi names the frame's function
// by walking up to the package scope of where it was written (panicFunc),
// and for a literal written in a cell's top-level code that reads a field
// every compilation writes (initScopePkg), a data race with the next cell.
// A frame whose deferred guard recovers is not named at all. Frames of
// declared functions are named from their own scope and do not race; only
// a panic passing through a literal written at a cell's top level and
// called from inside the goroutine still does (see doc.go).
func guardGo(g *ast.GoStmt) ast.Stmt {
	pos := g.Go
	ident := func(name string) *ast.Ident { return &ast.Ident{NamePos: pos, Name: name} }
	pre, call := hoistArgs(g.Call, pos)
	guard := &ast.DeferStmt{Defer: pos, Call: &ast.CallExpr{
		Fun: ident("__gpGoGuard"), Lparen: pos, Rparen: pos,
		Args: []ast.Expr{&ast.BasicLit{ValuePos: pos, Kind: token.INT, Value: strconv.Itoa(int(pos))}},
	}}
	var gs *ast.GoStmt
	if lit, ok := unparen(call.Fun).(*ast.FuncLit); ok && lit.Body != nil {
		body := *lit.Body
		body.List = append([]ast.Stmt{guard}, body.List...)
		l := *lit
		l.Body = &body
		c := *call
		c.Fun = &l
		gs = &ast.GoStmt{Go: pos, Call: &c}
	} else {
		body := &ast.BlockStmt{Lbrace: pos, Rbrace: pos, List: []ast.Stmt{guard, &ast.ExprStmt{X: call}}}
		lit := &ast.FuncLit{Type: &ast.FuncType{Func: pos, Params: &ast.FieldList{Opening: pos, Closing: pos}}, Body: body}
		gs = &ast.GoStmt{Go: pos, Call: &ast.CallExpr{Fun: lit, Lparen: pos, Rparen: pos}}
	}
	list := []ast.Stmt{gs}
	if pre != nil {
		list = []ast.Stmt{pre, gs}
	}
	starter := &ast.FuncLit{
		Type: &ast.FuncType{Func: pos, Params: &ast.FieldList{Opening: pos, Closing: pos}},
		Body: &ast.BlockStmt{Lbrace: pos, List: list, Rbrace: pos},
	}
	return &ast.ExprStmt{X: &ast.CallExpr{Fun: starter, Lparen: pos, Rparen: pos}}
}

// hoistArgs evaluates the arguments of call into temporaries, for a call
// made later (go, defer): `f(a, 1)` → `__gpA0 := a` and `f(__gpA0, 1)`.
// Literals stay in place, keeping the type the parameter gives them, and so
// does a multi-valued call as the only argument. pre is nil when nothing is
// hoisted.
func hoistArgs(call *ast.CallExpr, pos token.Pos) (pre ast.Stmt, out *ast.CallExpr) {
	n := len(call.Args)
	if n == 0 || n == 1 && isCall(call.Args[0]) {
		return nil, call
	}
	as := &ast.AssignStmt{TokPos: pos, Tok: token.DEFINE}
	args := make([]ast.Expr, n)
	for i, a := range call.Args {
		if isLiteral(a) {
			args[i] = a
			continue
		}
		name := "__gpA" + string(rune('0'+i%10)) + strings.Repeat("_", i/10)
		as.Lhs = append(as.Lhs, &ast.Ident{NamePos: pos, Name: name})
		as.Rhs = append(as.Rhs, a)
		args[i] = &ast.Ident{NamePos: pos, Name: name}
	}
	if len(as.Lhs) == 0 {
		return nil, call
	}
	c := *call
	c.Args = args
	return as, &c
}

// rewriteTop rewrites what yaegi mishandles in a cell's top-level code
// (outside function literals):
//
//   - defer: yaegi keeps a top-level deferred call in its global frame and
//     runs it again at the end of every later unit of the session. `defer
//     f(a)` becomes `{ __gpA0 := a; __gp.Defer(func() { f(__gpA0) }) }` and
//     the session runs the calls when the cell ends, last first, as Go does
//     at the end of main. A recover in them does not stop a panic of the
//     cell, which is already reported.
//   - a type switch binding a name (`switch v := x.(type)`) directly at top
//     level makes yaegi fail ("index out of range"); inside a block it
//     works, so it is put in one.
//   - a select with a two-value receive (`case v, ok := <-ch`) in top-level
//     code makes yaegi fail ("undefined: v"); inside a function it works,
//     so the select runs in `func() { select {...} }()`, unless it holds a
//     return or a labelled break, continue or goto, which would then
//     target the function literal (yaegi's error is left to show then).
//   - `v, ok := m[k]` and `v, ok := x.(T)` declaring globals: see commaOK.
func rewriteTop(body *ast.BlockStmt) {
	if body == nil {
		return
	}
	for i, st := range body.List {
		body.List[i] = commaOK(st)
		if ts, ok := st.(*ast.TypeSwitchStmt); ok {
			if _, binds := ts.Assign.(*ast.AssignStmt); binds {
				body.List[i] = &ast.BlockStmt{Lbrace: ts.Pos(), List: []ast.Stmt{ts}, Rbrace: ts.End() - 1}
			}
		}
	}
	var rewrite func(list []ast.Stmt)
	rewrite = func(list []ast.Stmt) {
		for i, st := range list {
			if d, ok := st.(*ast.DeferStmt); ok {
				list[i] = deferToSession(d)
				continue
			}
			ast.Inspect(st, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.FuncLit:
					return false // its defers are its own
				case *ast.BlockStmt:
					rewrite(n.List)
					return false
				case *ast.CaseClause:
					rewrite(n.Body)
					return false
				case *ast.CommClause:
					rewrite(n.Body)
					return false
				case *ast.LabeledStmt:
					if d, ok := n.Stmt.(*ast.DeferStmt); ok {
						n.Stmt = deferToSession(d)
						return false
					}
				}
				return true
			})
		}
	}
	rewrite(body.List)
	wrapSelects(body.List)
}

// wrapSelects puts the top-level selects that need it in a function
// literal (see rewriteTop).
func wrapSelects(list []ast.Stmt) {
	for i, st := range list {
		if sel, ok := st.(*ast.SelectStmt); ok && hasTwoValueRecv(sel) && !escapes(sel) {
			pos := sel.Select
			lit := &ast.FuncLit{
				Type: &ast.FuncType{Func: pos, Params: &ast.FieldList{Opening: pos, Closing: pos}},
				Body: &ast.BlockStmt{Lbrace: pos, List: []ast.Stmt{sel}, Rbrace: sel.End() - 1},
			}
			list[i] = &ast.ExprStmt{X: &ast.CallExpr{Fun: lit, Lparen: pos, Rparen: pos}}
			continue
		}
		ast.Inspect(st, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncLit:
				return false
			case *ast.BlockStmt:
				wrapSelects(n.List)
				return false
			case *ast.CaseClause:
				wrapSelects(n.Body)
				return false
			case *ast.CommClause:
				wrapSelects(n.Body)
				return false
			}
			return true
		})
	}
}

func hasTwoValueRecv(sel *ast.SelectStmt) bool {
	for _, c := range sel.Body.List {
		if as, ok := c.(*ast.CommClause).Comm.(*ast.AssignStmt); ok && len(as.Lhs) == 2 {
			return true
		}
	}
	return false
}

// escapes reports whether n holds a return, or a labelled branch, outside
// function literals.
func escapes(n ast.Node) bool {
	found := false
	ast.Inspect(n, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.ReturnStmt:
			found = true
		case *ast.BranchStmt:
			found = found || n.Label != nil || n.Tok == token.GOTO
		}
		return !found
	})
	return found
}

// commaOK rewrites a top-level `v, ok := m[k]` or `v, ok := x.(T)`, which
// yaegi cannot type when it declares globals ("nil type"), into one var
// declaration it can:
//
//	var (ok = __gp.Has(m, k); v = m[k])
//	var (ok bool; v = func() T { v, o := x.(T); ok = o; return v }())
//
// m and k are evaluated twice, so they must be plain operands (names,
// literals, selectors); anything else is left as it is.
func commaOK(st ast.Stmt) ast.Stmt {
	as, ok := st.(*ast.AssignStmt)
	if !ok || as.Tok != token.DEFINE || len(as.Lhs) != 2 || len(as.Rhs) != 1 {
		return st
	}
	v, ok1 := as.Lhs[0].(*ast.Ident)
	okID, ok2 := as.Lhs[1].(*ast.Ident)
	if !ok1 || !ok2 {
		return st
	}
	pos := as.Pos()
	ident := func(name string) *ast.Ident { return &ast.Ident{NamePos: pos, Name: name} }
	spec := func(name *ast.Ident, typ, val ast.Expr) ast.Spec {
		vs := &ast.ValueSpec{Names: []*ast.Ident{name}, Type: typ}
		if val != nil {
			vs.Values = []ast.Expr{val}
		}
		return vs
	}
	var specs []ast.Spec
	switch x := as.Rhs[0].(type) {
	case *ast.IndexExpr:
		if !plainOperand(x.X) || !plainOperand(x.Index) {
			return st
		}
		if okID.Name != "_" {
			has := &ast.CallExpr{Fun: &ast.SelectorExpr{X: ident(hiddenName), Sel: ident("Has")}, Lparen: pos, Args: []ast.Expr{x.X, x.Index}, Rparen: pos}
			specs = append(specs, spec(okID, nil, has))
		}
		if v.Name != "_" {
			specs = append(specs, spec(v, nil, x))
		}
	case *ast.TypeAssertExpr:
		if x.Type == nil {
			return st
		}
		if okID.Name == "_" {
			return &ast.DeclStmt{Decl: &ast.GenDecl{TokPos: pos, Tok: token.VAR, Specs: []ast.Spec{spec(v, nil, x)}}}
		}
		specs = append(specs, spec(okID, ident("bool"), nil))
		if v.Name != "_" {
			// func() T { __gpV, __gpO := x.(T); ok = __gpO; return __gpV }()
			body := []ast.Stmt{
				&ast.AssignStmt{Lhs: []ast.Expr{ident("__gpV"), ident("__gpO")}, TokPos: pos, Tok: token.DEFINE, Rhs: []ast.Expr{x}},
				&ast.AssignStmt{Lhs: []ast.Expr{ident(okID.Name)}, TokPos: pos, Tok: token.ASSIGN, Rhs: []ast.Expr{ident("__gpO")}},
				&ast.ReturnStmt{Return: pos, Results: []ast.Expr{ident("__gpV")}},
			}
			lit := &ast.FuncLit{
				Type: &ast.FuncType{Func: pos, Params: &ast.FieldList{Opening: pos, Closing: pos}, Results: &ast.FieldList{List: []*ast.Field{{Type: x.Type}}}},
				Body: &ast.BlockStmt{Lbrace: pos, List: body, Rbrace: pos},
			}
			specs = append(specs, spec(v, nil, &ast.CallExpr{Fun: lit, Lparen: pos, Rparen: pos}))
		} else {
			// _, ok := x.(T): ok = func() bool { _, __gpO := x.(T); return __gpO }()
			specs = specs[:0]
			body := []ast.Stmt{
				&ast.AssignStmt{Lhs: []ast.Expr{ident("_"), ident("__gpO")}, TokPos: pos, Tok: token.DEFINE, Rhs: []ast.Expr{x}},
				&ast.ReturnStmt{Return: pos, Results: []ast.Expr{ident("__gpO")}},
			}
			lit := &ast.FuncLit{
				Type: &ast.FuncType{Func: pos, Params: &ast.FieldList{Opening: pos, Closing: pos}, Results: &ast.FieldList{List: []*ast.Field{{Type: ident("bool")}}}},
				Body: &ast.BlockStmt{Lbrace: pos, List: body, Rbrace: pos},
			}
			specs = append(specs, spec(okID, nil, &ast.CallExpr{Fun: lit, Lparen: pos, Rparen: pos}))
		}
	default:
		return st
	}
	if len(specs) == 0 {
		return st
	}
	return &ast.DeclStmt{Decl: &ast.GenDecl{TokPos: pos, Tok: token.VAR, Lparen: pos, Specs: specs, Rparen: pos}}
}

// plainOperand reports an expression without side effects and cheap to
// evaluate twice.
func plainOperand(x ast.Expr) bool {
	switch x := unparen(x).(type) {
	case *ast.Ident, *ast.BasicLit:
		return true
	case *ast.SelectorExpr:
		return plainOperand(x.X)
	}
	return false
}

// deferToSession turns a top-level defer into its registration with the
// session (see rewriteTop):
//
//	defer f(a, 1)   →   __gp.Defer(func() func() { __gpA0 := a; return func() { f(__gpA0, 1) } }())
//
// The arguments are bound in a function called at once, not in a block:
// yaegi reuses a block's variables from one loop iteration to the next, and
// a closure kept until the cell ends would see the last iteration's values.
// A call frees its frame's variables to the closures it made.
func deferToSession(d *ast.DeferStmt) ast.Stmt {
	pos := d.Defer
	pre, call := hoistArgs(d.Call, pos)
	noParams := func() *ast.FuncType {
		return &ast.FuncType{Func: pos, Params: &ast.FieldList{Opening: pos, Closing: pos}}
	}
	var fn ast.Expr
	if lit, ok := unparen(call.Fun).(*ast.FuncLit); ok && len(call.Args) == 0 {
		fn = lit
	} else {
		fn = &ast.FuncLit{Type: noParams(), Body: &ast.BlockStmt{Lbrace: pos, List: []ast.Stmt{&ast.ExprStmt{X: call}}, Rbrace: pos}}
	}
	if pre != nil {
		bt := noParams()
		bt.Results = &ast.FieldList{List: []*ast.Field{{Type: noParams()}}}
		binder := &ast.FuncLit{Type: bt, Body: &ast.BlockStmt{Lbrace: pos, Rbrace: pos, List: []ast.Stmt{
			pre, &ast.ReturnStmt{Return: pos, Results: []ast.Expr{fn}},
		}}}
		fn = &ast.CallExpr{Fun: binder, Lparen: pos, Rparen: pos}
	}
	return &ast.ExprStmt{X: &ast.CallExpr{
		Fun:    &ast.SelectorExpr{X: &ast.Ident{NamePos: pos, Name: hiddenName}, Sel: &ast.Ident{NamePos: pos, Name: "Defer"}},
		Lparen: pos, Args: []ast.Expr{fn}, Rparen: pos,
	}}
}

func isCall(x ast.Expr) bool {
	_, ok := unparen(x).(*ast.CallExpr)
	return ok
}
