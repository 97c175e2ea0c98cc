// Package bench is `goparallel bench`: it starts a local cluster, runs the workloads
// of IPython Parallel's reference script (../shared/bench/ipp_bench.py) under the
// same names, with the same semantics and units, prints one line per workload as
// `name value unit`, and stops the cluster. The names are the contract: compare.sh
// runs both benchmarks on one machine and prints the speed-ups side by side.
//
//	goparallel bench [--engines 4] [--json out.json]
//	goparallel bench compare IPP.json GO.json
package bench

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"regexp"
	"runtime/pprof"
	"slices"
	"strconv"
	"time"

	"github.com/goparallel/goparallel/parallel"
)

// Result is one line of the benchmark's output, and one element of its JSON
// file (the shape ipp_bench.py writes).
type Result struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
}

// String formats the result as ipp_bench.py prints it: f"{name} {value:.4g} {unit}".
func (r Result) String() string {
	return r.Name + " " + strconv.FormatFloat(r.Value, 'g', 4, 64) + " " + r.Unit
}

// Config is what a run measures. The defaults are ipp_bench.py's sizes; smaller
// sizes are for smoke tests and profiling, and change the workloads' names where
// the name states a size.
type Config struct {
	Engines    int    // engines in the cluster (4)
	Executable string // goparallel binary for the controller and engines ("" = this one)
	Reps       int    // round trips per latency workload, of which the median (300)
	MapN       int    // elements of the map workloads (3200)
	Tasks      int    // tasks of the async workloads (2000)
	Floats     int    // float64s pushed, pulled, scattered and gathered (8,000,000 = 64 MB)
	Run        *regexp.Regexp
	Out        io.Writer // where result lines go
	Log        io.Writer // progress and cluster start-up lines; nil = none
}

// DefaultConfig returns ipp_bench.py's sizes.
func DefaultConfig() Config {
	return Config{Engines: 4, Reps: 300, MapN: 3200, Tasks: 2000, Floats: 8_000_000, Out: os.Stdout}
}

// Main runs `goparallel bench` with its command-line arguments.
func Main(ctx context.Context, args []string) error {
	if len(args) > 0 && args[0] == "compare" {
		return compareMain(args[1:], os.Stdout)
	}
	cfg := DefaultConfig()
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: goparallel bench [flags]\n       goparallel bench compare IPP.json GO.json\n\n"+
			"Runs ipp_bench.py's workloads on a local cluster and prints `name value unit` lines.\n\nflags:\n")
		fs.PrintDefaults()
	}
	fs.IntVar(&cfg.Engines, "engines", cfg.Engines, "number of engines to start")
	jsonPath := fs.String("json", "", "also write the results to this file, as ipp_bench.py --json does")
	fs.StringVar(&cfg.Executable, "executable", "", "goparallel binary that runs the controller and engines (default: this one)")
	fs.IntVar(&cfg.Reps, "reps", cfg.Reps, "round trips per latency workload (median reported)")
	fs.IntVar(&cfg.MapN, "map", cfg.MapN, "elements of the map workloads")
	fs.IntVar(&cfg.Tasks, "tasks", cfg.Tasks, "tasks of the async workloads")
	fs.IntVar(&cfg.Floats, "floats", cfg.Floats, "float64s of the push/pull/scatter/gather workloads")
	run := fs.String("run", "", "run only the workloads whose name matches this regexp")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the client side to this file")
	verbose := fs.Bool("v", false, "log cluster start-up and progress to stderr")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("bench: unexpected arguments %q", fs.Args())
	}
	if cfg.Engines < 1 || cfg.Reps < 1 || cfg.MapN < 1 || cfg.Tasks < 1 || cfg.Floats < cfg.Engines {
		return errors.New("bench: --engines, --reps, --map and --tasks must be positive and --floats at least --engines")
	}
	if *run != "" {
		re, err := regexp.Compile(*run)
		if err != nil {
			return fmt.Errorf("bench: --run: %w", err)
		}
		cfg.Run = re
	}
	if *verbose {
		cfg.Log = os.Stderr
	}
	// SIGINT is the command's to handle: stop the cluster rather than leave it.
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return fmt.Errorf("bench: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("bench: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	results, err := Run(ctx, cfg)
	if *jsonPath != "" && len(results) > 0 {
		if jerr := writeJSON(*jsonPath, results); err == nil {
			err = jerr
		}
	}
	return err
}

func writeJSON(path string, results []Result) error {
	b, err := json.MarshalIndent(results, "", " ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	return nil
}

// env is what the workloads share: the client and ipp_bench.py's views.
type env struct {
	cfg Config
	c   *parallel.Client
	dv  *parallel.DirectView       // c[:], blocking
	e0  *parallel.DirectView       // c[0], blocking
	lv  *parallel.LoadBalancedView // default arguments
	a   []float64                  // the 64 MB array, made once
}

// workload is one line of output.
type workload struct {
	name, unit string
	run        func(ctx context.Context, e *env) (float64, error)
}

// Run starts a cluster of cfg.Engines engines, runs the workloads in ipp_bench.py's
// order and stops the cluster. It returns the results measured before any error.
func Run(ctx context.Context, cfg Config) (results []Result, err error) {
	if cfg.Out == nil {
		cfg.Out = io.Discard
	}
	logw := cfg.Log
	if logw == nil {
		logw = io.Discard
	}
	// A cluster id of its own, so the benchmark neither collides with nor stops
	// the profile's default cluster a user may be running.
	cl, err := parallel.StartClusterContext(ctx, parallel.ClusterOptions{
		N: cfg.Engines, ClusterID: "bench-" + strconv.Itoa(os.Getpid()), Executable: cfg.Executable,
		Timeout: 120 * time.Second, Log: cfg.Log,
	})
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	defer func() {
		if serr := cl.Stop(); err == nil && serr != nil {
			err = fmt.Errorf("bench: stopping the cluster: %w", serr)
		}
	}()
	c, err := cl.Connect()
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	defer c.Close()
	wctx, cancel := context.WithTimeout(ctx, 120*time.Second)
	defer cancel()
	if err := c.WaitForEngines(wctx, cfg.Engines); err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	e := &env{cfg: cfg, c: c, dv: c.Slice(":"), e0: c.Slice("0"), lv: c.LoadBalancedView()}
	e.dv.Block, e.e0.Block = true, true
	if err := e.hello(ctx); err != nil {
		return nil, err
	}
	for _, w := range workloads(cfg) {
		if cfg.Run != nil && !cfg.Run.MatchString(w.name) {
			continue
		}
		fmt.Fprintf(logw, "bench: %s...\n", w.name)
		v, err := w.run(ctx, e)
		if err != nil {
			return results, fmt.Errorf("bench: %s: %w", w.name, err)
		}
		r := Result{Name: w.name, Value: v, Unit: w.unit}
		results = append(results, r)
		fmt.Fprintln(cfg.Out, r)
	}
	return results, nil
}

// The functions the workloads ship, as ipp_bench.py's lambdas.
var (
	noop     = parallel.Func("func() {}")                    // lambda: None
	identity = parallel.Func("func(x int) int { return x }") // lambda x: x
	hello    = parallel.Func(`func() string { return "Hello World!" }`)
)

// hello is ipp_bench.py's sanity check: every engine answers.
func (e *env) hello(ctx context.Context) error {
	v, err := e.dv.ApplyAsync(hello).GetContext(ctx)
	if err != nil {
		return fmt.Errorf("bench: hello: %w", err)
	}
	want := slices.Repeat([]string{"Hello World!"}, e.cfg.Engines)
	if got, ok := v.([]string); !ok || !slices.Equal(got, want) {
		return fmt.Errorf("bench: hello: got %v, want %v", v, want)
	}
	return nil
}

// workloads lists ipp_bench.py's workloads in its order. Names stating an engine
// count or a size follow cfg, as the script's do for the engine count.
func workloads(cfg Config) []workload {
	n := strconv.Itoa(cfg.Engines)
	mb := strconv.FormatFloat(float64(cfg.Floats)*8/1e6, 'g', -1, 64)
	return []workload{
		{"apply_sync_1engine", "ms", func(ctx context.Context, e *env) (float64, error) {
			return e.medianMS(ctx, func() error { return e.applyNoop(ctx, e.e0) })
		}},
		{"apply_sync_" + n + "engines", "ms", func(ctx context.Context, e *env) (float64, error) {
			return e.medianMS(ctx, func() error { return e.applyNoop(ctx, e.dv) })
		}},
		{"lview_apply_sync", "ms", func(ctx context.Context, e *env) (float64, error) {
			return e.medianMS(ctx, func() error {
				v, err := e.lv.ApplyAsync(noop).GetContext(ctx)
				return expectNil(v, err)
			})
		}},
		{"execute_" + n + "engines", "ms", func(ctx context.Context, e *env) (float64, error) {
			return e.medianMS(ctx, func() error {
				// Python's `x = 1` defines or rebinds x; in a Go cell that is
				// `x := 1` (a bare `x = 1` fails until x is declared).
				ar, err := e.dv.Execute("x := 1")
				if err != nil {
					return err
				}
				_, err = ar.GetContext(ctx)
				return err
			})
		}},
		{"lview_map_" + strconv.Itoa(cfg.MapN), "s", func(ctx context.Context, e *env) (float64, error) {
			return e.mapIdentity(ctx, e.lv.MapAsync)
		}},
		{"dview_map_" + strconv.Itoa(cfg.MapN), "s", func(ctx context.Context, e *env) (float64, error) {
			return e.mapIdentity(ctx, e.dv.MapAsync)
		}},
		{"lview_" + strconv.Itoa(cfg.Tasks) + "_async_tasks", "tasks/s", func(ctx context.Context, e *env) (float64, error) {
			return e.asyncTasks(ctx, e.lv.ApplyAsync)
		}},
		{"direct_" + strconv.Itoa(cfg.Tasks) + "_async_tasks", "tasks/s", func(ctx context.Context, e *env) (float64, error) {
			return e.asyncTasks(ctx, e.e0.ApplyAsync)
		}},
		{"push_" + mb + "MB", "MB/s", func(ctx context.Context, e *env) (float64, error) {
			e.a = randomFloats(cfg.Floats)
			dt, err := timed(func() error {
				ar, err := e.e0.Push(map[string]any{"A": e.a})
				if err != nil {
					return err
				}
				_, err = ar.GetContext(ctx)
				return err
			})
			return float64(cfg.Floats) * 8 / 1e6 / dt, err
		}},
		{"pull_" + mb + "MB", "MB/s", func(ctx context.Context, e *env) (float64, error) {
			if err := e.ensureArray(ctx); err != nil {
				return 0, err
			}
			var b any
			dt, err := timed(func() (err error) {
				b, err = e.e0.PullAsync("A").GetContext(ctx)
				return err
			})
			if err != nil {
				return 0, err
			}
			if err := sameFloats(e.a, b); err != nil {
				return 0, err
			}
			return float64(cfg.Floats) * 8 / 1e6 / dt, nil
		}},
		{"scatter_" + mb + "MB_" + n + "engines", "s", func(ctx context.Context, e *env) (float64, error) {
			if e.a == nil {
				e.a = randomFloats(cfg.Floats)
			}
			return timed(func() error {
				ar, err := e.dv.Scatter("S", e.a)
				if err != nil {
					return err
				}
				_, err = ar.GetContext(ctx)
				return err
			})
		}},
		{"gather_" + mb + "MB_" + n + "engines", "s", func(ctx context.Context, e *env) (float64, error) {
			if e.a == nil {
				e.a = randomFloats(cfg.Floats)
				ar, err := e.dv.Scatter("S", e.a)
				if err != nil {
					return 0, err
				}
				if _, err := ar.GetContext(ctx); err != nil {
					return 0, err
				}
			}
			var g any
			dt, err := timed(func() (err error) {
				g, err = e.dv.GatherAsync("S").GetContext(ctx)
				return err
			})
			if err != nil {
				return 0, err
			}
			return dt, sameFloats(e.a, g)
		}},
	}
}

// applyNoop is view.apply_sync(lambda: None) on a blocking direct view.
func (e *env) applyNoop(ctx context.Context, v *parallel.DirectView) error {
	val, err := v.ApplyAsync(noop).GetContext(ctx)
	if err != nil {
		return err
	}
	if v == e.e0 {
		return expectNil(val, nil)
	}
	// One nil per engine, in whatever slice type the client assembles.
	if got := parallel.Values(val); len(got) != e.cfg.Engines || slices.ContainsFunc(got, func(x any) bool { return x != nil }) {
		return fmt.Errorf("apply of a no-op returned %v, want %d nils", val, e.cfg.Engines)
	}
	return nil
}

// expectNil checks that a no-op returned nothing, as lambda: None returns None.
func expectNil(v any, err error) error {
	if err == nil && v != nil {
		return fmt.Errorf("a no-op returned %v, want nil", v)
	}
	return err
}

// mapIdentity times map(lambda x: x, range(MapN)) with the view's default
// arguments, and checks the sum as ipp_bench.py does (5118400 for 3200).
func (e *env) mapIdentity(ctx context.Context, mapAsync func(any, ...any) *parallel.AsyncResult) (float64, error) {
	n := e.cfg.MapN
	var r any
	dt, err := timed(func() (err error) {
		r, err = mapAsync(identity, parallel.Range(n)).GetContext(ctx)
		return err
	})
	if err != nil {
		return 0, err
	}
	got, ok := r.([]int)
	if !ok {
		return 0, fmt.Errorf("map returned %T, want []int", r)
	}
	sum := 0
	for _, x := range got {
		sum += x
	}
	if want := n * (n - 1) / 2; len(got) != n || sum != want {
		return 0, fmt.Errorf("map returned %d elements summing to %d, want %d summing to %d", len(got), sum, n, want)
	}
	return dt, nil
}

// asyncTasks submits Tasks no-op applies without waiting, then gets them all, and
// returns tasks per second.
func (e *env) asyncTasks(ctx context.Context, applyAsync func(any, ...any) *parallel.AsyncResult) (float64, error) {
	n := e.cfg.Tasks
	dt, err := timed(func() error {
		ars := make([]*parallel.AsyncResult, n)
		for i := range ars {
			ars[i] = applyAsync(noop)
		}
		for _, ar := range ars {
			if err := expectNil(ar.GetContext(ctx)); err != nil {
				return err
			}
		}
		return nil
	})
	return float64(n) / dt, err
}

// ensureArray pushes the array when the push workload did not run (--run).
func (e *env) ensureArray(ctx context.Context) error {
	if e.a != nil {
		return nil
	}
	e.a = randomFloats(e.cfg.Floats)
	ar, err := e.e0.Push(map[string]any{"A": e.a})
	if err != nil {
		return err
	}
	_, err = ar.GetContext(ctx)
	return err
}

// medianMS runs fn Reps times and returns the median in milliseconds, as
// statistics.median does (the mean of the middle two for an even count).
func (e *env) medianMS(ctx context.Context, fn func() error) (float64, error) {
	times := make([]float64, e.cfg.Reps)
	for i := range times {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		dt, err := timed(fn)
		if err != nil {
			return 0, err
		}
		times[i] = dt
	}
	return 1e3 * median(times), nil
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// timed returns how long fn took, in seconds.
func timed(fn func() error) (float64, error) {
	t := time.Now()
	err := fn()
	return time.Since(t).Seconds(), err
}

// randomFloats is np.random.random(n).
func randomFloats(n int) []float64 {
	a := make([]float64, n)
	for i := range a {
		a[i] = rand.Float64()
	}
	return a
}

// sameFloats is np.array_equal for what came back.
func sameFloats(want []float64, got any) error {
	g, ok := got.([]float64)
	if !ok {
		return fmt.Errorf("got %T back, want []float64", got)
	}
	if len(g) != len(want) {
		return fmt.Errorf("got %d float64s back, want %d", len(g), len(want))
	}
	for i := range g {
		if g[i] != want[i] {
			return fmt.Errorf("the float64s came back changed (first at %d: %v, want %v)", i, g[i], want[i])
		}
	}
	return nil
}
