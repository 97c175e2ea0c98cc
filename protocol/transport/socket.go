// Package transport carries protocol messages over ZeroMQ sockets (go-zeromq/zmq4).
//
// A [Socket] wraps one zmq4 socket with the [protocol.Codec] that signs what it sends
// and verifies what it receives. Receiving drops, logs and counts every message that
// is malformed, unsigned, badly signed or replayed, so a bad peer can never stop a
// kernel or a controller: Recv only ever returns a verified message or the error that
// closed the socket.
//
// ROUTER, DEALER, PUB and SUB sockets on tcp:// and ipc:// endpoints are
// goparallel's own (zsocket.go, peer.go): zmq4 does each connection's ZMTP
// handshake, then a peer goroutine pair reads and writes its frames, with sends
// queued and batched into one writev, buffered reads, and a peer announcing a
// frame over [Options.MaxFrameSize] disconnected before anything is allocated.
// Other socket types run on zmq4's sockets over goparallel's buffered driver
// (driver.go, conn.go). [Options.StockDriver] or [DriverEnv] selects zmq4's own
// sockets and driver, for comparisons.
package transport

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-zeromq/zmq4"
	"github.com/goparallel/goparallel/protocol"
)

// Kind is the ZeroMQ socket type.
type Kind int

// The socket types goparallel uses.
const (
	Router Kind = iota
	Dealer
	Pub
	Sub
	Push
	Pull
	Req
	Rep
)

func (k Kind) String() string {
	return [...]string{"ROUTER", "DEALER", "PUB", "SUB", "PUSH", "PULL", "REQ", "REP"}[k]
}

// Options tune a socket. The zero value is ready to use.
type Options struct {
	// Identity is the routing identity a DEALER presents to a ROUTER.
	Identity string
	// Logger receives one line per dropped message; nil means slog.Default().
	Logger *slog.Logger
	// SendTimeout bounds how long Send may block on a full queue; zero means 10 s.
	SendTimeout time.Duration
	// MaxFrameSize is the largest frame a peer may send; a connection announcing a
	// larger one is closed and logged. Zero means [DefaultMaxFrameSize]; negative
	// means no limit.
	MaxFrameSize int64
	// StockDriver makes the socket a zmq4 socket on zmq4's own tcp and ipc
	// drivers rather than goparallel's (see the package doc): a goroutine per
	// send, two syscalls per frame each way and no MaxFrameSize. It is for
	// comparisons; see also [DriverEnv].
	StockDriver bool
	// StreamFrom, when positive, makes a native ROUTER or DEALER leave frames of
	// at least this many bytes that follow a message's signed part (its buffers)
	// on the connection: [Socket.RecvStream] returns them as a [Tail], which
	// [Socket.SendStream] copies to another connection as it arrives. Forwarders
	// set it; RecvFrames and Recv read such messages whole as usual.
	StreamFrom int64
	// StreamIf, when set, chooses which messages stream: it gets the frames
	// before the first large buffer (identity first on a ROUTER, unverified)
	// and returns false to have the message read whole, on the connection's
	// own goroutine. A forwarder uses it for messages it would have to read
	// whole anyway, such as one it sends to several peers.
	StreamIf func(head [][]byte) bool
}

func (o Options) logger() *slog.Logger {
	if o.Logger == nil {
		return slog.Default()
	}
	return o.Logger
}

// Stats counts the messages a socket dropped, by reason.
type Stats struct {
	Malformed, BadSignature, Replayed uint64
	// QueueFull counts messages a PUB socket did not send to a subscriber whose
	// queue was full: one that stopped reading must not hold up the others.
	QueueFull uint64
}

// Socket is a zmq4 socket that speaks signed protocol messages. Send may be called
// from several goroutines; Recv from one goroutine at a time.
type Socket struct {
	kind  Kind
	z     zmq4.Socket // nil when n is set
	n     *zsocket
	codec *protocol.Codec
	log   *slog.Logger
	ep    string

	sendMu sync.Mutex

	malformed, badSig, replayed atomic.Uint64
}

// newZMQ returns a zmq4 socket for endpoint and the endpoint to give it, which
// selects our driver unless opts (or the environment) ask for zmq4's own.
func newZMQ(ctx context.Context, kind Kind, endpoint string, opts Options) (zmq4.Socket, string) {
	zep := endpoint
	if !useStock(opts) {
		zep = driverEndpoint(endpoint)
		maxFrame := opts.MaxFrameSize
		if maxFrame == 0 {
			maxFrame = DefaultMaxFrameSize
		}
		ctx = context.WithValue(ctx, configKey{}, &connConfig{maxFrame: maxFrame, log: opts.logger(), kind: kind, endpoint: endpoint})
	}
	return newZMQSocket(ctx, kind, opts), zep
}

func newZMQSocket(ctx context.Context, kind Kind, opts Options) zmq4.Socket {
	timeout := opts.SendTimeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	zo := []zmq4.Option{zmq4.WithTimeout(timeout), zmq4.WithLogger(discardLogger)}
	if opts.Identity != "" {
		zo = append(zo, zmq4.WithID(zmq4.SocketIdentity(opts.Identity)))
	}
	switch kind {
	case Router:
		return zmq4.NewRouter(ctx, zo...)
	case Dealer:
		return zmq4.NewDealer(ctx, zo...)
	case Pub:
		return zmq4.NewPub(ctx, zo...)
	case Sub:
		return zmq4.NewSub(ctx, zo...)
	case Push:
		return zmq4.NewPush(ctx, zo...)
	case Pull:
		return zmq4.NewPull(ctx, zo...)
	case Req:
		return zmq4.NewReq(ctx, zo...)
	default:
		return zmq4.NewRep(ctx, zo...)
	}
}

func wrap(kind Kind, z zmq4.Socket, codec *protocol.Codec, opts Options, ep string) *Socket {
	return &Socket{kind: kind, z: z, codec: codec, log: opts.logger(), ep: ep}
}

// native opens a goparallel socket when kind and endpoint allow one (see the
// package doc); ok is false when zmq4's socket is to be used instead.
func native(ctx context.Context, kind Kind, endpoint string, codec *protocol.Codec, opts Options, listen bool) (s *Socket, ok bool, err error) {
	ztype, known := nativeKind(kind)
	network, addr, isNet := splitEndpoint(endpoint)
	if !known || !isNet || useStock(opts) {
		return nil, false, nil
	}
	maxFrame := opts.MaxFrameSize
	if maxFrame == 0 {
		maxFrame = DefaultMaxFrameSize
	}
	cfg := &connConfig{maxFrame: maxFrame, log: opts.logger(), kind: kind, endpoint: endpoint}
	var n *zsocket
	if listen {
		n, err = listenZSocket(ctx, kind, ztype, network, addr, cfg, opts)
		if err != nil {
			return nil, true, fmt.Errorf("transport: %s listen on %s: %w", kind, endpoint, err)
		}
	} else {
		n, err = dialZSocket(ctx, kind, ztype, network, addr, cfg, opts)
		if err != nil {
			return nil, true, fmt.Errorf("transport: %s dial %s: %w", kind, endpoint, err)
		}
	}
	return &Socket{kind: kind, n: n, codec: codec, log: opts.logger(), ep: endpoint}, true, nil
}

// Listen binds a new socket of the given kind to endpoint ("tcp://127.0.0.1:0" picks a
// free port; see [Socket.Port]). The socket lives until Close or until ctx is done.
func Listen(ctx context.Context, kind Kind, endpoint string, codec *protocol.Codec, opts Options) (*Socket, error) {
	if s, ok, err := native(ctx, kind, endpoint, codec, opts, true); ok {
		return s, err
	}
	z, zep := newZMQ(ctx, kind, endpoint, opts)
	if err := z.Listen(zep); err != nil {
		z.Close()
		return nil, fmt.Errorf("transport: %s listen on %s: %w", kind, endpoint, err)
	}
	if kind == Sub {
		if err := z.SetOption(zmq4.OptionSubscribe, ""); err != nil {
			z.Close()
			return nil, fmt.Errorf("transport: subscribe: %w", err)
		}
	}
	return wrap(kind, z, codec, opts, endpoint), nil
}

// Dial connects a new socket of the given kind to endpoint. A SUB socket subscribes
// to every topic.
func Dial(ctx context.Context, kind Kind, endpoint string, codec *protocol.Codec, opts Options) (*Socket, error) {
	if s, ok, err := native(ctx, kind, endpoint, codec, opts, false); ok {
		return s, err
	}
	z, zep := newZMQ(ctx, kind, endpoint, opts)
	if err := z.Dial(zep); err != nil {
		z.Close()
		return nil, fmt.Errorf("transport: %s dial %s: %w", kind, endpoint, err)
	}
	if kind == Sub {
		if err := z.SetOption(zmq4.OptionSubscribe, ""); err != nil {
			z.Close()
			return nil, fmt.Errorf("transport: subscribe: %w", err)
		}
	}
	return wrap(kind, z, codec, opts, endpoint), nil
}

// Port returns the TCP port a listening socket is bound to, or 0.
func (s *Socket) Port() int {
	var addr net.Addr
	if s.n != nil {
		addr = s.n.addr()
	} else {
		addr = s.z.Addr()
	}
	if a, ok := addr.(*net.TCPAddr); ok {
		return a.Port
	}
	return 0
}

// Topics returns the topics the peers of a PUB socket subscribed to (nil for other
// kinds). A kernel uses it to see whether a frontend listens on iopub yet, since a
// PUB socket drops what it sends before the first subscription arrives.
func (s *Socket) Topics() []string {
	if s.n != nil {
		return s.n.topics()
	}
	if t, ok := s.z.(zmq4.Topics); ok {
		return t.Topics()
	}
	return nil
}

// Endpoint returns the endpoint the socket was listened or dialled on.
func (s *Socket) Endpoint() string { return s.ep }

// Send signs m and sends it.
func (s *Socket) Send(m *protocol.Message) error {
	frames, err := s.codec.Encode(m)
	if err != nil {
		return err
	}
	return s.SendFrames(frames)
}

// SendFrames sends frames as one multipart message, as they are. Schedulers use it to
// forward a message without decoding or re-signing its payload.
//
// On goparallel's own sockets the message is queued for its connection and the
// frames must not be changed afterwards; an error means it could not be queued
// (timeout, closed socket, no peer), not that the peer has it.
func (s *Socket) SendFrames(frames [][]byte) error {
	return s.SendStream(frames, nil)
}

// SendStream sends frames followed by the frames of tail, which came from
// [Socket.RecvStream] on another socket. On goparallel's own sockets the tail is
// copied from its source connection to this socket's peer while it arrives;
// otherwise it is read into memory first. The tail is used up or discarded in
// every case, errors included.
func (s *Socket) SendStream(frames [][]byte, tail *Tail) error {
	if s.n != nil {
		return s.n.send(frames, tail)
	}
	if tail != nil {
		rest, err := tail.Frames()
		if err != nil {
			return err
		}
		frames = append(frames, rest...)
	}
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	if err := s.z.SendMulti(zmq4.NewMsgFrom(frames...)); err != nil {
		return fmt.Errorf("transport: %s send: %w", s.kind, err)
	}
	return nil
}

// TrySendStream is SendStream on a ROUTER that never waits: it reports false,
// having done nothing (the tail is untouched), when the peer's queue is full or
// the socket is not one of goparallel's own ROUTERs. Otherwise the message is
// queued, or dropped where SendStream would drop it or fail.
func (s *Socket) TrySendStream(frames [][]byte, tail *Tail) bool {
	return s.n != nil && s.n.trySend(frames, tail)
}

// RecvFrames returns the next multipart message as raw frames, unverified.
func (s *Socket) RecvFrames() ([][]byte, error) {
	for {
		frames, tail, err := s.RecvStream()
		if err != nil || tail == nil {
			return frames, err
		}
		rest, err := tail.Frames()
		if err != nil {
			// The sender's connection broke mid-message: there is no message.
			s.log.Debug("dropped message", "socket", s.kind.String(), "endpoint", s.ep, "err", err)
			continue
		}
		return append(frames, rest...), nil
	}
}

// RecvStream returns the next multipart message as raw frames, unverified. On a
// socket with [Options.StreamFrom] set, a message with large buffers comes as
// the frames up to them and a non-nil tail for the rest, which the caller must
// use up (see [Tail]); the sender's connection waits until it has.
func (s *Socket) RecvStream() ([][]byte, *Tail, error) {
	if s.n != nil {
		m, err := s.n.recv()
		return m.frames, m.tail, err
	}
	msg, err := s.z.Recv()
	if err != nil {
		return nil, nil, fmt.Errorf("transport: %s recv: %w", s.kind, err)
	}
	return msg.Frames, nil, nil
}

// Recv returns the next message that decodes and verifies. Bad messages are logged,
// counted and skipped; the returned error is only ever the socket's own failure.
func (s *Socket) Recv() (*protocol.Message, error) {
	for {
		frames, err := s.RecvFrames()
		if err != nil {
			return nil, err
		}
		m, err := s.codec.Decode(frames)
		if err == nil {
			return m, nil
		}
		s.Reject(err)
	}
}

// Reject counts and logs a message that failed to decode, for callers that decode
// frames themselves.
func (s *Socket) Reject(err error) {
	switch {
	case errors.Is(err, protocol.ErrBadSignature):
		s.badSig.Add(1)
	case errors.Is(err, protocol.ErrReplayed):
		s.replayed.Add(1)
	default:
		s.malformed.Add(1)
	}
	s.log.Warn("dropped message", "socket", s.kind.String(), "endpoint", s.ep, "err", err)
}

// Stats returns how many messages this socket dropped, by reason.
func (s *Socket) Stats() Stats {
	st := Stats{Malformed: s.malformed.Load(), BadSignature: s.badSig.Load(), Replayed: s.replayed.Load()}
	if s.n != nil {
		st.QueueFull = s.n.dropped.Load()
	}
	return st
}

// Close closes the socket. Pending Recv calls return an error.
func (s *Socket) Close() error {
	if s.n != nil {
		return s.n.close()
	}
	return s.z.Close()
}
