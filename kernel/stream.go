package kernel

import (
	"context"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/goparallel/goparallel/protocol"
)

// flushInterval bounds how often buffered output is sent while a cell runs: a loop
// that prints a line per iteration becomes one stream message per interval, and
// output still appears live.
const flushInterval = 20 * time.Millisecond

// streamWriter buffers one output stream (stdout or stderr) of the session.
type streamWriter struct {
	k    *Kernel
	name string

	mu  sync.Mutex
	buf []byte
}

// Write buffers p and wakes the flusher when the buffer was empty. It never
// blocks on the network.
func (w *streamWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	wasEmpty := len(w.buf) == 0
	w.buf = append(w.buf, p...)
	w.mu.Unlock()
	if wasEmpty && len(p) > 0 {
		select {
		case w.k.kick <- struct{}{}:
		default:
		}
	}
	return len(p), nil
}

// take returns the buffered text, keeping back an incomplete UTF-8 sequence at
// its end, whose remaining bytes are still to be written.
func (w *streamWriter) take() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := len(w.buf)
	for i := n - 1; i >= 0 && i >= n-utf8.UTFMax; i-- {
		if utf8.RuneStart(w.buf[i]) {
			if !utf8.FullRune(w.buf[i:]) {
				n = i
			}
			break
		}
	}
	s := string(w.buf[:n])
	w.buf = append(w.buf[:0], w.buf[n:]...)
	return s
}

// flushStreams sends buffered stdout, then stderr, parented to the latest cell.
func (k *Kernel) flushStreams() {
	k.flushMu.Lock()
	defer k.flushMu.Unlock()
	for _, w := range []*streamWriter{k.stdout, k.stderr} {
		if s := w.take(); s != "" {
			k.publish(k.outputParent(), "stream", protocol.Stream{Name: w.name, Text: s})
		}
	}
}

// flushLoop sends output at most every flushInterval after it was written.
func (k *Kernel) flushLoop(ctx context.Context) {
	t := time.NewTimer(flushInterval)
	t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-k.kick:
		}
		t.Reset(flushInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		k.flushStreams()
	}
}
