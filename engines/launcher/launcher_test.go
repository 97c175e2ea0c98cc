package launcher

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/goparallel/goparallel/parallel/profile"
)

// The test binary doubles as a fake engine: with fakeEngineEnv set it prints its
// connection info to stderr and waits to be killed, or exits at once with
// status 3 when asked to.
const fakeEngineEnv = "LAUNCHER_TEST_FAKE_ENGINE"

func TestMain(m *testing.M) {
	switch os.Getenv(fakeEngineEnv) {
	case "wait":
		fmt.Fprintln(os.Stderr, "connection:", os.Getenv(profile.EnvEngineConnection), "args:", os.Args[1:])
		time.Sleep(time.Minute)
		os.Exit(0)
	case "fail":
		fmt.Fprintln(os.Stderr, "fake engine: cannot reach the controller")
		os.Exit(3)
	}
	os.Exit(m.Run())
}

func TestLookup(t *testing.T) {
	l, err := Lookup("local")
	if err != nil || l.Name() != "local" {
		t.Fatalf("local: %v %v", l, err)
	}
	_, err = Lookup("slurm-nope")
	if err == nil || !strings.Contains(err.Error(), "local") || !strings.Contains(err.Error(), "slurm-nope") {
		t.Fatalf("unknown launcher error %v should name it and list the known ones", err)
	}
}

func startFakes(t *testing.T, mode string, n int) Set {
	t.Helper()
	exe, _ := os.Executable()
	s, err := Local{}.Start(context.Background(), Spec{N: n, Executable: exe, Env: []string{fakeEngineEnv + "=" + mode}, Profile: "p", ClusterID: "c"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestLocalStartStop(t *testing.T) {
	s := startFakes(t, "wait", 3)
	procs := s.Processes()
	if len(procs) != 3 {
		t.Fatalf("%d processes", len(procs))
	}
	for _, p := range procs {
		if !Alive(p.PID) {
			t.Fatalf("engine %d (pid %d) not running", p.Index, p.PID)
		}
	}
	// Let each print its connection info before it is stopped.
	deadline := time.Now().Add(10 * time.Second)
	for i := range procs {
		for s.(*processSet).Process(i).Tail() == "" && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
	}
	if err := s.Stop(context.Background(), time.Second); err != nil {
		t.Fatal(err)
	}
	for _, p := range procs {
		if Alive(p.PID) {
			t.Errorf("pid %d alive after Stop", p.PID)
		}
	}
	n := 0
	for x := range s.Exited() {
		n++
		if !strings.Contains(x.Tail, `"cluster_size":3`) || !strings.Contains(x.Tail, "--cluster-id c") {
			t.Errorf("engine %d did not get its connection info and flags: %q", x.Index, x.Tail)
		}
	}
	if n != 3 {
		t.Fatalf("%d exits reported", n)
	}
}

func TestLocalReportsExit(t *testing.T) {
	s := startFakes(t, "fail", 1)
	defer s.Stop(context.Background(), time.Second)
	select {
	case x := <-s.Exited():
		if x.Err == nil || !strings.Contains(x.Tail, "cannot reach the controller") {
			t.Fatalf("exit %+v", x)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("exit not reported")
	}
}

func TestTailBuffer(t *testing.T) {
	b := newTailBuffer(8)
	b.Write([]byte("0123456789"))
	b.Write([]byte("ab"))
	if got := b.String(); got != "456789ab" {
		t.Fatalf("tail %q", got)
	}
}
