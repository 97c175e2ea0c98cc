package ipcluster

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/goparallel/goparallel/protocol"
	"github.com/goparallel/goparallel/protocol/transport"
)

// testClient is a minimal client: a DEALER on the controller's client socket and
// a SUB on its notify socket, speaking the protocol by hand.
type testClient struct {
	t      *testing.T
	conn   *protocol.ClientConnection
	sock   *transport.Socket
	notify *transport.Socket
	msgs   chan *protocol.Message
	notes  chan *protocol.Message
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func newTestClient(t *testing.T, c *Cluster) *testClient {
	t.Helper()
	conn, err := readClientFile(c.ClientFile())
	if err != nil {
		t.Fatal(err)
	}
	codec, _ := protocol.NewCodec(conn.SignatureScheme, []byte(conn.Key))
	ctx := context.Background()
	sock, err := transport.Dial(ctx, transport.Dealer, clientEndpoint(conn), codec, transport.Options{Identity: "test-" + protocol.NewID(), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	// The notification socket's endpoint is the client socket's with its port,
	// over whichever transport the cluster uses.
	nconn := *conn
	nconn.ClientPort = conn.NotifyPort
	notify, err := transport.Dial(ctx, transport.Sub, clientEndpoint(&nconn), codec, transport.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	tc := &testClient{t: t, conn: conn, sock: sock, notify: notify, msgs: make(chan *protocol.Message, 10000), notes: make(chan *protocol.Message, 100)}
	go func() {
		for {
			m, err := sock.Recv()
			if err != nil {
				return
			}
			tc.msgs <- m
		}
	}()
	go func() {
		for {
			m, err := notify.Recv()
			if err != nil {
				return
			}
			tc.notes <- m
		}
	}()
	t.Cleanup(func() { sock.Close(); notify.Close() })
	return tc
}

func (tc *testClient) send(msgType string, md protocol.TaskMetadata, content any, buffers [][]byte) *protocol.Message {
	tc.t.Helper()
	m, err := protocol.NewMessage(msgType, "test-session", nil, content)
	if err != nil {
		tc.t.Fatal(err)
	}
	m.SetMetadata(md)
	m.Buffers = buffers
	if err := tc.sock.Send(m); err != nil {
		tc.t.Fatal(err)
	}
	return m
}

// taskResult is what one engine sent for a request: output, then the reply.
type taskResult struct {
	engine  int
	outputs []*protocol.Message
	reply   *protocol.Message
}

// collect gathers the output and replies of req until n replies have arrived,
// grouped by engine, checking that each engine's output precedes its reply.
func (tc *testClient) collect(req *protocol.Message, n int) map[int]*taskResult {
	tc.t.Helper()
	res := map[int]*taskResult{}
	replies := 0
	timeout := time.After(20 * time.Second)
	for replies < n {
		select {
		case m := <-tc.msgs:
			if m.Parent.MsgID != req.Header.MsgID {
				continue
			}
			var meta struct {
				Engine *int `json:"engine"`
			}
			json.Unmarshal(m.Metadata, &meta)
			if meta.Engine == nil {
				tc.t.Fatalf("%s without engine metadata: %s %s", m.Header.MsgType, m.Metadata, m.Content)
			}
			r := res[*meta.Engine]
			if r == nil {
				r = &taskResult{engine: *meta.Engine}
				res[*meta.Engine] = r
			}
			if r.reply != nil {
				tc.t.Errorf("engine %d sent %s after its reply", r.engine, m.Header.MsgType)
			}
			if m.Header.MsgType == replyOf(req.Header.MsgType) {
				r.reply = m
				replies++
			} else {
				r.outputs = append(r.outputs, m)
			}
		case <-timeout:
			tc.t.Fatalf("%d of %d replies to %s", replies, n, req.Header.MsgType)
		}
	}
	return res
}

func (tc *testClient) engines() []protocol.EngineInfo {
	tc.t.Helper()
	req := tc.send(protocol.MsgConnectionRequest, protocol.TaskMetadata{Scheduler: protocol.SchedControl}, nil, nil)
	timeout := time.After(10 * time.Second)
	for {
		select {
		case m := <-tc.msgs:
			if m.Parent.MsgID == req.Header.MsgID {
				var cr protocol.ConnectionReply
				m.DecodeContent(&cr)
				return cr.Engines
			}
		case <-timeout:
			tc.t.Fatal("no connection_reply")
		}
	}
}

func jsonUnmarshal(b []byte, v any) { json.Unmarshal(b, v) }
