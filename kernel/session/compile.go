package session

import (
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"reflect"
	"strings"
)

// Compile compiles the source of a function literal, such as
// "func(x int) int { return a + b + x }", in the session's global scope (free
// identifiers are the session's globals) and returns the callable function.
// Results are cached by source until the next rebuild (see Generation), since
// every compilation grows the interpreter's memory. Call the function through
// Call, which serialises it with cells, interrupts it and turns a panic into
// *PanicError; a plain reflect call lets a panic unwind into the caller.
//
// The literal is compiled as a declared function (named compiledPrefix and a
// number) rather than as a closure value: yaegi's closures keep the run id of
// the moment they were made, so after an interrupt they return zero values
// without running, while a declared function takes the current one.
func (s *Session) Compile(src string) (reflect.Value, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return reflect.Value{}, ErrClosed
	}
	if v, ok := s.compiled[src]; ok {
		return v, nil
	}
	trimmed := strings.TrimSpace(src)
	if !strings.HasPrefix(trimmed, "func") {
		return reflect.Value{}, fmt.Errorf("session: Compile: not a function literal: %.40q", src)
	}
	sp := s.ls.alloc(0, "func", src)
	text := "package main\nfunc main() {\n" + sp.directive(1) + src + "\n}\n"
	f, err := parser.ParseFile(s.in.FileSet(), srcFile, text, parser.SkipObjectResolution)
	if err != nil {
		return reflect.Value{}, fmt.Errorf("session: Compile: %w", s.ls.compileErrors(sp, err))
	}
	body := f.Decls[0].(*ast.FuncDecl).Body
	if len(body.List) != 1 {
		return reflect.Value{}, fmt.Errorf("session: Compile: want exactly one function literal")
	}
	es, ok := body.List[0].(*ast.ExprStmt)
	if !ok {
		return reflect.Value{}, fmt.Errorf("session: Compile: not a function literal: %.40q", src)
	}
	lit, ok := es.X.(*ast.FuncLit)
	if !ok {
		return reflect.Value{}, fmt.Errorf("session: Compile: not a function literal: %.40q", src)
	}
	s.fnSeq++
	name := fmt.Sprintf("%s%d", compiledPrefix, s.fnSeq)
	decl := &ast.FuncDecl{Name: &ast.Ident{NamePos: lit.Pos(), Name: name}, Type: lit.Type, Body: lit.Body}
	file := &ast.File{Package: f.Package, Name: f.Name, Decls: []ast.Decl{decl}}
	rewriteFile(file, s.rewriteEnv(s.globals()))
	prog, err := s.compile(file)
	if err != nil {
		return reflect.Value{}, fmt.Errorf("session: Compile: %w", s.ls.compileErrors(sp, err))
	}
	if _, err := s.exec(context.Background(), prog, sp); err != nil {
		return reflect.Value{}, fmt.Errorf("session: Compile: %w", err)
	}
	// The function's value: evaluating its name yields a wrapper bound to the
	// interpreter's global frame.
	ref := &ast.BlockStmt{Lbrace: lit.Pos(), Rbrace: lit.Pos(), List: []ast.Stmt{&ast.ExprStmt{X: &ast.Ident{NamePos: lit.Pos(), Name: name}}}}
	prog, err = s.compile(ref)
	if err != nil {
		return reflect.Value{}, fmt.Errorf("session: Compile: %w", err)
	}
	v, err := s.exec(context.Background(), prog, sp)
	if err != nil {
		return reflect.Value{}, fmt.Errorf("session: Compile: %w", err)
	}
	if !v.IsValid() || v.Kind() != reflect.Func {
		return reflect.Value{}, fmt.Errorf("session: Compile: %.40q did not yield a function", src)
	}
	s.compiled[src] = v
	return v, nil
}

// compiledPrefix starts the names of the functions Compile declares.
const compiledPrefix = "__gpFn"

// CallSafe calls fn (from Compile) with args and returns a panic inside it as
// a *PanicError instead of letting it unwind into the caller. Unlike Call, it
// is not serialised with cells and cannot be interrupted.
func (s *Session) CallSafe(fn reflect.Value, args []reflect.Value) (out []reflect.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			pe := &PanicError{Value: r, Message: fmt.Sprint(r)}
			if e, ok := r.(error); ok {
				pe.Message = e.Error()
			}
			pe.Traceback = s.traceback(s.tc.drain(), span{base: -1})
			err = pe
		}
	}()
	return fn.Call(args), nil
}
