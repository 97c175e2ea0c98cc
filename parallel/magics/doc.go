// Package magics is the notebook side of package parallel: IPython Parallel's
// %px magics for the goparallel kernel, and the wiring that lets cells use
// parallel (hooks, function shipping, symbol tables). The goparallel binary
// calls [Extend] on its kernel.Config.
//
// Magics, as in IPython Parallel:
//
//	%px CODE                    run CODE on the engines of the current view
//	%%px [flags]                run the cell there
//	%pxresult, %result          show the outputs of the last non-blocking %px
//	%pxconfig [flags]           default targets, blocking, streaming, verbosity
//	%autopx                     toggle sending every cell to the engines
//	%ipcluster start -n N       start a local cluster and use it; stop stops it
//
// The flags of %px (also before the code of the line form; -- ends them):
// --targets/-t (all, 0, 0,2, ::2, 1:3, -1), --block/-b, --noblock/-a,
// --stream, --no-stream, --group-outputs {type,engine,order} (-e engine,
// -r order), --local, --out/-o NAME, --verbose, --no-verbose, and --suffix S
// for the view activated with suffix S. Long flags may be abbreviated, as
// argparse allows (the lecture's --target).
//
// What a blocking %px shows: the engines' stdout and stderr labelled
// "[stdout:0] ...", display outputs after an "[output:0]" label and with
// {"engine": 0} metadata, and trailing values as display_data
// "Out[0:3]: 42" (engine 0, its execution count 3), in engine order. Output of
// cells that take longer than a second appears live from then on (--stream:
// from the start; --no-stream: never), and a progress bar shows after a
// second. Errors fail the cell: one engine's error keeps its name, several make
// a CompositeError; each reads "[2:execute] Name: message" with the
// engine-side traceback. Interrupting the kernel interrupts the engines' code;
// engines keep their state.
//
// Magics for other views, as IPython Parallel's view.activate(suffix): cells
// import this package's functions under [ImportPath],
//
//	magics.Activate(c.Slice("::2"), "_even")
//
// after which %px_even, %%px_even, %pxresult_even, %pxconfig_even and
// %autopx_even use that view (with its own Block, false for new views). The
// kernel registers magics when it starts, so a cell transform rewrites
// %px_even into %px --suffix _even.
//
// Without %ipcluster start, the magics connect to the default profile's
// cluster on first use. A cluster started by %ipcluster without --daemonize
// dies with the kernel: its processes get SIGTERM when the kernel process exits
// (Linux parent-death signal); the kernel has no shutdown hook through which to
// stop it cleanly, so its state file is left for `goparallel ipcluster clean`
// or the next start.
package magics
