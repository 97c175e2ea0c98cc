package session

import (
	"go/ast"
	"go/token"
	"path"
	"reflect"
	"strings"
	"sync"
	"unsafe"

	"github.com/traefik/yaegi/interp"
)

// yaegi 0.16.1 changes its package scope while it compiles, before it knows
// whether the unit compiles at all, and never undoes it on failure:
//
//   - global types analysis (gta.go) adds a symbol, with a fresh frame slot,
//     for every top-level `x := ...`, var, func and type of the unit, and
//     replaces the symbol of an existing x (whose value is then lost);
//   - nodeType (type.go) adds an incomplete type symbol for every undefined
//     identifier it meets, which later cells then trip over ("incomplete
//     type x", "constant definition loop");
//   - a method declaration is appended to its receiver type's method list,
//     where a broken method shadows the one declared later.
//
// Nothing public exposes that state, so the session reaches the main
// package's symbol map and the types' method lists through reflect and
// unsafe: it records them before compiling a unit (scopeMark) and puts them
// back when the compilation fails (scopeMark.restore). The layout is that of
// yaegi v0.16.1, pinned in go.mod; if it ever does not match, yscopeOK is
// false, marks are nil and a failed unit makes the session rebuild its
// interpreter instead (see Session.compile).

var (
	yscopeOnce sync.Once
	yscopeOK   bool
)

// yscopeInit checks once that *interp.Interpreter has the fields the
// accessors below rely on.
func yscopeInit() bool {
	yscopeOnce.Do(func() {
		it := reflect.TypeOf(interp.Interpreter{})
		f, ok := it.FieldByName("scopes")
		if !ok || f.Type.Kind() != reflect.Map || f.Type.Key().Kind() != reflect.String || f.Type.Elem().Kind() != reflect.Pointer {
			return
		}
		st := f.Type.Elem().Elem() // scope
		sym, ok := st.FieldByName("sym")
		if !ok || sym.Type.Kind() != reflect.Map || sym.Type.Key().Kind() != reflect.String || sym.Type.Elem().Kind() != reflect.Pointer {
			return
		}
		symT := sym.Type.Elem().Elem() // symbol
		kind, ok1 := symT.FieldByName("kind")
		typ, ok2 := symT.FieldByName("typ")
		if !ok1 || !ok2 || kind.Type.Kind() != reflect.Uint || typ.Type.Kind() != reflect.Pointer {
			return
		}
		itT := typ.Type.Elem() // itype
		inc, ok1 := itT.FieldByName("incomplete")
		meth, ok2 := itT.FieldByName("method")
		if !ok1 || !ok2 || inc.Type.Kind() != reflect.Bool || meth.Type.Kind() != reflect.Slice {
			return
		}
		yscopeOK = true
	})
	return yscopeOK
}

// mainSyms returns the symbol map of in's main package, writable, or an
// invalid Value.
func mainSyms(in *interp.Interpreter) reflect.Value {
	if in == nil || !yscopeInit() {
		return reflect.Value{}
	}
	scopes := reflect.ValueOf(in).Elem().FieldByName("scopes")
	sc := scopes.MapIndex(reflect.ValueOf("main"))
	if !sc.IsValid() || sc.IsNil() {
		return reflect.Value{}
	}
	return writable(sc.Elem().FieldByName("sym"))
}

// writable returns an addressable field reached through unexported fields
// as a Value that may be changed.
func writable(v reflect.Value) reflect.Value {
	return reflect.NewAt(v.Type(), unsafe.Pointer(v.UnsafeAddr())).Elem()
}

// yaegi's symbol kinds (scope.go) the session needs.
const (
	ySymType = 7 // typeSym
)

// scopeMark is the state of the main package scope before a compilation,
// as far as the compilation can change it: the symbols of the names the
// unit declares (a failed compilation may add or replace only those), and
// the method lists of the receiver types of its methods. The other debris
// of a failed compilation, incomplete type symbols for undefined names and
// the renamed locals of top-level code, is found by a scan on failure
// (purge), so that the common path costs nothing per global.
type scopeMark struct {
	syms    reflect.Value             // the live map
	saved   map[string]unsafe.Pointer // key -> *symbol, nil when absent
	methods []methodMark
}

// methodMark is the length of a type's method list.
type methodMark struct {
	list reflect.Value // writable []*node
	n    int
}

// markScope records the main scope of in for the given symbol keys and
// receiver type names. It returns nil when the scope cannot be reached.
func markScope(in *interp.Interpreter, keys, recv []string) *scopeMark {
	syms := mainSyms(in)
	if !syms.IsValid() {
		return nil
	}
	m := &scopeMark{syms: syms, saved: make(map[string]unsafe.Pointer, len(keys))}
	for _, k := range keys {
		var p unsafe.Pointer
		if v := syms.MapIndex(reflect.ValueOf(k)); v.IsValid() {
			p = v.UnsafePointer()
		}
		m.saved[k] = p
	}
	for _, r := range recv {
		sym := syms.MapIndex(reflect.ValueOf(r))
		if !sym.IsValid() || sym.IsNil() {
			continue
		}
		typ := sym.Elem().FieldByName("typ")
		if typ.IsNil() {
			continue
		}
		list := typ.Elem().FieldByName("method")
		m.methods = append(m.methods, methodMark{list: list, n: list.Len()})
	}
	return m
}

// restore puts the scope back as it was when m was made, and purges it.
func (m *scopeMark) restore() {
	if m == nil {
		return
	}
	symT := m.syms.Type().Elem().Elem()
	for k, p := range m.saved {
		if p == nil {
			m.syms.SetMapIndex(reflect.ValueOf(k), reflect.Value{})
		} else {
			m.syms.SetMapIndex(reflect.ValueOf(k), reflect.NewAt(symT, p))
		}
	}
	for _, mm := range m.methods {
		if mm.list.Len() > mm.n {
			writable(mm.list).SetLen(mm.n)
		}
	}
	purge(m.syms)
}

// purge deletes the incomplete type symbols that undefined identifiers
// leave (a consistent scope has none) and the renamed locals of top-level
// code (see renameTopLocals).
func purge(syms reflect.Value) {
	var drop []reflect.Value
	for it := syms.MapRange(); it.Next(); {
		k := it.Key()
		if strings.HasPrefix(k.String(), localPrefix) {
			drop = append(drop, k)
			continue
		}
		sym := it.Value().Elem()
		if sym.FieldByName("kind").Uint() == ySymType {
			if t := sym.FieldByName("typ"); !t.IsNil() && t.Elem().FieldByName("incomplete").Bool() {
				drop = append(drop, k)
			}
		}
	}
	for _, k := range drop {
		syms.SetMapIndex(k, reflect.Value{})
	}
}

// dropNames deletes the given symbols from the main scope of in. Code
// compiled already keeps working: it addresses variables by frame index.
func dropNames(in *interp.Interpreter, names []string) {
	if len(names) == 0 {
		return
	}
	syms := mainSyms(in)
	if !syms.IsValid() {
		return
	}
	for _, n := range names {
		syms.SetMapIndex(reflect.ValueOf(n), reflect.Value{})
	}
}

// declaredKeys lists the symbol keys a unit declares at package level:
// names of funcs, types, consts and vars, names defined by top-level
// statements, and imports (keyed by name and source file, as yaegi does).
func declaredKeys(n ast.Node) []string {
	var out []string
	switch n := n.(type) {
	case *ast.File:
		if n == nil {
			return nil
		}
		for _, d := range n.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil {
					out = append(out, d.Name.Name)
				}
			case *ast.GenDecl:
				for _, sp := range d.Specs {
					switch sp := sp.(type) {
					case *ast.ImportSpec:
						out = append(out, importKey(importName(sp)))
					case *ast.TypeSpec:
						out = append(out, sp.Name.Name)
					case *ast.ValueSpec:
						for _, id := range sp.Names {
							out = append(out, id.Name)
						}
					}
				}
			}
		}
	case *ast.BlockStmt:
		for _, st := range n.List {
			out = append(out, definedNames(st)...)
		}
	}
	return out
}

// importKey is the key of an import named name in yaegi's package scope.
func importKey(name string) string { return name + "/" + path.Base(srcFile) }

// scopeNames adds to dst the names the main package scope of in defines
// (imports by their local name), leaving out the incomplete type symbols
// that undefined identifiers leave behind. It reports false when the scope
// cannot be reached.
func scopeNames(in *interp.Interpreter, dst map[string]bool) bool {
	syms := mainSyms(in)
	if !syms.IsValid() {
		return false
	}
	for it := syms.MapRange(); it.Next(); {
		name := it.Key().String()
		sym := it.Value().Elem()
		if sym.FieldByName("kind").Uint() == ySymType {
			if t := sym.FieldByName("typ"); !t.IsNil() && t.Elem().FieldByName("incomplete").Bool() {
				continue
			}
		}
		// Imports are keyed by name and source file ("fmt/_.go").
		name, _, _ = strings.Cut(name, "/")
		dst[name] = true
	}
	return true
}

// srcExports lists the exported names of the source packages compiled into
// in (yaegi compiles the generic parts of cmp, maps and slices from source
// when the standard library is loaded), by import path, leaving out main.
func srcExports(in *interp.Interpreter) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	if in == nil || !yscopeInit() {
		return out
	}
	pkgs := reflect.ValueOf(in).Elem().FieldByName("srcPkg")
	if pkgs.Kind() != reflect.Map {
		return out
	}
	for it := pkgs.MapRange(); it.Next(); {
		p := it.Key().String()
		if p == "main" || p == hiddenPath || it.Value().Kind() != reflect.Map {
			continue
		}
		m := map[string]bool{}
		for s := it.Value().MapRange(); s.Next(); {
			if n := s.Key().String(); token.IsExported(n) {
				m[n] = true
			}
		}
		out[p] = m
	}
	return out
}
