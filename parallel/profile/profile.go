// Package profile locates a cluster's files: the profile directory, the connection
// files the controller writes for clients and engines, and the cluster state files
// ipcluster keeps. Client, controller, engines and ipcluster all find each other
// through these paths, the same layout IPython Parallel uses:
//
//	~/.goparallel/profile_<name>/security/ipcontroller[-<cluster id>]-client.json
//	~/.goparallel/profile_<name>/security/ipcontroller[-<cluster id>]-engine.json
//	~/.goparallel/profile_<name>/pid/cluster[-<cluster id>].json
package profile

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// EnvDir names the environment variable that overrides the base directory
// (~/.goparallel), for tests and for clusters that share a filesystem.
const EnvDir = "GOPARALLEL_DIR"

// EnvEngineConnection names the environment variable through which a launcher may
// hand an engine its connection info (the JSON of ipcontroller-engine.json), so no
// file has to be copied to the engine's host.
const EnvEngineConnection = "GOPARALLEL_ENGINE_CONNECTION"

// DefaultName is the profile used when none is given.
const DefaultName = "default"

// Profile is one named profile directory.
type Profile struct {
	Name string
	Dir  string
}

// BaseDir returns the directory holding all profiles.
func BaseDir() (string, error) {
	if d := os.Getenv(EnvDir); d != "" {
		return d, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("profile: no home directory: %w", err)
	}
	return filepath.Join(home, ".goparallel"), nil
}

// Find returns the profile with the given name ("" means default). The directory is
// not created; see [Profile.Ensure].
func Find(name string) (*Profile, error) {
	if name == "" {
		name = DefaultName
	}
	if strings.ContainsAny(name, `/\`) || name == "." || name == ".." {
		return nil, fmt.Errorf("profile: invalid profile name %q", name)
	}
	base, err := BaseDir()
	if err != nil {
		return nil, err
	}
	return &Profile{Name: name, Dir: filepath.Join(base, "profile_"+name)}, nil
}

// Ensure creates the profile's directories, private to the user.
func (p *Profile) Ensure() error {
	for _, d := range []string{p.SecurityDir(), p.PidDir()} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("profile: %w", err)
		}
	}
	return nil
}

// SecurityDir holds the connection files.
func (p *Profile) SecurityDir() string { return filepath.Join(p.Dir, "security") }

// PidDir holds the cluster state files.
func (p *Profile) PidDir() string { return filepath.Join(p.Dir, "pid") }

func suffix(clusterID string) string {
	if clusterID == "" {
		return ""
	}
	return "-" + clusterID
}

// ClientFile is the connection file clients read.
func (p *Profile) ClientFile(clusterID string) string {
	return filepath.Join(p.SecurityDir(), "ipcontroller"+suffix(clusterID)+"-client.json")
}

// EngineFile is the connection file engines read.
func (p *Profile) EngineFile(clusterID string) string {
	return filepath.Join(p.SecurityDir(), "ipcontroller"+suffix(clusterID)+"-engine.json")
}

// ClusterFile is the state file of a cluster started by ipcluster (its processes).
func (p *Profile) ClusterFile(clusterID string) string {
	return filepath.Join(p.PidDir(), "cluster"+suffix(clusterID)+".json")
}

// ValidClusterID reports an error for a cluster id that cannot be part of a file name.
func ValidClusterID(id string) error {
	if strings.ContainsAny(id, `/\`) || id == "." || id == ".." {
		return fmt.Errorf("profile: invalid cluster id %q", id)
	}
	return nil
}
