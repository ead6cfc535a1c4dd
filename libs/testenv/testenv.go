// Package testenv helps tests start the real components they run against
// (see its subpackages) and find the repository they live in.
package testenv

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"sync"
)

// RepoRoot returns the repository root: the first folder upwards from the
// working directory that holds mono.yaml.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "mono.yaml")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", errors.New("testenv: no mono.yaml above " + dir)
		}
	}
}

// SyncBuffer is a bytes.Buffer safe for concurrent writers: a log sink that
// tests read while servers write to it.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns everything written so far.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
