// Package testenv helps tests start the real components they run against
// (see its subpackages) and find the repository they live in.
package testenv

import (
	"errors"
	"os"
	"path/filepath"
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
