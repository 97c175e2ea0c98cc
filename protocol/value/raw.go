package value

import (
	"encoding/binary"
	"math"
	"reflect"
	"unsafe"
)

// The wire layout of numeric data is little-endian, with int, uint and uintptr
// as 64 bits and complex numbers as real part then imaginary part. On a
// little-endian 64-bit host that is the memory layout, so slices are sent and
// received as they lie in memory; elsewhere they are converted element by element.
var nativeLayout = func() bool {
	x := uint16(1)
	le := *(*byte)(unsafe.Pointer(&x)) == 1
	return le && unsafe.Sizeof(int(0)) == 8 && unsafe.Sizeof(uintptr(0)) == 8
}()

// forceConvert makes tests exercise the converting path on any host.
var forceConvert = false

func native() bool { return nativeLayout && !forceConvert }

// isNumeric reports whether values of kind k travel as raw bytes. Bool does not:
// a byte other than 0 or 1 read as a bool would be a value Go cannot produce.
func isNumeric(k reflect.Kind) bool {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		return true
	}
	return false
}

// wireSize is the size in bytes of one element of kind k on the wire.
func wireSize(k reflect.Kind) int {
	switch k {
	case reflect.Int8, reflect.Uint8:
		return 1
	case reflect.Int16, reflect.Uint16:
		return 2
	case reflect.Int32, reflect.Uint32, reflect.Float32:
		return 4
	case reflect.Complex128:
		return 16
	}
	return 8
}

// rawBytes returns the wire bytes of a numeric slice or array v of n elements,
// aliasing v's memory when the layouts agree.
func rawBytes(v reflect.Value, n int) []byte {
	k := v.Type().Elem().Kind()
	size := n * wireSize(k)
	if size == 0 {
		return []byte{}
	}
	if native() {
		var p unsafe.Pointer
		switch {
		case v.Kind() == reflect.Slice:
			p = v.UnsafePointer()
		case v.CanAddr():
			p = unsafe.Pointer(v.UnsafeAddr())
		default:
			// An array held in an interface is not addressable: copy it once.
			c := reflect.New(v.Type())
			c.Elem().Set(v)
			p = c.UnsafePointer()
		}
		return unsafe.Slice((*byte)(p), size)
	}
	out := make([]byte, size)
	ws := wireSize(k)
	for i := range n {
		putWire(out[i*ws:], v.Index(i), k)
	}
	return out
}

func putWire(b []byte, e reflect.Value, k reflect.Kind) {
	switch k {
	case reflect.Int8:
		b[0] = byte(e.Int())
	case reflect.Uint8:
		b[0] = byte(e.Uint())
	case reflect.Int16:
		binary.LittleEndian.PutUint16(b, uint16(e.Int()))
	case reflect.Uint16:
		binary.LittleEndian.PutUint16(b, uint16(e.Uint()))
	case reflect.Int32:
		binary.LittleEndian.PutUint32(b, uint32(e.Int()))
	case reflect.Uint32:
		binary.LittleEndian.PutUint32(b, uint32(e.Uint()))
	case reflect.Int, reflect.Int64:
		binary.LittleEndian.PutUint64(b, uint64(e.Int()))
	case reflect.Uint, reflect.Uint64, reflect.Uintptr:
		binary.LittleEndian.PutUint64(b, e.Uint())
	case reflect.Float32:
		binary.LittleEndian.PutUint32(b, math.Float32bits(float32(e.Float())))
	case reflect.Float64:
		binary.LittleEndian.PutUint64(b, math.Float64bits(e.Float()))
	case reflect.Complex64:
		c := e.Complex()
		binary.LittleEndian.PutUint32(b, math.Float32bits(float32(real(c))))
		binary.LittleEndian.PutUint32(b[4:], math.Float32bits(float32(imag(c))))
	case reflect.Complex128:
		c := e.Complex()
		binary.LittleEndian.PutUint64(b, math.Float64bits(real(c)))
		binary.LittleEndian.PutUint64(b[8:], math.Float64bits(imag(c)))
	}
}

// getWire sets e from the wire bytes b, reporting false if the value does not fit
// (an int that is 32 bits on this host).
func getWire(b []byte, e reflect.Value, k reflect.Kind) bool {
	switch k {
	case reflect.Int8:
		e.SetInt(int64(int8(b[0])))
	case reflect.Uint8:
		e.SetUint(uint64(b[0]))
	case reflect.Int16:
		e.SetInt(int64(int16(binary.LittleEndian.Uint16(b))))
	case reflect.Uint16:
		e.SetUint(uint64(binary.LittleEndian.Uint16(b)))
	case reflect.Int32:
		e.SetInt(int64(int32(binary.LittleEndian.Uint32(b))))
	case reflect.Uint32:
		e.SetUint(uint64(binary.LittleEndian.Uint32(b)))
	case reflect.Int, reflect.Int64:
		x := int64(binary.LittleEndian.Uint64(b))
		if e.OverflowInt(x) {
			return false
		}
		e.SetInt(x)
	case reflect.Uint, reflect.Uint64, reflect.Uintptr:
		x := binary.LittleEndian.Uint64(b)
		if e.OverflowUint(x) {
			return false
		}
		e.SetUint(x)
	case reflect.Float32:
		e.SetFloat(float64(math.Float32frombits(binary.LittleEndian.Uint32(b))))
	case reflect.Float64:
		e.SetFloat(math.Float64frombits(binary.LittleEndian.Uint64(b)))
	case reflect.Complex64:
		re := math.Float32frombits(binary.LittleEndian.Uint32(b))
		im := math.Float32frombits(binary.LittleEndian.Uint32(b[4:]))
		e.SetComplex(complex(float64(re), float64(im)))
	case reflect.Complex128:
		re := math.Float64frombits(binary.LittleEndian.Uint64(b))
		im := math.Float64frombits(binary.LittleEndian.Uint64(b[8:]))
		e.SetComplex(complex(re, im))
	}
	return true
}
