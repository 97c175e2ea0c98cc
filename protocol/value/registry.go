package value

import (
	"reflect"
	"sync"
	"sync/atomic"
)

// Registry maps wire names to the types values of that name decode into, and back.
// A decoder builds unregistered named types from their structure, which yields an
// unnamed type; registering the name makes the value arrive as the named type.
//
// Registering also names types on the way out ([Registry.Encode]): the yaegi
// interpreter gives its struct types no reflect name, so a kernel registers each
// type a cell declares ("main.Point" → its reflect.Type) and its values travel as
// "main.Point". The zero Registry is empty and ready to use; a nil *Registry is an
// empty one that cannot be added to. It is safe for concurrent use.
type Registry struct {
	mu     sync.RWMutex
	byName map[string]reflect.Type
	byType map[reflect.Type]string
	// exprs caches how the encoder spells types that need no type table; it is
	// per registry because registering a name changes how types are spelled.
	// Register replaces the map, so an encoder that started before keeps
	// writing into the old one, which nobody reads any more.
	exprs atomic.Pointer[sync.Map] // reflect.Type → string
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{} }

// Register maps name to t, replacing any earlier mapping of either, so a notebook
// cell that redeclares a type takes the name over. It panics if name is empty or t
// is nil, which is a programming error.
func (r *Registry) Register(name string, t reflect.Type) {
	if name == "" || t == nil {
		panic("value: Register needs a name and a type")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byName == nil {
		r.byName = map[string]reflect.Type{}
		r.byType = map[reflect.Type]string{}
	}
	if old, ok := r.byName[name]; ok {
		delete(r.byType, old)
	}
	if old, ok := r.byType[t]; ok {
		delete(r.byName, old)
	}
	r.byName[name] = t
	r.byType[t] = name
	r.exprs.Store(new(sync.Map))
}

// Lookup returns the type registered under name.
func (r *Registry) Lookup(name string) (reflect.Type, bool) {
	if r == nil {
		return nil, false
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	t, ok := r.byName[name]
	return t, ok
}

// NameOf returns the name t travels under: its registered name, else its Go name
// ([TypeName]), else "" for an unnamed type.
func (r *Registry) NameOf(t reflect.Type) string {
	if r != nil {
		r.mu.RLock()
		name, ok := r.byType[t]
		r.mu.RUnlock()
		if ok {
			return name
		}
	}
	return TypeName(t)
}

// TypeName returns the wire name of a named Go type, "pkg/path.Name" (for
// example "github.com/me/geo.Point", "main.Point"), or "" if t is unnamed or
// predeclared. Register types under this name to decode values of compiled types
// as themselves.
func TypeName(t reflect.Type) string {
	if t == nil || t.Name() == "" || t.PkgPath() == "" {
		return ""
	}
	return t.PkgPath() + "." + t.Name()
}

// defaultExprs plays the role of Registry.exprs for a nil registry.
var defaultExprs sync.Map

func (r *Registry) exprCache() *sync.Map {
	if r == nil {
		return &defaultExprs
	}
	if m := r.exprs.Load(); m != nil {
		return m
	}
	r.exprs.CompareAndSwap(nil, new(sync.Map))
	return r.exprs.Load()
}
