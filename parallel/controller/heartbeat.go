package controller

import (
	"context"
	"time"
)

// sweepInterval is how often the sweeper looks for silent engines and expired
// tasks: a twentieth of the heartbeat timeout, so an engine is declared dead at
// most 5% after its timeout, within [5 ms, 100 ms].
func sweepInterval(timeout time.Duration) time.Duration {
	return min(max(timeout/20, 5*time.Millisecond), 100*time.Millisecond)
}

// sweeper declares engines dead when no message of any kind came from them for
// the heartbeat timeout, and fails queued tasks whose timeout passed, until ctx
// is done.
func (h *hub) sweeper(ctx context.Context) {
	tick := time.NewTicker(sweepInterval(h.opts.HeartbeatTimeout))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			h.sweep(now)
		}
	}
}

func (h *hub) sweep(now time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	for i := 0; i < len(h.order); {
		e := h.order[i]
		if now.Sub(e.lastSeen) > h.opts.HeartbeatTimeout {
			h.unregister(e, reasonHeartbeat, now) // removes e from h.order
			continue
		}
		i++
	}
	h.expire(now)
}
