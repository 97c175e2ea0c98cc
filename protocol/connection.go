package protocol

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// ConnectionInfo is the content of a Jupyter connection file: where a kernel's five
// sockets listen and how its messages are signed.
type ConnectionInfo struct {
	Transport       string `json:"transport"` // "tcp" or "ipc"
	IP              string `json:"ip"`
	ShellPort       int    `json:"shell_port"`
	ControlPort     int    `json:"control_port"`
	IOPubPort       int    `json:"iopub_port"`
	StdinPort       int    `json:"stdin_port"`
	HBPort          int    `json:"hb_port"`
	Key             string `json:"key"`
	SignatureScheme string `json:"signature_scheme"`
	KernelName      string `json:"kernel_name,omitempty"`
}

// ReadConnectionFile reads and checks a connection file.
func ReadConnectionFile(path string) (*ConnectionInfo, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("protocol: reading connection file: %w", err)
	}
	var ci ConnectionInfo
	if err := json.Unmarshal(b, &ci); err != nil {
		return nil, fmt.Errorf("protocol: connection file %s: %w", path, err)
	}
	if err := ci.Validate(); err != nil {
		return nil, fmt.Errorf("protocol: connection file %s: %w", path, err)
	}
	return &ci, nil
}

// Validate checks the transport, address and signature scheme. Missing transport and
// scheme default to tcp and hmac-sha256, as jupyter_client does.
func (ci *ConnectionInfo) Validate() error {
	if ci.Transport == "" {
		ci.Transport = "tcp"
	}
	if ci.SignatureScheme == "" {
		ci.SignatureScheme = SignatureScheme
	}
	switch ci.Transport {
	case "tcp", "ipc":
	default:
		return fmt.Errorf("unsupported transport %q (want tcp or ipc)", ci.Transport)
	}
	if ci.IP == "" {
		return fmt.Errorf("no ip")
	}
	if ci.Key != "" && ci.SignatureScheme != SignatureScheme {
		return fmt.Errorf("unsupported signature scheme %q (want %q)", ci.SignatureScheme, SignatureScheme)
	}
	return nil
}

// Endpoint returns the ZeroMQ endpoint of a port: "tcp://ip:port", or for ipc the
// jupyter_client convention "ipc://ip-port", where ip is a path prefix.
func (ci *ConnectionInfo) Endpoint(port int) string {
	if ci.Transport == "ipc" {
		return "ipc://" + ci.IP + "-" + strconv.Itoa(port)
	}
	return "tcp://" + ci.IP + ":" + strconv.Itoa(port)
}

// WriteConnectionFile writes v as JSON to path with mode 0600, since it holds the
// signing key, replacing any file there atomically.
func WriteConnectionFile(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("protocol: encoding connection file: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("protocol: writing connection file: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".conn-*")
	if err != nil {
		return fmt.Errorf("protocol: writing connection file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err == nil {
		_, err = tmp.Write(append(b, '\n'))
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("protocol: writing connection file %s: %w", path, err)
	}
	return nil
}
