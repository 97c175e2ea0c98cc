package kernel

import (
	"errors"
	"fmt"
	"io/fs"
	"testing"
)

type customError struct{}

func (*customError) Error() string { return "custom" }

func TestErrorName(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want string
	}{
		{errors.New("x"), "Error"},
		{fmt.Errorf("wrapped: %w", errors.New("x")), "Error"},
		{&customError{}, "customError"},
		{&fs.PathError{Op: "open", Path: "p", Err: errors.New("x")}, "PathError"},
	} {
		if got := errorName(tt.err); got != tt.want {
			t.Errorf("errorName(%#v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}
