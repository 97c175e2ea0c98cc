package launcher

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// ProcSpec describes one local process: an engine, or a controller started by
// ipcluster.
type ProcSpec struct {
	Path string
	Args []string
	// Env is added to the current environment.
	Env []string
	// Detach puts the process in its own session so it outlives the caller, with
	// stdout and stderr appended to LogFile.
	Detach  bool
	LogFile string
}

// Process is a started local process and the goroutine waiting for it.
type Process struct {
	cmd  *exec.Cmd
	log  string
	tail *tailBuffer // stderr and stdout when attached
	done chan struct{}
	err  error // set before done is closed
}

// StartProcess starts spec. Attached processes are in their own process group
// (so stopping them also stops anything they started) and get SIGTERM when the
// caller dies (Linux); detached ones are session leaders that survive it.
func StartProcess(spec ProcSpec) (*Process, error) {
	cmd := exec.Command(spec.Path, spec.Args...)
	cmd.Env = append(os.Environ(), spec.Env...)
	p := &Process{cmd: cmd, done: make(chan struct{})}
	var logf *os.File
	if spec.Detach {
		if spec.LogFile == "" {
			return nil, errors.New("launcher: a detached process needs a log file")
		}
		if err := os.MkdirAll(filepath.Dir(spec.LogFile), 0o700); err != nil {
			return nil, fmt.Errorf("launcher: %w", err)
		}
		f, err := os.OpenFile(spec.LogFile, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			return nil, fmt.Errorf("launcher: %w", err)
		}
		logf = f
		p.log = spec.LogFile
		cmd.Stdout, cmd.Stderr = f, f
		cmd.SysProcAttr = detachedAttr()
	} else {
		p.tail = newTailBuffer(8 << 10)
		cmd.Stdout, cmd.Stderr = p.tail, p.tail
		cmd.SysProcAttr = attachedAttr()
	}
	err := cmd.Start()
	if logf != nil {
		// The child has its own descriptor; ours would only leak.
		logf.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("launcher: starting %s: %w", spec.Path, err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// PID returns the process id.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// LogFile returns the log file of a detached process, or "".
func (p *Process) LogFile() string { return p.log }

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Err returns how the process exited; valid once Done is closed.
func (p *Process) Err() error { return p.err }

// Tail returns the last output of the process: from memory when attached, from
// the end of its log file when detached.
func (p *Process) Tail() string {
	if p.tail != nil {
		return p.tail.String()
	}
	return TailFile(p.log, 4<<10)
}

// Signal sends sig to the process group.
func (p *Process) Signal(sig syscall.Signal) error {
	return SignalGroup(p.PID(), sig)
}

// Stop sends SIGTERM to the process group, waits up to grace (or until ctx is
// done), then sends SIGKILL and waits for the exit.
func (p *Process) Stop(ctx context.Context, grace time.Duration) error {
	select {
	case <-p.done:
		return nil
	default:
	}
	_ = p.Signal(syscall.SIGTERM)
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-p.done:
		// The leader is gone; children it started may not be.
		_ = p.Signal(syscall.SIGKILL)
		return nil
	case <-t.C:
	case <-ctx.Done():
	}
	_ = p.Signal(syscall.SIGKILL)
	<-p.done
	return nil
}

// SignalGroup sends sig to the process group led by pid, falling back to the
// process alone when it leads no group. A missing process is not an error.
func SignalGroup(pid int, sig syscall.Signal) error {
	if pid <= 0 {
		return fmt.Errorf("launcher: invalid pid %d", pid)
	}
	err := syscall.Kill(-pid, sig)
	if errors.Is(err, syscall.ESRCH) {
		err = syscall.Kill(pid, sig)
	}
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}

// Alive reports whether a process with this pid exists (and is not a zombie we
// could reap: a zombie counts as gone).
func Alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	return !zombie(pid)
}

// TailFile returns up to max bytes from the end of a file, or "" if unreadable.
func TailFile(path string, max int64) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return ""
	}
	off := max64(st.Size()-max, 0)
	b, _ := io.ReadAll(io.NewSectionReader(f, off, st.Size()-off))
	return string(b)
}

func max64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func newTailBuffer(max int) *tailBuffer { return &tailBuffer{max: max} }

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if over := len(t.b) - t.max; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}

// AliveAs reports whether pid is alive and runs the goparallel subcommand sub
// ("engine", "controller"), guarding against recycled pids.
func AliveAs(pid int, sub string) bool {
	return Alive(pid) && aliveAs(pid, sub)
}
