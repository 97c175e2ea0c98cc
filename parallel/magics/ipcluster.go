package magics

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/goparallel/goparallel/kernel"
	"github.com/goparallel/goparallel/kernel/magic"
	"github.com/goparallel/goparallel/parallel"
	"github.com/goparallel/goparallel/parallel/ipcluster"
)

// stopTimeout bounds %ipcluster stop; ipcluster kills what has not exited
// after its grace period.
const stopTimeout = 30 * time.Second

// ipclusterMagic runs `%ipcluster start ...` and `%ipcluster stop ...`.
func (s *state) ipclusterMagic(c *kernel.Cell, args string) error {
	words, err := magic.SplitArgs(args)
	if err != nil {
		return usageError("%%ipcluster: %v", err)
	}
	if len(words) == 0 {
		return usageError("%%ipcluster: want start or stop: %s", ipclusterUsage)
	}
	switch words[0] {
	case "start":
		return s.ipclusterStart(c, words[1:])
	case "stop":
		return s.ipclusterStop(c, words[1:])
	}
	return usageError("%%ipcluster: unknown command %q: %s", words[0], ipclusterUsage)
}

const ipclusterUsage = "%ipcluster start -n N [--profile P] [--cluster-id ID] [--daemonize] [--transport ipc|tcp]  |  %ipcluster stop [--profile P] [--cluster-id ID]"

type clusterFlags struct {
	n                  int
	profile, clusterID string
	daemonize          bool
	transport          string
}

func parseClusterFlags(cmd string, words []string) (clusterFlags, error) {
	var f clusterFlags
	fs := flag.NewFlagSet("%ipcluster "+cmd, flag.ContinueOnError)
	var msg bytes.Buffer
	fs.SetOutput(&msg)
	if cmd == "start" {
		fs.IntVar(&f.n, "n", 0, "number of engines (default: one per CPU)")
		fs.BoolVar(&f.daemonize, "daemonize", false, "leave the cluster running when the kernel exits")
		fs.StringVar(&f.transport, "transport", "", "ipc (Unix sockets, this host only) or tcp (default "+ipcluster.DefaultTransport+")")
	}
	fs.StringVar(&f.profile, "profile", "", "profile of the cluster (default: default)")
	fs.StringVar(&f.clusterID, "cluster-id", "", "id of the cluster within its profile")
	if err := fs.Parse(words); err != nil {
		return f, usageError("%s: %v", fs.Name(), err)
	}
	if fs.NArg() > 0 {
		return f, usageError("%s: unexpected argument %q: %s", fs.Name(), fs.Arg(0), ipclusterUsage)
	}
	if f.n < 0 {
		return f, usageError("%s: -n must be positive", fs.Name())
	}
	switch f.transport {
	case "", "tcp", "ipc":
	default:
		return f, usageError("%s: --transport %q: want ipc or tcp", fs.Name(), f.transport)
	}
	return f, nil
}

// ipclusterStart starts a cluster and points the magics at it.
func (s *state) ipclusterStart(c *kernel.Cell, words []string) error {
	f, err := parseClusterFlags("start", words)
	if err != nil {
		return err
	}
	s.mu.Lock()
	running := s.cluster
	s.mu.Unlock()
	if running != nil {
		return usageError("%%ipcluster: %s, started by %%ipcluster, is running: %%ipcluster stop first", running)
	}
	cl, err := parallel.StartClusterContext(c.Context(), parallel.ClusterOptions{
		N: f.n, Profile: f.profile, ClusterID: f.clusterID, Daemonize: f.daemonize, Transport: f.transport, Log: c.Stdout(),
	})
	if err != nil {
		return named(err)
	}
	client, err := cl.Connect()
	if err == nil {
		ctx, cancel := context.WithTimeout(c.Context(), parallel.DefaultTimeout)
		err = client.WaitForEngines(ctx, max(f.n, 1))
		cancel()
		if err != nil {
			client.Close()
		}
	}
	if err != nil {
		if serr := cl.Stop(); serr != nil {
			err = fmt.Errorf("%w (stopping it: %v)", err, serr)
		}
		return named(fmt.Errorf("connecting to the cluster just started: %w", err))
	}
	if old := s.setClient(client, cl); old != nil {
		old.Close()
	}
	s.mu.Lock()
	s.daemonized = f.daemonize
	s.mu.Unlock()
	fmt.Fprintf(c.Stdout(), "%s with %d engines is ready: %%px runs on it\n", cl, client.Len())
	return nil
}

// shutdown is the kernel's OnShutdown hook: it closes the magics' client and stops
// the cluster %ipcluster started, unless it was daemonized, so that neither
// processes nor state files outlive the kernel.
func (s *state) shutdown() {
	s.mu.Lock()
	client, cl, daemonized := s.client, s.cluster, s.daemonized
	s.mu.Unlock()
	if client != nil {
		client.Close()
	}
	if cl != nil && !daemonized {
		cl.Stop()
	}
}

// ipclusterStop stops the cluster %ipcluster started, or the one of the given
// profile and id, started elsewhere.
func (s *state) ipclusterStop(c *kernel.Cell, words []string) error {
	f, err := parseClusterFlags("stop", words)
	if err != nil {
		return err
	}
	s.mu.Lock()
	cl, client := s.cluster, s.client
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	if cl != nil && (f.profile == "" || f.profile == cl.Profile()) && (f.clusterID == "" || f.clusterID == cl.ClusterID()) {
		s.setClient(nil, nil)
		// Shutdown asks the controller to stop the engines, then stops the
		// processes the cluster started and removes its files.
		err := client.Shutdown()
		if serr := cl.Stop(); err == nil {
			err = serr
		}
		if err != nil {
			return named(fmt.Errorf("stopping %s: %w", cl, err))
		}
		fmt.Fprintf(c.Stdout(), "%s stopped\n", cl)
		return nil
	}
	if client != nil && f.profile == "" && f.clusterID == "" {
		// The magics connected to the default profile's cluster: it is the
		// one being stopped.
		s.setClient(nil, nil)
		client.Close()
	}
	if err := ipcluster.StopCluster(ctx, f.profile, f.clusterID); err != nil {
		return named(err)
	}
	name := f.profile
	if name == "" {
		name = "default"
	}
	if f.clusterID != "" {
		name += "/" + f.clusterID
	}
	io.WriteString(c.Stdout(), "<Cluster "+name+"> stopped\n")
	return nil
}
