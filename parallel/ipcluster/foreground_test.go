package ipcluster

import (
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/goparallel/goparallel/engines/launcher"
)

// startForeground runs "goparallel ipcluster start" in the foreground as a
// child and waits until its cluster is running.
func startForeground(t *testing.T, id string) (*exec.Cmd, *State) {
	t.Helper()
	cmd := exec.Command(binary, "ipcluster", "start", "-n", "2", "--cluster-id", id)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if st, err := ReadState("", id); err == nil && len(st.EnginePIDs) == 2 && st.Status() == StatusRunning {
			// Running is not registered; give the engines a moment.
			time.Sleep(300 * time.Millisecond)
			return cmd, st
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	t.Fatal("foreground cluster did not start")
	return nil, nil
}

// waitGone waits until the cluster's processes have exited. A process that is
// exiting has already lost its command line (so the state calls it gone) but is
// not a zombie yet: wait for launcher.Alive too, which checkGone uses.
func waitGone(t *testing.T, st *State) {
	t.Helper()
	anyAlive := func() bool {
		for _, pid := range append([]int{st.ControllerPID}, st.EnginePIDs...) {
			if launcher.Alive(pid) {
				return true
			}
		}
		return false
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) && (st.AliveEngines() > 0 || st.Status() != StatusStale || anyAlive()) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := st.AliveEngines(); n > 0 {
		t.Fatalf("%d engines left behind", n)
	}
	if st.Status() != StatusStale {
		t.Fatal("controller left behind")
	}
}

func TestForegroundStopsOnSIGTERM(t *testing.T) {
	cmd, st := startForeground(t, "fg-term")
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Errorf("ipcluster start after SIGTERM: %v", err)
	}
	checkGone(t, st)
}

func TestKilledParentLeavesNothing(t *testing.T) {
	cmd, st := startForeground(t, "fg-kill")
	cmd.Process.Kill() // SIGKILL: no chance to clean up; Pdeathsig must
	cmd.Wait()
	waitGone(t, st)
	cleaned, err := Clean("")
	if err != nil || len(cleaned) != 1 || cleaned[0].ClusterID != "fg-kill" {
		t.Fatalf("clean: %v %v", cleaned, err)
	}
	checkGone(t, st)
}
