package magics

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"time"

	"github.com/goparallel/goparallel/kernel"
	"github.com/goparallel/goparallel/parallel"
	"github.com/goparallel/goparallel/parallel/profile"
	"github.com/traefik/yaegi/interp"
)

// ImportPath is the path under which cells import this package's functions:
//
//	import "github.com/goparallel/goparallel/parallel/magics"
//
//	magics.Activate(c.Slice("::2"), "_even") // %px_even, %%px_even, %pxresult_even, ...
//	c, err := magics.Client()                // the client the %px magics use
const ImportPath = "github.com/goparallel/goparallel/parallel/magics"

// connectTimeout bounds the first connection of the magics to a running
// cluster; its connection file exists, so the controller should answer at once.
const connectTimeout = 5 * time.Second

// bases are the magics a suffix makes new names of, as IPython Parallel's
// view.activate(suffix) does.
var bases = []string{"px", "pxresult", "pxconfig", "autopx"}

// ownNames are the magics this package registers.
var ownNames = map[string]bool{"px": true, "pxresult": true, "result": true, "pxconfig": true, "autopx": true, "ipcluster": true}

func (s *state) exports() interp.Exports {
	return interp.Exports{ImportPath + "/magics": {
		"Activate": reflect.ValueOf(s.activate),
		"Client":   reflect.ValueOf(s.cellClient),
	}}
}

// activate is IPython Parallel's view.activate(suffix) for cells: the magics
// %px<suffix>, %%px<suffix>, %pxresult<suffix>, %pxconfig<suffix> and
// %autopx<suffix> then run on view, with its targets and its blocking (views
// start non-blocking; set view.Block or use %pxconfig<suffix> --block). An
// empty suffix makes view the one the plain magics use.
func (s *state) activate(view *parallel.DirectView, suffix string) error {
	if view == nil {
		return errors.New("magics.Activate: nil view")
	}
	if suffix != "" {
		if !validSuffix(suffix) {
			return fmt.Errorf("magics.Activate: suffix %q: use letters, digits and _", suffix)
		}
		for _, b := range bases {
			if ownNames[b+suffix] {
				return fmt.Errorf("magics.Activate: suffix %q would make %%%s, which is another magic", suffix, b+suffix)
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.views[suffix] = &pxView{view: view}
	return nil
}

// cellClient returns the client the magics use, connecting to the default
// profile's cluster if none is connected yet.
func (s *state) cellClient() (*parallel.Client, error) {
	ctx := context.Background()
	if c := s.host.Current(); c != nil {
		ctx = c.Context()
	}
	return s.connect(ctx)
}

// connect returns the magics' client, connecting to the default profile's
// cluster on first use.
func (s *state) connect(ctx context.Context) (*parallel.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.client != nil {
		return s.client, nil
	}
	p, err := profile.Find("")
	if err != nil {
		return nil, err
	}
	file := p.ClientFile("")
	if _, err := os.Stat(file); err != nil {
		return nil, &kernel.Error{Name: "NoCluster", Err: err, Value: fmt.Sprintf(
			"no cluster is running in profile %q (%s does not exist): start one with %%ipcluster start -n 4, "+
				"or `goparallel ipcluster start -n 4` in a terminal", p.Name, file)}
	}
	c, err := parallel.ConnectContext(ctx, parallel.WithConnectionFile(file), parallel.WithTimeout(connectTimeout))
	if err != nil {
		return nil, &kernel.Error{Name: "NoCluster", Err: err, Value: fmt.Sprintf(
			"cannot connect to the cluster of profile %q: %v (if it is gone, `goparallel ipcluster clean` removes its files; "+
				"%%ipcluster start -n 4 starts a new one)", p.Name, err)}
	}
	s.client = c
	return c, nil
}

// viewFor returns the view of the magics with the given suffix; the plain
// magics' view is made on first use, blocking and on all engines, as IPython
// Parallel's Client.activate makes it.
func (s *state) viewFor(ctx context.Context, suffix string) (*pxView, error) {
	s.mu.Lock()
	pv := s.views[suffix]
	s.mu.Unlock()
	if pv != nil {
		return pv, nil
	}
	if suffix != "" {
		return nil, usageError("no magics were activated with suffix %q: call magics.Activate(view, %q) in a cell "+
			"(import %q)", suffix, suffix, ImportPath)
	}
	c, err := s.connect(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.views[""] == nil {
		v := c.DirectView()
		v.Block = true
		s.views[""] = &pxView{view: v}
	}
	return s.views[""], nil
}

// setClient makes c the magics' client (nil: none), closing the previous one
// unless it belongs to a cluster being stopped by the caller. The plain magics'
// view moves to the new client with its settings.
func (s *state) setClient(c *parallel.Client, cl *parallel.Cluster) (old *parallel.Client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old = s.client
	s.client, s.cluster = c, cl
	if pv := s.views[""]; pv != nil {
		if c == nil {
			delete(s.views, "")
		} else {
			v := c.DirectView()
			v.Block = pv.view.Block
			pv.view, pv.last = v, nil
		}
	}
	return old
}
