package controller

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
)

// Main runs `goparallel controller [flags]`: it starts a controller, prints where
// its connection files are, and serves until SIGTERM or SIGINT (or ctx is done),
// or until a client shuts the cluster down; then it removes the files.
func Main(ctx context.Context, args []string) error {
	opts, err := parseFlags(args, os.Stderr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	c, err := New(opts)
	if err != nil {
		return err
	}
	defer c.Close()
	fmt.Fprintf(os.Stderr, "goparallel controller: client file %s\ngoparallel controller: engine file %s\n", c.ClientFile(), c.EngineFile())
	return c.Run(ctx)
}

// parseFlags turns the command line into Options.
func parseFlags(args []string, stderr io.Writer) (Options, error) {
	var o Options
	var logLevel string
	fs := flag.NewFlagSet("goparallel controller", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.Transport, "transport", DefaultTransport, "tcp, or ipc (Unix sockets: faster, this host only)")
	fs.StringVar(&o.IP, "ip", DefaultIP, "interface to listen on (0.0.0.0 for all); with ipc, the socket path prefix (default: a new temp dir)")
	fs.StringVar(&o.Location, "location", "", "address written into the connection files for other hosts (default: --ip)")
	fs.IntVar(&o.EnginePort, "engine-port", 0, "engine ROUTER port (0: random)")
	fs.IntVar(&o.ClientPort, "client-port", 0, "client ROUTER port (0: random)")
	fs.IntVar(&o.NotifyPort, "notify-port", 0, "notification PUB port (0: random)")
	fs.StringVar(&o.Profile, "profile", "", "profile whose security directory gets the connection files (default: default)")
	fs.StringVar(&o.ClusterID, "cluster-id", "", "cluster id, part of the connection file names")
	fs.StringVar(&o.SecurityDir, "security-dir", "", "write the connection files here instead of the profile's security directory")
	fs.IntVar(&o.ClusterSize, "engines", 0, "expected number of engines, told to engines as the cluster size")
	fs.DurationVar(&o.HeartbeatTimeout, "heartbeat-timeout", DefaultHeartbeatTimeout, "an engine silent this long is declared dead")
	fs.DurationVar(&o.HeartbeatPeriod, "heartbeat-period", 0, "how often engines send heartbeats (default: a quarter of the timeout)")
	fs.StringVar(&o.Scheduler, "scheduler", DefaultScheduler, "load-balancing policy: "+strings.Join(policyNames, ", "))
	fs.IntVar(&o.HWM, "hwm", DefaultHWM, "balanced tasks in flight per engine before tasks wait in the controller")
	fs.IntVar(&o.MaxResults, "max-results", DefaultMaxResults, "results kept in the store (oldest evicted first)")
	fs.Int64Var(&o.MaxResultBytes, "max-result-bytes", DefaultMaxResultBytes, "bytes of results kept in the store")
	fs.IntVar(&o.MaxReplyBytes, "max-reply-bytes", DefaultMaxReplyBytes, "largest reply content stored with a result")
	fs.DurationVar(&o.ShutdownGrace, "shutdown-grace", DefaultShutdownGrace, "how long a cluster shutdown waits for engines")
	fs.StringVar(&logLevel, "log-level", "info", "log level: debug, info, warn, error")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("controller: unexpected arguments %q", fs.Args())
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(logLevel)); err != nil {
		return o, fmt.Errorf("controller: --log-level: %w", err)
	}
	o.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	if o.Key = os.Getenv(EnvKey); o.Key != "" {
		os.Unsetenv(EnvKey)
	}
	return o, nil
}

// EnvKey names the environment variable through which a parent process may give
// the controller its signing key (a key on the command line would show in ps).
const EnvKey = "GOPARALLEL_CONTROLLER_KEY"
