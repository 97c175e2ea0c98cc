package magics

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/goparallel/goparallel/kernel"
	"github.com/goparallel/goparallel/kernel/display"
	"github.com/goparallel/goparallel/kernel/gonum"
	"github.com/goparallel/goparallel/parallel"
	"github.com/goparallel/goparallel/parallel/symbols"
	"github.com/goparallel/goparallel/protocol/value"
	"github.com/traefik/yaegi/interp"
)

// Extend returns cfg with the parallel package wired into the kernel:
//
//   - cells may import the parallel package, gonum and gonum/plot, and this
//     package (Activate, Client; see [ImportPath]);
//   - parallel's hooks (parallel.SetHooks) reach the running cell: its context
//     (interrupts cancel waits and engine work), its streams, rich display for
//     progress bars, imports into the notebook session for SyncImports, and a
//     registry naming the types cells declare;
//   - every piece of Go code goes through parallel.RewriteCell, so functions
//     passed to views carry their source;
//   - the magics %px, %%px, %pxresult (alias %result), %pxconfig, %autopx and
//     %ipcluster.
//
// Each call makes an independent set of magics; parallel's hooks are process
// wide, so the last kernel started with an extended config owns them.
func Extend(cfg kernel.Config) kernel.Config {
	s := newState()
	cfg.Symbols = append(slices.Clip(cfg.Symbols), interp.Exports(symbols.Symbols), gonum.Symbols)
	cfg.Bindings = append(slices.Clip(cfg.Bindings), s.bind)
	cfg.CellTransforms = append(slices.Clip(cfg.CellTransforms), s.cellTransform)
	cfg.CodeTransforms = append(slices.Clip(cfg.CodeTransforms), s.codeTransform)
	cfg.Magics = append(slices.Clip(cfg.Magics), s.magics()...)
	cfg.OnShutdown = append(slices.Clip(cfg.OnShutdown), s.shutdown)
	return cfg
}

// pxView is a view the magics drive, with the settings %pxconfig changes.
type pxView struct {
	view    *parallel.DirectView // its Targets and Block are the defaults
	verbose bool
	stream  *bool                 // nil: live output only for cells running over streamDelay
	last    *parallel.AsyncResult // for %pxresult
}

// state is one kernel's parallel magics.
type state struct {
	host  kernel.Host
	decls declIndex
	types typeRegistry

	mu      sync.Mutex
	client  *parallel.Client  // the magics' own client, connected on first use
	cluster *parallel.Cluster // started by %ipcluster start, stopped by %ipcluster stop
	// daemonized is set when %ipcluster start --daemonize started cluster: it
	// outlives the kernel.
	daemonized bool
	views      map[string]*pxView
	autopx     *string  // the suffix whose view %autopx sends cells to; nil when off
	imports    []string // paths SyncImports asked to import in the notebook too
}

func newState() *state {
	return &state{views: map[string]*pxView{}, types: typeRegistry{reg: value.NewRegistry()}}
}

// bind is the kernel Binding: it connects package parallel to the kernel and
// returns this package's functions for cells.
func (s *state) bind(h kernel.Host) interp.Exports {
	s.host = h
	parallel.SetHooks(parallel.Hooks{
		Import: s.queueImports,
		Display: func(id string, data map[string]any, update bool) error {
			c := h.Current()
			if c == nil {
				return fmt.Errorf("no cell is running")
			}
			return c.Display(display.Bundle{Data: data, Metadata: map[string]any{}}, id, update)
		},
		CellContext: func() context.Context {
			if c := h.Current(); c != nil {
				return c.Context()
			}
			return nil
		},
		Stdout:   cellWriter{h: h},
		Stderr:   cellWriter{h: h, stderr: true},
		Registry: s.types.reg,
	})
	return s.exports()
}

// cellWriter writes to the stream of the cell running when it writes.
type cellWriter struct {
	h      kernel.Host
	stderr bool
}

func (w cellWriter) Write(p []byte) (int, error) {
	c := w.h.Current()
	var out io.Writer
	switch {
	case c != nil && w.stderr:
		out = c.Stderr()
	case c != nil:
		out = c.Stdout()
	case w.stderr:
		out = os.Stderr
	default:
		out = os.Stdout
	}
	return out.Write(p)
}

// queueImports is parallel's Import hook. DirectView.SyncImports calls it from
// a cell, while the session runs that cell: importing right away would wait for
// the session forever, so the imports run before the next piece of Go code.
func (s *state) queueImports(paths ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.imports = append(s.imports, paths...)
	return nil
}

// runImports imports the queued paths into the session.
func (s *state) runImports(c *kernel.Cell) {
	s.mu.Lock()
	paths := s.imports
	s.imports = nil
	s.mu.Unlock()
	if len(paths) == 0 {
		return
	}
	var b strings.Builder
	for _, p := range paths {
		b.WriteString("import " + strconv.Quote(p) + "\n")
	}
	if _, err := c.Session().Execute(c.Context(), b.String()); err != nil {
		fmt.Fprintf(c.Stderr(), "importing %s in the notebook: %v\n", strings.Join(paths, ", "), err)
	}
}

// cellTransform runs first for every cell: a new cell for function shipping,
// pending imports, the types to register, then magics of activated suffixes
// and %autopx.
func (s *state) cellTransform(c *kernel.Cell, src string) (string, error) {
	parallel.BeginCell()
	s.runImports(c)
	s.types.update(c.Session())
	src = s.routeSuffixes(src)
	return s.autopxCell(src), nil
}

// codeTransform prepares each piece of Go code the session runs: functions
// passed to views get their source attached.
func (s *state) codeTransform(c *kernel.Cell, src string) (string, error) {
	s.runImports(c)
	s.decls.note(src)
	return parallel.RewriteCell(src, &sessionDecls{s: c.Session(), index: &s.decls})
}
