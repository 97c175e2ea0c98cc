package value

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

type Point struct {
	X int
	Y []float64
}

type Celsius float64

type Inner struct {
	A int8
	B string
}

type Outer struct {
	Inner
	P     *Inner
	M     map[Key]string `json:"m"`
	Any   any
	Err   error
	When  time.Time
	Dur   time.Duration
	Arr   [3]uint16
	Temps []Celsius
}

type Node struct {
	V    int
	Next *Node
}

type Key struct {
	A string
	B [2]int
}

type Vector []float64

type Holder struct {
	S fmt.Stringer
}

func (c Celsius) String() string { return fmt.Sprintf("%g°C", float64(c)) }

func seq[T int | int8 | int16 | int32 | int64 | uint | uint8 | uint16 | uint32 | uint64 | uintptr | float32 | float64](n int) []T {
	s := make([]T, n)
	for i := range s {
		s[i] = T(i*7 + 1)
	}
	return s
}

func ptr[T any](v T) *T { return &v }

// roundTrip encodes and decodes v, asserting the result has v's type and value.
func roundTrip(t *testing.T, v any, reg *Registry) any {
	t.Helper()
	enc, err := reg.Encode(v)
	if err != nil {
		t.Fatalf("Encode(%T): %v", v, err)
	}
	got, err := Decode(enc, reg)
	if err != nil {
		t.Fatalf("Decode(%T): %v\nheader: %s", v, err, enc.Header)
	}
	return got
}

func TestRoundTripExact(t *testing.T) {
	nilMap := map[string]int(nil)
	bigStr := strings.Repeat("héllo ", stringLimit/5)
	tests := []struct {
		name string
		v    any
	}{
		{"nil", nil},
		{"int", 42},
		{"int min", math.MinInt},
		{"int8", int8(-128)},
		{"int16", int16(-30000)},
		{"int32", int32(1 << 30)},
		{"int64 max", int64(math.MaxInt64)},
		{"uint", uint(math.MaxUint)},
		{"uint8", uint8(255)},
		{"uint16", uint16(65535)},
		{"uint32", uint32(math.MaxUint32)},
		{"uint64", uint64(math.MaxUint64)},
		{"uintptr", uintptr(0xdeadbeef)},
		{"float32", float32(0.1)},
		{"float64", 0.1},
		{"float64 tiny", math.SmallestNonzeroFloat64},
		{"float64 inf", math.Inf(-1)},
		{"negative zero", math.Copysign(0, -1)},
		{"complex64", complex64(complex(1.5, -2.25))},
		{"complex128", complex(math.Pi, math.E)},
		{"bool", true},
		{"string", "héllo \"wörld\"\n\t\x00\x1f"},
		{"empty string", ""},
		{"invalid utf8", "a\xffb\xc3"},
		{"big string", bigStr},
		{"any slice", []any{1, "a", 2.5, nil, []int{1}}},
		{"nil slice", []int(nil)},
		{"empty slice", []int{}},
		{"short ints", []int{1, 2, 3}},
		{"bytes short", []byte("hello")},
		{"bytes empty", []byte{}},
		{"bytes big", bytes.Repeat([]byte{1, 2, 3}, 1000)},
		{"float64s big", seq[float64](1000)},
		{"float32s big", seq[float32](1000)},
		{"ints big", seq[int](1000)},
		{"int64s big", seq[int64](1000)},
		{"int32s big", seq[int32](1000)},
		{"int16s big", seq[int16](1000)},
		{"int8s big", seq[int8](2000)},
		{"uints big", seq[uint](1000)},
		{"uint16s big", seq[uint16](1000)},
		{"uint32s big", seq[uint32](1000)},
		{"uint64s big", seq[uint64](1000)},
		{"uintptrs big", seq[uintptr](1000)},
		{"complex128s big", func() []complex128 {
			s := make([]complex128, 100)
			for i := range s {
				s[i] = complex(float64(i), -float64(i))
			}
			return s
		}()},
		{"complex64s short", []complex64{1 + 2i}},
		{"bools", []bool{true, false}},
		{"strings", []string{"a", "", "c"}},
		{"nested slices", [][]int{{1}, nil, {}}},
		{"array", [3]int{1, 2, 3}},
		{"big array", [200]float64{1: 1, 199: 2}},
		{"byte array", [4]byte{1, 2, 3, 4}},
		{"empty array", [0]int{}},
		{"array of strings", [2]string{"x", "y"}},
		{"map string", map[string]int{"a": 1, "b": 2}},
		{"nil map", nilMap},
		{"empty map", map[string]int{}},
		{"map int keys", map[int]string{1: "a", -2: "b"}},
		{"map float keys", map[float64]bool{1.5: true}},
		{"map struct keys", map[Key][]int{{"a", [2]int{1, 2}}: {3}}},
		{"map any keys", map[any]any{1: "int", "s": 2.5, int8(1): nil}},
		{"map array keys", map[[2]string]int{{"a", "b"}: 1}},
		{"pointer", ptr(5)},
		{"nil pointer", (*int)(nil)},
		{"pointer to nil pointer", ptr((*int)(nil))},
		{"pointer to pointer", ptr(ptr("x"))},
		{"pointer to slice", ptr([]int{1})},
		{"nil any in slice", []any{nil}},
		{"unnamed struct", struct {
			A int
			B string `x:"y"`
		}{1, "b"}},
		{"empty struct", struct{}{}},
		{"time.Duration", 3 * time.Second},
		{"durations big", func() []time.Duration {
			s := make([]time.Duration, 300)
			for i := range s {
				s[i] = time.Duration(i) * time.Millisecond
			}
			return s
		}()},
		{"time.Month", time.March},
		{"time UTC", time.Date(2024, 2, 29, 13, 14, 15, 123456789, time.UTC)},
		{"slice of maps", []map[string][]any{{"a": {1, "x"}}, nil}},
		{"deep any", []any{[]any{[]any{map[string]any{"k": []any{int16(3)}}}}}},
	}
	reg := NewRegistry()
	reg.Register("value.Point", reflect.TypeFor[Point]())
	reg.Register("value.Outer", reflect.TypeFor[Outer]())
	reg.Register("value.Inner", reflect.TypeFor[Inner]())
	reg.Register("value.Node", reflect.TypeFor[Node]())
	reg.Register("value.Celsius", reflect.TypeFor[Celsius]())
	reg.Register("value.Key", reflect.TypeFor[Key]())
	reg.Register("value.Vector", reflect.TypeFor[Vector]())
	tests = append(tests, []struct {
		name string
		v    any
	}{
		{"named struct", Point{X: 1, Y: []float64{2, 3}}},
		{"named pointer", &Point{X: 1}},
		{"named slice", Vector(seq[float64](500))},
		{"named slice short", Vector{1, 2}},
		{"named float", Celsius(21.5)},
		{"named in any", []any{Point{X: 2}, Celsius(3)}},
		{"recursive", &Node{V: 1, Next: &Node{V: 2}}},
		{"struct slice", []Point{{X: 1}, {X: 2, Y: []float64{}}}},
		{"outer", Outer{
			Inner: Inner{A: 1, B: "b"},
			P:     &Inner{A: 2},
			M:     map[Key]string{{A: "k"}: "one"},
			Any:   map[string]Inner{"i": {A: 3}},
			When:  time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC),
			Dur:   time.Minute,
			Arr:   [3]uint16{1, 2, 3},
			Temps: []Celsius{1, 2},
		}},
	}...)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := roundTrip(t, tc.v, reg)
			if reflect.TypeOf(got) != reflect.TypeOf(tc.v) {
				t.Fatalf("type: got %T, want %T", got, tc.v)
			}
			if !deepEqual(got, tc.v) {
				t.Fatalf("value: got %#v, want %#v", got, tc.v)
			}
		})
	}
}

// deepEqual is reflect.DeepEqual, but with NaN equal to NaN and a float's sign of
// zero checked, since those are where a lossy encoding would hide.
func deepEqual(a, b any) bool {
	if fa, ok := a.(float64); ok {
		fb, ok := b.(float64)
		return ok && math.Float64bits(fa) == math.Float64bits(fb)
	}
	return reflect.DeepEqual(a, b)
}

func TestNaN(t *testing.T) {
	for _, v := range []any{math.NaN(), float32(math.NaN())} {
		got := roundTrip(t, v, nil)
		if reflect.TypeOf(got) != reflect.TypeOf(v) {
			t.Fatalf("got %T", got)
		}
		if f := reflect.ValueOf(got).Float(); !math.IsNaN(f) {
			t.Fatalf("got %v, want NaN", f)
		}
	}
	m := roundTrip(t, map[float64]int{math.NaN(): 1, math.NaN() + 0: 2}, nil).(map[float64]int)
	if len(m) != 2 {
		t.Fatalf("NaN keys: got %v", m)
	}
}

func TestUnregisteredNamedTypesArriveAsStructure(t *testing.T) {
	got := roundTrip(t, Point{X: 1, Y: []float64{2}}, nil)
	want := struct {
		X int
		Y []float64
	}{1, []float64{2}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v (%T), want %#v", got, got, want)
	}
	if got := roundTrip(t, Celsius(3), nil); got != 3.0 {
		t.Fatalf("Celsius: got %#v", got)
	}
	if got := roundTrip(t, []any{Celsius(3), Vector{1}}, nil); !reflect.DeepEqual(got, []any{3.0, []float64{1}}) {
		t.Fatalf("named in any: got %#v", got)
	}
	// Embedded fields stay embedded.
	got = roundTrip(t, struct {
		Inner
		Z int
	}{Inner{1, "b"}, 2}, nil)
	f, ok := reflect.TypeOf(got).FieldByName("A")
	if !ok || len(f.Index) != 2 || !reflect.TypeOf(got).Field(0).Anonymous {
		t.Fatalf("embedded field lost: %T", got)
	}
}

func TestRecursiveNeedsRegistration(t *testing.T) {
	enc, err := Encode(&Node{V: 1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Decode(enc, nil)
	if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "register") {
		t.Fatalf("got %v, want an error asking to register the type", err)
	}
}

func TestRegisteredTypeMismatch(t *testing.T) {
	reg := NewRegistry()
	reg.Register(TypeName(reflect.TypeFor[Point]()), reflect.TypeFor[struct{ X, Z int }]())
	enc, err := Encode(Point{X: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Decode(enc, reg); !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "does not match") {
		t.Fatalf("got %v", err)
	}
}

func TestRegisteredInterfaceField(t *testing.T) {
	reg := NewRegistry()
	reg.Register(TypeName(reflect.TypeFor[Holder]()), reflect.TypeFor[Holder]())
	reg.Register(TypeName(reflect.TypeFor[Celsius]()), reflect.TypeFor[Celsius]())
	got := roundTrip(t, Holder{S: Celsius(5)}, reg)
	if !reflect.DeepEqual(got, Holder{S: Celsius(5)}) {
		t.Fatalf("got %#v", got)
	}
	// Unregistered, the dynamic value is a float64, which is no Stringer.
	_, err := Decode(mustEncode(t, Holder{S: Celsius(5)}), func() *Registry {
		r := NewRegistry()
		r.Register(TypeName(reflect.TypeFor[Holder]()), reflect.TypeFor[Holder]())
		return r
	}())
	if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "does not implement") {
		t.Fatalf("got %v", err)
	}
}

func mustEncode(t testing.TB, v any) *Encoded {
	t.Helper()
	enc, err := Encode(v)
	if err != nil {
		t.Fatal(err)
	}
	return enc
}

func TestErrorsTravelAsText(t *testing.T) {
	cause := errors.New("disk full")
	wrapped := fmt.Errorf("saving: %w", cause)
	got := roundTrip(t, wrapped, nil)
	err, ok := got.(error)
	if !ok || err.Error() != wrapped.Error() {
		t.Fatalf("got %#v", got)
	}
	var te *TextError
	if !errors.As(err, &te) {
		t.Fatalf("got %T, want *TextError", got)
	}
	type withErr struct {
		Err  error
		None error
	}
	got = roundTrip(t, withErr{Err: cause}, nil)
	w := reflect.ValueOf(got)
	if e := w.Field(0).Interface().(error); e.Error() != "disk full" {
		t.Fatalf("field: got %v", e)
	}
	if !w.Field(1).IsNil() {
		t.Fatalf("nil error field: got %v", w.Field(1))
	}
	got = roundTrip(t, []any{cause, 1}, nil)
	if s := got.([]any); s[0].(error).Error() != "disk full" || s[1] != 1 {
		t.Fatalf("in any: got %#v", got)
	}
	// Error text that is not UTF-8 still arrives exactly.
	got = roundTrip(t, errors.New("bad \xff byte"), nil)
	if got.(error).Error() != "bad \xff byte" {
		t.Fatalf("got %q", got.(error).Error())
	}
}

type nilPanicErr struct{ msg string }

func (e *nilPanicErr) Error() string { return e.msg }

func TestErrorMethodPanics(t *testing.T) {
	var e *nilPanicErr
	got := roundTrip(t, []any{error(e)}, nil)
	if s := got.([]any)[0].(error).Error(); !strings.Contains(s, "panicked") {
		t.Fatalf("got %q", s)
	}
}

func TestTimeZones(t *testing.T) {
	zone := time.FixedZone("X", 5*3600+1800)
	want := time.Date(1999, 12, 31, 23, 59, 59, 1, zone)
	got := roundTrip(t, want, nil).(time.Time)
	if !got.Equal(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if _, off := got.Zone(); off != 5*3600+1800 {
		t.Fatalf("offset %d", off)
	}
	now := time.Now() // with a monotonic reading, which does not travel
	if got := roundTrip(t, now, nil).(time.Time); !got.Equal(now) {
		t.Fatalf("got %v, want %v", got, now)
	}
}

func TestEncodeMany(t *testing.T) {
	vs := []any{seq[float64](1000), "x", nil, Point{X: 1}, seq[int32](1000)}
	reg := NewRegistry()
	reg.Register("value.Point", reflect.TypeFor[Point]())
	enc, err := reg.EncodeMany(vs)
	if err != nil {
		t.Fatal(err)
	}
	if len(enc.Buffers) != 2 {
		t.Fatalf("got %d buffers, want 2", len(enc.Buffers))
	}
	got, err := DecodeMany(enc, reg)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, vs) {
		t.Fatalf("got %.200v", got)
	}
	if _, err := Decode(enc, reg); !errors.Is(err, ErrMalformed) {
		t.Fatalf("Decode of 5 values: got %v", err)
	}
	empty, err := EncodeMany(nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := DecodeMany(empty, nil); err != nil || len(got) != 0 {
		t.Fatalf("no values: got %v, %v", got, err)
	}
}

func TestHeaderFormat(t *testing.T) {
	tests := []struct {
		v    any
		want string
	}{
		{42, `{"v":1,"nbuf":0,"values":[{"t":"int","v":42}]}`},
		{nil, `{"v":1,"nbuf":0,"values":[null]}`},
		{[]any{1, "a", 2.5}, `{"v":1,"nbuf":0,"values":[{"t":"[]any","v":[{"t":"int","v":1},{"t":"string","v":"a"},{"t":"float64","v":2.5}]}]}`},
		{Point{X: 1, Y: []float64{2}}, `{"v":1,"nbuf":0,"types":[{"name":"github.com/goparallel/goparallel/protocol/value.Point","type":"struct{X int; Y []float64}"}],"values":[{"t":"T0","v":[1,[2]]}]}`},
		{ptr(ptr(1)), `{"v":1,"nbuf":0,"values":[{"t":"**int","v":[[1]]}]}`},
		{map[string]int{"a": 1}, `{"v":1,"nbuf":0,"values":[{"t":"map[string]int","v":[["a",1]]}]}`},
		{[]byte("hi"), `{"v":1,"nbuf":0,"values":[{"t":"[]uint8","v":"aGk="}]}`},
		{seq[float64](128), `{"v":1,"nbuf":1,"values":[{"t":"[]float64","v":{"b":0}}]}`},
		{math.Inf(1), `{"v":1,"nbuf":0,"values":[{"t":"float64","v":"+Inf"}]}`},
		{struct {
			A int `json:"a"`
		}{}, `{"v":1,"nbuf":0,"types":[{"type":"struct{A int \"json:\\\"a\\\"\"}"}],"values":[{"t":"T0","v":[0]}]}`},
	}
	for _, tc := range tests {
		enc := mustEncode(t, tc.v)
		if string(enc.Header) != tc.want {
			t.Errorf("%T:\n got %s\nwant %s", tc.v, enc.Header, tc.want)
		}
	}
}

func TestRegistryNamesUnnamedTypes(t *testing.T) {
	// What yaegi makes of `type point struct{ x int }`.
	yt := reflect.StructOf([]reflect.StructField{{Name: "Xx", Type: reflect.TypeFor[int]()}})
	v := reflect.New(yt).Elem()
	v.Field(0).SetInt(7)
	reg := NewRegistry()
	reg.Register("main.point", yt)
	enc, err := reg.Encode(v) // a reflect.Value is sent as the value it holds
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(enc.Header, []byte(`"name":"main.point"`)) {
		t.Fatalf("name missing: %s", enc.Header)
	}
	got, err := Decode(enc, reg)
	if err != nil {
		t.Fatal(err)
	}
	if reflect.TypeOf(got) != yt || reflect.ValueOf(got).Field(0).Int() != 7 {
		t.Fatalf("got %#v", got)
	}
	// Without the registry on either side the type is still the same, since
	// StructOf returns one type per structure.
	got = roundTrip(t, v.Interface(), nil)
	if reflect.TypeOf(got) != yt {
		t.Fatalf("got %T", got)
	}
	// Re-registering a name moves it to the new type.
	yt2 := reflect.StructOf([]reflect.StructField{{Name: "Xy", Type: reflect.TypeFor[int]()}})
	reg.Register("main.point", yt2)
	if n := reg.NameOf(yt); n != "" {
		t.Fatalf("old type still named %q", n)
	}
	if got, ok := reg.Lookup("main.point"); !ok || got != yt2 {
		t.Fatalf("Lookup: %v", got)
	}
}

func TestConvertingLayout(t *testing.T) {
	// The path for big-endian or 32-bit hosts, exercised here on any host.
	forceConvert = true
	defer func() { forceConvert = false }()
	for _, v := range []any{
		seq[int](300), seq[uint16](600), seq[int8](2000), seq[float32](300), seq[uintptr](200),
		[]complex64{1 + 2i, 3}, [200]int64{5: -1}, Vector(seq[float64](200)),
		func() []complex128 { s := make([]complex128, 100); s[3] = 1i; return s }(),
		func() []complex64 { s := make([]complex64, 200); s[3] = 1i; return s }(),
	} {
		got := roundTrip(t, v, nil)
		want := v
		if _, ok := v.(Vector); ok {
			want = []float64(v.(Vector))
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%T: got %v", v, got)
		}
	}
}

func TestDecodeAliasesAlignedBuffers(t *testing.T) {
	s := seq[float64](1000)
	enc := mustEncode(t, s)
	if &enc.Buffers[0][0] != (*byte)(reflect.ValueOf(s).UnsafePointer()) {
		t.Fatal("Encode copied the slice")
	}
	buf := append([]byte(nil), enc.Buffers[0]...)
	enc.Buffers[0] = buf
	got, err := Decode(enc, nil)
	if err != nil {
		t.Fatal(err)
	}
	if reflect.ValueOf(got).UnsafePointer() != reflect.ValueOf(buf).UnsafePointer() {
		t.Fatal("aligned buffer was copied")
	}
	// Misaligned: copied, and still right.
	odd := make([]byte, len(buf)+1)[1:]
	copy(odd, buf)
	enc.Buffers[0] = odd
	got, err = Decode(enc, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, s) {
		t.Fatal("misaligned decode differs")
	}
}

func TestNonAddressableArray(t *testing.T) {
	var a [300]int32
	a[7] = 7
	if got := roundTrip(t, a, nil); !reflect.DeepEqual(got, a) {
		t.Fatal("array differs")
	}
	type withArray struct{ A [300]int32 }
	if got := roundTrip(t, withArray{a}, nil); !reflect.DeepEqual(got, struct{ A [300]int32 }{a}) {
		t.Fatal("array in struct differs")
	}
}
