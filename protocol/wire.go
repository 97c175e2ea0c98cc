package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Delimiter separates routing identities from the signed part of a message.
var Delimiter = []byte("<IDS|MSG>")

// ErrMalformed is wrapped by every error about frames that do not form a message.
var ErrMalformed = errors.New("protocol: malformed message")

// Raw is a message split into its frames, before its JSON parts are decoded.
type Raw struct {
	Identities [][]byte
	Signature  []byte
	Header     []byte
	Parent     []byte
	Metadata   []byte
	Content    []byte
	Buffers    [][]byte
}

// Split finds the delimiter in frames and slices out the parts of the message. It
// does not copy frame contents and does not check the signature.
func Split(frames [][]byte) (*Raw, error) {
	i := 0
	for ; i < len(frames); i++ {
		if bytes.Equal(frames[i], Delimiter) {
			break
		}
	}
	if i == len(frames) {
		return nil, fmt.Errorf("%w: no %s delimiter in %d frames", ErrMalformed, Delimiter, len(frames))
	}
	rest := frames[i+1:]
	if len(rest) < 5 {
		return nil, fmt.Errorf("%w: %d frames after the delimiter, want at least 5", ErrMalformed, len(rest))
	}
	return &Raw{
		Identities: frames[:i],
		Signature:  rest[0],
		Header:     rest[1],
		Parent:     rest[2],
		Metadata:   rest[3],
		Content:    rest[4],
		Buffers:    rest[5:],
	}, nil
}

// Decode parses the JSON parts of r into a Message. The header must name a message
// type; an empty parent header ("{}") is allowed; metadata and content must be JSON
// objects.
func (r *Raw) Decode() (*Message, error) {
	m := &Message{Identities: r.Identities, Buffers: r.Buffers}
	if err := UnmarshalHeader(r.Header, &m.Header); err != nil {
		return nil, fmt.Errorf("%w: header: %w", ErrMalformed, err)
	}
	if m.Header.MsgType == "" {
		return nil, fmt.Errorf("%w: header has no msg_type", ErrMalformed)
	}
	if len(bytes.TrimSpace(r.Parent)) > 0 {
		if err := UnmarshalHeader(r.Parent, &m.Parent); err != nil {
			return nil, fmt.Errorf("%w: parent header: %w", ErrMalformed, err)
		}
	}
	for _, part := range []struct {
		name string
		b    []byte
		dst  *json.RawMessage
	}{{"metadata", r.Metadata, &m.Metadata}, {"content", r.Content, &m.Content}} {
		b := bytes.TrimSpace(part.b)
		if len(b) == 0 {
			b = []byte("{}")
		}
		// validObject vouches for the objects peers write; json.Valid judges the rest.
		if b[0] != '{' || !validObject(b) && !json.Valid(b) {
			return nil, fmt.Errorf("%w: %s is not a JSON object", ErrMalformed, part.name)
		}
		*part.dst = b
	}
	return m, nil
}

// Codec turns messages into signed frames and verified frames back into messages.
// One Codec is shared by all sockets of a kernel or controller so that a signature
// replayed on any of them is caught. Safe for concurrent use.
type Codec struct {
	Signer *Signer
	Replay *ReplayGuard
}

// NewCodec returns a codec signing with key under scheme, with a replay guard.
func NewCodec(scheme string, key []byte) (*Codec, error) {
	s, err := NewSigner(scheme, key)
	if err != nil {
		return nil, err
	}
	return &Codec{Signer: s, Replay: NewReplayGuard(0)}, nil
}

// Encode returns the frames of m, signed: identities, delimiter, signature, header,
// parent, metadata, content, buffers.
func (c *Codec) Encode(m *Message) ([][]byte, error) {
	header, err := json.Marshal(&m.Header)
	if err != nil {
		return nil, fmt.Errorf("protocol: encoding header: %w", err)
	}
	parent := []byte("{}")
	if m.Parent.MsgID != "" || m.Parent.MsgType != "" {
		if parent, err = json.Marshal(&m.Parent); err != nil {
			return nil, fmt.Errorf("protocol: encoding parent header: %w", err)
		}
	}
	metadata := []byte(m.Metadata)
	if len(metadata) == 0 {
		metadata = []byte("{}")
	}
	content := []byte(m.Content)
	if len(content) == 0 {
		content = []byte("{}")
	}
	frames := make([][]byte, 0, len(m.Identities)+6+len(m.Buffers))
	frames = append(frames, m.Identities...)
	frames = append(frames, Delimiter, c.Signer.Sign(header, parent, metadata, content),
		header, parent, metadata, content)
	frames = append(frames, m.Buffers...)
	return frames, nil
}

// Decode splits frames, verifies the signature, rejects replays and decodes the
// message. Errors wrap ErrMalformed, ErrBadSignature or ErrReplayed.
func (c *Codec) Decode(frames [][]byte) (*Message, error) {
	r, err := Split(frames)
	if err != nil {
		return nil, err
	}
	if err := c.Signer.Verify(r.Signature, r.Header, r.Parent, r.Metadata, r.Content); err != nil {
		return nil, err
	}
	// Only a verified signature is remembered: otherwise anyone could poison the
	// guard with signatures of messages not yet sent.
	if c.Signer.Enabled() {
		if err := c.Replay.Check(r.Signature); err != nil {
			return nil, err
		}
	}
	return r.Decode()
}
