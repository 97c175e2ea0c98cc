package controller

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goparallel/goparallel/protocol"
)

func TestIPCPorts(t *testing.T) {
	for _, tc := range []struct{ in, want [3]int }{
		{[3]int{0, 0, 0}, [3]int{1, 2, 3}},
		{[3]int{2, 0, 0}, [3]int{2, 1, 3}},
		{[3]int{0, 7, 1}, [3]int{2, 7, 1}},
	} {
		e, c, n := ipcPorts(tc.in[0], tc.in[1], tc.in[2])
		if got := [3]int{e, c, n}; got != tc.want {
			t.Errorf("ipcPorts%v = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func socketsOf(c *Controller) []string {
	ec, cc := c.EngineConnection(), c.ClientConnection()
	var s []string
	for _, p := range []int{ec.EnginePort, cc.ClientPort, cc.NotifyPort} {
		s = append(s, strings.TrimPrefix(ipcEndpoint(cc.IP, p), "ipc://"))
	}
	return s
}

func checkNoSockets(t *testing.T, socks []string, dir string) {
	t.Helper()
	for _, f := range socks {
		if _, err := os.Lstat(f); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("socket %s left behind (%v)", f, err)
		}
	}
	if dir != "" {
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("socket directory %s left behind (%v)", dir, err)
		}
	}
}

// Over ipc the connection files carry the socket prefix and small ports, fake
// engines and clients reach the controller through them, and shutting down
// removes sockets and the directory the controller made for them.
func TestIPCController(t *testing.T) {
	cl := startController(t, Options{Transport: "ipc", ClusterSize: 2})
	ec, cc := cl.c.EngineConnection(), cl.c.ClientConnection()
	if ec.Transport != "ipc" || cc.Transport != "ipc" || ec.IP != cc.IP || ec.Location != "" ||
		ec.EnginePort != 1 || cc.ClientPort != 2 || cc.NotifyPort != 3 {
		t.Fatalf("connection info: engine %+v client %+v", ec, cc)
	}
	dir := filepath.Dir(cc.IP)
	if !strings.HasPrefix(filepath.Base(dir), "gp-") || len(cc.IP) > 100 {
		t.Fatalf("socket prefix %q", cc.IP)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("socket directory %s: %v %v", dir, fi, err)
	}
	socks := socketsOf(cl.c)
	for _, f := range socks {
		if fi, err := os.Lstat(f); err != nil || fi.Mode()&os.ModeSocket == 0 {
			t.Fatalf("socket %s: %v", f, err)
		}
	}
	var fileConn protocol.ClientConnection
	b, err := os.ReadFile(cl.c.ClientFile())
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &fileConn); err != nil || fileConn.Transport != "ipc" || fileConn.IP != cc.IP {
		t.Fatalf("client file %s: %v", b, err)
	}

	e0, e1 := cl.newEngine(-1), cl.newEngine(-1)
	c := cl.newClient()
	req := c.apply(direct(e1.id))
	m := e1.next()
	r, _ := m.Reply(protocol.MsgApplyReply, protocol.ApplyReply{Status: "ok"})
	e1.sock.Send(r)
	c.reply(req, protocol.MsgApplyReply)
	e0.none(20 * time.Millisecond)

	sd := c.send(protocol.MsgShutdownRequest, nil, protocol.ShutdownRequest{})
	c.reply(sd, protocol.MsgShutdownReply)
	select {
	case err := <-cl.runErr:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(waitLong):
		t.Fatal("Run did not return")
	}
	checkNoSockets(t, socks, dir)
}

// A controller that never ran still cleans up its sockets on Close.
func TestIPCCloseWithoutRun(t *testing.T) {
	c, err := New(Options{Transport: "ipc", NoFiles: true, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	socks := socketsOf(c)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	checkNoSockets(t, socks, filepath.Dir(c.ClientConnection().IP))
}

// A prefix of the caller's is used as is, and its directory is left alone.
func TestIPCGivenPrefix(t *testing.T) {
	dir, err := os.MkdirTemp("", "gpt-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	c, err := New(Options{Transport: "ipc", IP: filepath.Join(dir, "k"), NotifyPort: 1, NoFiles: true, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	cc := c.ClientConnection()
	if cc.IP != filepath.Join(dir, "k") || c.EngineConnection().EnginePort != 2 || cc.ClientPort != 3 || cc.NotifyPort != 1 {
		t.Fatalf("client connection %+v engine port %d", cc, c.EngineConnection().EnginePort)
	}
	socks := socketsOf(c)
	// The same prefix is taken while the controller lives.
	if c2, err := New(Options{Transport: "ipc", IP: filepath.Join(dir, "k"), NoFiles: true, Logger: quiet}); err == nil {
		c2.Close()
		t.Error("second controller bound the same sockets")
	}
	c.Close()
	checkNoSockets(t, socks, "")
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("caller's directory removed: %v", err)
	}
}

func TestIPCBadOptions(t *testing.T) {
	for _, o := range []Options{
		{Transport: "udp"},
		{Transport: "ipc", Location: "10.0.0.5"},
		{Transport: "ipc", IP: "0.0.0.0"},
		{Transport: "ipc", EnginePort: -1},
	} {
		o.NoFiles, o.Logger = true, quiet
		if c, err := New(o); err == nil {
			c.Close()
			t.Errorf("New(%+v) succeeded", o)
		}
	}
}

func TestParseFlagsTransport(t *testing.T) {
	o, err := parseFlags([]string{"--transport", "ipc"}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if o.Transport != "ipc" {
		t.Fatalf("transport %q", o.Transport)
	}
	// The --ip default stands for "choose a socket directory" with ipc.
	if o, err = o.withDefaults(); err != nil || o.IP != "" {
		t.Fatalf("withDefaults: ip %q, %v", o.IP, err)
	}
}
