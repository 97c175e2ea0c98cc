package value

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"io"
	"math"
	"reflect"
	"strconv"
	"time"
	"unsafe"
)

var (
	nan    = math.NaN()
	posInf = math.Inf(1)
	negInf = math.Inf(-1)
)

// wireHeader is the header as JSON gives it; values stay generic (with numbers
// as json.Number, so 64-bit integers are exact) until their types are known.
type wireHeader struct {
	V      int         `json:"v"`
	NBuf   int         `json:"nbuf"`
	Types  []typeEntry `json:"types"`
	Values []any       `json:"values"`
}

type decoder struct {
	reg *Registry

	entries  []typeEntry
	defs     []ast.Expr
	state    []uint8
	resolved []reflect.Type
	exprs    map[string]reflect.Type

	bufs [][]byte
	used []bool

	maxSize int64 // largest type or allocation one message may ask for
	budget  int64 // what may still be allocated
	depth   int
	path    []string
}

// MalformedError reports an encoding this package would not have produced: a
// corrupt or forged header, or buffers that do not match it. It wraps
// [ErrMalformed] and, where there is one, the underlying cause.
type MalformedError struct {
	Path string // where in the values, "value[0].X[2]"; empty for the header itself
	Msg  string
	Err  error
}

// Error says what is wrong and where.
func (e *MalformedError) Error() string {
	s := ErrMalformed.Error()
	if e.Path != "" {
		s += " at " + e.Path
	}
	return s + ": " + e.Msg
}

// Unwrap returns ErrMalformed and the cause, if any.
func (e *MalformedError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrMalformed, e.Err}
	}
	return []error{ErrMalformed}
}

func (d *decoder) errf(format string, args ...any) error {
	e := fmt.Errorf(format, args...)
	return &MalformedError{Path: d.pathString(), Msg: e.Error(), Err: errors.Unwrap(e)}
}

func (d *decoder) pathString() string {
	s := ""
	for _, p := range d.path {
		s += p
	}
	return s
}

// prefixMsg adds context to an error from errf.
func prefixMsg(err error, prefix string) error {
	var me *MalformedError
	if errors.As(err, &me) {
		me.Msg = prefix + me.Msg
	}
	return err
}

func decodeAll(e *Encoded, reg *Registry) ([]any, error) {
	size := int64(len(e.Header))
	for _, b := range e.Buffers {
		size += int64(len(b))
	}
	d := &decoder{reg: reg, bufs: e.Buffers, used: make([]bool, len(e.Buffers))}
	d.maxSize = baseBudget + budgetFactor*size
	d.budget = d.maxSize

	var h wireHeader
	dec := json.NewDecoder(bytes.NewReader(e.Header))
	dec.UseNumber()
	if err := dec.Decode(&h); err != nil {
		return nil, d.errf("header: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, d.errf("header: data after the JSON object")
	}
	switch {
	case h.V != headerVersion:
		return nil, d.errf("header version %d, want %d", h.V, headerVersion)
	case h.Values == nil:
		return nil, d.errf("header has no values")
	case h.NBuf != len(e.Buffers):
		return nil, d.errf("header refers to %d buffers, %d arrived", h.NBuf, len(e.Buffers))
	case len(h.Types) > maxTypes:
		return nil, d.errf("type table of %d entries exceeds %d", len(h.Types), maxTypes)
	}
	d.entries = h.Types
	d.defs = make([]ast.Expr, len(h.Types))
	d.state = make([]uint8, len(h.Types))
	d.resolved = make([]reflect.Type, len(h.Types))

	out := make([]any, len(h.Values))
	for i, x := range h.Values {
		root := "value"
		if len(h.Values) > 1 {
			root = "value[" + strconv.Itoa(i) + "]"
		}
		d.path = append(d.path[:0], root)
		v, err := d.dynamic(x)
		if err != nil {
			return nil, err
		}
		if v.IsValid() {
			out[i] = v.Interface()
		}
	}
	for i, u := range d.used {
		if !u {
			d.path = d.path[:0]
			return nil, d.errf("buffer %d is not referred to", i)
		}
	}
	return out, nil
}

func (d *decoder) charge(n int64) error {
	if n < 0 || n > d.budget {
		return d.errf("value needs more memory than the message allows")
	}
	d.budget -= n
	return nil
}

// chargeN charges for n items of size bytes each without overflowing.
func (d *decoder) chargeN(n int, size uintptr) error {
	if size > 0 && int64(n) > d.budget/int64(size) {
		return d.errf("value needs more memory than the message allows")
	}
	return d.charge(int64(n) * int64(size))
}

// take returns buffer i, which each message may use once: a second use would let
// a small message multiply a big buffer, or alias one buffer into two values.
func (d *decoder) take(x any) ([]byte, error) {
	obj, ok := x.(map[string]any)
	if !ok || len(obj) != 1 {
		return nil, d.errf("want a buffer reference {\"b\":n}")
	}
	num, ok := obj["b"].(json.Number)
	if !ok {
		return nil, d.errf("want a buffer reference {\"b\":n}")
	}
	i, err := strconv.Atoi(string(num))
	if err != nil || i < 0 || i >= len(d.bufs) {
		return nil, d.errf("buffer reference %s out of range", num)
	}
	if d.used[i] {
		return nil, d.errf("buffer %d referred to twice", i)
	}
	d.used[i] = true
	return d.bufs[i], nil
}

// dynamic decodes an interface's content: null or {"t":type,"v":value}.
func (d *decoder) dynamic(x any) (reflect.Value, error) {
	if x == nil {
		return reflect.Value{}, nil
	}
	obj, ok := x.(map[string]any)
	if !ok || len(obj) != 2 {
		return reflect.Value{}, d.errf("want {\"t\":type,\"v\":value} or null")
	}
	ts, ok := obj["t"].(string)
	vx, hasV := obj["v"]
	if !ok || !hasV {
		return reflect.Value{}, d.errf("want {\"t\":type,\"v\":value} or null")
	}
	if ts == "error" {
		// An error value in an interface: its text, never null.
		s, err := d.text(vx)
		if err != nil {
			return reflect.Value{}, err
		}
		return reflect.ValueOf(&TextError{Text: s}), nil
	}
	t, err := d.typeOf(ts)
	if err != nil {
		return reflect.Value{}, err
	}
	if err := d.charge(int64(t.Size())); err != nil {
		return reflect.Value{}, err
	}
	v := reflect.New(t).Elem()
	if err := d.value(vx, v); err != nil {
		return reflect.Value{}, err
	}
	return v, nil
}

// text decodes a string: inline, or from a buffer.
func (d *decoder) text(x any) (string, error) {
	switch x := x.(type) {
	case string:
		return x, nil
	case map[string]any:
		b, err := d.take(x)
		if err != nil {
			return "", err
		}
		if err := d.charge(int64(len(b))); err != nil {
			return "", err
		}
		// A copy: strings must not change, and the buffer is the caller's.
		return string(b), nil
	}
	return "", d.errf("want a string, got %s", jsonKind(x))
}

func jsonKind(x any) string {
	switch x.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", x)
}

func (d *decoder) enter(seg string) error {
	d.path = append(d.path, seg)
	d.depth++
	if d.depth > MaxDepth {
		return d.errf("nested deeper than %d levels", MaxDepth)
	}
	return nil
}

func (d *decoder) leave() {
	d.path = d.path[:len(d.path)-1]
	d.depth--
}

// value decodes x into out, a settable value of the type x was encoded from.
func (d *decoder) value(x any, out reflect.Value) error {
	t := out.Type()
	switch t {
	case timeType:
		s, ok := x.(string)
		if !ok {
			return d.errf("time: want a string, got %s", jsonKind(x))
		}
		var tm time.Time
		if err := tm.UnmarshalText([]byte(s)); err != nil {
			return d.errf("time: %w", err)
		}
		out.Set(reflect.ValueOf(tm))
		return nil
	case errorType:
		if x == nil {
			return nil
		}
		s, err := d.text(x)
		if err != nil {
			return err
		}
		out.Set(reflect.ValueOf(&TextError{Text: s}))
		return nil
	}
	switch k := t.Kind(); k {
	case reflect.Bool:
		b, ok := x.(bool)
		if !ok {
			return d.errf("want a boolean, got %s", jsonKind(x))
		}
		out.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := x.(json.Number)
		if !ok {
			return d.errf("want an integer, got %s", jsonKind(x))
		}
		i, err := strconv.ParseInt(string(n), 10, t.Bits())
		if err != nil {
			return d.errf("%v: %w", t, err)
		}
		out.SetInt(i)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		n, ok := x.(json.Number)
		if !ok {
			return d.errf("want an integer, got %s", jsonKind(x))
		}
		u, err := strconv.ParseUint(string(n), 10, t.Bits())
		if err != nil {
			return d.errf("%v: %w", t, err)
		}
		out.SetUint(u)
	case reflect.Float32, reflect.Float64:
		f, err := d.float(x, t.Bits())
		if err != nil {
			return err
		}
		out.SetFloat(f)
	case reflect.Complex64, reflect.Complex128:
		a, ok := x.([]any)
		if !ok || len(a) != 2 {
			return d.errf("complex: want [real, imag], got %s", jsonKind(x))
		}
		re, err := d.float(a[0], t.Bits()/2)
		if err != nil {
			return err
		}
		im, err := d.float(a[1], t.Bits()/2)
		if err != nil {
			return err
		}
		out.SetComplex(complex(re, im))
	case reflect.String:
		s, err := d.text(x)
		if err != nil {
			return err
		}
		out.SetString(s)
	case reflect.Slice, reflect.Array:
		return d.sequence(x, out)
	case reflect.Map:
		return d.mapValue(x, out)
	case reflect.Pointer:
		if x == nil {
			return nil
		}
		a, ok := x.([]any)
		if !ok || len(a) != 1 {
			return d.errf("pointer: want null or [value], got %s", jsonKind(x))
		}
		if err := d.charge(int64(t.Elem().Size())); err != nil {
			return err
		}
		p := reflect.New(t.Elem())
		if err := d.enter(""); err != nil {
			return err
		}
		if err := d.value(a[0], p.Elem()); err != nil {
			return err
		}
		d.leave()
		out.Set(p)
	case reflect.Struct:
		a, ok := x.([]any)
		if !ok || len(a) != t.NumField() {
			return d.errf("%v: want an array of %d fields, got %s", t, t.NumField(), jsonKind(x))
		}
		for i := range a {
			f := out.Field(i)
			if !f.CanSet() {
				return d.errf("field %s of %v cannot be set", t.Field(i).Name, t)
			}
			if err := d.enter("." + t.Field(i).Name); err != nil {
				return err
			}
			if err := d.value(a[i], f); err != nil {
				return err
			}
			d.leave()
		}
	case reflect.Interface:
		if err := d.enter(""); err != nil {
			return err
		}
		v, err := d.dynamic(x)
		if err != nil {
			return err
		}
		d.leave()
		if !v.IsValid() {
			return nil
		}
		if !v.Type().AssignableTo(t) {
			return d.errf("%v does not implement %v", v.Type(), t)
		}
		out.Set(v)
	default:
		return d.errf("cannot decode into %v", t)
	}
	return nil
}

func (d *decoder) float(x any, bits int) (float64, error) {
	switch x := x.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(x), bits)
		if err != nil {
			return 0, d.errf("float%d: %w", bits, err)
		}
		return f, nil
	case string:
		switch x {
		case "NaN":
			return nan, nil
		case "+Inf":
			return posInf, nil
		case "-Inf":
			return negInf, nil
		}
	}
	return 0, d.errf("want a number, got %s", jsonKind(x))
}

// sequence decodes a slice or an array.
func (d *decoder) sequence(x any, out reflect.Value) error {
	t := out.Type()
	isArray := t.Kind() == reflect.Array
	if x == nil {
		if isArray {
			return d.errf("%v: want an array, got null", t)
		}
		return nil
	}
	ek := t.Elem().Kind()
	if isNumeric(ek) {
		switch x := x.(type) {
		case map[string]any:
			b, err := d.take(x)
			if err != nil {
				return err
			}
			return d.raw(b, out)
		case string:
			if ek != reflect.Uint8 {
				break
			}
			if err := d.charge(int64(base64.StdEncoding.DecodedLen(len(x)))); err != nil {
				return err
			}
			b, err := base64.StdEncoding.DecodeString(x)
			if err != nil {
				return d.errf("%v: %w", t, err)
			}
			return d.raw(b, out)
		}
	}
	a, ok := x.([]any)
	if !ok {
		return d.errf("%v: want an array, got %s", t, jsonKind(x))
	}
	if isArray {
		if len(a) != t.Len() {
			return d.errf("%v: got %d elements", t, len(a))
		}
	} else {
		if err := d.chargeN(len(a), t.Elem().Size()); err != nil {
			return err
		}
		out.Set(reflect.MakeSlice(t, len(a), len(a)))
	}
	for i := range a {
		if err := d.enter("[" + strconv.Itoa(i) + "]"); err != nil {
			return err
		}
		if err := d.value(a[i], out.Index(i)); err != nil {
			return err
		}
		d.leave()
	}
	return nil
}

// raw decodes a numeric slice or array from its wire bytes. A slice aliases b when
// the layouts agree and b is aligned for the element type; otherwise it is copied
// once.
func (d *decoder) raw(b []byte, out reflect.Value) error {
	t := out.Type()
	et := t.Elem()
	ws := wireSize(et.Kind())
	if len(b)%ws != 0 {
		return d.errf("%v: buffer of %d bytes is not a whole number of %d-byte elements", t, len(b), ws)
	}
	n := len(b) / ws
	sameLayout := native() || ws == 1 // bytes have no byte order
	if t.Kind() == reflect.Array {
		if n != t.Len() {
			return d.errf("%v: buffer holds %d elements", t, n)
		}
		if n == 0 {
			return nil
		}
		if sameLayout {
			copy(unsafe.Slice((*byte)(unsafe.Pointer(out.UnsafeAddr())), len(b)), b)
			return nil
		}
		return d.convert(b, out, n)
	}
	if n == 0 {
		out.Set(reflect.MakeSlice(t, 0, 0))
		return nil
	}
	p := unsafe.Pointer(unsafe.SliceData(b))
	if sameLayout && uintptr(p)%uintptr(et.Align()) == 0 {
		s := reflect.SliceAt(et, p, n)
		if s.Type() != t {
			s = s.Convert(t) // a named slice type
		}
		out.Set(s)
		return nil
	}
	if err := d.chargeN(n, et.Size()); err != nil {
		return err
	}
	s := reflect.MakeSlice(t, n, n)
	out.Set(s)
	if sameLayout {
		copy(unsafe.Slice((*byte)(s.UnsafePointer()), len(b)), b)
		return nil
	}
	return d.convert(b, out, n)
}

// convert fills out element by element where memory layout and wire differ.
func (d *decoder) convert(b []byte, out reflect.Value, n int) error {
	k := out.Type().Elem().Kind()
	ws := wireSize(k)
	for i := range n {
		if !getWire(b[i*ws:], out.Index(i), k) {
			return d.errf("%v: element %d out of range on this host", out.Type(), i)
		}
	}
	return nil
}

// mapValue decodes [[k,v],...].
func (d *decoder) mapValue(x any, out reflect.Value) error {
	t := out.Type()
	if x == nil {
		return nil
	}
	a, ok := x.([]any)
	if !ok {
		return d.errf("%v: want an array of [key, value] pairs, got %s", t, jsonKind(x))
	}
	if err := d.chargeN(len(a), t.Key().Size()+t.Elem().Size()); err != nil {
		return err
	}
	m := reflect.MakeMapWithSize(t, len(a))
	for i, px := range a {
		pair, ok := px.([]any)
		if !ok || len(pair) != 2 {
			return d.errf("%v: entry %d: want [key, value]", t, i)
		}
		if err := d.enter("[key " + strconv.Itoa(i) + "]"); err != nil {
			return err
		}
		k := reflect.New(t.Key()).Elem()
		if err := d.value(pair[0], k); err != nil {
			return err
		}
		v := reflect.New(t.Elem()).Elem()
		if err := d.value(pair[1], v); err != nil {
			return err
		}
		if err := d.setMapIndex(m, k, v); err != nil {
			return err
		}
		d.leave()
	}
	out.Set(m)
	return nil
}

// setMapIndex guards against keys that are comparable by type but hold an
// uncomparable dynamic value (an interface key holding a slice), which panic.
func (d *decoder) setMapIndex(m, k, v reflect.Value) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = d.errf("map key: %v", p)
		}
	}()
	m.SetMapIndex(k, v)
	return nil
}
