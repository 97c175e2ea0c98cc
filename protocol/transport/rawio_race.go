//go:build race

package transport

import "sync/atomic"

// ioSync tells the race detector that bytes written to a socket happen before
// they are read from one, as Go's own socket I/O does (internal/poll's ioSync):
// raw system calls skip that annotation, and tests that check results written by
// one goroutine and read by another through a socket would report a race.
var ioSync atomic.Uint64

func ioRelease() { ioSync.Add(1) }

func ioAcquire() { ioSync.Load() }
