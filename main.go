// Command goparallel is a Jupyter kernel for Go with IPython Parallel's machinery
// built in: a controller, engines and a client API, driven from Go cells.
//
// Usage:
//
//	goparallel install [--user | --sys-prefix | --prefix DIR]   install the Jupyter kernelspec
//	goparallel kernel -f CONNECTION_FILE                        run the kernel (Jupyter starts it)
//	goparallel ipcluster start|stop|list|clean [flags]           manage local clusters
//	goparallel controller [flags]                                run a controller alone
//	goparallel engine [flags]                                    run an engine alone
//	goparallel bench [flags]                                     benchmark workloads of IPython Parallel
//	goparallel version                                           print the version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"syscall"

	"github.com/goparallel/goparallel/engines/engine"
	"github.com/goparallel/goparallel/kernel"
	"github.com/goparallel/goparallel/kernelspec"
	"github.com/goparallel/goparallel/parallel/bench"
	"github.com/goparallel/goparallel/parallel/controller"
	"github.com/goparallel/goparallel/parallel/ipcluster"
	"github.com/goparallel/goparallel/parallel/magics"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

type command struct {
	name, summary string
	run           func(ctx context.Context, args []string) error
}

func commands() []command {
	return []command{
		{"install", "install the goparallel Jupyter kernelspec", func(ctx context.Context, args []string) error {
			return kernelspec.Main(args)
		}},
		{"kernel", "run the Jupyter kernel (started by Jupyter with -f CONNECTION_FILE)", func(ctx context.Context, args []string) error {
			return kernel.Main(ctx, args, kernelConfig())
		}},
		{"ipcluster", "start, stop, list or clean local clusters", ipcluster.Main},
		{"controller", "run a controller (hub and schedulers) alone", controller.Main},
		{"engine", "run one engine alone", engine.Main},
		{"bench", "run IPython Parallel's benchmark workloads on a local cluster", bench.Main},
		{"version", "print the version", func(context.Context, []string) error {
			fmt.Printf("goparallel %s (%s)\n", version, runtime.Version())
			return nil
		}},
	}
}

// kernelConfig wires the packages cells can import into the kernel.
func kernelConfig() kernel.Config {
	return magics.Extend(kernel.Config{Version: version})
}

func usage() {
	fmt.Fprintf(os.Stderr, "usage: goparallel COMMAND [ARGS]\n\ncommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(os.Stderr, "  %-11s %s\n", c.name, c.summary)
	}
}

func main() {
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	name, args := os.Args[1], os.Args[2:]
	for _, c := range commands() {
		if c.name != name {
			continue
		}
		// SIGTERM cancels the context so every command can stop its children and
		// remove its files. SIGINT is left to the commands: the kernel treats it as
		// an interrupt of the running cell, not as a reason to exit.
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
		err := c.run(ctx, args)
		stop()
		if err != nil && !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(os.Stderr, "goparallel %s: %v\n", name, err)
			os.Exit(1)
		}
		return
	}
	if name == "-h" || name == "--help" || name == "help" {
		usage()
		return
	}
	fmt.Fprintf(os.Stderr, "goparallel: unknown command %q\n", name)
	usage()
	os.Exit(2)
}
