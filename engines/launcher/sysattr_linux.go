package launcher

import (
	"bytes"
	"os"
	"strconv"
	"syscall"
)

// attachedAttr puts a child in its own process group and has the kernel send it
// SIGTERM when the thread that started it dies, so a killed kernel or ipcluster
// leaves no engine behind.
func attachedAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}

// detachedAttr makes a child a session leader, out of the caller's terminal and
// process group, so that a daemonized cluster survives the command that started it.
func detachedAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setsid: true}
}

// zombie reports whether pid is a zombie (exited, not yet reaped), which kill(0)
// still reports as alive.
func zombie(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// The state follows the command name in parentheses, which may hold spaces.
	i := bytes.LastIndexByte(b, ')')
	return i >= 0 && i+2 < len(b) && b[i+2] == 'Z'
}

// aliveAs reports whether pid runs "<exe> sub ...", so a recycled pid of an
// unrelated process is never taken for a cluster's and signalled.
func aliveAs(pid int, sub string) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		return false
	}
	args := bytes.Split(b, []byte{0})
	return len(args) > 1 && string(args[1]) == sub
}
