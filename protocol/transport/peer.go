package transport

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/go-zeromq/zmq4"
)

// A peer is one ZMTP connection of a native socket (see zsocket.go), after the
// handshake: one goroutine reads its messages and one writes them.
//
// Under load, senders queue a message and return; the writer takes everything
// queued and writes it with one writev. So a send costs a channel operation
// instead of zmq4's goroutine and timer per message, and many messages share a
// syscall. A small message to an idle peer is written by its sender instead
// (inline.go), which saves waking the writer.
type peer struct {
	s    *zsocket
	nc   *conn           // our driver's connection: buffered reads with the frame limit
	raw  net.Conn        // the socket under nc, written directly once the handshake is over
	rc   syscall.RawConn // raw's descriptor, for in-place writes; nil if it has none
	id   []byte          // routing identity (ROUTER) as the peer announced it or as we made it
	out  chan outgoing
	gone chan struct{} // closed when the connection is dead
	once sync.Once

	// inflight counts messages queued, being written, or left as resume bytes;
	// wmu is held while writing to raw; resume is what an in-place write could
	// not write (see inline.go).
	inflight atomic.Int64
	wmu      sync.Mutex
	resume   []byte

	// topics are the subscriptions of a SUB peer of a PUB socket.
	tmu    sync.RWMutex
	topics map[string]int
}

// outgoing is one queued message, or one command when cmd is set. A message
// with a tail continues with the frames still on the tail's source connection.
type outgoing struct {
	frames [][]byte
	tail   *Tail
	cmd    bool
	wake   bool // no message: the writer has resume bytes to write
}

// flags returns the ZMTP flags of frame i of m (without flagLong, which
// appendHeader sets from the size).
func (m outgoing) flags(i int) byte {
	switch {
	case m.cmd:
		return flagCommand
	case i < len(m.frames)-1 || m.tail != nil:
		return flagMore
	}
	return 0
}

// maxBatch bounds the messages one writev carries, so one peer's backlog does not
// hold the batch buffers forever.
const maxBatch = 256

// smallBody is the size up to which a frame body is copied next to its header
// rather than given to writev by reference.
const smallBody = 1 << 10

// die closes the connection once and wakes everything waiting on the peer.
func (p *peer) die() {
	p.once.Do(func() {
		p.nc.Close()
		close(p.gone)
		p.s.removePeer(p)
	})
}

// queue puts a message on the peer's outgoing queue. A full queue drops the
// message when drop is set (PUB semantics) and otherwise waits up to the
// socket's send timeout. A message that is not queued has its tail discarded.
func (p *peer) queue(m outgoing, drop bool) error {
	if p.writeNow(m) {
		return nil
	}
	err := p.enqueue(m, drop)
	if err != nil {
		m.tail.Discard()
		return err
	}
	p.settle(m)
	return nil
}

// tryQueue is queue without waiting: false, with nothing done, when the queue
// is full.
func (p *peer) tryQueue(m outgoing) bool {
	if p.writeNow(m) {
		return true
	}
	p.inflight.Add(1)
	select {
	case p.out <- m:
		p.settle(m)
	case <-p.gone:
		p.inflight.Add(-1)
		m.tail.Discard()
	default:
		p.inflight.Add(-1)
		return false
	}
	return true
}

// settle follows up a message just queued: if the writer left in the meantime,
// nobody else would discard its tail.
func (p *peer) settle(m outgoing) {
	if m.tail == nil {
		return
	}
	select {
	case <-p.gone:
		p.discardQueued()
	default:
	}
}

// enqueue puts m on the queue, counting it in inflight while it is there.
func (p *peer) enqueue(m outgoing, drop bool) error {
	p.inflight.Add(1)
	queued, err := p.put(m, drop)
	if !queued {
		p.inflight.Add(-1)
	}
	return err
}

// put is enqueue without the counting: queued reports whether m went in.
func (p *peer) put(m outgoing, drop bool) (queued bool, err error) {
	select {
	case p.out <- m:
		return true, nil
	case <-p.gone:
		return false, fmt.Errorf("transport: peer %s: %w", p.nc.RemoteAddr(), net.ErrClosed)
	default:
	}
	if drop {
		p.s.dropped.Add(1)
		return false, nil
	}
	t := p.s.timer()
	defer t.Stop()
	select {
	case p.out <- m:
		return true, nil
	case <-p.gone:
		return false, fmt.Errorf("transport: peer %s: %w", p.nc.RemoteAddr(), net.ErrClosed)
	case <-p.s.closing:
		return false, fmt.Errorf("transport: %s send: %w", p.s.kind, net.ErrClosed)
	case <-t.C:
		return false, fmt.Errorf("transport: %s send to %s: queue full for %v: %w", p.s.kind, p.nc.RemoteAddr(), p.s.sendTimeout, errSendTimeout)
	}
}

var errSendTimeout = errors.New("send timeout")

// discardQueued empties the queue of a peer that will write no more, discarding
// the tails of the messages in it so their source connections read on.
func (p *peer) discardQueued() {
	for {
		select {
		case m := <-p.out:
			m.tail.Discard()
		default:
			return
		}
	}
}

// writeLoop writes queued messages until the connection dies or the socket
// closes; on close it first writes what is already queued (the socket's linger).
func (p *peer) writeLoop() {
	defer p.s.wg.Done()
	defer p.s.writers.Done()
	defer p.discardQueued()
	var (
		batch []outgoing
		w     frameWriter
	)
	for {
		var closing bool
		select {
		case m := <-p.out:
			batch = append(batch, m)
		case <-p.s.closing:
			closing = true
		case <-p.gone:
			return
		}
	drain:
		for len(batch) < maxBatch {
			select {
			case m := <-p.out:
				batch = append(batch, m)
			default:
				break drain
			}
		}
		p.wmu.Lock()
		err := p.writeResume()
		if err == nil {
			err = p.writeBatch(&w, batch)
		}
		p.wmu.Unlock()
		if err != nil {
			p.s.log.Debug("write failed, dropping connection", "socket", p.s.kind.String(), "peer", p.nc.RemoteAddr().String(), "err", err)
			p.die()
			return
		}
		written := 0
		for _, m := range batch {
			if !m.wake {
				written++
			}
		}
		p.inflight.Add(-int64(written))
		clear(batch)
		batch = batch[:0]
		if closing && len(p.out) == 0 {
			return
		}
	}
}

// writeBatch writes batch, copying each message's tail after its frames. On
// failure the tails not yet written are discarded.
func (p *peer) writeBatch(w *frameWriter, batch []outgoing) (err error) {
	start := 0
	defer func() {
		if err != nil {
			for _, m := range batch[start:] {
				m.tail.Discard()
			}
		}
	}()
	for i, m := range batch {
		if m.tail == nil {
			continue
		}
		if err := w.write(p.raw, batch[start:i+1]); err != nil {
			return err
		}
		start = i + 1
		if err := m.tail.copyTo(p.raw, p.s.closing); err != nil {
			return err
		}
	}
	if start < len(batch) {
		return w.write(p.raw, batch[start:])
	}
	return nil
}

// frameWriter encodes messages as ZMTP frames: headers and small bodies are
// copied into one buffer, large bodies are referenced, and the lot goes out in
// one writev.
type frameWriter struct {
	own  []byte
	bufs net.Buffers
	wv   net.Buffers
}

func (w *frameWriter) write(c net.Conn, batch []outgoing) error {
	// Size the copy buffer first: bufs keeps slices of it, so it must not grow
	// while they are taken.
	need := 0
	for _, m := range batch {
		for _, f := range m.frames {
			need += 9
			if len(f) <= smallBody {
				need += len(f)
			}
		}
	}
	if cap(w.own) < need {
		w.own = make([]byte, 0, need)
	}
	own, mark := w.own[:0], 0
	for _, m := range batch {
		for i, f := range m.frames {
			own = appendHeader(own, m.flags(i), uint64(len(f)))
			if len(f) <= smallBody {
				own = append(own, f...)
				continue
			}
			w.bufs = append(w.bufs, own[mark:len(own):len(own)], f)
			mark = len(own)
		}
	}
	if len(own) > mark {
		w.bufs = append(w.bufs, own[mark:])
	}
	w.wv = w.bufs
	_, err := w.wv.WriteTo(c)
	w.wv = nil
	clear(w.bufs) // drop the references to the callers' bodies
	w.bufs = w.bufs[:0]
	if cap(w.own) > 4<<20 {
		w.own = nil
	}
	return err
}

// readLoop reads messages until the connection fails, hands them to the socket
// and answers the commands a peer may send after the handshake.
func (p *peer) readLoop() {
	defer p.s.wg.Done()
	defer p.die()
	r := frameReader{r: p.nc}
	for {
		frames, tail, cmd, err := r.read(p.s.kind == Router, p.id, p.s.streamFrom, p.s.streamIf)
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				p.s.log.Debug("read failed, dropping connection", "socket", p.s.kind.String(), "peer", p.nc.RemoteAddr().String(), "err", err)
			}
			return
		}
		if cmd {
			p.command(frames[0])
			continue
		}
		if p.s.kind == Pub {
			// What a SUB sends a PUB are its subscriptions (ZMTP 3.0 form).
			if len(frames) == 1 && len(frames[0]) > 0 {
				p.subscribe(frames[0][0] == 1, string(frames[0][1:]))
			}
			continue
		}
		if !p.s.deliver(inbound{frames, tail}) {
			return
		}
		if tail != nil {
			// The rest of the message is on the connection: read on only once
			// whoever took the tail has used it up.
			var err error
			select {
			case <-tail.done:
				err = tail.err
			case <-tail.drop:
				err = tail.discard()
			case <-p.s.closing:
				return
			}
			if err != nil {
				p.s.log.Debug("message tail failed, dropping connection", "socket", p.s.kind.String(), "peer", p.nc.RemoteAddr().String(), "err", err)
				return
			}
		}
	}
}

// command handles a ZMTP command: PING is answered, SUBSCRIBE and CANCEL (the
// ZMTP 3.1 form of subscriptions) are applied, the rest is ignored.
func (p *peer) command(body []byte) {
	if len(body) == 0 || int(body[0]) >= len(body) {
		return
	}
	name, data := string(body[1:1+body[0]]), body[1+body[0]:]
	switch name {
	case zmq4.CmdPing:
		// PING carries a TTL (2 bytes) and a context echoed back in the PONG.
		ctx := []byte{}
		if len(data) > 2 {
			ctx = data[2:]
		}
		pong := append([]byte{byte(len(zmq4.CmdPong))}, zmq4.CmdPong...)
		_ = p.queue(outgoing{frames: [][]byte{append(pong, ctx...)}, cmd: true}, true)
	case "SUBSCRIBE", "CANCEL":
		if p.s.kind == Pub {
			p.subscribe(name == "SUBSCRIBE", string(data))
		}
	}
}

func (p *peer) subscribe(on bool, topic string) {
	p.tmu.Lock()
	defer p.tmu.Unlock()
	if on {
		p.topics[topic]++
		return
	}
	if p.topics[topic] > 1 {
		p.topics[topic]--
	} else {
		delete(p.topics, topic)
	}
}

// subscribed reports whether the peer wants a message whose first frame is topic.
func (p *peer) subscribed(topic []byte) bool {
	p.tmu.RLock()
	defer p.tmu.RUnlock()
	for t := range p.topics {
		// Compared without converting topic, which would allocate per send.
		if len(topic) >= len(t) && string(topic[:len(t)]) == t {
			return true
		}
	}
	return false
}

// frameReader reads ZMTP messages. Small bodies are cut from a shared slab, so
// a message of many small frames costs one allocation for its frame list rather
// than one per frame; a slab stays alive while any frame cut from it does.
type frameReader struct {
	r    io.Reader
	hdr  [8]byte
	slab []byte
}

const (
	slabSize  = 32 << 10
	slabFrame = 2 << 10 // bodies up to this size come from the slab
)

// header reads the next frame header.
func (fr *frameReader) header() (flags byte, size uint64, err error) {
	if _, err := io.ReadFull(fr.r, fr.hdr[:2]); err != nil {
		return 0, 0, err
	}
	flags = fr.hdr[0]
	size = uint64(fr.hdr[1])
	if flags&flagLong != 0 {
		fr.hdr[0] = fr.hdr[1]
		if _, err := io.ReadFull(fr.r, fr.hdr[1:]); err != nil {
			return 0, 0, err
		}
		size = binary.BigEndian.Uint64(fr.hdr[:])
	}
	// The connection already refused frames over the socket's limit; this
	// guards the conversion when the limit is off.
	if size > 1<<62 {
		return 0, 0, fmt.Errorf("transport: frame of %d bytes", size)
	}
	return flags, size, nil
}

// read returns the next message, or a command (one frame, cmd set). With
// identity, the message starts with that frame, as a ROUTER delivers it. With
// streamFrom > 0, a frame of at least that many bytes after the signed part of
// the message is left on the connection, unless streamIf (when set) refuses the
// frames before it: those are returned with a Tail for the rest, and the reader
// must not be used until the tail is done.
func (fr *frameReader) read(withID bool, identity []byte, streamFrom int64, streamIf func([][]byte) bool) (frames [][]byte, tail *Tail, cmd bool, err error) {
	if withID {
		frames = append(make([][]byte, 0, 8), identity)
	} else {
		frames = make([][]byte, 0, 7)
	}
	for {
		flags, size, err := fr.header()
		if err != nil {
			return nil, nil, false, err
		}
		if flags&flagCommand == 0 && streamFrom > 0 && size >= uint64(streamFrom) && afterSigned(frames) {
			if streamIf == nil || streamIf(frames) {
				return frames, newTail(fr, flags, size), false, nil
			}
			streamFrom = 0 // refused: the rest of this message is read whole
		}
		body := fr.alloc(int(size))
		if _, err := io.ReadFull(fr.r, body); err != nil {
			return nil, nil, false, err
		}
		if flags&flagCommand != 0 {
			return [][]byte{body}, nil, true, nil
		}
		frames = append(frames, body)
		if flags&flagMore == 0 {
			return frames, nil, false, nil
		}
	}
}

func (fr *frameReader) alloc(n int) []byte {
	if n > slabFrame {
		return make([]byte, n)
	}
	if len(fr.slab)+n > cap(fr.slab) {
		fr.slab = make([]byte, 0, slabSize)
	}
	b := fr.slab[len(fr.slab) : len(fr.slab)+n : len(fr.slab)+n]
	fr.slab = fr.slab[:len(fr.slab)+n]
	return b
}
