package controller

import (
	"strings"

	"github.com/goparallel/goparallel/protocol"
)

// encoding/json takes a few microseconds for a header, and the controller decodes
// one per message it routes and a parent header per reply, which made it a tenth
// of the controller's CPU on small tasks. Headers as Jupyter peers write them are
// flat objects of plain ASCII strings; scanFlat reads exactly those, and anything
// else (escapes, non-ASCII, other value types, keys encoding/json would match
// case-insensitively) makes the callers fall back to encoding/json, so the
// result never differs from json.Unmarshal's.

// scanFlat calls f with each key and value of b, a JSON object whose keys and
// values are strings of printable ASCII without escapes. It reports false, having
// possibly called f, when b is not such an object or f returns false.
func scanFlat(b []byte, f func(key, val []byte) bool) bool {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return skipSpace(b, i+1) == len(b)
	}
	for {
		k, j, ok := plainString(b, i)
		if !ok {
			return false
		}
		i = skipSpace(b, j)
		if i >= len(b) || b[i] != ':' {
			return false
		}
		v, j, ok := plainString(b, skipSpace(b, i+1))
		if !ok || !f(k, v) {
			return false
		}
		i = skipSpace(b, j)
		if i >= len(b) {
			return false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return skipSpace(b, i+1) == len(b)
		default:
			return false
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// plainString returns the contents of the string starting at b[i] and the index
// after it; false if there is none or it holds an escape or a byte outside
// printable ASCII.
func plainString(b []byte, i int) ([]byte, int, bool) {
	if i >= len(b) || b[i] != '"' {
		return nil, 0, false
	}
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			return b[i+1 : j], j + 1, true
		case c == '\\' || c < 0x20 || c >= 0x7f:
			return nil, 0, false
		}
	}
	return nil, 0, false
}

// headerKeys are protocol.Header's JSON names.
var headerKeys = [...]string{"msg_id", "username", "session", "date", "msg_type", "version"}

// foreignKey reports whether a key that is none of want may still be ignored:
// encoding/json would match it to a field when it equals one case-insensitively.
func foreignKey(k []byte, want ...string) bool {
	for _, w := range want {
		if strings.EqualFold(string(k), w) {
			return false
		}
	}
	return true
}

// flatHeader decodes a plain header into h as json.Unmarshal would into a zero
// Header; false means b needs encoding/json (h may then be partly set).
func flatHeader(b []byte, h *protocol.Header) bool {
	return scanFlat(b, func(k, v []byte) bool {
		switch string(k) {
		case "msg_id":
			h.MsgID = string(v)
		case "username":
			h.Username = string(v)
		case "session":
			h.Session = string(v)
		case "date":
			h.Date = string(v)
		case "msg_type":
			h.MsgType = string(v)
		case "version":
			h.Version = string(v)
		default:
			return foreignKey(k, headerKeys[:]...)
		}
		return true
	})
}

// flatMsgID returns the msg_id of a plain parent header ("" if it has none).
func flatMsgID(b []byte) (id string, ok bool) {
	ok = scanFlat(b, func(k, v []byte) bool {
		if string(k) == "msg_id" {
			id = string(v)
			return true
		}
		return foreignKey(k, "msg_id")
	})
	return id, ok
}
