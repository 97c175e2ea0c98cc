package ipcluster

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/goparallel/goparallel/engines/launcher"
	"github.com/goparallel/goparallel/parallel/profile"
	"github.com/goparallel/goparallel/protocol"
	"github.com/goparallel/goparallel/protocol/transport"
	"github.com/goparallel/goparallel/protocol/value"
)

func startCluster(t *testing.T, n int, id string) *Cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c, err := Start(ctx, Options{N: n, ClusterID: id, Executable: binary, StartTimeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stopAndCheck(t, c) })
	return c
}

// stopAndCheck stops c and checks that no process and no file is left.
func stopAndCheck(t *testing.T, c *Cluster) {
	t.Helper()
	st := c.State()
	if err := c.Stop(context.Background()); err != nil {
		t.Errorf("stop: %v", err)
	}
	checkGone(t, &st)
}

func checkGone(t *testing.T, st *State) {
	t.Helper()
	for _, pid := range append([]int{st.ControllerPID}, st.EnginePIDs...) {
		if launcher.Alive(pid) {
			t.Errorf("process %d still alive after stop", pid)
		}
	}
	p, _ := profile.Find(st.Profile)
	for _, f := range []string{p.ClusterFile(st.ClusterID), p.ClientFile(st.ClusterID), p.EngineFile(st.ClusterID)} {
		if _, err := os.Stat(f); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left after stop", f)
		}
	}
}

func TestStartStopCycles(t *testing.T) {
	for i := range 3 {
		c := startCluster(t, 2, "cycle")
		st := c.State()
		if st.Status() != StatusRunning || len(st.EnginePIDs) != 2 {
			t.Fatalf("cycle %d: state %+v status %s", i, st, st.Status())
		}
		stopAndCheck(t, c)
	}
}

func TestDaemonizedCLI(t *testing.T) {
	run := func(args ...string) string {
		out, err := exec.Command(binary, append([]string{"ipcluster"}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("ipcluster %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	run("start", "-n", "2", "--daemonize", "--cluster-id", "daemon")
	st, err := ReadState("", "daemon")
	if err != nil {
		t.Fatal(err)
	}
	// The starting command has exited; the cluster lives on, detached.
	if st.Status() != StatusRunning || !st.Daemonized {
		t.Fatalf("after start --daemonize: %s %+v", st.Status(), st)
	}
	if out := run("list"); !strings.Contains(out, "daemon") || !strings.Contains(out, "running") {
		t.Fatalf("list:\n%s", out)
	}
	run("stop", "--cluster-id", "daemon")
	deadline := time.Now().Add(5 * time.Second)
	for st.AliveEngines() > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	checkGone(t, st)
}

func TestFailedEngineIsReported(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := Start(ctx, Options{N: 2, ClusterID: "bad", Executable: binary, EngineArgs: []string{"--no-such-flag"}})
	if err == nil || !strings.Contains(err.Error(), "exited before registering") || !strings.Contains(err.Error(), "no-such-flag") {
		t.Fatalf("want an error naming the engine and its stderr, got: %v", err)
	}
	p, _ := profile.Find("")
	if _, err := os.Stat(p.ClusterFile("bad")); !errors.Is(err, os.ErrNotExist) {
		t.Error("failed start left its state file")
	}
}

func TestUnknownLauncher(t *testing.T) {
	_, err := Start(context.Background(), Options{N: 1, Launcher: "nope", Executable: binary})
	if err == nil || !strings.Contains(err.Error(), "local") {
		t.Fatalf("unknown launcher: %v", err)
	}
}

func encodeArgs(t *testing.T, args ...any) (protocol.ApplyRequest, [][]byte) {
	t.Helper()
	enc, err := value.EncodeMany(args)
	if err != nil {
		t.Fatal(err)
	}
	return protocol.ApplyRequest{Args: enc.Header}, enc.Buffers
}

func decodeResult(t *testing.T, m *protocol.Message) (any, protocol.ApplyReply) {
	t.Helper()
	var r protocol.ApplyReply
	if err := m.DecodeContent(&r); err != nil {
		t.Fatal(err)
	}
	if r.Status != protocol.ReplyOK {
		return nil, r
	}
	v, err := value.Decode(&value.Encoded{Header: r.Result, Buffers: m.Buffers}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return v, r
}

func textResult(t *testing.T, r *taskResult) string {
	t.Helper()
	for _, m := range r.outputs {
		if m.Header.MsgType == "execute_result" {
			var res protocol.ExecuteResult
			m.DecodeContent(&res)
			s, _ := res.Data["text/plain"].(string)
			return s
		}
	}
	t.Fatalf("engine %d: no execute_result in %d outputs; reply %s", r.engine, len(r.outputs), r.reply.Content)
	return ""
}

// TestFourEngines runs the lecture's cluster: 4 engines, then everything a
// client does with it, through each scheduler.
func TestFourEngines(t *testing.T) {
	c := startCluster(t, 4, "four")
	tc := newTestClient(t, c)
	var ids []int
	for _, e := range tc.engines() {
		ids = append(ids, e.ID)
	}
	slices.Sort(ids)
	if !slices.Equal(ids, []int{0, 1, 2, 3}) {
		t.Fatalf("engine ids %v, want 0..3", ids)
	}

	t.Run("execute direct", func(t *testing.T) {
		req := tc.send("execute_request", protocol.TaskMetadata{Scheduler: protocol.SchedDirect, Targets: []int{1, 2}},
			protocol.ExecuteRequest{Code: "import (\n\"fmt\"\n\"goparallel/engine\"\n)\nfor i := 0; i < 3; i++ { fmt.Println(\"hello from\", engine.ID()) }\nengine.ID() * 10"}, nil)
		res := tc.collect(req, 2)
		for _, id := range []int{1, 2} {
			r := res[id]
			if r == nil {
				t.Fatalf("no reply from engine %d: %v", id, res)
			}
			var stream string
			for _, m := range r.outputs {
				if m.Header.MsgType == "stream" {
					var s protocol.Stream
					m.DecodeContent(&s)
					stream += s.Text
				}
			}
			if want := strings.Repeat("hello from "+strconv.Itoa(id)+"\n", 3); stream != want {
				t.Errorf("engine %d stdout %q, want %q", id, stream, want)
			}
			if got := textResult(t, r); got != strconv.Itoa(id*10) {
				t.Errorf("engine %d result %q", id, got)
			}
		}
	})

	t.Run("execute broadcast", func(t *testing.T) {
		req := tc.send("execute_request", protocol.TaskMetadata{Scheduler: protocol.SchedBroadcast},
			protocol.ExecuteRequest{Code: "import (\n\"fmt\"\n\"goparallel/engine\"\n)\nfmt.Sprintf(\"Hello world from %d out of %d!\", engine.ID(), engine.Size())"}, nil)
		res := tc.collect(req, 4)
		for id := range 4 {
			if got, want := textResult(t, res[id]), `"Hello world from `+strconv.Itoa(id)+` out of 4!"`; got != want {
				t.Errorf("engine %d: %s, want %s", id, got, want)
			}
		}
	})

	t.Run("apply direct and broadcast", func(t *testing.T) {
		ar, bufs := encodeArgs(t, 21)
		ar.Source = "func(x int) int { return x*2 + engine.ID() }"
		ar.Helpers = []string{`import "goparallel/engine"`}
		req := tc.send(protocol.MsgApplyRequest, protocol.TaskMetadata{Scheduler: protocol.SchedDirect, Targets: []int{3}}, ar, bufs)
		res := tc.collect(req, 1)
		if v, r := decodeResult(t, res[3].reply); v != 45 {
			t.Fatalf("direct apply on 3: %#v %+v", v, r)
		}
		req = tc.send(protocol.MsgApplyRequest, protocol.TaskMetadata{Scheduler: protocol.SchedBroadcast}, ar, bufs)
		res = tc.collect(req, 4)
		for id := range 4 {
			if v, r := decodeResult(t, res[id].reply); v != 42+id {
				t.Errorf("broadcast apply on %d: %#v %+v", id, v, r)
			}
		}
	})

	t.Run("apply balanced map", func(t *testing.T) {
		ar, bufs := encodeArgs(t, []int{0, 1, 2, 3, 4, 5, 6})
		ar.Source = "func(x int) int { return x * x * x }"
		ar.Map = true
		req := tc.send(protocol.MsgApplyRequest, protocol.TaskMetadata{Scheduler: protocol.SchedBalanced}, ar, bufs)
		res := tc.collect(req, 1)
		for id, r := range res {
			v, rep := decodeResult(t, r.reply)
			if !slices.Equal(v.([]int), []int{0, 1, 8, 27, 64, 125, 216}) {
				t.Fatalf("balanced map: %#v %+v", v, rep)
			}
			if rep.EngineInfo == nil || rep.EngineInfo.EngineID != id {
				t.Errorf("stamp %+v from engine %d", rep.EngineInfo, id)
			}
		}
	})

	t.Run("interrupt keeps state", func(t *testing.T) {
		md := protocol.TaskMetadata{Scheduler: protocol.SchedDirect, Targets: []int{0}}
		tc.collect(tc.send("execute_request", md, protocol.ExecuteRequest{Code: "kept := 6"}, nil), 1)
		loop := tc.send("execute_request", md, protocol.ExecuteRequest{Code: "for {}"}, nil)
		time.Sleep(200 * time.Millisecond)
		tc.send("interrupt_request", md, nil, nil)
		res := tc.collect(loop, 1)
		var rep protocol.ExecuteReply
		res[0].reply.DecodeContent(&rep)
		if rep.Status != protocol.ReplyError || rep.EName != "InterruptedError" {
			t.Fatalf("interrupted: %+v", rep)
		}
		res = tc.collect(tc.send("execute_request", md, protocol.ExecuteRequest{Code: "kept * 7"}, nil), 1)
		if got := textResult(t, res[0]); got != "42" {
			t.Fatalf("state after interrupt: %s", got)
		}
	})

	t.Run("garbage on every port", func(t *testing.T) {
		engConn, _ := os.ReadFile(c.prof.EngineFile(c.ClusterID()))
		var ec struct {
			EnginePort int `json:"engine_port"`
		}
		jsonUnmarshal(engConn, &ec)
		ports := []int{ec.EnginePort, tc.conn.ClientPort, tc.conn.NotifyPort}
		// The endpoint of a port over the cluster's transport, and what net.Dial
		// takes to reach it.
		endpoint := func(port int) string {
			conn := *tc.conn
			conn.ClientPort = port
			return clientEndpoint(&conn)
		}
		for _, port := range ports {
			network, addr := "tcp", "127.0.0.1:"+strconv.Itoa(port)
			if path, ok := strings.CutPrefix(endpoint(port), "ipc://"); ok {
				network, addr = "unix", path
			}
			// Raw bytes that are not ZMTP at all.
			if nc, err := net.Dial(network, addr); err == nil {
				nc.Write([]byte("GET / HTTP/1.0\r\n\r\n\x00\xff\xff\xff\xff\xff\xff\xff\xff"))
				nc.Close()
			}
		}
		wrong, _ := protocol.NewCodec(protocol.SignatureScheme, []byte("wrong key"))
		unsigned, _ := protocol.NewCodec("", nil)
		for _, port := range ports[:2] {
			d, err := transport.Dial(context.Background(), transport.Dealer, endpoint(port), wrong, transport.Options{Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			d.SendFrames([][]byte{[]byte("garbage")})
			d.SendFrames([][]byte{protocol.Delimiter, []byte("sig"), []byte("{"), []byte("{}"), []byte("{}"), []byte("{}")})
			for _, codec := range []*protocol.Codec{wrong, unsigned} {
				m, _ := protocol.NewMessage(protocol.MsgRegistrationRequest, "s", nil, protocol.RegistrationRequest{UUID: "evil", ID: -1})
				frames, _ := codec.Encode(m)
				d.SendFrames(frames)
				m, _ = protocol.NewMessage(protocol.MsgShutdownRequest, "s", nil, nil)
				m.SetMetadata(protocol.TaskMetadata{Scheduler: protocol.SchedControl})
				frames, _ = codec.Encode(m)
				d.SendFrames(frames)
			}
			time.Sleep(50 * time.Millisecond)
			d.Close()
		}
		if n := len(tc.engines()); n != 4 {
			t.Fatalf("%d engines after garbage, want 4", n)
		}
		res := tc.collect(tc.send("execute_request", protocol.TaskMetadata{Scheduler: protocol.SchedBroadcast}, protocol.ExecuteRequest{Code: "1 + 1"}, nil), 4)
		if len(res) != 4 {
			t.Fatalf("replies from %d engines", len(res))
		}
	})

	t.Run("killed engine is reported", func(t *testing.T) {
		var victim protocol.EngineInfo
		for _, e := range tc.engines() {
			if e.ID == 2 {
				victim = e
			}
		}
		if victim.PID == 0 {
			t.Fatal("no engine 2")
		}
		killed := time.Now()
		syscall.Kill(victim.PID, syscall.SIGKILL)
		timeout := time.After(15 * time.Second)
		for {
			select {
			case m := <-tc.notes:
				if m.Header.MsgType != protocol.MsgEngineDied {
					continue
				}
				var n protocol.EngineNotification
				m.DecodeContent(&n)
				if n.Engine.ID != 2 {
					t.Fatalf("death of engine %d reported, want 2", n.Engine.ID)
				}
				t.Logf("engine 2 death reported after %s (%s)", time.Since(killed).Round(time.Millisecond), n.Reason)
				return
			case <-timeout:
				t.Fatal("no unregistration_notification for a SIGKILLed engine")
			}
		}
	})
}
