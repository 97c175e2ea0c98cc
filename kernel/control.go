package kernel

import (
	"runtime"
	"strings"

	"github.com/goparallel/goparallel/protocol"
)

// handleKernelInfo answers kernel_info_request, on shell or control.
func (k *Kernel) handleKernelInfo(r *request) {
	goVersion := strings.TrimPrefix(runtime.Version(), "go")
	k.reply(r, "kernel_info_reply", protocol.KernelInfoReply{
		Status:                protocol.ReplyOK,
		ProtocolVersion:       protocol.Version,
		Implementation:        "goparallel",
		ImplementationVersion: k.cfg.Version,
		LanguageInfo: protocol.LanguageInfo{
			Name:           "go",
			Version:        goVersion,
			MIMEType:       "text/x-go",
			FileExtension:  ".go",
			PygmentsLexer:  "go",
			CodemirrorMode: "go",
		},
		Banner: "goparallel " + k.cfg.Version + " — Go " + goVersion + " cells (yaegi) with IPython Parallel's machinery\n" +
			"%help lists the magics; display.HTML, display.Image, ... show rich output.",
		HelpLinks: []protocol.HelpLink{
			{Text: "Go documentation", URL: "https://go.dev/doc/"},
			{Text: "Go packages", URL: "https://pkg.go.dev/"},
			{Text: "goparallel", URL: "https://github.com/goparallel/goparallel"},
			{Text: "IPython Parallel", URL: "https://ipyparallel.readthedocs.io/"},
		},
	})
}

// handleCommInfo answers comm_info_request: the kernel has no comms.
func (k *Kernel) handleCommInfo(r *request) {
	k.reply(r, "comm_info_reply", protocol.CommInfoReply{Status: protocol.ReplyOK, Comms: map[string]map[string]any{}})
}

// handleShutdown replies, then stops the kernel. With restart, the frontend starts
// a new kernel process; this one exits cleanly either way.
func (k *Kernel) handleShutdown(r *request) {
	var req protocol.ShutdownRequest
	if err := r.msg.DecodeContent(&req); err != nil {
		k.logErr("shutdown_request", err)
	}
	rep := protocol.ShutdownRequest{Status: protocol.ReplyOK, Restart: req.Restart}
	k.reply(r, "shutdown_reply", rep)
	// ipykernel also broadcasts the reply, so that every frontend learns of it.
	k.publish(&r.msg.Header, "shutdown_reply", rep)
	k.Stop()
}

// handleInterrupt interrupts the running cell, if any.
func (k *Kernel) handleInterrupt(r *request) {
	k.interrupt()
	k.reply(r, "interrupt_reply", protocol.StatusOnly{Status: protocol.ReplyOK})
}
