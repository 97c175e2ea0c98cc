package parallel_test

import (
	"context"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goparallel/goparallel/parallel"
)

// The tests in this file run against a real cluster: a controller and four engines
// started from the goparallel binary, built once per test run.

var build struct {
	once sync.Once
	bin  string
	err  error
}

func goparallelBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: skipped with -short")
	}
	build.once.Do(func() {
		dir, err := os.MkdirTemp("", "gp-itest-")
		if err != nil {
			build.err = err
			return
		}
		build.bin = filepath.Join(dir, "goparallel")
		out, err := exec.Command("go", "build", "-o", build.bin, "github.com/goparallel/goparallel").CombinedOutput()
		if err != nil {
			build.err = errors.New(strings.TrimSpace(string(out)))
		}
	})
	if build.err != nil {
		t.Skipf("integration test skipped: cannot build the goparallel binary (controller/engine not ready?): %v", build.err)
	}
	return build.bin
}

// startCluster starts four engines in a private profile directory and connects.
func startCluster(t *testing.T) *parallel.Client {
	t.Helper()
	bin := goparallelBinary(t)
	t.Setenv("GOPARALLEL_DIR", t.TempDir())
	cl, err := parallel.StartCluster(parallel.ClusterOptions{N: 4, Executable: bin, Timeout: 60 * time.Second})
	if err != nil {
		t.Fatalf("starting a cluster: %v", err)
	}
	t.Cleanup(func() { cl.Stop() })
	c, err := cl.Connect()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.WaitForEngines(ctx, 4); err != nil {
		t.Fatal(err)
	}
	return c
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// TestLectureCompiled is the lecture, from "Creating a Client object" to "Load
// Balanced View", as a compiled Go program writes it: functions as source strings.
func TestLectureCompiled(t *testing.T) {
	c := startCluster(t)
	get := must[any](t)
	wait := func(ar *parallel.AsyncResult, err error) *parallel.AsyncResult {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ar.GetTimeout(30 * time.Second); err != nil {
			t.Fatal(err)
		}
		return ar
	}

	// [3] c.ids
	if got := c.IDs(); !reflect.DeepEqual(got, []int{0, 1, 2, 3}) {
		t.Fatalf("ids = %v", got)
	}
	// [4] c[:].apply_sync(lambda : "Hello World!")
	hello := get(c.Slice(":").ApplySync(parallel.Func(`func() string { return "Hello World!" }`)))
	if !reflect.DeepEqual(hello, []string{"Hello World!", "Hello World!", "Hello World!", "Hello World!"}) {
		t.Fatalf("hello = %#v", hello)
	}
	// [7] dview = c[:]; [8] dview.map_sync(lambda x: x ** 10, range(7))
	dview := c.Slice(":")
	if dview.String() != "<DirectView [0, 1, 2, 3]>" {
		t.Fatal(dview)
	}
	pow := get(dview.MapSync(parallel.Func(`func(x int) int { r := 1; for i := 0; i < 10; i++ { r *= x }; return r }`), parallel.Range(7)))
	if !reflect.DeepEqual(pow, []int{0, 1, 1024, 59049, 1048576, 9765625, 60466176}) {
		t.Fatalf("x**10 = %#v", pow)
	}
	// [9] %%px pid = os.getpid(); [10] dview.map_sync(lambda x: pid, range(7))
	wait(dview.Execute("import \"os\"\npid := os.Getpid()"))
	pids := parallel.Ints(get(dview.PullSync("pid")))
	dist := get(dview.MapSync(parallel.Func(`func(x int) int { return pid }`), parallel.Range(7)))
	want := []int{pids[0], pids[0], pids[1], pids[1], pids[2], pids[2], pids[3]}
	if !reflect.DeepEqual(dist, want) {
		t.Fatalf("distribution = %v, want %v (2,2,2,1)", dist, want)
	}
	// [11] dview['a'] = 6; dview['b'] = 7; [12] dview.apply(lambda x: a + b + x, 27)
	if err := dview.Set("a", 6); err != nil {
		t.Fatal(err)
	}
	if err := dview.Set("b", 7); err != nil {
		t.Fatal(err)
	}
	add := parallel.Func(`func(x int) int { return a + b + x }`)
	r := get(dview.Apply(add, 27))
	ar, ok := r.(*parallel.AsyncResult)
	if !ok || ar.String() != "<AsyncResult: apply>" {
		t.Fatalf("non-blocking apply gave %v", r)
	}
	if got, err := ar.Get(); err != nil || !reflect.DeepEqual(got, []int{40, 40, 40, 40}) {
		t.Fatalf("ar.Get() = %v, %v", got, err)
	}
	// [13] dview.block = True
	dview.Block = true
	if got := get(dview.Apply(add, 27)); !reflect.DeepEqual(got, []int{40, 40, 40, 40}) {
		t.Fatalf("blocking apply = %v", got)
	}
	// [14]-[16] targets
	if !reflect.DeepEqual(dview.Targets, []int{0, 1, 2, 3}) || !reflect.DeepEqual(c.Slice("1:3").Targets, []int{1, 2}) {
		t.Fatal("targets")
	}
	// [17]-[19] execute on even and odd engines, then dview['c']
	even := must[*parallel.AsyncResult](t)(c.Slice("::2").Execute("c := a + b"))
	odd := must[*parallel.AsyncResult](t)(c.Slice("1::2").Execute("c := a - b"))
	if even.String() != "<AsyncResult: execute>" {
		t.Fatal(even)
	}
	even.Wait()
	odd.Wait()
	if got := get(dview.Get("c")); !reflect.DeepEqual(got, []int{13, -1, 13, -1}) {
		t.Fatalf("dview['c'] = %v", got)
	}
	// [20]-[25] non-blocking apply, ready, get; a task that sleeps
	dview.Block = false
	ar = dview.ApplyAsync(parallel.Func(`func(t float64) float64 { tic := time.Now(); time.Sleep(time.Duration(t * float64(time.Second))); return time.Since(tic).Seconds() }`), 0.3)
	if ar.Ready() {
		t.Error("a 0.3 s task is ready at once")
	}
	for _, s := range parallel.Floats(get(ar.Get())) {
		if s < 0.3 {
			t.Fatalf("slept %v", s)
		}
	}
	// Moving objects: push, pull, pull with targets
	ar = wait(dview.Push(map[string]any{"a": 1.03234, "b": 3453}))
	if ar.String() != "<AsyncResult: push>" {
		t.Fatal(ar)
	}
	if got := get(dview.PullSync("a")); !reflect.DeepEqual(got, []float64{1.03234, 1.03234, 1.03234, 1.03234}) {
		t.Fatalf("pull a = %#v", got)
	}
	if got := get(dview.PullSync("a", "b")); !reflect.DeepEqual(got, [][]any{{1.03234, 3453}, {1.03234, 3453}, {1.03234, 3453}, {1.03234, 3453}}) {
		t.Fatalf("pull a, b = %#v", got)
	}
	if got := get(dview.On(0).PullSync("b")); got != 3453 {
		t.Fatalf("pull b from 0 = %#v", got)
	}
	for i := range 4 {
		wait(dview.On(i).Push(map[string]any{"a": i, "b": i*i + 1}))
	}
	if got := get(dview.PullSync("a")); !reflect.DeepEqual(got, []int{0, 1, 2, 3}) {
		t.Fatalf("pull a = %v", got)
	}
	if got := get(dview.PullSync("b")); !reflect.DeepEqual(got, []int{1, 2, 5, 10}) {
		t.Fatalf("pull b = %v", got)
	}
	// Scatter and gather
	ar = wait(dview.Scatter("c", parallel.Range(28)))
	if ar.String() != "<AsyncResult: scatter>" {
		t.Fatal(ar)
	}
	parts := get(dview.Get("c")).([][]int)
	for i, p := range parts {
		if !reflect.DeepEqual(p, parallel.Range(7*i, 7*i+7)) {
			t.Fatalf("part %d = %v", i, p)
		}
	}
	if parts[1][2] != 9 {
		t.Fatal(parts)
	}
	if got := get(dview.GatherSync("c")); !reflect.DeepEqual(got, parallel.Range(28)) {
		t.Fatalf("gather = %v", got)
	}
	// @dview.remote getpid
	getpid := dview.Remote(parallel.Func(`func() int { return os.Getpid() }`))
	if got := get(getpid.CallSync()); !reflect.DeepEqual(got, pids) {
		t.Fatalf("getpid() = %v, want %v", got, pids)
	}
	// Hello world again, with rank and size
	n := c.Len()
	for i := range n {
		wait(dview.On(i).Push(map[string]any{"npes": n, "myrank": i}))
	}
	helloRank := dview.Remote(parallel.Func(`func() string { return fmt.Sprintf("Hello world from %d out of %d!", myrank, npes) }`))
	if got := get(helloRank.CallSync()); !reflect.DeepEqual(got, []string{
		"Hello world from 0 out of 4!", "Hello world from 1 out of 4!", "Hello world from 2 out of 4!", "Hello world from 3 out of 4!"}) {
		t.Fatalf("hello = %v", got)
	}
	// A longer dict
	wait(dview.Push(map[string]any{"three": 3, "ninety": 90, "two": 2, "one": 1}))
	dictNum := dview.Remote(parallel.Func(`func() []int { return []int{one, ninety} }`))
	if got := get(dictNum.CallSync()); !reflect.DeepEqual(got, [][]int{{1, 90}, {1, 90}, {1, 90}, {1, 90}}) {
		t.Fatalf("dict_num() = %v", got)
	}
	// The variance
	localSum := dview.Remote(parallel.Func(`func() int { s := 0; for _, x := range c { s += x }; return s }`))
	lSum := parallel.Ints(get(localSum.CallSync()))
	if !reflect.DeepEqual(lSum, []int{21, 70, 119, 168}) {
		t.Fatalf("partial sums = %v", lSum)
	}
	gSum := 0
	for _, s := range lSum {
		gSum += s
	}
	gmu := float64(gSum) / 28
	localVar := dview.Remote(parallel.Func(`func(mu float64) float64 { l := 0.0; for _, i := range c { d := float64(i) - mu; l += d * d }; return l }`))
	lVar := parallel.Floats(get(localVar.CallSync(gmu)))
	if !reflect.DeepEqual(lVar, []float64{799.75, 113.75, 113.75, 799.75}) {
		t.Fatalf("partial variance sums = %v", lVar)
	}
	g := 0.0
	for _, v := range lVar {
		g += v
	}
	if v := math.Sqrt(g / 28); v != 8.077747210701755 {
		t.Fatalf("variance = %v", v)
	}
	// Synchronization
	engWait := dview.Remote(parallel.Func(`func() int { time.Sleep(time.Duration(myrank) * 50 * time.Millisecond); a := myrank; return a }`))
	engWait.Block = false
	r, err := engWait.Call()
	if err != nil {
		t.Fatal(err)
	}
	ar = r.(*parallel.AsyncResult)
	if !ar.Wait() {
		t.Fatal("Wait() = false")
	}
	if got := get(ar.Get()); !reflect.DeepEqual(got, []int{0, 1, 2, 3}) {
		t.Fatalf("eng_wait = %v", got)
	}
	// @dview.parallel pmul over 640x48
	A := make([]float64, 640*48)
	for i := range A {
		A[i] = float64(i%97) / 97
	}
	pmul := dview.Parallel(parallel.Func(`func(A, B []float64) []float64 { C := make([]float64, len(A)); for i := range A { C[i] = A[i] * B[i] }; return C }`))
	pmul.Block = true
	C := parallel.Floats(get(pmul.Call(A, A)))
	for i := range A {
		if C[i] != A[i]*A[i] {
			t.Fatalf("pmul[%d] = %v", i, C[i])
		}
	}
	// The speedup example: scatter, %px y = sum(x), gather
	wait(dview.Scatter("x", parallel.Range(32000)))
	wait(dview.Execute("y := 0\nfor _, v := range x { y += v }"))
	total := 0
	for _, y := range parallel.Ints(get(dview.GatherSync("y"))) {
		total += y
	}
	if total != 511984000 {
		t.Fatalf("global sum = %d", total)
	}
	// Remote imports
	if err := dview.SyncImports("math"); err != nil {
		t.Fatal(err)
	}
	// Load balanced view
	lview := c.LoadBalancedView()
	lview.Block = true
	id := parallel.Func(`func(x int) int { return x }`)
	sum := func(v any) int {
		s := 0
		for _, x := range parallel.Ints(v) {
			s += x
		}
		return s
	}
	if got := sum(get(lview.Map(id, parallel.Range(3200)))); got != 5118400 {
		t.Fatalf("lview map sum = %d", got)
	}
	dview.Block = true
	if got := sum(get(dview.Map(id, parallel.Range(3200)))); got != 5118400 {
		t.Fatalf("dview map sum = %d", got)
	}
	f := parallel.Func(`func(x int) float64 { return 10.0 * float64(x) * 4 }`)
	for _, p := range []*parallel.ParallelFunc{lview.Parallel(f), dview.Parallel(f)} {
		gg := 0.0
		for _, v := range parallel.Floats(get(p.MapSync(parallel.Range(32)))) {
			gg += v
		}
		if gg != 19840.0 {
			t.Fatalf("%v.Map sum = %v", p, gg)
		}
	}
}

// TestRealErrors checks remote errors from real engines.
func TestRealErrors(t *testing.T) {
	c := startCluster(t)
	_, err := c.Slice(":").ApplySync(parallel.Func(`func() int { z := 0; return 1 / z }`))
	var ce *parallel.CompositeError
	var re *parallel.RemoteError
	if !errors.As(err, &ce) || len(ce.Errors) != 4 || !errors.As(err, &re) {
		t.Fatalf("divide by zero: %T %v", err, err)
	}
	if !strings.HasPrefix(re.Error(), "[0:apply] ") {
		t.Fatalf("error text %q", re.Error())
	}
	_, err = c.Slice("1").ApplySync(parallel.Func(`func() int { return notDefinedAnywhere }`))
	if !errors.As(err, &re) || re.EngineID != 1 || !strings.Contains(err.Error(), "notDefinedAnywhere") {
		t.Fatalf("undefined name: %v", err)
	}
	lview := c.LoadBalancedView()
	ar := lview.MapAsync(parallel.Func(`func(x int) int { time.Sleep(time.Millisecond); return x * 2 }`), parallel.Range(100))
	got := make([]int, 100)
	for it := range ar.Results() {
		if it.Err != nil {
			t.Fatal(it.Err)
		}
		got[it.Index] = it.Value.(int)
	}
	for i, v := range got {
		if v != 2*i {
			t.Fatalf("streamed result %d = %d", i, v)
		}
	}
	if !slices.Contains(ar.EngineIDs(), 0) && !slices.Contains(ar.EngineIDs(), 1) {
		t.Fatalf("engines = %v", ar.EngineIDs())
	}
}

// TestLectureNotebook runs the lecture's examples as notebook cells through a real
// yaegi interpreter and RewriteCell, against a real cluster: func literals and
// funcs declared in cells travel as source; names like c mean the client here and
// a scattered slice on the engines.
func TestLectureNotebook(t *testing.T) {
	startCluster(t) // the notebook connects by itself, to the default profile
	nb := newNotebook(t)
	check := func(expr string, want any) {
		t.Helper()
		if got := nb.value(expr); !reflect.DeepEqual(got, want) {
			t.Fatalf("%s = %#v, want %#v", expr, got, want)
		}
	}
	noErr := func() {
		t.Helper()
		if err := nb.value("err"); err != nil {
			t.Fatal(err)
		}
	}
	nb.run(`import "github.com/goparallel/goparallel/parallel"`)
	nb.run(`import "os"`)
	nb.run(`import "math"`)
	nb.run(`c, err := parallel.Connect()`)
	noErr()
	t.Cleanup(func() { nb.value("c").(*parallel.Client).Close() })
	check("c.IDs()", []int{0, 1, 2, 3})
	nb.run(`hello, err := c.Slice(":").ApplySync(func() string { return "Hello World!" })`)
	noErr()
	check("hello", []string{"Hello World!", "Hello World!", "Hello World!", "Hello World!"})
	nb.run(`dview := c.Slice(":")`)
	nb.run(`pow, err := dview.MapSync(func(x int) int {
	r := 1
	for i := 0; i < 10; i++ {
		r *= x
	}
	return r
}, parallel.Range(7))`)
	noErr()
	check("pow", []int{0, 1, 1024, 59049, 1048576, 9765625, 60466176})
	nb.run(`err = dview.Set("a", 6)`)
	nb.run(`err = dview.Set("b", 7)`)
	noErr()
	nb.run(`r, err := dview.Apply(func(x int) int { return a + b + x }, 27)`)
	noErr()
	check("r.(*parallel.AsyncResult).String()", "<AsyncResult: apply>")
	nb.run(`v, err := r.(*parallel.AsyncResult).Get()`)
	noErr()
	check("v", []int{40, 40, 40, 40})
	nb.run(`func square(x int) int { return x * x }`)
	nb.run(`sq, err := dview.MapSync(square, parallel.Range(7))`)
	noErr()
	check("sq", []int{0, 1, 4, 9, 16, 25, 36})
	nb.run(`getpid := dview.Remote(func() int { return os.Getpid() })`)
	nb.run(`pids, err := getpid.CallSync()`)
	noErr()
	nb.run(`sc, err := dview.Scatter("c", parallel.Range(28))`)
	noErr()
	nb.run(`sc.Wait()`)
	nb.run(`localSum := dview.Remote(func() int {
	s := 0
	for _, x := range c {
		s += x
	}
	return s
})`)
	nb.run(`lsum, err := localSum.CallSync()`)
	noErr()
	check("lsum", []int{21, 70, 119, 168})
	nb.run(`gmu := float64(378) / 28`)
	nb.run(`localVar := dview.Remote(func(mu float64) float64 {
	l := 0.0
	for _, i := range c {
		d := float64(i) - mu
		l += d * d
	}
	return l
})`)
	nb.run(`lvar, err := localVar.CallSync(gmu)`)
	noErr()
	nb.run(`g := 0.0
for _, x := range parallel.Floats(lvar) {
	g += x
}
variance := math.Sqrt(g / 28)`)
	check("variance", 8.077747210701755)
	nb.run(`func pmul(A, B []float64) []float64 {
	C := make([]float64, len(A))
	for i := range A {
		C[i] = A[i] * B[i]
	}
	return C
}`)
	nb.run(`A := make([]float64, 640*48)
for i := range A {
	A[i] = float64(i % 13)
}`)
	nb.run(`pm := dview.Parallel(pmul)`)
	nb.run(`Cr, err := pm.CallSync(A, A)`)
	noErr()
	nb.run(`ok := true
for i, x := range parallel.Floats(Cr) {
	ok = ok && x == A[i]*A[i]
}`)
	check("ok", true)
	nb.run(`lview := c.LoadBalancedView()`)
	nb.run(`lr, err := lview.MapSync(func(x int) int { return x }, parallel.Range(3200))`)
	noErr()
	nb.run(`pp := 0
for _, x := range parallel.Ints(lr) {
	pp += x
}`)
	check("pp", 5118400)
}

// TestCancel interrupts running tasks on real engines.
func TestCancel(t *testing.T) {
	c := startCluster(t)
	spin := parallel.Func(`func() int { n := 0; for { n++; if n < 0 { return n } } }`)
	ar := c.Slice(":").ApplyAsync(spin)
	if ar.WaitTimeout(200 * time.Millisecond) {
		t.Fatal("an endless loop finished")
	}
	if err := ar.Cancel(); err != nil {
		t.Fatal(err)
	}
	if _, err := ar.GetTimeout(10 * time.Second); err == nil || errors.Is(err, parallel.ErrTimeout) {
		t.Fatalf("after Cancel: %v", err)
	}
	lview := c.LoadBalancedView()
	lar := lview.ApplyAsync(spin)
	time.Sleep(200 * time.Millisecond)
	if err := lar.Cancel(); err != nil {
		t.Fatal(err)
	}
	if _, err := lar.GetTimeout(10 * time.Second); err == nil || errors.Is(err, parallel.ErrTimeout) {
		t.Fatalf("balanced task after Cancel: %v", err)
	}
	// The engines are usable again.
	if got, err := c.Slice(":").ApplySync(parallel.Func(`func() int { return 1 }`)); err != nil || !reflect.DeepEqual(got, []int{1, 1, 1, 1}) {
		t.Fatalf("after cancel: %v, %v", got, err)
	}
}
