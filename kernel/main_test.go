package kernel

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/goparallel/goparallel/protocol"
	"github.com/goparallel/goparallel/protocol/transport"
)

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestMainInterruptsOnSIGINT runs the kernel command as Jupyter starts it and
// interrupts a busy cell with SIGINT, which must not kill the process.
func TestMainInterruptsOnSIGINT(t *testing.T) {
	dir := t.TempDir()
	ci := protocol.ConnectionInfo{Transport: "tcp", IP: "127.0.0.1", Key: "k", SignatureScheme: protocol.SignatureScheme,
		ShellPort: freePort(t), ControlPort: freePort(t), IOPubPort: freePort(t), StdinPort: freePort(t), HBPort: freePort(t)}
	b, _ := json.Marshal(ci)
	connFile := filepath.Join(dir, "kernel.json")
	os.WriteFile(connFile, b, 0o600)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Main(ctx, []string{"-f", connFile, "--history", "-"}, Config{}) }()

	codec, _ := protocol.NewCodec(protocol.SignatureScheme, []byte("k"))
	shell, err := transport.Dial(ctx, transport.Dealer, ci.Endpoint(ci.ShellPort), codec, transport.Options{Identity: "t"})
	if err != nil {
		t.Fatal(err)
	}
	defer shell.Close()
	send := func(code string) {
		m, _ := protocol.NewMessage("execute_request", "t", nil, protocol.ExecuteRequest{Code: code})
		if err := shell.Send(m); err != nil {
			t.Fatal(err)
		}
	}
	send("for {\n}")
	time.Sleep(300 * time.Millisecond)
	syscall.Kill(os.Getpid(), syscall.SIGINT)
	rep, err := shell.Recv()
	if err != nil {
		t.Fatal(err)
	}
	var content map[string]any
	rep.DecodeContent(&content)
	if content["ename"] != "Interrupted" {
		t.Fatalf("reply %v", content)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Main: %v", err)
		}
	case <-time.After(testTimeout):
		t.Fatal("Main did not return")
	}
}
