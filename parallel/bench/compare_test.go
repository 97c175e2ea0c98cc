package bench

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSpeedup(t *testing.T) {
	for _, tc := range []struct {
		ipp, gop Result
		want     float64
		err      bool
	}{
		{Result{"apply_sync_1engine", 3.5, "ms"}, Result{"apply_sync_1engine", 0.35, "ms"}, 10, false},
		{Result{"lview_map_3200", 7.8, "s"}, Result{"lview_map_3200", 0.078, "s"}, 100, false},
		{Result{"lview_2000_async_tasks", 400, "tasks/s"}, Result{"lview_2000_async_tasks", 10000, "tasks/s"}, 25, false},
		{Result{"push_64MB", 150, "MB/s"}, Result{"push_64MB", 750, "MB/s"}, 5, false},
		{Result{"push_64MB", 150, "MB/s"}, Result{"push_64MB", 0.1, "s"}, 0, true},
		{Result{"x", 1, "furlongs"}, Result{"x", 1, "furlongs"}, 0, true},
		{Result{"x", 0, "ms"}, Result{"x", 1, "ms"}, 0, true},
	} {
		got, err := Speedup(tc.ipp, tc.gop)
		if (err != nil) != tc.err || math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("Speedup(%v, %v) = %v, %v; want %v (error %v)", tc.ipp, tc.gop, got, err, tc.want, tc.err)
		}
	}
}

func TestTargetName(t *testing.T) {
	for in, want := range map[string]float64{
		"apply_sync_1engine":      10,
		"apply_sync_4engines":     10,
		"apply_sync_16engines":    10,
		"execute_2engines":        10,
		"lview_map_3200":          100,
		"dview_map_3200":          0,
		"direct_2000_async_tasks": 25,
		"scatter_64MB_8engines":   5,
		"gather_64MB_4engines":    5,
		"lview_200_async_tasks":   0, // a smaller run is not the target's workload
		"push_0.08MB":             0,
	} {
		if got := Targets[targetName(in)]; got != want {
			t.Errorf("target of %s = %v, want %v", in, got, want)
		}
	}
}

func TestCompareAndRender(t *testing.T) {
	ipp := []Result{
		{"apply_sync_1engine", 3.54, "ms"},
		{"lview_map_3200", 7.81, "s"},
		{"lview_2000_async_tasks", 369, "tasks/s"},
		{"gather_64MB_4engines", 0.444, "s"},
		{"only_python", 1, "s"},
	}
	gop := []Result{
		{"apply_sync_1engine", 0.5, "ms"},
		{"lview_map_3200", 0.0125, "s"},
		{"lview_2000_async_tasks", 10000, "tasks/s"},
		{"gather_64MB_4engines", 0.1, "s"},
		{"only_go", 2, "s"},
	}
	rows := Compare(ipp, gop)
	var names []string
	for _, r := range rows {
		names = append(names, r.Name)
	}
	if got, want := strings.Join(names, ","), "apply_sync_1engine,lview_map_3200,lview_2000_async_tasks,gather_64MB_4engines,only_python,only_go"; got != want {
		t.Fatalf("rows %s, want %s", got, want)
	}
	for i, want := range []struct {
		speedup float64
		met     bool
	}{{7.08, false}, {624.8, true}, {27.1, true}, {4.44, false}, {0, false}, {0, false}} {
		if math.Abs(rows[i].Speedup-want.speedup) > 0.01 || rows[i].Met() != want.met {
			t.Errorf("%s: speed-up %v met %v, want %v %v", rows[i].Name, rows[i].Speedup, rows[i].Met(), want.speedup, want.met)
		}
	}

	var b strings.Builder
	if err := RenderTable(&b, rows); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	if len(lines) != len(rows)+1 {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(rows)+1, b.String())
	}
	for i, want := range [][]string{
		{"workload", "IPython", "Parallel", "goparallel", "speed-up", "target"},
		{"apply_sync_1engine", "3.54", "ms", "0.5", "ms", "7.1x", ">=", "10x", "MISS"},
		{"lview_map_3200", "7.81", "s", "0.0125", "s", "624.8x", ">=", "100x", "ok"},
		{"lview_2000_async_tasks", "369", "tasks/s", "1e+04", "tasks/s", "27.1x", ">=", "25x", "ok"},
		{"gather_64MB_4engines", "0.444", "s", "0.1", "s", "4.4x", ">=", "5x", "MISS"},
		{"only_python", "1", "s", "-", "-", "-"},
		{"only_go", "-", "2", "s", "-", "-"},
	} {
		if got := strings.Fields(lines[i]); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("line %d = %q, want fields %q", i, lines[i], want)
		}
	}
	// The columns line up: each row's speed-up starts under the header's.
	col := strings.Index(lines[0], "speed-up")
	for i, sp := range []string{"7.1x", "624.8x", "27.1x", "4.4x"} {
		if got := strings.Index(lines[i+1], sp); got != col {
			t.Errorf("row %d: speed-up at column %d, header at %d:\n%s", i+1, got, col, b.String())
		}
	}
}

func TestCompareMain(t *testing.T) {
	dir := t.TempDir()
	ipp := filepath.Join(dir, "ipp.json")
	gop := filepath.Join(dir, "go.json")
	// ipp_bench.py writes json.dump(results, f, indent=1).
	if err := os.WriteFile(ipp, []byte("[\n {\n  \"name\": \"push_64MB\",\n  \"value\": 156.2,\n  \"unit\": \"MB/s\"\n }\n]"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := writeJSON(gop, []Result{{"push_64MB", 781, "MB/s"}}); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := compareMain([]string{ipp, gop}, &b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "5.0x") || !strings.Contains(b.String(), "ok") {
		t.Errorf("table:\n%s", b.String())
	}
	if err := compareMain([]string{ipp}, &b); err == nil {
		t.Error("one file: no error")
	}
	if err := compareMain([]string{ipp, filepath.Join(dir, "missing.json")}, &b); err == nil {
		t.Error("missing file: no error")
	}
}
