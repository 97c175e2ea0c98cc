package ipcluster

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/goparallel/goparallel/parallel/profile"
	"github.com/goparallel/goparallel/protocol"
)

func startWith(t *testing.T, o Options) *Cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	o.Executable, o.StartTimeout = binary, 30*time.Second
	c, err := Start(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stopAndCheck(t, c) })
	return c
}

// ipcSockets returns the socket files a cluster's connection files name, after
// checking they say ipc and that the sockets exist.
func ipcSockets(t *testing.T, c *Cluster) []string {
	t.Helper()
	cc, err := readClientFile(c.ClientFile())
	if err != nil {
		t.Fatal(err)
	}
	p, _ := profile.Find(c.Profile())
	b, err := os.ReadFile(p.EngineFile(c.ClusterID()))
	if err != nil {
		t.Fatal(err)
	}
	var ec protocol.EngineConnection
	if err := json.Unmarshal(b, &ec); err != nil {
		t.Fatal(err)
	}
	if cc.Transport != "ipc" || ec.Transport != "ipc" || cc.IP != ec.IP {
		t.Fatalf("connection files: client %+v engine %+v, want ipc on one prefix", cc, ec)
	}
	var socks []string
	for _, port := range []int{ec.EnginePort, cc.ClientPort, cc.NotifyPort} {
		path := cc.IP + "-" + strconv.Itoa(port)
		if fi, err := os.Lstat(path); err != nil || fi.Mode()&os.ModeSocket == 0 {
			t.Fatalf("socket %s: %v %v", path, fi, err)
		}
		socks = append(socks, path)
	}
	if len(cc.IP) > 100 {
		t.Errorf("socket prefix %q too long for sun_path", cc.IP)
	}
	return socks
}

func checkSocketsGone(t *testing.T, socks []string) {
	t.Helper()
	for _, s := range socks {
		if _, err := os.Lstat(s); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("socket %s left after stop (%v)", s, err)
		}
	}
	if dir := filepath.Dir(socks[0]); strings.HasPrefix(filepath.Base(dir), "gp-") {
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("socket directory %s left after stop", dir)
		}
	}
}

// Over Unix sockets real engines register and run code, and the sockets and
// their directory go with the cluster.
func TestIPCCluster(t *testing.T) {
	c := startWith(t, Options{N: 2, ClusterID: "ipcengines", Transport: "ipc"})
	socks := ipcSockets(t, c)
	tc := newTestClient(t, c)
	if n := len(tc.engines()); n != 2 {
		t.Fatalf("%d engines registered, want 2", n)
	}
	ar, bufs := encodeArgs(t, 21)
	ar.Source = "func(x int) int { return x*2 + engine.ID() }"
	ar.Helpers = []string{`import "goparallel/engine"`}
	req := tc.send(protocol.MsgApplyRequest, protocol.TaskMetadata{Scheduler: protocol.SchedBroadcast}, ar, bufs)
	res := tc.collect(req, 2)
	for id := range 2 {
		if v, r := decodeResult(t, res[id].reply); v != 42+id {
			t.Errorf("apply on engine %d over ipc: %#v %+v", id, v, r)
		}
	}
	stopAndCheck(t, c)
	checkSocketsGone(t, socks)
}

func TestDefaultTransport(t *testing.T) {
	c := startWith(t, Options{N: 1, ClusterID: "deftransport"})
	cc, err := readClientFile(c.ClientFile())
	if err != nil {
		t.Fatal(err)
	}
	if cc.Transport != DefaultTransport {
		t.Fatalf("local cluster transport %q, want %q", cc.Transport, DefaultTransport)
	}
	if DefaultTransport == "ipc" {
		socks := ipcSockets(t, c)
		stopAndCheck(t, c)
		checkSocketsGone(t, socks)
	}
}

// A controller killed outright cannot unlink its sockets; Stop removes them.
func TestStopRemovesKilledControllersSockets(t *testing.T) {
	c := startWith(t, Options{N: 1, ClusterID: "ipckilled", Transport: "ipc"})
	socks := ipcSockets(t, c)
	if err := syscall.Kill(c.State().ControllerPID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("killed controller did not exit")
	}
	for _, s := range socks {
		if _, err := os.Lstat(s); err != nil {
			t.Fatalf("socket %s already gone after SIGKILL (%v): test proves nothing", s, err)
		}
	}
	stopAndCheck(t, c)
	checkSocketsGone(t, socks)
}

// An address means engines may be elsewhere, so it implies tcp.
func TestIPImpliesTCP(t *testing.T) {
	for _, o := range []Options{
		{N: 1, ClusterID: "tcpip", IP: "127.0.0.1"},
		{N: 1, ClusterID: "tcpexplicit", Transport: "tcp"},
	} {
		c := startWith(t, o)
		cc, err := readClientFile(c.ClientFile())
		if err != nil {
			t.Fatal(err)
		}
		if cc.Transport != "tcp" || cc.IP != "127.0.0.1" {
			t.Errorf("options %+v: client connection %+v, want tcp on 127.0.0.1", o, cc)
		}
		stopAndCheck(t, c)
	}
}

func TestBadTransport(t *testing.T) {
	for _, o := range []Options{
		{N: 1, Transport: "udp"},
		{N: 1, Transport: "ipc", Location: "10.0.0.5"},
	} {
		o.Executable = binary
		if c, err := Start(context.Background(), o); err == nil {
			c.Stop(context.Background())
			t.Errorf("Start(%+v) succeeded", o)
		}
	}
}
