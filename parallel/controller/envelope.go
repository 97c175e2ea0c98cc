package controller

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/goparallel/goparallel/protocol"
	"github.com/goparallel/goparallel/protocol/transport"
)

// envelope is what the controller reads of a message it routes: the frames as
// received, the position of the delimiter, and the header. Content and buffers
// stay untouched frames, so routing costs the same for a 10-byte and a 64 MB
// message.
type envelope struct {
	frames [][]byte // as received, identities first
	nids   int      // number of identity frames before the delimiter
	raw    *protocol.Raw
	header protocol.Header
	// tail is the rest of a message whose large buffers are still on the
	// sender's connection. Whoever routes the envelope hands it on with the
	// frames and sets it to nil; the handler that received the message
	// discards what is left.
	tail *transport.Tail
}

// openEnvelope splits frames, verifies the signature, rejects replays and decodes
// the header. Errors wrap protocol.ErrMalformed, ErrBadSignature or ErrReplayed so
// the socket counts them by kind.
func openEnvelope(codec *protocol.Codec, frames [][]byte) (*envelope, error) {
	raw, err := protocol.Split(frames)
	if err != nil {
		return nil, err
	}
	if err := codec.Signer.Verify(raw.Signature, raw.Header, raw.Parent, raw.Metadata, raw.Content); err != nil {
		return nil, err
	}
	// Only verified signatures enter the guard, or anyone could poison it.
	if codec.Signer.Enabled() {
		if err := codec.Replay.Check(raw.Signature); err != nil {
			return nil, err
		}
	}
	env := &envelope{frames: frames, nids: len(raw.Identities), raw: raw}
	if err := protocol.UnmarshalHeader(raw.Header, &env.header); err != nil {
		return nil, fmt.Errorf("%w: header: %w", protocol.ErrMalformed, err)
	}
	if env.header.MsgType == "" || env.header.MsgID == "" {
		return nil, fmt.Errorf("%w: header lacks msg_type or msg_id", protocol.ErrMalformed)
	}
	return env, nil
}

// parentID returns the msg_id of the parent header, or "".
func (env *envelope) parentID() string {
	if len(bytes.TrimSpace(env.raw.Parent)) == 0 {
		return ""
	}
	id, err := protocol.HeaderMsgID(env.raw.Parent)
	if err != nil {
		return ""
	}
	return id
}

// errNoIdentity rejects a message that reached a ROUTER without the identity the
// ROUTER puts first, which only a broken peer can cause.
var errNoIdentity = fmt.Errorf("%w: no routing identity", protocol.ErrMalformed)

// errBadMetadata is wrapped by errors about a request's routing metadata.
var errBadMetadata = errors.New("bad task metadata")

// maxTargets bounds the engine ids one request may name, so a hostile request
// cannot make the controller allocate without bound.
const maxTargets = 1 << 16

// decodeTaskMetadata reads the routing part of a request's metadata. Empty
// metadata is a zero TaskMetadata. It checks the values a scheduler relies on.
func decodeTaskMetadata(b []byte) (protocol.TaskMetadata, error) {
	var md protocol.TaskMetadata
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return md, nil
	}
	if err := json.Unmarshal(b, &md); err != nil {
		return md, fmt.Errorf("%w: %w", errBadMetadata, err)
	}
	switch {
	case len(md.Targets) > maxTargets:
		return md, fmt.Errorf("%w: %d targets", errBadMetadata, len(md.Targets))
	case md.Retries < 0:
		return md, fmt.Errorf("%w: negative retries %d", errBadMetadata, md.Retries)
	case md.Timeout < 0 || math.IsNaN(md.Timeout) || math.IsInf(md.Timeout, 0) || md.Timeout > 1e9:
		return md, fmt.Errorf("%w: invalid timeout %v", errBadMetadata, md.Timeout)
	}
	for _, t := range md.Targets {
		if t < 0 {
			return md, fmt.Errorf("%w: negative engine id %d", errBadMetadata, t)
		}
	}
	return md, nil
}

// replyStatus reads the status of a reply. Engines put it first in the content
// ({"status":"ok",...}), so the common case is a prefix check and the content is
// parsed only when written otherwise.
func replyStatus(content []byte) string {
	const prefix = `{"status":"`
	if bytes.HasPrefix(content, []byte(prefix)) {
		rest := content[len(prefix):]
		if i := bytes.IndexByte(rest, '"'); i >= 0 && bytes.IndexByte(rest[:i], '\\') < 0 {
			return string(rest[:i])
		}
	}
	var s struct {
		Status string `json:"status"`
	}
	if json.Unmarshal(content, &s) != nil || s.Status == "" {
		return protocol.ReplyError
	}
	return s.Status
}

// isRequest reports whether msgType expects a reply.
func isRequest(msgType string) bool { return strings.HasSuffix(msgType, "_request") }

// isReply reports whether msgType answers a request.
func isReply(msgType string) bool { return strings.HasSuffix(msgType, "_reply") }

// replyType maps "x_request" to "x_reply".
func replyType(msgType string) string {
	return strings.TrimSuffix(msgType, "_request") + "_reply"
}

// prepend returns id followed by frames, sharing the frames' contents.
func prepend(id []byte, frames [][]byte) [][]byte {
	out := make([][]byte, 0, len(frames)+1)
	out = append(out, id)
	return append(out, frames...)
}
