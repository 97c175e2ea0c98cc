package transport

import (
	"bufio"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
)

// DefaultMaxFrameSize is the largest frame a peer may announce when
// [Options.MaxFrameSize] is zero. zmq4 allocates a frame's body as soon as it has
// read the frame's size, so without a limit one header claiming 2^40 bytes would
// take the process down.
const DefaultMaxFrameSize = 1 << 30

const (
	// readBufferSize is the read buffer under each connection: one read syscall
	// brings in many small frames instead of two syscalls per frame.
	readBufferSize = 64 << 10
	// bigBody is the length from which a piece of a frame body is written from the
	// caller's slice rather than copied into the write buffer.
	bigBody = 16 << 10
	// maxCopied bounds the bytes copied into the write buffer before it is flushed
	// even though the message is not complete: a message of many small frames
	// must not be copied in full before the first byte goes out.
	maxCopied = 1 << 20
)

// openedConns counts the connections the buffered drivers made, so tests can tell
// which driver carried their sockets.
var openedConns atomic.Int64

// connConfig is what a connection needs to know about the socket that owns it.
type connConfig struct {
	maxFrame int64        // < 0: no limit
	log      *slog.Logger // nil: slog.Default() at the time of logging
	kind     Kind
	endpoint string
}

// defaultConnConfig serves connections of sockets not made by Listen or Dial.
var defaultConnConfig = &connConfig{maxFrame: DefaultMaxFrameSize, endpoint: "?"}

// FrameTooLargeError reports a peer that announced a frame larger than the limit;
// the connection is closed before zmq4 allocates the frame. It is a net.Error, not
// a timeout, so zmq4 drops the connection from its socket.
type FrameTooLargeError struct {
	Size, Max uint64
	Remote    string
}

func (e *FrameTooLargeError) Error() string {
	return fmt.Sprintf("transport: peer %s announced a frame of %d bytes, limit %d", e.Remote, e.Size, e.Max)
}

// Timeout implements net.Error.
func (e *FrameTooLargeError) Timeout() bool { return false }

// Temporary implements net.Error.
func (e *FrameTooLargeError) Temporary() bool { return false }

// conn is a net.Conn carrying ZMTP 3.x, between zmq4 and the operating system's
// socket.
//
// Writes are coalesced: zmq4 writes each frame's header and body separately (and
// a ROUTER does so for every frame), which costs two syscalls per frame. conn
// follows the outgoing stream and writes at the end of each message, command or
// greeting, in one write (writev when large bodies are kept by reference).
//
// Reads go through a buffer, and the frame headers they carry are checked against
// the size limit before zmq4 sees them.
//
// Close drops a partly written message; zmq4 only leaves one behind after a failed
// write, when the connection is lost anyway.
type conn struct {
	net.Conn
	cfg *connConfig

	rmu  sync.Mutex
	br   *bufio.Reader
	rp   zmtpParser
	rerr error // sticky: the stream cannot be resynchronised

	wmu  sync.Mutex
	wp   zmtpParser
	own  []byte      // copied bytes not yet written
	mark int         // own[:mark] is already referenced from bufs
	bufs net.Buffers // set when a big body is held by reference: the pending bytes in order
	wv   net.Buffers // what flush hands to out
	werr error       // sticky: after a failed write the peer has a torn message
	// out writes one flush; tests replace it to see the flush boundaries.
	out func(*net.Buffers) (int64, error)
	// maxCopied is maxCopied, except in tests.
	maxCopied int
}

func newConn(nc net.Conn, cfg *connConfig) *conn {
	if cfg == nil {
		cfg = defaultConnConfig
	}
	openedConns.Add(1)
	c := &conn{
		Conn:      nc,
		cfg:       cfg,
		br:        bufio.NewReaderSize(readerOf(nc), readBufferSize),
		rp:        newZMTPParser(),
		wp:        newZMTPParser(),
		maxCopied: maxCopied,
	}
	c.out = func(b *net.Buffers) (int64, error) { return b.WriteTo(nc) }
	return c
}

// Read reads buffered bytes and rejects a frame header over the limit, closing
// the connection.
func (c *conn) Read(b []byte) (int, error) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if c.rerr != nil {
		return 0, c.rerr
	}
	n, err := c.br.Read(b)
	for rest := b[:n]; len(rest) > 0; {
		k, ev := c.rp.step(rest)
		rest = rest[k:]
		if ev&evHeader != 0 && c.cfg.maxFrame >= 0 && c.rp.size > uint64(c.cfg.maxFrame) {
			c.rerr = &FrameTooLargeError{Size: c.rp.size, Max: uint64(c.cfg.maxFrame), Remote: c.RemoteAddr().String()}
			l := c.cfg.log
			if l == nil {
				l = slog.Default()
			}
			// Logged before closing, so whoever sees the connection close can
			// also find why.
			l.Error("closed connection: frame too large", "socket", c.cfg.kind.String(), "endpoint", c.cfg.endpoint, "err", c.rerr)
			c.Conn.Close()
			return 0, c.rerr
		}
	}
	return n, err
}

// Write buffers p and writes out everything up to the end of the last complete
// message, command or greeting in it. Part of a greeting is never held back: a
// peer may wait for it before sending its own.
//
// Unlike an ordinary io.Writer, Write may keep a reference to a large body in p
// until the end of its message is written; zmq4 writes a whole message, and keeps
// its frames unchanged, within one SendMsg call.
func (c *conn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.werr != nil {
		return 0, c.werr
	}
	for rest := p; len(rest) > 0; {
		body := c.wp.inBody()
		k, ev := c.wp.step(rest)
		c.hold(rest[:k], body && k >= bigBody)
		rest = rest[k:]
		if ev&(evGreeting|evMessage) != 0 || len(c.own) >= c.maxCopied {
			if err := c.flush(); err != nil {
				return 0, err
			}
		}
	}
	if c.wp.inGreeting() {
		if err := c.flush(); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// hold queues b, by reference or by copy.
func (c *conn) hold(b []byte, byRef bool) {
	if !byRef {
		c.own = append(c.own, b...)
		return
	}
	if len(c.own) > c.mark {
		c.bufs = append(c.bufs, c.own[c.mark:len(c.own):len(c.own)])
		c.mark = len(c.own)
	}
	c.bufs = append(c.bufs, b)
}

// flush writes the pending bytes in one syscall (one writev when bodies are held by
// reference). A failed write closes the connection: the peer has a torn message
// and the stream cannot be resumed.
func (c *conn) flush() error {
	switch {
	case len(c.bufs) > 0:
		if len(c.own) > c.mark {
			c.bufs = append(c.bufs, c.own[c.mark:])
		}
	case len(c.own) > 0:
		c.bufs = append(c.bufs, c.own)
	default:
		return nil
	}
	// WriteTo consumes the slice it is given: hand it a copy of the header, kept in
	// c so that it does not escape to the heap on every flush.
	c.wv = c.bufs
	_, err := c.out(&c.wv)
	c.wv = nil
	clear(c.bufs) // drop the references to the caller's bodies
	c.bufs = c.bufs[:0]
	c.own, c.mark = c.own[:0], 0
	if cap(c.own) > 2*c.maxCopied {
		c.own = nil
	}
	if err != nil {
		c.werr = fmt.Errorf("transport: write to %s: %w", c.RemoteAddr(), err)
		c.Conn.Close()
		return c.werr
	}
	return nil
}

// listener wraps each accepted connection in a conn.
type listener struct {
	net.Listener
	cfg *connConfig
}

func (l *listener) Accept() (net.Conn, error) {
	nc, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return newConn(nc, l.cfg), nil
}
