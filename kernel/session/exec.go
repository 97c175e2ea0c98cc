package session

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"reflect"
	"strings"
	"sync/atomic"
	"time"

	"github.com/traefik/yaegi/interp"
)

// parsedCell is a cell cut into chunks and parsed into two units: its
// declarations (a file) and its statements (a block), both with the cell's
// positions thanks to //line directives.
type parsedCell struct {
	code       string
	sp         span
	fset       *token.FileSet // of the interpreter it was parsed for
	chunks     []chunk
	declChunks []chunk
	file       *ast.File // nil when the cell declares nothing
	stmtChunks []chunk
	body       *ast.BlockStmt // nil when the cell has no statements
	ran        bool           // a unit with statements started running
	locals     []string       // names given by renameTopLocals
}

func (s *Session) parseCell(in *interp.Interpreter, code string, sp span) (*parsedCell, error) {
	chunks, err := splitCell(code)
	if err != nil {
		var sl scanner.ErrorList
		if errors.As(err, &sl) {
			out := make(ErrorList, len(sl))
			for i, e := range sl {
				out[i] = &CompileError{Line: e.Pos.Line, Column: e.Pos.Column, Msg: e.Msg}
			}
			if len(out) == 1 {
				return nil, out[0]
			}
			return nil, out
		}
		return nil, err
	}
	pc := &parsedCell{code: code, sp: sp, chunks: chunks, fset: in.FileSet()}
	var decls, stmts strings.Builder
	decls.WriteString("package main\n")
	stmts.WriteString("package main\nfunc main() {\n")
	for _, c := range chunks {
		// var declarations run as statements, in order: their initialisers
		// may use variables the cell's statements define.
		b := &decls
		if c.Kind == chunkStmt || c.Kind == chunkVar {
			b = &stmts
			pc.stmtChunks = append(pc.stmtChunks, c)
		} else {
			pc.declChunks = append(pc.declChunks, c)
		}
		b.WriteString(sp.directive(c.Line))
		b.WriteString(strings.Repeat(" ", c.Col-1))
		b.WriteString(code[c.Start:c.End])
		b.WriteString(";\n")
	}
	stmts.WriteString("}\n")
	fset := in.FileSet()
	if len(pc.declChunks) > 0 {
		f, err := parser.ParseFile(fset, srcFile, decls.String(), parser.SkipObjectResolution)
		if err != nil {
			return nil, s.ls.compileErrors(sp, err)
		}
		if len(f.Decls) != len(pc.declChunks) {
			return nil, &CompileError{Line: pc.declChunks[0].Line, Column: pc.declChunks[0].Col, Msg: "cannot split the declarations of this cell"}
		}
		pc.file = f
	}
	if len(pc.stmtChunks) > 0 {
		f, err := parser.ParseFile(fset, srcFile, stmts.String(), parser.SkipObjectResolution)
		if err != nil {
			return nil, s.ls.compileErrors(sp, err)
		}
		body := f.Decls[0].(*ast.FuncDecl).Body
		if len(body.List) != len(pc.stmtChunks) {
			// Empty statements (stray semicolons) parse to nothing useful.
			var list []ast.Stmt
			for _, st := range body.List {
				if _, empty := st.(*ast.EmptyStmt); !empty {
					list = append(list, st)
				}
			}
			body.List = list
			if len(body.List) != len(pc.stmtChunks) {
				return nil, &CompileError{Line: pc.stmtChunks[0].Line, Column: pc.stmtChunks[0].Col, Msg: "cannot split the statements of this cell"}
			}
		}
		pc.body = body
	}
	return pc, nil
}

// Execute runs one cell. Cancelling ctx interrupts it: interpreted code stops
// at its next step and Execute returns ErrInterrupted at once, even when the
// cell is blocked in a native call (which then finishes in the background).
// Errors are *CompileError or ErrorList, *PanicError, *UnsupportedError,
// *RuntimeError (the cell's trailing call returned a non-nil error) or
// ErrInterrupted.
func (s *Session) Execute(ctx context.Context, code string) (Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return Result{}, ErrClosed
	}
	s.seq++
	sp := s.ls.alloc(s.seq, "cell", code)
	pc, err := s.parseCell(s.in, code, sp)
	if err != nil {
		return Result{}, err
	}
	s.tc.drain()
	res, err := s.runCell(ctx, pc)
	if derr := s.runDefers(); derr != nil && err == nil {
		return Result{}, derr
	}
	return res, err
}

// deferCall is __gp.Defer: it registers a top-level deferred call of the
// running cell (see rewriteTop).
func (s *Session) deferCall(f func()) {
	s.deferMu.Lock()
	s.defers = append(s.defers, f)
	s.deferMu.Unlock()
}

// runDefers runs the deferred calls of the cell that ended, last first, and
// returns the first panic among them.
func (s *Session) runDefers() error {
	s.deferMu.Lock()
	fs := s.defers
	s.defers = nil
	s.deferMu.Unlock()
	var first error
	for i := len(fs) - 1; i >= 0; i-- {
		if _, err := s.CallSafe(reflect.ValueOf(fs[i]), nil); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// runCell checks and runs a parsed cell. A cell that fails to compile
// leaves no trace: nothing of it ran (see runUnits), and what its units
// compiled before the one that failed declared (imports, automatic ones
// too, types, consts, funcs, methods and globals) is taken out of the
// interpreter and the log again.
func (s *Session) runCell(ctx context.Context, pc *parsedCell) (Result, error) {
	auto, err := s.checkUndefined(pc)
	if err != nil {
		return Result{}, err
	}
	var mark *scopeMark
	var logBefore declLog
	in := s.in
	keys := declaredKeys(pc.file)
	for _, p := range auto {
		keys = append(keys, importKey(pkgBase(p, s.pkgIndex)))
	}
	if pc.body != nil {
		keys = append(keys, declaredKeys(pc.body)...)
	}
	if len(keys) > 0 {
		mark = markScope(s.in, keys, receivers(pc.file))
	}
	if pc.file != nil || len(auto) > 0 {
		logBefore = s.log.clone()
	}
	if len(auto) > 0 {
		if err := s.autoImport(auto, pc); err != nil {
			return Result{}, err
		}
	}
	res, err := s.runUnits(ctx, pc)
	if err != nil && mark != nil && s.in == in && !pc.ran && isCompileError(err) {
		mark.restore()
		if logBefore.entries != nil {
			s.log = logBefore
		}
		s.known.reset()
	}
	// The renamed locals of top-level code are dead once the cell ended;
	// left in the scope, every cell would grow it.
	dropNames(s.in, pc.locals)
	return res, err
}

// isCompileError reports an error of the compile phase of a unit.
func isCompileError(err error) bool {
	var ce *CompileError
	var el ErrorList
	var ue *UnsupportedError
	return errors.As(err, &ce) || errors.As(err, &el) || errors.As(err, &ue)
}

// runUnits compiles and runs the units of a checked cell (see doc.go).
//
// All units are compiled before any runs. yaegi declares a unit's globals
// when it compiles it, so later units compile against them; and compiling
// grows the interpreter's global frame, which the next run reallocates
// (resizeFrame) without synchronising with interpreted code still running.
// Compiled first, the cell's units grow the frame before the cell starts
// any goroutine, and a cell that does not compile runs nothing at all.
func (s *Session) runUnits(ctx context.Context, pc *parsedCell) (Result, error) {
	var progs []*interp.Program
	add := func(prog *interp.Program, err error) error {
		if err == nil {
			progs = append(progs, prog)
		}
		return err
	}
	var trailing *ast.ExprStmt
	var stmts []ast.Stmt
	if pc.body != nil {
		stmts = pc.body.List
		if pc.chunks[len(pc.chunks)-1].Kind == chunkStmt {
			if es, ok := stmts[len(stmts)-1].(*ast.ExprStmt); ok {
				trailing, stmts = es, stmts[:len(stmts)-1]
			}
		}
	}
	var globals map[string]reflect.Value
	if len(stmts) > 0 || pc.file != nil {
		globals = s.globals()
	}
	env := s.rewriteEnv(globals)
	env.topInts = topInts(pc.body, env)
	if pc.file != nil {
		rewriteFile(pc.file, env)
	}
	if pc.body != nil {
		rewriteTop(pc.body)
		rewriteNode(pc.body, env)
		pc.locals = renameTopLocals(pc.body)
		if trailing != nil {
			// rewriteNode may have replaced statements; the trailing
			// expression statement is never replaced, only rewritten inside.
			stmts = pc.body.List[:len(pc.body.List)-1]
		} else {
			stmts = pc.body.List
		}
	}

	// Names the cell's statements define that are not globals yet: functions
	// using them must be compiled after the statement defining them.
	newDefs := map[string]int{}
	for i, st := range stmts {
		for _, n := range definedNames(st) {
			if _, ok := globals[n]; !ok {
				if _, seen := newDefs[n]; !seen {
					newDefs[n] = i
				}
			}
		}
	}
	var ents []*entry
	var entDecls []ast.Decl
	if pc.file != nil {
		ents = declEntries(pc.code, pc.declChunks, pc.file.Decls, pc.sp)
		for _, e := range ents {
			entDecls = append(entDecls, declOf(pc, e))
		}
	}
	deferredAt := deferral(ents, entDecls, newDefs)

	// Classify declarations against the log.
	rebuild := false
	var imports, now []int // indexes into ents
	for i, e := range ents {
		if deferredAt[i] >= 0 {
			continue
		}
		old, exists := s.log.entries[e.key]
		switch {
		case !exists:
		case e.kind == chunkImport && old.path == e.path:
			continue
		case old.text == e.text:
			continue // re-running an unchanged declaration changes nothing
		default:
			rebuild = true
		}
		if e.kind == chunkImport {
			imports = append(imports, i)
		} else {
			now = append(now, i)
		}
	}
	if rebuild {
		nl := s.log.clone()
		for _, i := range append(imports, now...) {
			nl.put(ents[i])
		}
		if err := s.rebuild(&nl, pc.sp); err != nil {
			return Result{}, s.explain(err, pc)
		}
		s.log = nl
		// The cell's ASTs belong to the old interpreter's file set: parse it
		// again for the new one. Its declarations are now all in the log, so
		// the second pass goes straight to the statements.
		pc2, err := s.parseCell(s.in, pc.code, pc.sp)
		if err != nil {
			return Result{}, err
		}
		res, err := s.runCell(ctx, pc2)
		pc.ran = pc2.ran
		pc.locals = nil // not compiled into any interpreter
		return res, err
	} else {
		for _, group := range [][]int{imports, now} {
			if len(group) == 0 {
				continue
			}
			if err := add(s.compileDecls(pc, ents, group)); err != nil {
				return Result{}, err
			}
		}
	}

	// Statements, with deferred declarations compiled right after the
	// statement they depend on.
	known := map[string]bool{}
	for n := range globals {
		known[n] = true
	}
	startBlock := 0
	flush := func(end int) error {
		if end <= startBlock {
			return nil
		}
		err := add(s.compileStmts(pc, stmts[startBlock:end], known))
		startBlock = end
		return err
	}
	for i := range stmts {
		var group []int
		for j := range ents {
			if deferredAt[j] == i {
				group = append(group, j)
			}
		}
		if len(group) == 0 {
			continue
		}
		if err := flush(i + 1); err != nil {
			return Result{}, err
		}
		if err := add(s.compileDecls(pc, ents, group)); err != nil {
			return Result{}, err
		}
	}
	if err := flush(len(stmts)); err != nil {
		return Result{}, err
	}
	var trail func(context.Context) (Result, error)
	if trailing != nil {
		var err error
		if trail, err = s.prepareTrailing(pc, trailing); err != nil {
			return Result{}, err
		}
	}

	// Run phase: every unit compiled, the frame has its final size.
	pc.ran = true
	for _, prog := range progs {
		if _, err := s.exec(ctx, prog, pc.sp); err != nil {
			return Result{}, err
		}
	}
	s.recordVars(pc)
	if trail == nil {
		return Result{}, nil
	}
	return trail(ctx)
}

// declOf returns the AST of entry e (imports: their GenDecl holding only e's spec).
func declOf(pc *parsedCell, e *entry) ast.Decl {
	for i, c := range pc.declChunks {
		if pc.code[c.Doc:c.End] != e.text && !(e.kind == chunkImport && strings.Contains(pc.code[c.Start:c.End], e.text[len("import "):])) {
			continue
		}
		d := pc.file.Decls[i]
		if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.IMPORT {
			for _, sp := range gd.Specs {
				is := sp.(*ast.ImportSpec)
				if "import:"+importName(is) == e.key {
					cp := *gd
					cp.Specs = []ast.Spec{is}
					cp.Lparen, cp.Rparen = token.NoPos, token.NoPos
					return &cp
				}
			}
			continue
		}
		return d
	}
	return nil
}

// deferral returns, per entry, the index of the statement after which it must
// be compiled, or -1 to compile it before the statements. Functions and
// methods are deferred when they use names the cell's statements define, and
// so are those using a deferred function.
func deferral(ents []*entry, decls []ast.Decl, newDefs map[string]int) []int {
	at := make([]int, len(ents))
	uses := make([]map[string]bool, len(ents))
	for i := range ents {
		at[i] = -1
		if ents[i].kind != chunkFunc || len(newDefs) == 0 {
			continue
		}
		uses[i] = freeIdents(decls[i])
		for n := range uses[i] {
			if j, ok := newDefs[n]; ok && j > at[i] {
				at[i] = j
			}
		}
	}
	for changed := true; changed; {
		changed = false
		for i := range ents {
			if uses[i] == nil {
				continue
			}
			for j, e := range ents {
				if at[j] > at[i] && len(e.names) > 0 && uses[i][e.names[0]] {
					at[i] = at[j]
					changed = true
				}
			}
		}
	}
	return at
}

func usedIdents(n ast.Node) map[string]bool {
	m := map[string]bool{}
	if n == nil {
		return m
	}
	ast.Inspect(n, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			m[id.Name] = true
		}
		return true
	})
	return m
}

// definedNames lists the globals a top-level statement defines.
func definedNames(st ast.Stmt) []string {
	var out []string
	switch s := st.(type) {
	case *ast.AssignStmt:
		if s.Tok == token.DEFINE {
			for _, l := range s.Lhs {
				if id, ok := l.(*ast.Ident); ok && id.Name != "_" {
					out = append(out, id.Name)
				}
			}
		}
	case *ast.DeclStmt:
		if gd, ok := s.Decl.(*ast.GenDecl); ok {
			for _, sp := range gd.Specs {
				if vs, ok := sp.(*ast.ValueSpec); ok {
					for _, id := range vs.Names {
						if id.Name != "_" {
							out = append(out, id.Name)
						}
					}
				}
			}
		}
	}
	return out
}

// compileDecls compiles the given entries of the cell as one file, so that
// they may refer to each other in any order, and logs them.
func (s *Session) compileDecls(pc *parsedCell, ents []*entry, idx []int) (*interp.Program, error) {
	f := &ast.File{Package: pc.file.Package, Name: pc.file.Name}
	for _, i := range idx {
		if d := declOf(pc, ents[i]); d != nil {
			f.Decls = append(f.Decls, d)
		}
	}
	prog, err := s.prepare(f, pc)
	if err != nil {
		return nil, err
	}
	for _, i := range idx {
		s.log.put(ents[i])
	}
	return prog, nil
}

// compileStmts compiles top-level statements as one block. `x := v` and
// `var x = v` for an x that already exists become assignments, so that
// functions compiled earlier see the new value (yaegi would otherwise make a
// new variable they do not see); if the types differ, the original
// redeclaration is compiled.
func (s *Session) compileStmts(pc *parsedCell, stmts []ast.Stmt, known map[string]bool) (*interp.Program, error) {
	orig := append([]ast.Stmt(nil), stmts...)
	rewritten := false
	list := make([]ast.Stmt, len(stmts))
	for i, st := range stmts {
		list[i] = st
		if a := redeclToAssign(st, known); a != nil {
			list[i] = a
			rewritten = true
		}
		for _, n := range definedNames(st) {
			known[n] = true
		}
	}
	blk := &ast.BlockStmt{Lbrace: pc.body.Lbrace, List: list, Rbrace: pc.body.Rbrace}
	prog, err := s.prepare(blk, pc)
	if err != nil && rewritten && isCompileError(err) {
		blk.List = orig
		prog, err = s.prepare(blk, pc)
	}
	return prog, err
}

// redeclToAssign returns an assignment for a top-level `:=` or var
// declaration whose names all exist already, or nil.
func redeclToAssign(st ast.Stmt, known map[string]bool) ast.Stmt {
	switch s := st.(type) {
	case *ast.AssignStmt:
		if s.Tok != token.DEFINE {
			return nil
		}
		for _, l := range s.Lhs {
			if id, ok := l.(*ast.Ident); !ok || (!known[id.Name] && id.Name != "_") {
				return nil
			}
		}
		a := *s
		a.Tok = token.ASSIGN
		return &a
	case *ast.DeclStmt:
		gd, ok := s.Decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.VAR || len(gd.Specs) != 1 {
			return nil
		}
		vs := gd.Specs[0].(*ast.ValueSpec)
		for _, id := range vs.Names {
			if !known[id.Name] && id.Name != "_" {
				return nil
			}
		}
		a := &ast.AssignStmt{TokPos: gd.TokPos, Tok: token.ASSIGN}
		for _, id := range vs.Names {
			a.Lhs = append(a.Lhs, id)
		}
		switch {
		case len(vs.Values) > 0 && vs.Type == nil:
			a.Rhs = vs.Values
		case len(vs.Values) > 0:
			for _, v := range vs.Values {
				a.Rhs = append(a.Rhs, &ast.CallExpr{Fun: vs.Type, Lparen: v.Pos(), Args: []ast.Expr{v}, Rparen: v.End()})
			}
		default:
			return nil // `var x T` again: keep the zeroing redeclaration
		}
		return a
	}
	return nil
}

// recordVars logs the cell's var declarations, for Decl and for carrying
// their declared types over a rebuild.
func (s *Session) recordVars(pc *parsedCell) {
	s.log.init()
	for i, c := range pc.stmtChunks {
		if c.Kind != chunkVar {
			continue
		}
		ds, ok := pc.body.List[i].(*ast.DeclStmt)
		if !ok {
			continue
		}
		gd := ds.Decl.(*ast.GenDecl)
		docLine := c.Line - strings.Count(pc.code[c.Doc:c.Start], "\n")
		for _, sp := range gd.Specs {
			vs := sp.(*ast.ValueSpec)
			e := &entry{kind: chunkVar, text: pc.code[c.Doc:c.End], sp: pc.sp, line: docLine, col: 1}
			if vs.Type != nil {
				e.typeExpr = pc.code[c.Start+int(vs.Type.Pos()-gd.Pos()) : c.Start+int(vs.Type.End()-gd.Pos())]
			}
			for _, id := range vs.Names {
				e.names = append(e.names, id.Name)
			}
			for _, n := range e.names {
				if k, ok := s.log.owner[n]; ok && s.log.entries[k].kind != chunkFunc {
					s.log.remove(k)
				}
				s.log.vars[n] = e
			}
		}
	}
}

// prepare compiles one unit of the cell, explaining a failure.
func (s *Session) prepare(n ast.Node, pc *parsedCell) (*interp.Program, error) {
	prog, err := s.compile(n)
	if err != nil {
		return nil, s.explain(err, pc)
	}
	return prog, nil
}

// compile compiles n into the current interpreter. A unit that fails to
// compile leaves no trace: yaegi's changes to the package scope are undone
// (see yscope.go), so that names the unit half-declared do not exist
// afterwards and can be declared again.
func (s *Session) compile(n ast.Node) (*interp.Program, error) {
	mark := markScope(s.in, declaredKeys(n), receivers(n))
	prog, err := compileAST(s.in, n)
	if err == nil {
		return prog, nil
	}
	s.known.reset()
	if mark == nil {
		// The scope cannot be reached (another yaegi layout): start over
		// from the declaration log, the only other way to a clean scope.
		nl := s.log.clone()
		if rerr := s.rebuild(&nl, span{base: -1}); rerr != nil {
			fmt.Fprintf(s.stderr, "warning: the session could not be cleaned after a failed cell: %v\n", rerr)
		}
		return nil, err
	}
	// No settle: the symbols the failure added, which may index past the
	// frame, are gone, and settling would reallocate the frame under
	// goroutines that still run (globals settles if ever needed).
	mark.restore()
	return nil, err
}

// receivers lists the receiver type names of the methods a file declares.
func receivers(n ast.Node) []string {
	f, ok := n.(*ast.File)
	if !ok || f == nil {
		return nil
	}
	var out []string
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv != nil && len(fd.Recv.List) > 0 {
			out = append(out, recvTypeName(fd.Recv.List[0].Type))
		}
	}
	return out
}

// settle runs an empty program after a failed compilation: yaegi may have
// added globals to its scope without growing its frame, and Execute grows it.
// Without this, Globals would index past the frame.
func (s *Session) settle() {
	blk := &ast.BlockStmt{}
	if prog, err := compileAST(s.in, blk); err == nil {
		s.in.Execute(prog)
	}
}

// interruptGrace is how long an interrupted Execute waits for the
// interrupted code to wind down, so that it is finished (and synchronised
// with) before the next cell runs. Code blocked in a native call is left
// behind after it.
const interruptGrace = 200 * time.Millisecond

// job is one compiled unit handed to the __gp.Run helper.
type job struct {
	ctx       context.Context
	release   <-chan struct{}
	in        *interp.Interpreter
	prog      *interp.Program
	cancelled atomic.Bool
	started   chan struct{} // closed when __gp.Run took the job
	done      chan struct{} // closed when the unit returned
	res       reflect.Value
	err       error
}

// runJob is __gp.Run: it executes the pending job unless it was cancelled
// before it could start. Closing started and done gives the interrupted
// caller happens-before edges over everything yaegi did up to there.
//
// When the job was interrupted, runJob does not return until the
// interpreter is abandoned (rebuild, Reset, Close): on return, yaegi's
// EvalWithContext goroutine would touch the interpreter's frame again, with
// nothing to order that against the next cell. Parking it costs one idle
// goroutine per interrupt.
func (s *Session) runJob() {
	var j *job
	select {
	case j = <-s.jobs:
	default:
		return
	}
	close(j.started)
	if !j.cancelled.Load() {
		j.res, j.err = j.in.Execute(j.prog)
	}
	close(j.done)
	if j.ctx.Err() != nil {
		<-j.release
	}
}

// exec runs a compiled unit, turning interrupts and panics into the
// session's errors.
//
// Interruptible runs go through in.EvalWithContext("__gp.Run()"), whose
// cancellation makes yaegi stop all interpreted code, and __gp.Run executes
// the unit. yaegi's ExecuteWithContext would do the same directly, but it
// writes its results from a goroutine that outlives it (a data race).
func (s *Session) exec(ctx context.Context, prog *interp.Program, sp span) (reflect.Value, error) {
	var v reflect.Value
	var err error
	if ctx.Done() == nil && !s.staleDone {
		v, err = s.in.Execute(prog)
	} else {
		if ctx.Err() != nil {
			return reflect.Value{}, ErrInterrupted
		}
		j := &job{ctx: ctx, release: s.release, in: s.in, prog: prog, started: make(chan struct{}), done: make(chan struct{})}
		select {
		case <-s.jobs: // a job whose Eval failed before taking it
		default:
		}
		s.jobs <- j
		_, eerr := s.in.EvalWithContext(ctx, hiddenName+".Run()")
		if ctx.Err() != nil {
			j.cancelled.Store(true)
			s.staleDone = true // yaegi leaves its cancellation channel closed
			timeout := time.NewTimer(interruptGrace)
			defer timeout.Stop()
			select {
			case <-j.started:
				select {
				case <-j.done:
				case <-timeout.C:
				}
			case <-timeout.C:
			}
			s.renew()
			s.tc.drain()
			return reflect.Value{}, ErrInterrupted
		}
		s.staleDone = false
		select {
		case <-j.done:
			v, err = j.res, j.err
		default:
			err = eerr
			if err == nil {
				err = errors.New("session: unit did not run")
			}
		}
	}
	if err == nil {
		return v, nil
	}
	var p interp.Panic
	if errors.As(err, &p) {
		// yaegi hands panic values over as reflect.Values.
		if rv, ok := p.Value.(reflect.Value); ok && rv.IsValid() && rv.CanInterface() {
			p.Value = rv.Interface()
		}
		pe := &PanicError{Value: p.Value, Message: fmt.Sprint(p.Value), Traceback: s.traceback(s.tc.drain(), sp)}
		if e, ok := p.Value.(error); ok {
			pe.Message = e.Error()
		}
		return reflect.Value{}, pe
	}
	return reflect.Value{}, s.ls.compileErrors(sp, err)
}

// traceback turns yaegi's panic frame lines into cell positions, dropping the
// session's own frames.
func (s *Session) traceback(lines []string, cur span) []string {
	var out []string
	for _, l := range lines {
		m := panicLineRE.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		var vline, col int
		fmt.Sscan(m[1], &vline)
		fmt.Sscan(m[2], &col)
		fn := strings.TrimPrefix(m[3], "main.")
		if rest, ok := strings.CutPrefix(fn, compiledPrefix); ok {
			// A function given to Compile, shown as the literal it was.
			fn = "func" + strings.TrimLeft(rest, "0123456789")
		}
		if strings.Contains(fn, "__gp") {
			continue
		}
		switch fn {
		case "main":
			fn = "top level"
		case "func":
			fn = "func literal"
		}
		fn = strings.ReplaceAll(fn, ".func", " (func literal)")
		sp, ok := s.ls.find(vline)
		if !ok {
			continue
		}
		t := sp.label(cur, vline-sp.base, col) + " in " + fn
		if len(out) == 0 || out[len(out)-1] != t {
			out = append(out, t)
		}
	}
	return out
}

// explain converts a compile failure into the session's error types, naming
// what yaegi does not support when that is the cause.
func (s *Session) explain(err error, pc *parsedCell) error {
	var ie *internalError
	if errors.As(err, &ie) {
		if pos, ok := findRecvOK(pc); ok && strings.Contains(ie.msg, "nil type") {
			return &UnsupportedError{What: "`v, ok := <-ch` declaring variables at the top level of a cell", Hint: "declare them first (var v T; var ok bool; v, ok = <-ch), or receive inside a function", Line: pos.Line, Column: pos.Column}
		}
		if pos, ok := findRangeStmt(pc); ok && strings.Contains(ie.msg, "nil type") {
			return &UnsupportedError{What: "range over an integer (or function) whose type the session could not infer", Hint: "write for i := 0; i < n; i++", Line: pos.Line, Column: pos.Column}
		}
		return &UnsupportedError{What: "a construct that makes the interpreter fail: " + ie.msg}
	}
	cerr := s.ls.compileErrors(pc.sp, err)
	// Generic calls without type arguments that yaegi fails to infer.
	var ce *CompileError
	if errors.As(cerr, &ce) && ce.Line > 0 {
		if name, ok := s.genericCallOnLine(pc, ce.Line); ok {
			return &UnsupportedError{What: "type argument inference for generic function " + name + " (" + ce.Msg + ")", Hint: "give the type arguments explicitly, e.g. " + name + "[int](...)", Line: ce.Line, Column: ce.Column}
		}
	}
	return cerr
}

// findRecvOK finds a top-level `v, ok := <-ch` (see commaOK).
func findRecvOK(pc *parsedCell) (token.Position, bool) {
	if pc.body == nil {
		return token.Position{}, false
	}
	for _, st := range pc.body.List {
		as, ok := st.(*ast.AssignStmt)
		if !ok || as.Tok != token.DEFINE || len(as.Lhs) != 2 || len(as.Rhs) != 1 {
			continue
		}
		if u, ok := as.Rhs[0].(*ast.UnaryExpr); ok && u.Op == token.ARROW {
			return token.Position{Line: lineInCell(pc, as.Pos()), Column: pc.fset.Position(as.Pos()).Column}, true
		}
	}
	return token.Position{}, false
}

func findRangeStmt(pc *parsedCell) (token.Position, bool) {
	var pos token.Position
	found := false
	visit := func(n ast.Node) bool {
		if r, ok := n.(*ast.RangeStmt); ok && !found {
			found = true
			pos = token.Position{Line: lineInCell(pc, r.For), Column: pc.fset.Position(r.For).Column}
		}
		return !found
	}
	if pc.body != nil {
		ast.Inspect(pc.body, visit)
	}
	if pc.file != nil {
		ast.Inspect(pc.file, visit)
	}
	return pos, found
}

// genericCallOnLine finds a call, on a line of the cell, of a generic function
// declared by the session without explicit type arguments.
func (s *Session) genericCallOnLine(pc *parsedCell, line int) (string, bool) {
	name, found := "", false
	visit := func(n ast.Node) bool {
		c, ok := n.(*ast.CallExpr)
		if !ok || found {
			return !found
		}
		id, ok := c.Fun.(*ast.Ident)
		if !ok || lineInCell(pc, c.Pos()) != line {
			return true
		}
		if e, ok := s.log.lookup(id.Name); ok && e.generic {
			name, found = id.Name, true
		}
		return !found
	}
	if pc.body != nil {
		ast.Inspect(pc.body, visit)
	}
	if pc.file != nil {
		ast.Inspect(pc.file, visit)
	}
	return name, found
}

// lineInCell maps a position of the parsed cell to its line in the cell.
func lineInCell(pc *parsedCell, p token.Pos) int {
	return pc.fset.Position(p).Line - pc.sp.base
}
