package task

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
)

// npmEntry is one entry of package-lock.json's "packages" map (v2/v3).
type npmEntry struct {
	Version              string            `json:"version"`
	Link                 bool              `json:"link"`
	Dependencies         map[string]string `json:"dependencies"`
	DevDependencies      map[string]string `json:"devDependencies"`
	OptionalDependencies map[string]string `json:"optionalDependencies"`
	PeerDependencies     map[string]string `json:"peerDependencies"`
	digest               string
}

// npmLock is a parsed package-lock.json: entry key -> entry.
type npmLock map[string]*npmEntry

// readNPMLock reads the root package-lock.json; no file is an empty lock.
func readNPMLock(file string) (npmLock, error) {
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return npmLock{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read package-lock.json: %w", err)
	}
	var doc struct {
		Packages map[string]json.RawMessage `json:"packages"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("package-lock.json: %w", err)
	}
	lock := make(npmLock, len(doc.Packages))
	for key, raw := range doc.Packages {
		e := &npmEntry{}
		if err := json.Unmarshal(raw, e); err != nil {
			return nil, fmt.Errorf("package-lock.json: packages[%q]: %w", key, err)
		}
		sum := sha256.Sum256(raw)
		e.digest = hex.EncodeToString(sum[:6])
		lock[key] = e
	}
	return lock, nil
}

// resolve finds the entry a require of name from the entry at key resolves
// to, walking up node_modules folders as Node does.
func (l npmLock) resolve(key, name string) string {
	for dir := key; ; dir = path.Dir(dir) {
		if dir == "." || dir == "/" {
			dir = ""
		}
		cand := path.Join(dir, "node_modules", name)
		if _, ok := l[cand]; ok {
			return cand
		}
		if dir == "" {
			return ""
		}
	}
}

// packages returns the registry packages the workspace at dir resolves to,
// transitively (its own devDependencies included, those of its
// dependencies not): "npm:<lock key>" -> version and entry digest. Other
// workspaces are left out: the component graph covers them.
func (l npmLock) packages(dir string) map[string]string {
	root, ok := l[dir]
	if !ok {
		return nil
	}
	out := map[string]string{}
	seen := map[string]bool{}
	var visit func(key string, e *npmEntry, dev bool)
	visit = func(key string, e *npmEntry, dev bool) {
		lists := []map[string]string{e.Dependencies, e.OptionalDependencies, e.PeerDependencies}
		if dev {
			lists = append(lists, e.DevDependencies)
		}
		for _, deps := range lists {
			for name := range deps {
				k := l.resolve(key, name)
				if k == "" || seen[k] {
					continue
				}
				seen[k] = true
				dep := l[k]
				if dep.Link {
					continue
				}
				out["npm:"+k] = dep.Version + " " + dep.digest
				visit(k, dep, false)
			}
		}
	}
	visit(dir, root, true)
	return out
}
