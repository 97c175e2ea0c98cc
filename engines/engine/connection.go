package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/goparallel/goparallel/parallel/profile"
	"github.com/goparallel/goparallel/protocol"
)

// ParseConnection decodes and checks the JSON of an engine connection file (or of
// the profile.EnvEngineConnection variable). Missing transport and signature
// scheme default to tcp and hmac-sha256.
func ParseConnection(b []byte) (*protocol.EngineConnection, error) {
	var c protocol.EngineConnection
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("engine: connection info: %w", err)
	}
	if c.Transport == "" {
		c.Transport = "tcp"
	}
	if c.SignatureScheme == "" {
		c.SignatureScheme = protocol.SignatureScheme
	}
	switch c.Transport {
	case "tcp", "ipc":
	default:
		return nil, fmt.Errorf("engine: connection info: unsupported transport %q (want tcp or ipc)", c.Transport)
	}
	if c.Transport == "tcp" && (c.EnginePort <= 0 || c.EnginePort > 65535) {
		return nil, fmt.Errorf("engine: connection info: invalid engine_port %d", c.EnginePort)
	}
	if c.Key != "" && c.SignatureScheme != protocol.SignatureScheme {
		return nil, fmt.Errorf("engine: connection info: unsupported signature scheme %q", c.SignatureScheme)
	}
	if c.ClusterSize < 0 {
		return nil, fmt.Errorf("engine: connection info: negative cluster_size %d", c.ClusterSize)
	}
	return &c, nil
}

// Endpoint returns the ZeroMQ endpoint of the controller's engine socket. A
// controller listening on all interfaces is reached at its location (the host
// it advertised), or on the loopback interface when it gave none.
func Endpoint(c *protocol.EngineConnection) string {
	port := strconv.Itoa(c.EnginePort)
	if c.Transport == "ipc" {
		return "ipc://" + c.IP + "-" + port
	}
	ip := c.IP
	switch ip {
	case "", "*", "0.0.0.0", "::", "[::]":
		ip = c.Location
		if ip == "" {
			ip = "127.0.0.1"
		}
	}
	if strings.Contains(ip, ":") && !strings.HasPrefix(ip, "[") {
		ip = "[" + ip + "]"
	}
	return "tcp://" + ip + ":" + port
}

// LoadConnection finds the engine's connection info, in order of precedence: the
// file given with --file, the environment variable profile.EnvEngineConnection,
// then the profile's ipcontroller-engine.json for the cluster id.
func LoadConnection(file, profileName, clusterID string) (*protocol.EngineConnection, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("engine: %w", err)
		}
		return ParseConnection(b)
	}
	if env := os.Getenv(profile.EnvEngineConnection); env != "" {
		c, err := ParseConnection([]byte(env))
		if err != nil {
			return nil, fmt.Errorf("%w (from $%s)", err, profile.EnvEngineConnection)
		}
		return c, nil
	}
	if err := profile.ValidClusterID(clusterID); err != nil {
		return nil, err
	}
	p, err := profile.Find(profileName)
	if err != nil {
		return nil, err
	}
	path := p.EngineFile(clusterID)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("engine: no connection info: %s does not exist (is the controller running? or pass --file, or set $%s)",
			path, profile.EnvEngineConnection)
	}
	if err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	return ParseConnection(b)
}
