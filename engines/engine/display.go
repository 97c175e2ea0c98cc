package engine

import (
	"github.com/goparallel/goparallel/kernel/display"
	"github.com/goparallel/goparallel/protocol"
)

// publisher is the display.Publisher that package display is bound to on an
// engine, so that engine code shows rich output with the same calls as
// notebook cells:
//
//	import "github.com/goparallel/goparallel/kernel/display"
//	display.Display(img) // an image.Image, sent as image/png
//
// Each call sends display_data (update_display_data, clear_output) parented
// to the request being run, tagged {"engine": id}, after the stream output
// written before it and before the task's reply.
type publisher struct{ e *Engine }

var _ display.Publisher = publisher{}

// Display sends b as display_data, or update_display_data when update is true.
func (p publisher) Display(b display.Bundle, displayID string, update bool) error {
	msgType := "display_data"
	if update {
		msgType = "update_display_data"
	}
	dd := protocol.DisplayData{Data: protocol.MIMEBundle(b.Data), Metadata: b.Metadata}
	if dd.Metadata == nil {
		dd.Metadata = map[string]any{}
	}
	if displayID != "" {
		dd.Transient = map[string]any{"display_id": displayID}
	}
	return p.e.out.publish(msgType, dd)
}

// ClearOutput sends clear_output.
func (p publisher) ClearOutput(wait bool) error {
	return p.e.out.publish("clear_output", protocol.ClearOutput{Wait: wait})
}

// bundleOf is the MIME bundle of an execute_result: the value's rich form
// when it has one (see display.Of), with text as the fallback every frontend
// shows.
func bundleOf(v any, text string) (protocol.MIMEBundle, map[string]any) {
	if b, ok := display.Of(v); ok {
		b = b.WithText(text)
		md := b.Metadata
		if md == nil {
			md = map[string]any{}
		}
		return protocol.MIMEBundle(b.Data), md
	}
	return protocol.MIMEBundle{"text/plain": text}, map[string]any{}
}
