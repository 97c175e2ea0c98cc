package ipcluster

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/goparallel/goparallel/parallel/profile"
)

// binary is the goparallel executable built for these tests: the clusters they
// start are real processes.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ipcluster-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "goparallel")
	build := exec.Command("go", "build", "-o", binary, "github.com/goparallel/goparallel")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building goparallel:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	os.Setenv(profile.EnvDir, filepath.Join(dir, "home"))
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
