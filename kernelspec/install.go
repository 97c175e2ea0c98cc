package kernelspec

import (
	"embed"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// Name is the kernelspec's name: `jupyter console --kernel=goparallel`.
const Name = "goparallel"

// systemKernelsDir is where root installs by default, as `jupyter kernelspec install`
// does without --user.
const systemKernelsDir = "/usr/local/share/jupyter/kernels"

//go:generate go run genlogo.go

//go:embed kernel.json logo-32x32.png logo-64x64.png
var files embed.FS

// Location says where a kernelspec goes. Use [User], [System], [SysPrefix] or
// [Prefix].
type Location struct {
	kind   string
	prefix string
}

// The fixed locations.
var (
	// User is the user's Jupyter data directory ($JUPYTER_DATA_DIR, or
	// ~/.local/share/jupyter on Linux, ~/Library/Jupyter on macOS).
	User = Location{kind: "user"}
	// System is /usr/local/share/jupyter.
	System = Location{kind: "system"}
	// SysPrefix is the prefix of the Python environment that runs Jupyter:
	// $VIRTUAL_ENV, $CONDA_PREFIX, or the parent of the directory holding the
	// `jupyter` command found on PATH.
	SysPrefix = Location{kind: "sys-prefix"}
)

// Prefix is DIR/share/jupyter, as `jupyter kernelspec install --prefix DIR`.
func Prefix(dir string) Location { return Location{kind: "prefix", prefix: dir} }

// KernelsDir returns the kernels directory of the location.
func (l Location) KernelsDir() (string, error) {
	switch l.kind {
	case "user":
		if d := os.Getenv("JUPYTER_DATA_DIR"); d != "" {
			return filepath.Join(d, "kernels"), nil
		}
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("no home directory for --user: %w", err)
		}
		if runtime.GOOS == "darwin" {
			return filepath.Join(home, "Library", "Jupyter", "kernels"), nil
		}
		data := os.Getenv("XDG_DATA_HOME")
		if data == "" {
			data = filepath.Join(home, ".local", "share")
		}
		return filepath.Join(data, "jupyter", "kernels"), nil
	case "system":
		return systemKernelsDir, nil
	case "sys-prefix":
		p, err := sysPrefix()
		if err != nil {
			return "", err
		}
		return filepath.Join(p, "share", "jupyter", "kernels"), nil
	case "prefix":
		abs, err := filepath.Abs(l.prefix)
		if err != nil {
			return "", fmt.Errorf("prefix %s: %w", l.prefix, err)
		}
		return filepath.Join(abs, "share", "jupyter", "kernels"), nil
	}
	return "", fmt.Errorf("unknown kernelspec location %q", l.kind)
}

func sysPrefix() (string, error) {
	for _, env := range []string{"VIRTUAL_ENV", "CONDA_PREFIX"} {
		if p := os.Getenv(env); p != "" {
			return p, nil
		}
	}
	// Without an activated environment, the prefix is that of the jupyter command
	// the user runs: /usr/bin/jupyter means /usr.
	j, err := exec.LookPath("jupyter")
	if err != nil {
		return "", fmt.Errorf("--sys-prefix: no $VIRTUAL_ENV or $CONDA_PREFIX and no jupyter on PATH: %w", err)
	}
	if r, err := filepath.EvalSymlinks(j); err == nil {
		j = r
	}
	return filepath.Dir(filepath.Dir(j)), nil
}

// KernelJSON returns the kernel.json that starts binary (an absolute path).
func KernelJSON(binary string) ([]byte, error) {
	raw, err := files.ReadFile("kernel.json")
	if err != nil {
		return nil, err
	}
	var spec map[string]any
	if err := json.Unmarshal(raw, &spec); err != nil {
		return nil, fmt.Errorf("embedded kernel.json: %w", err)
	}
	argv, ok := spec["argv"].([]any)
	if !ok || len(argv) == 0 {
		return nil, fmt.Errorf("embedded kernel.json has no argv")
	}
	argv[0] = binary
	out, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// Install writes the kernelspec directory for binary under loc and returns its path.
// It replaces an existing goparallel kernelspec there, so it can be run again after
// moving the binary.
func Install(loc Location, binary string) (string, error) {
	kernels, err := loc.KernelsDir()
	if err != nil {
		return "", err
	}
	if !filepath.IsAbs(binary) {
		if binary, err = filepath.Abs(binary); err != nil {
			return "", err
		}
	}
	dir := filepath.Join(kernels, Name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("creating kernelspec directory: %w", err)
	}
	spec, err := KernelJSON(binary)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "kernel.json"), spec, 0o644); err != nil {
		return "", fmt.Errorf("writing kernel.json: %w", err)
	}
	for _, logo := range []string{"logo-32x32.png", "logo-64x64.png"} {
		b, err := files.ReadFile(logo)
		if err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(dir, logo), b, 0o644); err != nil {
			return "", fmt.Errorf("writing %s: %w", logo, err)
		}
	}
	return dir, nil
}
