package display

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
)

// Publisher sends display output to the notebook. The kernel implements it: each
// call goes out on iopub, parented to the request being run.
type Publisher interface {
	// Display sends display_data, or update_display_data when update is true.
	// displayID may be empty for output that is never updated.
	Display(b Bundle, displayID string, update bool) error
	// ClearOutput clears the output of the current cell; with wait, the frontend
	// clears it only when new output arrives, which avoids flicker in animations.
	ClearOutput(wait bool) error
}

// Funcs are the display functions bound to one Publisher. The kernel builds one per
// session and installs its methods in place of the package-level functions of the
// same names, which is how cells reach their own kernel.
type Funcs struct {
	pub Publisher
}

// Bind returns the display functions that publish through p.
func Bind(p Publisher) *Funcs { return &Funcs{pub: p} }

// Handle is a displayed output that can be updated in place.
type Handle struct {
	id  string
	pub Publisher
}

// ID returns the display id, unique within the kernel process.
func (h *Handle) ID() string {
	if h == nil {
		return ""
	}
	return h.id
}

// Update replaces the output shown under this handle's display id, wherever it is
// shown (in an earlier cell too).
func (h *Handle) Update(v any) error {
	if h == nil || h.pub == nil {
		return ErrNoKernel
	}
	return h.pub.Display(bundleOf(v), h.id, true)
}

// bundleOf is Of with a text fallback, so anything can be displayed.
func bundleOf(v any) Bundle {
	if b, ok := Of(v); ok {
		return b
	}
	if s, ok := v.(string); ok {
		return Text(s)
	}
	return Text(fmt.Sprint(v))
}

// Display shows each value now, in order, as display_data.
func (f *Funcs) Display(values ...any) error {
	if f == nil || f.pub == nil {
		return ErrNoKernel
	}
	for _, v := range values {
		if err := f.pub.Display(bundleOf(v), "", false); err != nil {
			return fmt.Errorf("display: %w", err)
		}
	}
	return nil
}

// New shows v now under a fresh display id and returns a handle to update it.
// Outside a kernel it returns a handle whose Update reports ErrNoKernel.
func (f *Funcs) New(v any) *Handle {
	h := &Handle{id: newID()}
	if f == nil || f.pub == nil {
		return h
	}
	h.pub = f.pub
	_ = f.pub.Display(bundleOf(v), h.id, false)
	return h
}

// Update replaces the output shown under displayID.
func (f *Funcs) Update(displayID string, v any) error {
	return (&Handle{id: displayID, pub: f.pub}).Update(v)
}

// ClearOutput clears the cell's output; with wait, not before new output arrives.
func (f *Funcs) ClearOutput(wait bool) error {
	if f == nil || f.pub == nil {
		return ErrNoKernel
	}
	return f.pub.ClearOutput(wait)
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// unbound serves the package-level functions when no kernel replaced them: it has
// no publisher and is never modified.
var unbound = &Funcs{}

// Display shows each value now, in order, as display_data. Values with a rich form
// (see [Of]) are shown with it, others as text.
func Display(values ...any) error { return unbound.Display(values...) }

// New shows v now under a fresh display id and returns a handle to update it, e.g.
// a progress bar.
func New(v any) *Handle { return unbound.New(v) }

// Update replaces the output shown under displayID.
func Update(displayID string, v any) error { return unbound.Update(displayID, v) }

// ClearOutput clears the cell's output; with wait, not before new output arrives.
func ClearOutput(wait bool) error { return unbound.ClearOutput(wait) }
