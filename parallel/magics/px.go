package magics

import (
	"io"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/goparallel/goparallel/kernel"
	"github.com/goparallel/goparallel/kernel/display"
	"github.com/goparallel/goparallel/parallel"
)

// Timing of a blocking %px.
const (
	// streamDelay is how long a %px without --stream/--no-stream keeps the
	// engines' output to show it grouped by engine: cells that finish sooner
	// read like the lecture ([stdout:0] ... [stdout:3] in order), longer ones
	// show their output live from then on.
	streamDelay = time.Second
	// progressDelay is how long a %px waits before showing a progress bar.
	progressDelay = time.Second
	// pollInterval is how often live output is looked for.
	pollInterval = 50 * time.Millisecond
	// interruptWait bounds the wait for the engines to answer an interrupt.
	interruptWait = 5 * time.Second
)

// pxLine runs `%px [flags] CODE`.
func (s *state) pxLine(c *kernel.Cell, args string) error {
	a, code, err := parseArgs(args, pxFlags, true)
	if err != nil {
		return usageError("%%px: %v", err)
	}
	if strings.TrimSpace(code) == "" {
		return usageError(`%%px needs Go code to run on the engines, e.g. %%px fmt.Println("Hello world!")`)
	}
	return s.px(c, a, code)
}

// pxCell runs `%%px [flags]` with the cell's body as the code.
func (s *state) pxCell(c *kernel.Cell, args, body string) error {
	a, _, err := parseArgs(args, pxFlags, false)
	if err != nil {
		return usageError("%%%%px: %v", err)
	}
	if strings.TrimSpace(body) == "" {
		return nil
	}
	return s.px(c, a, body)
}

// px sends code to the engines of the view and, when blocking, shows their
// output and results; otherwise the cell's result is the AsyncResult.
func (s *state) px(c *kernel.Cell, a pxArgs, code string) error {
	pv, err := s.viewFor(c.Context(), a.Suffix)
	if err != nil {
		return err
	}
	s.mu.Lock()
	view := *pv.view
	block, stream, verbose := view.Block, pv.stream, pv.verbose
	s.mu.Unlock()
	if a.Targets != "" {
		ids, err := resolveTargets(&view, a.Targets)
		if err != nil {
			return usageError("%v", err)
		}
		view = *view.On(ids)
	}
	if a.Block != nil {
		block = *a.Block
	}
	if a.Stream != nil {
		stream = a.Stream
	}
	if a.Verbose != nil {
		verbose = *a.Verbose
	}
	if verbose {
		base := "Parallel"
		if !block {
			base = "Async parallel"
		}
		io.WriteString(c.Stdout(), base+" execution on engine(s): "+targetString(view.Targets)+"\n")
	}
	view.Block = false
	ar, err := view.Execute(code)
	if err != nil {
		return cellError(err)
	}
	s.mu.Lock()
	pv.last = ar
	s.mu.Unlock()
	if a.Out != "" {
		if err := c.Session().Set(a.Out, reflect.ValueOf(ar)); err != nil {
			return err
		}
	}
	// As in IPython Parallel, --local runs the cell here once the engines have
	// it, so both run at the same time.
	var localErr error
	if a.Local {
		res, err := c.Run(code)
		switch {
		case err != nil:
			localErr = err
		case res.HasValue:
			c.SetResult(res.Value)
		}
	}
	if !block {
		if !a.Local {
			c.SetResult(ar)
		}
		return localErr
	}
	if err := s.await(c, ar, a.GroupBy, stream); err != nil {
		return err
	}
	return localErr
}

// resolveTargets resolves a --targets value against the engines of the view's
// client.
func resolveTargets(view *parallel.DirectView, spec string) ([]int, error) {
	t, err := parseTargets(spec)
	if err != nil {
		return nil, err
	}
	if t.all {
		return nil, nil
	}
	// A view made with a slice of every id knows its client's ids.
	ids := view.On(":").Targets
	if ids == nil {
		return nil, usageError("--targets %s: the view has no client", spec)
	}
	return t.resolve(ids)
}

// await waits for a %px result while the engines run: live output (see
// streamDelay), a progress bar after progressDelay, interrupts passed on to the
// engines. Then it shows what is left, grouped by groupBy, and returns the
// engines' errors as the cell's.
func (s *state) await(c *kernel.Cell, ar *parallel.AsyncResult, groupBy string, stream *bool) error {
	ctx := c.Context()
	var live *liveStream
	if stream != nil && *stream {
		live = newLiveStream()
	}
	var toLive <-chan time.Time
	if stream == nil {
		t := time.NewTimer(streamDelay)
		defer t.Stop()
		toLive = t.C
	}
	progress := time.NewTimer(progressDelay)
	defer progress.Stop()
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	// The progress bar is AsyncResult.WaitInteractive's, drawn through the
	// Display hook; it returns once the result is ready or the cell interrupted.
	var bar sync.WaitGroup
	for !ar.Ready() {
		select {
		case <-ar.Done():
		case <-ctx.Done():
			_ = ar.Cancel()
			ar.WaitTimeout(interruptWait)
			bar.Wait()
			md := ar.Metadata()
			if live != nil {
				emit(c, live.catchUp(md))
			} else {
				emit(c, render(md, groupBy, false))
			}
			var pending []int
			for _, m := range md {
				if m.Status == "pending" {
					pending = append(pending, m.EngineID)
				}
			}
			return interruptedError(ar.Err(), pending)
		case <-toLive:
			live = newLiveStream()
			emit(c, live.catchUp(ar.Metadata()))
		case <-progress.C:
			bar.Go(ar.WaitInteractive)
		case <-tick.C:
			if live != nil {
				emit(c, live.catchUp(ar.Metadata()))
			}
		}
	}
	bar.Wait()
	md := ar.Metadata()
	if live != nil {
		emit(c, live.catchUp(md))
		emit(c, render(md, groupBy, true))
	} else {
		emit(c, render(md, groupBy, false))
	}
	return cellError(ar.Err())
}

// emit shows emissions in order: display publishes what was written to the
// streams before it, so text and displays keep their order.
func emit(c *kernel.Cell, es []emission) {
	for _, e := range es {
		switch e.kind {
		case toStdout:
			io.WriteString(c.Stdout(), e.text)
		case toStderr:
			io.WriteString(c.Stderr(), e.text)
		default:
			_ = c.Display(display.Bundle{Data: e.data, Metadata: e.meta}, "", false)
		}
	}
}
