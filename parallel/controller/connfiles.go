package controller

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/goparallel/goparallel/parallel/profile"
	"github.com/goparallel/goparallel/protocol"
)

// newKey returns a random signing key: 32 bytes, hex-encoded, as connection files
// carry keys as strings.
func newKey() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("controller: generating a key: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// connFilePaths returns where the client and engine connection files go.
func connFilePaths(o Options) (client, engine string, err error) {
	p, err := profile.Find(o.Profile)
	if err != nil {
		return "", "", fmt.Errorf("controller: %w", err)
	}
	client, engine = p.ClientFile(o.ClusterID), p.EngineFile(o.ClusterID)
	if o.SecurityDir != "" {
		client = filepath.Join(o.SecurityDir, filepath.Base(client))
		engine = filepath.Join(o.SecurityDir, filepath.Base(engine))
		return client, engine, nil
	}
	if err := p.Ensure(); err != nil {
		return "", "", fmt.Errorf("controller: %w", err)
	}
	return client, engine, nil
}

// writeConnFiles writes both connection files (mode 0600, they hold the key).
func writeConnFiles(clientPath, enginePath string, cc protocol.ClientConnection, ec protocol.EngineConnection) error {
	if err := protocol.WriteConnectionFile(clientPath, cc); err != nil {
		return fmt.Errorf("controller: %w", err)
	}
	if err := protocol.WriteConnectionFile(enginePath, ec); err != nil {
		os.Remove(clientPath)
		return fmt.Errorf("controller: %w", err)
	}
	return nil
}

// removeConnFile removes a connection file this controller wrote, but not one a
// newer controller of the same profile and cluster id has written over it since:
// the key tells them apart.
func removeConnFile(path, key string) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("controller: removing connection file: %w", err)
	}
	var f struct {
		Key string `json:"key"`
	}
	if json.Unmarshal(b, &f) == nil && f.Key != key {
		return nil
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("controller: removing connection file: %w", err)
	}
	return nil
}
