// Package npmlock reads package-lock.json (lockfile v2 and v3) and answers
// which registry packages a workspace resolves to, walking node_modules
// folders the way Node does. mono affected compares these sets between two
// revisions; mono run hashes them into a workspace's task key.
package npmlock

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path"
)

// Entry is one entry of the lockfile's "packages" map.
type Entry struct {
	Version              string            `json:"version"`
	Link                 bool              `json:"link"`
	Dependencies         map[string]string `json:"dependencies"`
	DevDependencies      map[string]string `json:"devDependencies"`
	OptionalDependencies map[string]string `json:"optionalDependencies"`
	PeerDependencies     map[string]string `json:"peerDependencies"`
	// Digest identifies the entry's whole content (version, resolved URL,
	// integrity, dependencies).
	Digest string `json:"-"`
}

// Lock maps an entry key ("", "web/console", "node_modules/react",
// "web/console/node_modules/x") to its entry.
type Lock map[string]*Entry

// Parse reads lockfile content; name is used in errors. Empty data is an
// empty lock.
func Parse(name string, data []byte) (Lock, error) {
	if len(data) == 0 {
		return Lock{}, nil
	}
	var doc struct {
		LockfileVersion int                        `json:"lockfileVersion"`
		Packages        map[string]json.RawMessage `json:"packages"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if doc.LockfileVersion < 2 {
		return nil, fmt.Errorf("%s: lockfileVersion %d is not supported; run npm install with npm 7 or newer to upgrade it", name, doc.LockfileVersion)
	}
	lock := make(Lock, len(doc.Packages))
	for key, raw := range doc.Packages {
		e := &Entry{}
		if err := json.Unmarshal(raw, e); err != nil {
			return nil, fmt.Errorf("%s: packages[%q]: %w", name, key, err)
		}
		sum := sha256.Sum256(compact(raw))
		e.Digest = hex.EncodeToString(sum[:8])
		lock[key] = e
	}
	return lock, nil
}

func compact(raw json.RawMessage) []byte {
	var buf bytes.Buffer
	if json.Compact(&buf, raw) != nil {
		return raw
	}
	return buf.Bytes()
}

// Resolve returns the key of the entry that a require of name from the
// entry at key resolves to, or "".
func (l Lock) Resolve(key, name string) string {
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

// Packages returns the registry packages that the workspace at dir resolves
// to, transitively: entry key -> digest. The workspace's own
// devDependencies count, those of its dependencies do not (npm does not
// install them). Other workspaces (link entries) are left out: the
// component graph covers them. A workspace missing from the lock has none.
func (l Lock) Packages(dir string) map[string]string {
	root, ok := l[dir]
	if !ok {
		return nil
	}
	out := map[string]string{}
	seen := map[string]bool{}
	var visit func(key string, e *Entry, dev bool)
	visit = func(key string, e *Entry, dev bool) {
		lists := []map[string]string{e.Dependencies, e.OptionalDependencies, e.PeerDependencies}
		if dev {
			lists = append(lists, e.DevDependencies)
		}
		for _, deps := range lists {
			for name := range deps {
				k := l.Resolve(key, name)
				if k == "" || seen[k] {
					continue
				}
				seen[k] = true
				dep := l[k]
				if dep.Link {
					continue
				}
				out[k] = dep.Digest
				visit(k, dep, false)
			}
		}
	}
	visit(dir, root, true)
	return out
}
