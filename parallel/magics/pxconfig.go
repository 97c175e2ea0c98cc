package magics

import (
	"fmt"

	"github.com/goparallel/goparallel/kernel"
)

// pxconfig sets the defaults of the view's %px: targets, blocking, streaming
// and verbosity. Without flags it shows them.
func (s *state) pxconfig(c *kernel.Cell, args string) error {
	a, _, err := parseArgs(args, pxconfigFlags, false)
	if err != nil {
		return usageError("%%pxconfig: %v", err)
	}
	pv, err := s.viewFor(c.Context(), a.Suffix)
	if err != nil {
		return err
	}
	var ids []int
	if a.Targets != "" {
		s.mu.Lock()
		view := *pv.view
		s.mu.Unlock()
		// As IPython Parallel does, a slice is resolved now, against the
		// engines registered now; "all" follows the engines as they come.
		if ids, err = resolveTargets(&view, a.Targets); err != nil {
			return usageError("%v", err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if a.Targets != "" {
		pv.view.Targets = ids
	}
	if a.Block != nil {
		pv.view.Block = *a.Block
	}
	if a.Verbose != nil {
		pv.verbose = *a.Verbose
	}
	if a.Stream != nil {
		pv.stream = a.Stream
	}
	if a.Targets == "" && a.Block == nil && a.Stream == nil && a.Verbose == nil && !a.Local {
		stream := "after 1s"
		if pv.stream != nil {
			stream = fmt.Sprint(*pv.stream)
		}
		fmt.Fprintf(c.Stdout(), "targets: %s\nblock: %v\nstream: %s\nverbose: %v\n",
			targetString(pv.view.Targets), pv.view.Block, stream, pv.verbose)
	}
	return nil
}
