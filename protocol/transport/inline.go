package transport

import (
	"sync"
	"sync/atomic"
)

// Writing in the sender's goroutine.
//
// A queued message costs a goroutine hand-off: the writer has to be woken, and
// on an idle process that means waking a thread (a futex call and two context
// switches). A request/reply round trip through the controller passes four
// writers, and on a small VM those wake-ups were most of its CPU time. So when a
// peer has nothing queued and nothing being written, a small message is written
// right away by the goroutine that sends it, with one non-blocking write(2)
// (rawio.go).
//
// The write never waits. If the kernel takes only part of the message (the
// peer's socket buffer is full), the rest becomes the peer's resume bytes, and
// the writer goroutine writes them before anything else.
//
// Order is kept by counting: inflight is the number of messages that are queued,
// being written or waiting as resume bytes. Only a sender that moves it from 0 to
// 1 writes in place; everyone else queues behind it, and the writer takes wmu,
// which the in-place write holds, before it writes.

// inlineMax is the largest message written in the sender's goroutine; larger
// ones go through the queue, where writev sends their bodies without a copy.
const inlineMax = 16 << 10

// partialWrites counts in-place writes that left resume bytes, for tests.
var partialWrites atomic.Uint64

var inlinePool = sync.Pool{New: func() any { b := make([]byte, 0, inlineMax); return &b }}

// writeNow writes m in the calling goroutine if the peer is idle and m is small,
// and reports whether it did (or left the rest to the writer). False means
// nothing was written: queue m as usual.
func (p *peer) writeNow(m outgoing) bool {
	if p.rc == nil || m.tail != nil || m.cmd {
		return false
	}
	size := 0
	for _, f := range m.frames {
		size += 9 + len(f)
	}
	if size > inlineMax || !p.inflight.CompareAndSwap(0, 1) {
		return false
	}
	select {
	case <-p.gone:
		p.inflight.Add(-1)
		return false // the queue reports the closed peer
	default:
	}
	bp := inlinePool.Get().(*[]byte)
	b := (*bp)[:0]
	for i, f := range m.frames {
		b = append(appendHeader(b, m.flags(i), uint64(len(f))), f...)
	}
	p.wmu.Lock()
	n, err := rawWrite(p.rc, b)
	if err == nil && n < len(b) {
		// The peer's buffer is full: the writer finishes the message, first thing.
		p.resume = append([]byte(nil), b[n:]...)
		partialWrites.Add(1)
	}
	p.wmu.Unlock()
	*bp = b[:0]
	inlinePool.Put(bp)
	switch {
	case err != nil:
		p.s.log.Debug("write failed, dropping connection", "socket", p.s.kind.String(), "peer", p.nc.RemoteAddr().String(), "err", err)
		p.die()
		p.inflight.Add(-1)
		return false
	case n < len(b):
		// Wake the writer for the resume bytes; if the queue is full, the writer
		// is busy and reaches them before its next batch anyway.
		select {
		case p.out <- outgoing{wake: true}:
		default:
		}
	default:
		p.inflight.Add(-1)
	}
	return true
}

// writeResume writes the bytes an in-place write left over. The caller holds wmu.
func (p *peer) writeResume() error {
	if p.resume == nil {
		return nil
	}
	b := p.resume
	p.resume = nil
	_, err := p.raw.Write(b)
	p.inflight.Add(-1)
	return err
}
