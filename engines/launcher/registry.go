package launcher

import (
	"fmt"
	"slices"
	"strings"
	"sync"
)

// registry maps launcher names to constructors. It is process-wide because
// backends register from their init functions, as database/sql drivers do.
var registry = struct {
	sync.RWMutex
	m map[string]func() Launcher
}{m: map[string]func() Launcher{}}

// Register makes a launcher available under name. It panics if name is taken,
// since two backends claiming one name is a build mistake, not a runtime condition.
func Register(name string, newLauncher func() Launcher) {
	registry.Lock()
	defer registry.Unlock()
	if _, dup := registry.m[name]; dup {
		panic("launcher: Register called twice for " + name)
	}
	registry.m[name] = newLauncher
}

// Names returns the registered launcher names, sorted.
func Names() []string {
	registry.RLock()
	defer registry.RUnlock()
	names := make([]string, 0, len(registry.m))
	for n := range registry.m {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Lookup returns a new launcher registered under name, or an error listing the
// known names.
func Lookup(name string) (Launcher, error) {
	registry.RLock()
	f, ok := registry.m[name]
	registry.RUnlock()
	if !ok {
		return nil, fmt.Errorf("launcher: unknown engine launcher %q (known: %s)", name, strings.Join(Names(), ", "))
	}
	return f(), nil
}

func init() {
	Register("local", func() Launcher { return Local{} })
}
