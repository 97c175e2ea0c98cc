package protocol

import (
	"os"
	"path/filepath"
	"testing"
)

func TestConnectionFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "kernel.json")
	want := ConnectionInfo{Transport: "tcp", IP: "127.0.0.1", ShellPort: 1, ControlPort: 2, IOPubPort: 3,
		StdinPort: 4, HBPort: 5, Key: "abc", SignatureScheme: SignatureScheme}
	if err := WriteConnectionFile(path, want); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", st.Mode().Perm())
	}
	got, err := ReadConnectionFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if *got != want {
		t.Fatalf("got %+v", got)
	}
	if ep := got.Endpoint(got.ShellPort); ep != "tcp://127.0.0.1:1" {
		t.Fatalf("endpoint %s", ep)
	}
	ipc := ConnectionInfo{Transport: "ipc", IP: "/tmp/k"}
	if ep := ipc.Endpoint(7); ep != "ipc:///tmp/k-7" {
		t.Fatalf("ipc endpoint %s", ep)
	}
}

func TestConnectionFileInvalid(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"json":      `{`,
		"transport": `{"transport":"udp","ip":"x"}`,
		"scheme":    `{"ip":"x","key":"k","signature_scheme":"hmac-md5"}`,
		"ip":        `{"transport":"tcp"}`,
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o600)
		if _, err := ReadConnectionFile(p); err == nil {
			t.Errorf("%s: accepted %s", name, body)
		}
	}
}
