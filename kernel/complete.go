package kernel

import (
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/goparallel/goparallel/kernel/magic"
	"github.com/goparallel/goparallel/kernel/session"
	"github.com/goparallel/goparallel/protocol"
)

// handleComplete answers complete_request: magic names after a leading %, the
// session's completions (Go identifiers, package members, fields) otherwise.
// Cursor positions count code points, in Jupyter and in the session alike.
func (k *Kernel) handleComplete(r *request) {
	var req protocol.CompleteRequest
	if err := r.msg.DecodeContent(&req); err != nil {
		k.logErr("complete_request", err)
	}
	matches, start, end := k.magicCompletions(req.Code, req.CursorPos)
	if matches == nil {
		matches, start, end = k.sess.Complete(req.Code, req.CursorPos)
	}
	if matches == nil {
		matches = []string{}
	}
	k.reply(r, "complete_reply", protocol.CompleteReply{
		Status:      protocol.ReplyOK,
		Matches:     matches,
		CursorStart: start,
		CursorEnd:   end,
		Metadata:    map[string]any{},
	})
}

// magicCompletions completes a magic name being typed at the start of a line;
// cursor and the returned range count code points.
func (k *Kernel) magicCompletions(code string, runeCursor int) ([]string, int, int) {
	cursor := byteOffset(code, runeCursor)
	lineStart := strings.LastIndexByte(code[:cursor], '\n') + 1
	word := strings.TrimLeft(code[lineStart:cursor], " \t")
	prefix := "%"
	if strings.HasPrefix(word, "%%") {
		prefix = "%%"
	}
	if !strings.HasPrefix(word, "%") || strings.ContainsAny(word, " \t") {
		return nil, 0, 0
	}
	partial := word[len(prefix):]
	var out []string
	for name, m := range k.magics {
		if !strings.HasPrefix(name, partial) {
			continue
		}
		if (prefix == "%" && m.RunLine != nil) || (prefix == "%%" && m.RunCell != nil) {
			out = append(out, prefix+name)
		}
	}
	sort.Strings(out)
	if out == nil {
		out = []string{}
	}
	return out, runeCursor - utf8.RuneCountInString(word), runeCursor
}

// handleIsComplete answers is_complete_request, which terminal frontends use to
// decide whether Enter runs the cell or opens a new line.
func (k *Kernel) handleIsComplete(r *request) {
	var req protocol.IsCompleteRequest
	if err := r.msg.DecodeContent(&req); err != nil {
		k.logErr("is_complete_request", err)
	}
	status, indent := isComplete(req.Code)
	k.reply(r, "is_complete_reply", protocol.IsCompleteReply{Status: status, Indent: indent})
}

// isComplete judges a cell: magic lines are complete by themselves, the Go code
// around them (or a cell magic's body) is judged by the session.
func isComplete(code string) (status, indent string) {
	segs, err := magic.Parse(code)
	if err != nil {
		return "invalid", ""
	}
	status = "complete"
	for _, s := range segs {
		body := s.Body
		if s.Kind == magic.Line {
			continue
		}
		if s.Kind == magic.Cell && strings.TrimSpace(body) == "" {
			// A cell magic alone on its line: its body is still to be typed.
			return "incomplete", ""
		}
		st, in := session.IsComplete(body)
		if st != "complete" {
			status, indent = st, in
		}
	}
	return status, indent
}

// byteOffset converts a code-point offset into s to a byte offset.
func byteOffset(s string, runes int) int {
	if runes <= 0 {
		return 0
	}
	i := 0
	for n := 0; n < runes && i < len(s); n++ {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return i
}
