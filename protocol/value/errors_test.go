package value

import (
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"unsafe"
)

type withChan struct {
	A int
	C chan int
}

type dataHolder struct {
	Data []any
}

type hidden struct {
	X int
	y int
}

type cyc struct {
	Name string
	Next *cyc
}

func TestUnsupported(t *testing.T) {
	selfMap := map[string]any{}
	selfMap["me"] = selfMap
	selfSlice := []any{1, nil}
	selfSlice[1] = selfSlice
	loop := &cyc{Name: "a"}
	loop.Next = &cyc{Name: "b", Next: loop}
	deep := &cyc{}
	for range MaxDepth + 1 {
		deep = &cyc{Next: deep}
	}
	tests := []struct {
		name   string
		v      any
		many   bool
		path   string
		typ    string
		reason string
	}{
		{"chan", make(chan int), false, "value", "chan int", ""},
		{"func", func() {}, false, "value", "func()", ""},
		{"unsafe pointer", unsafe.Pointer(nil), false, "value", "unsafe.Pointer", ""},
		{"chan in any slice", dataHolder{Data: []any{1, 2, 3, withChan{}}}, false, "value.Data[3].C", "chan int", ""},
		{"func in map", map[string]any{"f": func() {}}, false, `value["f"]`, "func()", ""},
		{"typed chan slice", []withChan{}, false, "value[].C", "chan int", ""},
		{"map of funcs", map[string]func(){}, false, "value[]", "func()", ""},
		{"unexported", hidden{}, false, "value.y", "int", "unexported field"},
		{"mutex", &sync.Mutex{}, false, "value.", "", "unexported field of sync.Mutex"},
		{"cyclic pointer", loop, false, "value.Next.Next", "*value.cyc", "cyclic"},
		{"cyclic map", selfMap, false, `value["me"]`, "map[string]interface {}", "cyclic"},
		{"cyclic slice", selfSlice, false, "value[1]", "[]interface {}", "cyclic"},
		{"too deep", deep, false, "value.Next.Next", "", "nested deeper"},
		{"second of many", []any{1, make(chan int)}, true, "value[1]", "chan int", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.many {
				_, err = EncodeMany(tc.v.([]any))
			} else {
				_, err = Encode(tc.v)
			}
			var ue *UnsupportedError
			if !errors.As(err, &ue) {
				t.Fatalf("got %v, want *UnsupportedError", err)
			}
			if !strings.HasPrefix(ue.Path, tc.path) || (tc.name != "too deep" && tc.name != "mutex" && ue.Path != tc.path) {
				t.Errorf("path %q, want %q", ue.Path, tc.path)
			}
			if tc.typ != "" && (ue.Type == nil || ue.Type.String() != tc.typ) {
				t.Errorf("type %v, want %s", ue.Type, tc.typ)
			}
			if !strings.Contains(ue.Reason, tc.reason) {
				t.Errorf("reason %q, want %q", ue.Reason, tc.reason)
			}
			if !strings.HasPrefix(err.Error(), ue.Path+": cannot send") {
				t.Errorf("message %q", err)
			}
		})
	}
	_, err := Encode(dataHolder{Data: []any{1, 2, 3, withChan{}}})
	if want := "value.Data[3].C: cannot send chan int"; err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

func TestSharedPointersAreNotCycles(t *testing.T) {
	shared := &Inner{A: 1}
	type pair struct{ A, B *Inner }
	got := roundTrip(t, pair{shared, shared}, nil)
	v := reflect.ValueOf(got)
	if v.Field(0).Elem().Field(0).Int() != 1 || v.Field(1).Elem().Field(0).Int() != 1 {
		t.Fatalf("got %#v", got)
	}
	s := []int{1, 2, 3}
	if got := roundTrip(t, [][]int{s, s, s[:1]}, nil); !reflect.DeepEqual(got, [][]int{s, s, s[:1]}) {
		t.Fatalf("got %v", got)
	}
}

func enc(header string, bufs ...[]byte) *Encoded {
	return &Encoded{Header: []byte(header), Buffers: bufs}
}

func TestDecodeMalformed(t *testing.T) {
	huge := enc(`{"v":1,"nbuf":0,"values":[{"t":"[]int","v":[` + strings.Repeat("1,", 10) + `1]}]}`)
	tests := []struct {
		name string
		e    *Encoded
		want string
	}{
		{"nil", nil, "nil Encoded"},
		{"empty", enc(``), "header"},
		{"not json", enc(`{"v":1,`), "header"},
		{"trailing", enc(`{"v":1,"nbuf":0,"values":[]} x`), "after"},
		{"version", enc(`{"v":2,"nbuf":0,"values":[]}`), "version"},
		{"no values", enc(`{"v":1,"nbuf":0}`), "no values"},
		{"nbuf", enc(`{"v":1,"nbuf":1,"values":[]}`), "1 buffers, 0 arrived"},
		{"unused buffer", enc(`{"v":1,"nbuf":1,"values":[]}`, []byte{1}), "not referred"},
		{"buffer twice", enc(`{"v":1,"nbuf":1,"values":[{"t":"[2][]uint8","v":[{"b":0},{"b":0}]}]}`, []byte{1}), "twice"},
		{"buffer range", enc(`{"v":1,"nbuf":0,"values":[{"t":"[]int","v":{"b":0}}]}`), "out of range"},
		{"buffer size", enc(`{"v":1,"nbuf":1,"values":[{"t":"[]int","v":{"b":0}}]}`, make([]byte, 9)), "whole number"},
		{"array buffer size", enc(`{"v":1,"nbuf":1,"values":[{"t":"[2]int","v":{"b":0}}]}`, make([]byte, 8)), "holds 1"},
		{"bad type", enc(`{"v":1,"nbuf":0,"values":[{"t":"chan int","v":null}]}`), "not a type"},
		{"unknown name", enc(`{"v":1,"nbuf":0,"values":[{"t":"Foo","v":null}]}`), "unknown type"},
		{"type syntax", enc(`{"v":1,"nbuf":0,"values":[{"t":"[","v":null}]}`), "type"},
		{"expression", enc(`{"v":1,"nbuf":0,"values":[{"t":"1+2","v":null}]}`), "not a type"},
		{"table ref", enc(`{"v":1,"nbuf":0,"values":[{"t":"T3","v":null}]}`), "table has 0"},
		{"dup fields", enc(`{"v":1,"nbuf":0,"values":[{"t":"struct{A int; A int}","v":[1,2]}]}`), "duplicate"},
		{"lower field", enc(`{"v":1,"nbuf":0,"values":[{"t":"struct{a int}","v":[1]}]}`), "not exported"},
		{"embedded syntax", enc(`{"v":1,"nbuf":0,"values":[{"t":"struct{int}","v":[1]}]}`), "embedded"},
		{"embedded index", enc(`{"v":1,"nbuf":0,"types":[{"type":"struct{A int}","embedded":[5]}],"values":[{"t":"T0","v":[1]}]}`), "embedded field index"},
		{"huge array", enc(`{"v":1,"nbuf":0,"values":[{"t":"[1099511627776]int","v":[]}]}`), "out of range"},
		{"huge nested array", enc(`{"v":1,"nbuf":0,"values":[{"t":"*[1000000][1000000]int","v":null}]}`), "larger"},
		{"uncomparable key", enc(`{"v":1,"nbuf":0,"values":[{"t":"map[[]int]int","v":null}]}`), "not comparable"},
		{"unhashable dynamic key", enc(`{"v":1,"nbuf":0,"values":[{"t":"map[any]int","v":[[{"t":"[]int","v":[1]},1]]}]}`), "map key"},
		{"interface methods", enc(`{"v":1,"nbuf":0,"values":[{"t":"interface{M()}","v":null}]}`), "methods"},
		{"recursive", enc(`{"v":1,"nbuf":0,"types":[{"name":"N","type":"struct{N *T0}"}],"values":[{"t":"T0","v":[null]}]}`), "recursive"},
		{"int overflow", enc(`{"v":1,"nbuf":0,"values":[{"t":"int8","v":128}]}`), "out of range"},
		{"int fraction", enc(`{"v":1,"nbuf":0,"values":[{"t":"int","v":1.5}]}`), "invalid syntax"},
		{"uint negative", enc(`{"v":1,"nbuf":0,"values":[{"t":"uint","v":-1}]}`), "invalid syntax"},
		{"float32 range", enc(`{"v":1,"nbuf":0,"values":[{"t":"float32","v":1e300}]}`), "out of range"},
		{"float string", enc(`{"v":1,"nbuf":0,"values":[{"t":"float64","v":"x"}]}`), "want a number"},
		{"wrong kind", enc(`{"v":1,"nbuf":0,"values":[{"t":"string","v":1}]}`), "want a string"},
		{"struct arity", enc(`{"v":1,"nbuf":0,"values":[{"t":"struct{A int}","v":[1,2]}]}`), "1 fields"},
		{"array arity", enc(`{"v":1,"nbuf":0,"values":[{"t":"[2]string","v":["a"]}]}`), "got 1 elements"},
		{"pointer form", enc(`{"v":1,"nbuf":0,"values":[{"t":"*int","v":1}]}`), "pointer"},
		{"dynamic form", enc(`{"v":1,"nbuf":0,"values":[{"t":"int"}]}`), "want {"},
		{"dynamic not object", enc(`{"v":1,"nbuf":0,"values":[5]}`), "want {"},
		{"base64", enc(`{"v":1,"nbuf":0,"values":[{"t":"[]uint8","v":"!!"}]}`), "illegal base64"},
		{"time", enc(`{"v":1,"nbuf":0,"values":[{"t":"time.Time","v":"yesterday"}]}`), "time"},
		{"unknown selector", enc(`{"v":1,"nbuf":0,"values":[{"t":"os.File","v":null}]}`), "unknown type name os.File"},
		{"map pair", enc(`{"v":1,"nbuf":0,"values":[{"t":"map[int]int","v":[[1]]}]}`), "want [key, value]"},
		{"memory", enc(`{"v":1,"nbuf":0,"values":[{"t":"[][65536]uint8","v":[` + strings.Repeat(`"",`, 1000) + `""]}]}`), "more memory"},
		{"deep", enc(`{"v":1,"nbuf":0,"values":[{"t":"` + strings.Repeat("*", MaxDepth+2) + `int","v":null}]}`), "deeper"},
		{"deep value", enc(`{"v":1,"nbuf":0,"values":[` + strings.Repeat(`{"t":"any","v":`, MaxDepth+2) + `null` + strings.Repeat(`}`, MaxDepth+2) + `]}`), "deeper"},
		{"registered interface target", enc(`{"v":1,"nbuf":0,"values":[{"t":"error","v":5}]}`), "want a string"},
	}
	_ = huge
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeMany(tc.e, nil)
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("%v does not wrap ErrMalformed", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %q, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestDecodeErrorPath(t *testing.T) {
	_, err := Decode(enc(`{"v":1,"nbuf":0,"values":[{"t":"struct{A []map[string]int}","v":[[[["k","x"]]]]}]}`), nil)
	var me *MalformedError
	if !errors.As(err, &me) || me.Path != "value.A[0][key 0]" {
		t.Fatalf("got %#v", err)
	}
}
