package magics

import "github.com/goparallel/goparallel/kernel"

const (
	pxFlagsHelp = "  -t, --targets T       engines: all, an id (0, -1), a list (0,2), a slice (::2, 1:3)\n" +
		"  -b, --block / -a, --noblock   wait for the engines, or return the AsyncResult\n" +
		"  --stream / --no-stream        show output live, or grouped at the end (default:\n" +
		"                                grouped, live after 1 s for long cells)\n" +
		"  --group-outputs {type,engine,order}, -e (engine), -r (order)\n" +
		"                                how the outputs of the engines are laid out\n" +
		"  --local               also run the code in this notebook\n" +
		"  -o, --out NAME        keep the AsyncResult in the variable NAME\n" +
		"  --verbose / --no-verbose      say where the code runs\n" +
		"  --suffix S            use the view activated with magics.Activate(view, S)"
)

// magics are the magics of the package. Magics of activated suffixes are
// rewritten into these by the cell transform (see routeSuffixes).
func (s *state) magics() []kernel.Magic {
	result := kernel.Magic{
		Usage: "%pxresult [-e|-r|--group-outputs G] [-o NAME]",
		Help: "Show the outputs of the last %px (waiting for it), as a blocking %px does:\n" +
			"  %%px --noblock ... then %pxresult. %result is the same magic.",
		RunLine: s.pxresult,
		RunCell: s.pxresultCell,
	}
	pxresult, legacy := result, result
	pxresult.Name, legacy.Name = "pxresult", "result"
	legacy.Usage = "%result [-e|-r|--group-outputs G] [-o NAME]"
	return []kernel.Magic{
		{
			Name:  "px",
			Usage: "%px [FLAGS] CODE  |  %%px [FLAGS]",
			Help: "Run Go code on the engines of the current view: `%px y := x * 2`, or a whole\n" +
				"cell after %%px. Output is labelled by engine ([stdout:0] ...), results read\n" +
				"Out[ENGINE:COUNT]: value, errors [ENGINE:execute] Name: message. Interrupting\n" +
				"the cell interrupts the engines (they keep their state). Flags (before the code\n" +
				"in the line form; -- ends them):\n" + pxFlagsHelp,
			RunLine: s.pxLine,
			RunCell: s.pxCell,
		},
		pxresult,
		legacy,
		{
			Name:  "pxconfig",
			Usage: "%pxconfig [--targets T] [--block|--noblock] [--stream|--no-stream] [--verbose|--no-verbose]",
			Help: "Set the defaults of %px: its targets (resolved now: a slice of the engines\n" +
				"registered now; `all` follows the engines), blocking, live output and\n" +
				"verbosity. Without flags, show them.",
			RunLine: s.pxconfig,
		},
		{
			Name:  "autopx",
			Usage: "%autopx",
			Help: "Toggle sending every cell to the engines, as if it started with %%px. Cells\n" +
				"starting with %px, %pxresult, %pxconfig, %autopx or %ipcluster run here.",
			RunLine: s.autopxMagic,
		},
		{
			Name:  "ipcluster",
			Usage: "%ipcluster start -n N [...] | stop",
			Help: "Start a local cluster (a controller and N engines) and run %px on it, or stop\n" +
				"it: " + ipclusterUsage + ".\n" +
				"Without --daemonize the cluster dies with the kernel.\n\n" +
				"Magics for other views, as IPython Parallel's view.activate(suffix):\n" +
				"  import \"" + ImportPath + "\"\n" +
				"  magics.Activate(c.Slice(\"::2\"), \"_even\")   // %px_even, %%px_even, %pxresult_even,\n" +
				"                                            // %pxconfig_even, %autopx_even\n" +
				"  c, err := magics.Client()                  // the client %px uses",
			RunLine: s.ipclusterMagic,
		},
	}
}
