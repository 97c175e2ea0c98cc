package ipcluster

import (
	"context"
	"runtime"
	"syscall"
	"time"

	"github.com/goparallel/goparallel/engines/launcher"
)

// stopPID stops a process we did not start (recorded in a state file): SIGTERM
// to its group, then SIGKILL after grace. It checks the pid still runs the
// expected subcommand first, as it may have been recycled.
func stopPID(ctx context.Context, pid int, sub string, grace time.Duration) {
	if !launcher.AliveAs(pid, sub) {
		return
	}
	_ = launcher.SignalGroup(pid, syscall.SIGTERM)
	deadline := time.NewTimer(grace)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for launcher.Alive(pid) {
		select {
		case <-deadline.C:
			_ = launcher.SignalGroup(pid, syscall.SIGKILL)
			return
		case <-ctx.Done():
			_ = launcher.SignalGroup(pid, syscall.SIGKILL)
			return
		case <-tick.C:
		}
	}
	// The leader is gone; anything left in its group goes too.
	_ = launcher.SignalGroup(pid, syscall.SIGKILL)
}

func numCPU() int { return runtime.NumCPU() }
