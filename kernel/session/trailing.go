package session

import (
	"context"
	"errors"
	"go/ast"
	"path"
	"reflect"
	"strings"

	"github.com/traefik/yaegi/interp"
)

// callInfo is what the session knows statically about a call's results.
type callInfo struct {
	prints  bool // fmt.Print*, fmt.Fprint*, log.Print* and friends, print, println
	known   bool // n and errLast are known
	n       int
	errLast bool
}

var builtinResults = map[string]int{
	"len": 1, "cap": 1, "append": 1, "make": 1, "new": 1, "complex": 1, "real": 1, "imag": 1,
	"min": 1, "max": 1, "recover": 1, "copy": 1,
	"close": 0, "delete": 0, "panic": 0, "clear": 0,
}

var basicTypes = map[string]bool{
	"bool": true, "string": true, "int": true, "int8": true, "int16": true, "int32": true, "int64": true,
	"uint": true, "uint8": true, "uint16": true, "uint32": true, "uint64": true, "uintptr": true,
	"byte": true, "rune": true, "float32": true, "float64": true, "complex64": true, "complex128": true,
	"any": true, "error": true,
}

var errorType = reflect.TypeOf((*error)(nil)).Elem()

func (s *Session) callInfo(c *ast.CallExpr) callInfo {
	fun := unparen(c.Fun)
	switch f := fun.(type) {
	case *ast.IndexExpr:
		fun = f.X
	case *ast.IndexListExpr:
		fun = f.X
	}
	switch f := fun.(type) {
	case *ast.Ident:
		if f.Name == "print" || f.Name == "println" {
			return callInfo{prints: true, known: true}
		}
		if e, ok := s.log.lookup(f.Name); ok {
			switch e.kind {
			case chunkFunc:
				return callInfo{known: true, n: e.nresults, errLast: e.errLast}
			case chunkType:
				return callInfo{known: true, n: 1}
			}
			return callInfo{}
		}
		if n, ok := builtinResults[f.Name]; ok {
			return callInfo{known: true, n: n}
		}
		if strings.HasPrefix(f.Name, "__gp") {
			return callInfo{known: true, n: builtinResults[strings.ToLower(f.Name[4:])]}
		}
		if basicTypes[f.Name] {
			return callInfo{known: true, n: 1}
		}
	case *ast.SelectorExpr:
		x, ok := f.X.(*ast.Ident)
		if !ok {
			return callInfo{}
		}
		p, ok := s.log.imports()[x.Name]
		if !ok {
			return callInfo{}
		}
		name := f.Sel.Name
		switch p {
		case "fmt":
			if strings.HasPrefix(name, "Print") || strings.HasPrefix(name, "Fprint") {
				return callInfo{prints: true, known: true}
			}
		case "log":
			if strings.HasPrefix(name, "Print") || strings.HasPrefix(name, "Fatal") || strings.HasPrefix(name, "Panic") {
				return callInfo{prints: true, known: true}
			}
		}
		v, ok := s.symbols[p][name]
		if !ok {
			return callInfo{}
		}
		if v.Kind() != reflect.Func {
			return callInfo{known: true, n: 1} // a conversion to a package type
		}
		t := v.Type()
		n := t.NumOut()
		return callInfo{known: true, n: n, errLast: n > 0 && t.Out(n-1) == errorType}
	}
	return callInfo{}
}

// prepareTrailing compiles the cell's trailing expression statement and
// returns what runs it and reports its value. A call with several results
// is evaluated through __gp.Collect(call), which Go allows for a
// multi-valued call as the only argument of a variadic function, so that a
// (T, error) result can be checked.
func (s *Session) prepareTrailing(pc *parsedCell, es *ast.ExprStmt) (func(context.Context) (Result, error), error) {
	blk := func(x ast.Expr) *ast.BlockStmt {
		return &ast.BlockStmt{Lbrace: pc.body.Lbrace, List: []ast.Stmt{&ast.ExprStmt{X: x}}, Rbrace: pc.body.Rbrace}
	}
	noValue := func(prog *interp.Program) func(context.Context) (Result, error) {
		return func(ctx context.Context) (Result, error) {
			_, err := s.exec(ctx, prog, pc.sp)
			return Result{}, err
		}
	}
	call, isCall := unparen(es.X).(*ast.CallExpr)
	if !isCall {
		prog, err := s.prepare(blk(es.X), pc)
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context) (Result, error) {
			v, err := s.exec(ctx, prog, pc.sp)
			if err != nil {
				return Result{}, err
			}
			return Result{Value: v, HasValue: true}, nil
		}, nil
	}
	info := s.callInfo(call)
	if info.prints || (info.known && info.n == 0) {
		prog, err := s.prepare(blk(es.X), pc)
		if err != nil {
			return nil, err
		}
		return noValue(prog), nil
	}
	if info.known && info.n == 1 {
		prog, err := s.prepare(blk(es.X), pc)
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context) (Result, error) {
			v, err := s.exec(ctx, prog, pc.sp)
			if err != nil {
				return Result{}, err
			}
			if info.errLast {
				// A call whose only result is an error (os.Setenv,
				// display.Display) is run for its effect: a nil error is no
				// value, as the error of a (T, error) call is not one.
				if v.IsValid() && v.Kind() == reflect.Interface {
					v = v.Elem()
				}
				if e, ok := interfaceValue(v).(error); ok && e != nil {
					return Result{}, &RuntimeError{Err: e}
				}
				return Result{}, nil
			}
			return Result{Value: v, HasValue: v.IsValid()}, nil
		}, nil
	}
	pos := call.Pos()
	collect := &ast.CallExpr{
		Fun:    &ast.SelectorExpr{X: &ast.Ident{NamePos: pos, Name: hiddenName}, Sel: &ast.Ident{NamePos: pos, Name: "Collect"}},
		Lparen: pos, Args: []ast.Expr{es.X}, Rparen: call.End(),
	}
	prog, err := s.compile(blk(collect))
	if err != nil {
		if info.known {
			return nil, s.explain(err, pc)
		}
		// Most likely a call without results: run it as a statement.
		prog, err := s.prepare(blk(es.X), pc)
		if err != nil {
			return nil, err
		}
		return noValue(prog), nil
	}
	return func(ctx context.Context) (Result, error) {
		v, err := s.exec(ctx, prog, pc.sp)
		if err != nil {
			return Result{}, err
		}
		return collected(v, info)
	}, nil
}

// collected reports the values __gp.Collect gathered.
func collected(v reflect.Value, info callInfo) (Result, error) {
	vals, _ := v.Interface().([]any)
	n := len(vals)
	errLast := info.errLast
	if !info.known && n >= 2 {
		_, isErr := vals[n-1].(error)
		errLast = vals[n-1] == nil || isErr
	}
	if n >= 2 && errLast {
		if e, ok := vals[n-1].(error); ok && e != nil {
			return Result{}, &RuntimeError{Err: e}
		}
		vals = vals[:n-1]
	}
	if len(vals) == 0 {
		return Result{}, nil
	}
	res := Result{HasValue: true}
	for i := range vals {
		rv := reflect.ValueOf(vals[i])
		if !rv.IsValid() {
			rv = reflect.ValueOf(&vals[i]).Elem() // a nil of interface type
		}
		res.Values = append(res.Values, rv)
	}
	res.Value = res.Values[0]
	if len(res.Values) == 1 {
		res.Values = nil
	}
	return res, nil
}

// interfaceValue returns v's value, or nil when it has none.
func interfaceValue(v reflect.Value) any {
	if !v.IsValid() || !v.CanInterface() {
		return nil
	}
	return v.Interface()
}

// pkgName is the default local name of an import path.
func pkgName(p string) string {
	b := path.Base(p)
	if len(b) > 1 && b[0] == 'v' && strings.Trim(b[1:], "0123456789") == "" {
		if d := path.Dir(p); d != "." {
			return path.Base(d)
		}
	}
	return b
}

var _ = errors.New
