package value

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// predeclaredTypes are the identifiers a type expression may use besides the
// table references T0, T1, ...
var predeclaredTypes = map[string]reflect.Type{
	"bool":       reflect.TypeFor[bool](),
	"int":        reflect.TypeFor[int](),
	"int8":       reflect.TypeFor[int8](),
	"int16":      reflect.TypeFor[int16](),
	"int32":      reflect.TypeFor[int32](),
	"int64":      reflect.TypeFor[int64](),
	"uint":       reflect.TypeFor[uint](),
	"uint8":      reflect.TypeFor[uint8](),
	"uint16":     reflect.TypeFor[uint16](),
	"uint32":     reflect.TypeFor[uint32](),
	"uint64":     reflect.TypeFor[uint64](),
	"uintptr":    reflect.TypeFor[uintptr](),
	"float32":    reflect.TypeFor[float32](),
	"float64":    reflect.TypeFor[float64](),
	"complex64":  reflect.TypeFor[complex64](),
	"complex128": reflect.TypeFor[complex128](),
	"string":     reflect.TypeFor[string](),
	"byte":       reflect.TypeFor[byte](),
	"rune":       reflect.TypeFor[rune](),
	"any":        anyType,
	"error":      errorType,
}

// builtTypes caches table-free type expressions across messages. reflect keeps
// every type it builds forever anyway; the bound keeps this map from adding to
// that without limit when peers send ever-new types.
var (
	builtTypes     sync.Map // string → reflect.Type
	builtTypesSize atomic.Int64
)

const maxBuiltTypes = 4096

// typeOf resolves a type expression of the header.
func (d *decoder) typeOf(s string) (reflect.Type, error) {
	if t, ok := predeclaredTypes[s]; ok {
		return t, nil
	}
	if t, ok := d.exprs[s]; ok {
		return t, nil
	}
	if t, ok := builtTypes.Load(s); ok {
		return t.(reflect.Type), nil
	}
	x, err := parseType(s)
	if err != nil {
		return nil, d.errf("type %q: %w", s, err)
	}
	t, refs, err := d.build(x, nil, 0)
	if err != nil {
		return nil, prefixMsg(err, fmt.Sprintf("type %q: ", s))
	}
	if d.exprs == nil {
		d.exprs = map[string]reflect.Type{}
	}
	d.exprs[s] = t
	if !refs && builtTypesSize.Load() < maxBuiltTypes {
		if _, loaded := builtTypes.LoadOrStore(s, t); !loaded {
			builtTypesSize.Add(1)
		}
	}
	return t, nil
}

// parsedTypes caches parsed type syntax: the same struct definitions arrive with
// every message, and parsing costs more than decoding a small value. The trees
// are only read after parsing, so sharing them is safe.
var (
	parsedTypes     sync.Map // string → ast.Expr
	parsedTypesSize atomic.Int64
)

func parseType(s string) (ast.Expr, error) {
	if x, ok := parsedTypes.Load(s); ok {
		return x.(ast.Expr), nil
	}
	x, err := parser.ParseExpr(s)
	if err != nil {
		return nil, err
	}
	if parsedTypesSize.Load() < maxBuiltTypes {
		if _, loaded := parsedTypes.LoadOrStore(s, x); !loaded {
			parsedTypesSize.Add(1)
		}
	}
	return x, nil
}

// tableIndex parses a table reference "T<n>".
func tableIndex(name string) (int, bool) {
	if len(name) < 2 || name[0] != 'T' || (name[1] == '0' && len(name) > 2) {
		return 0, false
	}
	n, err := strconv.Atoi(name[1:])
	return n, err == nil && n >= 0 && name[1] != '+' && name[1] != '-'
}

// entry resolves table entry n: the registered type if its name is registered
// (after checking that it has the structure the sender described), else a type
// built from that structure.
func (d *decoder) entry(n int) (reflect.Type, error) {
	if n >= len(d.entries) {
		return nil, d.errf("type T%d: table has %d entries", n, len(d.entries))
	}
	switch d.state[n] {
	case entryDone:
		return d.resolved[n], nil
	case entryBuilding:
		return nil, d.errf("type %s is recursive: register it to receive it", d.entryName(n))
	}
	def, err := d.def(n)
	if err != nil {
		return nil, err
	}
	if rt, ok := d.reg.Lookup(d.entries[n].Name); ok {
		d.state[n], d.resolved[n] = entryDone, rt
		if err := d.match(rt, def, d.entries[n].Embedded, 0, map[matchKey]bool{}); err != nil {
			return nil, prefixMsg(err, fmt.Sprintf("registered type %s (%v) does not match the sender's %q: ", d.entryName(n), rt, d.entries[n].Type))
		}
		return rt, nil
	}
	d.state[n] = entryBuilding
	t, _, err := d.build(def, d.entries[n].Embedded, 0)
	if err != nil {
		return nil, prefixMsg(err, fmt.Sprintf("type %s: ", d.entryName(n)))
	}
	d.state[n], d.resolved[n] = entryDone, t
	return t, nil
}

const (
	entryNew = iota
	entryBuilding
	entryDone
)

func (d *decoder) entryName(n int) string {
	if d.entries[n].Name != "" {
		return strconv.Quote(d.entries[n].Name)
	}
	return "T" + strconv.Itoa(n)
}

func (d *decoder) def(n int) (ast.Expr, error) {
	if d.defs[n] != nil {
		return d.defs[n], nil
	}
	x, err := parseType(d.entries[n].Type)
	if err != nil {
		return nil, d.errf("type %s %q: %w", d.entryName(n), d.entries[n].Type, err)
	}
	if len(d.entries[n].Embedded) > 0 {
		if _, ok := x.(*ast.StructType); !ok {
			return nil, d.errf("type %s: embedded fields listed for a non-struct type", d.entryName(n))
		}
	}
	d.defs[n] = x
	return x, nil
}

// safely runs a reflect constructor, turning its panics (duplicate fields, sizes
// beyond the address space, ...) into errors.
func (d *decoder) safely(f func() reflect.Type) (t reflect.Type, err error) {
	defer func() {
		if p := recover(); p != nil {
			t, err = nil, d.errf("%v", p)
		}
	}()
	t = f()
	if int64(t.Size()) > d.maxSize {
		return nil, d.errf("type of %d bytes is larger than the message allows", t.Size())
	}
	return t, nil
}

// build makes the reflect.Type a type expression describes; refs reports whether
// it referred to the table. embedded lists the embedded fields of x when x is
// the struct at the top of a table entry.
func (d *decoder) build(x ast.Expr, embedded []int, depth int) (t reflect.Type, refs bool, err error) {
	if depth > MaxDepth {
		return nil, false, d.errf("type nested deeper than %d levels", MaxDepth)
	}
	switch x := x.(type) {
	case *ast.Ident:
		if t, ok := predeclaredTypes[x.Name]; ok {
			return t, false, nil
		}
		if n, ok := tableIndex(x.Name); ok {
			t, err := d.entry(n)
			return t, true, err
		}
		return nil, false, d.errf("unknown type name %s", x.Name)
	case *ast.SelectorExpr:
		if pkg, ok := x.X.(*ast.Ident); ok {
			if t, ok := wellKnown[pkg.Name+"."+x.Sel.Name]; ok {
				return t, false, nil
			}
			return nil, false, d.errf("unknown type name %s.%s", pkg.Name, x.Sel.Name)
		}
	case *ast.ParenExpr:
		return d.build(x.X, embedded, depth+1)
	case *ast.StarExpr:
		e, refs, err := d.build(x.X, nil, depth+1)
		if err != nil {
			return nil, false, err
		}
		t, err := d.safely(func() reflect.Type { return reflect.PointerTo(e) })
		return t, refs, err
	case *ast.ArrayType:
		e, refs, err := d.build(x.Elt, nil, depth+1)
		if err != nil {
			return nil, false, err
		}
		if x.Len == nil {
			t, err := d.safely(func() reflect.Type { return reflect.SliceOf(e) })
			return t, refs, err
		}
		n, err := d.arrayLen(x.Len, e)
		if err != nil {
			return nil, false, err
		}
		t, err := d.safely(func() reflect.Type { return reflect.ArrayOf(n, e) })
		return t, refs, err
	case *ast.MapType:
		k, krefs, err := d.build(x.Key, nil, depth+1)
		if err != nil {
			return nil, false, err
		}
		if !k.Comparable() {
			return nil, false, d.errf("map key type %v is not comparable", k)
		}
		e, erefs, err := d.build(x.Value, nil, depth+1)
		if err != nil {
			return nil, false, err
		}
		t, err := d.safely(func() reflect.Type { return reflect.MapOf(k, e) })
		return t, krefs || erefs, err
	case *ast.StructType:
		return d.structType(x, embedded, depth)
	case *ast.InterfaceType:
		if x.Methods == nil || len(x.Methods.List) == 0 {
			return anyType, false, nil
		}
		return nil, false, d.errf("interface types with methods cannot be built")
	}
	return nil, false, d.errf("not a type: %T", x)
}

func (d *decoder) arrayLen(x ast.Expr, elem reflect.Type) (int, error) {
	lit, ok := x.(*ast.BasicLit)
	if !ok || lit.Kind != token.INT {
		return 0, d.errf("array length must be an integer literal")
	}
	n, err := strconv.ParseInt(lit.Value, 0, 64)
	// Every element of a legitimate array takes at least a byte of the message
	// (a zero-size one still needs "[]" in JSON), so a longer array is forged.
	if err != nil || n < 0 || n > d.maxSize {
		return 0, d.errf("array length %s out of range", lit.Value)
	}
	if s := int64(elem.Size()); s > 0 && n > d.maxSize/s {
		return 0, d.errf("array [%d]%v is larger than the message allows", n, elem)
	}
	return int(n), nil
}

func (d *decoder) fieldList(x *ast.StructType, embedded []int) ([]reflect.StructField, []ast.Expr, error) {
	var fields []reflect.StructField
	var types []ast.Expr
	seen := map[string]bool{}
	for _, f := range x.Fields.List {
		if len(f.Names) == 0 {
			return nil, nil, d.errf("embedded fields are written with their name and listed in \"embedded\"")
		}
		var tag reflect.StructTag
		if f.Tag != nil {
			s, err := strconv.Unquote(f.Tag.Value)
			if err != nil {
				return nil, nil, d.errf("field tag %s: %v", f.Tag.Value, err)
			}
			tag = reflect.StructTag(s)
		}
		for _, name := range f.Names {
			if !token.IsExported(name.Name) {
				return nil, nil, d.errf("field %s is not exported", name.Name)
			}
			if seen[name.Name] {
				return nil, nil, d.errf("duplicate field %s", name.Name)
			}
			seen[name.Name] = true
			fields = append(fields, reflect.StructField{Name: name.Name, Tag: tag})
			types = append(types, f.Type)
		}
	}
	for _, i := range embedded {
		if i < 0 || i >= len(fields) || fields[i].Anonymous {
			return nil, nil, d.errf("bad embedded field index %d", i)
		}
		fields[i].Anonymous = true
	}
	return fields, types, nil
}

func (d *decoder) structType(x *ast.StructType, embedded []int, depth int) (reflect.Type, bool, error) {
	fields, types, err := d.fieldList(x, embedded)
	if err != nil {
		return nil, false, err
	}
	refs := false
	var total int64
	for i := range fields {
		ft, r, err := d.build(types[i], nil, depth+1)
		if err != nil {
			return nil, false, prefixMsg(err, "field "+fields[i].Name+": ")
		}
		refs = refs || r
		fields[i].Type = ft
		total += int64(ft.Size()) + int64(ft.Align())
		if total > d.maxSize {
			return nil, false, d.errf("struct is larger than the message allows")
		}
	}
	t, err := d.safely(func() reflect.Type { return reflect.StructOf(fields) })
	return t, refs, err
}

type matchKey struct {
	t reflect.Type
	n int
}

// match checks that the registered type rt has the structure x describes, so that
// the value, which was encoded from that structure, decodes into rt exactly.
func (d *decoder) match(rt reflect.Type, x ast.Expr, embedded []int, depth int, seen map[matchKey]bool) error {
	if depth > MaxDepth {
		return d.errf("type nested deeper than %d levels", MaxDepth)
	}
	mismatch := func() error { return d.errf("%v is not %s", rt, exprString(x)) }
	switch x := x.(type) {
	case *ast.Ident:
		switch x.Name {
		case "any":
			if rt.Kind() != reflect.Interface {
				return mismatch()
			}
			return nil
		case "error":
			if rt.Kind() != reflect.Interface || !textErrorType.Implements(rt) {
				return mismatch()
			}
			return nil
		}
		if t, ok := predeclaredTypes[x.Name]; ok {
			if rt.Kind() != t.Kind() {
				return mismatch()
			}
			return nil
		}
		n, ok := tableIndex(x.Name)
		if !ok {
			return d.errf("unknown type name %s", x.Name)
		}
		if n >= len(d.entries) {
			return d.errf("type T%d: table has %d entries", n, len(d.entries))
		}
		k := matchKey{rt, n}
		if seen[k] {
			return nil // assumed while being checked: recursive types match coinductively
		}
		seen[k] = true
		if name := d.entries[n].Name; name != "" {
			if reg, ok := d.reg.Lookup(name); ok && reg != rt {
				return d.errf("%v is not the registered %s (%v)", rt, name, reg)
			}
		}
		def, err := d.def(n)
		if err != nil {
			return err
		}
		return d.match(rt, def, d.entries[n].Embedded, depth+1, seen)
	case *ast.SelectorExpr:
		if pkg, ok := x.X.(*ast.Ident); ok {
			if t, ok := wellKnown[pkg.Name+"."+x.Sel.Name]; ok {
				if rt != t {
					return mismatch()
				}
				return nil
			}
		}
	case *ast.ParenExpr:
		return d.match(rt, x.X, embedded, depth+1, seen)
	case *ast.StarExpr:
		if rt.Kind() != reflect.Pointer {
			return mismatch()
		}
		return d.match(rt.Elem(), x.X, nil, depth+1, seen)
	case *ast.ArrayType:
		if x.Len == nil {
			if rt.Kind() != reflect.Slice {
				return mismatch()
			}
		} else {
			if rt.Kind() != reflect.Array {
				return mismatch()
			}
			n, err := d.arrayLen(x.Len, rt.Elem())
			if err != nil {
				return err
			}
			if rt.Len() != n {
				return mismatch()
			}
		}
		return d.match(rt.Elem(), x.Elt, nil, depth+1, seen)
	case *ast.MapType:
		if rt.Kind() != reflect.Map {
			return mismatch()
		}
		if err := d.match(rt.Key(), x.Key, nil, depth+1, seen); err != nil {
			return err
		}
		return d.match(rt.Elem(), x.Value, nil, depth+1, seen)
	case *ast.StructType:
		fields, types, err := d.fieldList(x, embedded)
		if err != nil {
			return err
		}
		if rt.Kind() != reflect.Struct || rt.NumField() != len(fields) {
			return mismatch()
		}
		for i, f := range fields {
			rf := rt.Field(i)
			if rf.Name != f.Name || rf.Tag != f.Tag || rf.Anonymous != f.Anonymous || !rf.IsExported() {
				return d.errf("field %d of %v is %s, sender's is %s", i, rt, rf.Name, f.Name)
			}
			if err := d.match(rf.Type, types[i], nil, depth+1, seen); err != nil {
				return prefixMsg(err, "field "+f.Name+": ")
			}
		}
		return nil
	case *ast.InterfaceType:
		if rt.Kind() != reflect.Interface || (x.Methods != nil && len(x.Methods.List) > 0) {
			return mismatch()
		}
		return nil
	}
	return d.errf("not a type: %T", x)
}

// exprString renders a parsed type for error messages.
func exprString(x ast.Expr) string {
	var b strings.Builder
	writeExpr(&b, x)
	return b.String()
}

func writeExpr(b *strings.Builder, x ast.Expr) {
	switch x := x.(type) {
	case *ast.Ident:
		b.WriteString(x.Name)
	case *ast.SelectorExpr:
		writeExpr(b, x.X)
		b.WriteString("." + x.Sel.Name)
	case *ast.StarExpr:
		b.WriteString("*")
		writeExpr(b, x.X)
	case *ast.ArrayType:
		b.WriteString("[")
		if lit, ok := x.Len.(*ast.BasicLit); ok {
			b.WriteString(lit.Value)
		}
		b.WriteString("]")
		writeExpr(b, x.Elt)
	case *ast.MapType:
		b.WriteString("map[")
		writeExpr(b, x.Key)
		b.WriteString("]")
		writeExpr(b, x.Value)
	case *ast.StructType:
		b.WriteString("struct{...}")
	case *ast.InterfaceType:
		b.WriteString("interface{...}")
	case *ast.ParenExpr:
		b.WriteString("(")
		writeExpr(b, x.X)
		b.WriteString(")")
	default:
		b.WriteString("?")
	}
}
