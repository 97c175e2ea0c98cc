package kernel

import (
	"github.com/goparallel/goparallel/kernel/history"
	"github.com/goparallel/goparallel/protocol"
)

// handleHistory answers history_request: tail, range or search (glob patterns),
// over this and earlier sessions, kept in the history file.
func (k *Kernel) handleHistory(r *request) {
	var req protocol.HistoryRequest
	if err := r.msg.DecodeContent(&req); err != nil {
		k.logErr("history_request", err)
	}
	var entries []history.Entry
	switch req.HistAccessType {
	case "tail":
		entries = k.hist.Tail(req.N)
	case "range":
		entries = k.hist.Range(req.Session, req.Start, req.Stop)
	case "search":
		entries = k.hist.Search(req.Pattern, req.N, req.Unique)
	default:
		k.log.Warn("kernel: unknown hist_access_type", "type", req.HistAccessType)
	}
	rows := make([][]any, 0, len(entries))
	for _, e := range entries {
		var item any = e.Input
		if req.Output {
			var out any
			if e.Output != "" {
				out = e.Output
			}
			item = []any{e.Input, out}
		}
		rows = append(rows, []any{e.Session, e.Line, item})
	}
	k.reply(r, "history_reply", protocol.HistoryReply{Status: protocol.ReplyOK, History: rows})
}
