package ipcluster

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/goparallel/goparallel/engines/launcher"
	"github.com/goparallel/goparallel/parallel/profile"
	"github.com/goparallel/goparallel/protocol"
)

// State is the content of a cluster state file.
type State struct {
	Profile   string `json:"profile"`
	ClusterID string `json:"cluster_id"`
	// N is how many engines were started.
	N        int    `json:"n"`
	Launcher string `json:"launcher"`
	// ControllerPID and EnginePIDs are the processes started; OwnerPID is the
	// foreground process that started them (0 when daemonized).
	ControllerPID int       `json:"controller_pid"`
	EnginePIDs    []int     `json:"engine_pids"`
	OwnerPID      int       `json:"owner_pid,omitempty"`
	Daemonized    bool      `json:"daemonized"`
	Started       time.Time `json:"started"`
	IP            string    `json:"ip,omitempty"`
	LogDir        string    `json:"log_dir,omitempty"`
}

// Status values of Status.
const (
	StatusRunning  = "running"  // controller and every engine alive
	StatusDegraded = "degraded" // controller alive, some engines gone
	StatusStale    = "stale"    // controller gone: files left behind
)

// Status tells from the recorded pids whether the cluster still runs.
func (s *State) Status() string {
	if !launcher.AliveAs(s.ControllerPID, "controller") {
		return StatusStale
	}
	for _, pid := range s.EnginePIDs {
		if !launcher.AliveAs(pid, "engine") {
			return StatusDegraded
		}
	}
	return StatusRunning
}

// AliveEngines counts the engine processes still alive.
func (s *State) AliveEngines() int {
	n := 0
	for _, pid := range s.EnginePIDs {
		if launcher.AliveAs(pid, "engine") {
			n++
		}
	}
	return n
}

func writeState(p *profile.Profile, s *State) error {
	return protocol.WriteConnectionFile(p.ClusterFile(s.ClusterID), s)
}

// ReadState reads the state file of a cluster.
func ReadState(profileName, clusterID string) (*State, error) {
	p, err := profile.Find(profileName)
	if err != nil {
		return nil, err
	}
	if err := profile.ValidClusterID(clusterID); err != nil {
		return nil, err
	}
	return readStateFile(p.ClusterFile(clusterID))
}

func readStateFile(path string) (*State, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var s State
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("ipcluster: state file %s: %w", path, err)
	}
	return &s, nil
}

// removeFiles deletes a cluster's state and connection files, and the socket
// files an ipc controller left behind when it was killed.
func removeFiles(p *profile.Profile, clusterID string) error {
	removeStaleSockets(p, clusterID)
	var errs []error
	for _, f := range []string{p.ClusterFile(clusterID), p.ClientFile(clusterID), p.EngineFile(clusterID)} {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// removeStaleSockets removes the ipc socket files named by a cluster's
// connection files that nothing listens on any more (a controller that exits
// normally unlinks its own), then their directory if it is a controller-made
// one ("gp-*") left empty. A stale socket file would make a new controller's
// bind on the same path fail, and the directories would pile up in the temp dir.
func removeStaleSockets(p *profile.Profile, clusterID string) {
	var paths []string
	if c, err := readClientFile(p.ClientFile(clusterID)); err == nil && c.Transport == "ipc" {
		paths = append(paths, c.IP+"-"+strconv.Itoa(c.ClientPort), c.IP+"-"+strconv.Itoa(c.NotifyPort))
	}
	if b, err := os.ReadFile(p.EngineFile(clusterID)); err == nil {
		var c protocol.EngineConnection
		if json.Unmarshal(b, &c) == nil && c.Transport == "ipc" {
			paths = append(paths, c.IP+"-"+strconv.Itoa(c.EnginePort))
		}
	}
	dirs := map[string]bool{}
	for _, path := range paths {
		fi, err := os.Lstat(path)
		if err != nil || fi.Mode()&os.ModeSocket == 0 {
			continue
		}
		// A controller that still answers (one started by hand, say) keeps its
		// sockets.
		if nc, err := net.DialTimeout("unix", path, time.Second); err == nil {
			nc.Close()
			continue
		}
		os.Remove(path)
		dirs[filepath.Dir(path)] = true
	}
	for d := range dirs {
		if strings.HasPrefix(filepath.Base(d), "gp-") {
			os.Remove(d) // fails, harmlessly, unless empty
		}
	}
}

// List returns the clusters recorded in every profile (or in one, when
// profileName is not empty), with unreadable state files skipped.
func List(profileName string) ([]*State, error) {
	var dirs []string
	if profileName != "" {
		p, err := profile.Find(profileName)
		if err != nil {
			return nil, err
		}
		dirs = []string{p.PidDir()}
	} else {
		base, err := profile.BaseDir()
		if err != nil {
			return nil, err
		}
		m, _ := filepath.Glob(filepath.Join(base, "profile_*", "pid"))
		dirs = m
	}
	var out []*State
	for _, d := range dirs {
		files, _ := filepath.Glob(filepath.Join(d, "cluster*.json"))
		for _, f := range files {
			s, err := readStateFile(f)
			if err != nil {
				continue
			}
			if s.Profile == "" {
				// Trust the directory over a hand-edited file.
				s.Profile = strings.TrimPrefix(filepath.Base(filepath.Dir(d)), "profile_")
			}
			out = append(out, s)
		}
	}
	return out, nil
}

// Clean removes the files of stale clusters (controller gone), killing any of
// their engines still alive, and returns the clusters it cleaned.
func Clean(profileName string) ([]*State, error) {
	all, err := List(profileName)
	if err != nil {
		return nil, err
	}
	var cleaned []*State
	var errs []error
	for _, s := range all {
		if s.Status() != StatusStale {
			continue
		}
		for _, pid := range s.EnginePIDs {
			if launcher.AliveAs(pid, "engine") {
				_ = launcher.SignalGroup(pid, syscall.SIGKILL)
			}
		}
		p, err := profile.Find(s.Profile)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := removeFiles(p, s.ClusterID); err != nil {
			errs = append(errs, err)
			continue
		}
		cleaned = append(cleaned, s)
	}
	return cleaned, errors.Join(errs...)
}
