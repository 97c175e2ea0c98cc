package kernel

// interrupt cancels the context of the running cell. The session stops
// interpreted code at its next step and Execute returns session.ErrInterrupted;
// the kernel keeps its state. A native call the cell was blocked in finishes in
// the background. Safe to call from any goroutine, also with no cell running.
func (k *Kernel) interrupt() {
	k.mu.Lock()
	c := k.running
	k.mu.Unlock()
	if c != nil {
		c.cancel()
	}
}
