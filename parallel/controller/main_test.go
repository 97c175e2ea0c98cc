package controller

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestParseFlags(t *testing.T) {
	o, err := parseFlags([]string{"--ip", "0.0.0.0", "--location", "10.0.0.5", "--profile", "p", "--cluster-id", "c1",
		"--engines", "8", "--heartbeat-timeout", "5s", "--scheduler", "twobin", "--hwm", "3",
		"--max-results", "99", "--max-result-bytes", "1000", "--client-port", "1234"}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if o.IP != "0.0.0.0" || o.Location != "10.0.0.5" || o.Profile != "p" || o.ClusterID != "c1" || o.ClusterSize != 8 ||
		o.HeartbeatTimeout != 5*time.Second || o.Scheduler != "twobin" || o.HWM != 3 || o.MaxResults != 99 ||
		o.MaxResultBytes != 1000 || o.ClientPort != 1234 {
		t.Fatalf("options %+v", o)
	}
	if _, err := parseFlags([]string{"--nope"}, &bytes.Buffer{}); err == nil {
		t.Fatal("unknown flag accepted")
	}
	if _, err := parseFlags([]string{"extra"}, &bytes.Buffer{}); err == nil {
		t.Fatal("stray argument accepted")
	}
}

func TestMainWritesAndRemovesFiles(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("GOPARALLEL_DIR", dir)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Main(ctx, []string{"--profile", "t", "--cluster-id", "x", "--log-level", "error"}) }()
	client := filepath.Join(dir, "profile_t", "security", "ipcontroller-x-client.json")
	deadline := time.Now().Add(waitLong)
	for {
		if _, err := os.Stat(client); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no client file")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(client); !os.IsNotExist(err) {
		t.Fatal("client file left behind")
	}
}
