package ipcluster

import (
	"context"
	"errors"
)

// Main runs the ipcluster command. PLACEHOLDER: replaced by the real implementation.
func Main(ctx context.Context, args []string) error { return errors.New("ipcluster: not built yet") }
