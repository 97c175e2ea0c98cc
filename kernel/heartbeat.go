package kernel

import "context"

// serveHeartbeat echoes every message on the hb socket back to its sender, which
// is how frontends tell a live kernel from a dead one. It runs in its own
// goroutine so that a busy cell never delays a ping.
func (k *Kernel) serveHeartbeat(ctx context.Context) error {
	for {
		frames, err := k.hb.RecvFrames()
		if err != nil {
			return err
		}
		if err := k.hb.SendFrames(frames); err != nil && ctx.Err() == nil {
			k.logErr("heartbeat", err)
		}
	}
}
