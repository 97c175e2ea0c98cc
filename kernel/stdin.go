package kernel

import (
	"errors"
	"sync"

	"github.com/goparallel/goparallel/protocol"
)

// ErrNoStdin is what reading standard input returns when the frontend cannot
// answer input requests (allow_stdin false, as in nbconvert).
var ErrNoStdin = errors.New("kernel: reading stdin is not supported by this frontend (allow_stdin is false)")

// stdinReader is the session's standard input. Each time its buffer is empty it
// asks the frontend for a line with input_request, on behalf of the running cell,
// and waits for the input_reply.
type stdinReader struct {
	k *Kernel

	mu  sync.Mutex // one input request at a time
	buf []byte
}

func (r *stdinReader) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.buf) == 0 {
		line, err := r.k.requestInput("", false)
		if err != nil {
			return 0, err
		}
		r.buf = append(r.buf, line...)
		r.buf = append(r.buf, '\n')
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// requestInput asks the frontend of the running cell for a line of input. Output
// buffered so far is sent first, since it usually holds the prompt.
func (k *Kernel) requestInput(prompt string, password bool) (string, error) {
	k.mu.Lock()
	c := k.running
	k.mu.Unlock()
	if c == nil || !c.stdin {
		return "", ErrNoStdin
	}
	k.flushStreams()
	// Forget a reply to an earlier, abandoned request.
	select {
	case <-k.inputReplies:
	default:
	}
	m, err := k.newMessage("input_request", &c.req.Header, protocol.InputRequest{Prompt: prompt, Password: password})
	if err != nil {
		return "", err
	}
	// The frontend's stdin socket has the identity of its shell socket.
	m.Identities = c.req.Identities
	if err := k.stdin.Send(m); err != nil {
		return "", err
	}
	for {
		select {
		case <-c.ctx.Done():
			return "", c.ctx.Err()
		case rep := <-k.inputReplies:
			if rep.Parent.MsgID != m.Header.MsgID {
				continue
			}
			var ir protocol.InputReply
			if err := rep.DecodeContent(&ir); err != nil {
				return "", err
			}
			return ir.Value, nil
		}
	}
}
