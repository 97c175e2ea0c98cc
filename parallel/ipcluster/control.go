package ipcluster

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/goparallel/goparallel/protocol"
	"github.com/goparallel/goparallel/protocol/transport"
)

// controlClient talks to a controller's client socket as a client would, for the
// two things ipcluster needs: who is registered, and shutting the cluster down.
type controlClient struct {
	sock *transport.Socket
	sess string
}

func clientEndpoint(c *protocol.ClientConnection) string {
	ip := c.IP
	switch ip {
	case "", "*", "0.0.0.0", "::":
		// Listening on every interface: reach it where it said it is.
		ip = c.Location
		if ip == "" {
			ip = "127.0.0.1"
		}
	}
	port := strconv.Itoa(c.ClientPort)
	if c.Transport == "ipc" {
		return "ipc://" + c.IP + "-" + port
	}
	return "tcp://" + ip + ":" + port
}

func readClientFile(path string) (*protocol.ClientConnection, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var c protocol.ClientConnection
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("ipcluster: %s: %w", path, err)
	}
	if c.ClientPort <= 0 {
		return nil, fmt.Errorf("ipcluster: %s: no client_port", path)
	}
	return &c, nil
}

func dialControl(ctx context.Context, c *protocol.ClientConnection) (*controlClient, error) {
	codec, err := protocol.NewCodec(c.SignatureScheme, []byte(c.Key))
	if err != nil {
		return nil, err
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	s, err := transport.Dial(ctx, transport.Dealer, clientEndpoint(c), codec, transport.Options{Identity: "ipcluster-" + protocol.NewID(), Logger: quiet})
	if err != nil {
		return nil, err
	}
	return &controlClient{sock: s, sess: protocol.NewID()}, nil
}

func (cc *controlClient) Close() error { return cc.sock.Close() }

// request sends a control request and waits for its reply, skipping anything
// else (output of other clients' tasks never comes here, but be lenient).
func (cc *controlClient) request(ctx context.Context, msgType string, content any, timeout time.Duration) (*protocol.Message, error) {
	m, err := protocol.NewMessage(msgType, cc.sess, nil, content)
	if err != nil {
		return nil, err
	}
	if err := m.SetMetadata(protocol.TaskMetadata{Scheduler: protocol.SchedControl}); err != nil {
		return nil, err
	}
	if err := cc.sock.Send(m); err != nil {
		return nil, err
	}
	type res struct {
		m   *protocol.Message
		err error
	}
	ch := make(chan res, 1)
	go func() {
		for {
			r, err := cc.sock.Recv()
			if err != nil || r.Parent.MsgID == m.Header.MsgID {
				ch <- res{r, err}
				return
			}
		}
	}()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case r := <-ch:
		return r.m, r.err
	case <-t.C:
	case <-ctx.Done():
	}
	// The reader goroutine is stuck in Recv; closing the socket releases it, so a
	// timed-out client cannot be reused.
	cc.sock.Close()
	<-ch
	return nil, fmt.Errorf("ipcluster: no %s from the controller within %s", replyOf(msgType), timeout)
}

func replyOf(req string) string { return req[:len(req)-len("request")] + "reply" }

// engines asks the controller which engines are registered.
func (cc *controlClient) engines(ctx context.Context, timeout time.Duration) ([]protocol.EngineInfo, error) {
	r, err := cc.request(ctx, protocol.MsgConnectionRequest, nil, timeout)
	if err != nil {
		return nil, err
	}
	var cr protocol.ConnectionReply
	if err := r.DecodeContent(&cr); err != nil {
		return nil, err
	}
	return cr.Engines, nil
}

// shutdown asks the controller to shut the cluster down (itself and its engines).
func (cc *controlClient) shutdown(ctx context.Context, timeout time.Duration) error {
	_, err := cc.request(ctx, protocol.MsgShutdownRequest, protocol.ShutdownRequest{}, timeout)
	return err
}
