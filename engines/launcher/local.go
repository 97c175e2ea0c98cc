package launcher

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/goparallel/goparallel/parallel/profile"
)

// Local starts engines as child processes on this machine, each running
// "goparallel engine" from Spec.Executable.
type Local struct{}

// Name implements Launcher.
func (Local) Name() string { return "local" }

// Start implements Launcher. If one engine fails to start, those already started
// are stopped.
func (Local) Start(ctx context.Context, spec Spec) (Set, error) {
	if spec.N <= 0 {
		return nil, fmt.Errorf("launcher: need at least one engine, got %d", spec.N)
	}
	if spec.Executable == "" {
		return nil, errors.New("launcher: no executable")
	}
	conn := spec.Connection
	conn.ClusterSize = spec.N
	cj, err := json.Marshal(conn)
	if err != nil {
		return nil, fmt.Errorf("launcher: %w", err)
	}
	env := append([]string{profile.EnvEngineConnection + "=" + string(cj)}, spec.Env...)
	args := []string{"engine"}
	if spec.Profile != "" {
		args = append(args, "--profile", spec.Profile)
	}
	if spec.ClusterID != "" {
		args = append(args, "--cluster-id", spec.ClusterID)
	}
	args = append(args, spec.Args...)

	s := &processSet{exited: make(chan Exit, spec.N)}
	host, _ := os.Hostname()
	for i := range spec.N {
		if err := ctx.Err(); err != nil {
			s.Stop(context.Background(), time.Second)
			return nil, err
		}
		ps := ProcSpec{Path: spec.Executable, Args: args, Env: env, Detach: spec.Detach}
		if spec.Detach {
			ps.LogFile = filepath.Join(spec.LogDir, "engine-"+strconv.Itoa(i)+".log")
		}
		p, err := StartProcess(ps)
		if err != nil {
			s.Stop(context.Background(), time.Second)
			return nil, fmt.Errorf("launcher: engine %d: %w", i, err)
		}
		s.procs = append(s.procs, p)
		s.info = append(s.info, Info{Index: i, PID: p.PID(), Host: host, Log: p.LogFile()})
	}
	s.watch()
	return s, nil
}

// processSet is a Set of local processes.
type processSet struct {
	procs  []*Process
	info   []Info
	exited chan Exit
	wg     sync.WaitGroup
}

// watch reports each exit on s.exited, and closes it after the last one. The
// channel is buffered for every engine, so the watchers never block on a caller
// that stopped listening.
func (s *processSet) watch() {
	for i, p := range s.procs {
		s.wg.Go(func() {
			<-p.Done()
			s.exited <- Exit{Index: i, Err: p.Err(), Tail: p.Tail()}
		})
	}
	go func() {
		s.wg.Wait()
		close(s.exited)
	}()
}

func (s *processSet) Processes() []Info { return append([]Info(nil), s.info...) }

func (s *processSet) Exited() <-chan Exit { return s.exited }

// Process returns the i-th engine process, for callers that need its output.
func (s *processSet) Process(i int) *Process { return s.procs[i] }

func (s *processSet) Stop(ctx context.Context, grace time.Duration) error {
	var wg sync.WaitGroup
	for _, p := range s.procs {
		wg.Go(func() { p.Stop(ctx, grace) })
	}
	wg.Wait()
	return nil
}
