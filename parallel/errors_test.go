package parallel

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestRemoteErrorFormat(t *testing.T) {
	e := &RemoteError{EngineID: 2, Method: "apply", EName: "runtime.Error", EValue: "integer divide by zero",
		Traceback: []string{"cell:3:9 in func1"}}
	if got, want := e.Error(), "[2:apply] runtime.Error: integer divide by zero"; got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
	if !strings.Contains(e.RenderTraceback(), "cell:3:9 in func1") {
		t.Fatal(e.RenderTraceback())
	}
	if got := (&RemoteError{EngineID: -1, EName: "X", EValue: "y"}).Error(); got != "[?:apply] X: y" {
		t.Fatal(got)
	}
}

func TestCompositeErrorUnwrap(t *testing.T) {
	remote := &RemoteError{EngineID: 0, Method: "apply", EName: "panic", EValue: "boom"}
	died := &EngineError{EngineID: 3, Method: "apply", Reason: "heartbeat"}
	aborted := &RemoteError{EngineID: 1, Method: "apply", EName: "TaskAborted", EValue: "aborted"}
	var err error = &CompositeError{Method: "apply", Errors: []error{remote, died, aborted}}
	err = fmt.Errorf("running: %w", err)

	var re *RemoteError
	if !errors.As(err, &re) || re != remote {
		t.Fatalf("errors.As RemoteError = %v", re)
	}
	var ee *EngineError
	if !errors.As(err, &ee) || ee.EngineID != 3 {
		t.Fatalf("errors.As EngineError = %v", ee)
	}
	for _, target := range []error{ErrEngineDied, ErrAborted} {
		if !errors.Is(err, target) {
			t.Errorf("errors.Is(err, %v) = false", target)
		}
	}
	if errors.Is(err, ErrTimeout) {
		t.Error("errors.Is(err, ErrTimeout) = true")
	}
	msg := err.Error()
	for _, want := range []string{"3 error(s) in apply", "[0:apply] panic: boom", "[3:apply] EngineError: engine 3 died (heartbeat)"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	if !errors.Is(&RemoteError{EName: "TimeoutError"}, ErrTimeout) {
		t.Error("controller timeout does not unwrap to ErrTimeout")
	}
}
