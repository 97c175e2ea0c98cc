package controller

import (
	"context"
	"errors"
)

// Main runs the controller command. PLACEHOLDER: replaced by the real implementation.
func Main(ctx context.Context, args []string) error { return errors.New("controller: not built yet") }
