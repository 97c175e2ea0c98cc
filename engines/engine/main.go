package engine

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/goparallel/goparallel/parallel/profile"
	"github.com/goparallel/goparallel/protocol"
)

// Main runs "goparallel engine [flags]": one engine, until the controller shuts
// it down, SIGTERM (ctx), or the controller has been gone for --controller-timeout.
//
// Flags:
//
//	--file PATH                 engine connection file (ipcontroller-engine.json)
//	--profile NAME              profile whose connection file to read (default "default")
//	--cluster-id ID             cluster id within the profile
//	--id N                      engine id to ask for (default: MPI rank from the environment, else any)
//	--controller-timeout DUR    exit when the controller is unreachable this long (default 30s)
//	--log-level LEVEL           debug, info, warn or error (default info)
//
// Without --file, the connection info comes from $GOPARALLEL_ENGINE_CONNECTION
// (JSON), else from the profile.
func Main(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("goparallel engine", flag.ContinueOnError)
	file := fs.String("file", "", "engine connection file (ipcontroller-engine.json)")
	prof := fs.String("profile", "", "profile name (default \"default\")")
	clusterID := fs.String("cluster-id", "", "cluster id within the profile")
	id := fs.Int("id", -1, "engine id to request (default: MPI rank from the environment, else any)")
	timeout := fs.Duration("controller-timeout", DefaultControllerTimeout, "exit when the controller is unreachable for this long")
	level := fs.String("log-level", "info", "log level: debug, info, warn, error")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("engine: unexpected arguments %q", fs.Args())
	}
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(*level)); err != nil {
		return fmt.Errorf("engine: --log-level: %w", err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lv}))

	conn, err := LoadConnection(*file, *prof, *clusterID)
	if err != nil {
		return err
	}
	opts := Options{
		Connection:        conn,
		RequestedID:       requestedID(*id, os.Getenv),
		ControllerTimeout: *timeout,
		Logger:            log,
	}
	if *file != "" || os.Getenv(profile.EnvEngineConnection) == "" {
		// The info came from a file a restarted controller rewrites: re-read it on
		// reconnection to follow new ports and keys.
		opts.Reload = func() (*protocol.EngineConnection, error) { return LoadConnection(*file, *prof, *clusterID) }
	}
	e, err := New(opts)
	if err != nil {
		return err
	}
	start := time.Now()
	err = e.Run(ctx)
	if errors.Is(err, ErrControllerGone) {
		log.Error("engine: giving up", "err", err, "uptime", time.Since(start).Round(time.Second))
	}
	return err
}
