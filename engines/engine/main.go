package engine

import (
	"context"
	"errors"
)

// Main runs the engine command. PLACEHOLDER: replaced by the real implementation.
func Main(ctx context.Context, args []string) error { return errors.New("engine: not built yet") }
