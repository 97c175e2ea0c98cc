package value

import (
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Types with a meaning of their own on the wire.
var (
	timeType         = reflect.TypeFor[time.Time]()
	errorType        = reflect.TypeFor[error]()
	anyType          = reflect.TypeFor[any]()
	reflectValueType = reflect.TypeFor[reflect.Value]()
	textErrorType    = reflect.TypeFor[*TextError]()
)

// wellKnown are named types both ends know without registering them; the header
// spells them as in Go source.
var wellKnown = map[string]reflect.Type{
	"time.Time":     timeType,
	"time.Duration": reflect.TypeFor[time.Duration](),
	"time.Month":    reflect.TypeFor[time.Month](),
	"time.Weekday":  reflect.TypeFor[time.Weekday](),
}

var wellKnownName = func() map[reflect.Type]string {
	m := map[reflect.Type]string{}
	for k, v := range wellKnown {
		m[v] = k
	}
	return m
}()

// typeEntry is one element of a header's type table.
type typeEntry struct {
	Name     string `json:"name,omitempty"`
	Type     string `json:"type"`
	Embedded []int  `json:"embedded,omitempty"`
}

// typeTable spells the types of one message, collecting the named types and the
// struct types into the header's table.
type typeTable struct {
	reg     *Registry
	shared  *sync.Map // table-free spellings shared across messages
	entries []typeEntry
	index   map[reflect.Type]int
	local   map[reflect.Type]string // spellings that refer to this table
	// usedRefs records whether the spelling in progress referred to the table.
	usedRefs bool
}

// typeErr is an UnsupportedError whose Path is relative to the type being
// spelled; the value encoder prefixes the path of the value.
func typeErr(t reflect.Type, reason string) *UnsupportedError {
	return &UnsupportedError{Type: t, Reason: reason}
}

func prefixed(err *UnsupportedError, seg string) *UnsupportedError {
	err.Path = seg + err.Path
	return err
}

// expr returns the Go syntax for t, adding table entries as needed.
func (tt *typeTable) expr(t reflect.Type) (string, *UnsupportedError) {
	if s := predeclared(t); s != "" {
		return s, nil
	}
	if s, ok := tt.local[t]; ok {
		tt.usedRefs = true
		return s, nil
	}
	if s, ok := tt.shared.Load(t); ok {
		return s.(string), nil
	}
	outer := tt.usedRefs
	tt.usedRefs = false
	s, err := tt.spell(t)
	inner := tt.usedRefs
	tt.usedRefs = outer || inner
	if err != nil {
		return "", err
	}
	// A spelling that refers to the table ("[]T0") means something only in this
	// message; the rest can be reused by every message.
	if inner {
		if tt.local == nil {
			tt.local = map[reflect.Type]string{}
		}
		tt.local[t] = s
	} else {
		tt.shared.Store(t, s)
	}
	return s, nil
}

// predeclared returns the name of a predeclared type (int, string, ...), which
// needs neither table nor cache.
func predeclared(t reflect.Type) string {
	if t.PkgPath() != "" || t.Name() == "" {
		return ""
	}
	switch t.Kind() {
	case reflect.Interface, reflect.Struct: // error, or an oddly named unnamed type
		return ""
	}
	return t.Name()
}

func (tt *typeTable) spell(t reflect.Type) (string, *UnsupportedError) {
	if name, ok := wellKnownName[t]; ok {
		return name, nil
	}
	switch {
	case t == errorType:
		return "error", nil
	case t.Kind() == reflect.Interface || isValueInterface(t):
		// Interface types cannot be built with reflect, so every interface travels
		// as any and its dynamic value carries its own type.
		return "any", nil
	}
	name := tt.reg.NameOf(t)
	if name != "" || needsEntry(t) {
		return tt.ref(t, name)
	}
	return tt.structure(t)
}

// needsEntry reports whether an unnamed type goes to the table anyway. Struct
// types do: the table records which fields are embedded, a recursive struct
// (which yaegi builds without a name) refers to its own entry, and a long struct
// syntax is written once per message rather than once per value of an []any.
func needsEntry(t reflect.Type) bool {
	return t.Kind() == reflect.Struct
}

// ref returns the table reference for t, adding an entry the first time.
func (tt *typeTable) ref(t reflect.Type, name string) (string, *UnsupportedError) {
	tt.usedRefs = true
	if i, ok := tt.index[t]; ok {
		return "T" + strconv.Itoa(i), nil
	}
	if tt.index == nil {
		tt.index = map[reflect.Type]int{}
	}
	i := len(tt.entries)
	// The index goes in before the structure is spelled so that a recursive type
	// refers to its own entry instead of recursing forever.
	tt.index[t] = i
	tt.entries = append(tt.entries, typeEntry{Name: name})
	def, err := tt.structure(t)
	if err != nil {
		return "", err
	}
	tt.entries[i].Type = def
	if t.Kind() == reflect.Struct {
		for f := range t.NumField() {
			if t.Field(f).Anonymous {
				tt.entries[i].Embedded = append(tt.entries[i].Embedded, f)
			}
		}
	}
	return "T" + strconv.Itoa(i), nil
}

// structure spells t's underlying type.
func (tt *typeTable) structure(t reflect.Type) (string, *UnsupportedError) {
	switch k := t.Kind(); k {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128, reflect.String:
		return k.String(), nil
	case reflect.Slice:
		e, err := tt.expr(t.Elem())
		if err != nil {
			return "", prefixed(err, "[]")
		}
		return "[]" + e, nil
	case reflect.Array:
		e, err := tt.expr(t.Elem())
		if err != nil {
			return "", prefixed(err, "[]")
		}
		return "[" + strconv.Itoa(t.Len()) + "]" + e, nil
	case reflect.Pointer:
		e, err := tt.expr(t.Elem())
		if err != nil {
			return "", err
		}
		return "*" + e, nil
	case reflect.Map:
		kx, err := tt.expr(t.Key())
		if err != nil {
			return "", prefixed(err, "[key]")
		}
		e, err := tt.expr(t.Elem())
		if err != nil {
			return "", prefixed(err, "[]")
		}
		return "map[" + kx + "]" + e, nil
	case reflect.Struct:
		return tt.structType(t)
	case reflect.Interface:
		return "any", nil
	}
	// chan, func, unsafe.Pointer: nothing on the other side could use them.
	return "", typeErr(t, "")
}

func (tt *typeTable) structType(t reflect.Type) (string, *UnsupportedError) {
	n := t.NumField()
	if n == 0 {
		return "struct{}", nil
	}
	var b strings.Builder
	b.WriteString("struct{")
	for i := range n {
		f := t.Field(i)
		if !f.IsExported() {
			// Setting it on the other side would need unsafe, and silently
			// dropping it would break "arrives exactly as sent".
			return "", prefixed(typeErr(f.Type, "unexported field of "+t.String()), "."+f.Name)
		}
		e, err := tt.expr(f.Type)
		if err != nil {
			return "", prefixed(err, "."+f.Name)
		}
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(f.Name)
		b.WriteByte(' ')
		b.WriteString(e)
		if f.Tag != "" {
			b.WriteByte(' ')
			b.WriteString(strconv.Quote(string(f.Tag)))
		}
	}
	b.WriteByte('}')
	return b.String(), nil
}
