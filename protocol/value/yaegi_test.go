package value_test

import (
	"reflect"
	"testing"

	"github.com/traefik/yaegi/interp"

	"github.com/goparallel/goparallel/protocol/value"
)

// These tests use the interpreter itself, since what matters is what yaegi makes
// of interpreted types, not what we believe it makes.

const yaegiDecls = `
type Celsius float64
func (c Celsius) String() string { return "c" }
type Stringer interface{ String() string }
type inner struct { a int; B string }
type Point struct { x int; Y []float64; in inner; p *inner; any interface{}; e error }
type Node struct { V int; Next *Node }
type Wrapped struct { inner }
func sumPoint(p Point) int { return p.x + p.in.a + p.p.a + len(p.Y) }
func sumNodes(n *Node) int { s := 0; for ; n != nil; n = n.Next { s += n.V }; return s }
`

func newInterp(t *testing.T) *interp.Interpreter {
	t.Helper()
	i := interp.New(interp.Options{})
	if _, err := i.Eval(yaegiDecls); err != nil {
		t.Fatal(err)
	}
	return i
}

func eval(t *testing.T, i *interp.Interpreter, src string) reflect.Value {
	t.Helper()
	v, err := i.Eval(src)
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	return v
}

func TestYaegiStructRoundTrip(t *testing.T) {
	i := newInterp(t)
	v := eval(t, i, `Point{x: 1, Y: []float64{2, 3}, in: inner{a: 4, B: "b"}, p: &inner{a: 5}, any: inner{a: 6}}`)
	// The value goes through an any, as it does when a cell calls Push.
	enc, err := value.Encode(v.Interface())
	if err != nil {
		t.Fatal(err)
	}
	got, err := value.Decode(enc, nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, enc.Header)
	}
	if reflect.TypeOf(got) != v.Type() {
		t.Fatalf("got %T, want the interpreter's %v", got, v.Type())
	}
	if !reflect.DeepEqual(got, v.Interface()) {
		t.Fatalf("got %#v", got)
	}
	// And the interpreter accepts it back as a Point.
	j := newInterp(t)
	fn := eval(t, j, `sumPoint`)
	out := fn.Call([]reflect.Value{reflect.ValueOf(got)})
	if n := out[0].Int(); n != 1+4+5+2 {
		t.Fatalf("interpreter read %d", n)
	}
}

func TestYaegiRegisteredNames(t *testing.T) {
	src := newInterp(t)
	dst := newInterp(t)
	reg := func(i *interp.Interpreter) *value.Registry {
		r := value.NewRegistry()
		for _, name := range []string{"Point", "Node", "inner"} {
			r.Register("main."+name, eval(t, i, name+"{}").Type())
		}
		return r
	}
	srcReg, dstReg := reg(src), reg(dst)

	v := eval(t, src, `&Node{V: 1, Next: &Node{V: 2, Next: &Node{V: 3}}}`)
	enc, err := srcReg.Encode(v)
	if err != nil {
		t.Fatal(err)
	}
	got, err := value.Decode(enc, dstReg)
	if err != nil {
		t.Fatalf("%v\n%s", err, enc.Header)
	}
	fn := eval(t, dst, `sumNodes`)
	if s := fn.Call([]reflect.Value{reflect.ValueOf(got)})[0].Int(); s != 6 {
		t.Fatalf("sum %d", s)
	}

	p := eval(t, src, `[]Point{{x: 7}}`)
	enc, err = srcReg.Encode(p)
	if err != nil {
		t.Fatal(err)
	}
	got, err = value.Decode(enc, dstReg)
	if err != nil {
		t.Fatal(err)
	}
	if reflect.TypeOf(got) != eval(t, dst, `[]Point{}`).Type() {
		t.Fatalf("got %T", got)
	}
}

func TestYaegiValuesWithMethods(t *testing.T) {
	i := newInterp(t)
	// A Celsius (it has methods) in an interface is wrapped by yaegi; it travels
	// as the float64 it holds.
	v := eval(t, i, `[]interface{}{Celsius(3), inner{a: 1}, []Stringer{Celsius(4)}}`)
	enc, err := value.Encode(v.Interface())
	if err != nil {
		t.Fatal(err)
	}
	got, err := value.Decode(enc, nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, enc.Header)
	}
	s := got.([]any)
	if s[0] != 3.0 {
		t.Fatalf("got %#v", s[0])
	}
	if reflect.TypeOf(s[1]) != eval(t, i, `inner{}`).Type() {
		t.Fatalf("got %T", s[1])
	}
	if !reflect.DeepEqual(s[2], []any{4.0}) {
		t.Fatalf("got %#v", s[2])
	}
}

func TestYaegiEmbedded(t *testing.T) {
	i := newInterp(t)
	v := eval(t, i, `Wrapped{inner{a: 1, B: "x"}}`)
	enc, err := value.Encode(v.Interface())
	if err != nil {
		t.Fatal(err)
	}
	got, err := value.Decode(enc, nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, enc.Header)
	}
	if reflect.TypeOf(got) != v.Type() || !reflect.DeepEqual(got, v.Interface()) {
		t.Fatalf("got %#v (%T), want %v\n%s", got, got, v.Type(), enc.Header)
	}
}

func TestYaegiUnsupported(t *testing.T) {
	i := newInterp(t)
	v := eval(t, i, `map[string]interface{}{"f": func() {}}`)
	_, err := value.Encode(v.Interface())
	if err == nil || err.Error() != `value["f"]: cannot send func()` {
		t.Fatalf("got %v", err)
	}
}
