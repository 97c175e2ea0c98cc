package controller

import (
	"fmt"
	"os"
	"slices"
	"strconv"
)

// maxIPCDirLen bounds the temp directory an ipc controller puts its sockets in:
// a Unix socket path must fit sun_path (108 bytes on Linux, 104 on macOS), and
// "/gp-NNNNNNNNN/c-3" adds about 20.
const maxIPCDirLen = 80

// makeIPCDir makes a private directory for a controller's socket files. It sits
// under os.TempDir() rather than the profile's security directory, whose path
// (in a home or a test's temp dir) can be too long for a socket.
func makeIPCDir() (string, error) {
	base := os.TempDir()
	if len(base) > maxIPCDirLen {
		base = "/tmp"
	}
	dir, err := os.MkdirTemp(base, "gp-")
	if err != nil {
		return "", fmt.Errorf("controller: making the ipc socket directory: %w", err)
	}
	return dir, nil
}

// ipcPorts fills the ports left 0 with the smallest positive integers not taken,
// so the socket files are PREFIX-1, PREFIX-2 and PREFIX-3 by default.
func ipcPorts(ports ...int) (int, int, int) {
	next := 1
	for i, p := range ports {
		if p != 0 {
			continue
		}
		for slices.Contains(ports, next) {
			next++
		}
		ports[i] = next
	}
	return ports[0], ports[1], ports[2]
}

// ipcEndpoint is jupyter's ipc endpoint for a port: the socket file PREFIX-PORT.
func ipcEndpoint(prefix string, port int) string {
	return "ipc://" + prefix + "-" + strconv.Itoa(port)
}
