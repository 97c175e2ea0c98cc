package magics

import (
	"path"
	"reflect"
	"regexp"
	"strconv"
	"sync"

	"github.com/goparallel/goparallel/kernel/session"
	"github.com/goparallel/goparallel/parallel"
	"github.com/goparallel/goparallel/protocol/value"
)

// methodRE finds method declarations ("func (p *Point) Norm(") at the start of
// a line. The session lists no methods of a type, yet a type shipped with a
// function must carry them; every piece of Go code passes through the code
// transform, which records the methods it declares.
var methodRE = regexp.MustCompile(`(?m)^[ \t]*func[ \t]*\([ \t]*(?:[\pL_][\pL\pN_]*[ \t]+)?\*?[ \t]*([\pL_][\pL\pN_]*)(?:\[[^\]]*\])?[ \t]*\)[ \t]*([\pL_][\pL\pN_]*)`)

// declIndex is what the notebook declared beyond what the session reports:
// the methods of each type.
type declIndex struct {
	mu      sync.Mutex
	methods map[string][]string // type name → "T.M" keys, in declaration order
}

func (x *declIndex) note(src string) {
	ms := methodRE.FindAllStringSubmatch(src, -1)
	if len(ms) == 0 {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.methods == nil {
		x.methods = map[string][]string{}
	}
	for _, m := range ms {
		key := m[1] + "." + m[2]
		known := false
		for _, k := range x.methods[m[1]] {
			known = known || k == key
		}
		if !known {
			x.methods[m[1]] = append(x.methods[m[1]], key)
		}
	}
}

func (x *declIndex) methodsOf(typ string) []string {
	x.mu.Lock()
	defer x.mu.Unlock()
	return append([]string(nil), x.methods[typ]...)
}

// sessionDecls adapts the kernel's session to parallel.DeclLookup, PackageNamer
// and TypeLookup for RewriteCell.
type sessionDecls struct {
	s     *session.Session
	index *declIndex

	once  sync.Once
	names []session.Binding
}

var (
	_ parallel.DeclLookup   = (*sessionDecls)(nil)
	_ parallel.PackageNamer = (*sessionDecls)(nil)
	_ parallel.TypeLookup   = (*sessionDecls)(nil)
)

func (d *sessionDecls) bindings() []session.Binding {
	d.once.Do(func() { d.names = d.s.Names() })
	return d.names
}

// Decl implements parallel.DeclLookup. The session's kinds are parallel's
// (func, type, const, var); imports, which the session keeps out of Decl, come
// from its names, and a type comes with its methods.
func (d *sessionDecls) Decl(name string) (string, string, bool) {
	if decl, ok := d.s.Decl(name); ok {
		src := decl.Src
		if decl.Kind == parallel.KindType {
			for _, key := range d.index.methodsOf(name) {
				if m, ok := d.s.Decl(key); ok {
					src += "\n\n" + m.Src
				}
			}
		}
		return src, decl.Kind, true
	}
	for _, b := range d.bindings() {
		if b.Kind == parallel.KindImport && b.Name == name && b.Type != "" {
			if path.Base(b.Type) == name {
				return "import " + strconv.Quote(b.Type), parallel.KindImport, true
			}
			return "import " + name + " " + strconv.Quote(b.Type), parallel.KindImport, true
		}
	}
	return "", "", false
}

// PackageName implements parallel.PackageNamer.
func (d *sessionDecls) PackageName(importPath string) (string, bool) {
	for _, b := range d.bindings() {
		if b.Kind == parallel.KindImport && b.Type == importPath {
			return b.Name, true
		}
	}
	return "", false
}

// TypeOf implements parallel.TypeLookup: the dynamic type of a variable, so a
// var of interface type holding a view counts as a view.
func (d *sessionDecls) TypeOf(name string) (string, bool) {
	v, ok := d.s.Get(name)
	if !ok {
		return "", false
	}
	if v.Kind() == reflect.Interface && !v.IsNil() {
		v = v.Elem()
	}
	return v.Type().String(), true
}

// typeRegistry names the types cells declare in the value codec's registry, so
// values of them travel as "main.T" (see value.Registry).
type typeRegistry struct {
	reg  *value.Registry
	mu   sync.Mutex
	seen map[string]string // type name → the declaration and generation registered
}

// update registers the types declared by earlier cells that are new or changed
// since the last call. The interpreter gives a type's reflect.Type only to its
// values, so a tiny function returning a slice of it is compiled for each type.
func (r *typeRegistry) update(s *session.Session) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seen == nil {
		r.seen = map[string]string{}
	}
	gen := strconv.FormatUint(s.Generation(), 10)
	for _, b := range s.Names() {
		if b.Kind != parallel.KindType {
			continue
		}
		decl, ok := s.Decl(b.Name)
		if !ok || r.seen[b.Name] == decl.Src+"\x00"+gen {
			continue
		}
		r.seen[b.Name] = decl.Src + "\x00" + gen
		// A slice keeps the element type as it is; returned in an interface, a
		// value of a type with methods would come wrapped by the interpreter.
		fn, err := s.Compile("func() []" + b.Name + " { return nil }")
		if err != nil {
			continue // generic types cannot be named without type arguments
		}
		out, err := s.CallSafe(fn, nil)
		if err != nil || len(out) != 1 || out[0].Kind() != reflect.Slice {
			continue
		}
		t := out[0].Type().Elem()
		if t.Kind() == reflect.Interface || t.PkgPath() == yaegiInterp {
			continue // interface values travel as their dynamic types
		}
		r.reg.Register("main."+b.Name, t)
	}
}

// yaegiInterp is the package of the interpreter's own wrapper types.
const yaegiInterp = "github.com/traefik/yaegi/interp"
