// Package controller is the cluster's controller: the hub (engine registry,
// heartbeats, results store, queries, notifications) and the schedulers (direct,
// broadcast, load-balanced) between clients and engines.
//
// It listens on three sockets: a ROUTER for engines, a ROUTER for clients and a
// PUB for notifications, and writes their addresses with a fresh signing key into
// ipcontroller[-ID]-client.json and ipcontroller[-ID]-engine.json in the profile's
// security directory. Requests are routed by their metadata (protocol.TaskMetadata)
// without decoding or copying their content and buffers; see package protocol for
// the messages. Run it in-process with New, Run and Close, or as
// `goparallel controller` through Main.
package controller

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/goparallel/goparallel/protocol"
	"github.com/goparallel/goparallel/protocol/transport"
)

// ErrClosed is returned by Run on a controller that was closed before it ran.
var ErrClosed = errors.New("controller: closed")

// Controller is a controller bound to its sockets. New binds and writes the
// connection files; Run serves until its context is done, a client shuts the
// cluster down, or Close is called.
type Controller struct {
	opts       Options
	key        string
	codec      *protocol.Codec
	sockCancel context.CancelFunc
	engineSock *transport.Socket
	clientSock *transport.Socket
	notifySock *transport.Socket
	out        *outbox
	hub        *hub

	clientFile, engineFile string
	clientConn             protocol.ClientConnection
	engineConn             protocol.EngineConnection

	// ipcFiles are the socket files of an ipc controller; ipcDir is the
	// directory New made for them ("" when the caller chose the prefix).
	ipcFiles []string
	ipcDir   string

	mu       sync.Mutex
	started  bool
	closed   bool
	stopRun  chan struct{} // closed by Close
	stopOnce sync.Once
	done     chan struct{} // closed when Run has released everything
	release  sync.Once
	relErr   error
}

// New binds the controller's sockets and writes its connection files, so engines
// and clients can connect as soon as it returns (they are served once Run runs).
func New(opts Options) (*Controller, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	key := opts.Key
	if key == "" {
		if key, err = newKey(); err != nil {
			return nil, err
		}
	}
	codec, err := protocol.NewCodec(protocol.SignatureScheme, []byte(key))
	if err != nil {
		return nil, fmt.Errorf("controller: %w", err)
	}
	c := &Controller{opts: opts, key: key, codec: codec, stopRun: make(chan struct{}), done: make(chan struct{})}

	// The sockets' context is cancelled only by release, after the writers have
	// flushed, not by Run's context: cancelling it would cut sends in flight.
	sockCtx, cancel := context.WithCancel(context.Background())
	c.sockCancel = cancel
	topts := transport.Options{Logger: opts.Logger}
	// Large buffers stream from one connection to the other: replies and
	// output from engines always, requests from clients when they go to one
	// engine (clientStreams). The PUB socket has nothing to stream.
	engineOpts := transport.Options{Logger: opts.Logger, StreamFrom: streamFrom}
	clientOpts := transport.Options{Logger: opts.Logger, StreamFrom: streamFrom, StreamIf: clientStreams}
	if opts.Transport == "ipc" {
		if opts.IP == "" {
			if c.ipcDir, err = makeIPCDir(); err != nil {
				cancel()
				return nil, err
			}
			opts.IP = filepath.Join(c.ipcDir, "c")
		}
		opts.EnginePort, opts.ClientPort, opts.NotifyPort = ipcPorts(opts.EnginePort, opts.ClientPort, opts.NotifyPort)
		c.opts = opts
	}
	listen := func(kind transport.Kind, port int, o transport.Options) (*transport.Socket, error) {
		ep := "tcp://" + net.JoinHostPort(opts.IP, strconv.Itoa(port))
		if opts.Transport == "ipc" {
			ep = ipcEndpoint(opts.IP, port)
			c.ipcFiles = append(c.ipcFiles, strings.TrimPrefix(ep, "ipc://"))
		}
		return transport.Listen(sockCtx, kind, ep, codec, o)
	}
	if c.engineSock, err = listen(transport.Router, opts.EnginePort, engineOpts); err == nil {
		if c.clientSock, err = listen(transport.Router, opts.ClientPort, clientOpts); err == nil {
			c.notifySock, err = listen(transport.Pub, opts.NotifyPort, topts)
		}
	}
	if err != nil {
		c.closeSockets()
		return nil, fmt.Errorf("controller: %w", err)
	}

	// With ipc the "ip" of the connection files is the socket path prefix, which
	// is where engines and clients connect (jupyter's convention); there is no
	// location, since no other host can reach the sockets.
	ip, enginePort, clientPort, notifyPort := opts.Location, c.engineSock.Port(), c.clientSock.Port(), c.notifySock.Port()
	if opts.Transport == "ipc" {
		ip, enginePort, clientPort, notifyPort = opts.IP, opts.EnginePort, opts.ClientPort, opts.NotifyPort
	}
	c.clientConn = protocol.ClientConnection{
		Transport: opts.Transport, IP: ip, ClientPort: clientPort, NotifyPort: notifyPort,
		Key: key, SignatureScheme: protocol.SignatureScheme, ClusterID: opts.ClusterID, Location: opts.Location,
	}
	c.engineConn = protocol.EngineConnection{
		Transport: opts.Transport, IP: ip, EnginePort: enginePort,
		Key: key, SignatureScheme: protocol.SignatureScheme, ClusterID: opts.ClusterID, Location: opts.Location,
		ClusterSize: opts.ClusterSize,
	}
	if !opts.NoFiles {
		if c.clientFile, c.engineFile, err = connFilePaths(opts); err == nil {
			err = writeConnFiles(c.clientFile, c.engineFile, c.clientConn, c.engineConn)
		}
		if err != nil {
			c.closeSockets()
			return nil, err
		}
	}

	c.out = newOutbox(c.engineSock, c.clientSock, c.notifySock)
	c.hub = newHub(opts, codec, c.out)
	return c, nil
}

// Run serves engines and clients until ctx is done, a client asks the cluster to
// shut down (engines get a shutdown_request first), or Close is called. Before
// returning it answers every task still pending with an error, closes the sockets
// and removes the connection files. Run may be called once.
func (c *Controller) Run(ctx context.Context) error {
	c.mu.Lock()
	switch {
	case c.closed:
		c.mu.Unlock()
		return ErrClosed
	case c.started:
		c.mu.Unlock()
		return errors.New("controller: Run called twice")
	}
	c.started = true
	c.mu.Unlock()
	defer close(c.done)

	log := c.opts.Logger
	log.Info("controller: serving", "transport", c.engineConn.Transport, "ip", c.engineConn.IP, "engine_port", c.engineConn.EnginePort, "client_port", c.clientConn.ClientPort,
		"notify_port", c.clientConn.NotifyPort, "client_file", c.clientFile, "engine_file", c.engineFile)

	// Readers: one goroutine per socket owns its reads.
	readerGone := make(chan struct{}, 2)
	var readers sync.WaitGroup
	read := func(sock *transport.Socket, handle func(*transport.Socket, [][]byte, *transport.Tail)) {
		readers.Add(1)
		go func() {
			defer readers.Done()
			defer func() { readerGone <- struct{}{} }()
			for {
				frames, tail, err := sock.RecvStream()
				if err != nil {
					return // the socket closed
				}
				handle(sock, frames, tail)
			}
		}()
	}
	read(c.engineSock, c.hub.handleEngine)
	read(c.clientSock, c.hub.handleClient)

	// Writers: one goroutine per socket sends, in queue order.
	var writers sync.WaitGroup
	writers.Add(2)
	go func() { defer writers.Done(); c.out.writer(c.out.engines, log) }()
	go func() { defer writers.Done(); c.out.writer(c.out.clients, log) }()
	writersDone := make(chan struct{})
	go func() { writers.Wait(); close(writersDone) }()

	sweepCtx, stopSweep := context.WithCancel(context.Background())
	sweepDone := make(chan struct{})
	go func() { defer close(sweepDone); c.hub.sweeper(sweepCtx) }()

	var runErr error
	select {
	case <-ctx.Done():
	case <-c.stopRun:
	case <-readerGone:
		runErr = errors.New("controller: a socket stopped unexpectedly")
	case <-c.hub.stopReq:
		// A client shut the cluster down: give engines time to acknowledge their
		// shutdown_request, so none is left running.
		grace := time.NewTimer(c.opts.ShutdownGrace)
		poll := time.NewTicker(5 * time.Millisecond)
	wait:
		for c.hub.engineCount() > 0 {
			select {
			case <-poll.C:
			case <-grace.C:
				break wait
			case <-ctx.Done():
				break wait
			case <-c.stopRun:
				break wait
			}
		}
		grace.Stop()
		poll.Stop()
		log.Info("controller: cluster shut down", "engines_left", c.hub.engineCount())
	}

	stopSweep()
	<-sweepDone
	c.hub.failAll("the controller stopped")
	close(c.out.drain)
	if !waitTimeout(writersDone, time.Second) {
		log.Warn("controller: a peer is not reading; dropping unsent messages")
	}
	close(c.out.dead)
	err := c.releaseAll()
	readers.Wait()
	<-writersDone
	return errors.Join(runErr, err)
}

// Close stops a running controller and waits until Run has released the sockets
// and files, or releases them itself if Run never ran. It is safe to call more
// than once and from any goroutine.
func (c *Controller) Close() error {
	c.stopOnce.Do(func() { close(c.stopRun) })
	c.mu.Lock()
	started := c.started
	c.closed = true
	c.mu.Unlock()
	if started {
		<-c.done
		return nil
	}
	return c.releaseAll()
}

// releaseAll closes the sockets and removes the connection files, once.
func (c *Controller) releaseAll() error {
	c.release.Do(func() {
		c.closeSockets()
		if c.clientFile != "" {
			c.relErr = errors.Join(removeConnFile(c.clientFile, c.key), removeConnFile(c.engineFile, c.key))
		}
	})
	return c.relErr
}

func (c *Controller) closeSockets() {
	for _, s := range []*transport.Socket{c.engineSock, c.clientSock, c.notifySock} {
		if s != nil {
			s.Close()
		}
	}
	c.sockCancel()
	// Closing a listener unlinks its socket file, but a bind that failed half way
	// or a listener zmq4 did not close may leave one; a stale socket file would
	// make the next bind on the same prefix fail.
	for _, f := range c.ipcFiles {
		if fi, err := os.Lstat(f); err == nil && fi.Mode()&os.ModeSocket != 0 {
			os.Remove(f)
		}
	}
	if c.ipcDir != "" {
		os.Remove(c.ipcDir) // only if empty: never delete what we did not create
	}
}

// ClientConnection returns what clients need to connect (the content of the
// client connection file).
func (c *Controller) ClientConnection() protocol.ClientConnection { return c.clientConn }

// EngineConnection returns what engines need to connect (the content of the
// engine connection file); launchers may pass it through the environment
// (profile.EnvEngineConnection) instead of the file.
func (c *Controller) EngineConnection() protocol.EngineConnection { return c.engineConn }

// ClientFile returns the path of the client connection file ("" with
// Options.NoFiles).
func (c *Controller) ClientFile() string { return c.clientFile }

// EngineFile returns the path of the engine connection file.
func (c *Controller) EngineFile() string { return c.engineFile }

// Engines lists the registered engines by id.
func (c *Controller) Engines() []protocol.EngineInfo {
	c.hub.mu.Lock()
	defer c.hub.mu.Unlock()
	return c.hub.engineInfos()
}

// Stats are the controller's counters, for tests, logs and benchmarks.
type Stats struct {
	// EngineSocket and ClientSocket count the messages each socket dropped as
	// malformed, badly signed or replayed.
	EngineSocket, ClientSocket transport.Stats
	// Unroutable counts well-formed messages that expected no reply and could not
	// be routed; FromUnregistered, messages from engines not registered.
	Unroutable, FromUnregistered uint64
	// Engines registered, tasks pending (queued or at engines), tasks queued for a
	// balanced engine, records stored and records evicted from the store.
	Engines, Pending, Queued, Stored int
	Evicted                          uint64
}

// Stats returns the current counters.
func (c *Controller) Stats() Stats {
	h := c.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	return Stats{
		EngineSocket:     c.engineSock.Stats(),
		ClientSocket:     c.clientSock.Stats(),
		Unroutable:       h.unroutable.Load(),
		FromUnregistered: h.unregistered.Load(),
		Engines:          len(h.engines),
		Pending:          len(h.pending),
		Queued:           h.queue.n,
		Stored:           len(h.store.byID),
		Evicted:          h.store.evicted,
	}
}
