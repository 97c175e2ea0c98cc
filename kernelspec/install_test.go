package kernelspec

import (
	"bytes"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

func TestInstallPrefix(t *testing.T) {
	prefix := t.TempDir()
	for range 2 { // idempotent: a second install overwrites the first
		dir, err := Install(Prefix(prefix), "/opt/bin/goparallel")
		if err != nil {
			t.Fatal(err)
		}
		if want := filepath.Join(prefix, "share", "jupyter", "kernels", "goparallel"); dir != want {
			t.Fatalf("dir %s, want %s", dir, want)
		}
	}
	dir := filepath.Join(prefix, "share", "jupyter", "kernels", "goparallel")
	b, err := os.ReadFile(filepath.Join(dir, "kernel.json"))
	if err != nil {
		t.Fatal(err)
	}
	var spec struct {
		Argv          []string `json:"argv"`
		DisplayName   string   `json:"display_name"`
		Language      string   `json:"language"`
		InterruptMode string   `json:"interrupt_mode"`
	}
	if err := json.Unmarshal(b, &spec); err != nil {
		t.Fatal(err)
	}
	want := []string{"/opt/bin/goparallel", "kernel", "-f", "{connection_file}"}
	if len(spec.Argv) != 4 || spec.Argv[0] != want[0] || spec.Argv[3] != want[3] {
		t.Errorf("argv %q, want %q", spec.Argv, want)
	}
	if spec.Language != "go" || spec.InterruptMode != "message" || spec.DisplayName != "Go (goparallel)" {
		t.Errorf("spec %+v", spec)
	}
	for size, name := range map[int]string{32: "logo-32x32.png", 64: "logo-64x64.png"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if r := img.Bounds(); r.Dx() != size || r.Dy() != size {
			t.Errorf("%s is %v", name, r)
		}
	}
}

func TestUserDirFollowsJupyterDataDir(t *testing.T) {
	d := t.TempDir()
	t.Setenv("JUPYTER_DATA_DIR", d)
	got, err := User.KernelsDir()
	if err != nil || got != filepath.Join(d, "kernels") {
		t.Fatalf("got %s, %v", got, err)
	}
}

func TestMainRejectsTwoLocations(t *testing.T) {
	if err := Main([]string{"--user", "--prefix", "/tmp/x"}); err == nil {
		t.Fatal("no error for --user with --prefix")
	}
}
