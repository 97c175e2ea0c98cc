package engine

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/goparallel/goparallel/protocol"
)

// Output coalescing: user code that prints in a loop must not cost one message
// per write, yet output must show up while a long task runs. Writes are buffered
// and flushed flushDelay after the first unflushed write, when flushSize bytes are
// pending, and always before the task's reply or any other output message.
const (
	flushDelay = 3 * time.Millisecond
	flushSize  = 64 << 10
)

// segment is a run of text written to one stream on behalf of one request.
type segment struct {
	name   string
	parent *protocol.Message
	text   []byte
}

// streamer buffers stdout and stderr and sends them as stream messages.
type streamer struct {
	send func(*protocol.Message) // sends one output message to the controller
	meta func() []byte           // metadata of output messages ({"engine": id})
	sess string

	mu      sync.Mutex
	parent  *protocol.Message // request the current output belongs to
	pending []segment
	size    int

	// flushMu orders flushes: whoever flushes holds it while sending, so a reply
	// sent after flush() can never overtake output taken by a concurrent flush.
	flushMu sync.Mutex
	kick    chan struct{}
}

func newStreamer(sess string, send func(*protocol.Message), meta func() []byte) *streamer {
	return &streamer{sess: sess, send: send, meta: meta, kick: make(chan struct{}, 1)}
}

// setParent attributes output written from now on to req. Output of goroutines
// that outlive their task goes to the task running when they write, as in
// IPython; with no task running, to the last one.
func (s *streamer) setParent(req *protocol.Message) {
	s.mu.Lock()
	s.parent = req
	s.mu.Unlock()
}

// writer returns the io.Writer for a stream ("stdout" or "stderr").
func (s *streamer) writer(name string) io.Writer { return streamWriter{s, name} }

type streamWriter struct {
	s    *streamer
	name string
}

func (w streamWriter) Write(p []byte) (int, error) {
	w.s.write(w.name, p)
	return len(p), nil
}

func (s *streamer) write(name string, p []byte) {
	if len(p) == 0 {
		return
	}
	s.mu.Lock()
	first := len(s.pending) == 0
	if n := len(s.pending); n > 0 && s.pending[n-1].name == name && s.pending[n-1].parent == s.parent {
		s.pending[n-1].text = append(s.pending[n-1].text, p...)
	} else {
		s.pending = append(s.pending, segment{name: name, parent: s.parent, text: append([]byte(nil), p...)})
	}
	s.size += len(p)
	full := s.size >= flushSize
	s.mu.Unlock()
	switch {
	case full:
		// Flushing on the writer's goroutine slows a runaway print loop down to
		// the speed of the socket instead of growing the buffer without bound.
		s.flush()
	case first:
		select {
		case s.kick <- struct{}{}:
		default:
		}
	}
}

// run flushes pending output flushDelay after it starts to accumulate, until ctx
// is done; then it flushes what is left.
func (s *streamer) run(ctx context.Context) {
	t := time.NewTimer(time.Hour)
	t.Stop()
	for {
		select {
		case <-ctx.Done():
			s.flush()
			return
		case <-s.kick:
			t.Reset(flushDelay)
		case <-t.C:
			s.flush()
		}
	}
}

// flush sends all pending output, in the order it was written.
func (s *streamer) flush() {
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	s.flushLocked()
}

// publish sends an output message other than a stream (display_data,
// clear_output) for the current request, after the stream output written
// before it: both are sent under flushMu, so no flush can come between.
func (s *streamer) publish(msgType string, content any) error {
	s.mu.Lock()
	parent := s.parent
	s.mu.Unlock()
	m, err := protocol.NewMessage(msgType, s.sess, parentHeader(parent), content)
	if err != nil {
		return fmt.Errorf("engine: %s: %w", msgType, err)
	}
	if parent != nil {
		m.Identities = parent.Identities
	}
	m.Metadata = s.meta()
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	s.flushLocked()
	s.send(m)
	return nil
}

// flushLocked is flush with flushMu held.
func (s *streamer) flushLocked() {
	s.mu.Lock()
	segs := s.pending
	s.pending, s.size = nil, 0
	s.mu.Unlock()
	for _, seg := range segs {
		m, err := protocol.NewMessage("stream", s.sess, parentHeader(seg.parent), protocol.Stream{Name: seg.name, Text: string(seg.text)})
		if err != nil {
			continue
		}
		if seg.parent != nil {
			m.Identities = seg.parent.Identities
		}
		m.Metadata = s.meta()
		s.send(m)
	}
}

func parentHeader(req *protocol.Message) *protocol.Header {
	if req == nil {
		return nil
	}
	return &req.Header
}
