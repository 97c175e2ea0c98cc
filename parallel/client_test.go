package parallel

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goparallel/goparallel/protocol"
)

// square answers map chunks with x*x and plain applies with the engine id.
func square(engine int, req protocol.ApplyRequest, args []any) (any, error) {
	if req.Map {
		xs := args[0].([]int)
		out := make([]int, len(xs))
		for i, x := range xs {
			out[i] = x * x
		}
		return out, nil
	}
	return engine * 10, nil
}

func TestConnectAndViews(t *testing.T) {
	f := NewFakeController(t, 4)
	c := f.Connect()
	if got := c.IDs(); !reflect.DeepEqual(got, []int{0, 1, 2, 3}) {
		t.Fatalf("IDs = %v", got)
	}
	if got := c.Slice(":").String(); got != "<DirectView [0, 1, 2, 3]>" {
		t.Fatalf("Slice(:) = %s", got)
	}
	if got := c.Slice("1:3").Targets; !reflect.DeepEqual(got, []int{1, 2}) {
		t.Fatalf("Slice(1:3).Targets = %v", got)
	}
	if got := c.Slice("-1").String(); got != "<DirectView 3>" {
		t.Fatalf("Slice(-1) = %s", got)
	}
	bad := c.Slice("x")
	if _, err := bad.ApplySync(Func("func() int { return 1 }")); err == nil {
		t.Fatal("invalid slice did not fail")
	}
	if got := c.BroadcastView().String(); got != "<BroadcastView all>" {
		t.Fatal(got)
	}
	if got := c.LoadBalancedView().String(); got != "<LoadBalancedView all>" {
		t.Fatal(got)
	}
	qs, err := c.QueueStatus()
	if err != nil || qs.Unassigned != 3 || qs.Engines[0].Completed != 2 {
		t.Fatalf("QueueStatus = %+v, %v", qs, err)
	}
}

func TestApply(t *testing.T) {
	f := NewFakeController(t, 4)
	f.SetApply(square)
	c := f.Connect()
	dview := c.Slice(":")
	r, err := dview.Apply(Func("func(x int) int { return a + b + x }"), 27)
	ar, ok := r.(*AsyncResult)
	if err != nil || !ok {
		t.Fatalf("non-blocking Apply = %v, %v", r, err)
	}
	if ar.String() != "<AsyncResult: apply>" {
		t.Fatal(ar.String())
	}
	got, err := ar.Get()
	if err != nil || !reflect.DeepEqual(got, []int{0, 10, 20, 30}) {
		t.Fatalf("Get = %#v, %v", got, err)
	}
	if !ar.Ready() || !ar.Successful() || ar.Progress() != 4 || ar.Len() != 4 || ar.Elapsed() <= 0 {
		t.Fatal("state after Get is wrong")
	}
	md := ar.Metadata()
	if md[2].EngineID != 2 || md[2].Stdout != "engine 2 here\n" || md[2].Status != "ok" || md[2].Started.IsZero() {
		t.Fatalf("metadata = %+v", md[2])
	}
	var buf bytes.Buffer
	ar.WriteOutputs(&buf)
	if !strings.Contains(buf.String(), "[stdout:3] engine 3 here\n") {
		t.Fatalf("outputs = %q", buf.String())
	}
	dview.Block = true
	if got, err := dview.Apply(Func("func() int { return 1 }")); err != nil || !reflect.DeepEqual(got, []int{0, 10, 20, 30}) {
		t.Fatalf("blocking Apply = %v, %v", got, err)
	}
	if got, err := c.Slice("2").ApplySync(Func("func() int { return 1 }")); err != nil || got != 20 {
		t.Fatalf("single-engine ApplySync = %#v, %v", got, err)
	}
	req := f.Requests()[1]
	var content protocol.ApplyRequest
	if err := req.DecodeContent(&content); err != nil || content.Source != "func(x int) int { return a + b + x }" {
		t.Fatalf("request = %+v, %v", content, err)
	}
}

func TestMapDistribution(t *testing.T) {
	f := NewFakeController(t, 4)
	var mu sync.Mutex
	sizes := map[int]int{}
	f.SetApply(func(engine int, req protocol.ApplyRequest, args []any) (any, error) {
		mu.Lock()
		sizes[engine] = len(args[0].([]int))
		mu.Unlock()
		return square(engine, req, args)
	})
	c := f.Connect()
	got, err := c.Slice(":").MapSync(Func("func(x int) int { return x * x }"), Range(7))
	if err != nil || !reflect.DeepEqual(got, []int{0, 1, 4, 9, 16, 25, 36}) {
		t.Fatalf("MapSync = %#v, %v", got, err)
	}
	// The replies reached the client over sockets, which the race detector does
	// not see as synchronisation: take the lock the fake wrote under.
	mu.Lock()
	ok := reflect.DeepEqual(sizes, map[int]int{0: 2, 1: 2, 2: 2, 3: 1})
	mu.Unlock()
	if !ok {
		t.Fatalf("chunk sizes = %v, want 2,2,2,1", sizes)
	}
	sum := 0
	for _, x := range Ints(got) {
		sum += x
	}
	if sum != 91 {
		t.Fatal(sum)
	}
}

func TestPushPullScatterGather(t *testing.T) {
	f := NewFakeController(t, 4)
	c := f.Connect()
	dview := c.Slice(":")
	if err := dview.Set("a", 6); err != nil {
		t.Fatal(err)
	}
	if got, err := dview.Get("a"); err != nil || !reflect.DeepEqual(got, []int{6, 6, 6, 6}) {
		t.Fatalf("Get = %#v, %v", got, err)
	}
	ar, err := dview.Push(map[string]any{"a": 1.03234, "b": 3453})
	if err != nil || ar.String() != "<AsyncResult: push>" {
		t.Fatal(ar, err)
	}
	ar.Wait()
	if got, _ := dview.PullSync("a", "b"); !reflect.DeepEqual(got, [][]any{{1.03234, 3453}, {1.03234, 3453}, {1.03234, 3453}, {1.03234, 3453}}) {
		t.Fatalf("Pull(a, b) = %#v", got)
	}
	if got, _ := dview.On(0).PullSync("b"); got != 3453 {
		t.Fatalf("On(0).Pull(b) = %#v", got)
	}
	for i := range 4 {
		v := dview.On(i)
		v.Block = true
		if _, err := v.Push(map[string]any{"a": i, "b": i*i + 1}); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := dview.PullSync("b"); !reflect.DeepEqual(got, []int{1, 2, 5, 10}) {
		t.Fatalf("Pull(b) = %#v", got)
	}
	dview.Block = true
	if _, err := dview.Scatter("c", Range(10)); err != nil {
		t.Fatal(err)
	}
	if got := f.Var(3, "c"); !reflect.DeepEqual(got, []int{8, 9}) {
		t.Fatalf("engine 3 c = %#v", got)
	}
	if got, err := dview.Gather("c"); err != nil || !reflect.DeepEqual(got, Range(10)) {
		t.Fatalf("Gather = %#v, %v", got, err)
	}
	if _, err := dview.Scatter("d", []string{"x", "y", "z"}, Flatten()); err != nil {
		t.Fatal(err)
	}
	if got := f.Var(0, "d"); got != "x" {
		t.Fatalf("flattened scatter gave %#v", got)
	}
	if got, _ := dview.On("0:3").GatherSync("d"); !reflect.DeepEqual(got, []string{"x", "y", "z"}) {
		t.Fatalf("gather of flattened = %#v", got)
	}
	_, err = dview.Get("nope")
	var ce *CompositeError
	if !errors.As(err, &ce) || len(ce.Errors) != 4 || !strings.Contains(err.Error(), "[0:pull] NameError: nope is not defined") {
		t.Fatalf("pull of a missing name: %v", err)
	}
}

func TestExecuteOutputs(t *testing.T) {
	f := NewFakeController(t, 4)
	c := f.Connect()
	ar, err := c.Slice("::2").Execute("c := a + b")
	if err != nil || ar.String() != "<AsyncResult: execute>" {
		t.Fatal(ar, err)
	}
	if _, err := ar.Get(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	ar.WriteOutputs(&buf)
	want := "[stdout:0] ran \"c := a + b\"\n[stdout:2] ran \"c := a + b\"\nOut[0:5]: 0\nOut[2:5]: 20\n"
	if buf.String() != want {
		t.Fatalf("outputs:\n%s\nwant:\n%s", buf.String(), want)
	}
}

func TestRemoteErrors(t *testing.T) {
	f := NewFakeController(t, 4)
	f.SetApply(func(engine int, req protocol.ApplyRequest, args []any) (any, error) {
		if engine == 2 {
			return nil, fmt.Errorf("integer divide by zero")
		}
		return 1, nil
	})
	c := f.Connect()
	_, err := c.Slice(":").ApplySync(Func("func() int { return 1 / x }"))
	var ce *CompositeError
	var re *RemoteError
	if !errors.As(err, &ce) || !errors.As(err, &re) || re.EngineID != 2 || len(ce.Errors) != 1 {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(err.Error(), "[2:apply] runtime.Error: integer divide by zero") {
		t.Fatal(err)
	}
	_, err = c.Slice("2").ApplySync(Func("func() int { return 1 / x }"))
	if !errors.As(err, &re) || errors.As(err, &ce) {
		t.Fatalf("single-engine err = %T %v", err, err)
	}
}

func TestEngineDeathAndTimeout(t *testing.T) {
	f := NewFakeController(t, 4)
	release := make(chan struct{})
	f.SetHold(func(engine int, req protocol.ApplyRequest) {
		if engine == 1 {
			<-release
		}
	})
	c := f.Connect()
	ar := c.Slice(":").ApplyAsync(Func("func() int { return 1 }"))
	if _, err := ar.GetTimeout(50 * time.Millisecond); !errors.Is(err, ErrTimeout) {
		t.Fatalf("GetTimeout = %v", err)
	}
	if ar.Ready() {
		t.Fatal("ready while engine 1 holds")
	}
	f.KillEngine(1)
	_, err := ar.GetTimeout(5 * time.Second)
	var ee *EngineError
	if !errors.As(err, &ee) || ee.EngineID != 1 || !errors.Is(err, ErrEngineDied) {
		t.Fatalf("after engine death: %v", err)
	}
	close(release) // the late reply must be ignored
	if err := c.WaitForEngines(t.Context(), 3); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for c.Len() != 3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !reflect.DeepEqual(c.IDs(), []int{0, 2, 3}) {
		t.Fatalf("IDs after death = %v", c.IDs())
	}
}

func TestCloseFailsPending(t *testing.T) {
	f := NewFakeController(t, 2)
	release := make(chan struct{})
	defer close(release)
	f.SetHold(func(int, protocol.ApplyRequest) { <-release })
	c := f.Connect()
	ar := c.View().ApplyAsync(Func("func() int { return 1 }"))
	c.Close()
	if _, err := ar.GetTimeout(5 * time.Second); !errors.Is(err, ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
	if _, err := c.View().ApplySync(Func("func() int { return 1 }")); !errors.Is(err, ErrClosed) {
		t.Fatalf("apply after Close: %v", err)
	}
}

func TestLoadBalancedMap(t *testing.T) {
	f := NewFakeController(t, 4)
	f.SetApply(square)
	c := f.Connect()
	lview := c.LoadBalancedView()
	before := len(f.Requests())
	ar := lview.MapAsync(Func("func(x int) int { return x * x }"), Range(3200))
	got, err := ar.Get()
	if err != nil {
		t.Fatal(err)
	}
	xs := Ints(got)
	if len(xs) != 3200 || xs[3199] != 3199*3199 {
		t.Fatalf("map result has %d elements", len(xs))
	}
	if n := len(f.Requests()) - before; n != 16 {
		t.Fatalf("3200 elements over 4 engines took %d messages, want 16", n)
	}
	seen := make([]bool, 3200)
	for it := range ar.Results() {
		if it.Err != nil || it.Value != it.Index*it.Index {
			t.Fatalf("item %+v", it)
		}
		seen[it.Index] = true
	}
	for i, s := range seen {
		if !s {
			t.Fatalf("item %d never delivered", i)
		}
	}
	lview.ChunkSize = 1000
	lview.Unordered = true
	got, err = lview.MapSync(Func("func(x int) int { return x * x }"), Range(3000))
	if err != nil || len(Ints(got)) != 3000 {
		t.Fatal(err)
	}
	if r, err := lview.ApplySync(Func("func() int { return 7 }")); err != nil || r != 0 && r != 10 && r != 20 && r != 30 {
		t.Fatalf("balanced apply = %#v, %v", r, err)
	}
}

func TestRemoteAndParallel(t *testing.T) {
	f := NewFakeController(t, 4)
	f.SetApply(func(engine int, req protocol.ApplyRequest, args []any) (any, error) {
		if req.Map {
			xs := args[0].([]float64)
			out := make([]float64, len(xs))
			for i, x := range xs {
				out[i] = 10 * x * 4
			}
			return out, nil
		}
		if strings.Contains(req.Source, "[]float64") {
			a, b := args[0].([]float64), args[1].([]float64)
			out := make([]float64, len(a))
			for i := range a {
				out[i] = a[i] * b[i]
			}
			return out, nil
		}
		return 1000 + engine, nil
	})
	c := f.Connect()
	dview := c.Slice(":")
	getpid := dview.Remote(Func("func() int { return os.Getpid() }"))
	if pids, err := getpid.CallSync(); err != nil || !reflect.DeepEqual(pids, []int{1000, 1001, 1002, 1003}) {
		t.Fatalf("remote = %v, %v", pids, err)
	}
	ar, _ := getpid.Call()
	if _, ok := ar.(*AsyncResult); !ok {
		t.Fatalf("non-blocking remote call gave %T", ar)
	}
	pmul := dview.Parallel(Func("func(a, b []float64) []float64 { c := make([]float64, len(a)); for i := range a { c[i] = a[i] * b[i] }; return c }"))
	A := make([]float64, 640*48)
	for i := range A {
		A[i] = float64(i % 7)
	}
	got, err := pmul.CallSync(A, A)
	if err != nil {
		t.Fatal(err)
	}
	C := Floats(got)
	for i := range A {
		if C[i] != A[i]*A[i] {
			t.Fatalf("pmul[%d] = %v", i, C[i])
		}
	}
	Lf := c.LoadBalancedView().Parallel(Func("func(x float64) float64 { return 10.0 * x * 4 }"))
	got, err = Lf.MapSync([]float64{0, 1, 2, 3})
	if err != nil || !reflect.DeepEqual(got, []float64{0, 40, 80, 120}) {
		t.Fatalf("Lf.Map = %v, %v", got, err)
	}
	// A function of scalars called with Call maps element-wise.
	got, err = Lf.CallSync([]float64{1})
	if err != nil || !reflect.DeepEqual(got, []float64{40}) {
		t.Fatalf("Lf.Call = %v, %v", got, err)
	}
}

func TestPendingSource(t *testing.T) {
	f := NewFakeController(t, 2)
	c := f.Connect()
	dview := c.Slice(":")
	BeginCell()
	fn := func(x int) int { return x }
	if _, err := dview.ApplySync(fn, 1); !errors.Is(err, ErrNoSource) {
		t.Fatalf("func without source: %v", err)
	}
	NextSource(struct{}{}, "ApplySync", "", "func(x int) int { return x + 1 }", nil)
	if _, err := dview.ApplySync(fn, 1); !errors.Is(err, ErrNoSource) {
		t.Fatal("a source announced for a non-view receiver was used")
	}
	NextSource(dview, "MapSync", "", "func(x int) int { return x + 2 }", nil)
	NextSource(dview, "ApplySync", "", "func() int { return 3 }", nil) // wrong arity
	NextSource(dview, "ApplySync", "inc", "func(x int) int { return x + 1 }", []string{`import "math"`})
	r, err := dview.ApplySync(fn, 1)
	if err != nil || !reflect.DeepEqual(r, []string{"func(x int) int { return x + 1 }", "func(x int) int { return x + 1 }"}) {
		t.Fatalf("ApplySync = %v, %v", r, err)
	}
	var req protocol.ApplyRequest
	_ = f.Requests()[len(f.Requests())-1].DecodeContent(&req)
	if req.Name != "inc" || !reflect.DeepEqual(req.Helpers, []string{`import "math"`}) {
		t.Fatalf("request = %+v", req)
	}
	BeginCell()
	if _, err := dview.MapSync(fn, []int{1}); !errors.Is(err, ErrNoSource) {
		t.Fatal("BeginCell left a source behind")
	}
}

func TestInterruptedCellCancels(t *testing.T) {
	f := NewFakeController(t, 2)
	release := make(chan struct{})
	defer close(release)
	f.SetHold(func(int, protocol.ApplyRequest) { <-release })
	c := f.Connect()
	ctx, cancel := context.WithCancel(context.Background())
	SetHooks(Hooks{CellContext: func() context.Context { return ctx }})
	defer SetHooks(Hooks{})
	ar := c.View().ApplyAsync(Func("func() int { return 1 }"))
	time.AfterFunc(50*time.Millisecond, cancel)
	if _, err := ar.Get(); !errors.Is(err, context.Canceled) {
		t.Fatalf("Get after interrupt: %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		n := 0
		for _, m := range f.Requests() {
			if m.Header.MsgType == "interrupt_request" {
				n++
			}
		}
		if n == 2 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the engines were not interrupted")
}

func TestWaitInteractiveDisplays(t *testing.T) {
	f := NewFakeController(t, 2)
	f.SetApply(square)
	c := f.Connect()
	var mu sync.Mutex
	var updates []string
	SetHooks(Hooks{Display: func(id string, data map[string]any, update bool) error {
		mu.Lock()
		defer mu.Unlock()
		updates = append(updates, data["text/plain"].(string))
		return nil
	}})
	defer SetHooks(Hooks{})
	ar := c.View().MapAsync(Func("func(x int) int { return x * x }"), Range(10))
	ar.WaitInteractive()
	mu.Lock()
	defer mu.Unlock()
	if len(updates) < 2 || !strings.Contains(updates[len(updates)-1], "2/2 tasks finished") {
		t.Fatalf("progress updates = %q", updates)
	}
}
