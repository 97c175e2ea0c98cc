package kernel

import (
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/goparallel/goparallel/kernel/magic"
)

// builtinMagics are the magics every goparallel kernel has.
func builtinMagics() []Magic {
	return []Magic{
		{
			Name:  "help",
			Usage: "%help [NAME]",
			Help:  "Show the magics, or the help of one, in the pager.",
			RunLine: func(c *Cell, args string) error {
				text, err := c.k.magicHelp(strings.TrimSpace(args))
				if err != nil {
					return err
				}
				c.Page(text)
				return nil
			},
		},
		{
			Name:  "time",
			Usage: "%time STATEMENT  |  %%time",
			Help: "Run Go code once and print how long it took (wall time).\n" +
				"The value of a trailing expression is the cell's result.",
			RunLine: func(c *Cell, args string) error { return timeOnce(c, args) },
			RunCell: func(c *Cell, _, body string) error { return timeOnce(c, body) },
		},
		{
			Name:  "timeit",
			Usage: "%timeit [-n N] [-r R] STATEMENT  |  %%timeit",
			Help: "Time Go code: R rounds (default 7) of N runs each; without -n, N grows\n" +
				"until a round takes at least 0.2 s. Prints the mean and standard\n" +
				"deviation per run over the rounds. The code is compiled once.",
			RunLine: func(c *Cell, args string) error { return timeit(c, args, "") },
			RunCell: func(c *Cell, args, body string) error { return timeit(c, args, body) },
		},
		{
			Name:  "who",
			Usage: "%who [KIND...]",
			Help: "List the names the cells declared, with their kind and type.\n" +
				"KIND filters by kind: var, func, type, const, import.",
			RunLine: who,
		},
		{
			Name:  "env",
			Usage: "%env [NAME | NAME=VALUE | NAME VALUE]",
			Help: "Without arguments, list the environment; with NAME, print its value;\n" +
				"with a value, set it for the kernel and the processes it starts.",
			RunLine: env,
		},
	}
}

// timeOnce runs code and prints its wall time.
func timeOnce(c *Cell, code string) error {
	start := time.Now()
	res, err := c.Run(code)
	elapsed := time.Since(start)
	fmt.Fprintf(c.Stdout(), "Wall time: %s\n", formatDuration(elapsed))
	if err != nil {
		return err
	}
	if res.HasValue {
		c.SetResult(res.Value)
	}
	return nil
}

// timeit compiles code once into a function and times calls to it.
func timeit(c *Cell, args, body string) error {
	fs := flag.NewFlagSet("timeit", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	n := fs.Int("n", 0, "runs per round")
	r := fs.Int("r", 7, "rounds")
	words, err := magic.SplitArgs(args)
	if err != nil {
		return &Error{Name: "UsageError", Value: "%timeit: " + err.Error()}
	}
	if err := fs.Parse(words); err != nil {
		return &Error{Name: "UsageError", Value: "%timeit: " + err.Error() + "; usage: %timeit [-n N] [-r R] STATEMENT"}
	}
	code := body
	if code == "" {
		// Flags come first; the statement is the rest of the line, quoted or not.
		code = strings.Join(fs.Args(), " ")
		if rest := restAfterFlags(args, words, fs.Args()); rest != "" {
			code = rest
		}
	}
	if strings.TrimSpace(code) == "" {
		return &Error{Name: "UsageError", Value: "%timeit needs a statement"}
	}
	if *r < 1 {
		*r = 1
	}
	src, err := c.k.transform(c, c.k.cfg.CodeTransforms, "func() {\n"+code+"\n}")
	if err != nil {
		return err
	}
	fn, err := c.k.sess.Compile(src)
	if err != nil {
		return err
	}
	call := func(times int) (time.Duration, error) {
		start := time.Now()
		for i := 0; i < times; i++ {
			if err := c.ctx.Err(); err != nil {
				return 0, err
			}
			if _, err := c.k.sess.CallSafe(fn, nil); err != nil {
				return 0, err
			}
		}
		return time.Since(start), nil
	}
	loops := *n
	if loops <= 0 {
		// Like IPython: 1, 2, 5, 10, 20, 50, ... until a round takes 0.2 s.
		for loops = 1; ; {
			d, err := call(loops)
			if err != nil {
				return err
			}
			if d >= 200*time.Millisecond || loops >= 1e9 {
				break
			}
			switch s := fmt.Sprint(loops); s[0] {
			case '1':
				loops *= 2
			case '2':
				loops = loops / 2 * 5
			default:
				loops *= 2
			}
		}
	}
	per := make([]float64, *r)
	for i := range per {
		d, err := call(loops)
		if err != nil {
			return err
		}
		per[i] = float64(d) / float64(loops)
	}
	mean, sd := meanStd(per)
	plural := "s"
	if loops == 1 {
		plural = ""
	}
	fmt.Fprintf(c.Stdout(), "%s ± %s per loop (mean ± std. dev. of %d runs, %d loop%s each)\n",
		formatDuration(time.Duration(mean)), formatDuration(time.Duration(sd)), *r, loops, plural)
	return nil
}

// restAfterFlags returns the part of the raw argument line after the flags, so
// that a statement keeps its own quoting ("%timeit -n 3 fmt.Sprint("a b")").
func restAfterFlags(raw string, words, rest []string) string {
	nFlags := len(words) - len(rest)
	s := strings.TrimSpace(raw)
	for i := 0; i < nFlags; i++ {
		s = strings.TrimSpace(s)
		j := strings.IndexAny(s, " \t")
		if j < 0 {
			return ""
		}
		s = s[j:]
	}
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "--") && len(rest) > 0 && rest[0] != "--" {
		s = strings.TrimSpace(strings.TrimPrefix(s, "--"))
	}
	return s
}

func meanStd(xs []float64) (float64, float64) {
	var sum float64
	for _, x := range xs {
		sum += x
	}
	mean := sum / float64(len(xs))
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	if len(xs) < 2 {
		return mean, 0
	}
	return mean, math.Sqrt(ss / float64(len(xs)-1))
}

// formatDuration prints durations with three significant digits, as IPython.
func formatDuration(d time.Duration) string {
	s := d.Seconds()
	switch {
	case s >= 1:
		return fmt.Sprintf("%.3g s", s)
	case s >= 1e-3:
		return fmt.Sprintf("%.3g ms", s*1e3)
	case s >= 1e-6:
		return fmt.Sprintf("%.3g µs", s*1e6)
	}
	return fmt.Sprintf("%.3g ns", s*1e9)
}

// who lists the session's names.
func who(c *Cell, args string) error {
	kinds := map[string]bool{}
	for _, k := range strings.Fields(args) {
		kinds[k] = true
	}
	tw := tabwriter.NewWriter(c.Stdout(), 0, 4, 2, ' ', 0)
	n := 0
	for _, b := range c.k.sess.Names() {
		if len(kinds) > 0 && !kinds[b.Kind] {
			continue
		}
		if n == 0 {
			fmt.Fprintln(tw, "Name\tKind\tType")
			fmt.Fprintln(tw, "----\t----\t----")
		}
		n++
		fmt.Fprintf(tw, "%s\t%s\t%s\n", b.Name, b.Kind, b.Type)
	}
	if n == 0 {
		fmt.Fprintln(tw, "No names declared yet.")
	}
	return tw.Flush()
}

// env gets and sets environment variables.
func env(c *Cell, args string) error {
	args = strings.TrimSpace(args)
	if args == "" {
		vars := os.Environ()
		sort.Strings(vars)
		for _, v := range vars {
			fmt.Fprintln(c.Stdout(), v)
		}
		return nil
	}
	name, value, set := strings.Cut(args, "=")
	if !set {
		name, value, set = strings.Cut(args, " ")
	}
	name, value = strings.TrimSpace(name), strings.TrimSpace(value)
	if words, err := magic.SplitArgs(value); err == nil && len(words) == 1 {
		value = words[0] // %env X "a b" sets a b
	}
	if !set {
		v, ok := os.LookupEnv(name)
		if !ok {
			return &Error{Name: "UsageError", Value: fmt.Sprintf("environment variable %s is not set", name)}
		}
		fmt.Fprintln(c.Stdout(), v)
		c.SetResult(v)
		return nil
	}
	if err := os.Setenv(name, value); err != nil {
		return fmt.Errorf("%%env: %w", err)
	}
	if s, ok := any(c.k.sess).(interface{ Setenv(k, v string) error }); ok {
		if err := s.Setenv(name, value); err != nil {
			return fmt.Errorf("%%env: %w", err)
		}
	}
	fmt.Fprintf(c.Stdout(), "env: %s=%s\n", name, value)
	return nil
}
