package kernel

import (
	"context"
	"time"
)

// watchParent closes the returned channel when the process that started the
// kernel goes away (the kernel is re-parented), checking every interval. A kernel
// whose frontend was killed must not live on under init with its cluster, as
// ipykernel's parent poller ensures for Python kernels. getppid is os.Getppid
// outside tests.
func watchParent(ctx context.Context, getppid func() int, interval time.Duration) <-chan struct{} {
	gone := make(chan struct{})
	parent := getppid()
	if parent <= 1 {
		// Started by init or a container's first process: nothing to watch.
		return gone
	}
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if getppid() != parent {
					close(gone)
					return
				}
			}
		}
	}()
	return gone
}

// parentWatchInterval is how often the kernel checks that its parent is alive.
const parentWatchInterval = time.Second
