package kernel

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

func TestWatchParent(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var ppid atomic.Int64
	ppid.Store(4242)
	gone := watchParent(ctx, func() int { return int(ppid.Load()) }, time.Millisecond)
	select {
	case <-gone:
		t.Fatal("parent reported gone while alive")
	case <-time.After(20 * time.Millisecond):
	}
	ppid.Store(1) // re-parented to init: the frontend died
	select {
	case <-gone:
	case <-time.After(10 * time.Second):
		t.Fatal("a re-parented kernel did not notice")
	}

	// Started by init: nothing to watch, never reported.
	if ch := watchParent(ctx, func() int { return 1 }, time.Millisecond); ch == nil {
		t.Fatal("nil channel")
	} else {
		select {
		case <-ch:
			t.Fatal("reported gone with no parent to watch")
		case <-time.After(20 * time.Millisecond):
		}
	}
}
