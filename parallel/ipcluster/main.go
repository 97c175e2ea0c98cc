package ipcluster

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/goparallel/goparallel/engines/launcher"
	"github.com/goparallel/goparallel/parallel/profile"
)

const usage = `usage: goparallel ipcluster COMMAND [flags]

commands:
  start   start a controller and engines (-n N, --daemonize, --profile, --cluster-id, --ip, --location, --engines LAUNCHER)
  stop    stop a cluster (--profile, --cluster-id, --all)
  list    list clusters (--profile)
  clean   remove the files of clusters whose processes are gone (--profile)
`

// Main runs "goparallel ipcluster start|stop|list|clean [flags]".
func Main(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return errors.New("ipcluster: missing command")
	}
	cmd, args := args[0], args[1:]
	switch cmd {
	case "start":
		return mainStart(ctx, args, os.Stderr)
	case "stop":
		return mainStop(ctx, args, os.Stderr)
	case "list":
		return mainList(args, os.Stdout)
	case "clean":
		return mainClean(args, os.Stdout)
	case "-h", "--help", "help":
		fmt.Fprint(os.Stdout, usage)
		return nil
	}
	fmt.Fprint(os.Stderr, usage)
	return fmt.Errorf("ipcluster: unknown command %q", cmd)
}

func mainStart(ctx context.Context, args []string, log io.Writer) error {
	fs := flag.NewFlagSet("goparallel ipcluster start", flag.ContinueOnError)
	var o Options
	fs.IntVar(&o.N, "n", 0, "number of engines (default: number of CPUs)")
	fs.StringVar(&o.Profile, "profile", "", "profile name (default \"default\")")
	fs.StringVar(&o.ClusterID, "cluster-id", "", "cluster id within the profile")
	fs.StringVar(&o.IP, "ip", "", "interface the controller listens on (default 127.0.0.1; implies --transport tcp)")
	fs.StringVar(&o.Location, "location", "", "address the controller advertises to engines and clients (implies --transport tcp)")
	fs.StringVar(&o.Transport, "transport", "", "tcp, or ipc (Unix sockets, engines on this host only); default "+DefaultTransport+" for a local cluster, tcp with --ip or --location")
	fs.StringVar(&o.Launcher, "engines", DefaultLauncher, "engine launcher: "+strings.Join(launcher.Names(), ", "))
	fs.BoolVar(&o.Daemonize, "daemonize", false, "leave the cluster running in the background and return")
	fs.DurationVar(&o.StartTimeout, "timeout", DefaultStartTimeout, "how long to wait for the engines to register")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("ipcluster start: unexpected arguments %q", fs.Args())
	}
	if o.N < 0 {
		return fmt.Errorf("ipcluster start: -n %d: need at least one engine", o.N)
	}
	if _, err := launcher.Lookup(o.Launcher); err != nil {
		return err
	}
	o.Log = log
	// SIGINT stops a foreground cluster (main.go turns SIGTERM into ctx).
	ctx, stopSignals := signal.NotifyContext(ctx, os.Interrupt)
	defer stopSignals()
	c, err := Start(ctx, o)
	if err != nil {
		return err
	}
	if o.Daemonize {
		st := c.State()
		logf(log, "Cluster running in the background: controller pid %d, engine pids %v; logs in %s", st.ControllerPID, st.EnginePIDs, st.LogDir)
		return nil
	}
	select {
	case <-ctx.Done():
		logf(log, "Stopping the cluster")
	case <-c.Done():
		logf(log, "The controller exited; stopping the engines")
	}
	stopCtx, cancel := context.WithTimeout(context.Background(), 2*DefaultStopGrace)
	defer cancel()
	return c.Stop(stopCtx)
}

func mainStop(ctx context.Context, args []string, log io.Writer) error {
	fs := flag.NewFlagSet("goparallel ipcluster stop", flag.ContinueOnError)
	prof := fs.String("profile", "", "profile name (default \"default\")")
	id := fs.String("cluster-id", "", "cluster id within the profile")
	all := fs.Bool("all", false, "stop every cluster (of --profile, or of every profile)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !*all {
		if err := StopCluster(ctx, *prof, *id); err != nil {
			return err
		}
		fmt.Fprintf(log, "Stopped cluster %q of profile %q\n", *id, profileName(*prof))
		return nil
	}
	states, err := List(*prof)
	if err != nil {
		return err
	}
	var errs []error
	for _, s := range states {
		if err := StopCluster(ctx, s.Profile, s.ClusterID); err != nil {
			errs = append(errs, err)
			continue
		}
		fmt.Fprintf(log, "Stopped cluster %q of profile %q\n", s.ClusterID, s.Profile)
	}
	return errors.Join(errs...)
}

func mainList(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("goparallel ipcluster list", flag.ContinueOnError)
	prof := fs.String("profile", "", "only this profile")
	if err := fs.Parse(args); err != nil {
		return err
	}
	states, err := List(*prof)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROFILE\tCLUSTER ID\tENGINES\tCONTROLLER PID\tENGINE PIDS\tSTARTED\tSTATE")
	for _, s := range states {
		fmt.Fprintf(tw, "%s\t%s\t%d/%d\t%d\t%v\t%s\t%s\n", s.Profile, orDash(s.ClusterID), s.AliveEngines(), s.N,
			s.ControllerPID, s.EnginePIDs, s.Started.Local().Format(time.DateTime), s.Status())
	}
	return tw.Flush()
}

func mainClean(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("goparallel ipcluster clean", flag.ContinueOnError)
	prof := fs.String("profile", "", "only this profile")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cleaned, err := Clean(*prof)
	for _, s := range cleaned {
		fmt.Fprintf(out, "Removed stale cluster %q of profile %q\n", s.ClusterID, s.Profile)
	}
	return err
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func profileName(p string) string {
	if p == "" {
		return profile.DefaultName
	}
	return p
}
