// Package kernelspec installs goparallel's Jupyter kernelspec: a directory named
// goparallel holding kernel.json (which tells Jupyter to start `goparallel kernel -f
// CONNECTION_FILE`) and the kernel's logos. The files are embedded in the binary, so
// `goparallel install` works from wherever the binary was copied to, and kernel.json
// always names the binary that installed it.
package kernelspec

import (
	"errors"
	"flag"
	"fmt"
	"os"
)

// Main runs `goparallel install [--user | --sys-prefix | --prefix DIR]`.
func Main(args []string) error {
	fs := flag.NewFlagSet("install", flag.ContinueOnError)
	user := fs.Bool("user", false, "install for the current user (the default unless run as root)")
	sysPrefix := fs.Bool("sys-prefix", false, "install into the prefix of the Python environment running Jupyter")
	prefix := fs.String("prefix", "", "install into `DIR`/share/jupyter/kernels")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: goparallel install [--user | --sys-prefix | --prefix DIR]\n\n"+
			"Installs the goparallel Jupyter kernelspec. Without a flag it installs for the\n"+
			"current user, or system-wide in %s when run as root.\n\n", systemKernelsDir)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	n := 0
	for _, set := range []bool{*user, *sysPrefix, *prefix != ""} {
		if set {
			n++
		}
	}
	if n > 1 {
		return errors.New("choose at most one of --user, --sys-prefix and --prefix")
	}

	var loc Location
	switch {
	case *user:
		loc = User
	case *sysPrefix:
		loc = SysPrefix
	case *prefix != "":
		loc = Prefix(*prefix)
	case os.Geteuid() == 0:
		loc = System
	default:
		loc = User
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("finding the goparallel binary: %w", err)
	}
	dir, err := Install(loc, exe)
	if err != nil {
		return err
	}
	fmt.Printf("Installed kernelspec %s in %s (runs %s)\n", Name, dir, exe)
	return nil
}
