package parallel

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"strconv"
	"strings"
	"sync"
)

// ShippedFunc is a function as it travels to the engines: Go source, compiled once per
// engine and source there, plus the declarations it needs. Views accept a
// *ShippedFunc wherever they accept a function.
//
// In a compiled program, make one with [Func]. In a notebook cell nothing is needed:
// the kernel rewrites each cell with [RewriteCell] so that a func literal or a func
// declared in an earlier cell carries its source to the view by itself.
type ShippedFunc struct {
	// Name is the function's declared name, or "" for a literal; it names results
	// ("<AsyncResult: square>").
	Name string
	// Source is a func literal, "func(x int) int { return x * x }".
	Source string
	// Helpers are what the engine must evaluate before Source: import lines
	// (`import "math"`) first, then the declarations (funcs, types, consts) the
	// function uses, dependencies before their users.
	Helpers []string
	// Value is the local function value, when known (from a notebook cell).
	Value any

	sig signature
	err error
}

// signature is the shape of a function, to match a func value with its source.
type signature struct {
	params   []ast.Expr // one per parameter (a, b int counts two)
	results  int
	variadic bool
}

func sigOf(ft *ast.FuncType) signature {
	var s signature
	if ft.Params != nil {
		for _, f := range ft.Params.List {
			n := max(1, len(f.Names))
			for range n {
				s.params = append(s.params, f.Type)
			}
			if _, ok := f.Type.(*ast.Ellipsis); ok {
				s.variadic = true
			}
		}
	}
	if ft.Results != nil {
		for _, f := range ft.Results.List {
			s.results += max(1, len(f.Names))
		}
	}
	return s
}

func (s signature) matches(t reflect.Type) bool {
	return t.Kind() == reflect.Func && t.NumIn() == len(s.params) &&
		t.NumOut() == s.results && t.IsVariadic() == s.variadic
}

// elementWise reports whether the function takes scalars rather than slices, so
// that a parallel function built from it maps over its arguments element by element.
func (s signature) elementWise() bool {
	if len(s.params) == 0 {
		return false
	}
	at, ok := s.params[0].(*ast.ArrayType)
	return !ok || at.Len != nil
}

// Err reports why the function cannot be shipped (a syntax error in its source), or nil.
func (f *ShippedFunc) Err() error { return f.err }

// String returns the function's source.
func (f *ShippedFunc) String() string { return f.Source }

// Func returns a function for a view to run, given its Go source: a func literal
// ("func(x int) int { return a + b + x }") or a declaration ("func square(x int)
// int { return x * x }"). This is how compiled programs ship functions, since a
// compiled func value has no source:
//
//	sq := parallel.Func("func(x int) int { return x * x }")
//	r, err := view.MapSync(sq, []int{1, 2, 3})
//
// Helpers are declarations the function uses (funcs, types, consts), sent first.
// Imports of standard packages the source uses by their usual names (math.Sqrt,
// os.Getpid, strings.Repeat...) are added; other packages need an `import "path"`
// line among helpers. Free identifiers that are neither declared nor helpers resolve
// in each engine's namespace, like IPython's globals: push them first.
//
// A source that does not parse is reported by the view the function is given to;
// see [ShippedFunc.Err].
func Func(source string, helpers ...string) *ShippedFunc {
	f, err := shipSource("", source, nil, nil)
	if err != nil {
		return &ShippedFunc{Source: source, err: err}
	}
	f.Helpers = mergeImports(f.Helpers, helpers)
	return f
}

// mergeImports puts import lines (from either list) first, without duplicates, and
// keeps the declarations of extra after those of base.
func mergeImports(base, extra []string) []string {
	var imports, decls []string
	seen := map[string]bool{}
	for _, h := range append(append([]string(nil), base...), extra...) {
		h = strings.TrimSpace(h)
		if h == "" || seen[h] {
			continue
		}
		seen[h] = true
		if strings.HasPrefix(h, "import ") || strings.HasPrefix(h, "import(") {
			imports = append(imports, h)
		} else {
			decls = append(decls, h)
		}
		if strings.HasPrefix(h, "func ") || strings.HasPrefix(h, "type ") {
			if h, err := importsOfDecl(h); err == nil {
				for _, imp := range h {
					if !seen[imp] {
						seen[imp] = true
						imports = append(imports, imp)
					}
				}
			}
		}
	}
	return append(imports, decls...)
}

func importsOfDecl(src string) ([]string, error) {
	file, err := parser.ParseFile(token.NewFileSet(), "helper", "package p\n"+src, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, d := range file.Decls {
		fn := findFree(d)
		for _, q := range fn.Names {
			if fn.Qualifiers[q] {
				if path, ok := stdPackages[q]; ok {
					out = append(out, importLine(q, path))
				}
			}
		}
	}
	return out, nil
}

// shipSource parses a function's source (a literal or a declaration) and collects
// its helpers and imports through decls (which may be nil). localFuncs are func
// literals assigned to names earlier in the same cell, which resolve before decls.
func shipSource(name, source string, decls DeclLookup, localFuncs map[string]string) (*ShippedFunc, error) {
	lit, declName, err := parseFunc(source)
	if err != nil {
		return nil, err
	}
	if name == "" {
		name = declName
	}
	if lit.Type.TypeParams != nil {
		return nil, fmt.Errorf("parallel: cannot ship generic function %s: instantiate it in a non-generic func literal", name)
	}
	litSrc := source
	if declName != "" {
		litSrc = funcLitSource(source, lit)
	}
	c := &helperCollector{decls: decls, local: localFuncs, done: map[string]bool{}, importSet: map[string]bool{}}
	// A declared function may call itself; its own declaration is then a helper.
	c.walk(findFree(lit), "")
	return &ShippedFunc{
		Name:    name,
		Source:  litSrc,
		Helpers: append(c.imports, c.helpers...),
		sig:     sigOf(lit.Type),
	}, nil
}

// declPrefix is put before a func declaration's source to parse it as a file.
const declPrefix = "package p\n"

// parseFunc parses a func literal or a func declaration into a literal.
func parseFunc(source string) (lit *ast.FuncLit, declName string, err error) {
	src := strings.TrimSpace(source)
	if strings.HasPrefix(src, "func ") && !strings.HasPrefix(strings.TrimSpace(src[4:]), "(") {
		file, err := parser.ParseFile(token.NewFileSet(), "func", declPrefix+src, parser.SkipObjectResolution)
		if err != nil {
			return nil, "", fmt.Errorf("parallel: function source does not parse: %w", err)
		}
		if len(file.Decls) != 1 {
			return nil, "", fmt.Errorf("parallel: function source holds %d declarations, want one func", len(file.Decls))
		}
		fd, ok := file.Decls[0].(*ast.FuncDecl)
		if !ok || fd.Recv != nil || fd.Body == nil {
			return nil, "", fmt.Errorf("parallel: function source is not a plain func declaration")
		}
		return &ast.FuncLit{Type: fd.Type, Body: fd.Body}, fd.Name.Name, nil
	}
	e, err := parser.ParseExpr(src)
	if err != nil {
		return nil, "", fmt.Errorf("parallel: function source does not parse: %w", err)
	}
	lit, ok := e.(*ast.FuncLit)
	if !ok {
		return nil, "", fmt.Errorf("parallel: function source is not a func literal or declaration: %.40q", src)
	}
	return lit, "", nil
}

// funcLitSource turns the source of "func name(params) results { body }" into the
// literal "func(params) results { body }" by cutting the name out.
func funcLitSource(source string, lit *ast.FuncLit) string {
	src := strings.TrimSpace(source)
	// Positions are relative to declPrefix + src; Params starts after the name.
	const prefix = len(declPrefix)
	start := int(lit.Type.Params.Pos()) - 1 - prefix
	if start < 0 || start > len(src) {
		return src
	}
	return "func" + src[start:]
}

// helperCollector gathers, depth first, the declarations a function uses, so that
// each helper comes after the helpers it uses itself.
type helperCollector struct {
	decls     DeclLookup
	local     map[string]string
	done      map[string]bool
	helpers   []string
	imports   []string
	importSet map[string]bool
}

func (c *helperCollector) addImport(line string) {
	if !c.importSet[line] {
		c.importSet[line] = true
		c.imports = append(c.imports, line)
	}
}

func (c *helperCollector) walk(fn *freeNames, self string) {
	for _, name := range fn.Names {
		if c.done[name] {
			continue
		}
		c.done[name] = true
		src, kind, ok := "", "", false
		if c.decls != nil {
			src, kind, ok = c.decls.Decl(name)
		}
		if !ok {
			if fn.Qualifiers[name] {
				if path, std := stdPackages[name]; std {
					c.addImport(importLine(name, path))
				}
			}
			continue
		}
		switch kind {
		case KindImport:
			c.addImport(strings.TrimSpace(src))
		case KindFunc, KindType, KindConst:
			if file, err := parser.ParseFile(token.NewFileSet(), "helper", "package p\n"+src, parser.SkipObjectResolution); err == nil {
				for _, d := range file.Decls {
					c.walk(findFree(d), name)
				}
			}
			c.helpers = append(c.helpers, strings.TrimSpace(src))
		}
		// Vars resolve in each engine's namespace, like IPython's globals.
	}
}

func importLine(name, path string) string {
	if p := path[strings.LastIndex(path, "/")+1:]; p == name {
		return "import " + strconv.Quote(path)
	}
	return "import " + name + " " + strconv.Quote(path)
}

// stdPackages maps the usual names of standard packages to their paths, so that a
// function using math.Sqrt ships with `import "math"` even from a compiled program.
var stdPackages = map[string]string{
	"bufio": "bufio", "bytes": "bytes", "cmp": "cmp", "context": "context",
	"errors": "errors", "fmt": "fmt", "io": "io", "log": "log", "maps": "maps",
	"math": "math", "os": "os", "path": "path", "reflect": "reflect",
	"regexp": "regexp", "runtime": "runtime", "slices": "slices", "sort": "sort",
	"strconv": "strconv", "strings": "strings", "sync": "sync", "time": "time",
	"unicode": "unicode", "big": "math/big", "bits": "math/bits",
	"cmplx": "math/cmplx", "rand": "math/rand", "filepath": "path/filepath",
	"utf8": "unicode/utf8", "json": "encoding/json", "base64": "encoding/base64",
	"binary": "encoding/binary", "hex": "encoding/hex", "csv": "encoding/csv",
	"atomic": "sync/atomic", "exec": "os/exec", "sha256": "crypto/sha256",
	"md5": "crypto/md5", "crc32": "hash/crc32", "heap": "container/heap",
	"list": "container/list", "debug": "runtime/debug", "user": "os/user",
	"net": "net", "http": "net/http", "url": "net/url", "html": "html",
	"template": "text/template", "tabwriter": "text/tabwriter", "syscall": "syscall",
	"unsafe": "unsafe", "iter": "iter",
}

// pending holds sources announced by rewritten cells ([NextSource]) until the view
// call they belong to takes them.
var pending struct {
	mu      sync.Mutex
	entries []*ShippedFunc
	method  []string
}

// maxPending bounds the sources kept for calls that never took them (a rewritten
// call whose receiver was not a view and could not be checked).
const maxPending = 64

// NextSource is called by cells rewritten by [RewriteCell], right before the view
// method named method receives a func value: it announces that value's source and
// helpers. recv is the receiver of the call when it could be evaluated twice
// safely, else nil; when it is not a view the source is dropped, so a user's own
// type with a Map or Apply method is left alone. Users do not call it.
func NextSource(recv any, method, name, source string, helpers []string) {
	switch recv.(type) {
	case nil, *DirectView, *LoadBalancedView, *BroadcastView:
	default:
		return
	}
	f, err := shipSource(name, source, nil, nil)
	if err != nil {
		f = &ShippedFunc{Name: name, Source: source, err: err}
	}
	f.Helpers = helpers
	pending.mu.Lock()
	defer pending.mu.Unlock()
	if len(pending.entries) == maxPending {
		pending.entries = pending.entries[1:]
		pending.method = pending.method[1:]
	}
	pending.entries = append(pending.entries, f)
	pending.method = append(pending.method, method)
}

// BeginCell forgets sources announced by earlier cells and not taken by any view.
// The kernel calls it before running each cell.
func BeginCell() {
	pending.mu.Lock()
	pending.entries, pending.method = nil, nil
	pending.mu.Unlock()
}

// takePending removes and returns the most recent source announced for method whose
// signature fits fn's type.
func takePending(method string, t reflect.Type) *ShippedFunc {
	pending.mu.Lock()
	defer pending.mu.Unlock()
	for i := len(pending.entries) - 1; i >= 0; i-- {
		f := pending.entries[i]
		if pending.method[i] != method || (f.err == nil && !f.sig.matches(t)) {
			continue
		}
		pending.entries = append(pending.entries[:i], pending.entries[i+1:]...)
		pending.method = append(pending.method[:i], pending.method[i+1:]...)
		return f
	}
	return nil
}

// shipped resolves what a view method named method was given as a function.
func shipped(method string, f any) (*ShippedFunc, error) {
	switch fn := f.(type) {
	case *ShippedFunc:
		if fn == nil {
			return nil, fmt.Errorf("parallel: %s: nil function", method)
		}
		return fn, fn.err
	case nil:
		return nil, fmt.Errorf("parallel: %s: nil function", method)
	}
	t := reflect.TypeOf(f)
	if t.Kind() != reflect.Func {
		return nil, fmt.Errorf("parallel: %s: %T is not a function", method, f)
	}
	if sf := takePending(method, t); sf != nil {
		c := *sf
		c.Value = f
		return &c, c.err
	}
	return nil, fmt.Errorf("%w: %s got a %s value; pass a func literal or a func declared in a cell "+
		"(the kernel ships their source), or parallel.Func(source) in a compiled program", ErrNoSource, method, t)
}
