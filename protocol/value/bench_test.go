package value

import (
	"reflect"
	"testing"
)

const mb64 = 64 << 20

func BenchmarkEncodeFloat64s64MB(b *testing.B) {
	s := make([]float64, mb64/8)
	b.SetBytes(mb64)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Encode(s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeFloat64s64MB decodes from a fresh, aligned receive buffer, as a
// transport hands it over: the slice aliases it.
func BenchmarkDecodeFloat64s64MB(b *testing.B) {
	e := mustEncode(b, make([]float64, mb64/8))
	e.Buffers[0] = append([]byte(nil), e.Buffers[0]...)
	b.SetBytes(mb64)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(e, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeFloat64s64MBCopy decodes from a misaligned buffer, which costs
// the one copy.
func BenchmarkDecodeFloat64s64MBCopy(b *testing.B) {
	e := mustEncode(b, make([]float64, mb64/8))
	e.Buffers[0] = append(make([]byte, 1, mb64+1), e.Buffers[0]...)[1:]
	b.SetBytes(mb64)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(e, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeInt(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Encode(42); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeInt(b *testing.B) {
	e := mustEncode(b, 42)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(e, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeShortInts(b *testing.B) {
	s := []int{1, 2, 3, 4, 5, 6, 7, 8}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Encode(s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeShortInts(b *testing.B) {
	e := mustEncode(b, []int{1, 2, 3, 4, 5, 6, 7, 8})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(e, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRoundTripStruct(b *testing.B) {
	reg := NewRegistry()
	reg.Register("value.Point", reflect.TypeFor[Point]())
	v := []any{Point{X: 1, Y: []float64{1, 2, 3}}, "name", 3.5}
	b.ReportAllocs()
	for b.Loop() {
		e, err := reg.EncodeMany(v)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := DecodeMany(e, reg); err != nil {
			b.Fatal(err)
		}
	}
}
