package task

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/acme/platform/build/internal/npmlock"
)

// readNPMLock reads the root package-lock.json; no file is an empty lock.
func readNPMLock(file string) (npmlock.Lock, error) {
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return npmlock.Lock{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read package-lock.json: %w", err)
	}
	return npmlock.Parse("package-lock.json", data)
}

// npmPackages returns the registry packages the workspace at dir resolves
// to, as key inputs: "npm:<lock key>" -> "<version> <entry digest>".
func npmPackages(lock npmlock.Lock, dir string) map[string]string {
	pkgs := lock.Packages(dir)
	if len(pkgs) == 0 {
		return nil
	}
	out := make(map[string]string, len(pkgs))
	for k, digest := range pkgs {
		out["npm:"+k] = lock[k].Version + " " + digest
	}
	return out
}
