package transport

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/goparallel/goparallel/protocol"
)

// A Tail is the rest of a received message that is still on its connection: the
// frames from the first one of at least [Options.StreamFrom] bytes that follows
// the signed part of the message (a message's buffers, in Jupyter's terms).
//
// It exists so that a forwarder (the controller) can pass a 64 MB buffer from one
// connection to another while it arrives, instead of storing all of it first: the
// two hops overlap and the forwarder never touches 64 MB of fresh memory.
//
// The connection it came from reads nothing else until the tail is used up, so
// whoever receives a Tail must hand it to exactly one of [Socket.SendStream],
// [Tail.Frames] or [Tail.Discard]; every path that drops the message must discard
// its tail. All three are safe on a nil Tail.
//
// A source that stops sending in the middle of a streamed frame holds up the
// destination connection until it resumes or its connection closes; the
// destination then loses its connection too, since it holds a torn frame.
type Tail struct {
	fr    *frameReader // positioned at the body of the first tail frame
	flags byte         // of the first tail frame
	size  uint64       // body length of the first tail frame

	claimed atomic.Bool
	drop    chan struct{} // closed by Discard: the source's reader reads the rest away
	done    chan struct{} // closed once the connection may be read again
	err     error         // set before done closes when the connection failed
}

// errTailUsed is returned when a tail is consumed a second time.
var errTailUsed = errors.New("transport: message tail already consumed")

// errCommandInMessage reports a command frame between the frames of a message,
// which ZMTP forbids; the connection cannot be trusted after it.
var errCommandInMessage = errors.New("transport: command frame inside a message")

// stallTimeout is how long a tail's destination may accept nothing before the
// rest of the tail is read into memory, so that the source connection (a client
// with other work in flight) is not held up by one peer that stopped reading.
// A variable so that tests can shorten it.
var stallTimeout = 5 * time.Second

// copyChunk is the piece size of a tail copy: big enough that a 64 MB buffer
// takes a few hundred syscalls, small enough to stay in cache and be reused.
const copyChunk = 256 << 10

var chunkPool = sync.Pool{New: func() any { b := make([]byte, copyChunk); return &b }}

func newTail(fr *frameReader, flags byte, size uint64) *Tail {
	return &Tail{fr: fr, flags: flags, size: size, drop: make(chan struct{}), done: make(chan struct{})}
}

func (t *Tail) claim() error {
	if !t.claimed.CompareAndSwap(false, true) {
		return errTailUsed
	}
	return nil
}

// finish gives the connection back to its reader; err is the source's failure.
func (t *Tail) finish(err error) {
	t.err = err
	close(t.done)
}

// walk calls frame for each frame of the tail, the first one included, with the
// frame's flags and body length; frame must consume the body. It stops at the
// frame without the MORE flag.
func (t *Tail) walk(frame func(flags byte, size uint64) error) error {
	flags, size := t.flags, t.size
	for {
		if err := frame(flags, size); err != nil {
			return err
		}
		if flags&flagMore == 0 {
			return nil
		}
		var err error
		flags, size, err = t.fr.header()
		if err != nil {
			return err
		}
		if flags&flagCommand != 0 {
			return errCommandInMessage
		}
	}
}

// Frames reads the rest of the message into memory and returns its frames.
func (t *Tail) Frames() ([][]byte, error) {
	if t == nil {
		return nil, nil
	}
	if err := t.claim(); err != nil {
		return nil, err
	}
	var frames [][]byte
	err := t.walk(func(_ byte, size uint64) error {
		body := make([]byte, size)
		if _, err := io.ReadFull(t.fr.r, body); err != nil {
			return err
		}
		frames = append(frames, body)
		return nil
	})
	if err != nil {
		err = fmt.Errorf("transport: reading a message tail: %w", err)
	}
	t.finish(err)
	return frames, err
}

// Discard drops the rest of the message. It does not wait: the source
// connection's own reader reads the rest away, so a caller serving many
// connections is never held up by a slow one.
func (t *Tail) Discard() {
	if t == nil || t.claim() != nil {
		return
	}
	close(t.drop)
}

// discard reads the rest of a dropped tail; the source's reader calls it after
// Discard and reports the error, if any, as the connection's.
func (t *Tail) discard() error {
	err := t.walk(func(_ byte, size uint64) error {
		_, err := io.CopyN(io.Discard, t.fr.r, int64(size))
		return err
	})
	t.finish(err)
	return err
}

// appendHeader appends a ZMTP frame header.
func appendHeader(b []byte, flags byte, size uint64) []byte {
	flags &^= flagLong
	if size > 255 {
		return binary.BigEndian.AppendUint64(append(b, flags|flagLong), size)
	}
	return append(b, flags, byte(size))
}

// copyTo writes the tail's frames to w (the destination peer's connection) as
// they arrive. If w accepts nothing for stallTimeout, the rest of the tail is read
// into memory, the source is released, and the copy finishes from memory. A
// failed write still drains the source, so only the destination is lost; a failed
// read loses both, since the destination holds a torn frame.
func (t *Tail) copyTo(w net.Conn, closing <-chan struct{}) error {
	if err := t.claim(); err != nil {
		return err
	}
	bp := chunkPool.Get().(*[]byte)
	defer chunkPool.Put(bp)
	var (
		buf     = *bp
		werr    error         // the destination failed: drain the source only
		spilled *bytes.Buffer // the destination stalled: the rest goes here
	)
	// put writes b to the destination, or where the copy goes after a failure or
	// a stall.
	put := func(b []byte) {
		switch {
		case werr != nil:
		case spilled != nil:
			spilled.Write(b)
		default:
			_ = w.SetWriteDeadline(time.Now().Add(stallTimeout))
			n, err := w.Write(b)
			if err == nil {
				return
			}
			select {
			case <-closing:
				werr = err
				return
			default:
			}
			if errors.Is(err, os.ErrDeadlineExceeded) {
				spilled = bytes.NewBuffer(append([]byte(nil), b[n:]...))
				return
			}
			werr = err
		}
	}
	rerr := t.walk(func(flags byte, size uint64) error {
		hdr := appendHeader(buf[:0], flags, size)
		for off := len(hdr); ; off = 0 {
			k := min(uint64(len(buf)-off), size)
			n, err := io.ReadFull(t.fr.r, buf[off:off+int(k)])
			size -= uint64(n)
			if off+n > 0 {
				put(buf[:off+n])
			}
			if err != nil {
				return err
			}
			if size == 0 {
				return nil
			}
		}
	})
	if rerr != nil {
		rerr = fmt.Errorf("transport: forwarding a message tail: %w", rerr)
	}
	t.finish(rerr)
	_ = w.SetWriteDeadline(time.Time{})
	if werr == nil && rerr == nil && spilled != nil {
		_, werr = spilled.WriteTo(w)
	}
	if rerr != nil {
		return rerr
	}
	return werr
}

// afterSigned reports whether frames already hold a message's delimiter and the
// five frames after it (signature, header, parent header, metadata, content), so
// that what follows is buffers, which no signature covers.
func afterSigned(frames [][]byte) bool {
	for i, f := range frames {
		if bytes.Equal(f, protocol.Delimiter) {
			return len(frames) >= i+6
		}
	}
	return false
}
