package value

import (
	"errors"
	"math"
	"reflect"
	"strconv"
	"testing"
	"time"
)

// fuzzRegistry registers a few types so that fuzzing reaches the checks of
// registered types against the sender's structure.
func fuzzRegistry() *Registry {
	reg := NewRegistry()
	reg.Register("P", reflect.TypeFor[Point]())
	reg.Register("N", reflect.TypeFor[Node]())
	reg.Register("C", reflect.TypeFor[Celsius]())
	reg.Register("H", reflect.TypeFor[Holder]())
	reg.Register("O", reflect.TypeFor[Outer]())
	return reg
}

func seedValues() []any {
	return []any{
		42, "s", []any{1, "a", 2.5, nil}, seq[float64](200), seq[int16](600), []byte("xyz"),
		map[string]int{"a": 1}, map[any]any{1: "x", "k": []int{1}}, ptr(ptr(3)), [2]bool{true},
		Point{X: 1, Y: []float64{1}}, &Node{V: 1, Next: &Node{}}, Celsius(2), Holder{S: Celsius(1)},
		Outer{Inner: Inner{A: 1}, When: time.Unix(0, 0).UTC(), Err: errors.New("e")},
		complex(1, 2), math.Inf(1), "a\xff", time.Second, struct {
			A int `t:"x"`
		}{},
	}
}

func FuzzDecode(f *testing.F) {
	reg := fuzzRegistry()
	for _, v := range seedValues() {
		e, err := reg.Encode(v)
		if err != nil {
			f.Fatal(err)
		}
		b0, b1 := []byte(nil), []byte(nil)
		if len(e.Buffers) > 0 {
			b0 = e.Buffers[0]
		}
		if len(e.Buffers) > 1 {
			b1 = e.Buffers[1]
		}
		f.Add(e.Header, b0, b1, uint8(len(e.Buffers)))
	}
	f.Add([]byte(`{"v":1,"nbuf":0,"types":[{"name":"N","type":"struct{V int; Next *T0}"}],"values":[{"t":"T0","v":[1,null]}]}`), []byte(nil), []byte(nil), uint8(0))
	f.Add([]byte(`{"v":1,"nbuf":1,"values":[{"t":"[3]int16","v":{"b":0}}]}`), []byte{1, 2, 3, 4, 5, 6}, []byte(nil), uint8(1))
	f.Fuzz(func(t *testing.T, header, b0, b1 []byte, n uint8) {
		bufs := [][]byte{b0, b1}[:n%3]
		vs, err := DecodeMany(&Encoded{Header: header, Buffers: bufs}, reg)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		// Whatever decodes must be sendable again.
		if _, err := reg.EncodeMany(vs); err != nil {
			var ue *UnsupportedError
			if !errors.As(err, &ue) || ue.Reason == "" {
				t.Fatalf("decoded values do not encode: %v", err)
			}
		}
	})
}

// gen builds a random type and a value of it from fuzz input.
type gen struct {
	b     []byte
	nodes int
}

func (g *gen) byte() byte {
	if len(g.b) == 0 {
		return 0
	}
	c := g.b[0]
	g.b = g.b[1:]
	return c
}

func (g *gen) u64() uint64 {
	var x uint64
	for range 8 {
		x = x<<8 | uint64(g.byte())
	}
	return x
}

var genBasics = []reflect.Type{
	reflect.TypeFor[bool](), reflect.TypeFor[int](), reflect.TypeFor[int8](), reflect.TypeFor[int16](),
	reflect.TypeFor[int32](), reflect.TypeFor[int64](), reflect.TypeFor[uint](), reflect.TypeFor[uint8](),
	reflect.TypeFor[uint16](), reflect.TypeFor[uint32](), reflect.TypeFor[uint64](), reflect.TypeFor[uintptr](),
	reflect.TypeFor[float32](), reflect.TypeFor[float64](), reflect.TypeFor[complex64](),
	reflect.TypeFor[complex128](), reflect.TypeFor[string](), reflect.TypeFor[time.Duration](),
	reflect.TypeFor[time.Time](),
}

// typ returns a random type; keys asks for one whose values compare equal after
// a round trip (no pointers, no interfaces).
func (g *gen) typ(depth int, keys bool) reflect.Type {
	c := int(g.byte())
	if depth > 3 {
		c %= len(genBasics)
	}
	switch c % (len(genBasics) + 7) {
	default:
		return genBasics[c%(len(genBasics)+7)]
	case len(genBasics):
		if keys {
			return reflect.TypeFor[string]()
		}
		return anyType
	case len(genBasics) + 1:
		if keys {
			return reflect.ArrayOf(int(g.byte()%3), g.typ(depth+1, true))
		}
		return reflect.SliceOf(g.typ(depth+1, false))
	case len(genBasics) + 2:
		return reflect.ArrayOf(int(g.byte()%4), g.typ(depth+1, keys))
	case len(genBasics) + 3:
		if keys {
			return reflect.TypeFor[int]()
		}
		return reflect.MapOf(g.typ(depth+1, true), g.typ(depth+1, false))
	case len(genBasics) + 4:
		if keys {
			return reflect.TypeFor[uint8]()
		}
		return reflect.PointerTo(g.typ(depth+1, false))
	case len(genBasics) + 5:
		n := int(g.byte() % 4)
		fields := make([]reflect.StructField, n)
		for i := range fields {
			fields[i] = reflect.StructField{Name: "F" + strconv.Itoa(i), Type: g.typ(depth+1, keys)}
			if g.byte()%4 == 0 {
				fields[i].Tag = `json:"f"`
			}
		}
		return reflect.StructOf(fields)
	case len(genBasics) + 6:
		if keys {
			return reflect.TypeFor[int64]()
		}
		// Long enough to travel in a buffer.
		return reflect.SliceOf(genBasics[1+int(g.byte())%15])
	}
}

func (g *gen) val(t reflect.Type, depth int) reflect.Value {
	v := reflect.New(t).Elem()
	g.nodes++
	if g.nodes > 200 {
		return v
	}
	if t == timeType {
		v.Set(reflect.ValueOf(time.Unix(int64(g.u64()%(1<<35)), int64(g.u64()%1e9)).UTC()))
		return v
	}
	switch t.Kind() {
	case reflect.Bool:
		v.SetBool(g.byte()&1 == 1)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(g.u64()) >> (64 - t.Bits()))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		v.SetUint(g.u64() >> (64 - t.Bits()))
	case reflect.Float32:
		v.SetFloat(float64(noNaN32(math.Float32frombits(uint32(g.u64())))))
	case reflect.Float64:
		v.SetFloat(noNaN(math.Float64frombits(g.u64())))
	case reflect.Complex64:
		v.SetComplex(complex(float64(noNaN32(math.Float32frombits(uint32(g.u64())))), float64(noNaN32(math.Float32frombits(uint32(g.u64()))))))
	case reflect.Complex128:
		v.SetComplex(complex(noNaN(math.Float64frombits(g.u64())), noNaN(math.Float64frombits(g.u64()))))
	case reflect.String:
		n := int(g.byte() % 8)
		b := make([]byte, 0, n)
		for range n {
			b = append(b, g.byte())
		}
		v.SetString(string(b))
	case reflect.Slice:
		c := g.byte()
		if c%5 == 0 {
			return v // nil
		}
		n := int(c % 6)
		if isNumeric(t.Elem().Kind()) && c%3 == 0 && g.nodes < 50 {
			n = inlineLimit/int(t.Elem().Size()) + int(c)
		}
		v.Set(reflect.MakeSlice(t, n, n))
		for i := range n {
			v.Index(i).Set(g.val(t.Elem(), depth+1))
		}
	case reflect.Array:
		for i := range t.Len() {
			v.Index(i).Set(g.val(t.Elem(), depth+1))
		}
	case reflect.Map:
		c := g.byte()
		if c%5 == 0 {
			return v
		}
		m := reflect.MakeMap(t)
		for range int(c % 4) {
			m.SetMapIndex(g.val(t.Key(), depth+1), g.val(t.Elem(), depth+1))
		}
		v.Set(m)
	case reflect.Pointer:
		if g.byte()%4 != 0 {
			v.Set(reflect.New(t.Elem()))
			v.Elem().Set(g.val(t.Elem(), depth+1))
		}
	case reflect.Struct:
		for i := range t.NumField() {
			v.Field(i).Set(g.val(t.Field(i).Type, depth+1))
		}
	case reflect.Interface:
		if g.byte()%5 != 0 {
			v.Set(g.val(g.typ(depth+1, false), depth+1))
		}
	}
	return v
}

func noNaN(f float64) float64 {
	if math.IsNaN(f) {
		return 0
	}
	return f
}

func noNaN32(f float32) float32 {
	if f != f {
		return 0
	}
	return f
}

func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte{0})
	f.Add([]byte("\x14\x02\x05\x01\x02\x03"))
	f.Add([]byte("\x18\x01\x16\x07\x05\xff\x00\x10\x20\x30"))
	f.Add([]byte("\x17\x03\x13\x11\x01\x13\x02\x13\x03"))
	f.Add([]byte("\x15\x13\x05\x05\x05"))
	f.Add([]byte("\x19\x07\x03"))
	f.Fuzz(func(t *testing.T, data []byte) {
		g := &gen{b: data}
		typ := g.typ(0, false)
		v := g.val(typ, 0)
		e, err := Encode(v.Interface())
		if err != nil {
			t.Fatalf("Encode(%v): %v", typ, err)
		}
		got, err := Decode(e, nil)
		if err != nil {
			t.Fatalf("Decode(%v): %v\n%s", typ, err, e.Header)
		}
		// An interface at the top is just the value it holds.
		if want := reflect.TypeOf(v.Interface()); reflect.TypeOf(got) != want {
			t.Fatalf("type %T, want %v", got, want)
		}
		if !reflect.DeepEqual(got, v.Interface()) {
			t.Fatalf("value differs for %v:\n got %#v\nwant %#v\n%s", typ, got, v.Interface(), e.Header)
		}
	})
}
