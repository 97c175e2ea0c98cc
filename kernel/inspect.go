package kernel

import (
	"strings"

	"github.com/goparallel/goparallel/kernel/session"
	"github.com/goparallel/goparallel/protocol"
)

// handleInspect answers inspect_request (Shift-Tab in the notebook, `name?` in
// some frontends) with the documentation of the identifier at the cursor.
func (k *Kernel) handleInspect(r *request) {
	var req protocol.InspectRequest
	if err := r.msg.DecodeContent(&req); err != nil {
		k.logErr("inspect_request", err)
	}
	rep := protocol.InspectReply{Status: protocol.ReplyOK, Data: protocol.MIMEBundle{}, Metadata: map[string]any{}}
	if d, ok := k.sess.Inspect(req.Code, req.CursorPos); ok {
		rep.Found = true
		rep.Data["text/plain"] = inspectText(d)
		rep.Data["text/markdown"] = inspectMarkdown(d)
	}
	k.reply(r, "inspect_reply", rep)
}

// inspectText renders documentation as a terminal shows it.
func inspectText(d session.Doc) string {
	var b strings.Builder
	b.WriteString(d.Signature)
	if d.Signature == "" {
		b.WriteString(d.Name)
	}
	if d.Text != "" {
		b.WriteString("\n\n")
		b.WriteString(d.Text)
	}
	return b.String()
}

// inspectMarkdown renders documentation for the notebook's pager and tooltips.
func inspectMarkdown(d session.Doc) string {
	var b strings.Builder
	if d.Signature != "" {
		b.WriteString("```go\n" + d.Signature + "\n```\n")
	} else {
		b.WriteString("`" + d.Name + "`\n")
	}
	if d.Text != "" {
		b.WriteString("\n" + d.Text + "\n")
	}
	return b.String()
}
