package protocol

import (
	"encoding/json"
	"strings"
)

// encoding/json takes a few microseconds for a header, and every process decodes
// a header and a parent header per message it receives (the controller per message
// it routes, the client per reply), which made it a tenth of the controller's
// CPU and, with the validation of metadata and content, a sixth of the client's
// on small tasks. Headers as Jupyter peers write them are flat objects of plain
// ASCII strings, and replies are small objects with few fields. The scanners here
// read exactly those shapes; anything else (escapes in keys, non-ASCII keys, deep
// nesting, keys encoding/json would match case-insensitively) makes the callers
// fall back to encoding/json, so no result ever differs from json.Unmarshal's.

// scanFlat calls f with each key and value of b, a JSON object whose keys and
// values are strings of printable ASCII without escapes. It reports false,
// having possibly called f, when b is not such an object or f returns false.
func scanFlat(b []byte, f func(key, val []byte) bool) bool {
	return scanMembers(b, plainString, f)
}

// ScanObject calls f with each key of b, a JSON object whose keys are strings of
// printable ASCII without escapes, and the bytes of its value, exactly as they
// appear in b. Values may be of any type; they are checked to be valid JSON before
// f sees them. It reports false, having possibly called f, when b is not such an
// object, a value nests too deeply for the scanner to vouch for, or f returns
// false. When it reports true, json.Valid(b) holds.
func ScanObject(b []byte, f func(key, val []byte) bool) bool {
	return scanMembers(b, func(b []byte, i int) ([]byte, int, bool) {
		end, ok := scanValue(b, i, 1)
		if !ok {
			return nil, 0, false
		}
		return b[i:end], end, true
	}, f)
}

// scanMembers walks the members of the object b: value reads the value that
// starts at b[i] and returns what f is given for it and where it ends.
func scanMembers(b []byte, value func(b []byte, i int) (val []byte, end int, ok bool), f func(key, val []byte) bool) bool {
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
		v, end, ok := value(b, skipSpace(b, i+1))
		if !ok || !f(k, v) {
			return false
		}
		i = skipSpace(b, end)
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

// PlainString returns the contents of v if v is exactly one JSON string of
// printable ASCII without escapes, which is then also what json.Unmarshal would
// decode it to.
func PlainString(v []byte) ([]byte, bool) {
	s, j, ok := plainString(v, 0)
	if !ok || j != len(v) {
		return nil, false
	}
	return s, true
}

// FoldsTo reports whether encoding/json would match the ASCII key k to one of
// names, the JSON names of a struct's fields, which it does ignoring case. A
// scanner that meets a key it does not read exactly may ignore it only when
// FoldsTo is false; otherwise encoding/json must decide.
func FoldsTo(k []byte, names ...string) bool {
	for _, n := range names {
		if strings.EqualFold(string(k), n) {
			return true
		}
	}
	return false
}

// headerKeys are Header's JSON names.
var headerKeys = [...]string{"msg_id", "username", "session", "date", "msg_type", "version"}

// UnmarshalHeader decodes the JSON header b into h, which it first zeroes: the
// result is what json.Unmarshal gives into a zero Header, and so is the error,
// which is encoding/json's own. Plain headers take a fast path.
func UnmarshalHeader(b []byte, h *Header) error {
	*h = Header{}
	if flatHeader(b, h) {
		return nil
	}
	*h = Header{}
	return json.Unmarshal(b, h)
}

// HeaderMsgID returns the msg_id of the JSON header b, and the error
// json.Unmarshal reports decoding b into a struct holding only that field.
func HeaderMsgID(b []byte) (string, error) {
	var id string
	ok := scanFlat(b, func(k, v []byte) bool {
		if string(k) == "msg_id" {
			id = string(v)
			return true
		}
		return !FoldsTo(k, "msg_id")
	})
	if ok {
		return id, nil
	}
	var p struct {
		MsgID string `json:"msg_id"`
	}
	err := json.Unmarshal(b, &p)
	return p.MsgID, err
}

// flatHeader decodes a plain header into h as json.Unmarshal would into a zero
// Header; false means b needs encoding/json (h may then be partly set).
func flatHeader(b []byte, h *Header) bool {
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
			return !FoldsTo(k, headerKeys[:]...)
		}
		return true
	})
}

// validObject reports whether b is a JSON object the scanner vouches for; false
// means it is not or that json.Valid has to decide.
func validObject(b []byte) bool {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	end, ok := scanValue(b, i, 0)
	return ok && skipSpace(b, end) == len(b)
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

// maxScanDepth bounds the nesting scanValue follows. Deeper values are left to
// encoding/json, whose own limit then decides, and the recursion stays shallow.
const maxScanDepth = 64

// scanValue returns the index after the JSON value that starts at b[i]; false if
// there is none, or it nests deeper than maxScanDepth. It accepts exactly what
// json.Valid accepts of a value, which FuzzScanObject checks.
func scanValue(b []byte, i, depth int) (int, bool) {
	if i >= len(b) {
		return 0, false
	}
	switch c := b[i]; {
	case c == '"':
		return scanString(b, i)
	case c == '{', c == '[':
		if depth >= maxScanDepth {
			return 0, false
		}
		return scanComposite(b, i, depth)
	case c == '-' || c >= '0' && c <= '9':
		return scanNumber(b, i)
	case c == 't':
		return scanLiteral(b, i, "true")
	case c == 'f':
		return scanLiteral(b, i, "false")
	case c == 'n':
		return scanLiteral(b, i, "null")
	}
	return 0, false
}

// scanComposite scans the object or array that starts at b[i].
func scanComposite(b []byte, i, depth int) (int, bool) {
	closer, object := byte(']'), b[i] == '{'
	if object {
		closer = '}'
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == closer {
		return i + 1, true
	}
	for {
		var ok bool
		if object {
			if i, ok = scanString(b, i); !ok {
				return 0, false
			}
			i = skipSpace(b, i)
			if i >= len(b) || b[i] != ':' {
				return 0, false
			}
			i = skipSpace(b, i+1)
		}
		if i, ok = scanValue(b, i, depth+1); !ok {
			return 0, false
		}
		i = skipSpace(b, i)
		switch {
		case i >= len(b):
			return 0, false
		case b[i] == closer:
			return i + 1, true
		case b[i] != ',':
			return 0, false
		}
		i = skipSpace(b, i+1)
	}
}

// scanString scans the string that starts at b[i]. Like encoding/json's scanner,
// it rejects control characters and bad escapes but not invalid UTF-8, which the
// decoder replaces.
func scanString(b []byte, i int) (int, bool) {
	if i >= len(b) || b[i] != '"' {
		return 0, false
	}
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			return j + 1, true
		case c < 0x20:
			return 0, false
		case c == '\\':
			j++
			if j >= len(b) {
				return 0, false
			}
			switch b[j] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if j+4 >= len(b) {
					return 0, false
				}
				for _, h := range b[j+1 : j+5] {
					if !isHex(h) {
						return 0, false
					}
				}
				j += 4
			default:
				return 0, false
			}
		}
	}
	return 0, false
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// scanNumber scans the number that starts at b[i], by JSON's grammar:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func scanNumber(b []byte, i int) (int, bool) {
	if b[i] == '-' {
		i++
	}
	switch {
	case i >= len(b):
		return 0, false
	case b[i] == '0':
		i++
	case b[i] >= '1' && b[i] <= '9':
		i = skipDigits(b, i+1)
	default:
		return 0, false
	}
	if i < len(b) && b[i] == '.' {
		j := skipDigits(b, i+1)
		if j == i+1 {
			return 0, false
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := skipDigits(b, i)
		if j == i {
			return 0, false
		}
		i = j
	}
	return i, true
}

func skipDigits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}

func scanLiteral(b []byte, i int, lit string) (int, bool) {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return 0, false
	}
	return i + len(lit), true
}
