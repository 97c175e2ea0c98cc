package ipcluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/goparallel/goparallel/engines/launcher"
	"github.com/goparallel/goparallel/parallel/profile"
	"github.com/goparallel/goparallel/protocol"
)

// Defaults of Options.
const (
	DefaultLauncher     = "local"
	DefaultStartTimeout = 60 * time.Second
	DefaultStopGrace    = 5 * time.Second
	// DefaultTransport is the transport of a local cluster (one with neither IP
	// nor Location set, and the local launcher). It stays tcp: although a Unix
	// socket hop is cheaper in isolation, `goparallel bench` measured ipc
	// clusters no faster end to end (64 MB push/pull slightly slower), so ipc is
	// opt-in (Transport "ipc", --transport ipc). Switching this constant is all
	// it takes to make ipc the default; the tests pass with either.
	DefaultTransport = "tcp"
)

// ErrAlreadyRunning is returned by Start when the profile already has a live
// cluster with the same id.
var ErrAlreadyRunning = errors.New("ipcluster: cluster already running")

// Options configure Start.
type Options struct {
	// N is how many engines to start (default: the number of CPUs).
	N int
	// Profile and ClusterID name the cluster ("" means the default profile and no
	// cluster id, as ipcluster start does).
	Profile, ClusterID string
	// IP is the interface the controller listens on (default 127.0.0.1);
	// Location is the address it advertises to engines and clients.
	IP, Location string
	// Transport is "tcp" or "ipc" (Unix sockets, for engines on this host only).
	// Empty means DefaultTransport for the local launcher, or tcp when IP or
	// Location is set or another launcher is used.
	Transport string
	// Launcher names the engine launcher (default "local"; see launcher.Names).
	Launcher string
	// Daemonize leaves the controller and engines running, detached, after the
	// starting process exits; otherwise they die with it.
	Daemonize bool
	// Executable is the goparallel binary to run (default: os.Executable()).
	Executable string
	// ControllerArgs and EngineArgs are extra flags for the processes.
	ControllerArgs, EngineArgs []string
	// Env is added to the environment of every process (KEY=VALUE).
	Env []string
	// StartTimeout bounds the wait for the controller and every engine to
	// register (default 60 s).
	StartTimeout time.Duration
	// Log receives progress lines, like IPython's "[IPClusterStart] ..."; nil
	// means none.
	Log io.Writer
}

// Cluster is a started cluster. Its methods are safe for concurrent use.
type Cluster struct {
	prof  *profile.Profile
	state State
	log   io.Writer

	// Set only for clusters this process started (not for Attach): the processes
	// themselves, so Stop can wait for them and failures carry their output.
	controller *launcher.Process
	engines    launcher.Set

	stopOnce sync.Once
	stopErr  error
}

// Start starts a controller and opts.N engines and returns once all engines have
// registered with the controller. On failure everything started is stopped, its
// files removed, and the error says which process failed and why (the tail of
// its output).
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	if opts.N <= 0 {
		opts.N = numCPU()
	}
	if opts.Launcher == "" {
		opts.Launcher = DefaultLauncher
	}
	if opts.StartTimeout <= 0 {
		opts.StartTimeout = DefaultStartTimeout
	}
	if opts.Transport == "" {
		opts.Transport = DefaultTransport
		// Other launchers may start engines on other hosts.
		if opts.IP != "" || opts.Location != "" || opts.Launcher != DefaultLauncher {
			opts.Transport = "tcp"
		}
	}
	switch opts.Transport {
	case "tcp":
		if opts.IP == "" {
			opts.IP = "127.0.0.1"
		}
	case "ipc":
		if opts.Location != "" {
			return nil, fmt.Errorf("ipcluster: location %q needs the tcp transport: ipc reaches engines on this host only", opts.Location)
		}
	default:
		return nil, fmt.Errorf("ipcluster: unsupported transport %q (want tcp or ipc)", opts.Transport)
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	if opts.Executable == "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("ipcluster: finding the goparallel executable: %w", err)
		}
		opts.Executable = exe
	}
	lch, err := launcher.Lookup(opts.Launcher)
	if err != nil {
		return nil, err
	}
	if err := profile.ValidClusterID(opts.ClusterID); err != nil {
		return nil, err
	}
	prof, err := profile.Find(opts.Profile)
	if err != nil {
		return nil, err
	}
	if err := prof.Ensure(); err != nil {
		return nil, err
	}
	if old, err := readStateFile(prof.ClusterFile(opts.ClusterID)); err == nil {
		if old.Status() != StatusStale {
			return nil, fmt.Errorf("%w: profile %q cluster %q (controller pid %d); stop it with: goparallel ipcluster stop%s",
				ErrAlreadyRunning, prof.Name, opts.ClusterID, old.ControllerPID, selectorFlags(prof.Name, opts.ClusterID))
		}
		logf(opts.Log, "Removing stale files of cluster %q", opts.ClusterID)
	}
	// Stale connection files would let us talk to a controller that no longer
	// exists; the new controller writes fresh ones.
	_ = removeFiles(prof, opts.ClusterID)

	c := &Cluster{prof: prof, log: opts.Log, state: State{
		Profile: prof.Name, ClusterID: opts.ClusterID, N: opts.N, Launcher: opts.Launcher,
		Daemonized: opts.Daemonize, Started: time.Now().UTC(), IP: opts.IP,
		LogDir: filepath.Join(prof.Dir, "log", "cluster"+idSuffix(opts.ClusterID)),
	}}
	if !opts.Daemonize {
		c.state.OwnerPID = os.Getpid()
	}
	ctx, cancel := context.WithTimeout(ctx, opts.StartTimeout)
	defer cancel()
	if err := c.start(ctx, lch, opts); err != nil {
		c.Stop(context.Background())
		if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
			err = fmt.Errorf("%w (%w)", err, ctx.Err())
		}
		return nil, err
	}
	logf(opts.Log, "Engines appear to have started successfully")
	return c, nil
}

func (c *Cluster) start(ctx context.Context, lch launcher.Launcher, opts Options) error {
	logf(c.log, "Starting ipcluster with [daemon=%v]", opts.Daemonize)
	logf(c.log, "Starting Controller with LocalControllerLauncher")
	args := []string{"controller", "--profile", c.prof.Name, "--engines", strconv.Itoa(opts.N), "--transport", opts.Transport}
	if opts.IP != "" {
		// With ipc this is the socket path prefix; empty lets the controller
		// make a short private directory.
		args = append(args, "--ip", opts.IP)
	}
	if opts.ClusterID != "" {
		args = append(args, "--cluster-id", opts.ClusterID)
	}
	if opts.Location != "" {
		args = append(args, "--location", opts.Location)
	}
	args = append(args, opts.ControllerArgs...)
	ctl, err := launcher.StartProcess(launcher.ProcSpec{
		Path: opts.Executable, Args: args, Env: opts.Env,
		Detach: opts.Daemonize, LogFile: filepath.Join(c.state.LogDir, "controller.log"),
	})
	if err != nil {
		return err
	}
	c.controller = ctl
	c.state.ControllerPID = ctl.PID()
	// Record the controller at once, so a start interrupted from here on leaves a
	// state file that stop and clean can act on.
	if err := writeState(c.prof, &c.state); err != nil {
		return err
	}
	conn, err := c.waitConnectionFile(ctx)
	if err != nil {
		return err
	}

	logf(c.log, "Starting %d Engines with %s launcher", opts.N, lch.Name())
	set, err := lch.Start(ctx, launcher.Spec{
		N: opts.N, Executable: opts.Executable, Connection: *conn,
		Profile: c.prof.Name, ClusterID: opts.ClusterID, Args: opts.EngineArgs, Env: opts.Env,
		Detach: opts.Daemonize, LogDir: c.state.LogDir,
	})
	if err != nil {
		return err
	}
	c.engines = set
	for _, p := range set.Processes() {
		c.state.EnginePIDs = append(c.state.EnginePIDs, p.PID)
	}
	if err := writeState(c.prof, &c.state); err != nil {
		return err
	}
	_, err = c.waitEngines(ctx, opts.N)
	return err
}

// waitConnectionFile waits for the controller to write its engine connection
// file, or to die trying.
func (c *Cluster) waitConnectionFile(ctx context.Context) (*protocol.EngineConnection, error) {
	path := c.prof.EngineFile(c.state.ClusterID)
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		if b, err := os.ReadFile(path); err == nil {
			var conn protocol.EngineConnection
			if err := json.Unmarshal(b, &conn); err == nil && conn.EnginePort > 0 {
				if _, err := os.Stat(c.prof.ClientFile(c.state.ClusterID)); err == nil {
					return &conn, nil
				}
			}
		}
		select {
		case <-c.controller.Done():
			return nil, fmt.Errorf("ipcluster: the controller exited before it was ready: %v%s", c.controller.Err(), tailNote(c.controller.Tail()))
		case <-ctx.Done():
			return nil, fmt.Errorf("ipcluster: the controller wrote no %s: %w%s", path, ctx.Err(), tailNote(c.controller.Tail()))
		case <-t.C:
		}
	}
}

// waitEngines polls the controller until n engines are registered. An engine
// (or the controller) that exits first fails the wait with its output.
func (c *Cluster) waitEngines(ctx context.Context, n int) ([]protocol.EngineInfo, error) {
	conn, err := readClientFile(c.prof.ClientFile(c.state.ClusterID))
	if err != nil {
		return nil, err
	}
	var exited <-chan launcher.Exit
	if c.engines != nil {
		exited = c.engines.Exited()
	}
	var ctlDone <-chan struct{}
	if c.controller != nil {
		ctlDone = c.controller.Done()
	}
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	var last []protocol.EngineInfo
	for {
		if cc, err := dialControl(ctx, conn); err == nil {
			last, err = cc.engines(ctx, 2*time.Second)
			cc.Close()
			if err == nil && len(last) >= n {
				return last, nil
			}
		}
		select {
		case x, ok := <-exited:
			if ok {
				return nil, fmt.Errorf("ipcluster: engine %d exited before registering (%d of %d registered): %v%s",
					x.Index, len(last), n, exitReason(x.Err), tailNote(x.Tail))
			}
			exited = nil
		case <-ctlDone:
			return nil, fmt.Errorf("ipcluster: the controller exited: %v%s", exitReason(c.controller.Err()), tailNote(c.controller.Tail()))
		case <-ctx.Done():
			return nil, fmt.Errorf("ipcluster: %d of %d engines registered: %w", len(last), n, ctx.Err())
		case <-t.C:
		}
	}
}

// WaitForEngines waits until at least n engines are registered and returns them.
func (c *Cluster) WaitForEngines(ctx context.Context, n int) ([]protocol.EngineInfo, error) {
	return c.waitEngines(ctx, n)
}

// Engines returns the engines registered now.
func (c *Cluster) Engines(ctx context.Context) ([]protocol.EngineInfo, error) {
	conn, err := readClientFile(c.prof.ClientFile(c.state.ClusterID))
	if err != nil {
		return nil, err
	}
	cc, err := dialControl(ctx, conn)
	if err != nil {
		return nil, err
	}
	defer cc.Close()
	return cc.engines(ctx, 5*time.Second)
}

// State returns the cluster's recorded state.
func (c *Cluster) State() State { return c.state }

// Profile returns the cluster's profile name; ClusterID its id.
func (c *Cluster) Profile() string   { return c.prof.Name }
func (c *Cluster) ClusterID() string { return c.state.ClusterID }

// ClientFile is the connection file clients use to connect to this cluster.
func (c *Cluster) ClientFile() string { return c.prof.ClientFile(c.state.ClusterID) }

// Done returns a channel closed when the controller of a cluster this process
// started exits; nil for attached clusters.
func (c *Cluster) Done() <-chan struct{} {
	if c.controller == nil {
		return nil
	}
	return c.controller.Done()
}

// Attach returns the running cluster recorded in a profile (for instance one
// started with Daemonize by another process), so it can be stopped or queried.
func Attach(profileName, clusterID string) (*Cluster, error) {
	prof, err := profile.Find(profileName)
	if err != nil {
		return nil, err
	}
	s, err := ReadState(profileName, clusterID)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("ipcluster: no cluster %q in profile %q", clusterID, prof.Name)
	}
	if err != nil {
		return nil, err
	}
	return &Cluster{prof: prof, state: *s, log: io.Discard}, nil
}

// Stop shuts the cluster down: a shutdown_request to the controller (which
// tells its engines), then SIGTERM to every process group, then SIGKILL after
// DefaultStopGrace; then it removes the cluster's files. Safe to call again.
func (c *Cluster) Stop(ctx context.Context) error {
	c.stopOnce.Do(func() { c.stopErr = c.stop(ctx) })
	return c.stopErr
}

func (c *Cluster) stop(ctx context.Context) error {
	if conn, err := readClientFile(c.prof.ClientFile(c.state.ClusterID)); err == nil && c.controllerAlive() {
		if cc, err := dialControl(ctx, conn); err == nil {
			_ = cc.shutdown(ctx, 2*time.Second)
			cc.Close()
		}
	}
	var wg sync.WaitGroup
	if c.engines != nil {
		wg.Go(func() { c.engines.Stop(ctx, DefaultStopGrace) })
	} else {
		for _, pid := range c.state.EnginePIDs {
			wg.Go(func() { stopPID(ctx, pid, "engine", DefaultStopGrace) })
		}
	}
	if c.controller != nil {
		wg.Go(func() { c.controller.Stop(ctx, DefaultStopGrace) })
	} else if c.state.ControllerPID > 0 {
		wg.Go(func() { stopPID(ctx, c.state.ControllerPID, "controller", DefaultStopGrace) })
	}
	wg.Wait()
	logf(c.log, "Removing cluster files of profile %q cluster %q", c.prof.Name, c.state.ClusterID)
	return removeFiles(c.prof, c.state.ClusterID)
}

func (c *Cluster) controllerAlive() bool {
	if c.controller != nil {
		select {
		case <-c.controller.Done():
			return false
		default:
			return true
		}
	}
	return launcher.AliveAs(c.state.ControllerPID, "controller")
}

// StopCluster stops the cluster recorded in a profile.
func StopCluster(ctx context.Context, profileName, clusterID string) error {
	c, err := Attach(profileName, clusterID)
	if err != nil {
		return err
	}
	return c.Stop(ctx)
}

func idSuffix(id string) string {
	if id == "" {
		return ""
	}
	return "-" + id
}

func selectorFlags(prof, id string) string {
	s := ""
	if prof != profile.DefaultName {
		s += " --profile " + prof
	}
	if id != "" {
		s += " --cluster-id " + id
	}
	return s
}

func tailNote(tail string) string {
	tail = strings.TrimSpace(tail)
	if tail == "" {
		return ""
	}
	lines := strings.Split(tail, "\n")
	if len(lines) > 15 {
		lines = lines[len(lines)-15:]
	}
	return "\n  last output:\n    " + strings.Join(lines, "\n    ")
}

func exitReason(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}

func logf(w io.Writer, format string, args ...any) {
	fmt.Fprintf(w, "%s [IPClusterStart] %s\n", time.Now().Format("2006-01-02 15:04:05.000"), fmt.Sprintf(format, args...))
}
