package kernel

import (
	"fmt"
	"strings"

	"github.com/goparallel/goparallel/kernel/session"
)

// goroutinePanic reports a panic in a goroutine a cell started. The session has
// recovered it, so the kernel lives on; the report goes to stderr, below the
// latest cell, since the goroutine's own cell may be long finished.
func (k *Kernel) goroutinePanic(pe *session.PanicError) {
	var b strings.Builder
	fmt.Fprintf(&b, "panic in a goroutine: %s\n", pe.Message)
	for _, l := range pe.Traceback {
		fmt.Fprintf(&b, "    %s\n", l)
	}
	k.stderr.Write([]byte(b.String()))
	k.flushStreams()
}
