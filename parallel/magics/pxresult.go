package magics

import (
	"reflect"
	"strings"

	"github.com/goparallel/goparallel/kernel"
)

// noLastResult is IPython Parallel's message for %pxresult before any %px.
const noLastResult = "%pxresult recalls last %px result, which has not yet been used."

// pxresult shows the outputs of the last %px of the view (waiting for it, as
// a blocking %px does): the lecture's `%%px --noblock` then `%pxresult`.
func (s *state) pxresult(c *kernel.Cell, args string) error {
	a, _, err := parseArgs(args, pxresultFlags, false)
	if err != nil {
		return usageError("%%pxresult: %v", err)
	}
	s.mu.Lock()
	pv := s.views[a.Suffix]
	s.mu.Unlock()
	if pv == nil || pv.last == nil {
		return usageError("%s", noLastResult)
	}
	s.mu.Lock()
	ar := pv.last
	s.mu.Unlock()
	if a.Out != "" {
		if err := c.Session().Set(a.Out, reflect.ValueOf(ar)); err != nil {
			return err
		}
	}
	return s.await(c, ar, a.GroupBy, boolp(false))
}

// pxresultCell is the lecture's `%%pxresult`: the cell form, with nothing
// after the first line.
func (s *state) pxresultCell(c *kernel.Cell, args, body string) error {
	if strings.TrimSpace(body) != "" {
		return usageError("%%%%pxresult takes no code: it shows the outputs of the last %%px")
	}
	return s.pxresult(c, args)
}
