package session

import (
	"bytes"
	"fmt"
	"reflect"
	"testing"

	"github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"
)

func ev(t *testing.T, i *interp.Interpreter, src string) reflect.Value {
	defer func() {
		if r := recover(); r != nil {
			t.Logf("PANIC %q: %v", src, r)
		}
	}()
	v, err := i.Eval(src)
	if err != nil {
		t.Logf("ERR %q: %v (%T)", src, err, err)
	} else if v.IsValid() {
		t.Logf("OK %q => %v (%s)", src, v, v.Type())
	} else {
		t.Logf("OK %q", src)
	}
	return v
}

func TestScratch(t *testing.T) {
	var out, errb bytes.Buffer
	i := interp.New(interp.Options{Stdout: &out, Stderr: &errb})
	i.Use(stdlib.Symbols)
	ev(t, i, `import "fmt"`)
	ev(t, i, `type P struct{X int}`)
	ev(t, i, `type Q struct{X int}`)
	ev(t, i, `p := P{1}`)
	ev(t, i, `q := Q{1}`)
	g := i.Globals()
	t.Logf("p type %v name %q ; q type %v ; same=%v", g["p"].Type(), g["p"].Type().Name(), g["q"].Type(), g["p"].Type() == g["q"].Type())
	ev(t, i, `(*P)(nil)`)
	ev(t, i, `for i := range 3 { fmt.Println(i) }`)
	ev(t, i, `n := 3; for i := range n { fmt.Println(i) }`)
	ev(t, i, `min(1,2)`)
	ev(t, i, `max(1,2)`)
	ev(t, i, `m := map[int]int{1:2}; clear(m); m`)
	ev(t, i, `func Map[T, U any](s []T, f func(T) U) []U { r := []U{}; for _, v := range s { r = append(r, f(v)) }; return r }`)
	ev(t, i, `Map([]int{1,2}, func(x int) string { return fmt.Sprint(x) })`)
	ev(t, i, `func Sum[T int|float64](s ...T) T { var r T; for _, v := range s { r += v }; return r }`)
	ev(t, i, `Sum(1,2,3)`)
	ev(t, i, `Sum([]float64{1,2}...)`)
	ev(t, i, `for i, c := range "ab" { fmt.Println(i, c) }`)
	ev(t, i, `func f() int { return 1 }; func g() int { return f() }`)
	ev(t, i, `func f() int { return 2 }`)
	ev(t, i, `g()`)
	ev(t, i, `f()`)
	ev(t, i, `type P struct{X, Y int}`)
	ev(t, i, `P{1,2}`)
	ev(t, i, `fmt.Println("hi")`)
	ev(t, i, `import "os"`)
	ev(t, i, `os.Stdout.Write([]byte("direct\n"))`)
	ev(t, i, `fmt.Fprintln(os.Stderr, "to stderr")`)
	ev(t, i, `println("pl")`)
	ev(t, i, `import "log"`)
	ev(t, i, `log.Println("logged")`)
	ev(t, i, `func h() { var a []int; _ = a[3] }`)
	ev(t, i, `h()`)
	ev(t, i, `x := 5`)
	ev(t, i, `var y = x * 2`)
	ev(t, i, `y`)
	ev(t, i, `import "strconv"`)
	ev(t, i, `strconv.Atoi("12")`)
	t.Logf("out=%q", out.String())
	t.Logf("err=%q", errb.String())
	_ = fmt.Sprint
}
