package bench

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestResultString(t *testing.T) {
	// The same text as Python's f"{value:.4g}".
	for v, want := range map[float64]string{
		3.54:     "3.54",
		9.58123:  "9.581",
		7.8149:   "7.815",
		0.017634: "0.01763",
		369.4:    "369.4",
		12345.6:  "1.235e+04",
		0.00001:  "1e-05",
		5118400:  "5.118e+06",
	} {
		if got := (Result{"w", v, "ms"}).String(); got != "w "+want+" ms" {
			t.Errorf("%v: %q, want %q", v, got, "w "+want+" ms")
		}
	}
}

func TestMedian(t *testing.T) {
	// statistics.median: the middle one, or the mean of the middle two.
	if got := median([]float64{3, 1, 2}); got != 2 {
		t.Errorf("odd: %v", got)
	}
	if got := median([]float64{4, 1, 3, 2}); got != 2.5 {
		t.Errorf("even: %v", got)
	}
	xs := []float64{2, 1}
	median(xs)
	if xs[0] != 2 {
		t.Error("median sorted its argument")
	}
}

func TestWorkloadNames(t *testing.T) {
	var names []string
	for _, w := range workloads(DefaultConfig()) {
		names = append(names, w.name+" "+w.unit)
	}
	want := []string{
		"apply_sync_1engine ms", "apply_sync_4engines ms", "lview_apply_sync ms", "execute_4engines ms",
		"lview_map_3200 s", "dview_map_3200 s", "lview_2000_async_tasks tasks/s", "direct_2000_async_tasks tasks/s",
		"push_64MB MB/s", "pull_64MB MB/s", "scatter_64MB_4engines s", "gather_64MB_4engines s",
	}
	if strings.Join(names, "\n") != strings.Join(want, "\n") {
		t.Errorf("workloads:\n%s\nwant (ipp_bench.py's names, in its order):\n%s", strings.Join(names, "\n"), strings.Join(want, "\n"))
	}
	for _, w := range workloads(DefaultConfig()) {
		if _, ok := Targets[targetName(w.name)]; !ok && w.name != "dview_map_3200" {
			t.Errorf("%s has no target", w.name)
		}
	}
}

func TestSameFloats(t *testing.T) {
	a := []float64{1, 2, 3}
	if err := sameFloats(a, []float64{1, 2, 3}); err != nil {
		t.Error(err)
	}
	for _, bad := range []any{[]float64{1, 2}, []float64{1, 2, 4}, []int{1, 2, 3}, nil} {
		if sameFloats(a, bad) == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

func TestMainFlags(t *testing.T) {
	for _, args := range [][]string{{"--engines", "0"}, {"--floats", "1", "--engines", "2"}, {"extra"}, {"--run", "("}} {
		if err := Main(context.Background(), args); err == nil {
			t.Errorf("Main(%q): no error", args)
		}
	}
	if err := Main(context.Background(), []string{"-h"}); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v", err)
	}
}

// goparallelBinary builds the goparallel binary the cluster's controller and
// engines run.
func goparallelBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "goparallel")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/goparallel/goparallel").CombinedOutput()
	if err != nil {
		t.Skipf("cannot build the goparallel binary: %v\n%s", err, out)
	}
	return bin
}

var line = regexp.MustCompile(`^([A-Za-z0-9_.]+) (\S+) (ms|s|tasks/s|MB/s)$`)

// TestSmoke runs every workload, with tiny sizes, on a real two-engine cluster and
// checks that the output parses and agrees with the JSON file.
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a cluster: skipped with -short")
	}
	bin := goparallelBinary(t)
	t.Setenv("GOPARALLEL_DIR", t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	cfg := DefaultConfig()
	cfg.Engines, cfg.Executable = 2, bin
	cfg.Reps, cfg.MapN, cfg.Tasks, cfg.Floats = 5, 32, 20, 10_000
	var out strings.Builder
	cfg.Out = &out
	results, err := Run(ctx, cfg)
	if err != nil {
		t.Fatalf("%v\noutput so far:\n%s", err, out.String())
	}
	want := []string{
		"apply_sync_1engine", "apply_sync_2engines", "lview_apply_sync", "execute_2engines",
		"lview_map_32", "dview_map_32", "lview_20_async_tasks", "direct_20_async_tasks",
		"push_0.08MB", "pull_0.08MB", "scatter_0.08MB_2engines", "gather_0.08MB_2engines",
	}
	sc := bufio.NewScanner(strings.NewReader(out.String()))
	i := 0
	for ; sc.Scan(); i++ {
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			t.Fatalf("line %q does not read `name value unit`", sc.Text())
		}
		v, err := strconv.ParseFloat(m[2], 64)
		if err != nil || v <= 0 {
			t.Errorf("%s: value %q", m[1], m[2])
		}
		if i >= len(want) || m[1] != want[i] {
			t.Fatalf("line %d names %s, want %v", i, m[1], want)
		}
		if r := results[i]; r.Name != m[1] || r.Unit != m[3] {
			t.Errorf("result %d = %v, printed %q", i, r, sc.Text())
		}
	}
	if i != len(want) || len(results) != len(want) {
		t.Errorf("%d lines and %d results, want %d", i, len(results), len(want))
	}

	// The JSON file ipp_bench.py's shape.
	path := filepath.Join(t.TempDir(), "out.json")
	if err := writeJSON(path, results); err != nil {
		t.Fatal(err)
	}
	back, err := ReadResults(path)
	if err != nil || len(back) != len(results) || back[0] != results[0] {
		t.Errorf("read back %v, %v", back, err)
	}
	if b, _ := os.ReadFile(path); !strings.Contains(string(b), `"name": "apply_sync_1engine"`) {
		t.Errorf("json:\n%s", b)
	}
}
