package parallel

import (
	"github.com/goparallel/goparallel/protocol"
)

// The client decodes the content of every reply, and with encoding/json that was
// 5-7% of its CPU on small tasks: a validation pass, reflection over
// replyContent's fields, and a copy of the result header. Engines write replies as
// small objects of plain strings, small integers and the value header, which
// protocol.ScanObject reads in one pass; anything else goes to encoding/json, so
// the outcome never differs from json.Unmarshal's.

// replyKeys are replyContent's JSON names, including those it does not read fast.
var replyKeys = [...]string{"status", "result", "values", "execution_count", "ename", "evalue", "traceback", "engine_info"}

// stampKeys are protocol.EngineStamp's JSON names.
var stampKeys = [...]string{"engine_id", "started", "completed"}

// decodeReplyContent decodes m's content into rc, a zero replyContent, as
// m.DecodeContent would.
func decodeReplyContent(m *protocol.Message, rc *replyContent) error {
	if fastReplyContent(m.Content, rc) {
		return nil
	}
	*rc = replyContent{}
	return m.DecodeContent(rc)
}

// fastReplyContent decodes b into rc when b has the shape engines write; false
// means encoding/json must decode it (rc may then be partly set). Result and
// Values alias b, which lives as long as the message: the value decoder only
// reads them.
func fastReplyContent(b []byte, rc *replyContent) bool {
	return protocol.ScanObject(b, func(k, v []byte) bool {
		switch string(k) {
		case "status":
			return plainInto(&rc.Status, v)
		case "ename":
			return plainInto(&rc.EName, v)
		case "evalue":
			return plainInto(&rc.EValue, v)
		case "result":
			rc.Result = v
		case "values":
			rc.Values = v
		case "execution_count":
			n, ok := smallInt(v)
			rc.ExecutionCount = n
			return ok
		case "engine_info":
			if v[0] != '{' {
				return false
			}
			// A repeated key decodes into the same stamp, as encoding/json does.
			if rc.EngineInfo == nil {
				rc.EngineInfo = &protocol.EngineStamp{}
			}
			return fastStamp(v, rc.EngineInfo)
		default:
			return !protocol.FoldsTo(k, replyKeys[:]...)
		}
		return true
	})
}

// fastStamp decodes the engine_info object b into s, or reports false.
func fastStamp(b []byte, s *protocol.EngineStamp) bool {
	return protocol.ScanObject(b, func(k, v []byte) bool {
		switch string(k) {
		case "engine_id":
			n, ok := smallInt(v)
			s.EngineID = n
			return ok
		case "started":
			return plainInto(&s.Started, v)
		case "completed":
			return plainInto(&s.Completed, v)
		default:
			return !protocol.FoldsTo(k, stampKeys[:]...)
		}
	})
}

// plainInto sets *dst to the JSON string v if it is plain (see
// protocol.PlainString).
func plainInto(dst *string, v []byte) bool {
	s, ok := protocol.PlainString(v)
	if ok {
		*dst = string(s)
	}
	return ok
}

// smallInt returns the value of v, a JSON number known to be valid, if it is an
// integer of at most 9 digits, which even a 32-bit int holds; larger ones,
// fractions and exponents are encoding/json's to judge.
func smallInt(v []byte) (int, bool) {
	neg := len(v) > 0 && v[0] == '-'
	if neg {
		v = v[1:]
	}
	if len(v) == 0 || len(v) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}
