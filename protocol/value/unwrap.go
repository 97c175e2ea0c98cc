package value

import (
	"reflect"
	"unsafe"
)

// The yaegi interpreter stores a value of an interpreted type with methods, when it
// is held in an interface, as an interp.valueInterface{node, value reflect.Value}.
// Neither field is exported, so the value inside is reached with unsafe; the layout
// is checked by name and type so that a future yaegi that changes it makes such
// values unsupported rather than misread.
const yaegiInterp = "github.com/traefik/yaegi/interp"

func isValueInterface(t reflect.Type) bool {
	return t.Kind() == reflect.Struct && t.Name() == "valueInterface" && t.PkgPath() == yaegiInterp
}

// valueInterfaceField returns the index of the reflect.Value field of a yaegi
// valueInterface type, or -1.
func valueInterfaceField(t reflect.Type) int {
	f, ok := t.FieldByName("value")
	if !ok || f.Type != reflectValueType || len(f.Index) != 1 {
		return -1
	}
	return f.Index[0]
}

// unwrap turns what the interpreter or a caller hands over into the value to
// send: a reflect.Value becomes the value it holds, a yaegi valueInterface the
// value inside it. ok is false if the value is hidden behind something reflect
// cannot read.
func unwrap(v reflect.Value) (_ reflect.Value, ok bool) {
	for range MaxDepth {
		if !v.IsValid() {
			return v, true
		}
		switch t := v.Type(); {
		case t == reflectValueType:
			if !v.CanInterface() {
				return v, false
			}
			v = v.Interface().(reflect.Value)
		case isValueInterface(t):
			i := valueInterfaceField(t)
			if i < 0 {
				return v, false
			}
			if !v.CanAddr() {
				if !v.CanInterface() {
					return v, false
				}
				c := reflect.New(t).Elem()
				c.Set(v)
				v = c
			}
			v = *(*reflect.Value)(unsafe.Pointer(v.Field(i).UnsafeAddr()))
		case t.Kind() == reflect.Interface:
			v = v.Elem()
		default:
			return v, true
		}
	}
	return v, false
}
