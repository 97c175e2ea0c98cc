package parallel

import (
	"context"
	"io"
	"os"
	"sync"

	"github.com/goparallel/goparallel/protocol/value"
)

// Hooks connect the package to the notebook kernel that runs it. A compiled program
// leaves them unset and gets the plain behaviour documented on each field.
type Hooks struct {
	// Import imports packages into the notebook session, for [DirectView.SyncImports]
	// ("import them here too"). Unset: importing locally is a no-op, since a
	// compiled program imports what it uses at build time.
	Import func(paths ...string) error
	// Display shows a rich output (MIME type → data) in the running cell, or, with
	// update set, replaces the output shown earlier with the same id. It drives
	// [AsyncResult.WaitInteractive]'s progress bar. Unset: progress goes to Stderr
	// as text.
	Display func(id string, data map[string]any, update bool) error
	// CellContext returns the context of the running cell, cancelled when the user
	// interrupts it: results waited on with Get stop waiting and cancel their tasks.
	// Unset: context.Background().
	CellContext func() context.Context
	// Stdout and Stderr receive [AsyncResult.DisplayOutputs] and text progress.
	// Unset: os.Stdout and os.Stderr.
	Stdout, Stderr io.Writer
	// Registry names the types cells declare, so their values keep their types
	// across the wire; clients without their own registry use it.
	Registry *value.Registry
}

var hooks struct {
	mu sync.RWMutex
	h  Hooks
}

// SetHooks installs the kernel's hooks. The kernel calls it once, before running
// cells; later calls replace every hook.
func SetHooks(h Hooks) {
	hooks.mu.Lock()
	hooks.h = h
	hooks.mu.Unlock()
}

func currentHooks() Hooks {
	hooks.mu.RLock()
	defer hooks.mu.RUnlock()
	return hooks.h
}

func cellContext() context.Context {
	if f := currentHooks().CellContext; f != nil {
		if ctx := f(); ctx != nil {
			return ctx
		}
	}
	return context.Background()
}

func stdout() io.Writer {
	if w := currentHooks().Stdout; w != nil {
		return w
	}
	return os.Stdout
}

func stderr() io.Writer {
	if w := currentHooks().Stderr; w != nil {
		return w
	}
	return os.Stderr
}
