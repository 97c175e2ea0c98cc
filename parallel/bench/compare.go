package bench

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"text/tabwriter"
)

// Targets are the speed-ups over IPython Parallel the project aims for, by
// workload name with the engine count written as N (see [targetName]).
var Targets = map[string]float64{
	"apply_sync_1engine":      10,
	"apply_sync_Nengines":     10,
	"lview_apply_sync":        10,
	"execute_Nengines":        10,
	"lview_map_3200":          100,
	"lview_2000_async_tasks":  25,
	"direct_2000_async_tasks": 25,
	"push_64MB":               5,
	"pull_64MB":               5,
	"scatter_64MB_Nengines":   5,
	"gather_64MB_Nengines":    5,
}

var enginesSuffix = regexp.MustCompile(`_\d+engines$`)

// targetName writes a workload's engine count as N: apply_sync_4engines and
// apply_sync_8engines share a target. apply_sync_1engine is a name of its own.
func targetName(name string) string {
	return enginesSuffix.ReplaceAllString(name, "_Nengines")
}

// Row is one workload of a comparison.
type Row struct {
	Name    string
	IPP, Go *Result // nil when that side did not report the workload
	// Speedup is how many times faster goparallel is: ipp/go for times, go/ipp for
	// rates; 0 when either side is missing or unusable.
	Speedup float64
	Target  float64 // 0: no target
}

// Met reports whether the row has a target and reaches it.
func (r Row) Met() bool { return r.Target > 0 && r.Speedup >= r.Target }

// isRate tells rates (more is better) from times (less is better).
func isRate(unit string) (rate, ok bool) {
	switch unit {
	case "ms", "s":
		return false, true
	case "tasks/s", "MB/s":
		return true, true
	}
	return false, false
}

// Speedup returns how many times faster gop is than ipp on one workload, or an
// error when the two cannot be compared.
func Speedup(ipp, gop Result) (float64, error) {
	if ipp.Unit != gop.Unit {
		return 0, fmt.Errorf("%s: units differ (%s and %s)", ipp.Name, ipp.Unit, gop.Unit)
	}
	rate, ok := isRate(ipp.Unit)
	if !ok {
		return 0, fmt.Errorf("%s: unknown unit %q", ipp.Name, ipp.Unit)
	}
	if ipp.Value <= 0 || gop.Value <= 0 {
		return 0, fmt.Errorf("%s: non-positive value", ipp.Name)
	}
	if rate {
		return gop.Value / ipp.Value, nil
	}
	return ipp.Value / gop.Value, nil
}

// Compare pairs the two result lists by name, in IPython Parallel's order, then
// the workloads only goparallel reported.
func Compare(ipp, gop []Result) []Row {
	byName := map[string]*Result{}
	for i := range gop {
		byName[gop[i].Name] = &gop[i]
	}
	seen := map[string]bool{}
	var rows []Row
	add := func(name string, a, b *Result) {
		r := Row{Name: name, IPP: a, Go: b, Target: Targets[targetName(name)]}
		if a != nil && b != nil {
			r.Speedup, _ = Speedup(*a, *b)
		}
		rows = append(rows, r)
		seen[name] = true
	}
	for i := range ipp {
		add(ipp[i].Name, &ipp[i], byName[ipp[i].Name])
	}
	for i := range gop {
		if !seen[gop[i].Name] {
			add(gop[i].Name, nil, &gop[i])
		}
	}
	return rows
}

// RenderTable writes the rows as an aligned table: workload, both figures, the
// speed-up and the target, marked "ok" when met and "MISS" when not.
func RenderTable(w io.Writer, rows []Row) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "workload\tIPython Parallel\tgoparallel\tspeed-up\ttarget\t\t")
	fig := func(r *Result) string {
		if r == nil {
			return "-"
		}
		return strconv.FormatFloat(r.Value, 'g', 4, 64) + " " + r.Unit
	}
	for _, r := range rows {
		speed, target, verdict := "-", "-", ""
		if r.Speedup > 0 {
			speed = strconv.FormatFloat(r.Speedup, 'f', 1, 64) + "x"
		}
		if r.Target > 0 {
			target = ">= " + strconv.FormatFloat(r.Target, 'g', -1, 64) + "x"
			verdict = "MISS"
			if r.Met() {
				verdict = "ok"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t\n", r.Name, fig(r.IPP), fig(r.Go), speed, target, verdict)
	}
	return tw.Flush()
}

// ReadResults reads a JSON file written by ipp_bench.py --json or bench --json.
func ReadResults(path string) ([]Result, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	var rs []Result
	if err := json.Unmarshal(b, &rs); err != nil {
		return nil, fmt.Errorf("bench: %s: %w", path, err)
	}
	return rs, nil
}

// compareMain is `goparallel bench compare IPP.json GO.json`.
func compareMain(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("bench compare", flag.ContinueOnError)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return errors.New("usage: goparallel bench compare IPP.json GO.json")
	}
	ipp, err := ReadResults(fs.Arg(0))
	if err != nil {
		return err
	}
	gop, err := ReadResults(fs.Arg(1))
	if err != nil {
		return err
	}
	return RenderTable(out, Compare(ipp, gop))
}
