package engine

import (
	"strings"
	"testing"
)

func TestParseConnection(t *testing.T) {
	for _, c := range []struct {
		in, endpoint, err string
	}{
		{`{"ip":"127.0.0.1","engine_port":5555,"key":"k"}`, "tcp://127.0.0.1:5555", ""},
		{`{"ip":"0.0.0.0","location":"node7","engine_port":5555}`, "tcp://node7:5555", ""},
		{`{"ip":"0.0.0.0","engine_port":5555}`, "tcp://127.0.0.1:5555", ""},
		{`{"ip":"::1","engine_port":1}`, "tcp://[::1]:1", ""},
		{`{"transport":"ipc","ip":"/tmp/ctl","engine_port":3}`, "ipc:///tmp/ctl-3", ""},
		{`{"ip":"127.0.0.1","engine_port":0}`, "", "engine_port"},
		{`{"ip":"127.0.0.1","engine_port":1,"transport":"udp"}`, "", "transport"},
		{`{"ip":"127.0.0.1","engine_port":1,"key":"k","signature_scheme":"hmac-md5"}`, "", "signature scheme"},
		{`{"ip":"127.0.0.1","engine_port":1,"cluster_size":-2}`, "", "cluster_size"},
		{`not json`, "", "connection info"},
	} {
		conn, err := ParseConnection([]byte(c.in))
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: error %v, want one about %s", c.in, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if got := Endpoint(conn); got != c.endpoint {
			t.Errorf("%s: endpoint %s, want %s", c.in, got, c.endpoint)
		}
	}
}

func TestRequestedID(t *testing.T) {
	env := map[string]string{"PMI_RANK": "5"}
	get := func(k string) string { return env[k] }
	if got := requestedID(2, get); got != 2 {
		t.Errorf("--id wins: got %d", got)
	}
	if got := requestedID(-1, get); got != 5 {
		t.Errorf("PMI_RANK: got %d", got)
	}
	env = map[string]string{"OMPI_COMM_WORLD_RANK": "x"}
	if got := requestedID(-1, get); got != -1 {
		t.Errorf("bad rank: got %d", got)
	}
}

// FuzzParseConnection checks that connection JSON from the environment never
// panics the engine and that what it accepts makes a usable endpoint.
func FuzzParseConnection(f *testing.F) {
	f.Add(`{"ip":"127.0.0.1","engine_port":5555,"key":"k","signature_scheme":"hmac-sha256","cluster_size":4}`)
	f.Add(`{"ip":"0.0.0.0","location":"h","engine_port":1}`)
	f.Add(`{"transport":"ipc","ip":"/x","engine_port":0}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseConnection([]byte(s))
		if err != nil {
			return
		}
		ep := Endpoint(c)
		if !strings.HasPrefix(ep, "tcp://") && !strings.HasPrefix(ep, "ipc://") {
			t.Fatalf("endpoint %q", ep)
		}
		if c.ClusterSize < 0 {
			t.Fatal("negative cluster size accepted")
		}
	})
}
