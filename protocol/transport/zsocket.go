package transport

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-zeromq/zmq4"
)

// zsocket is goparallel's own implementation of the socket types it uses
// (ROUTER, DEALER, PUB, SUB) over tcp and ipc. zmq4 does the ZMTP handshake
// (greeting, NULL mechanism, READY metadata, socket-type check); after that the
// connection belongs to a peer (peer.go) that reads and writes frames itself.
//
// What it changes against zmq4's sockets, which goparallel used before:
//   - a send queues the message for the peer's writer goroutine and returns,
//     instead of starting a goroutine and a timer and waiting for both;
//   - a writer sends everything queued with one writev;
//   - a small message to an idle peer is written by its sender with one
//     non-blocking write (inline.go), and reads are raw system calls (rawio.go),
//     which saves thread wake-ups on every message;
//   - each PUB subscriber has its own queue, so a stalled one no longer blocks
//     the others; its messages are dropped once its queue is full, as libzmq's
//     PUB does at its high-water mark;
//   - a ROUTER hands a reconnecting identity over to the new connection;
//   - Close writes what is queued (up to a linger time) before closing.
type zsocket struct {
	kind        Kind
	ztype       zmq4.SocketType
	identity    string
	cfg         *connConfig
	log         *slog.Logger
	sendTimeout time.Duration
	streamFrom  int64                    // see Options.StreamFrom
	streamIf    func(head [][]byte) bool // see Options.StreamIf

	ln      net.Listener
	dialed  bool
	broken  chan struct{} // closed when a dialled socket's connection is lost
	in      chan inbound  // received messages
	closing chan struct{} // closed by Close
	once    sync.Once
	wg      sync.WaitGroup // every goroutine of the socket and its peers
	writers sync.WaitGroup // the peers' writers, which Close lets finish first
	dropped atomic.Uint64  // PUB messages dropped on a full subscriber queue

	mu      sync.RWMutex
	peers   []*peer
	byID    map[string]*peer // ROUTER: peers by routing identity
	rr      int              // DEALER: next peer of the round robin
	ready   chan struct{}    // closed once the socket has had a peer
	isReady bool
	nextID  uint32 // identities the ROUTER makes for anonymous peers
}

// hwm is the number of messages queued per peer before a send waits (ROUTER,
// DEALER) or drops (PUB); libzmq's default is 1000.
const hwm = 4096

// linger bounds how long Close spends writing queued messages.
const linger = 2 * time.Second

// handshakeTimeout bounds the greeting and READY exchange of a new connection.
const handshakeTimeout = 10 * time.Second

// dialRetries and dialRetry are how long Dial tries to reach a peer that is not
// listening yet; zmq4 used the same defaults.
const (
	dialRetries = 10
	dialRetry   = 250 * time.Millisecond
)

func nativeKind(kind Kind) (zmq4.SocketType, bool) {
	switch kind {
	case Router:
		return zmq4.Router, true
	case Dealer:
		return zmq4.Dealer, true
	case Pub:
		return zmq4.Pub, true
	case Sub:
		return zmq4.Sub, true
	}
	return "", false
}

// splitEndpoint returns the network and address of a tcp:// or ipc:// endpoint.
func splitEndpoint(ep string) (network, addr string, ok bool) {
	if rest, found := strings.CutPrefix(ep, "tcp://"); found {
		return "tcp", rest, true
	}
	if rest, found := strings.CutPrefix(ep, "ipc://"); found {
		return "unix", rest, true
	}
	return "", "", false
}

func newZSocket(ctx context.Context, kind Kind, ztype zmq4.SocketType, cfg *connConfig, opts Options) *zsocket {
	timeout := opts.SendTimeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	s := &zsocket{
		kind: kind, ztype: ztype, identity: opts.Identity, cfg: cfg, log: opts.logger(), sendTimeout: timeout,
		streamFrom: opts.StreamFrom, streamIf: opts.StreamIf, in: make(chan inbound, 256), closing: make(chan struct{}), broken: make(chan struct{}),
		byID: map[string]*peer{}, ready: make(chan struct{}),
	}
	// The socket lives until Close or until ctx is done.
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		select {
		case <-ctx.Done():
			go s.close() // close waits for this goroutine
		case <-s.closing:
		}
	}()
	return s
}

func listenZSocket(ctx context.Context, kind Kind, ztype zmq4.SocketType, network, addr string, cfg *connConfig, opts Options) (*zsocket, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	s := newZSocket(ctx, kind, ztype, cfg, opts)
	s.ln = ln
	s.wg.Add(1)
	go s.acceptLoop()
	return s, nil
}

func dialZSocket(ctx context.Context, kind Kind, ztype zmq4.SocketType, network, addr string, cfg *connConfig, opts Options) (*zsocket, error) {
	var (
		d   net.Dialer
		nc  net.Conn
		err error
	)
	for try := 0; ; try++ {
		nc, err = d.DialContext(ctx, network, addr)
		if err == nil || try == dialRetries || ctx.Err() != nil {
			break
		}
		select {
		case <-time.After(dialRetry):
		case <-ctx.Done():
		}
	}
	if err != nil {
		return nil, err
	}
	s := newZSocket(ctx, kind, ztype, cfg, opts)
	s.dialed = true
	if err := s.open(nc, false); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

func (s *zsocket) acceptLoop() {
	defer s.wg.Done()
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			select {
			case <-s.closing:
				return
			case <-time.After(10 * time.Millisecond): // e.g. out of file descriptors
			}
			continue
		}
		// The handshake runs on its own goroutine: a peer that connects and says
		// nothing must not hold up the next one.
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			if err := s.open(nc, true); err != nil {
				s.log.Debug("handshake failed", "socket", s.kind.String(), "endpoint", s.cfg.endpoint, "peer", nc.RemoteAddr().String(), "err", err)
			}
		}()
	}
}

// open runs the ZMTP handshake on nc and adds the peer.
func (s *zsocket) open(nc net.Conn, server bool) error {
	c := newConn(nc, s.cfg)
	_ = nc.SetDeadline(time.Now().Add(handshakeTimeout))
	zc, err := zmq4.Open(c, nullMechanism{}, s.ztype, zmq4.SocketIdentity(s.identity), server, nil)
	if err != nil {
		nc.Close()
		return fmt.Errorf("transport: %s handshake with %s: %w", s.kind, nc.RemoteAddr(), err)
	}
	_ = nc.SetDeadline(time.Time{})
	p := &peer{s: s, nc: c, raw: nc, out: make(chan outgoing, hwm), gone: make(chan struct{}), topics: map[string]int{}}
	p.rc = rawConnOf(nc)
	if id := zc.Peer.Meta["Identity"]; id != "" {
		p.id = []byte(id)
	}
	if !s.addPeer(p) {
		nc.Close()
		return fmt.Errorf("transport: %s: %w", s.kind, net.ErrClosed)
	}
	if s.kind == Sub {
		// Subscribe to everything, in ZMTP 3.0's form that every PUB understands.
		_ = p.queue(outgoing{frames: [][]byte{{1}}}, false)
	}
	return nil
}

// addPeer registers p and starts its goroutines, unless the socket is closing.
func (s *zsocket) addPeer(p *peer) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.closing:
		return false
	default:
	}
	if s.kind == Router {
		if p.id == nil {
			// An anonymous peer gets an identity the way libzmq makes them: a zero
			// byte and a counter.
			s.nextID++
			p.id = binary.BigEndian.AppendUint32([]byte{0}, s.nextID)
		}
		// A peer reconnecting under the same identity takes it over.
		s.byID[string(p.id)] = p
	}
	s.peers = append(s.peers, p)
	if !s.isReady {
		s.isReady = true
		close(s.ready)
	}
	s.wg.Add(2)
	s.writers.Add(1)
	go p.readLoop()
	go p.writeLoop()
	return true
}

func (s *zsocket) removePeer(p *peer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, q := range s.peers {
		if q == p {
			s.peers = append(s.peers[:i], s.peers[i+1:]...)
			break
		}
	}
	if s.kind == Router && s.byID[string(p.id)] == p {
		delete(s.byID, string(p.id))
	}
	if s.dialed {
		// A dialled socket has one connection and does not redial: once it is
		// lost, Recv and Send fail, as zmq4's did, and the owner dials again.
		select {
		case <-s.broken:
		default:
			close(s.broken)
		}
	}
}

// inbound is one received message; tail is set when its end is still on the
// connection (see Options.StreamFrom).
type inbound struct {
	frames [][]byte
	tail   *Tail
}

// deliver hands a received message to Recv; false when the socket closed.
func (s *zsocket) deliver(m inbound) bool {
	select {
	case s.in <- m:
		return true
	case <-s.closing:
		return false
	}
}

func (s *zsocket) timer() *time.Timer { return time.NewTimer(s.sendTimeout) }

// send routes one message, which continues with tail if that is set, as the
// socket type does. The tail is used up or discarded whatever happens.
func (s *zsocket) send(frames [][]byte, tail *Tail) error {
	select {
	case <-s.closing:
		tail.Discard()
		return fmt.Errorf("transport: %s send: %w", s.kind, net.ErrClosed)
	default:
	}
	if tail != nil && s.kind != Router && s.kind != Dealer {
		rest, err := tail.Frames()
		if err != nil {
			return err
		}
		frames, tail = append(frames, rest...), nil
	}
	switch s.kind {
	case Router:
		p, err := s.routerPeer(frames, tail)
		if p == nil {
			return err
		}
		return p.queue(outgoing{frames: frames[1:], tail: tail}, false)
	case Pub:
		if len(frames) == 0 {
			return nil
		}
		s.mu.RLock()
		peers := s.peers
		s.mu.RUnlock()
		for _, p := range peers {
			if p.subscribed(frames[0]) {
				_ = p.queue(outgoing{frames: frames}, true)
			}
		}
		return nil
	default: // DEALER (and SUB, whose sends are subscriptions)
		p, err := s.nextPeer()
		if err != nil {
			tail.Discard()
			return err
		}
		return p.queue(outgoing{frames: frames, tail: tail}, false)
	}
}

// trySend is send for a ROUTER without waiting: false, with nothing done, when
// the peer's queue is full or the socket is of another kind.
func (s *zsocket) trySend(frames [][]byte, tail *Tail) bool {
	if s.kind != Router {
		return false
	}
	p, _ := s.routerPeer(frames, tail)
	return p == nil || p.tryQueue(outgoing{frames: frames[1:], tail: tail})
}

// routerPeer returns the peer a ROUTER message is for. A message that can go
// nowhere has its tail discarded and gets a nil peer, with the error send
// reports: none for an unknown peer, which a ROUTER drops silently.
func (s *zsocket) routerPeer(frames [][]byte, tail *Tail) (*peer, error) {
	select {
	case <-s.closing:
		tail.Discard()
		return nil, fmt.Errorf("transport: %s send: %w", s.kind, net.ErrClosed)
	default:
	}
	if len(frames) < 2 {
		tail.Discard()
		return nil, fmt.Errorf("transport: ROUTER send: no routing identity")
	}
	s.mu.RLock()
	p := s.byID[string(frames[0])]
	s.mu.RUnlock()
	if p == nil {
		tail.Discard()
	}
	return p, nil
}

// nextPeer picks the DEALER's next peer, waiting for a first one up to the send
// timeout.
func (s *zsocket) nextPeer() (*peer, error) {
	select {
	case <-s.ready:
	default:
		t := s.timer()
		defer t.Stop()
		select {
		case <-s.ready:
		case <-s.closing:
			return nil, fmt.Errorf("transport: %s send: %w", s.kind, net.ErrClosed)
		case <-t.C:
			return nil, fmt.Errorf("transport: %s send: no peer for %v: %w", s.kind, s.sendTimeout, errSendTimeout)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.peers) == 0 {
		return nil, fmt.Errorf("transport: %s send: %w", s.kind, ErrConnectionLost)
	}
	s.rr = (s.rr + 1) % len(s.peers)
	return s.peers[s.rr], nil
}

// recv returns the next message, with its tail when the socket streams.
func (s *zsocket) recv() (inbound, error) {
	select {
	case m := <-s.in:
		return m, nil
	case <-s.closing:
		return inbound{}, fmt.Errorf("transport: %s recv: %w", s.kind, net.ErrClosed)
	case <-s.broken:
		// What arrived before the connection was lost is still delivered.
		select {
		case m := <-s.in:
			return m, nil
		default:
			return inbound{}, fmt.Errorf("transport: %s recv: %w", s.kind, ErrConnectionLost)
		}
	}
}

// ErrConnectionLost is returned by Recv and Send on a dialled socket whose
// connection was lost. Such a socket does not redial; its owner dials anew.
var ErrConnectionLost = errors.New("connection lost")

func (s *zsocket) addr() net.Addr {
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

func (s *zsocket) topics() []string {
	if s.kind != Pub {
		return nil
	}
	s.mu.RLock()
	peers := s.peers
	s.mu.RUnlock()
	seen := map[string]bool{}
	var out []string
	for _, p := range peers {
		p.tmu.RLock()
		for t := range p.topics {
			if !seen[t] {
				seen[t] = true
				out = append(out, t)
			}
		}
		p.tmu.RUnlock()
	}
	return out
}

// close stops accepting, lets the writers send what is queued (up to linger),
// then closes every connection and waits for every goroutine.
func (s *zsocket) close() error {
	s.once.Do(func() {
		s.mu.Lock()
		close(s.closing)
		peers := append([]*peer(nil), s.peers...)
		s.mu.Unlock()
		if s.ln != nil {
			s.ln.Close()
		}
		// Writers return once their queue is empty, or at the deadline if a peer
		// does not read; readers return when their connection closes.
		deadline := time.Now().Add(linger)
		for _, p := range peers {
			_ = p.raw.SetWriteDeadline(deadline)
		}
		s.writers.Wait()
		for _, p := range peers {
			p.die()
		}
		s.wg.Wait()
	})
	return nil
}

// nullMechanism is ZMTP's NULL security mechanism: the peers exchange READY
// commands carrying their metadata (socket type, identity). zmq4 has one but
// does not export it.
type nullMechanism struct{}

func (nullMechanism) Type() zmq4.SecurityType { return zmq4.NullSecurity }

func (nullMechanism) Handshake(c *zmq4.Conn, server bool) error {
	raw, err := c.Meta.MarshalZMTP()
	if err != nil {
		return fmt.Errorf("marshal metadata: %w", err)
	}
	if err := c.SendCmd(zmq4.CmdReady, raw); err != nil {
		return fmt.Errorf("send READY: %w", err)
	}
	cmd, err := c.RecvCmd()
	if err != nil {
		return fmt.Errorf("receive READY: %w", err)
	}
	if cmd.Name != zmq4.CmdReady {
		return fmt.Errorf("expected READY, got %q", cmd.Name)
	}
	if err := c.Peer.Meta.UnmarshalZMTP(cmd.Body); err != nil {
		return fmt.Errorf("peer metadata: %w", err)
	}
	return nil
}

func (nullMechanism) Encrypt(w io.Writer, data []byte) (int, error) { return w.Write(data) }

func (nullMechanism) Decrypt(w io.Writer, data []byte) (int, error) { return w.Write(data) }
