package kernel

import (
	"context"
	"errors"

	"github.com/traefik/yaegi/interp"
)

// Config is what the goparallel binary passes to the kernel: the packages cells may
// import beyond the standard library, and the version it reports.
type Config struct {
	Version string
	Symbols []interp.Exports
}

// Main runs the kernel command. PLACEHOLDER: replaced by the kernel's real entry point.
func Main(ctx context.Context, args []string, cfg Config) error {
	return errors.New("kernel: not built yet")
}
