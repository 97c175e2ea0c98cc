//go:build unix && !linux

package launcher

import "syscall"

// attachedAttr puts a child in its own process group. Without Linux's
// parent-death signal, a killed parent leaves its engines to notice the
// controller is gone (engine --controller-timeout).
func attachedAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

// detachedAttr makes a child a session leader that survives the caller.
func detachedAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setsid: true}
}

func zombie(int) bool { return false }

// aliveAs cannot check the command line portably; the pid is trusted.
func aliveAs(int, string) bool { return true }
