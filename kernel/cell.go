package kernel

import (
	"context"
	"fmt"
	"io"
	"reflect"
	"sync"

	"github.com/goparallel/goparallel/kernel/display"
	"github.com/goparallel/goparallel/kernel/session"
	"github.com/goparallel/goparallel/protocol"
)

// Host is what Go code called from cells sees of the kernel that runs them. The
// kernel passes itself as Host to [Config.Bindings], so that a package used by
// cells (the parallel client) can reach the cell that called it without package
// state: to stop its work when the cell is interrupted and to publish progress.
type Host interface {
	// Current returns the cell being run; between cells, the latest one, so that
	// goroutines outliving their cell still publish below it; nil before the
	// first cell.
	Current() *Cell
}

// Current implements [Host].
func (k *Kernel) Current() *Cell {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.running != nil {
		return k.running
	}
	return k.latest
}

// Cell is one execute request being handled. Magics, transforms and packages used
// by cells use it to learn about the request and to publish output for it. Its
// methods are safe for concurrent use.
type Cell struct {
	k      *Kernel
	req    *protocol.Message
	ctx    context.Context
	cancel context.CancelFunc
	code   string
	count  int
	silent bool
	stdin  bool

	mu      sync.Mutex
	done    bool
	result  any // set by SetResult, published as execute_result at the end
	payload []map[string]any
}

// Context is cancelled when the cell is interrupted, when it ends, and when the
// kernel stops. Work a magic or a package starts for the cell should stop when it
// is done; work meant to outlive the cell should not use it.
func (c *Cell) Context() context.Context { return c.ctx }

// Code returns the cell's source as the frontend sent it.
func (c *Cell) Code() string { return c.code }

// ExecutionCount returns the cell's execution count (the n of In[n]).
func (c *Cell) ExecutionCount() int { return c.count }

// Silent reports whether the frontend asked for no output (silent=true).
func (c *Cell) Silent() bool { return c.silent }

// Stdout returns the kernel's standard output stream, which cells print to:
// writes are buffered and sent as stream messages.
func (c *Cell) Stdout() io.Writer { return c.k.stdout }

// Stderr returns the kernel's standard error stream.
func (c *Cell) Stderr() io.Writer { return c.k.stderr }

// parent is the header output is parented to: the cell's request while it runs,
// the latest cell's once it is done, since frontends drop output for finished
// requests.
func (c *Cell) parent() *protocol.Header {
	c.mu.Lock()
	done := c.done
	c.mu.Unlock()
	if done {
		return c.k.outputParent()
	}
	return &c.req.Header
}

// Publish sends a message of any iopub type with the given content, after the
// output buffered so far, so that the notebook shows everything in order.
func (c *Cell) Publish(msgType string, content any) {
	c.k.flushStreams()
	c.k.publish(c.parent(), msgType, content)
}

// Display publishes display_data, or update_display_data when update is true (for
// a displayID shown before). It implements display.Publisher.
func (c *Cell) Display(b display.Bundle, displayID string, update bool) error {
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
	c.Publish(msgType, dd)
	return nil
}

// Show displays any value now: a rich form when it has one (see display.Of),
// otherwise its text as the cell's result would show it.
func (c *Cell) Show(v any) error {
	return c.Display(bundleOf(v), "", false)
}

// ClearOutput publishes clear_output. It implements display.Publisher.
func (c *Cell) ClearOutput(wait bool) error {
	c.Publish("clear_output", protocol.ClearOutput{Wait: wait})
	return nil
}

// SetResult makes v the cell's result, published as execute_result (Out[n]) when
// the cell ends, unless the cell is silent or later code sets another. v may be a
// reflect.Value (as in session.Result), a display.Bundle or any Go value.
func (c *Cell) SetResult(v any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.result = v
}

// Page shows text in the frontend's pager (a "page" payload of the execute
// reply); frontends without a pager print it.
func (c *Cell) Page(text string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.payload = append(c.payload, map[string]any{
		"source": "page",
		"data":   map[string]any{"text/plain": text},
		"start":  0,
	})
}

// Run runs Go code in the kernel's session, in the cell's context, after
// Config.CodeTransforms. It does not publish the result; errors are returned as
// the session reports them (see FormatError for how the kernel shows them).
func (c *Cell) Run(code string) (session.Result, error) {
	code, err := c.k.transform(c, c.k.cfg.CodeTransforms, code)
	if err != nil {
		return session.Result{}, err
	}
	return c.k.sess.Execute(c.ctx, code)
}

// Session returns the kernel's session, for magics that need more than Run (names,
// declarations, compiled functions). Cells run on it one at a time: a magic must
// not call Execute from another goroutine while its cell runs.
func (c *Cell) Session() *session.Session { return c.k.sess }

// bundleOf returns the MIME bundle of a cell result or displayed value.
func bundleOf(v any) display.Bundle {
	if rv, ok := v.(reflect.Value); ok {
		if !rv.IsValid() {
			return display.Text("<nil>")
		}
		text := session.FormatValue(rv)
		if rv.CanInterface() {
			if b, ok := display.Of(rv.Interface()); ok {
				return b.WithText(text)
			}
		}
		return display.Text(text)
	}
	if b, ok := display.Of(v); ok {
		return b
	}
	return display.Text(session.FormatValue(reflect.ValueOf(v)))
}

// hostPublisher is the display.Publisher the kernel binds package display to: it
// publishes for the current cell.
type hostPublisher struct{ k *Kernel }

func (h hostPublisher) Display(b display.Bundle, id string, update bool) error {
	c := h.k.Current()
	if c == nil {
		return fmt.Errorf("no cell is running")
	}
	return c.Display(b, id, update)
}

func (h hostPublisher) ClearOutput(wait bool) error {
	c := h.k.Current()
	if c == nil {
		return fmt.Errorf("no cell is running")
	}
	return c.ClearOutput(wait)
}

// Input asks the frontend for a line of input (input_request on stdin) and waits
// for it. It returns ErrNoStdin when the frontend does not allow input, and the
// context's error when the cell is interrupted while waiting.
func (c *Cell) Input(prompt string, password bool) (string, error) {
	return c.k.requestInput(prompt, password)
}
