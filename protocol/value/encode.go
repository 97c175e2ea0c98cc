package value

import (
	"encoding/base64"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"time"
	"unicode/utf8"
	"unsafe"
)

// pathSeg is one step from the root of a value; the path is kept as a stack and
// only turned into a string when an error needs it.
type pathSeg struct {
	field string // ".Name", or "" for an index or key
	index int    // element index, -1 for a map key, or derefStep
	key   reflect.Value
}

// derefStep marks a pointer on the path: it counts towards depth but is not shown.
const derefStep = -2

// visit is a reference being encoded, for cycle detection.
type visit struct {
	ptr unsafe.Pointer
	typ reflect.Type
	n   int // slice length: a sub-slice with the same start is a different value
}

type encoder struct {
	out    []byte // the values array of the header
	bufs   [][]byte
	types  typeTable
	root   string
	path   []pathSeg
	active []visit
	depth  int
}

func (r *Registry) encode(vs []any, many bool) (enc *Encoded, err error) {
	e := &encoder{types: typeTable{reg: r, shared: r.exprCache()}}
	defer func() {
		// A method of the user's (Error) or a reflect corner case must not take the
		// kernel down: report it as this value's failure.
		if p := recover(); p != nil {
			enc, err = nil, &UnsupportedError{Path: e.pathString(), Reason: fmt.Sprintf("panic while encoding: %v", p)}
		}
	}()
	e.out = append(e.out, '[')
	for i, v := range vs {
		if i > 0 {
			e.out = append(e.out, ',')
		}
		e.root = "value"
		if many {
			e.root = "value[" + strconv.Itoa(i) + "]"
		}
		if err := e.dynamic(reflect.ValueOf(v)); err != nil {
			return nil, err
		}
	}
	e.out = append(e.out, ']')
	return &Encoded{Header: e.header(), Buffers: e.bufs}, nil
}

// header assembles {"v":1,"nbuf":N,"types":[...],"values":[...]}.
func (e *encoder) header() []byte {
	h := make([]byte, 0, len(e.out)+32+64*len(e.types.entries))
	h = append(h, `{"v":`...)
	h = strconv.AppendInt(h, headerVersion, 10)
	h = append(h, `,"nbuf":`...)
	h = strconv.AppendInt(h, int64(len(e.bufs)), 10)
	if len(e.types.entries) > 0 {
		h = append(h, `,"types":[`...)
		for i, te := range e.types.entries {
			if i > 0 {
				h = append(h, ',')
			}
			h = append(h, '{')
			if te.Name != "" {
				h = append(h, `"name":`...)
				h = appendString(h, te.Name)
				h = append(h, ',')
			}
			h = append(h, `"type":`...)
			h = appendString(h, te.Type)
			if len(te.Embedded) > 0 {
				h = append(h, `,"embedded":[`...)
				for j, f := range te.Embedded {
					if j > 0 {
						h = append(h, ',')
					}
					h = strconv.AppendInt(h, int64(f), 10)
				}
				h = append(h, ']')
			}
			h = append(h, '}')
		}
		h = append(h, ']')
	}
	h = append(h, `,"values":`...)
	h = append(h, e.out...)
	return append(h, '}')
}

func (e *encoder) pathString() string {
	s := e.root
	for _, p := range e.path {
		switch {
		case p.index == derefStep:
			// Go spells p.X for (*p).X, and so does the path.
		case p.field != "":
			s += p.field
		case p.index >= 0:
			s += "[" + strconv.Itoa(p.index) + "]"
		case p.key.IsValid() && p.key.Kind() == reflect.String:
			s += "[" + strconv.Quote(p.key.String()) + "]"
		case p.key.IsValid() && p.key.CanInterface():
			s += fmt.Sprintf("[%v]", p.key.Interface())
		default:
			s += "[key]"
		}
	}
	return s
}

func (e *encoder) fail(t reflect.Type, reason string) error {
	return &UnsupportedError{Path: e.pathString(), Type: t, Reason: reason}
}

func (e *encoder) typeFail(err *UnsupportedError) error {
	err.Path = e.pathString() + err.Path
	return err
}

// dynamic encodes a value held in an interface: null, or {"t":type,"v":value}.
func (e *encoder) dynamic(v reflect.Value) error {
	v, ok := unwrap(v)
	if !ok {
		return e.fail(v.Type(), "value hidden from reflect")
	}
	if !v.IsValid() {
		e.out = append(e.out, "null"...)
		return nil
	}
	t := v.Type()
	if t.NumMethod() > 0 && t != timeType && t.Implements(errorType) {
		// Errors cross as their text: their concrete types (often unexported,
		// often holding causes that cannot be sent) mean nothing remotely.
		e.out = append(e.out, `{"t":"error","v":`...)
		e.errorText(v)
		e.out = append(e.out, '}')
		return nil
	}
	ts, terr := e.types.expr(t)
	if terr != nil {
		return e.typeFail(terr)
	}
	e.out = append(e.out, `{"t":`...)
	e.out = appendString(e.out, ts)
	e.out = append(e.out, `,"v":`...)
	if err := e.value(v); err != nil {
		return err
	}
	e.out = append(e.out, '}')
	return nil
}

func (e *encoder) errorText(v reflect.Value) {
	if !v.CanInterface() {
		e.out = appendString(e.out, "<error hidden from reflect>")
		return
	}
	e.string(safeErrorText(v.Interface().(error)))
}

// safeErrorText calls Error, which may be a nil-receiver method that panics.
func safeErrorText(err error) (s string) {
	defer func() {
		if p := recover(); p != nil {
			s = fmt.Sprintf("<Error() panicked: %v>", p)
		}
	}()
	return err.Error()
}

func (e *encoder) push(p pathSeg) error {
	e.path = append(e.path, p)
	e.depth++
	if e.depth > MaxDepth {
		return e.fail(nil, fmt.Sprintf("nested deeper than %d levels", MaxDepth))
	}
	return nil
}

func (e *encoder) pop() {
	e.path = e.path[:len(e.path)-1]
	e.depth--
}

// enter records a reference on the current path, failing if it is already there.
func (e *encoder) enter(v reflect.Value, n int) error {
	w := visit{ptr: v.UnsafePointer(), typ: v.Type(), n: n}
	for _, a := range e.active {
		if a == w {
			return e.fail(v.Type(), "cyclic reference")
		}
	}
	e.active = append(e.active, w)
	return nil
}

func (e *encoder) leave() { e.active = e.active[:len(e.active)-1] }

// value encodes v according to its (already validated) type.
func (e *encoder) value(v reflect.Value) error {
	t := v.Type()
	switch t {
	case timeType:
		return e.time(v)
	case errorType:
		if v.IsNil() {
			e.out = append(e.out, "null"...)
		} else {
			e.errorText(v.Elem())
		}
		return nil
	}
	switch t.Kind() {
	case reflect.Bool:
		e.out = strconv.AppendBool(e.out, v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		e.out = strconv.AppendInt(e.out, v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		e.out = strconv.AppendUint(e.out, v.Uint(), 10)
	case reflect.Float32:
		e.out = appendFloat(e.out, v.Float(), 32)
	case reflect.Float64:
		e.out = appendFloat(e.out, v.Float(), 64)
	case reflect.Complex64, reflect.Complex128:
		bits := 64
		if t.Kind() == reflect.Complex64 {
			bits = 32
		}
		c := v.Complex()
		e.out = append(e.out, '[')
		e.out = appendFloat(e.out, real(c), bits)
		e.out = append(e.out, ',')
		e.out = appendFloat(e.out, imag(c), bits)
		e.out = append(e.out, ']')
	case reflect.String:
		e.string(v.String())
	case reflect.Slice:
		if v.IsNil() {
			e.out = append(e.out, "null"...)
			return nil
		}
		return e.sequence(v)
	case reflect.Array:
		return e.sequence(v)
	case reflect.Map:
		return e.mapValue(v)
	case reflect.Pointer:
		if v.IsNil() {
			e.out = append(e.out, "null"...)
			return nil
		}
		// Non-nil pointers are wrapped in [] so that a pointer to a nil value
		// (a **T whose *T is nil) differs from a nil pointer.
		if err := e.enter(v, 0); err != nil {
			return err
		}
		if err := e.push(pathSeg{index: derefStep}); err != nil {
			return err
		}
		e.out = append(e.out, '[')
		if err := e.value(v.Elem()); err != nil {
			return err
		}
		e.out = append(e.out, ']')
		e.pop()
		e.leave()
	case reflect.Struct:
		if isValueInterface(t) {
			return e.dynamic(v)
		}
		e.out = append(e.out, '[')
		for i := range t.NumField() {
			if i > 0 {
				e.out = append(e.out, ',')
			}
			if err := e.push(pathSeg{field: "." + t.Field(i).Name}); err != nil {
				return err
			}
			if err := e.value(v.Field(i)); err != nil {
				return err
			}
			e.pop()
		}
		e.out = append(e.out, ']')
	case reflect.Interface:
		if v.IsNil() {
			e.out = append(e.out, "null"...)
			return nil
		}
		return e.dynamic(v.Elem())
	default:
		// Types are validated before their values are walked; reaching here means
		// the two disagree.
		return e.fail(t, "")
	}
	return nil
}

func (e *encoder) time(v reflect.Value) error {
	if !v.CanInterface() {
		return e.fail(v.Type(), "value hidden from reflect")
	}
	ts := v.Interface().(time.Time)
	b, err := ts.MarshalText()
	if err != nil {
		return e.fail(v.Type(), err.Error())
	}
	e.out = append(e.out, '"')
	e.out = append(e.out, b...)
	e.out = append(e.out, '"')
	return nil
}

// sequence encodes a non-nil slice or an array.
func (e *encoder) sequence(v reflect.Value) error {
	n := v.Len()
	ek := v.Type().Elem().Kind()
	if isNumeric(ek) {
		if n*wireSize(ek) >= inlineLimit {
			e.buffer(rawBytes(v, n))
			return nil
		}
		if ek == reflect.Uint8 {
			e.out = append(e.out, '"')
			e.out = base64.StdEncoding.AppendEncode(e.out, rawBytes(v, n))
			e.out = append(e.out, '"')
			return nil
		}
	} else if v.Kind() == reflect.Slice && n > 0 && canRefer(v.Type().Elem()) {
		if err := e.enter(v, n); err != nil {
			return err
		}
		defer e.leave()
	}
	e.out = append(e.out, '[')
	for i := range n {
		if i > 0 {
			e.out = append(e.out, ',')
		}
		if err := e.push(pathSeg{index: i}); err != nil {
			return err
		}
		if err := e.value(v.Index(i)); err != nil {
			return err
		}
		e.pop()
	}
	e.out = append(e.out, ']')
	return nil
}

// canRefer reports whether values of t can hold references, and so be part of a
// cycle.
func canRefer(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Interface, reflect.Pointer, reflect.Slice, reflect.Map:
		return true
	case reflect.Array:
		return canRefer(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if canRefer(t.Field(i).Type) {
				return true
			}
		}
	}
	return false
}

// mapValue encodes a map as [[k,v],...], since keys need not be strings.
func (e *encoder) mapValue(v reflect.Value) error {
	if v.IsNil() {
		e.out = append(e.out, "null"...)
		return nil
	}
	if err := e.enter(v, 0); err != nil {
		return err
	}
	e.out = append(e.out, '[')
	it := v.MapRange()
	first := true
	for it.Next() {
		if !first {
			e.out = append(e.out, ',')
		}
		first = false
		k := it.Key()
		if err := e.push(pathSeg{index: -1, key: k}); err != nil {
			return err
		}
		e.out = append(e.out, '[')
		if err := e.value(k); err != nil {
			return err
		}
		e.out = append(e.out, ',')
		if err := e.value(it.Value()); err != nil {
			return err
		}
		e.out = append(e.out, ']')
		e.pop()
	}
	e.out = append(e.out, ']')
	e.leave()
	return nil
}

func (e *encoder) buffer(b []byte) {
	e.out = append(e.out, `{"b":`...)
	e.out = strconv.AppendInt(e.out, int64(len(e.bufs)), 10)
	e.out = append(e.out, '}')
	e.bufs = append(e.bufs, b)
}

// string encodes s inline, or in a frame when it is big or not UTF-8 (JSON could
// not carry it exactly).
func (e *encoder) string(s string) {
	if len(s) >= stringLimit || !utf8.ValidString(s) {
		// Strings are immutable, so the frame may alias s.
		e.buffer(unsafe.Slice(unsafe.StringData(s), len(s)))
		return
	}
	e.out = appendString(e.out, s)
}

// appendFloat writes f as the shortest JSON number that parses back to the same
// bits, or as a string for the values JSON has no number for.
func appendFloat(b []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(b, `"+Inf"`...)
	case math.IsInf(f, -1):
		return append(b, `"-Inf"`...)
	}
	return strconv.AppendFloat(b, f, 'g', -1, bits)
}

const hexDigits = "0123456789abcdef"

// appendString writes a valid UTF-8 string as a JSON string.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
