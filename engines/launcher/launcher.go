package launcher

import (
	"context"
	"time"

	"github.com/goparallel/goparallel/protocol"
)

// Spec describes the engines a launcher must start.
type Spec struct {
	// N is how many engines to start.
	N int
	// Executable is the goparallel binary the engines run as "goparallel engine".
	Executable string
	// Connection is handed to every engine through profile.EnvEngineConnection; its
	// ClusterSize is set to N by the launcher.
	Connection protocol.EngineConnection
	// Profile and ClusterID are passed to the engines so their logs and state name
	// the cluster they belong to.
	Profile, ClusterID string
	// Args are extra flags for every engine.
	Args []string
	// Env is added to each engine's environment (KEY=VALUE).
	Env []string
	// Detach starts engines in their own session, outliving the caller, with their
	// output in log files under LogDir. Without it, engines die with the caller
	// (Linux parent-death signal) and their stderr is kept in memory for errors.
	Detach bool
	// LogDir receives engine-<i>.log files when Detach is set.
	LogDir string
}

// Launcher starts a set of engines.
type Launcher interface {
	// Name is the name the launcher is registered under.
	Name() string
	// Start starts spec.N engines and returns once they are started (not registered:
	// registration is checked by the caller through the controller).
	Start(ctx context.Context, spec Spec) (Set, error)
}

// Set is a group of engines started by one Launcher.Start call.
type Set interface {
	// Processes describes the started engines, in start order.
	Processes() []Info
	// Exited returns a channel that yields the index of each engine that exits,
	// as it exits. It is closed once all have exited.
	Exited() <-chan Exit
	// Stop asks every engine to exit (SIGTERM), waits up to grace, then kills
	// what is left. It is safe to call more than once.
	Stop(ctx context.Context, grace time.Duration) error
}

// Info describes one started engine process.
type Info struct {
	Index int    `json:"index"`
	PID   int    `json:"pid"`
	Host  string `json:"host,omitempty"`
	Log   string `json:"log,omitempty"` // log file, when detached
}

// Exit reports that an engine process ended.
type Exit struct {
	Index int
	Err   error  // as returned by the process wait: nil for exit status 0
	Tail  string // the last lines the engine wrote to stderr
}
