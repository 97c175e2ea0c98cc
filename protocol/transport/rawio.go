//go:build unix

package transport

import (
	"io"
	"net"
	"os"
	"syscall"
	"unsafe"
)

// Reads and in-place writes go to the socket with raw system calls.
//
// Go's own socket I/O enters a system call through the scheduler, so that a call
// that blocks does not hold a processor. When the process was idle, that entry
// also wakes the runtime's monitor thread (sysmon), which sleeps while nothing
// runs. Our sockets are non-blocking and these calls never wait: a read that
// finds nothing returns EAGAIN and the goroutine parks in the network poller.
// Profiles of a request/reply round trip counted three monitor wake-ups per trip,
// each a futex call and two context switches; raw calls skip them.

// rawReader reads a socket with read(2) issued as a raw system call, waiting
// in the network poller when there is nothing to read.
type rawReader struct {
	rc syscall.RawConn
}

// readerOf returns the fastest reader for nc: a rawReader if nc is a socket.
func readerOf(nc net.Conn) io.Reader {
	if rc := rawConnOf(nc); rc != nil {
		return rawReader{rc}
	}
	return nc
}

// rawConnOf returns nc's descriptor for raw system calls, or nil.
func rawConnOf(nc net.Conn) syscall.RawConn {
	if sc, ok := nc.(syscall.Conn); ok {
		if rc, err := sc.SyscallConn(); err == nil {
			return rc
		}
	}
	return nil
}

func (r rawReader) Read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	var (
		n     uintptr
		errno syscall.Errno
	)
	defer ioAcquire()
	err := r.rc.Read(func(fd uintptr) bool {
		for {
			n, _, errno = syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
			switch errno {
			case syscall.EINTR:
				continue
			case syscall.EAGAIN:
				return false // wait until readable (or the deadline, or close)
			}
			return true
		}
	})
	switch {
	case err != nil:
		return 0, err
	case errno != 0:
		return 0, os.NewSyscallError("read", errno)
	case n == 0:
		return 0, io.EOF
	}
	return int(n), nil
}

// rawWrite is one non-blocking write(2) of b on rc: it returns how much the
// kernel took, 0 when the socket's buffer is full.
func rawWrite(rc syscall.RawConn, b []byte) (int, error) {
	var (
		n     uintptr
		errno syscall.Errno
	)
	ioRelease()
	err := rc.Write(func(fd uintptr) bool {
		for {
			n, _, errno = syscall.RawSyscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
			if errno != syscall.EINTR {
				return true
			}
		}
	})
	switch {
	case err != nil:
		return 0, err
	case errno == syscall.EAGAIN:
		return 0, nil
	case errno != 0:
		return 0, os.NewSyscallError("write", errno)
	}
	return int(n), nil
}
