package engine

import (
	"reflect"
	"sync/atomic"
)

// IdentityPackage is the import path under which engine code finds its engine's
// identity:
//
//	import "goparallel/engine"
//	fmt.Sprintf("Hello world from %d out of %d!", engine.ID(), engine.Size())
//
// ID (also Rank) is the engine id the controller assigned, Size the number of
// engines the cluster was started with (0 if unknown), Hostname the host the
// engine runs on. They are functions, not constants, because the id is known only
// once the engine has registered and may change if it re-registers with a
// restarted controller.
const IdentityPackage = "goparallel/engine"

// Identity is the engine's id and cluster size, readable from any goroutine.
type Identity struct {
	id, size atomic.Int64
	host     string
}

func newIdentity(host string) *Identity {
	i := &Identity{host: host}
	i.id.Store(-1)
	return i
}

// ID returns the engine id, or -1 before registration.
func (i *Identity) ID() int { return int(i.id.Load()) }

// Size returns the cluster size, or 0 when unknown.
func (i *Identity) Size() int { return int(i.size.Load()) }

// Hostname returns the engine's host name.
func (i *Identity) Hostname() string { return i.host }

func (i *Identity) set(id, size int) {
	i.id.Store(int64(id))
	i.size.Store(int64(size))
}

// Exports returns the IdentityPackage symbols, in the shape yaegi's
// interp.Exports expects ("import/path/name" → symbol → value).
func (i *Identity) Exports() map[string]map[string]reflect.Value {
	return map[string]map[string]reflect.Value{
		IdentityPackage + "/engine": {
			"ID":       reflect.ValueOf(i.ID),
			"Rank":     reflect.ValueOf(i.ID),
			"Size":     reflect.ValueOf(i.Size),
			"Hostname": reflect.ValueOf(i.Hostname),
		},
	}
}
