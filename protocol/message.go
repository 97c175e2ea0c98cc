package protocol

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/gofrs/uuid/v5"
)

// Version is the Jupyter messaging protocol version goparallel implements.
const Version = "5.3"

// Header is a message header, and also the shape of a parent header.
type Header struct {
	MsgID    string `json:"msg_id"`
	Username string `json:"username"`
	Session  string `json:"session"`
	Date     string `json:"date"`
	MsgType  string `json:"msg_type"`
	Version  string `json:"version"`
}

// Message is one decoded Jupyter message. Content and Metadata stay as raw JSON so
// that code which only routes a message (the controller's schedulers) never pays for
// decoding a payload it forwards unchanged; use [Message.DecodeContent] to read it.
type Message struct {
	// Identities are the ZeroMQ routing identities that preceded the delimiter.
	Identities [][]byte
	Header     Header
	// Parent is the header of the request this message answers; zero for requests.
	Parent   Header
	Metadata json.RawMessage
	Content  json.RawMessage
	// Buffers are extra raw frames after the content, for bulk data.
	Buffers [][]byte
}

// NewMessage returns a message of the given type in the given session, answering
// parent (which may be nil), with content marshalled to JSON.
func NewMessage(msgType, session string, parent *Header, content any) (*Message, error) {
	m := &Message{Header: NewHeader(msgType, session)}
	if parent != nil {
		m.Parent = *parent
		m.Header.Username = parent.Username
	}
	if err := m.SetContent(content); err != nil {
		return nil, err
	}
	return m, nil
}

// NewHeader returns a fresh header with a new message id and the current time.
func NewHeader(msgType, session string) Header {
	return Header{
		MsgID:    NewID(),
		Username: "goparallel",
		Session:  session,
		Date:     time.Now().UTC().Format(time.RFC3339Nano),
		MsgType:  msgType,
		Version:  Version,
	}
}

// NewID returns a new random message or session id.
func NewID() string {
	return uuid.Must(uuid.NewV4()).String()
}

// SetContent marshals v as the message content. A nil v becomes "{}".
func (m *Message) SetContent(v any) error {
	if v == nil {
		m.Content = json.RawMessage("{}")
		return nil
	}
	if raw, ok := v.(json.RawMessage); ok {
		m.Content = raw
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("protocol: encoding %s content: %w", m.Header.MsgType, err)
	}
	m.Content = b
	return nil
}

// SetMetadata marshals v as the message metadata. A nil v becomes "{}".
func (m *Message) SetMetadata(v any) error {
	if v == nil {
		m.Metadata = json.RawMessage("{}")
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("protocol: encoding %s metadata: %w", m.Header.MsgType, err)
	}
	m.Metadata = b
	return nil
}

// DecodeContent unmarshals the message content into v.
func (m *Message) DecodeContent(v any) error {
	if err := json.Unmarshal(m.Content, v); err != nil {
		return fmt.Errorf("protocol: decoding %s content: %w", m.Header.MsgType, err)
	}
	return nil
}

// DecodeMetadata unmarshals the message metadata into v. Empty metadata leaves v as is.
func (m *Message) DecodeMetadata(v any) error {
	if len(m.Metadata) == 0 {
		return nil
	}
	if err := json.Unmarshal(m.Metadata, v); err != nil {
		return fmt.Errorf("protocol: decoding %s metadata: %w", m.Header.MsgType, err)
	}
	return nil
}

// Reply returns a message of type msgType answering m: same session, m's header as
// parent, and m's routing identities, so it goes back to the peer that asked.
func (m *Message) Reply(msgType string, content any) (*Message, error) {
	r, err := NewMessage(msgType, m.Header.Session, &m.Header, content)
	if err != nil {
		return nil, err
	}
	r.Identities = m.Identities
	return r, nil
}
